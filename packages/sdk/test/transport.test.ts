// Configuration, error mapping, retries and time limits, with real HTTP: a local node:http server
// that answers chosen statuses, and a proxy in front of a real Vireo server that fails the first
// attempts of API calls and of byte PUTs.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../server/test/support/dialects.js';
import { startTestServer, type TestServer } from '../../server/test/support/server.js';
import { noiseImage } from '../../server/test/support/uploads.js';
import { closeServer, listenLocal } from './support/local-server.js';
import {
  Client,
  ViAuthenticationError,
  ViConfigurationError,
  ViConflictError,
  ViError,
  ViFileTooLargeError,
  ViNetworkError,
  ViNotFoundError,
  ViOperationError,
  ViRateLimitError,
  ViServerError,
  ViTimeoutError,
  ViValidationError,
  type UploadProgress,
} from '../src/node/index.js';

const KEY = `dtvi_${'a'.repeat(98)}`;
const ORG = 'org-1';

async function listen(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  return { url: await listenLocal(server), server };
}
/** Passes a request on to the real server (hop-by-hop headers dropped) and its answer back. */
async function forwardTo(target: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k)) headers[k] = v;
  const r = await fetch(new URL(req.url!, target), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
  const body = Buffer.from(await r.arrayBuffer());
  const out: Record<string, string> = {};
  r.headers.forEach((v, k) => {
    if (!['connection', 'content-length', 'transfer-encoding', 'content-encoding', 'keep-alive'].includes(k)) out[k] = v;
  });
  res.writeHead(r.status, out).end(body);
}


describe('Client configuration', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('reads DATATURE_VI_* when no option is given, explicit options win', () => {
    process.env.DATATURE_VI_SECRET_KEY = KEY;
    process.env.DATATURE_VI_ORGANIZATION_ID = 'from-env';
    process.env.DATATURE_VI_API_ENDPOINT = 'https://vireo.example.com/ignored/path/';
    const c = new Client();
    expect(c.organizationId).toBe('from-env');
    expect(c.endpoint).toBe('https://vireo.example.com');
    expect(new Client({ organizationId: 'explicit' }).organizationId).toBe('explicit');
    delete process.env.DATATURE_VI_API_ENDPOINT;
    expect(new Client().endpoint).toBe('http://localhost:8080');
  });

  it('says what is missing or malformed', () => {
    delete process.env.DATATURE_VI_SECRET_KEY;
    delete process.env.DATATURE_VI_ORGANIZATION_ID;
    const bad = (o: ConstructorParameters<typeof Client>[0], msg: RegExp) => {
      const err = (() => {
        try {
          new Client(o);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ViConfigurationError);
      expect((err as Error).message).toMatch(msg);
    };
    bad({ organizationId: ORG }, /No secret key.*DATATURE_VI_SECRET_KEY/);
    bad({ secretKey: 'abc', organizationId: ORG }, /must start with "dtvi_"/);
    bad({ secretKey: 'dtvi_short', organizationId: ORG }, /103 characters long \(got 10\)/);
    bad({ secretKey: `dtvi_${'!'.repeat(98)}`, organizationId: ORG }, /letters, digits/);
    bad({ secretKey: KEY }, /No organization id.*DATATURE_VI_ORGANIZATION_ID/);
    bad({ secretKey: KEY, organizationId: 'a b' }, /organization id "a b" is malformed/);
    bad({ secretKey: KEY, organizationId: ORG, endpoint: 'not a url' }, /not a URL/);
    bad({ secretKey: KEY, organizationId: ORG, endpoint: 'ftp://x' }, /http or https/);
    bad({ secretKey: KEY, organizationId: ORG, maxRetries: -1 }, /maxRetries/);
  });
});

describe('error mapping (spec §7) and request headers', () => {
  let srv: { url: string; server: http.Server };
  const seen: http.IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    srv = await listen((req, res) => {
      seen.push(req.headers);
      const status = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
      res.setHeader('x-request-id', String(req.headers['x-request-id']));
      if (req.url?.includes('/text/')) {
        res.writeHead(status, { 'content-type': 'text/plain' }).end('plain failure');
        return;
      }
      if (req.url?.includes('/body/')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `E${status}`, message: `status ${status} here` }));
    });
  });
  afterAll(() => closeServer(srv.server));

  const cases: Array<[number, new (...a: any[]) => ViError, string]> = [
    [400, ViValidationError, 'ValidationFailed'],
    [401, ViAuthenticationError, 'AuthenticationFailed'],
    [403, ViAuthenticationError, 'PermissionDenied'],
    [404, ViNotFoundError, 'ResourceNotFound'],
    [409, ViConflictError, 'ResourceConflict'],
    [413, ViFileTooLargeError, 'FileTooLarge'],
    [429, ViRateLimitError, 'RateLimitExceeded'],
    [500, ViServerError, 'ServerError'],
    [502, ViServerError, 'NetworkError'],
    [503, ViServerError, 'ServiceUnavailable'],
    [504, ViServerError, 'TimeoutError'],
    [418, ViError, 'UnknownError'],
    [501, ViError, 'UnknownError'],
  ];
  it.each(cases)('HTTP %i → %o with code %s, status, message and request id', async (status, cls, code) => {
    const c = new Client({ secretKey: KEY, organizationId: ORG, endpoint: srv.url, maxRetries: 0, maxRateLimitRetries: 0 });
    const err = (await c.request('GET', `/status/${status}`).catch((e: unknown) => e)) as ViError;
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(ViError);
    if (cls === ViError) expect(err.constructor).toBe(ViError);
    expect(err.code).toBe(code);
    expect(err.status).toBe(status);
    expect(err.message).toBe(`status ${status} here`);
    expect(err.requestId).toBe(seen.at(-1)!['x-request-id']);
  });

  it('sends the key, the organization, a user agent and a request id', async () => {
    const c = new Client({ secretKey: KEY, organizationId: ORG, endpoint: srv.url });
    await c.request('GET', '/status/200');
    const h = seen.at(-1)!;
    expect(h.authorization).toBe(`Bearer ${KEY}`);
    expect(h['organization-id']).toBe(ORG);
    expect(h['user-agent']).toMatch(/^vireo-sdk\/\d/);
    expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a non-JSON error keeps the raw text; a body where none belongs is ViOperationError', async () => {
    const c = new Client({ secretKey: KEY, organizationId: ORG, endpoint: srv.url, maxRetries: 0 });
    const err = (await c.request('GET', '/text/status/400').catch((e: unknown) => e)) as ViError;
    expect(err).toBeInstanceOf(ViValidationError);
    expect(err.message).toBe('HTTP 400:\nplain failure');
    await expect(c.request('DELETE', '/body/', { expect: 'empty' })).rejects.toBeInstanceOf(ViOperationError);
  });
});

