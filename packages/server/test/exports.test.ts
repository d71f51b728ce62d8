// Dataset exports (§3.2, §6.2–6.4): the API shapes, the archive layout and annotation lines, splits,
// the signed download (HEAD, Range), failures, expiry, ZIP64 and organization isolation.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobRelativePath } from '../src/blobs/fs.js';
import { UrlSigner } from '../src/blobs/signed-urls.js';
import { openStore, type Store } from '../src/store/db.js';
import { describeEachDialect } from './support/dialects.js';
import { insertAssets } from './support/rows.js';
import { request, startTestServer, waitFor, type TestServer } from './support/server.js';
import { check, parseRaw } from './support/strict-json.js';
import { listAll, newDataset, noiseImage, upload, type TestFile } from './support/uploads.js';
import * as vi from './support/vi-spec.js';
import { hasZip64EndRecord, unzip } from './support/zip.js';

const T = 1_717_000_000_000;

/** The bare dataset id of a composite `{org}_{id}` (how rows are keyed). */
const bareId = (s: TestServer, ds: string) => ds.slice(s.organizationId.length + 1);

const exportsPath = (s: TestServer, ds: string) => `/workspaces/${s.organizationId}/datasets/${ds}/datasetExports`;

async function createExport(s: TestServer, ds: string, spec: unknown) {
  const r = await s.request('POST', exportsPath(s, ds), { body: { spec } });
  expect(r.status, r.text).toBe(200);
  return r.json;
}

/** Polls the export until its Finished condition is no longer Waiting. */
async function settled(s: TestServer, ds: string, id: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const r = await s.request('GET', `${exportsPath(s, ds)}/${id}`);
      const finished = r.json?.status?.conditions?.find((c: any) => c.condition === 'Finished');
      return finished && finished.status !== 'Waiting' ? r : undefined;
    },
    `export ${id} to settle`,
    timeoutMs,
  );
}

async function exportAndDownload(s: TestServer, ds: string, spec: unknown) {
  const created = await createExport(s, ds, spec);
  const done = await settled(s, ds, created.datasetExportId);
  expect(done.json.status.conditions.map((c: any) => [c.condition, c.status])).toEqual([
    ['Started', 'Reached'],
    ['Finished', 'Reached'],
  ]);
  const res = await fetch(done.json.status.downloadUrl.url);
  expect(res.status).toBe(200);
  const zip = Buffer.from(await res.arrayBuffer());
  const archive = await unzip(zip);
  expect(archive.badCrcs).toEqual([]);
  return { exp: done.json, zip, archive };
}

const lines = (b: Buffer | undefined) =>
  (b ?? Buffer.alloc(0))
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

