/// <reference path="../types/zip-stream.d.ts" />
// zip-stream writes every header field (2–4 bytes) as its own stream chunk: tens of chunks per
// entry, each paying the stream machinery and, downstream, a hash update and a file write. This
// subclass gathers those small writes into 64 KiB chunks (large data chunks pass straight through,
// after whatever is pending, so the byte order never changes). The offset bookkeeping zip-stream
// relies on is kept exact at every moment.
import ZipStream from 'zip-stream';

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
