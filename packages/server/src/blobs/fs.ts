// The local-disk blob store: <root>/blobs/a/b/<sha256>, staging in <root>/staging/<process>/.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { crc32c } from '@node-rs/crc32';
import type { ByteSource } from '../media/types.js';
import { StageLimitError, type BlobReader, type BlobStore, type ByteRange, type StagedObject, type StageOptions } from './store.js';

const SHA256 = /^[0-9a-f]{64}$/;
const HEX = '0123456789abcdef';

/**
 * Where a blob lives under blobs/: two levels of 16 directories, named by its first two hex digits.
 * All 256 are made when the store opens, so storing a blob never creates a directory (on a fresh
 * data directory, a directory per blob cost as much as writing the file itself). At 10 million
 * blobs a directory holds about 40,000 files, which ext4 and XFS index well.
 */
export const blobRelativePath = (sha256: string): string => path.join(sha256[0]!, sha256[1]!, sha256);
/** Bytes of each staged upload kept in memory until it is promoted (the media reader's first read is 64 KiB). */
const HEAD_BYTES = 64 * 1024;

export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly stagingRoot: string;
  /** This process's own staging directory: <host>-<pid>-<random>. */
  private readonly stagingDir: string;
  /** Staged objects of this process, with the first bytes of each kept for header inspection. */
  private readonly staged = new Map<string, Buffer | undefined>();
  /** Staging keys: a random prefix per store and a counter (no random bytes per upload). */
  private readonly keyPrefix = crypto.randomBytes(4).toString('hex');
  private keyCounter = 0;

  constructor(root: string) {
    this.blobsDir = path.join(root, 'blobs');
    this.stagingRoot = path.join(root, 'staging');
    this.stagingDir = path.join(this.stagingRoot, `${os.hostname()}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
    fs.mkdirSync(this.stagingDir, { recursive: true });
    // Made in order, so the last one present means all are (one removed by hand is made again by promote()).
    if (!fs.existsSync(path.join(this.blobsDir, 'f', 'f'))) {
      for (const a of HEX) for (const b of HEX) fs.mkdirSync(path.join(this.blobsDir, a, b), { recursive: true });
    }
    moveOldLayout(this.blobsDir);
  }

  async stage(input: Readable, options: StageOptions): Promise<StagedObject> {
    const key = this.newKey();
    const meter = new Meter(options);
    this.staged.set(key, undefined);
    let fd: number | undefined;
    try {
      // Creating the file waits on the file system's inode allocation (hundreds of microseconds on
      // a busy ext4): that runs in libuv's thread pool, beside the event loop. Everything after it
      // is done synchronously: writing a chunk to the page cache, closing, renaming take a few
      // microseconds, less than a round trip through the thread pool (nginx blocks on them too).
      fd = await openForWriting(this.stagedPath(key));
      const out = fd;
      await consume(input, (chunk) => {
        meter.update(chunk);
        writeAll(out, chunk);
      });
      fs.closeSync(fd);
      fd = undefined;
    } catch (err) {
      if (fd !== undefined) fs.closeSync(fd);
      await this.discardStaged(key);
      throw err;
    }
    this.staged.set(key, meter.head());
    return { key, ...meter.result() };
  }

  async stageBuffer(bytes: Buffer): Promise<StagedObject> {
    const key = this.newKey();
    this.staged.set(key, undefined);
    try {
      await fs.promises.writeFile(this.stagedPath(key), bytes);
    } catch (err) {
      // The caller never learns the key: remove the partial file (and the entry) here.
      await this.discardStaged(key);
      throw err;
    }
    return {
      key,
      size: bytes.length,
      crc32c: crc32c(bytes) >>> 0,
      sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    };
  }

  openStaged(key: string, size: number): ByteSource {
    return fileSource(this.stagedPath(key), size, this.staged.get(key));
  }

  async discardStaged(key: string): Promise<void> {
    // Keys this process staged and has not promoted or discarded yet; any other is a no-op.
    if (!this.staged.delete(key)) return;
    await fs.promises.rm(this.stagedPath(key), { force: true });
  }

  async promote(key: string, sha256: string): Promise<void> {
    const target = this.blobPath(sha256);
    // rename() replaces atomically: readers see the old or the new file (same bytes), never a part.
    try {
      fs.renameSync(this.stagedPath(key), target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Promoted already (a retried transaction repeats its steps): nothing left to do.
      if (!this.staged.has(key) && fs.existsSync(target)) return;
      // The fan-out directory was removed by hand: make it again.
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(this.stagedPath(key), target);
    }
    this.staged.delete(key);
  }

  open(sha256: string, size: number): ByteSource {
    return fileSource(this.blobPath(sha256), size);
  }

  readInto(sha256: string, into: Buffer, length: number): Promise<number> {
    // Callback fs calls: cheaper than a FileHandle, and a whole-file read is three of them.
    return new Promise((resolve, reject) => {
      fs.open(this.blobPath(sha256), 'r', (openErr, fd) => {
        if (openErr) return reject(openErr);
        let got = 0;
        const finish = (err: Error | null) => fs.close(fd, (closeErr) => (err || closeErr ? reject(err ?? closeErr) : resolve(got)));
        const step = () =>
          fs.read(fd, into, got, length - got, got, (err, n) => {
            if (err) return finish(err);
            got += n;
            if (n === 0 || got >= length) finish(null);
            else step();
          });
        if (length === 0) finish(null);
        else step();
      });
    });
  }

  stream(sha256: string, range?: ByteRange): Readable {
    return fs.createReadStream(this.blobPath(sha256), range ? { start: range.start, end: range.end, highWaterMark: 256 * 1024 } : { highWaterMark: 256 * 1024 });
  }

  openReader(sha256: string): Promise<BlobReader> {
    // Callback fs calls, as readInto: cheaper than a FileHandle's promises on a download's hot path.
    return new Promise((resolve, reject) => {
      fs.open(this.blobPath(sha256), 'r', (err, fd) => {
        if (err) return reject(err);
        resolve({
          read: (into, length, position) =>
            new Promise((res, rej) => fs.read(fd, into, 0, length, position, (readErr, n) => (readErr ? rej(readErr) : res(n)))),
          close: () => new Promise((res, rej) => fs.close(fd, (closeErr) => (closeErr ? rej(closeErr) : res()))),
        });
      });
    });
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      await fs.promises.access(this.blobPath(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async delete(sha256: string): Promise<void> {
    await fs.promises.rm(this.blobPath(sha256), { force: true });
  }

  async recoverStaging(): Promise<number> {
    const host = os.hostname();
    let removed = 0;
    for (const entry of await fs.promises.readdir(this.stagingRoot, { withFileTypes: true })) {
      const full = path.join(this.stagingRoot, entry.name);
      if (full === this.stagingDir) continue;
      const m = /^(.*)-(\d+)-[0-9a-f]{8}$/.exec(entry.name);
      // Another live process on this host (or, on a shared disk, any recent one) may still be writing.
      // A directory with our own pid is a previous life of this process (containers reuse pids).
      const dead = m ? (m[1] === host ? Number(m[2]) === process.pid || !processAlive(Number(m[2])) : await olderThan(full, 24 * 3600_000)) : true;
      if (dead) {
        await fs.promises.rm(full, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  private newKey(): string {
    return `${this.keyPrefix}${(this.keyCounter++).toString(16).padStart(16, '0')}.part`;
  }

  private stagedPath(key: string): string {
    if (!/^[0-9a-f]{24}\.part$/.test(key)) throw new Error(`bad staging key ${key}`);
    return path.join(this.stagingDir, key);
  }

  private blobPath(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`bad blob id ${sha256}`);
    return path.join(this.blobsDir, blobRelativePath(sha256));
  }
}

/** Measures bytes as they pass: size, CRC32C, SHA-256; enforces the size limits. */
class Meter {
  private size = 0;
  private crc = 0;
  private readonly hash = crypto.createHash('sha256');
  private readonly headChunks: Buffer[] = [];

  constructor(private readonly options: StageOptions) {}

  /** Throws StageLimitError when the chunk takes the total past a limit. */
  update(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.options.maxBytes) throw new StageLimitError('too-large', this.options.maxBytes);
    if (this.options.declaredSize !== undefined && this.size > this.options.declaredSize) {
      throw new StageLimitError('longer-than-declared', this.options.declaredSize);
    }
    if (this.options.crc32c !== false) this.crc = crc32c(chunk, this.crc);
    this.hash.update(chunk);
    // A copy: the caller may reuse the chunk's memory once this returns (BlobStore.stage).
    const before = this.size - chunk.length;
    if (before < HEAD_BYTES) this.headChunks.push(Buffer.from(chunk.subarray(0, HEAD_BYTES - before)));
  }

  /** The first bytes (up to HEAD_BYTES): where nearly every header is, read back without a disk read. */
  head(): Buffer {
    const all = this.headChunks.length === 1 ? this.headChunks[0]! : Buffer.concat(this.headChunks);
    return all.length > HEAD_BYTES ? all.subarray(0, HEAD_BYTES) : all;
  }

  result(): Omit<StagedObject, 'key'> {
    return { size: this.size, crc32c: this.crc >>> 0, sha256: this.hash.digest('hex') };
  }
}

/**
 * Hands each chunk of `input` to `onChunk` (which writes it synchronously, so there is nothing to
 * wait for between chunks) until the end; rejects with what `onChunk` throws. Unlike
 * stream.pipeline it never destroys `input` when it stops early: an HTTP request stays readable,
 * so the server can still answer the client (and Node discards the rest of the body) instead of
 * resetting the connection.
 */
function consume(input: Readable, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (err?: unknown) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.off('close', onClose);
      if (err) {
        input.pause();
        reject(err);
      } else resolve();
    };
    const onData = (chunk: Buffer) => {
      try {
        onChunk(chunk);
      } catch (err) {
        finish(err);
      }
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(err);
    const onClose = () => finish(new Error('the client went away before the body ended'));
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.once('close', onClose);
    input.resume();
  });
}

const openForWriting = (file: string) =>
  new Promise<number>((resolve, reject) => fs.open(file, 'wx', 0o600, (err, fd) => (err ? reject(err) : resolve(fd))));

function writeAll(fd: number, chunk: Buffer): void {
  for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at, chunk.length - at);
}

function fileSource(file: string, size: number, head?: Buffer): ByteSource {
  return {
    size,
    async read(offset: number, length: number): Promise<Buffer> {
      const want = Math.max(0, Math.min(length, size - offset));
      if (head && offset + want <= head.length) return head.subarray(offset, offset + want);
      const handle = await fs.promises.open(file, 'r');
      try {
        const buffer = Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const { bytesRead } = await handle.read(buffer, got, want - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return got === want ? buffer : buffer.subarray(0, got);
      } finally {
        await handle.close();
      }
    },
    stream: () => fs.createReadStream(file),
  };
}

/** Data directories of earlier versions kept blobs under ab/cd/: moves them to the current layout. */
function moveOldLayout(blobsDir: string): void {
  for (const first of fs.readdirSync(blobsDir)) {
    if (!/^[0-9a-f]{2}$/.test(first)) continue;
    for (const second of fs.readdirSync(path.join(blobsDir, first))) {
      const dir = path.join(blobsDir, first, second);
      for (const name of fs.readdirSync(dir)) if (SHA256.test(name)) fs.renameSync(path.join(dir, name), path.join(blobsDir, blobRelativePath(name)));
    }
    fs.rmSync(path.join(blobsDir, first), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  try {
    return (await fs.promises.stat(file)).mtimeMs < Date.now() - ms;
  } catch {
    return false;
  }
}