describeEachDialect('dataset exports', (dialect) => {
  let s: TestServer;
  let store: Store;
  let ds: string;
  let files: TestFile[];
  const ids = new Map<string, string>();

  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_BLOB_GC_GRACE_SECONDS: '0' });
    store = await openStore(s.server.config.database);
    ds = await newDataset(s, 'exports');
    files = [
      { filename: 'cat.jpg', bytes: await noiseImage('jpeg', 1, 40, 30), mime: 'image/jpeg' },
      { filename: 'cat.png', bytes: await noiseImage('png', 2, 20, 10), mime: 'image/png' },
      { filename: 'dog.jpg', bytes: await noiseImage('jpeg', 3, 64, 48), mime: 'image/jpeg' },
      { filename: 'bird 1.png', bytes: await noiseImage('png', 4, 16, 16), mime: 'image/png' },
      { filename: 'eel.jpeg', bytes: await noiseImage('jpeg', 5, 10, 20), mime: 'image/jpeg' },
      { filename: 'fox.png', bytes: await noiseImage('png', 6, 12, 12), mime: 'image/png' },
    ];
    await upload(s, ds, files);
    for (const a of await listAll(s, ds)) ids.set(a.filename, a.assetId);
    // Annotations as the annotation import stores them: parts of one annotation share a group.
    const row = (id: string, asset: string, group: string, kind: string, contents: unknown) => ({
      id,
      dataset_id: bareId(s, ds),
      asset_id: ids.get(asset)!,
      group_id: group,
      kind,
      tag: null,
      contents: JSON.stringify(contents),
      created_at: T,
      updated_at: T,
      generation: 1,
    });
    const box = (x0: number, y0: number, x1: number, y1: number) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    await store.db
      .insertInto('annotations')
      .values([
        row('an1', 'cat.jpg', 'g1', 'Caption', { contents: 'a cat on a mat' }),
        row('an2', 'cat.jpg', 'g1', 'PhraseGroundingBoundingBox', { bound: box(0.1, 0.2, 0.5, 0.7), target: [0, 2] }),
        row('an3', 'cat.jpg', 'g1', 'PhraseGroundingBoundingBox', { bound: box(0.5, 0.1, 0.75, 0.4), target: [0, 2] }),
        row('an4', 'cat.jpg', 'g1', 'PhraseGroundingBoundingBox', { bound: box(0, 0.5, 1, 1), target: [3, 5] }),
        row('an5', 'dog.jpg', 'g2', 'Vqa', { question: 'Which animal?', answer: 'A dog', order: 1 }),
        row('an6', 'dog.jpg', 'g2', 'Vqa', { question: 'How many?', answer: 'One', order: 0 }),
      ])
      .execute();
  });
  afterAll(async () => {
    await store?.close();
    await s?.close();
  });

  it('answers the §3.2 shapes: created, finished, listed; bad specs are 400, unknown ids 404', async () => {
    const r = await s.request('POST', exportsPath(s, ds), { body: { spec: { format: 'ViFull', options: { normalized: true, splitRatio: null } } } });
    expect(r.status, r.text).toBe(200);
    expect(check(parseRaw(r.text), vi.DatasetExport)).toEqual([]);
    expect(r.json).toMatchObject({
      kind: 'DatasetExport',
      workspaceId: s.organizationId,
      datasetId: ds,
      spec: { format: 'ViFull', options: { normalized: true, splitRatio: null } },
      selfLink: `${exportsPath(s, ds)}/${r.json.datasetExportId}`,
    });
    expect(r.json.status.conditions.find((c: any) => c.condition === 'Finished').status).toBe('Waiting');
    expect(r.json.status.downloadUrl).toBeNull();

    const done = await settled(s, ds, r.json.datasetExportId);
    expect(check(parseRaw(done.text), vi.DatasetExport)).toEqual([]);
    expect(done.json.status.downloadUrl.expiresAt).toBeGreaterThan(Date.now());
    expect(Number.isInteger(done.json.status.downloadUrl.expiresAt)).toBe(true);
    expect(done.json.status.conditions.find((c: any) => c.condition === 'Finished').message).toMatch(/^6 assets, \d+ bytes$/);
    expect(done.json.metadata.generation).toBeGreaterThan(r.json.metadata.generation);

    const list = await s.request('GET', exportsPath(s, ds));
    expect(list.status).toBe(200);
    expect(check(parseRaw(list.text), vi.Pagination(vi.DatasetExport))).toEqual([]);
    expect(list.json.nextPage).toBeNull();
    expect(list.json.items.map((e: any) => e.datasetExportId)).toContain(r.json.datasetExportId);

    // What users of the SDK send when they pass dicts: accepted.
    const lenient = await createExport(s, ds, { format: 'VI_JSONL', options: { split_ratio: 0.8 } });
    expect(lenient.spec).toEqual({ format: 'ViJsonl', options: { normalized: true, splitRatio: 0.8 } });

    for (const [spec, message] of [
      [{ format: 'Zip' }, /Unknown export format "Zip"/],
      [{ format: 'ViTfrecord' }, /not supported/],
      [{ format: 'ViFull', options: { normalized: 'yes' } }, /normalized/],
      [{ format: 'ViFull', options: { normalized: true, splitRatio: 1.5 } }, /splitRatio/],
      [{ format: 'ViFull', options: { normalized: true, splitRatio: 0 } }, /splitRatio/],
    ] as const) {
      const bad = await s.request('POST', exportsPath(s, ds), { body: { spec } });
      expect(bad.status, JSON.stringify(spec)).toBe(400);
      expect(bad.json).toEqual({ error: 'ValidationFailed', message: expect.stringMatching(message) });
    }
    expect((await s.request('GET', `${exportsPath(s, ds)}/nope`)).status).toBe(404);
    expect((await s.request('POST', exportsPath(s, `${s.organizationId}_nope`), { body: { spec: { format: 'ViFull' } } })).status).toBe(404);
  });

  it('ViFull without a split: dump/images with the bytes as uploaded (STORE), one §6.4 annotation file per image', async () => {
    const { archive } = await exportAndDownload(s, ds, { format: 'ViFull', options: { normalized: true, splitRatio: null } });
    const expected = [
      'dump/images/',
      'dump/annotations/',
      ...files.map((f) => `dump/images/${f.filename}`),
      'dump/annotations/cat.jsonl',
      'dump/annotations/cat.png.jsonl', // same stem as cat.jpg: the whole filename
      'dump/annotations/dog.jsonl',
      'dump/annotations/bird 1.jsonl',
      'dump/annotations/eel.jsonl',
      'dump/annotations/fox.jsonl',
    ];
    expect([...archive.names].sort()).toEqual([...expected].sort());
    for (const f of files) {
      expect(archive.entries.get(`dump/images/${f.filename}`)!.equals(f.bytes), f.filename).toBe(true);
      expect(archive.methods.get(`dump/images/${f.filename}`)).toBe(0);
    }
    for (const name of archive.names.filter((n) => n.endsWith('.jsonl'))) {
      const text = archive.entries.get(name)!.toString('utf8');
      for (const line of text.split('\n').filter((l) => l !== '')) expect(check(parseRaw(line), vi.ExportAnnotationLine), name).toEqual([]);
    }
    expect(lines(archive.entries.get('dump/annotations/cat.jsonl'))).toEqual([
      {
        id: 'g1',
        asset: { type: 'Image', filename: 'cat.jpg', height: 30, width: 40, filepath: null, url: null },
        contents: {
          type: 'PhraseGrounding',
          caption: 'a cat on a mat',
          groundedPhrases: [
            { phrase: 'a cat', startTokenIndex: 0, endTokenIndex: 2, bounds: [[0.1, 0.2, 0.5, 0.7], [0.5, 0.1, 0.75, 0.4]] },
            { phrase: 'a mat', startTokenIndex: 3, endTokenIndex: 5, bounds: [[0, 0.5, 1, 1]] },
          ],
        },
        category: null,
      },
    ]);
    expect(lines(archive.entries.get('dump/annotations/dog.jsonl'))).toEqual([
      {
        id: 'g2',
        asset: { type: 'Image', filename: 'dog.jpg', height: 48, width: 64, filepath: null, url: null },
        contents: {
          type: 'Vqa',
          interactions: [
            { order: 0, question: 'How many?', answer: 'One' },
            { order: 1, question: 'Which animal?', answer: 'A dog' },
          ],
        },
        category: null,
      },
    ]);
    // Images without annotations keep an (empty) file, so sorted images and files stay paired.
    expect(archive.entries.get('dump/annotations/fox.jsonl')!.length).toBe(0);
  });

  it('images from 16 KiB to over 1 MiB (read into buffers that are used again) come out byte for byte', async () => {
    const own = await newDataset(s, 'pooled');
    const sides = [75, 90, 110, 130, 150, 180, 200, 230, 260, 300, 330, 360, 400, 450, 500, 640];
    const mine: TestFile[] = [];
    for (const [i, side] of [...sides, ...sides].entries()) {
      const pixels = crypto.randomBytes(side * side * 3);
      mine.push({ filename: `p${String(i).padStart(2, '0')}.png`, bytes: await sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer(), mime: 'image/png' });
    }
    expect(Math.min(...mine.map((f) => f.bytes.length))).toBeGreaterThan(16 * 1024);
    expect(Math.max(...mine.map((f) => f.bytes.length))).toBeGreaterThan(1024 * 1024);
    await upload(s, own, mine);
    const { archive } = await exportAndDownload(s, own, { format: 'ViFull', options: { normalized: true, splitRatio: null } });
    for (const f of mine) expect(archive.entries.get(`dump/images/${f.filename}`)!.equals(f.bytes), f.filename).toBe(true);
  });

  it('normalized: false writes pixel boxes from the image dimensions', async () => {
    const { exp, archive } = await exportAndDownload(s, ds, { format: 'ViJsonl', options: { normalized: false, splitRatio: null } });
    expect(exp.spec.options.normalized).toBe(false);
    const [cat] = lines(archive.entries.get('dump/annotations/cat.jsonl'));
    expect(cat.contents.groundedPhrases.map((p: any) => p.bounds)).toEqual([
      [
        [4, 6, 20, 21],
        [20, 3, 30, 12],
      ],
      [[0, 15, 40, 30]],
    ]);
  });

  it('a split ratio gives training/ and validation/, the same split every time; ViJsonl has no images', async () => {
    const annotationFiles = (names: string[]) => names.filter((n) => n.endsWith('.jsonl')).sort();
    const first = await exportAndDownload(s, ds, { format: 'ViJsonl', options: { normalized: true, splitRatio: 0.5 } });
    const second = await exportAndDownload(s, ds, { format: 'ViJsonl', options: { normalized: true, splitRatio: 0.5 } });
    const full = await exportAndDownload(s, ds, { format: 'ViFull', options: { normalized: true, splitRatio: 0.5 } });
    expect(first.archive.names.some((n) => n.includes('images/'))).toBe(false);
    expect(first.archive.names).toEqual(expect.arrayContaining(['training/annotations/', 'validation/annotations/']));
    const a = annotationFiles(first.archive.names);
    expect(a).toHaveLength(6);
    expect(a.filter((n) => n.startsWith('training/annotations/'))).toHaveLength(3);
    expect(a.filter((n) => n.startsWith('validation/annotations/'))).toHaveLength(3);
    expect(annotationFiles(second.archive.names)).toEqual(a);
    expect(annotationFiles(full.archive.names)).toEqual(a);
    // Every image sits in the split of its annotation file.
    for (const f of files) {
      const split = full.archive.names.find((n) => n.endsWith(`/images/${f.filename}`))!.split('/')[0];
      const own = [`${split}/annotations/${f.filename.replace(/\.[^.]*$/, '')}.jsonl`, `${split}/annotations/${f.filename}.jsonl`];
      expect(own.some((n) => full.archive.entries.has(n)), f.filename).toBe(true);
    }
    // A different ratio moves assets, but both splits keep at least one.
    const skewed = annotationFiles((await exportAndDownload(s, ds, { format: 'ViJsonl', options: { normalized: true, splitRatio: 0.99 } })).archive.names);
    expect(skewed.filter((n) => n.startsWith('validation/'))).toHaveLength(1);
    expect(skewed.filter((n) => n.startsWith('training/'))).toHaveLength(5);
  });

  it('the download URL answers HEAD with Content-Length and Range with 206; 416 past the end; 403 when tampered or expired', async () => {
    const { exp, zip } = await exportAndDownload(s, ds, { format: 'ViFull', options: { normalized: true, splitRatio: null } });
    const url = exp.status.downloadUrl.url as string;
    expect(new URL(url).pathname.endsWith('.zip')).toBe(true);
    const head = await fetch(url, { method: 'HEAD', redirect: 'manual' });
    await head.arrayBuffer();
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(zip.length));
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect(head.headers.get('content-type')).toBe('application/zip');
    // The SDK's chunked download: inclusive ranges written at their offsets.
    const chunk = 1000;
    const rebuilt = Buffer.alloc(zip.length);
    for (let start = 0; start < zip.length; start += chunk) {
      const end = Math.min(zip.length, start + chunk) - 1;
      const part = await fetch(url, { headers: { range: `bytes=${start}-${end}` } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes ${start}-${end}/${zip.length}`);
      Buffer.from(await part.arrayBuffer()).copy(rebuilt, start);
    }
    expect(rebuilt.equals(zip)).toBe(true);
    const beyond = await fetch(url, { headers: { range: `bytes=${zip.length}-` } });
    await beyond.arrayBuffer();
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${zip.length}`);

    const u = new URL(url);
    const tampered = `${u.origin}${u.pathname.replace(/\/files\/exports\/[^/]+\//, '/files/exports/other/')}${u.search}`;
    const forbidden = await fetch(tampered);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ error: 'PermissionDenied', message: expect.stringMatching(/signature/) });
    const unsigned = await fetch(`${u.origin}${u.pathname}`);
    expect(unsigned.status).toBe(403);
    await unsigned.arrayBuffer();
    const secret = fs.readFileSync(path.join(s.dataDir, 'signing-secret'), 'utf8').trim();
    const expired = await fetch(`${u.origin}${u.pathname}?${new UrlSigner(secret).sign('GET', u.pathname, Date.now() - 1000)}`);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toEqual({ error: 'PermissionDenied', message: expect.stringMatching(/expired/) });
  });

  it('a failure ends FailedReach with a message that says why', async () => {
    const broken = await newDataset(s, 'broken');
    const f = { filename: 'gone.jpg', bytes: await noiseImage('jpeg', 77), mime: 'image/jpeg' };
    await upload(s, broken, [f]);
    const [asset] = await listAll(s, broken);
    const sha = asset.metadata.generations.asset as string;
    fs.rmSync(path.join(s.dataDir, 'blobs', blobRelativePath(sha)));
    const created = await createExport(s, broken, { format: 'ViFull', options: { normalized: true, splitRatio: null } });
    const done = await settled(s, broken, created.datasetExportId);
    const finished = done.json.status.conditions.find((c: any) => c.condition === 'Finished');
    expect(finished.status).toBe('FailedReach');
    expect(finished.message).toMatch(new RegExp(`asset ${asset.assetId} \\(gone\\.jpg\\): its bytes are missing`));
    expect(done.json.status.downloadUrl).toBeNull();
    expect(check(parseRaw(done.text), vi.DatasetExport)).toEqual([]);
    // No staging is left behind by the failed build.
    const staging = path.join(s.dataDir, 'staging');
    const leftovers = fs.readdirSync(staging).flatMap((d) => fs.readdirSync(path.join(staging, d)));
    expect(leftovers).toEqual([]);
  });

  it('deleting the dataset removes its exports and their archives, before they expire', async () => {
    const doomed = await newDataset(s, 'doomed');
    await upload(s, doomed, [{ filename: 'x.png', bytes: await noiseImage('png', 21, 30, 30), mime: 'image/png' }]);
    const created = await createExport(s, doomed, { format: 'ViFull', options: { normalized: true, splitRatio: null } });
    const done = await settled(s, doomed, created.datasetExportId);
    const url = done.json.status.downloadUrl.url as string;
    const row = await store.db.selectFrom('dataset_exports').selectAll().where('id', '=', created.datasetExportId).executeTakeFirstOrThrow();
    // Found by name, whatever the blob store's folder layout.
    const blobFile = (fs.readdirSync(path.join(s.dataDir, 'blobs'), { recursive: true }) as string[])
      .map((f) => path.join(s.dataDir, 'blobs', f))
      .find((f) => path.basename(f) === row.archive_sha256);
    expect(blobFile && fs.existsSync(blobFile)).toBe(true);

    expect((await s.request('DELETE', `/workspaces/${s.organizationId}/datasets/${doomed}`)).status).toBe(200);
    await waitFor(
      async () => ((await store.db.selectFrom('datasets').select('purged_at').where('id', '=', row.dataset_id).executeTakeFirst())?.purged_at ? true : undefined),
      'the dataset to be purged',
    );
    expect(await store.db.selectFrom('dataset_exports').select('id').where('dataset_id', '=', row.dataset_id).execute()).toEqual([]);
    await waitFor(async () => (fs.existsSync(blobFile!) ? undefined : true), "the export's archive to be collected");
    const late = await fetch(url);
    expect(late.status).toBe(404);
    await late.arrayBuffer();
  });

  it('keeps each organization to its own exports', async () => {
    const { admin } = await import('../src/index.js');
    const other = await admin.createOrganization(s.server.config, { name: 'Other' });
    const created = await createExport(s, ds, { format: 'ViJsonl', options: { normalized: true, splitRatio: null } });
    const theirs = s.authHeaders(other.secretKey, other.organizationId);
    const bare = bareId(s, ds);
    const peek = await request(s.url, 'GET', `/workspaces/${other.organizationId}/datasets/${other.organizationId}_${bare}/datasetExports/${created.datasetExportId}`, {
      headers: theirs,
    });
    expect(peek.status).toBe(404);
    const list = await request(s.url, 'GET', `/workspaces/${other.organizationId}/datasets/${other.organizationId}_${bare}/datasetExports`, { headers: theirs });
    expect(list.status).toBe(404);
    const cross = await request(s.url, 'GET', `${exportsPath(s, ds)}/${created.datasetExportId}`, { headers: theirs });
    expect(cross.status).toBe(403);
    const make = await request(s.url, 'POST', `/workspaces/${other.organizationId}/datasets/${other.organizationId}_${bare}/datasetExports`, {
      headers: theirs,
      body: { spec: { format: 'ViFull' } },
    });
    expect(make.status).toBe(404);
  });

  it('writes ZIP64 records when the archive has more than 65,535 entries', { timeout: 240_000 }, async () => {
    const many = await newDataset(s, 'many');
    // Rows only: a ViJsonl export reads no image bytes. 66,000 annotation files + 1 directory.
    const n = 66_000;
    await insertAssets(
      store.db,
      bareId(s, many),
      Array.from({ length: n }, (_, i) => ({ id: `m${String(i).padStart(6, '0')}`, filename: `m${String(i).padStart(6, '0')}.png` })),
    );
    const created = await createExport(s, many, { format: 'ViJsonl', options: { normalized: true, splitRatio: null } });
    // Progress shows in the Finished condition while the archive is written.
    const progress = await waitFor(async () => {
      const r = await s.request('GET', `${exportsPath(s, many)}/${created.datasetExportId}`);
      const finished = r.json.status.conditions.find((c: any) => c.condition === 'Finished');
      const m = /^(\d+) of (\d+) assets written$/.exec(finished.message ?? '');
      return finished.status === 'Waiting' && m && Number(m[1]) > 0 ? [Number(m[1]), Number(m[2])] : undefined;
    }, 'export progress');
    expect(progress[1]).toBe(n);
    expect(progress[0]).toBeLessThan(n);
    const done = await settled(s, many, created.datasetExportId, 180_000);
    const zip = Buffer.from(await (await fetch(done.json.status.downloadUrl.url)).arrayBuffer());
    const archive = await unzip(zip);
    expect(archive.badCrcs).toEqual([]);
    expect(archive.names.length).toBe(n + 1);
    expect(hasZip64EndRecord(zip)).toBe(true);
    expect(archive.names.filter((x) => /^dump\/annotations\/m\d{6}\.jsonl$/.test(x)).length).toBe(n);
  });
});

