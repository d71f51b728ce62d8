// Server-side download of a user-supplied URL into blob staging (TwelveLabs `method=url`).
// Safe by default against SSRF: every hop's destination address is checked when the socket is
// about to connect (a custom `lookup`, so a DNS answer cannot change between check and connect),
// redirects are followed by hand and re-checked, the size cap is enforced while reading and one
// timeout covers the whole fetch.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { StageLimitError, type BlobStore, type StagedObject } from '../blobs/store.js';
import { hostAllowed, refusalFor, type AllowList } from './url-allow.js';

export type { AllowList } from './url-allow.js';

export interface FetchOptions {
  /** Bytes the body may have; more fails with reason 'too-large' (checked while streaming). */
  maxBytes: number;
  /** Whole fetch: connecting, every redirect, headers and body. */
  timeoutMs: number;
  allow: AllowList;
  blobs: BlobStore;
  signal?: AbortSignal;
  /** Redirects to follow (default 5). */
  maxRedirects?: number;
}

/** A fetched body, staged (the caller promotes or discards `staged.key`). */
export interface StagedFetch {
  staged: StagedObject;
  size: number;
  /** The response's Content-Type, without parameters; undefined when absent. Not trusted: sniff. */
  contentType: string | undefined;
  /** The URL the body came from, after redirects. */
  finalUrl: string;
}

export type UrlFetchFailure =
  | 'bad-url'
  | 'refused'
  | 'too-large'
  | 'timeout'
  | 'http-status'
  | 'too-many-redirects'
  | 'network'
  | 'aborted';

/** Every way a fetch fails; `message` is fit to show the user (it becomes the asset's error). */
export class UrlFetchError extends Error {
  constructor(
    readonly reason: UrlFetchFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'UrlFetchError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Checks a URL without fetching it: scheme and, for IP literals, the address. */
export function checkFetchUrl(raw: string, allow: AllowList): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlFetchError('bad-url', `"${truncate(raw)}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UrlFetchError('bad-url', `only http and https URLs can be fetched (got ${url.protocol.replace(/:$/, '')})`);
  }
  // net.connect skips `lookup` for IP literals, so they are judged here.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) !== 0 && !hostAllowed(allow, host)) {
    const refusal = refusalFor(allow, host);
    if (refusal) throw new UrlFetchError('refused', refusal);
  }
  return url;
}

export async function fetchToStaging(rawUrl: string, opts: FetchOptions): Promise<StagedFetch> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);
  const onOuterAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) controller.abort();
  const abortError = () =>
    timedOut
      ? new UrlFetchError('timeout', `fetching the URL took longer than ${formatMs(opts.timeoutMs)}`)
      : new UrlFetchError('aborted', 'the fetch was cancelled');
  try {
    let url = checkFetchUrl(rawUrl, opts.allow);
    const maxRedirects = opts.maxRedirects ?? 5;
    for (let hop = 0; ; hop++) {
      if (controller.signal.aborted) throw abortError();
      const res = await get(url, opts.allow, controller.signal).catch((err: unknown) => {
        throw controller.signal.aborted ? abortError() : asFetchError(err, url);
      });
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        res.destroy();
        const location = res.headers.location;
        if (!location) throw new UrlFetchError('http-status', `${url.host} answered ${status} without a Location header`, status);
        if (hop >= maxRedirects) throw new UrlFetchError('too-many-redirects', `more than ${maxRedirects} redirects`);
        url = checkFetchUrl(new URL(location, url).toString(), opts.allow);
        continue;
      }
      if (status < 200 || status > 299) {
        res.destroy();
        throw new UrlFetchError('http-status', `the URL answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}; only 2xx can be ingested`, status);
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        res.destroy();
        throw tooLarge(opts.maxBytes);
      }
      let staged: StagedObject;
      try {
        staged = await opts.blobs.stage(res, { maxBytes: opts.maxBytes });
      } catch (err) {
        res.destroy();
        if (err instanceof StageLimitError) throw tooLarge(opts.maxBytes);
        if (controller.signal.aborted) throw abortError();
        throw asFetchError(err, url);
      }
      const contentType = res.headers['content-type']?.split(';')[0]?.trim().toLowerCase() || undefined;
      return { staged, size: staged.size, contentType, finalUrl: url.toString() };
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** One GET without following redirects; resolves when the response headers arrive. */
function get(url: URL, allow: AllowList, signal: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'GET',
      agent: false,
      lookup: guardedLookup(allow),
      signal,
      headers: { 'user-agent': 'vireo-url-ingest', accept: '*/*', 'accept-encoding': 'identity' },
    });
    request.once('response', resolve);
    request.once('error', reject);
    request.end();
  });
}

/**
 * dns.lookup, then the verdict on every address it returned. net.connect only ever connects to
 * what this hands back, so the address checked is the address connected to.
 */
function guardedLookup(allow: AllowList): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const hostListed = hostAllowed(allow, hostname);
      for (const a of addresses) {
        const refusal = refusalFor(allow, a.address, { hostListed });
        if (refusal) {
          callback(Object.assign(new UrlFetchError('refused', `${refusal} (${hostname} resolves to it)`), { code: 'EREFUSED_BY_POLICY' }), '', 0);
          return;
        }
      }
      if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function asFetchError(err: unknown, url: URL): UrlFetchError {
  if (err instanceof UrlFetchError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return new UrlFetchError('network', `the host ${url.hostname} could not be resolved`);
  if (e.code === 'ECONNREFUSED') return new UrlFetchError('network', `${url.host} refused the connection`);
  return new UrlFetchError('network', `fetching ${url.host} failed: ${e.message}`);
}

function tooLarge(maxBytes: number): UrlFetchError {
  return new UrlFetchError('too-large', `the file at the URL is larger than the limit of ${maxBytes} bytes`);
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
