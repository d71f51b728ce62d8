// The asset resource (§3.3, §6.1, §8.3): get, list with keyset pagination, signed downloads, delete.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/db.js';
import { describeEachDialect } from './support/dialects.js';
import { insertAnnotation } from './support/rows.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';
import { listAll, newDataset, noiseImage, sha256, upload, type TestFile } from './support/uploads.js';

describeEachDialect('assets', (dialect) => {
  let s: TestServer;
  let store: Store;
  let ds: string;
  let files: TestFile[];
  let base: string;

  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_BLOB_GC_GRACE_SECONDS: '0' });
    store = await openStore(s.server.config.database);
    ds = await newDataset(s);
    base = `/workspaces/${s.organizationId}/datasets/${ds}/assets`;
    files = [];
    for (let i = 0; i < 5; i++) files.push({ filename: `img ${i}.jpg`, bytes: await noiseImage('jpeg', 100 + i, 30 + i, 20), mime: 'image/jpeg' });
    await upload(s, ds, files);
  });
  afterAll(async () => {
    await store?.close();
    await s?.close();
  });

  it('gets one asset, with signed URLs only when contents=y', async () => {
    const [first] = await listAll(s, ds);
    const plain = await s.request('GET', `${base}/${first.assetId}`);
    expect(plain.status).toBe(200);
    expect(plain.json.contents).toBeUndefined();
    expect(plain.json.datasetId).toBe(ds);
    expect(plain.json.selfLink).toBe(`${base}/${first.assetId}`);
    const withContents = await s.request('GET', `${base}/${first.assetId}?contents=y`);
    expect(withContents.json.contents.asset.expiry).toBeGreaterThan(Date.now());
    expect(withContents.json.contents.thumbnail.url).toContain('/thumbnail/');
    expect((await s.request('GET', `${base}/nope`)).status).toBe(404);
  });

  it('serves the bytes with type, length, ETag, HEAD and ranges', async () => {
    const asset = (await listAll(s, ds, 'contents=y')).find((a) => a.filename === 'img 2.jpg');
    const f = files[2]!;
    const url = asset.contents.asset.url as string;
    expect(new URL(url).pathname.endsWith('/img%202.jpg')).toBe(true);
    const full = await fetch(url);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('image/jpeg');
    expect(full.headers.get('content-length')).toBe(String(f.bytes.length));
    expect(full.headers.get('etag')).toBe(`"${sha256(f.bytes)}"`);
    expect(Buffer.from(await full.arrayBuffer()).equals(f.bytes)).toBe(true);
    const head = await fetch(url, { method: 'HEAD' });
    await head.arrayBuffer();
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(f.bytes.length));
    const part = await fetch(url, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${f.bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(f.bytes.subarray(10, 20))).toBe(true);
    const tail = await fetch(url, { headers: { range: 'bytes=-5' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(f.bytes.subarray(-5))).toBe(true);
    const beyond = await fetch(url, { headers: { range: `bytes=${f.bytes.length}-` } });
    expect(beyond.status).toBe(416);
    await beyond.arrayBuffer();
    expect(beyond.headers.get('content-range')).toBe(`bytes */${f.bytes.length}`);
    const tampered = url.replace('img%202.jpg', 'img%203.jpg');
    const forbidden = await fetch(tampered);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ error: 'PermissionDenied', message: expect.any(String) });
    const put = await fetch(url, { method: 'PUT', body: 'x' });
    expect(put.status).not.toBe(200);
    await put.arrayBuffer();
  });

  it('makes a 256 px WebP thumbnail on first request and then serves it from the blob store', async () => {
    const asset = (await listAll(s, ds, 'contents=y'))[0];
    const first = await fetch(asset.contents.thumbnail.url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await first.arrayBuffer());
    expect(bytes.subarray(8, 12).toString()).toBe('WEBP');
    const again = await s.request('GET', `${base}/${asset.assetId}`);
    expect(again.json.metadata.generations.thumbnail).toBe(sha256(bytes));
    const second = await fetch(asset.contents.thumbnail.url);
    expect(Buffer.from(await second.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('counts annotations per asset from real rows', async () => {
    const [a] = await listAll(s, ds);
    await insertAnnotation(store.db, ds.slice(s.organizationId.length + 1), a.assetId, `an-${dialect}-1`, 'cat');
    await insertAnnotation(store.db, ds.slice(s.organizationId.length + 1), a.assetId, `an-${dialect}-2`, 'cat');
    await insertAnnotation(store.db, ds.slice(s.organizationId.length + 1), a.assetId, `an-${dialect}-3`, null);
    const r = await s.request('GET', `${base}/${a.assetId}`);
    expect(r.json.metadata.annotations).toEqual({ withTag: { cat: 2 }, total: 3 });
    const dataset = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}`);
    expect(dataset.json.statistic).toMatchObject({ assetTotal: 5, annotationTotal: 3, assetAnnotated: 1 });
  });

  it('deletes an asset: empty 204, then 404, and its blob is collected', async () => {
    const victim = (await listAll(s, ds, 'contents=y')).find((a) => a.filename === 'img 4.jpg');
    const del = await s.request('DELETE', `${base}/${victim.assetId}`, { headers: { 'content-type': 'application/json' } });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await s.request('GET', `${base}/${victim.assetId}`)).status).toBe(404);
    expect((await s.request('DELETE', `${base}/${victim.assetId}`)).status).toBe(404);
    const gone = await fetch(victim.contents.asset.url);
    expect(gone.status).toBe(404);
    await gone.arrayBuffer();
    const sha = sha256(files[4]!.bytes);
    await waitFor(async () => ((await store.db.selectFrom('blobs').select('sha256').where('sha256', '=', sha).executeTakeFirst()) ? undefined : true), 'blob collection');
  });
});
