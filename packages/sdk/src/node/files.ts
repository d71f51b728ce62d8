// Which local files an upload takes: a file, a folder (recursive) or a list of both, filtered by
// the extensions of the seeds; and a CRC32C read while streaming each file.
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { IMAGE_EXTENSIONS } from '@vireo/wire';
import { ViInvalidParameterError, ViUploadError } from '../errors.js';
import { nowNs, stampOf, type FileStamp } from './checksum-cache.js';

/** Asset extensions (lower case) and their MIME types (vi-protocol.md §5.1): the server's own list. */
export const ASSET_MIME: Readonly<Record<string, string>> = IMAGE_EXTENSIONS;

export interface LocalFile {
  path: string;
  /** The basename: what the server stores. */
  filename: string;
  size: number;
}

/** A file as the scan saw it: its stamp is the checksum cache's key. */
export interface ScannedFile extends LocalFile {
  stamp: FileStamp;
}

/** A file found in a folder that could not be stat'ed (it vanished, or permissions). */
export interface UnreadableFile {
  path: string;
  /** The system's error code (ENOENT, EACCES…). */
  code: string;
  message: string;
}

type Stat = { st: fs.BigIntStats; started: bigint } | NodeJS.ErrnoException;

const STAT_CHUNK = 256;
/** Mean time of one synchronous stat above which the file system counts as slow (network). */
const SLOW_STAT_MS = 0.2;
/** Stats in flight on a slow file system. */
const STAT_CONCURRENCY = 64;

/**
 * Stats of many files, in input order. On a local disk a stat of a cached inode takes microseconds
 * and the async API costs ten times that in thread hand-offs, so files are stat'ed synchronously,
 * in chunks that leave the event loop free in between (Ctrl-C, progress). When a chunk shows the
 * file system is slow (a network share), the rest go asynchronously, 64 at a time.
 */
async function statAll(files: readonly string[]): Promise<Stat[]> {
  const out = new Array<Stat>(files.length);
  const one = (f: string): Stat => {
    const started = nowNs();
    try {
      return { st: fs.statSync(f, { bigint: true }), started };
    } catch (err) {
      return err as NodeJS.ErrnoException;
    }
  };
  let i = 0;
  while (i < files.length) {
    const t = performance.now();
    const end = Math.min(files.length, i + STAT_CHUNK);
    const n = end - i;
    for (; i < end; i++) out[i] = one(files[i]!);
    const slow = (performance.now() - t) / n > SLOW_STAT_MS;
    if (i < files.length) await new Promise(setImmediate);
    if (slow) break;
  }
  const rest = files.slice(i);
  const stats = await mapLimit(rest, STAT_CONCURRENCY, async (f): Promise<Stat> => {
    const started = nowNs();
    return fs.promises.stat(f, { bigint: true }).then((st) => ({ st, started }), (err: NodeJS.ErrnoException) => err);
  });
  stats.forEach((s, k) => (out[i + k] = s));
  return out;
}

export async function collectFiles(
  paths: string | string[],
  accept: (ext: string) => boolean,
  onUnreadable?: (file: UnreadableFile) => void,
): Promise<ScannedFile[]> {
  const list = Array.isArray(paths) ? paths : [paths];
  if (list.length === 0) throw new ViInvalidParameterError('paths is empty: give a file, a folder or a list of them');
  for (const p of list) if (typeof p !== 'string' || p === '') throw new ViInvalidParameterError('paths must be non-empty strings');
  const out: ScannedFile[] = [];
  const seen = new Set<string>();
  const add = (p: string, st: fs.BigIntStats, statStartedNs: bigint) => {
    const abs = path.resolve(p);
    if (seen.has(abs)) return;
    seen.add(abs);
    out.push({ path: abs, filename: path.basename(abs), size: Number(st.size), stamp: stampOf(st, statStartedNs) });
  };
  const tops = await statAll(list);
  for (const [i, p] of list.entries()) {
    const top = tops[i]!;
    if (top instanceof Error) throw new ViInvalidParameterError(`${p} does not exist or cannot be read`);
    const { st, started } = top;
    if (st.isDirectory()) {
      const entries = await fs.promises.readdir(p, { recursive: true, withFileTypes: true });
      const files = entries
        .filter((e) => e.isFile() && accept(path.extname(e.name).toLowerCase()))
        .map((e) => path.join(e.parentPath, e.name))
        .sort();
      const stats = await statAll(files);
      files.forEach((f, i) => {
        const r = stats[i]!;
        if (!(r instanceof Error)) return add(f, r.st, r.started);
        const problem = { path: path.resolve(f), code: r.code ?? 'EREAD', message: `could not be read: ${r.message}` };
        if (!onUnreadable) throw new ViUploadError(`${problem.path} ${problem.message}`);
        onUnreadable(problem);
      });
    } else if (st.isFile()) {
      add(p, st, started);
    } else {
      throw new ViInvalidParameterError(`${p} is neither a file nor a folder`);
    }
  }
  return out;
}

export const mimeOf = (file: string): string | undefined => ASSET_MIME[path.extname(file).toLowerCase()];

const HASH_CHUNK = 1024 * 1024;

/** CRC32C (Castagnoli) of a file, read in 1 MiB chunks into one reused buffer. */
export async function crc32cOfFile(file: string, buffer: Buffer = Buffer.allocUnsafe(HASH_CHUNK)): Promise<{ crc: number; size: number }> {
  const fh = await fs.promises.open(file, 'r');
  try {
    let crc = 0;
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      crc = crc32c(buffer.subarray(0, bytesRead), crc);
      size += bytesRead;
    }
    return { crc: crc >>> 0, size };
  } finally {
    await fh.close();
  }
}

/** Base64 of the 4-byte big-endian CRC32C (the annotation import's `crc32c`). */
export function crc32cBase64(crc: number): string {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(crc >>> 0);
  return b.toString('base64');
}

/** An optional positive-integer option: its default when undefined, else a ViInvalidParameterError unless 1 or more. */
export function positiveOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new ViInvalidParameterError(`${name} must be a positive integer (got ${value})`);
  return value;
}

/** Runs `fn` over items with at most `n` at a time, answers in input order. */
export async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** A counting semaphore: at most `n` holders at once, shared by several loops. */
export class Limiter {
  #active = 0;
  readonly #queue: Array<() => void> = [];
  constructor(readonly n: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.n) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#active++;
    try {
      return await fn();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
