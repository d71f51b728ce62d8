/// <reference path="../types/zip-stream.d.ts" />
// zip-stream, made faster where the export spends its time (both overrides are covered by
// test/zip-writer.test.ts, which checks every byte and CRC of the archives it writes):
// - it writes every header field (2–4 bytes) as its own stream chunk: tens of chunks per entry,
//   each paying the stream machinery and, downstream, a hash update and a file write. Small writes
//   are gathered into 64 KiB chunks (large data chunks pass straight through, after whatever is
//   pending, so the byte order never changes); the offset zip-stream keeps stays exact;
// - STOREd entries get their CRC-32 from zlib's native crc32 instead of a JavaScript one.
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import ZipStream, { type ZipEntry } from 'zip-stream';

const METHOD_STORED = 0;

/** Passes bytes through, measuring their CRC-32 and count. */
class Crc32Meter extends Transform {
  crc = 0;
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = zlib.crc32(chunk, this.crc);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

const SMALL = 16 * 1024;
const BATCH = 64 * 1024;

export class BatchedZipStream extends ZipStream {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  override write(chunk: Buffer | string, callback?: (err?: Error | null) => void): boolean {
    if (chunk && chunk.length < SMALL && callback === undefined) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.offset += bytes.length;
      this.pending.push(bytes);
      this.pendingBytes += bytes.length;
      if (this.pendingBytes >= BATCH) this.flushPending();
      return true;
    }
    this.flushPending();
    return super.write(chunk, callback);
  }

  /** STOREd entries: native CRC-32; same protocol as compress-commons (end -> record sizes -> callback). */
  protected override _smartStream(entry: ZipEntry, callback: (err: Error | null, entry: ZipEntry) => void): NodeJS.WritableStream {
    if (entry.getMethod() !== METHOD_STORED) return super._smartStream(entry, callback);
    const meter = new Crc32Meter();
    let error: Error | null = null;
    meter.once('error', (err: Error) => (error = err));
    meter.once('end', () => {
      entry.setCrc(meter.crc >>> 0);
      entry.setSize(meter.bytes);
      entry.setCompressedSize(meter.bytes);
      this._afterAppend(entry);
      callback(error, entry);
    });
    meter.pipe(this as unknown as NodeJS.WritableStream, { end: false });
    return meter;
  }

  override end(...args: unknown[]): this {
    this.flushPending();
    return super.end(...args);
  }

  private flushPending(): void {
    if (this.pendingBytes === 0) return;
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.offset -= bytes.length; // counted when they were gathered; super.write counts them again
    super.write(bytes);
  }
}
