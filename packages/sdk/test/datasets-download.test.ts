// Dataset exports and downloads: createExport/listExports/getExport/waitForExport and
// datasets.download against a real local HTTP server speaking spec §3.2/§6.2 (the export side of
// the Vireo server is built separately), serving a ZIP built here with Range support. Checks the
// parallel ranged GETs, the extraction, the result, skip/overwrite, and that a malicious archive
// cannot write outside the target folder.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../server/test/support/dialects.js';
import { Client, DatasetDownloadResult, DatasetExport, ViInvalidParameterError, ViNotFoundError, ViOperationError } from '../src/node/index.js';
import { closeServer, listenLocal } from './support/local-server.js';

const KEY = `dtvi_${'k'.repeat(98)}`;
const ORG = 'org7';

async function zipOf(entries: Record<string, string | Buffer>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, data] of Object.entries(entries)) z.addBuffer(Buffer.isBuffer(data) ? data : Buffer.from(data), name);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('dataset exports and datasets.download', () => {
  let server: http.Server;
  let url = '';
  let archive: Buffer;
  let ranges: string[] = [];
  const exportsMade: any[] = [];
  let polls = 0;
  let work: string;

  const exportObject = (id: string, ready: boolean, format = 'ViFull', splitRatio: number | null = null) => ({
    kind: 'DatasetExport',
    workspaceId: ORG,
    datasetId: `${ORG}_ds1`,
    datasetExportId: id,
    spec: { format, options: { normalized: true, splitRatio } },
    status: {
      conditions: [
        { condition: 'Started', status: 'Reached', lastTransitionTime: 1 },
        { condition: 'Finished', status: ready ? 'Reached' : 'Waiting', lastTransitionTime: 2 },
      ],
      downloadUrl: ready ? { url: `${url}/archives/${id}/dataset.zip?sig=x`, expiresAt: Date.now() + 60_000 } : null,
    },
    metadata: { timeCreated: 1, lastUpdated: 2, generation: 1, attributes: {} },
    selfLink: `/workspaces/${ORG}/datasets/${ORG}_ds1/datasetExports/${id}`,
    etag: '"1"',
  });

  beforeAll(async () => {
    work = tempDir('vireo-sdk-export-');
    const lines = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `an${i}` })).join('\n') + '\n';
    archive = await zipOf({
      'training/images/a.jpg': imageA,
      'training/images/b.png': crypto.randomBytes(2500),
      'training/annotations/a.jsonl': lines(2),
      'training/annotations/b.jsonl': lines(1),
      'validation/images/c.jpg': crypto.randomBytes(2000),
      'validation/annotations/c.jsonl': lines(3) + '\n\n',
    });
    server = http.createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      const base = `/workspaces/${ORG}/datasets/${ORG}_ds1/datasetExports`;
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (u.pathname.startsWith('/archives/')) {
        const body = u.pathname.includes('evil') ? evil : archive;
        const range = req.headers.range;
        res.setHeader('accept-ranges', 'bytes');
        if (req.method === 'HEAD') return res.writeHead(200, { 'content-length': body.length }).end();
        if (u.pathname.includes('broken') && range) {
          // The first range never comes; every other one is refused.
          if (range.startsWith('bytes=0-')) {
            heldRanges.push(new Promise((closed) => req.on('close', () => closed(true))));
            return;
          }
          return res.writeHead(404).end('gone');
        }
        if (!range) return res.writeHead(200, { 'content-length': body.length }).end(body);
        ranges.push(range);
        const [, s, e] = /bytes=(\d+)-(\d+)/.exec(range)!;
        const start = Number(s);
        const end = Math.min(Number(e), body.length - 1);
        return res
          .writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1 })
          .end(body.subarray(start, end + 1));
      }
      if (req.headers.authorization !== `Bearer ${KEY}` || req.headers['organization-id'] !== ORG) return json(401, { error: 'AuthenticationFailed', message: 'bad key' });
      if (u.pathname.includes('/datasets/') && !u.pathname.startsWith(`/workspaces/${ORG}/datasets/${ORG}_ds1/`)) return json(404, { error: 'NotFound', message: 'no such dataset' });
      if (req.method === 'POST' && u.pathname === base) {
        let raw = '';
        req.on('data', (c) => (raw += c));
        req.on('end', () => {
          const spec = JSON.parse(raw).spec;
          const id = u.searchParams.get('evil') ?? `exp${exportsMade.length + 1}`;
          exportsMade.push(spec);
          json(200, exportObject(id, false, spec.format, spec.options.splitRatio));
        });
        return;
      }
      if (req.method === 'GET' && u.pathname === base) return json(200, { items: exportsMade.map((_, i) => exportObject(`exp${i + 1}`, true)), nextPage: null, prevPage: null });
      const m = /\/datasetExports\/([\w-]+)$/.exec(u.pathname);
      if (req.method === 'GET' && m) {
        if (m[1] === 'failing') return json(200, { ...exportObject('failing', false), status: { conditions: [{ condition: 'Finished', status: 'FailedReach', lastTransitionTime: 3, message: 'disk full' }], downloadUrl: null } });
        polls++;
        return json(200, exportObject(m[1]!, polls % 3 === 0));
      }
      json(404, { error: 'NotFound', message: `no route ${req.method} ${u.pathname}` });
    });
    url = await listenLocal(server);
  });
  let evil: Buffer = Buffer.alloc(0);
  /** Each resolves when the client gave up on that held range. */
  const heldRanges: Array<Promise<boolean>> = [];
  const imageA = crypto.randomBytes(3000);
  afterAll(async () => {
    await closeServer(server);
    fs.rmSync(work, { recursive: true, force: true });
  });

  const client = () => new Client({ secretKey: KEY, organizationId: ORG, endpoint: url, pollIntervalMs: 20 });

  it('createExport sends the settings; listExports, getExport and waitForExport read them', async () => {
    const c = client();
    const e = await c.datasets.createExport({ datasetId: 'ds1', exportSettings: { format: 'ViFull', options: { splitRatio: 0.8 } } });
    expect(e).toBeInstanceOf(DatasetExport);
    expect(e.datasetId).toBe('ds1');
    expect(e.organizationId).toBe(ORG);
    expect(exportsMade.at(-1)).toEqual({ format: 'ViFull', options: { normalized: true, splitRatio: 0.8 } });
    await c.datasets.createExport({ datasetId: 'ds1', annotationsOnly: true });
    expect(exportsMade.at(-1)).toEqual({ format: 'ViJsonl', options: { normalized: true, splitRatio: null } });
    await expect(c.datasets.createExport({ datasetId: 'ds1', exportSettings: { options: { splitRatio: 1.5 } } })).rejects.toThrow(/splitRatio/);

    const list = await c.datasets.listExports({ datasetId: 'ds1' });
    expect(list.items.map((x) => x.datasetExportId)).toEqual(['exp1', 'exp2']);
    expect(list.items.every((x) => x.isReady)).toBe(true);
    const ready = await c.datasets.waitForExport({ datasetId: 'ds1', datasetExportId: 'exp1' });
    expect(ready.status.downloadUrl?.url).toContain('/archives/exp1/');
    const one = await c.datasets.getExport({ datasetId: 'ds1', datasetExportId: 'exp1' });
    expect(one.datasetExportId).toBe('exp1');
    await expect(c.datasets.waitForExport({ datasetId: 'ds1', datasetExportId: 'failing' })).rejects.toThrow(ViOperationError);
    await expect(c.datasets.getExport({ datasetId: 'other', datasetExportId: 'exp1' })).rejects.toBeInstanceOf(ViNotFoundError);
  });

  it('download: parallel ranged GETs, extraction, counts; kept unless overwrite', async () => {
    const c = client();
    ranges = [];
    const save = path.join(work, 'data');
    const r = await c.datasets.download({ datasetId: 'ds1', saveDir: save, chunkSizeBytes: 1024, concurrency: 4, showProgress: false });
    expect(r).toBeInstanceOf(DatasetDownloadResult);
    expect(archive.length).toBeGreaterThan(7 * 1024);
    expect(ranges.length).toBe(Math.ceil(archive.length / 1024));
    expect(r.saveDir).toBe(path.join(save, 'ds1'));
    expect(r.splits).toEqual(['training', 'validation']);
    expect(r.assetsCount).toBe(3);
    expect(r.annotationsCount).toBe(6);
    expect(r.downloaded).toBe(true);
    expect(fs.readFileSync(path.join(save, 'ds1/training/images/a.jpg'))).toEqual(imageA);
    const meta = JSON.parse(fs.readFileSync(path.join(save, 'ds1/metadata.json'), 'utf8'));
    expect(meta).toMatchObject({ name: 'ds1', organizationId: ORG, exportDir: path.join(save, 'ds1'), license: null });
    expect(r.sizeMb).toBeGreaterThan(0);
    expect(r.summary()).toContain('training, validation');
    expect(fs.readdirSync(save)).toEqual(['ds1']); // no temporary archive or staging folder left

    fs.writeFileSync(path.join(save, 'ds1/training/images/a.jpg'), 'local');
    const kept = await c.datasets.download({ datasetId: 'ds1', datasetExportId: 'exp1', saveDir: save, showProgress: false });
    expect(kept.downloaded).toBe(false);
    expect(fs.readFileSync(path.join(save, 'ds1/training/images/a.jpg'), 'utf8')).toBe('local');
    const replaced = await c.getDataset({ datasetId: 'ds1', datasetExportId: 'exp1', savePath: save, overwrite: true, showProgress: false });
    expect(replaced.downloaded).toBe(true);
    expect(fs.readFileSync(path.join(save, 'ds1/training/images/a.jpg'))).toEqual(imageA);
  });

  it('a failed range stops the other ranged GETs instead of leaving them running', async () => {
    const save = path.join(work, 'broken');
    const err = await client()
      .datasets.download({ datasetId: 'ds1', datasetExportId: 'broken', saveDir: save, chunkSizeBytes: 1024, concurrency: 4, showProgress: false })
      .catch((e: unknown) => e);
    // Before, the call never returned: closing the agent waited for the range that never comes.
    expect(err).toBeInstanceOf(ViOperationError);
    expect(String((err as Error).message)).toMatch(/bytes \d+-\d+ of the export archive failed/);
    expect(heldRanges.length).toBe(1);
    expect(await heldRanges[0]).toBe(true); // the held GET was aborted, not left running
    expect(fs.readdirSync(save)).toEqual([]);
  });

  it('a chunk size or concurrency below 1 is refused before any export is made', async () => {
    const c = client();
    const before = exportsMade.length;
    const save = path.join(work, 'bad-options');
    // chunkSizeBytes 0 used to split the archive into ranges forever (the process ran out of memory).
    await expect(c.datasets.download({ datasetId: 'ds1', saveDir: save, chunkSizeBytes: 0, showProgress: false })).rejects.toThrow(/chunkSizeBytes must be a positive integer/);
    await expect(c.datasets.download({ datasetId: 'ds1', saveDir: save, concurrency: 0, showProgress: false })).rejects.toBeInstanceOf(ViInvalidParameterError);
    expect(exportsMade.length).toBe(before);
    expect(fs.existsSync(save)).toBe(false);
  });

  it('an archive entry that would land outside the folder is refused, and nothing is left behind', async () => {
    // yazl refuses "../" names, so build a same-length name and patch it in both headers.
    const z = await zipOf({ 'ok/images/x.jpg': 'fine', 'AA/evil.txt': 'pwned' });
    evil = Buffer.from(z.toString('latin1').replaceAll('AA/evil.txt', '../evil.txt'), 'latin1');
    const save = path.join(work, 'evil');
    const c = client();
    const err = await c.datasets.download({ datasetId: 'ds1', datasetExportId: 'evil', saveDir: save, showProgress: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toMatch(/evil\.txt/);
    expect(fs.existsSync(path.join(work, 'evil.txt'))).toBe(false);
    expect(fs.existsSync(path.join(save, 'evil.txt'))).toBe(false);
    expect(fs.readdirSync(save)).toEqual([]);
  });
});
