// Asset behaviour across requests (issue items 5, 11, 13–16), on both dialects: overwrite modes,
// the query languages through GET …/assets, keyset pagination at depth, bulk deletion and its
// all-null rule, blob collection racing an upload of the same content, download URL expiry, and
// dataset statistics from real rows.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UrlSigner } from '../src/blobs/signed-urls.js';
import { openStore, type Store } from '../src/store/db.js';
import { describeEachDialect } from './support/dialects.js';
import { insertAnnotation, insertAssets } from './support/rows.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';
import { createSession, listAll, newDataset, noiseImage, put, sha256, specOf, upload, type TestFile } from './support/uploads.js';

const shortId = (s: TestServer, ds: string) => ds.slice(s.organizationId.length + 1);

describeEachDialect('asset flows', (dialect) => {
  let s: TestServer;
  let store: Store;
  const assetsPath = (ds: string) => `/workspaces/${s.organizationId}/datasets/${ds}/assets`;
  const jpeg = async (filename: string, seed: number, customMetadata?: TestFile['customMetadata']): Promise<TestFile> => ({
    filename,
    bytes: await noiseImage('jpeg', seed),
    mime: 'image/jpeg',
    customMetadata,
  });

  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_BLOB_GC_GRACE_SECONDS: '1' });
    store = await openStore(s.server.config.database);
  });
  afterAll(async () => {
    await store?.close();
    await s?.close();
  });

  it('overwrites by filename: KeepLinkedResource(s) keeps annotations, RemoveLinkedResource drops them; same asset id', async () => {
    const ds = await newDataset(s);
    await upload(s, ds, [await jpeg('same.jpg', 1)]);
    const [original] = await listAll(s, ds);
    await insertAnnotation(store.db, shortId(s, ds), original.assetId, `keep-${dialect}-1`, 'cat');
    await insertAnnotation(store.db, shortId(s, ds), original.assetId, `keep-${dialect}-2`, 'dog');

    const second = await jpeg('same.jpg', 2);
    const kept = await upload(s, ds, [second], { onAssetOverwritten: 'KeepLinkedResource' });
    expect(kept.spec.onAssetOverwritten).toBe('KeepLinkedResources'); // singular accepted, plural answered
    const [afterKeep] = await listAll(s, ds);
    expect(afterKeep.assetId).toBe(original.assetId);
    expect(afterKeep.metadata.generations.asset).toBe(sha256(second.bytes));
    expect(afterKeep.metadata.annotations).toEqual({ withTag: { cat: 1, dog: 1 }, total: 2 });

    const plural = await upload(s, ds, [await jpeg('same.jpg', 3)], { onAssetOverwritten: 'KeepLinkedResources' });
    expect(plural.spec.onAssetOverwritten).toBe('KeepLinkedResources');
    expect((await listAll(s, ds))[0].metadata.annotations.total).toBe(2);

    const third = await jpeg('same.jpg', 4);
    await upload(s, ds, [third], { onAssetOverwritten: 'RemoveLinkedResource' });
    const [afterRemove] = await listAll(s, ds);
    expect(afterRemove.assetId).toBe(original.assetId);
    expect(afterRemove.metadata.generations.asset).toBe(sha256(third.bytes));
    expect(afterRemove.metadata.annotations).toEqual({ withTag: {}, total: 0 });
    const dataset = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}`);
    expect(dataset.json.statistic).toMatchObject({ assetTotal: 1, annotationTotal: 0, assetAnnotated: 0 });
  });

  it('filters with filter and metadataQuery through GET …/assets; a bad query is a 400 naming the position', async () => {
    const ds = await newDataset(s, 'query');
    const files = [
      await jpeg('a.jpg', 11, { camera: 'left', n: 1 }),
      await jpeg('b.jpg', 12, { camera: 'right', n: 2 }),
      { filename: 'c.png', bytes: await noiseImage('png', 13), mime: 'image/png', customMetadata: { camera: 'left', n: 3 } },
      { filename: 'd.png', bytes: await noiseImage('png', 14), mime: 'image/png' },
    ];
    await upload(s, ds, files);
    const a = (await listAll(s, ds)).find((x) => x.filename === 'a.jpg');
    await insertAnnotation(store.db, shortId(s, ds), a.assetId, `q-${dialect}-1`, 'cat');
    const names = async (query: string) => (await listAll(s, ds, query)).map((x) => x.filename).sort();
    const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

    expect(await names(q({ metadataQuery: 'camera == "left"' }))).toEqual(['a.jpg', 'c.png']);
    expect(await names(q({ metadataQuery: 'camera == "left" and n > 1' }))).toEqual(['c.png']);
    expect(await names(q({ metadataQuery: 'n >= 2 or mimeType == "image/jpeg"' }))).toEqual(['a.jpg', 'b.jpg', 'c.png']);
    expect(await names(q({ metadataQuery: `fileSize == ${files[3]!.bytes.length} and not customMetadata.camera == "left"` }))).toEqual(['d.png']);
    expect(await names(q({ filter: '{"customMetadata.camera":"right"}' }))).toEqual(['b.jpg']);
    expect(await names(q({ filter: '{"metadata.annotations.total":0}' }))).toEqual(['b.jpg', 'c.png', 'd.png']);
    expect(await names(q({ filter: '{"mimeType":"IMAGE/PNG"}' }))).toEqual(['c.png', 'd.png']);
    expect(await names(q({ filter: '{"mimeType":"image/png"}', metadataQuery: 'camera == "left"' }))).toEqual(['c.png']);
    // Pages of a filtered list keep the filter; the token refuses a different one.
    const first = await s.request('GET', `${assetsPath(ds)}?${q({ metadataQuery: 'n >= 1', s: '1', sortBy: 'filename' })}`);
    expect(first.json.items.map((x: any) => x.filename)).toEqual(['a.jpg']);
    const next = await s.request('GET', `${assetsPath(ds)}?${q({ metadataQuery: 'n >= 1', s: '5', p: first.json.nextPage })}`);
    expect(next.json.items.map((x: any) => x.filename)).toEqual(['b.jpg', 'c.png']);
    expect(next.json.nextPage).toBeNull();
    const mixed = await s.request('GET', `${assetsPath(ds)}?${q({ metadataQuery: 'n >= 2', p: first.json.nextPage })}`);
    expect(mixed.status).toBe(400);

    const badQuery = await s.request('GET', `${assetsPath(ds)}?${q({ metadataQuery: 'camera == ' })}`);
    expect(badQuery.status).toBe(400);
    expect(badQuery.json.error).toBe('ValidationFailed');
    expect(badQuery.json.message).toMatch(/^metadataQuery: .*at position \d+/);
    const badFilter = await s.request('GET', `${assetsPath(ds)}?${q({ filter: '{"status": ' })}`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.json.message).toMatch(/^filter: .*position \d+/);
  });

  it('bulk deletion: an all-null spec is refused, a query deletes what it selects, "*" deletes the rest', async () => {
    const ds = await newDataset(s, 'bulk');
    await upload(s, ds, [
      await jpeg('k1.jpg', 21, { keep: true }),
      await jpeg('k2.jpg', 22, { keep: true }),
      await jpeg('d1.jpg', 23, { keep: false }),
      await jpeg('d2.jpg', 24, { keep: false }),
      await jpeg('d3.jpg', 25, { keep: false }),
    ]);
    const base = `/workspaces/${s.organizationId}/datasets/${ds}/deleteManyAssetsSessions`;
    for (const spec of [
      { filter: null, metadataQuery: null, ruleQuery: null, strictQuery: null },
      {},
      { filter: {}, metadataQuery: '  ' },
      { filter: '', metadataQuery: '', ruleQuery: '' },
    ]) {
      const r = await s.request('POST', base, { body: { spec } });
      expect(r.status, JSON.stringify(spec)).toBe(400);
      expect(r.json.message).toContain('"filter": "*"');
    }
    const bad = await s.request('POST', base, { body: { spec: { metadataQuery: 'keep ==' } } });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/position/);
    expect((await listAll(s, ds)).length).toBe(5); // nothing deleted by refused requests

    const finished = (id: string) =>
      waitFor(async () => {
        const g = await s.request('GET', `${base}/${id}`);
        return g.json.status.conditions.find((c: any) => c.condition === 'Finished')?.status === 'Reached' ? g.json : undefined;
      }, 'bulk deletion to finish');
    const some = await s.request('POST', base, { body: { spec: { metadataQuery: 'keep == false', filter: null, ruleQuery: null, strictQuery: null } } });
    expect(some.status).toBe(200);
    const someDone = await finished(some.json.deleteManyAssetsSessionId);
    expect(someDone.status.conditions.find((c: any) => c.condition === 'Finished').message).toBe('3 assets deleted');
    expect((await listAll(s, ds)).map((a) => a.filename).sort()).toEqual(['k1.jpg', 'k2.jpg']);

    const all = await s.request('POST', base, { body: { spec: { filter: '*' } } });
    expect(all.status).toBe(200);
    await finished(all.json.deleteManyAssetsSessionId);
    expect(await listAll(s, ds)).toEqual([]);
    const dataset = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}`);
    expect(dataset.json.statistic.assetTotal).toBe(0);
  });

  it('blob collection never removes content that a concurrent upload of the same bytes relies on', async () => {
    const ds = await newDataset(s, 'gc-race');
    const collectsIdle = () =>
      waitFor(async () => {
        const busy = await store.db
          .selectFrom('jobs')
          .select('id')
          .where('kind', '=', 'blobs.collect')
          .where('status', 'in', ['queued', 'running'])
          .where('run_at', '<=', Date.now())
          .executeTakeFirst();
        return busy ? undefined : true;
      }, 'blob collection to finish');
    for (let round = 0; round < 6; round++) {
      const content = await noiseImage('jpeg', 300 + round);
      const original: TestFile = { filename: `orig-${round}.jpg`, bytes: content, mime: 'image/jpeg' };
      const copy: TestFile = { filename: `copy-${round}.jpg`, bytes: content, mime: 'image/jpeg' };
      await upload(s, ds, [original]);
      const [asset] = (await listAll(s, ds)).filter((a) => a.filename === original.filename);
      // Past the grace period the released blob is collectable the moment its asset goes.
      const touched = Date.now();
      await waitFor(async () => (Date.now() > touched + 1100 ? true : undefined), 'the collection grace period to pass');
      const created = await createSession(s, ds, [specOf(copy)]);
      const [del, sent] = await Promise.all([
        s.request('DELETE', `${assetsPath(ds)}/${asset.assetId}`),
        put(created.json.status.assets[0].upload, copy.bytes),
      ]);
      expect(del.status).toBe(204);
      expect(sent.status, sent.text).toBe(200);
      await collectsIdle();
      const [kept] = (await listAll(s, ds, 'contents=y')).filter((a) => a.filename === copy.filename);
      const res = await fetch(kept.contents.asset.url);
      expect(res.status).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(content));
      const blob = await store.db.selectFrom('blobs').select('state').where('sha256', '=', sha256(content)).executeTakeFirst();
      expect(blob?.state).toBe('live');
    }
  });

  it('download URLs: expired or tampered signatures are 403; ETag and If-None-Match', async () => {
    const ds = await newDataset(s, 'downloads');
    const f = await jpeg('dl.jpg', 31);
    await upload(s, ds, [f]);
    const [a] = await listAll(s, ds, 'contents=y');
    const url = new URL(a.contents.asset.url);
    const signer = new UrlSigner(fs.readFileSync(path.join(s.dataDir, 'signing-secret'), 'utf8').trim());
    const expired = `${url.origin}${url.pathname}?${signer.sign('GET', url.pathname, Date.now() - 1000)}`;
    const r = await fetch(expired);
    expect(r.status).toBe(403);
    expect((await r.json()).message).toMatch(/expired/);
    const forged = new URL(url);
    forged.searchParams.set('signature', forged.searchParams.get('signature')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')));
    const f2 = await fetch(forged);
    expect(f2.status).toBe(403);
    await f2.arrayBuffer();
    const headOnThumb = await fetch(a.contents.thumbnail.url, { method: 'HEAD' });
    expect(headOnThumb.status).toBe(200);
    expect(headOnThumb.headers.get('content-type')).toBe('image/webp');
    await headOnThumb.arrayBuffer();
    const etag = `"${sha256(f.bytes)}"`;
    const cached = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    await cached.arrayBuffer();
    // A list of tags, compared weakly (as caches send them), also matches; another tag does not.
    const listed = await fetch(url, { headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(listed.status).toBe(304);
    await listed.arrayBuffer();
    const other = await fetch(url, { headers: { 'if-none-match': '"other"' } });
    expect(other.status).toBe(200);
    expect(Buffer.from(await other.arrayBuffer()).equals(f.bytes)).toBe(true);
  });

  it('dataset statistic counts real asset and annotation rows', async () => {
    const ds = await newDataset(s, 'stats');
    await upload(s, ds, [await jpeg('s1.jpg', 41), await jpeg('s2.jpg', 42), await jpeg('s3.jpg', 43)]);
    const [x, y] = await listAll(s, ds);
    await insertAnnotation(store.db, shortId(s, ds), x.assetId, `st-${dialect}-1`, 'cat');
    await insertAnnotation(store.db, shortId(s, ds), x.assetId, `st-${dialect}-2`, 'cat');
    await insertAnnotation(store.db, shortId(s, ds), y.assetId, `st-${dialect}-3`, 'dog');
    const dataset = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}`);
    expect(dataset.json.statistic).toEqual({ assetTotal: 3, annotationTotal: 3, assetAnnotated: 2, tagsCount: { cat: 2, dog: 1 } });
    await s.request('DELETE', `${assetsPath(ds)}/${x.assetId}`);
    const after = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}`);
    expect(after.json.statistic).toEqual({ assetTotal: 2, annotationTotal: 1, assetAnnotated: 1, tagsCount: { dog: 1 } });
  });
});

