// Writes a range of a blob to an HTTP response through a few buffers that are used again and
// again. A read stream allocates a fresh buffer for every chunk: a 200 MB archive download is
// 200 MB of short-lived external memory, and V8 answers that with full mark-compact collections of
// the whole server heap (measured: about half of the server's CPU during a download went to GC).
// Here a buffer goes back to a small shared pool only once the response's write callback said its
// bytes were handed to the kernel (Writable's contract), so nothing still reads a buffer that is
// being filled again.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BlobReader } from '../blobs/store.js';

/** Bytes per read and per write. */
const CHUNK = 512 * 1024;
/** Buffers one response uses at once: one being filled while the other is being written. */
const PER_RESPONSE = 2;
/** Buffers kept for the next responses (the rest are left to the GC): 8 MiB at most. */
const POOL_MAX = 16;
const pool: Buffer[] = [];

const takeBuffer = () => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
const giveBack = (buffer: Buffer) => {
  if (pool.length < POOL_MAX) pool.push(buffer);
};

/**
 * Sends the headers set on `reply` and then `length` bytes of `reader` from `start`; closes the
 * reader at the end, on a read error (the connection is then cut: the status line is gone) or when
 * the client goes away. The reply is hijacked, so the app's onSend hook (x-request-id) is applied
 * here; onResponse hooks (metrics, request log) still run when the response finishes.
 */
export function sendFileBody(request: FastifyRequest, reply: FastifyReply, reader: BlobReader, start: number, length: number): void {
  reply.header('x-request-id', request.id);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string | number | string[]>);

  const end = start + length;
  let position = start;
  let buffersOut = 0;
  let reading = false;
  let stopped = false;
  let closed = false;
  // The file is closed only when no read is in flight: a descriptor closed under a pending read
  // could be reused by another open() and the read would land in the wrong file.
  const closeReader = () => {
    if (closed || reading) return;
    closed = true;
    reader.close().catch((err: unknown) => request.log.warn({ err }, 'closing a blob after a download failed'));
  };
  const stop = (err?: Error) => {
    if (stopped) return;
    stopped = true;
    if (err) {
      request.log.error({ err }, 'reading a blob for a download failed');
      res.destroy(err);
    }
    closeReader();
  };
  const pump = () => {
    if (stopped || reading) return;
    if (position >= end) {
      res.end();
      stop();
      return;
    }
    if (buffersOut >= PER_RESPONSE) return;
    const buffer = takeBuffer();
    buffersOut++;
    reading = true;
    reader.read(buffer, Math.min(CHUNK, end - position), position).then(
      (n) => {
        reading = false;
        if (stopped || n === 0) {
          buffersOut--;
          giveBack(buffer);
          if (!stopped) stop(new Error(`the blob ended ${end - position} bytes before the size on record`));
          closeReader();
          return;
        }
        position += n;
        res.write(buffer.subarray(0, n), (writeErr) => {
          buffersOut--;
          if (writeErr) {
            // The client went away (perhaps before 'close' could be heard): stop reading. The
            // buffer is left to the GC: no doubt about who still holds it.
            stop();
            return;
          }
          giveBack(buffer);
          pump();
        });
        pump();
      },
      (readErr: Error) => {
        reading = false;
        buffersOut--;
        giveBack(buffer);
        stop(readErr);
        closeReader();
      },
    );
  };
  res.once('close', () => stop());
  pump();
}
