// Exit codes and how results and errors are shown to people (tables) and scripts (--json).
import { ViConfigurationError, ViInvalidParameterError } from '@vireo/sdk';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** An error in how the command was called (missing credentials, bad option value): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints an error for a person (no stack trace unless VIREO_DEBUG is set) and returns the exit code. */
export function reportError(err: unknown): number {
  // A malformed id or option value given to the SDK is the caller's mistake too.
  if ((err instanceof Error && err.name === 'ConfigError') || err instanceof UsageError || err instanceof ViConfigurationError || err instanceof ViInvalidParameterError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  const e = err as { status?: unknown; requestId?: unknown };
  const detail = [typeof e?.status === 'number' ? `HTTP ${e.status}` : '', typeof e?.requestId === 'string' && e.requestId ? `request ${e.requestId}` : '']
    .filter(Boolean)
    .join(', ');
  process.stderr.write(`error: ${message}${detail ? ` (${detail})` : ''}\n`);
  if (process.env.VIREO_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return EXIT.failed;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain aligned table: easy to read, and easy to cut/awk. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${line(headers)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

/** After a summary: a blank line and a table of the files that failed (nothing when none did). */
export function printFailedFiles(rows: Array<[file: string, code: string, detail?: string]>): void {
  if (rows.length === 0) return;
  process.stdout.write('\n');
  const withDetail = rows.some((r) => r[2] !== undefined);
  printTable(withDetail ? ['FAILED FILE', 'ERROR', 'DETAIL'] : ['FAILED FILE', 'ERROR'], rows.map((r) => (withDetail ? [r[0], r[1], r[2] ?? ''] : [r[0], r[1]])));
}

/** Label/value lines for one object (`get` commands). */
export function printFields(fields: Array<[label: string, value: string]>): void {
  const width = Math.max(...fields.map(([l]) => l.length));
  for (const [label, value] of fields) process.stdout.write(`${`${label}:`.padEnd(width + 2)}${value}\n`);
}

export const formatTime = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace('.000', '');

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
