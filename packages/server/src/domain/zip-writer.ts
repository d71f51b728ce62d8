/// <reference path="../types/zip-stream.d.ts" />
// zip-stream, made faster where the export spends its time (both overrides are covered by
// test/zip-writer.test.ts, which checks every byte and CRC of the archives it writes):
// - it writes every header field (2–4 bytes) as its own stream chunk: tens of chunks per entry,
//   each paying the stream machinery and, downstream, a hash update and a file write. Small writes
//   are gathered into 64 KiB chunks (large data chunks pass straight through, after whatever is
//   pending, so the byte order never changes); the offset zip-stream keeps stays exact;
// - STOREd entries get their CRC-32 from zlib's native crc32 instead of a JavaScript one;
// - `fileEntry` adds a whole file already in memory without a stream per entry (the stream
//   machinery cost more than the copy), written exactly as a streamed entry is (data descriptor
//   after the bytes), so the archive's bytes do not depend on how an entry was read.
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import ZipStream, { type EntryData, type ZipEntry } from 'zip-stream';

const METHOD_STORED = 0;
/** compress-commons' MIN_VERSION_DATA_DESCRIPTOR: what a streamed entry's local header says. */
const VERSION_DATA_DESCRIPTOR = 20;

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

/** Writes below this size are gathered (copied into a batch); larger ones pass through as they are. */
export const SMALL = 16 * 1024;
const BATCH = 64 * 1024;

export class BatchedZipStream extends ZipStream {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Buffers given to fileEntry, written as streamed entries are. */
  private readonly asFile = new WeakSet<Buffer>();

  /** Adds a STOREd file whose bytes are in memory; same bytes in the archive as entry(stream, ...). */
  fileEntry(bytes: Buffer, data: EntryData, callback: (err: Error | null) => void): this {
    this.asFile.add(bytes);
    return this.entry(bytes, { ...data, store: true }, callback);
  }

  /** STOREd buffers: native CRC-32; files from fileEntry get a data descriptor like _appendStream's. */
  protected override _appendBuffer(entry: ZipEntry, source: Buffer, callback: (err: Error | null, entry: ZipEntry) => void): void {
    if (entry.getMethod() !== METHOD_STORED) return super._appendBuffer(entry, source, callback);
    const asFile = this.asFile.delete(source);
    const measure = () => {
      entry.setSize(source.length);
      entry.setCompressedSize(source.length);
      entry.setCrc(zlib.crc32(source) >>> 0);
    };
    if (asFile) {
      // As _appendStream: the local header is written before the sizes are known (zeros there).
      entry.getGeneralPurposeBit().useDataDescriptor(true);
      entry.setVersionNeededToExtract(VERSION_DATA_DESCRIPTOR);
      this._writeLocalFileHeader(entry);
      measure();
    } else {
      measure();
      this._writeLocalFileHeader(entry);
    }
    this.write(source);
    this._afterAppend(entry);
    callback(null, entry);
  }

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

  /**
   * Whether no chunk of SMALL bytes or more that was written is still held here (neither side of
   * the stream has anything waiting): a large buffer given to it earlier is then no longer
   * referenced from here. Small writes may still be gathered (`pending`).
   */
  holdsNoLargeChunk(): boolean {
    const self = this as unknown as { readableLength: number; writableLength: number };
    return self.readableLength === 0 && self.writableLength === 0;
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
