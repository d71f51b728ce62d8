// ByteSources: random access to bytes, the only way the media module reads content. A local file
// (staged upload, fs blob) and a small in-memory buffer here; an S3 object (ranged GETs) later.
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ByteSource } from './types.js';

export type FileSource = ByteSource & {
  readonly localPath: string;
  /** Releases the file handle; reads after it fail. */
  close(): Promise<void>;
};

/** A ByteSource over a local file, read with positional reads on one file handle. */
export async function openFileSource(path: string): Promise<FileSource> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
    size = stat.size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  let closed = false;
  return {
    size,
    localPath: path,
    async read(offset, length) {
      const wanted = clampLength(size, offset, length);
      const buffer = Buffer.allocUnsafe(wanted);
      let filled = 0;
      // A positional read may return fewer bytes than asked before the end: loop until full.
      while (filled < wanted) {
        const { bytesRead } = await handle.read(buffer, filled, wanted - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === wanted ? buffer : buffer.subarray(0, filled);
    },
    stream(start = 0, end = size - 1) {
      if (end < start) return Readable.from([]);
      // A separate descriptor, so a stream and positional reads never disturb each other.
      return fs.createReadStream(path, { start, end });
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** A ByteSource over bytes already in memory (small files, tests). */
export function bufferSource(buf: Buffer | Uint8Array): ByteSource {
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    size: bytes.length,
    async read(offset, length) {
      const wanted = clampLength(bytes.length, offset, length);
      return bytes.subarray(offset, offset + wanted);
    },
    stream(start = 0, end = bytes.length - 1) {
      return Readable.from([bytes.subarray(start, end + 1)]);
    },
  };
}

function clampLength(size: number, offset: number, length: number): number {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`bad read offset ${offset}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad read length ${length}`);
  return Math.max(0, Math.min(length, size - offset));
}
