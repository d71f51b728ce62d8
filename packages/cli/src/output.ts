// Exit codes and how errors are shown to people.
import { ConfigError } from '@vireo/server';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Prints an error for a person (no stack trace unless VIREO_DEBUG is set) and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.VIREO_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return EXIT.failed;
}

export const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** A plain aligned table. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${line(headers)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

export const formatTime = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace('.000', ''));
