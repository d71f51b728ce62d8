// client.annotations against a real local HTTP server speaking spec §3.4/§5.2 (the annotation side
// of the Vireo server is built separately): list across pages, get, delete, and the import flow —
// session, files with CRC32C, PUT with the given headers, FilesInserted, wait — and its failure path.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../server/test/support/dialects.js';
import { Annotation, Client, ViNotFoundError, ViOperationError, ViUploadError } from '../src/node/index.js';
import { closeServer, listenLocal } from './support/local-server.js';

const KEY = `dtvi_${'n'.repeat(98)}`;
const ORG = 'org9';
const DS = `/workspaces/${ORG}/datasets/${ORG}_ds1`;
const meta = { timeCreated: 1, lastUpdated: 2, generation: 1, attributes: {} };

const annotation = (i: number) => ({
  kind: 'Annotation',
  annotationId: `an${i}`,
  assetId: 'a1',
  workspaceId: ORG,
  datasetId: `${ORG}_ds1`,
  spec: {
    boundType: 'Box',
    tag: 0,
    aggregation: { whole: { id: 'g1' }, thisPart: { role: 'Caption' } },
    contents: { kind: 'Caption', contents: `caption ${i}` },
  },
  metadata: meta,
  selfLink: `${DS}/assets/a1/annotations/an${i}`,
  etag: '"1"',
});

