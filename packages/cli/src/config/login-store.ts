// Where `vireo login` keeps the endpoint, organization and secret key: one JSON file in the user's
// config directory ($XDG_CONFIG_HOME/vireo, else ~/.config/vireo), readable by the user alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface StoredLogin {
  endpoint: string;
  organizationId: string;
  secretKey: string;
  /** When the login was saved (ms since the epoch). */
  savedAt: number;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.config');
  return path.join(base, 'vireo');
}

export const loginFile = (env: NodeJS.ProcessEnv = process.env) => path.join(configDir(env), 'credentials.json');

/** The saved login cannot be used (not JSON, or not a login): says which file and how to fix it. */
export class CorruptLoginError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`the saved login ${file} is damaged (${detail}): run \`vireo login\` again to replace it (or \`vireo logout\` to remove it)`);
    this.name = 'ConfigError'; // reported as a setup problem (exit 2), without a stack
  }
}

export function readLogin(env: NodeJS.ProcessEnv = process.env): StoredLogin | undefined {
  const file = loginFile(env);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let value: Partial<StoredLogin> | null;
  try {
    value = JSON.parse(text) as Partial<StoredLogin> | null;
  } catch {
    throw new CorruptLoginError(file, 'not valid JSON');
  }
  if (typeof value?.endpoint !== 'string' || typeof value.organizationId !== 'string' || typeof value.secretKey !== 'string') {
    throw new CorruptLoginError(file, 'endpoint, organizationId or secretKey missing');
  }
  return value as StoredLogin;
}

/** Writes the login atomically (temporary file + rename) with mode 0600 in a 0700 directory. */
export function writeLogin(login: StoredLogin, env: NodeJS.ProcessEnv = process.env): string {
  const dir = configDir(env);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700); // mkdir's mode is masked by umask and ignored when the dir exists
  const file = loginFile(env);
  const tmp = `${file}.${process.pid}.tmp`;
  // Created 0600 from the first byte, so the key is never readable by others, even briefly.
  fs.writeFileSync(tmp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  return file;
}

/** Removes the stored login; true when there was one. */
export function removeLogin(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    fs.unlinkSync(loginFile(env));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
