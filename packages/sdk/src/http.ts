// One API call: headers, a time limit per attempt, retries with backoff, and the error mapping of
// spec §7. fetch only, so it runs in browsers too.
import type { ResolvedConfig } from './config.js';
import { errorForStatus, messageFromBody, ViNetworkError, ViOperationError, ViRateLimitError, ViTimeoutError } from './errors.js';
import { backoffMs, RETRYABLE_STATUS, retryAfterMs, sleep } from './retry.js';

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue> | undefined;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** `json` (default): parse a JSON body; `empty`: the answer must have no body (spec §8.3). */
  expect?: 'json' | 'empty' | undefined;
}

const newRequestId = () =>
  typeof globalThis.crypto?.randomUUID === 'function' ? globalThis.crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** `true` → `y` and `false`/nullish → omitted, as the Vi protocol encodes booleans (§2.5). */
export function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === false) continue;
    params.append(k, v === true ? 'y' : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export class Transport {
  constructor(readonly config: ResolvedConfig) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const c = this.config;
    const url = `${c.endpoint}${path}${queryString(options.query)}`;
    const requestId = newRequestId();
    const headers: Record<string, string> = {
      authorization: `Bearer ${c.secretKey}`,
      'organization-id': c.organizationId,
      accept: 'application/json',
      'x-request-id': requestId,
    };
    // Browsers refuse to let scripts set User-Agent; elsewhere it names the SDK.
    if (!('document' in globalThis)) headers['user-agent'] = c.userAgent;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }

    let failures = 0;
    let rateLimited = 0;
    for (;;) {
      const timeout = AbortSignal.timeout(c.timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let res: Response;
      let text: string;
      try {
        res = await c.fetch(url, { method, headers, body, signal, redirect: 'follow' });
        text = await res.text();
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        const timedOut = timeout.aborted;
        if (failures < c.maxRetries) {
          await sleep(backoffMs(failures++, c.retryBaseDelayMs, c.retryMaxDelayMs), options.signal);
          continue;
        }
        const detail = `${method} ${path} ${timedOut ? `took longer than ${c.timeoutMs} ms` : `could not reach ${c.endpoint}: ${describe(err)}`}` +
          ` (${failures + 1} attempt${failures ? 's' : ''})`;
        throw timedOut ? new ViTimeoutError(detail, { requestId, cause: err }) : new ViNetworkError(detail, { requestId, cause: err });
      }
      const answeredId = res.headers.get('x-request-id') ?? requestId;
      if (res.ok) return parseOk<T>(res.status, text, options.expect ?? 'json', method, path, answeredId);

      const { message, body: errBody } = messageFromBody(res.status, text);
      const wait = retryAfterMs(res.headers.get('retry-after'));
      if (res.status === 429 && rateLimited < c.maxRateLimitRetries) {
        await sleep(Math.min(c.retryMaxDelayMs, wait ?? backoffMs(rateLimited, c.retryBaseDelayMs, c.retryMaxDelayMs)), options.signal);
        rateLimited++;
        continue;
      }
      if (RETRYABLE_STATUS.has(res.status) && failures < c.maxRetries) {
        await sleep(Math.min(c.retryMaxDelayMs, wait ?? backoffMs(failures, c.retryBaseDelayMs, c.retryMaxDelayMs)), options.signal);
        failures++;
        continue;
      }
      const err = errorForStatus(res.status, message, {
        requestId: answeredId,
        body: errBody,
        retryAfterSeconds: wait === undefined ? undefined : wait / 1000,
      });
      if (err instanceof ViRateLimitError || res.status >= 500) {
        Object.defineProperty(err, 'attempts', { value: failures + rateLimited + 1, enumerable: false });
      }
      throw err;
    }
  }
}

function parseOk<T>(status: number, text: string, expect: 'json' | 'empty', method: string, path: string, requestId: string): T {
  if (expect === 'empty') {
    if (text !== '') throw new ViOperationError(`${method} ${path} answered ${status} with a body where none was expected`, { status, requestId });
    return undefined as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ViOperationError(`${method} ${path} answered ${status} with a body that is not JSON`, { status, requestId, cause: err });
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const c = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : '';
    return `${err.message}${c}`;
  }
  return String(err);
}

