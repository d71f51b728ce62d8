// Byte transfers to and from signed URLs over keep-alive connections (undici), with retries on
// network errors, 408, 429 (honouring Retry-After) and 5xx. Signed URLs carry their own
// authorization: no credentials are sent.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import type { ResolvedConfig } from '../config.js';
import { describe } from '../http.js';
import { backoffMs, retryAfterMs, sleep } from '../retry.js';

/** Small files are sent from one read; larger ones are streamed from disk. */
const ONE_READ_MAX = 1024 * 1024;
/** Bytes of a ranged GET gathered before they are written. */
const WRITE_BATCH = 1024 * 1024;
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Keep-alive connections to one origin; downloads follow redirects (uploads never do). */
export function newAgent(connections: number, followRedirects = false): Dispatcher {
  const agent = new Agent({ connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connect: { timeout: 30_000 } });
  return followRedirects ? agent.compose(interceptors.redirect({ maxRedirections: 5 })) : agent;
}

export type TransferOutcome =
  | { ok: true; status: number }
  /**
   * `status` undefined: no answer (network), or the local file could not be read (`code`: ENOENT,
   * EACCES…). `retryable`: what failed was transient (the server may never have seen the bytes).
   */
  | { ok: false; status: number | undefined; message: string; body: string; retryable: boolean; code?: string };

interface RetryOptions {
  config: ResolvedConfig;
  maxRetries: number;
  signal?: AbortSignal | undefined;
}

async function withRetries(o: RetryOptions, attempt: () => Promise<TransferOutcome>): Promise<TransferOutcome> {
  let failures = 0;
  let rateLimited = 0;
  for (;;) {
    let out: TransferOutcome;
    let wait: number | undefined;
    try {
      out = await attempt();
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason;
      out = { ok: false, status: undefined, message: describe(err), body: '', retryable: true };
    }
    if (out.ok || !out.retryable) return out;
    if (out.status === 429) {
      if (rateLimited >= o.config.maxRateLimitRetries) return out;
      wait = retryAfterFrom(out) ?? backoffMs(rateLimited, o.config.retryBaseDelayMs, o.config.retryMaxDelayMs);
      rateLimited++;
    } else {
      if (failures >= o.maxRetries) return out;
      wait = retryAfterFrom(out) ?? backoffMs(failures, o.config.retryBaseDelayMs, o.config.retryMaxDelayMs);
      failures++;
    }
    await sleep(Math.min(wait, o.config.retryMaxDelayMs), o.signal);
  }
}

const retryAfterOf = new WeakMap<object, number>();
const retryAfterFrom = (o: object) => retryAfterOf.get(o);

async function outcome(res: Dispatcher.ResponseData): Promise<TransferOutcome> {
  const body = await res.body.text();
  if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
  const out: TransferOutcome = { ok: false, status: res.statusCode, message: messageOf(res.statusCode, body), body, retryable: RETRY_STATUS.has(res.statusCode) };
  const ra = res.headers['retry-after'];
  const ms = retryAfterMs(Array.isArray(ra) ? ra[0] : ra);
  if (ms !== undefined) retryAfterOf.set(out, ms);
  return out;
}

