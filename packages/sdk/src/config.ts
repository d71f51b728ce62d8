// Client options: explicit values, else the environment variables the Python SDK reads (only where a
// `process` exists, so the core also runs in browsers), validated once with messages that say what to fix.
import { ViConfigurationError } from './errors.js';

export interface ClientOptions {
  /** `dtvi_` followed by 98 characters. Default: `DATATURE_VI_SECRET_KEY`. */
  secretKey?: string | undefined;
  /** Default: `DATATURE_VI_ORGANIZATION_ID`. */
  organizationId?: string | undefined;
  /** Base URL of the server. Default: `DATATURE_VI_API_ENDPOINT`, else `http://localhost:8080` (a local `vireo serve`). */
  endpoint?: string | undefined;
  /** Time limit of one HTTP attempt of an API call, in milliseconds (default 120 000). */
  timeoutMs?: number | undefined;
  /** Retries after network errors, timeouts and 500/502/503/504 (default 3, so up to 4 attempts). */
  maxRetries?: number | undefined;
  /** Retries after 429 answers, each waiting what `Retry-After` says (default 20). */
  maxRateLimitRetries?: number | undefined;
  /** First backoff step in milliseconds; attempt k waits a random time in [0, base·2^k] (default 1000). */
  retryBaseDelayMs?: number | undefined;
  /** Upper bound of one backoff wait, including `Retry-After` (default 60 000). */
  retryMaxDelayMs?: number | undefined;
  /** Interval between polls of long-running operations (default 1000; the first polls are quicker). */
  pollIntervalMs?: number | undefined;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch | undefined;
  /** Appended to the SDK's user agent. */
  userAgent?: string | undefined;
}

export interface ResolvedConfig {
  secretKey: string;
  organizationId: string;
  endpoint: string;
  timeoutMs: number;
  maxRetries: number;
  maxRateLimitRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  pollIntervalMs: number;
  fetch: typeof fetch;
  userAgent: string;
}

export const SDK_VERSION = '0.1.0';
export const DEFAULT_ENDPOINT = 'http://localhost:8080';
export const ENV = {
  secretKey: 'DATATURE_VI_SECRET_KEY',
  organizationId: 'DATATURE_VI_ORGANIZATION_ID',
  endpoint: 'DATATURE_VI_API_ENDPOINT',
} as const;

const SECRET_KEY = /^dtvi_[A-Za-z0-9_-]{98}$/;
const ORGANIZATION_ID = /^[A-Za-z0-9_-]{1,255}$/;

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.[name];
  return v === undefined || v === '' ? undefined : v;
}

function runtime(): string {
  const p = (globalThis as { process?: { versions?: { node?: string }; platform?: string } }).process;
  if (p?.versions?.node) return `Node/${p.versions.node}; ${p.platform ?? 'unknown'}`;
  return 'browser';
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ViConfigurationError(`${name} must be an integer between 0 and ${max} (got ${String(value)})`);
  }
  return value;
}

export function resolveConfig(o: ClientOptions = {}): ResolvedConfig {
  const secretKey = o.secretKey ?? env(ENV.secretKey);
  const organizationId = o.organizationId ?? env(ENV.organizationId);
  const endpointRaw = o.endpoint ?? env(ENV.endpoint) ?? DEFAULT_ENDPOINT;

  if (!secretKey) {
    throw new ViConfigurationError(`No secret key: pass { secretKey } to new Client() or set ${ENV.secretKey}`);
  }
  if (!SECRET_KEY.test(secretKey)) {
    const what = !secretKey.startsWith('dtvi_')
      ? 'it must start with "dtvi_"'
      : secretKey.length !== 103
        ? `it must be 103 characters long (got ${secretKey.length})`
        : 'it may contain only letters, digits, "_" and "-" after "dtvi_"';
    throw new ViConfigurationError(`The secret key is malformed: ${what}`);
  }
  if (!organizationId) {
    throw new ViConfigurationError(`No organization id: pass { organizationId } to new Client() or set ${ENV.organizationId}`);
  }
  if (!ORGANIZATION_ID.test(organizationId)) {
    throw new ViConfigurationError(`The organization id "${organizationId}" is malformed: use 1-255 letters, digits, "_" or "-"`);
  }
  let url: URL;
  try {
    url = new URL(endpointRaw);
  } catch {
    throw new ViConfigurationError(`The endpoint "${endpointRaw}" is not a URL (e.g. http://localhost:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ViConfigurationError(`The endpoint "${endpointRaw}" must use http or https`);
  }
  const f = o.fetch ?? globalThis.fetch;
  if (typeof f !== 'function') throw new ViConfigurationError('No fetch available: pass { fetch } to new Client()');

  const timeoutMs = nonNegativeInt('timeoutMs', o.timeoutMs, 120_000);
  if (timeoutMs === 0) throw new ViConfigurationError('timeoutMs must be positive');
  return {
    secretKey,
    organizationId,
    // Like the Python SDK, every request path is absolute from the host root.
    endpoint: url.origin,
    timeoutMs,
    maxRetries: nonNegativeInt('maxRetries', o.maxRetries, 3, 100),
    maxRateLimitRetries: nonNegativeInt('maxRateLimitRetries', o.maxRateLimitRetries, 20, 1000),
    retryBaseDelayMs: nonNegativeInt('retryBaseDelayMs', o.retryBaseDelayMs, 1000),
    retryMaxDelayMs: nonNegativeInt('retryMaxDelayMs', o.retryMaxDelayMs, 60_000),
    pollIntervalMs: nonNegativeInt('pollIntervalMs', o.pollIntervalMs, 1000),
    fetch: f.bind(globalThis),
    userAgent: `vireo-sdk/${SDK_VERSION} (${runtime()})${o.userAgent ? ` ${o.userAgent}` : ''}`,
  };
}
