// URL ingest's fetcher against real local HTTP servers: allow-list, SSRF refusals (before any
// connection is made), redirects re-checked, size cap while streaming, timeout, status codes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../src/blobs/fs.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { parseAllowList, refusalFor } from '../src/domain/url-allow.js';
import { fetchToStaging, UrlFetchError, type FetchOptions } from '../src/domain/url-fetch.js';
import { tempDir } from './support/dialects.js';

describe('URL ingest allow-list', () => {
  const none = parseAllowList(undefined);

  it('refuses every non-public address with a message that says how to allow it', () => {
    expect(refusalFor(none, '10.0.0.5')).toBe('refused: 10.0.0.5 is a private address; allow it with VIREO_URL_INGEST_ALLOW');
    const cases: [string, string][] = [
      ['192.168.1.20', 'private'],
      ['172.16.3.4', 'private'],
      ['127.0.0.1', 'loopback'],
      ['127.8.9.10', 'loopback'],
      ['0.0.0.0', 'unspecified'],
      ['169.254.10.1', 'link-local'],
      ['100.64.0.1', 'carrier-grade NAT'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1', 'link-local'],
      ['fc00::1', 'unique local'],
      ['ff02::1', 'multicast'],
      ['::ffff:10.0.0.1', 'IPv4-mapped'],
      ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ];
    for (const [address, what] of cases) expect(refusalFor(none, address), address).toContain(what);
  });

  it('lets public unicast addresses through', () => {
    for (const address of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e']) {
      expect(refusalFor(none, address), address).toBeUndefined();
    }
  });

  it('opens cloud metadata addresses only when listed one by one', () => {
    expect(refusalFor(none, '169.254.169.254')).toContain('cloud metadata');
    expect(refusalFor(none, '100.100.100.200')).toContain('cloud metadata');
    expect(refusalFor(none, 'fd00:ec2::254')).toContain('cloud metadata');
    expect(refusalFor(parseAllowList('169.254.0.0/16'), '169.254.169.254')).toContain('cloud metadata');
    expect(refusalFor(parseAllowList('169.254.0.0/16'), '169.254.10.1')).toBeUndefined();
    expect(refusalFor(parseAllowList('169.254.169.254'), '169.254.169.254')).toBeUndefined();
    // A listed host name opens what it resolves to, except metadata addresses.
    const byName = parseAllowList('media.internal');
    expect(refusalFor(byName, '10.0.0.5', { hostListed: true })).toBeUndefined();
    expect(refusalFor(byName, '169.254.169.254', { hostListed: true })).toContain('cloud metadata');
    expect(refusalFor(byName, '::ffff:169.254.169.254', { hostListed: true })).toContain('cloud metadata');
  });

  it('parses hosts, addresses and ranges, and an IPv4 entry covers its IPv4-mapped form', () => {
    const allow = parseAllowList(' media.internal, *.corp.example ,10.0.0.0/8, 127.0.0.1, [::1], fd00::/8 ');
    expect(allow.hosts).toEqual(['media.internal', '.corp.example']);
    expect(allow.ranges.map((r) => r.text)).toEqual(['10.0.0.0/8', '127.0.0.1', '[::1]', 'fd00::/8']);
    expect(refusalFor(allow, '10.200.1.1')).toBeUndefined();
    expect(refusalFor(allow, '11.0.0.1')).toBeUndefined();
    expect(refusalFor(allow, '127.0.0.1')).toBeUndefined();
    expect(refusalFor(allow, '127.0.0.2')).toContain('loopback');
    expect(refusalFor(allow, '::ffff:127.0.0.1')).toBeUndefined();
    expect(refusalFor(allow, '::1')).toBeUndefined();
    expect(refusalFor(allow, 'fd12::1')).toBeUndefined();
    expect(refusalFor(allow, '192.168.0.1')).toContain('private');
  });

  it('reports a bad VIREO_URL_INGEST_ALLOW entry as a configuration problem', () => {
    expect(() => parseAllowList('10.0.0.0/40')).toThrow('"10.0.0.0/40" is not a valid CIDR range');
    expect(() => parseAllowList('http://x')).toThrow('neither a host name');
    let problem: unknown;
    try {
      loadConfig({ VIREO_URL_INGEST_ALLOW: 'good.example, bad_host!' });
    } catch (err) {
      problem = err;
    }
    expect(problem).toBeInstanceOf(ConfigError);
    expect((problem as ConfigError).problems).toEqual([
      'VIREO_URL_INGEST_ALLOW: "bad_host!" is neither a host name, an IP address nor a CIDR range; give comma-separated host names, IP addresses or CIDR ranges',
    ]);
    const config = loadConfig({ VIREO_URL_INGEST_ALLOW: '127.0.0.1,localhost' });
    expect(config.urlIngest.allow.hosts).toEqual(['localhost']);
    expect(loadConfig({}).urlIngest.allow).toEqual({ hosts: [], ranges: [] });
  });
});

describe('fetchToStaging', () => {
  let dir: string;
  let blobs: FsBlobStore;
  let server: http.Server;
  let base: string;
  let connections = 0;
  const body = crypto.randomBytes(300_000);
  const stalled: http.ServerResponse[] = [];

  beforeAll(async () => {
    dir = tempDir('vireo-url-fetch-');
    blobs = new FsBlobStore(dir);
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/file.mp4':
          res.writeHead(200, { 'content-type': 'Video/MP4; charset=binary', 'content-length': body.length });
          res.end(body);
          return;
        case '/chunked':
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.write(body.subarray(0, 1000));
          res.end(body.subarray(1000));
          return;
        case '/endless':
          // No Content-Length: the cap must trip while reading. Writes until the client goes away.
          res.writeHead(200, { 'content-type': 'video/mp4' });
          {
            const chunk = Buffer.alloc(64 * 1024, 7);
            const pump = () => {
              while (!res.destroyed && res.write(chunk));
              if (!res.destroyed) res.once('drain', pump);
            };
            res.on('close', () => res.off('drain', pump));
            pump();
          }
          return;
        case '/declared-huge':
          res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
          res.write(Buffer.alloc(1024));
          stalled.push(res);
          return;
        case '/stall-body':
          res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '1000' });
          res.write(Buffer.alloc(10));
          stalled.push(res);
          return;
        case '/stall-headers':
          stalled.push(res);
          return;
        case '/missing':
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('no such file');
          return;
        case '/redirect': {
          const to = url.searchParams.get('to') ?? '/file.mp4';
          res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: to });
          res.end();
          return;
        }
        case '/loop':
          res.writeHead(301, { location: '/loop' });
          res.end();
          return;
        default:
          res.writeHead(500);
          res.end();
      }
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const res of stalled) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const allowLoopback = parseAllowList('127.0.0.1');
  const options = (o: Partial<FetchOptions> = {}): FetchOptions => ({ maxBytes: 1024 * 1024, timeoutMs: 10_000, allow: allowLoopback, blobs, ...o });
  const stagingFiles = () => fs.readdirSync(path.join(dir, 'staging'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
  const failure = async (promise: Promise<unknown>): Promise<UrlFetchError> => {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(UrlFetchError);
      return err as UrlFetchError;
    }
    throw new Error('the fetch succeeded');
  };

  it('stages the body of an allowed URL with its size, type and checksum', async () => {
    const fetched = await fetchToStaging(`${base}/file.mp4`, options());
    expect(fetched.size).toBe(body.length);
    expect(fetched.contentType).toBe('video/mp4');
    expect(fetched.finalUrl).toBe(`${base}/file.mp4`);
    expect(fetched.staged.sha256).toBe(crypto.createHash('sha256').update(body).digest('hex'));
    const source = blobs.openStaged(fetched.staged.key, fetched.size);
    expect(Buffer.compare(await source.read(0, body.length), body)).toBe(0);
    await blobs.discardStaged(fetched.staged.key);

    const chunked = await fetchToStaging(`${base}/chunked`, options());
    expect(chunked.size).toBe(body.length);
    await blobs.discardStaged(chunked.staged.key);
  });

  it('refuses loopback and private addresses that are not allowed, without connecting', async () => {
    const before = connections;
    const loopback = await failure(fetchToStaging(`${base}/file.mp4`, options({ allow: parseAllowList(undefined) })));
    expect(loopback.reason).toBe('refused');
    expect(loopback.message).toBe('refused: 127.0.0.1 is a loopback address; allow it with VIREO_URL_INGEST_ALLOW');
    const priv = await failure(fetchToStaging('http://10.0.0.5/video.mp4', options()));
    expect(priv.message).toBe('refused: 10.0.0.5 is a private address; allow it with VIREO_URL_INGEST_ALLOW');
    const metadata = await failure(fetchToStaging('http://169.254.169.254/latest/meta-data/', options()));
    expect(metadata.message).toContain('169.254.169.254 is a cloud metadata address');
    const mapped = await failure(fetchToStaging(`http://[::ffff:127.0.0.1]:${new URL(base).port}/file.mp4`, options({ allow: parseAllowList(undefined) })));
    expect(mapped.message).toContain('IPv4-mapped');
    // WHATWG URL parsing normalizes the odd spellings of 127.0.0.1 before the check.
    const decimal = await failure(fetchToStaging(`http://2130706433:${new URL(base).port}/file.mp4`, options({ allow: parseAllowList(undefined) })));
    expect(decimal.message).toContain('127.0.0.1 is a loopback address');
    expect(connections).toBe(before);
  });

  it('checks the addresses a host name resolves to (the ones connected to)', async () => {
    const before = connections;
    const port = new URL(base).port;
    const refused = await failure(fetchToStaging(`http://localhost:${port}/file.mp4`, options({ allow: parseAllowList(undefined) })));
    expect(refused.reason).toBe('refused');
    expect(refused.message).toMatch(/^refused: (127\.0\.0\.1|::1) is a loopback address; allow it with VIREO_URL_INGEST_ALLOW \(localhost resolves to it\)$/);
    expect(connections).toBe(before);
    // Allowing the host name trusts whatever it resolves to.
    const fetched = await fetchToStaging(`http://localhost:${port}/file.mp4`, options({ allow: parseAllowList('localhost') }));
    expect(fetched.size).toBe(body.length);
    await blobs.discardStaged(fetched.staged.key);
  });

  it('follows redirects and re-checks every hop', async () => {
    const followed = await fetchToStaging(`${base}/redirect?to=/file.mp4&status=307`, options());
    expect(followed.finalUrl).toBe(`${base}/file.mp4`);
    expect(followed.size).toBe(body.length);
    await blobs.discardStaged(followed.staged.key);

    const toPrivate = await failure(fetchToStaging(`${base}/redirect?to=${encodeURIComponent('http://10.0.0.5/x.mp4')}`, options()));
    expect(toPrivate.message).toBe('refused: 10.0.0.5 is a private address; allow it with VIREO_URL_INGEST_ALLOW');
    const toMetadata = await failure(fetchToStaging(`${base}/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/')}`, options({ allow: parseAllowList('127.0.0.1, 169.254.0.0/16') })));
    expect(toMetadata.message).toContain('cloud metadata');
    const toLocalhost = await failure(fetchToStaging(`${base}/redirect?to=${encodeURIComponent(`http://[::1]:${new URL(base).port}/file.mp4`)}`, options()));
    expect(toLocalhost.message).toContain('::1 is a loopback address');
    const toFtp = await failure(fetchToStaging(`${base}/redirect?to=${encodeURIComponent('ftp://example.com/x')}`, options()));
    expect(toFtp.reason).toBe('bad-url');
    expect(toFtp.message).toBe('only http and https URLs can be fetched (got ftp)');
    const loop = await failure(fetchToStaging(`${base}/loop`, options()));
    expect(loop.reason).toBe('too-many-redirects');
    expect(loop.message).toBe('more than 5 redirects');
  });

  it('stops at the size cap while reading and leaves nothing in staging', async () => {
    const before = stagingFiles();
    const endless = await failure(fetchToStaging(`${base}/endless`, options({ maxBytes: 512 * 1024 })));
    expect(endless.reason).toBe('too-large');
    expect(endless.message).toBe('the file at the URL is larger than the limit of 524288 bytes');
    const declared = await failure(fetchToStaging(`${base}/declared-huge`, options()));
    expect(declared.reason).toBe('too-large');
    expect(stagingFiles()).toBe(before);
  });

  it('gives up after its timeout when the server stalls, before or during the body', async () => {
    const before = stagingFiles();
    const body = await failure(fetchToStaging(`${base}/stall-body`, options({ timeoutMs: 300 })));
    expect(body.reason).toBe('timeout');
    expect(body.message).toBe('fetching the URL took longer than 300 ms');
    const headers = await failure(fetchToStaging(`${base}/stall-headers`, options({ timeoutMs: 300 })));
    expect(headers.reason).toBe('timeout');
    expect(stagingFiles()).toBe(before);
  });

  it('can be cancelled by the caller', async () => {
    const controller = new AbortController();
    const pending = fetchToStaging(`${base}/stall-body`, options({ signal: controller.signal }));
    await new Promise<void>((resolve) => {
      const check = () => (stalled.length > 0 && stalled.some((r) => !r.destroyed) ? resolve() : setImmediate(check));
      check();
    });
    controller.abort();
    expect((await failure(pending)).reason).toBe('aborted');
  });

  it('fails on non-2xx answers, bad URLs and unreachable hosts with clear messages', async () => {
    const missing = await failure(fetchToStaging(`${base}/missing`, options()));
    expect(missing.reason).toBe('http-status');
    expect(missing.status).toBe(404);
    expect(missing.message).toBe('the URL answered HTTP 404 Not Found; only 2xx can be ingested');
    const notUrl = await failure(fetchToStaging('not a url', options()));
    expect(notUrl.message).toBe('"not a url" is not an absolute URL');
    const file = await failure(fetchToStaging('file:///etc/passwd', options()));
    expect(file.message).toBe('only http and https URLs can be fetched (got file)');
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await failure(fetchToStaging(`http://127.0.0.1:${port}/x`, options()));
    expect(refused.reason).toBe('network');
    expect(refused.message).toBe(`127.0.0.1:${port} refused the connection`);
  });
});