function messageOf(status: number, body: string): string {
  try {
    const j = JSON.parse(body) as { message?: unknown; error?: unknown };
    if (typeof j.message === 'string') return j.message;
    if (typeof j.error === 'string') return j.error;
  } catch {
    // not JSON
  }
  return `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
}

export interface PutFileOptions extends RetryOptions {
  agent: Dispatcher;
  url: string;
  method?: string | null | undefined;
  headers?: Record<string, string> | null | undefined;
  file: string;
  size: number;
  /** Called with the bytes of each attempt that succeeded. */
  onSent?: (bytes: number) => void;
}

/** Sends a file's bytes to a signed URL (PUT unless told otherwise). */
export async function putFile(o: PutFileOptions): Promise<TransferOutcome> {
  const out = await withRetries(o, async () => {
    let body: Buffer | fs.ReadStream;
    // The file is opened before the request: one that vanished or cannot be read is that file's
    // failure (not retried as if the network had failed).
    try {
      if (o.size <= ONE_READ_MAX) body = await fs.promises.readFile(o.file);
      else body = (await fs.promises.open(o.file, 'r')).createReadStream({ highWaterMark: ONE_READ_MAX });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EREAD';
      return { ok: false, status: undefined, message: `could not be read: ${describe(err)}`, body: '', retryable: false, code };
    }
    if (Buffer.isBuffer(body) && body.length !== o.size) {
      return { ok: false, status: undefined, message: `changed since it was scanned (${o.size} → ${body.length} bytes); run the upload again`, body: '', retryable: false, code: 'ECHANGED' };
    }
    const res = await request(o.url, {
      method: (o.method ?? 'PUT') as Dispatcher.HttpMethod,
      headers: { ...(o.headers ?? {}), 'content-length': String(o.size) },
      body,
      dispatcher: o.agent,
      signal: o.signal,
    });
    return outcome(res);
  });
  if (out.ok) o.onSent?.(o.size);
  return out;
}

export interface GetToFileOptions extends RetryOptions {
  agent: Dispatcher;
  url: string;
  /** Where the bytes go (created or truncated on each attempt). */
  file: string;
}

/** Streams a GET into a file. */
export async function getToFile(o: GetToFileOptions): Promise<TransferOutcome & { bytes?: number }> {
  let bytes = 0;
  const out = await withRetries(o, async () => {
    const res = await request(o.url, { method: 'GET', dispatcher: o.agent, signal: o.signal });
    if (res.statusCode !== 200) return outcome(res);
    bytes = 0;
    const ws = fs.createWriteStream(o.file);
    res.body.on('data', (c: Buffer) => (bytes += c.length));
    await pipeline(res.body, ws);
    return { ok: true, status: 200 };
  });
  return { ...out, bytes };
}

export interface GetRangeOptions extends RetryOptions {
  agent: Dispatcher;
  url: string;
  start: number;
  /** Inclusive. */
  end: number;
  fh: fs.promises.FileHandle;
}

/** GETs bytes start..end (inclusive) and writes them at the same offset; anything but an exact 206 is a failure. */
export async function getRange(o: GetRangeOptions): Promise<TransferOutcome> {
  return withRetries(o, async () => {
    const res = await request(o.url, { method: 'GET', headers: { range: `bytes=${o.start}-${o.end}` }, dispatcher: o.agent, signal: o.signal });
    if (res.statusCode !== 206) {
      if (res.statusCode === 200) {
        res.body.destroy();
        return { ok: false, status: 200, message: 'the server ignored the Range header', body: '', retryable: false };
      }
      return outcome(res);
    }
    const cr = String(res.headers['content-range'] ?? '');
    if (!cr.startsWith(`bytes ${o.start}-${o.end}/`)) {
      res.body.destroy();
      return { ok: false, status: 206, message: `unexpected Content-Range "${cr}"`, body: '', retryable: true };
    }
    // Chunks arrive at socket size (tens of KiB): they are written in batches of about WRITE_BATCH
    // bytes, one writev each, instead of one write (and one thread-pool round trip) per chunk.
    let pos = o.start;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batchBytes === 0) return;
      const bytes = batchBytes;
      const { bytesWritten } = await o.fh.writev(batch, pos);
      if (bytesWritten !== bytes) throw new Error(`wrote ${bytesWritten} of ${bytes} bytes to the file (disk full?)`);
      pos += bytes;
      batch = [];
      batchBytes = 0;
    };
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      if (pos + batchBytes + buf.length > o.end + 1) return { ok: false, status: 206, message: 'more bytes than the range asked for', body: '', retryable: true };
      batch.push(buf);
      batchBytes += buf.length;
      if (batchBytes >= WRITE_BATCH) await flush();
    }
    await flush();
    if (pos !== o.end + 1) return { ok: false, status: 206, message: `short range: ${pos - o.start} of ${o.end - o.start + 1} bytes`, body: '', retryable: true };
    return { ok: true, status: 206 };
  });
}

/** HEAD: the size the server announces (Content-Length), and whether it takes ranges. */
export async function headSize(agent: Dispatcher, url: string, signal?: AbortSignal): Promise<{ status: number; size: number | undefined; ranges: boolean }> {
  const res = await request(url, { method: 'HEAD', dispatcher: agent, signal });
  await res.body.dump();
  const len = Number(res.headers['content-length']);
  return { status: res.statusCode, size: Number.isSafeInteger(len) && len > 0 ? len : undefined, ranges: String(res.headers['accept-ranges'] ?? '') === 'bytes' };
}
