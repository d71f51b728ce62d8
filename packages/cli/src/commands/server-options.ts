// Options shared by commands that act on the server's own data (serve, orgs, keys): each flag
// stands for an environment variable and wins over it.
import type { Command } from 'commander';
import type { Config } from '@vireo/server';

const FLAGS: Array<[flag: string, env: string, help: string]> = [
  ['--data-dir <dir>', 'VIREO_DATA_DIR', 'data directory (default ./.vireo; env VIREO_DATA_DIR)'],
  ['--database-url <url>', 'DATABASE_URL', 'postgres://… or sqlite:<file> (default: SQLite in the data directory; env DATABASE_URL)'],
];

export function addServerDataOptions(cmd: Command): Command {
  for (const [flag, , help] of FLAGS) cmd.option(flag, help);
  return cmd;
}

/** Reads the configuration from the environment with `overrides` (flag values keyed by env name). */
export async function configFrom(opts: Record<string, unknown>, extra: Array<[optionKey: string, env: string]> = []): Promise<Config> {
  // Loaded on demand: the client commands start faster without the server's modules.
  const { loadConfig } = await import('@vireo/server');
  const env: Record<string, string | undefined> = { ...process.env };
  const pairs: Array<[string, string]> = [['dataDir', 'VIREO_DATA_DIR'], ['databaseUrl', 'DATABASE_URL'], ...extra];
  for (const [key, name] of pairs) {
    const v = opts[key];
    if (v !== undefined) env[name] = String(v);
  }
  return loadConfig(env);
}
