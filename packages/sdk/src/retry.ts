// Backoff arithmetic shared by API calls and byte transfers: exponential full jitter, and
// `Retry-After` (seconds or an HTTP date), both capped.

export interface RetryPolicy {
  maxRetries: number;
  maxRateLimitRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/** Attempt k (0-based) waits a uniformly random time in [0, base·2^k], at most `max`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.random() * baseMs * 2 ** Math.min(attempt, 30));
}

/** Milliseconds a `Retry-After` header asks for, or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