describe('time limits and unreachable servers', () => {
  it('an attempt that takes too long is retried, then ViTimeoutError', async () => {
    let attempts = 0;
    const srv = await listen(() => {
      attempts++; // never answers
    });
    try {
      const c = new Client({ secretKey: KEY, organizationId: ORG, endpoint: srv.url, timeoutMs: 150, maxRetries: 1, retryBaseDelayMs: 1 });
      const err = await c.request('GET', '/slow').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ViTimeoutError);
      expect((err as Error).message).toMatch(/took longer than 150 ms \(2 attempts\)/);
      expect(attempts).toBe(2);
    } finally {
      await closeServer(srv.server);
    }
  });

  it('a refused connection is ViNetworkError after the retries', async () => {
    const srv = await listen(() => undefined);
    const url = srv.url;
    await closeServer(srv.server);
    const c = new Client({ secretKey: KEY, organizationId: ORG, endpoint: url, maxRetries: 2, retryBaseDelayMs: 1 });
    const err = await c.request('GET', '/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ViNetworkError);
    expect((err as Error).message).toMatch(/could not reach .* \(3 attempts\)/);
  });
});

describe('retries through a flaky proxy in front of a real server', () => {
  let s: TestServer;
  let proxy: { url: string; server: http.Server };
  let target = '';
  /** Failures still to inject, per kind of request. */
  const plan = { api503: 0, api429: 0, put503: 0, put429: 0, session400: 0 };
  const counts = { api: 0, put: 0, injected: 0 };
  let work: string;
  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => forwardTo(target, req, res).catch(() => res.destroy());

  beforeAll(async () => {
    proxy = await listen((req, res) => {
      const isPut = req.method === 'PUT';
      isPut ? counts.put++ : counts.api++;
      const fail = (status: number, headers: Record<string, string> = {}) => {
        counts.injected++;
        req.resume();
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: 'Injected', message: `injected ${status}` }));
      };
      if (req.method === 'POST' && req.url?.endsWith('/assetIngestionSessions') && plan.session400 > 0) return plan.session400--, fail(400);
      if (!isPut && plan.api503 > 0) return plan.api503--, fail(503);
      if (!isPut && plan.api429 > 0) return plan.api429--, fail(429, { 'retry-after': '1' });
      if (isPut && plan.put503 > 0) return plan.put503--, fail(503);
      if (isPut && plan.put429 > 0) return plan.put429--, fail(429, { 'retry-after': '0' });
      void forward(req, res);
    });
    s = await startTestServer('sqlite', { VIREO_PUBLIC_URL: proxy.url });
    target = `http://127.0.0.1:${s.server.port}`;
    work = tempDir('vireo-sdk-retry-');
  });
  afterAll(async () => {
    await closeServer(proxy.server);
    await s?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const client = () => new Client({ secretKey: s.secretKey, organizationId: s.organizationId, endpoint: proxy.url, retryBaseDelayMs: 5, pollIntervalMs: 50 });

  it('503s are retried with backoff until the call succeeds', async () => {
    plan.api503 = 3;
    const before = counts.api;
    const ds = await client().datasets.create({ name: 'after 503s' });
    expect(ds.name).toBe('after 503s');
    expect(counts.api - before).toBe(4);
  });

  it('more 503s than maxRetries give ViServerError', async () => {
    plan.api503 = 10;
    const err = await client().datasets.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ViServerError);
    expect((err as ViServerError).code).toBe('ServiceUnavailable');
    plan.api503 = 0;
  });

  it('429 waits what Retry-After says, then succeeds', async () => {
    plan.api429 = 1;
    const started = Date.now();
    const org = await client().organizations.get();
    expect(org.organizationId).toBe(s.organizationId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('byte PUTs that fail with 503 and 429 are retried; the upload completes', async () => {
    const c = client();
    const ds = await c.datasets.create({ name: 'flaky puts' });
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(work, `p${i}.png`), await noiseImage('png', 500 + i));
    plan.put503 = 2;
    plan.put429 = 2;
    const before = counts.put;
    const r = await c.assets.upload({ datasetId: ds.datasetId, paths: work, showProgress: false, concurrency: 2 });
    expect(r.totalSucceeded).toBe(4);
    expect(r.totalFailed).toBe(0);
    expect(counts.put - before).toBe(8);
  });

  it('a batch that fails stops the batches queued after it before the call rejects', async () => {
    const c = client();
    const ds = await c.datasets.create({ name: 'stop' });
    const dir = path.join(work, 'stop');
    fs.mkdirSync(dir);
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(dir, `s${i}.png`), await noiseImage('png', 600 + i));
    // The first batch's session is refused (400, not retried): the call fails.
    plan.session400 = 1;
    const events: UploadProgress[] = [];
    let rejected = false;
    let late = 0;
    const err = await c.assets
      .upload({
        datasetId: ds.datasetId, paths: dir, batchSize: 1, parallelSessions: 1, showProgress: false, checksumCache: false,
        onProgress: (p) => {
          events.push(p);
          if (rejected) late++;
        },
      })
      .catch((e: unknown) => e);
    rejected = true;
    expect(plan.session400).toBe(0);
    expect(err).toBeInstanceOf(ViValidationError);
    expect((err as Error).message).toMatch(/injected 400/);
    // The three queued batches never announced a session, and nothing reported progress afterwards
    // (before, they went on after the rejection against a closed agent).
    await c.datasets.get({ datasetId: ds.datasetId });
    expect(events.map((e) => e.sessionsCreated).every((n) => n === 0)).toBe(true);
    expect(late).toBe(0);
    expect(events.at(-1)!.phase).toBe('done');
  });

  it('a PUT that keeps failing is reported with its path, and waiting does not hang', async () => {
    const c = client();
    const ds = await c.datasets.create({ name: 'dead puts' });
    const one = path.join(work, 'p0.png');
    plan.put503 = 100;
    const r = await c.assets.upload({ datasetId: ds.datasetId, paths: one, showProgress: false, maxRetries: 2 });
    plan.put503 = 0;
    expect(r.totalFailed).toBe(1);
    expect(r.failedFiles).toEqual([expect.objectContaining({ path: one, code: 'EUPLOAD' })]);
    // Run again: the file goes through this time.
    const again = await c.assets.upload({ datasetId: ds.datasetId, paths: one, showProgress: false });
    expect(again.totalSucceeded).toBe(1);
  });
});
