// Where the chunks of multipart uploads wait until the upload is complete. Not in blob staging:
// staging belongs to one process and is discarded when it restarts, while a multipart upload must
// survive restarts and take its chunks through any process. Local disk: <root>/multipart/<upload>/.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

export class PartSizeError extends Error {
  constructor(
    readonly expected: number,
    readonly got: number | 'more',
  ) {
    super(got === 'more' ? `more than the ${expected} bytes expected` : `${got} bytes instead of the ${expected} expected`);
    this.name = 'PartSizeError';
  }
}

export interface StoredPart {
  /** Names the file of these bytes (a re-upload of the chunk gets a new key). */
  key: string;
  size: number;
  /** Lower-case hex MD5 of the bytes (what S3 answers as a part's ETag). */
  etag: string;
}

export interface PartStore {
  /**
   * Streams `input` into a new part of `uploadId`; it must be exactly `size` bytes (else
   * PartSizeError, nothing kept). Never destroys `input`, so the caller can still answer the client.
   */
  write(uploadId: string, index: number, input: Readable, size: number): Promise<StoredPart>;
  /** The parts' bytes one after the other, read as a stream (never held in memory). */
  concat(uploadId: string, keys: string[]): Readable;
  /** Removes every part of the upload; an upload without parts is not an error. */
  removeUpload(uploadId: string): Promise<void>;
  /** Upload ids that have part files (for the sweep of leftovers). */
  uploadsWithParts(): Promise<string[]>;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const KEY = /^\d{1,9}\.[0-9a-f]{16}$/;

export class FsPartStore implements PartStore {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'multipart');
    fs.mkdirSync(this.root, { recursive: true });
  }

  async write(uploadId: string, index: number, input: Readable, size: number): Promise<StoredPart> {
    const dir = this.dir(uploadId);
    await fs.promises.mkdir(dir, { recursive: true });
    const key = `${index}.${crypto.randomBytes(8).toString('hex')}`;
    const file = path.join(dir, key);
    const out = fs.createWriteStream(file, { highWaterMark: 256 * 1024 });
    const md5 = crypto.createHash('md5');
    let got = 0;
    try {
      await copy(input, out, (chunk) => {
        got += chunk.length;
        if (got > size) throw new PartSizeError(size, 'more');
        md5.update(chunk);
      });
      if (got !== size) throw new PartSizeError(size, got);
    } catch (err) {
      // Wait until the stream has closed: destroyed while its open() is still under way, it
      // creates the file after an rm() issued at once, which would leave the part behind.
      out.destroy();
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      await fs.promises.rm(file, { force: true });
      throw err;
    }
    return { key, size, etag: md5.digest('hex') };
  }

  concat(uploadId: string, keys: string[]): Readable {
    const files = keys.map((k) => this.file(uploadId, k));
    return Readable.from(
      (async function* () {
        for (const file of files) yield* fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
      })(),
      { objectMode: false },
    );
  }

  async removeUpload(uploadId: string): Promise<void> {
    await fs.promises.rm(this.dir(uploadId), { recursive: true, force: true });
  }

  async uploadsWithParts(): Promise<string[]> {
    return (await fs.promises.readdir(this.root, { withFileTypes: true })).filter((e) => e.isDirectory() && ID.test(e.name)).map((e) => e.name);
  }

  private dir(uploadId: string): string {
    if (!ID.test(uploadId)) throw new Error(`bad upload id ${uploadId}`);
    return path.join(this.root, uploadId);
  }

  private file(uploadId: string, key: string): string {
    if (!KEY.test(key)) throw new Error(`bad part key ${key}`);
    return path.join(this.dir(uploadId), key);
  }
}

/** Copies with backpressure; on a failure stops listening and pauses `input` without destroying it. */
function copy(input: Readable, out: fs.WriteStream, inspect: (chunk: Buffer) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', finish);
      input.off('close', onClose);
      if (err) {
        input.pause();
        reject(err);
      }
    };
    const onData = (chunk: Buffer) => {
      try {
        inspect(chunk);
      } catch (err) {
        finish(err);
        return;
      }
      if (!out.write(chunk)) {
        input.pause();
        out.once('drain', () => {
          if (!done) input.resume();
        });
      }
    };
    const onEnd = () => {
      finish();
      out.end((err?: Error | null) => (err ? reject(err) : resolve()));
    };
    const onClose = () => finish(new Error('the client went away before the body ended'));
    out.once('error', (err) => finish(err));
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', finish);
    input.once('close', onClose);
    input.resume();
  });
}