describeEachDialect('asset pagination at depth', (dialect) => {
  const N = 2500;
  let s: TestServer;
  let store: Store;
  let ds: string;
  let rows: Array<{ id: string; filename: string; size: number; contents_updated_at: number }>;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    store = await openStore(s.server.config.database);
    ds = await newDataset(s, 'deep');
    // Filenames in another order than ids; sizes and times with many ties (the id breaks them).
    rows = Array.from({ length: N }, (_, i) => ({
      id: `a${String(i).padStart(5, '0')}`,
      filename: `f${String((i * 7919) % N).padStart(5, '0')}.png`,
      size: 100 + (i % 37),
      contents_updated_at: 1_700_000_000_000 + (i % 50),
    }));
    await insertAssets(store.db, shortId(s, ds), rows);
  });
  afterAll(async () => {
    await store?.close();
    await s?.close();
  });

  type Row = (typeof rows)[number];
  const SORTS: Record<string, (r: Row) => string | number> = {
    default: (r) => r.id,
    assetId: (r) => r.id,
    filename: (r) => r.filename,
    'lastModified.contents': (r) => r.contents_updated_at,
    'metadata.fileSize': (r) => r.size,
  };
  const expected = (sortBy: string, order: 'asc' | 'desc') => {
    const key = SORTS[sortBy]!;
    const sign = order === 'asc' ? 1 : -1;
    return [...rows]
      .sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        if (ka !== kb) return (ka < kb ? -1 : 1) * sign;
        return (a.id < b.id ? -1 : 1) * sign;
      })
      .map((r) => r.id);
  };
  const walk = async (sortBy: string, order: 'asc' | 'desc', size: number) => {
    const ids: string[] = [];
    const pageSizes: number[] = [];
    let token: string | null = null;
    do {
      const q = new URLSearchParams({ s: String(size), sortBy, o: order });
      if (token) q.set('p', token);
      const r = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}/assets?${q}`);
      expect(r.status, r.text).toBe(200);
      ids.push(...r.json.items.map((a: any) => a.assetId));
      pageSizes.push(r.json.items.length);
      token = r.json.nextPage;
    } while (token);
    return { ids, pageSizes };
  };

  for (const sortBy of Object.keys(SORTS)) {
    it(`walks ${N} assets by ${sortBy}, both orders, in pages of 1000 and of 97`, async () => {
      for (const order of ['asc', 'desc'] as const) {
        const want = expected(sortBy, order);
        const big = await walk(sortBy, order, 1000);
        expect(big.pageSizes).toEqual([1000, 1000, 500]); // nextPage null after the last page
        expect(big.ids).toEqual(want);
        const small = await walk(sortBy, order, 97);
        expect(small.pageSizes.length).toBe(Math.ceil(N / 97));
        expect(small.ids).toEqual(want);
      }
    });
  }

  it('an exact multiple of the page size ends with nextPage null, not an empty page', async () => {
    const { pageSizes } = await walk('default', 'asc', 500);
    expect(pageSizes).toEqual([500, 500, 500, 500, 500]);
  });

  it('a filtered list at depth pages through exactly the matching assets', async () => {
    const q = new URLSearchParams({ metadataQuery: 'fileSize < 110', s: '150', sortBy: 'metadata.fileSize', o: 'desc' });
    const ids: string[] = [];
    let token: string | null = null;
    do {
      if (token) q.set('p', token);
      const r = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}/assets?${q}`);
      expect(r.status, r.text).toBe(200);
      ids.push(...r.json.items.map((a: any) => a.assetId));
      token = r.json.nextPage;
    } while (token);
    expect(ids).toEqual(expected('metadata.fileSize', 'desc').filter((id) => rows.find((r) => r.id === id)!.size < 110));
  });
});
