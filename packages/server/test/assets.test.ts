// The asset resource (§3.3, §6.1, §8.3): get, list with keyset pagination, signed downloads, delete.
import crypto from 'node:crypto';
import sharp from 'sharp';
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

  it('serves a file of several read chunks byte for byte: whole, in ranges across chunks, side by side, after an aborted download', async () => {
    // ~3.3 MB of noise PNG: more than the download's 512 KiB read buffers several times over, so
    // buffers go back to their pool and are filled again while other downloads use the pool too.
    const pixels = crypto.randomBytes(1100 * 1000 * 3);
    const big: TestFile = { filename: 'big noise.png', bytes: await sharp(pixels, { raw: { width: 1100, height: 1000, channels: 3 } }).png().toBuffer(), mime: 'image/png' };
    expect(big.bytes.length).toBeGreaterThan(3 * 1024 * 1024);
    const own = await newDataset(s);
    await upload(s, own, [big]);
    const asset = (await listAll(s, own, 'contents=y')).find((a) => a.filename === big.filename);
    const url = asset.contents.asset.url as string;
    const get = async (range?: string) => {
      const res = await fetch(url, range ? { headers: { range } } : {});
      return { status: res.status, requestId: res.headers.get('x-request-id'), bytes: Buffer.from(await res.arrayBuffer()) };
    };

    // A client that goes away after the first bytes: its buffers must not be handed out while in use.
    const abort = new AbortController();
    const partial = await fetch(url, { signal: abort.signal });
    const reader = partial.body!.getReader();
    await reader.read();
    abort.abort();
    await reader.read().catch(() => undefined);

    const n = big.bytes.length;
    const cuts = [
      [0, 524287],
      [524286, 1048577],
      [1000, n - 1000],
      [n - 3, n - 1],
    ];
    const results = await Promise.all([get(), get(), ...cuts.map(([a, b]) => get(`bytes=${a}-${b}`))]);
    for (const whole of results.slice(0, 2)) {
      expect(whole.status).toBe(200);
      expect(whole.requestId).toMatch(/./);
      expect(whole.bytes.equals(big.bytes)).toBe(true);
    }
    cuts.forEach(([a, b], i) => {
      expect(results[2 + i]!.status).toBe(206);
      expect(results[2 + i]!.bytes.equals(big.bytes.subarray(a!, b! + 1))).toBe(true);
    });
    expect((await get()).bytes.equals(big.bytes)).toBe(true);
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