describe.each(['sqlite'] as const)('dataset export expiry [%s]', (dialect) => {
  let s: TestServer;
  let store: Store;
  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_BLOB_GC_GRACE_SECONDS: '0', VIREO_EXPORT_TTL_SECONDS: '3' });
    store = await openStore(s.server.config.database);
  });
  afterAll(async () => {
    await store?.close();
    await s?.close();
  });

  it('removes an export and its archive after the configured time', async () => {
    const ds = await newDataset(s, 'short-lived');
    await upload(s, ds, [{ filename: 'a.png', bytes: await noiseImage('png', 9), mime: 'image/png' }]);
    const created = await createExport(s, ds, { format: 'ViFull', options: { normalized: true, splitRatio: null } });
    const done = await settled(s, ds, created.datasetExportId);
    const url = done.json.status.downloadUrl.url as string;
    expect(done.json.status.downloadUrl.expiresAt).toBeLessThanOrEqual(Date.now() + 3000);
    const row = await store.db.selectFrom('dataset_exports').selectAll().where('id', '=', created.datasetExportId).executeTakeFirstOrThrow();
    const sha = row.archive_sha256!;
    const blobFile = path.join(s.dataDir, 'blobs', blobRelativePath(sha));
    expect(fs.existsSync(blobFile)).toBe(true);
    await waitFor(
      async () => ((await s.request('GET', `${exportsPath(s, ds)}/${created.datasetExportId}`)).status === 404 ? true : undefined),
      'the export to expire',
    );
    await waitFor(
      async () => {
        const gone = !(await store.db.selectFrom('dataset_exports').select('id').where('id', '=', created.datasetExportId).executeTakeFirst());
        return gone && !fs.existsSync(blobFile) ? true : undefined;
      },
      'the expired export and its archive to be removed',
    );
    expect((await s.request('GET', exportsPath(s, ds))).json.items).toEqual([]);
    const late = await fetch(url);
    expect([403, 404]).toContain(late.status);
    await late.arrayBuffer();
  });
});
