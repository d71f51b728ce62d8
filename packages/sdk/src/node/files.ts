// Which local files an upload takes: a file, a folder (recursive) or a list of both, filtered by
// the extensions of the seeds; and a CRC32C read while streaming each file.
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { IMAGE_EXTENSIONS } from '@vireo/wire';
import { ViInvalidParameterError } from '../errors.js';

/** Asset extensions (lower case) and their MIME types (vi-protocol.md §5.1): the server's own list. */
export const ASSET_MIME: Readonly<Record<string, string>> = IMAGE_EXTENSIONS;

export interface LocalFile {
  path: string;
  /** The basename: what the server stores. */
  filename: string;
  size: number;
}

/**
 * Files under `paths`. Folders contribute files whose extension `accept` takes (recursively, in
 * name order); explicit files are taken as given. Missing paths are a ViInvalidParameterError.
 */
export async function collectFiles(paths: string | string[], accept: (ext: string) => boolean): Promise<LocalFile[]> {
  const list = Array.isArray(paths) ? paths : [paths];
  if (list.length === 0) throw new ViInvalidParameterError('paths is empty: give a file, a folder or a list of them');
  const out: LocalFile[] = [];
  const seen = new Set<string>();
  const add = (p: string, size: number) => {
    const abs = path.resolve(p);
    if (seen.has(abs)) return;
    seen.add(abs);
    out.push({ path: abs, filename: path.basename(abs), size });
  };
  for (const p of list) {
    if (typeof p !== 'string' || p === '') throw new ViInvalidParameterError('paths must be non-empty strings');
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(p);
    } catch {
      throw new ViInvalidParameterError(`${p} does not exist or cannot be read`);
    }
    if (st.isDirectory()) {
      const entries = await fs.promises.readdir(p, { recursive: true, withFileTypes: true });
      const files = entries
        .filter((e) => e.isFile() && accept(path.extname(e.name).toLowerCase()))
        .map((e) => path.join(e.parentPath, e.name))
        .sort();
      // Stat in parallel: folders of 100k files should not take 100k round trips in a row.
      const sizes = await mapLimit(files, 64, async (f) => (await fs.promises.stat(f)).size);
      files.forEach((f, i) => add(f, sizes[i]!));
    } else if (st.isFile()) {
      add(p, st.size);
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