describe('client.annotations', () => {
  let server: http.Server;
  let url = '';
  let work: string;
  const received: Record<string, { headers: http.IncomingHttpHeaders; body: Buffer }> = {};
  const announced: any[] = [];
  const patches: any[] = [];
  let deleted: string[] = [];
  let sessionPolls = 0;
  let failPut = false;

  const session = (id: string, conditions: any[]) => ({
    kind: 'AnnotationImportSession',
    user: 'u1',
    workspaceId: ORG,
    datasetId: `${ORG}_ds1`,
    annotationImportSessionId: id,
    selfLink: `${DS}/annotationImportSessions/${id}`,
    etag: '"1"',
    metadata: meta,
    spec: { uploadBefore: Date.now() + 1000, failurePolicies: { onBadAnnotation: 'RejectSession', onBadFile: 'RejectSession', onOverwritten: 'RejectSession' }, source: 'UploadedIndividualFiles' },
    status: {
      conditions,
      files: { pageCount: conditions.length ? 2 : 0, totalSizeBytes: 10, statusCount: {} },
      annotations: { statusCount: { Imported: conditions.length ? 5 : 0 } },
      reason: null,
    },
  });

  beforeAll(async () => {
    work = tempDir('vireo-sdk-ann-');
    server = http.createServer(async (req, res) => {
      const u = new URL(req.url!, 'http://x');
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const json = (status: number, b: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(b));
      if (u.pathname.startsWith('/put/')) {
        if (failPut) return json(500, { error: 'Internal', message: 'disk on fire' });
        received[u.pathname.slice(5)] = { headers: req.headers, body };
        return res.writeHead(200).end();
      }
      if (req.headers.authorization !== `Bearer ${KEY}`) return json(401, { error: 'AuthenticationFailed', message: 'bad key' });
      if (req.method === 'GET' && u.pathname === `${DS}/assets/a1/annotations`) {
        const size = Number(u.searchParams.get('pageSize'));
        const start = Number(u.searchParams.get('pageToken') ?? 0);
        const all = Array.from({ length: 5 }, (_, i) => annotation(i));
        const end = start + size;
        return json(200, { items: all.slice(start, end), nextPage: end < all.length ? String(end) : null, prevPage: null });
      }
      if (u.pathname === `${DS}/assets/missing/annotations`) return json(404, { error: 'NotFound', message: 'no asset missing' });
      const m = /\/assets\/a1\/annotations\/(an\d+)$/.exec(u.pathname);
      if (m && req.method === 'GET') return json(200, annotation(Number(m[1]!.slice(2))));
      if (m && req.method === 'DELETE') {
        deleted.push(m[1]!);
        return res.writeHead(204).end();
      }
      if (req.method === 'POST' && u.pathname === `${DS}/annotationImportSessions`) {
        const spec = JSON.parse(body.toString()).spec;
        expect(spec.uploadBefore).toBeGreaterThan(Date.now());
        return json(200, session('imp1', []));
      }
      if (req.method === 'POST' && u.pathname === `${DS}/annotationImportSessions/imp1/files`) {
        const files = JSON.parse(body.toString()).files;
        announced.push(files);
        const out: Record<string, unknown> = {};
        for (const name of Object.keys(files)) out[name] = { method: 'PUT', url: `${url}/put/${name}?sig=1`, headers: { 'x-upload-token': `t-${name}` } };
        return json(200, { files: out });
      }
      if (req.method === 'PATCH' && u.pathname === `${DS}/annotationImportSessions/imp1/status`) {
        const p = JSON.parse(body.toString());
        patches.push(p);
        return json(200, session('imp1', []));
      }
      if (req.method === 'GET' && u.pathname === `${DS}/annotationImportSessions/imp1`) {
        sessionPolls++;
        return json(200, session('imp1', sessionPolls < 3 ? [{ condition: 'FilesInserted', status: 'Reached', lastTransitionTime: 1 }, { condition: 'Complete', status: 'Waiting', lastTransitionTime: 1 }] : [{ condition: 'FilesInserted', status: 'Reached', lastTransitionTime: 1 }, { condition: 'Complete', status: 'Reached', lastTransitionTime: 2 }]));
      }
      if (req.method === 'GET' && u.pathname === `${DS}/annotationImportSessions/bad`) {
        return json(200, session('bad', [{ condition: 'FilesInserted', status: 'FailedReach', lastTransitionTime: 1, reason: 'UserUploadErrored' }]));
      }
      json(404, { error: 'NotFound', message: `no route ${req.method} ${u.pathname}` });
    });
    url = await listenLocal(server);
  });
  afterAll(async () => {
    await closeServer(server);
    fs.rmSync(work, { recursive: true, force: true });
  });

  const client = () => new Client({ secretKey: KEY, organizationId: ORG, endpoint: url, pollIntervalMs: 20, maxRetries: 0 });

  it('list pages with pageToken/pageSize, get and delete', async () => {
    const c = client();
    const first = await c.annotations.list({ datasetId: 'ds1', assetId: 'a1', pagination: { pageSize: 2 } });
    expect(first.items.map((a) => a.annotationId)).toEqual(['an0', 'an1']);
    expect(first.items[0]).toBeInstanceOf(Annotation);
    expect(first.items[0]!.datasetId).toBe('ds1');
    expect(first.items[0]!.organizationId).toBe(ORG);
    const ids: string[] = [];
    for await (const a of c.annotations.list({ datasetId: 'ds1', assetId: 'a1', pagination: { pageSize: 2 } }).allItems()) ids.push(a.annotationId);
    expect(ids).toEqual(['an0', 'an1', 'an2', 'an3', 'an4']);
    const one = await c.annotations.get({ datasetId: 'ds1', assetId: 'a1', annotationId: 'an3' });
    expect(one.summary()).toContain('caption 3');
    expect(await c.annotations.delete({ datasetId: 'ds1', assetId: 'a1', annotationId: 'an4' })).toEqual({ datasetId: 'ds1', assetId: 'a1', annotationId: 'an4' });
    expect(deleted).toEqual(['an4']);
    await expect(c.annotations.list({ datasetId: 'ds1', assetId: 'missing' })).rejects.toBeInstanceOf(ViNotFoundError);
  });

  it('upload: announces files with base64 CRC32C, PUTs them with the given headers, reports FilesInserted, waits', async () => {
    const dir = path.join(work, 'anns');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.jsonl'), '{"id":"x"}\n');
    fs.writeFileSync(path.join(dir, 'sub', 'b.json'), '{"id":"y"}\n');
    fs.writeFileSync(path.join(dir, 'readme.txt'), 'ignored');
    const done = await client().annotations.upload({ datasetId: 'ds1', paths: dir, showProgress: false });
    expect(done.isDone).toBe(true);
    expect(done.annotationsImported).toBe(5);
    const crc = (s: string) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(crc32c(Buffer.from(s)) >>> 0);
      return b.toString('base64');
    };
    expect(announced.at(-1)).toEqual({
      'a.jsonl': { sizeBytes: 11, crc32c: crc('{"id":"x"}\n'), kind: 'Unknown' },
      'b.json': { sizeBytes: 11, crc32c: crc('{"id":"y"}\n'), kind: 'Unknown' },
    });
    expect(received['a.jsonl']!.body.toString()).toBe('{"id":"x"}\n');
    expect(received['a.jsonl']!.headers['x-upload-token']).toBe('t-a.jsonl');
    expect(received['a.jsonl']!.headers.authorization).toBeUndefined();
    expect(patches.at(-1).status.conditions).toEqual([{ condition: 'FilesInserted', status: 'Reached', lastTransitionTime: expect.any(Number) }]);
  });

  it('a failed PUT reports FailedReach with UserUploadErrored and throws ViUploadError; FailedReach while waiting is ViOperationError', async () => {
    const file = path.join(work, 'c.jsonl');
    fs.writeFileSync(file, '{}\n');
    failPut = true;
    const err = await client().annotations.upload({ datasetId: 'ds1', paths: file, showProgress: false }).catch((e: unknown) => e);
    failPut = false;
    expect(err).toBeInstanceOf(ViUploadError);
    expect(patches.at(-1).status.conditions[0]).toMatchObject({ condition: 'FilesInserted', status: 'FailedReach', reason: 'UserUploadErrored' });
    await expect(client().annotations.waitUntilDone({ datasetId: 'ds1', annotationImportSessionId: 'bad' })).rejects.toBeInstanceOf(ViOperationError);
  });
});
