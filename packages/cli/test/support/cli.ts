// Runs the BUILT `vireo` binary: a server (`vireo serve` on a fresh data directory and a random
// port) and client commands with their own config directory, as a person or a script would.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

export const BIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

const dirs: string[] = [];
export function tempDir(prefix = 'vireo-cli-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export const removeTempDirs = () => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true }));

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment without the DATATURE_VI_* variables of the person running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('DATATURE_VI_')) env[k] = v;
  return { ...env, VIREO_LOG_LEVEL: 'silent', ...extra };
}

export interface Running {
  child: ChildProcess;
  /** Resolves when the process exits. */
  done: Promise<RunResult>;
  /** Resolves when stderr+stdout so far match `pattern`. */
  waitForOutput(pattern: RegExp): Promise<void>;
}

export function start(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.pattern.test(stdout + stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => ((stdout += d), check()));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => ((stderr += d), check()));
  const done = new Promise<RunResult>((resolve) => child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  return {
    child,
    done,
    waitForOutput: (pattern) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve });
        check();
        void done.then((r) => reject(new Error(`exited (${r.status}) before printing ${pattern}:\n${r.stdout}\n${r.stderr}`)));
      }),
  };
}

export const run = (args: string[], env: Record<string, string>) => start(args, env).done;

export interface CliServer {
  url: string;
  organizationId: string;
  secretKey: string;
  dataDir: string;
  /** The lines `vireo serve` printed up to its Health line. */
  banner: string;
  /** The `vireo serve` process. */
  pid: number;
  /** Environment for client commands: its own XDG config dir, no credentials. */
  env: Record<string, string>;
  /** Environment with this server's credentials in DATATURE_VI_*. */
  authEnv: Record<string, string>;
  /** Counts of answered requests by method (from /metrics), e.g. how many byte PUTs arrived. */
  requestCount(method: string): Promise<number>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `vireo serve` on a fresh data directory and a random port; `args` and `env` are added to its own. */
export async function startServer(options: { args?: string[]; env?: Record<string, string> } = {}): Promise<CliServer> {
  const dataDir = tempDir();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent', ...(options.args ?? [])], {
    env: cleanEnv({ VIREO_JOB_POLL_MS: '50', ...options.env }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      if (l.includes('Health:')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${lines.join('\n')}`)));
  });
  const banner = lines.join('\n');
  const url = /running at (http:\/\/\S+)/.exec(banner)![1]!;
  const organizationId = /Organization id:\s+(\S+)/.exec(banner)![1]!;
  const secretKey = /Secret key:\s+(dtvi_\S+)/.exec(banner)![1]!;
  // Own config and cache directories: the tests never touch the login or checksum cache of the person running them.
  const env = cleanEnv({ XDG_CONFIG_HOME: tempDir('vireo-config-'), XDG_CACHE_HOME: tempDir('vireo-cache-') });
  return {
    url,
    organizationId,
    secretKey,
    dataDir,
    banner,
    pid: child.pid!,
    env,
    authEnv: { ...env, DATATURE_VI_API_ENDPOINT: url, DATATURE_VI_ORGANIZATION_ID: organizationId, DATATURE_VI_SECRET_KEY: secretKey },
    async requestCount(method) {
      const body = await (await fetch(`${url}/metrics`)).text();
      let n = 0;
      for (const m of body.matchAll(/^vireo_http_requests_total\{([^}]*)\} (\d+)/gm)) {
        if (m[1]!.includes(`method="${method}"`)) n += Number(m[2]);
      }
      return n;
    },
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exit;
    },
  };
}

/** One server for the whole test file: started before its tests, stopped (and temp dirs removed) after. */
export function useServer(): () => CliServer {
  let server: CliServer | undefined;
  beforeAll(async () => {
    server = await startServer();
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    removeTempDirs();
  });
  return () => server!;
}
