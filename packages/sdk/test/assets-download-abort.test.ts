// assets.download stopped while downloads are in flight and the listing is still paging: the call
// rejects with the abort reason, every in-flight download has ended (no rejection left unhandled),
// and no temporary file stays behind. A local HTTP server speaks the list/get routes of spec §3.3
// and holds the asset bytes until the abort. Also: a long file name still gets a temporary name.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../server/test/support/dialects.js';
import { Client, ViInvalidParameterError } from '../src/node/index.js';
import { closeServer, listenLocal } from './support/local-server.js';

const KEY = `dtvi_${'k'.repeat(98)}`;
const ORG = 'org9';
const DS = `/workspaces/${ORG}/datasets/${ORG}_ds1`;
/** A legal file name of 250 bytes: its temporary name must still fit in 255. */
const LONG_NAME = `${'n'.repeat(246)}.png`;

describe('assets.download aborted mid-way', () => {
  let server: http.Server;
  let url = '';
  let work: string;
  let controller: AbortController;
  const held: http.ServerResponse[] = [];

  const asset = (i: number) => ({
    kind: 'Asset',
    workspaceId: ORG,
    datasetId: `${ORG}_ds1`,
    assetId: `a${i}`,
    filename: `f${i}.png`,
    metadata: { fileSize: 4, annotations: { total: 0 } },
    contents: { asset: { url: `${url}/bytes/a${i}`, expiry: Date.now() + 60_000 } },
  });

  beforeAll(async () => {
    work = tempDir('vireo-sdk-dl-abort-');
    server = http.createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (u.pathname === '/bytes/long') return res.writeHead(200, { 'content-length': 4 }).end('long');
      if (u.pathname.startsWith('/bytes/')) {
        // Headers and a first byte go out, the rest never comes: the download is in flight.
        res.writeHead(200, { 'content-length': 4 });
        res.write('x');
        held.push(res);
        return;
      }
      if (u.pathname === DS) return json(200, { kind: 'Dataset', workspaceId: ORG, datasetId: `${ORG}_ds1`, name: 'd', statistic: { assetTotal: 6 } });
      if (u.pathname === '/workspaces/org9/datasets/org9_long') return json(200, { kind: 'Dataset', workspaceId: ORG, datasetId: `${ORG}_long`, name: 'l', statistic: { assetTotal: 1 } });
      if (u.pathname === '/workspaces/org9/datasets/org9_long/assets') {
        return json(200, { items: [{ ...asset(0), datasetId: `${ORG}_long`, filename: LONG_NAME, contents: { asset: { url: `${url}/bytes/long`, expiry: Date.now() + 60_000 } } }], nextPage: null, prevPage: null });
      }
      if (u.pathname === `${DS}/assets`) {
        if (!u.searchParams.get('p')) return json(200, { items: [0, 1, 2].map(asset), nextPage: 'p2', prevPage: null });
        // The second page is asked for while the first page's downloads are running: stop now.
        const waitForDownloads = () => (held.length >= 3 ? controller.abort(new Error('stopped by the test')) : setTimeout(waitForDownloads, 5));
        waitForDownloads();
        return; // never answered: the abort ends this request too
      }
      json(404, { error: 'NotFound', message: `no route ${u.pathname}` });
    });
    url = await listenLocal(server);
  });
  afterAll(async () => {
    await closeServer(server);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('rejects with the reason, leaves no download running, no unhandled rejection and no .part file', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      controller = new AbortController();
      const client = new Client({ secretKey: KEY, organizationId: ORG, endpoint: url, retryBaseDelayMs: 1 });
      const save = path.join(work, 'out');
      const err = await client.assets.download({ datasetId: 'ds1', saveDir: save, showProgress: false, signal: controller.signal }).catch((e: unknown) => e);
      expect(String((err as Error).message)).toBe('stopped by the test');
      // Every download had settled when the call returned: their temporary files are gone already.
      expect(fs.readdirSync(path.join(save, 'ds1'))).toEqual([]);
      // Give a rejection that nobody handles the turn of the event loop Node needs to report it.
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a file name near the 255-byte limit is downloaded (its temporary name is cut to fit)', async () => {
    const client = new Client({ secretKey: KEY, organizationId: ORG, endpoint: url });
    const save = path.join(work, 'long');
    const r = await client.assets.download({ datasetId: 'long', saveDir: save, showProgress: false });
    expect(r.failures).toEqual([]);
    expect(r.downloaded).toBe(1);
    expect(fs.readFileSync(path.join(save, 'long', LONG_NAME), 'utf8')).toBe('long');
    expect(fs.readdirSync(path.join(save, 'long'))).toEqual([LONG_NAME]);
  });

  it('a concurrency below 1 is refused', async () => {
    const client = new Client({ secretKey: KEY, organizationId: ORG, endpoint: url });
    await expect(client.assets.download({ datasetId: 'ds1', saveDir: work, concurrency: 0, showProgress: false })).rejects.toBeInstanceOf(ViInvalidParameterError);
  });
});
