// URL ingest through the whole server (POST /v1.3/assets method=url with twelvelabs-js 1.3.4):
// SSRF refusals by default (literal and resolved addresses, nothing connected), the allow-list,
// a redirect to a refused address, and the size cap while reading — each ending the asset
// `failed` with a message that says why.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { TwelvelabsApiClient } from 'twelvelabs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from './support/dialects.js';
import { MEDIA_FIXTURES_DIR } from './support/media-fixtures.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

const webm = fs.readFileSync(path.join(MEDIA_FIXTURES_DIR, 'video.webm'));

describeEachDialect('twelvelabs URL ingest safety', (dialect) => {
  let source: http.Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    source = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/video.webm') {
        res.writeHead(200, { 'content-type': 'video/webm', 'content-length': webm.length });
        res.end(webm);
      } else if (url.pathname === '/redirect') {
        res.writeHead(302, { location: url.searchParams.get('to')! });
        res.end();
      } else if (url.pathname === '/endless.webm') {
        res.writeHead(200, { 'content-type': 'video/webm' });
        const chunk = Buffer.alloc(16 * 1024, 1);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      } else {
        res.writeHead(404).end();
      }
    });
    source.on('connection', () => connections++);
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    port = (source.address() as AddressInfo).port;
  });
  afterAll(async () => {
    source.closeAllConnections();
    await new Promise((resolve) => source.close(resolve));
  });

  const settled = (client: TwelvelabsApiClient, id: string) =>
    waitFor(async () => {
      const a = (await client.assets.retrieve(id)) as any;
      return a.status === 'processing' ? undefined : a;
    }, `asset ${id} to settle`);
  const ingest = async (client: TwelvelabsApiClient, url: string) => settled(client, ((await client.assets.create({ method: 'url', url, filename: 'x.webm' })) as any).id);

  describe('with no allow-list', () => {
    let s: TestServer;
    let client: TwelvelabsApiClient;
    beforeAll(async () => {
      s = await startTestServer(dialect);
      client = new TwelvelabsApiClient({ apiKey: s.secretKey, baseUrl: `${s.url}/v1.3` });
    });
    afterAll(() => s?.close());

    it('refuses loopback and private destinations without connecting, and says how to allow them', async () => {
      const before = connections;
      const literal = await ingest(client, `http://127.0.0.1:${port}/video.webm?token=secret`);
      expect(literal.status).toBe('failed');
      expect(literal.error.message).toBe(`Could not download http://127.0.0.1:${port}/video.webm: refused: 127.0.0.1 is a loopback address; allow it with VIREO_URL_INGEST_ALLOW`);
      const resolved = await ingest(client, `http://localhost:${port}/video.webm`);
      expect(resolved.error.message).toMatch(/refused: (127\.0\.0\.1|::1) is a loopback address; allow it with VIREO_URL_INGEST_ALLOW \(localhost resolves to it\)$/);
      const priv = await ingest(client, 'http://192.168.1.20/cam.mp4');
      expect(priv.error.message).toBe('Could not download http://192.168.1.20/cam.mp4: refused: 192.168.1.20 is a private address; allow it with VIREO_URL_INGEST_ALLOW');
      expect(connections).toBe(before);
    });
  });

  describe('with 127.0.0.1 allowed', () => {
    let s: TestServer;
    let client: TwelvelabsApiClient;
    beforeAll(async () => {
      s = await startTestServer(dialect, { VIREO_URL_INGEST_ALLOW: '127.0.0.1', VIREO_TL_URL_MAX_BYTES: '50000', VIREO_TL_IMAGE_MAX_BYTES: '50000' });
      client = new TwelvelabsApiClient({ apiKey: s.secretKey, baseUrl: `${s.url}/v1.3` });
    });
    afterAll(() => s?.close());

    it('follows a redirect to an allowed file, and refuses one to a private or metadata address', async () => {
      const ok = await ingest(client, `http://127.0.0.1:${port}/redirect?to=/video.webm`);
      expect(ok).toMatchObject({ status: 'ready', size: webm.length, fileType: 'video/webm' });
      const toPrivate = await ingest(client, `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent('http://10.0.0.5/x.webm')}`);
      expect(toPrivate.status).toBe('failed');
      expect(toPrivate.error.message).toBe(`Could not download http://127.0.0.1:${port}/redirect: refused: 10.0.0.5 is a private address; allow it with VIREO_URL_INGEST_ALLOW`);
      const toMetadata = await ingest(client, `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`);
      expect(toMetadata.error.message).toContain('169.254.169.254 is a cloud metadata address');
    });

    it('stops a download at the size limit while reading', async () => {
      const big = await ingest(client, `http://127.0.0.1:${port}/endless.webm`);
      expect(big.status).toBe('failed');
      expect(big.error.message).toBe(`Could not download http://127.0.0.1:${port}/endless.webm: the file at the URL is larger than the limit of 50000 bytes`);
    });
  });
});
