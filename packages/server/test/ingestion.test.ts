// Asset ingestion through the Vi protocol (§5.1) against a real server, on both dialects.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from './support/dialects.js';
import { startTestServer, type TestServer } from './support/server.js';
import {
  createSession,
  ingestionPath,
  listAll,
  newDataset,
  noiseImage,
  put,
  putAll,
  sha256,
  signedCrc32c,
  specOf,
  upload,
  waitFinished,
  type TestFile,
} from './support/uploads.js';

describeEachDialect('asset ingestion', (dialect) => {
  let s: TestServer;
  const MAX_FILES = 20;
  const MAX_BYTES = 64 * 1024;

  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_MAX_FILES_PER_SESSION: String(MAX_FILES), VIREO_MAX_UPLOAD_BYTES: String(MAX_BYTES) });
  });
  afterAll(() => s?.close());

  const jpeg = async (name: string, seed: number): Promise<TestFile> => ({ filename: name, bytes: await noiseImage('jpeg', seed), mime: 'image/jpeg' });

  it('uploads files, reports progress, and makes assets with the right bytes and metadata', async () => {
    const ds = await newDataset(s);
    const files = [await jpeg('a.jpg', 1), await jpeg('b.jpg', 2), { filename: 'c.png', bytes: await noiseImage('png', 3, 40, 30), mime: 'image/png', customMetadata: { camera: 'left', n: 3 } }];
    const created = await createSession(s, ds, files.map((f) => specOf(f)));
    expect(created.status).toBe(200);
    const session = created.json;
    expect(session.kind).toBe('AssetIngestionSession');
    expect(session.status.progressCount).toEqual({ total: 3, succeeded: 0, errored: 0 });
    expect(session.status.assets).toHaveLength(3);
    for (const a of session.status.assets) {
      expect(a.upload.headers).toEqual({ 'Content-Type': a.metadata.mime });
      expect(a.upload.expiry).toBeGreaterThan(Date.now());
      expect(a.upload.url).toMatch(new RegExp(`^${s.url}/uploads/`));
    }
    expect(session.spec.assets[0]).toMatchObject({ filename: 'a.jpg', crc32c: signedCrc32c(files[0]!.bytes) });
    const results = await putAll(session, files);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const done = await waitFinished(s, ds, session.assetIngestionSessionId);
    expect(done.status.progressCount).toEqual({ total: 3, succeeded: 3, errored: 0 });
    expect(done.status.assets).toEqual([]);
    expect(done.status.events.filter((e: any) => e.kind === 'Error')).toEqual([]);

    const assets = await listAll(s, ds, 'contents=y');
    expect(assets.map((a) => a.filename).sort()).toEqual(['a.jpg', 'b.jpg', 'c.png']);
    const c = assets.find((a) => a.filename === 'c.png');
    expect(c.metadata).toMatchObject({ width: 40, height: 30, mimeType: 'image/png', fileSize: files[2]!.bytes.length, customMetadata: { camera: 'left', n: 3 }, customMetadataCount: 2 });
    for (const a of assets) {
      const f = files.find((x) => x.filename === a.filename)!;
      const res = await fetch(a.contents.asset.url);
      expect(res.status).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(f.bytes));
      expect(new URL(a.contents.asset.url).pathname.split('/').pop()).toBe(a.filename);
    }
  });

  it('resumes for free: files already in the dataset get no URL and count as succeeded', async () => {
    const ds = await newDataset(s);
    const files = [await jpeg('r1.jpg', 11), await jpeg('r2.jpg', 12)];
    await upload(s, ds, [files[0]!]);
    const second = await createSession(s, ds, files.map((f) => specOf(f)));
    expect(second.json.status.assets.map((a: any) => a.metadata.filename)).toEqual(['r2.jpg']);
    expect(second.json.status.progressCount).toEqual({ total: 2, succeeded: 1, errored: 0 });
    await putAll(second.json, files);
    const done = await waitFinished(s, ds, second.json.assetIngestionSessionId);
    expect(done.status.progressCount).toEqual({ total: 2, succeeded: 2, errored: 0 });
    // All present already: finished at once.
    const third = await createSession(s, ds, files.map((f) => specOf(f)));
    expect(third.json.status.assets).toEqual([]);
    expect(third.json.status.conditions.find((c: any) => c.condition === 'Finished').status).toBe('Reached');
    expect((await listAll(s, ds)).length).toBe(2);
  });

  it('settles each kind of bad file with its error code and leaves nothing behind', async () => {
    const ds = await newDataset(s);
    const good = await jpeg('good.jpg', 21);
    const short = await jpeg('short.jpg', 22);
    const corrupt = await jpeg('corrupt.jpg', 23);
    const notImage = { filename: 'notes.jpg', bytes: Buffer.from('this is plain text, not a picture at all'), mime: 'image/jpeg' };
    const lying = { filename: 'lying.jpg', bytes: await noiseImage('png', 24), mime: 'image/jpeg' };
    const big = { filename: 'big.jpg', bytes: Buffer.alloc(MAX_BYTES + 1), mime: 'image/jpeg' };
    const dup = await jpeg('good.jpg', 25);
    const created = await createSession(s, ds, [
      specOf(good),
      specOf(short, { size: short.bytes.length + 10 }),
      specOf(corrupt, { crc32c: signedCrc32c(corrupt.bytes) ^ 1 }),
      specOf(notImage),
      specOf(lying),
      specOf(big),
      specOf(dup),
    ]);
    expect(created.status).toBe(200);
    const urls = new Map<string, any>(created.json.status.assets.map((a: any) => [a.metadata.filename, a.upload]));
    // big.jpg (declared over the limit) and the second good.jpg get no URL: settled at once.
    expect([...urls.keys()].sort()).toEqual(['corrupt.jpg', 'good.jpg', 'lying.jpg', 'notes.jpg', 'short.jpg']);
    expect((await put(urls.get('good.jpg'), good.bytes)).status).toBe(200);
    const shortPut = await put(urls.get('short.jpg'), short.bytes);
    expect(shortPut.status).toBe(400);
    expect(shortPut.json.message).toMatch(/^EBADSIZE/);
    const corruptPut = await put(urls.get('corrupt.jpg'), corrupt.bytes);
    expect(corruptPut.status).toBe(400);
    expect(corruptPut.json.message).toMatch(/^ECORRUPT/);
    expect((await put(urls.get('notes.jpg'), notImage.bytes)).status).toBe(415);
    const lyingPut = await put(urls.get('lying.jpg'), lying.bytes);
    expect(lyingPut.status).toBe(415);
    expect(lyingPut.json).toEqual({ error: 'UnsupportedMediaType', message: expect.stringMatching(/^EBADMIME/) });
    // A failed item answers the same failure again; a succeeded one answers 2xx and changes nothing.
    expect((await put(urls.get('corrupt.jpg'), corrupt.bytes)).status).toBe(400);
    expect((await put(urls.get('good.jpg'), good.bytes)).status).toBe(200);

    const done = await waitFinished(s, ds, created.json.assetIngestionSessionId);
    expect(done.status.progressCount).toEqual({ total: 7, succeeded: 1, errored: 6 });
    const errors = Object.assign({}, ...done.status.events.filter((e: any) => e.kind === 'Error').map((e: any) => e.files));
    expect(errors).toEqual({
      'short.jpg': 'EBADSIZE',
      'corrupt.jpg': 'ECORRUPT',
      'notes.jpg': 'EBADMIME',
      'lying.jpg': 'EBADMIME',
      'big.jpg': 'EBADSIZE',
      'good.jpg': 'EALREADY',
    });
    expect(done.status.conditions.some((c: any) => c.status === 'FailedReach')).toBe(false);
    const assets = await listAll(s, ds);
    expect(assets.map((a) => a.filename)).toEqual(['good.jpg']);
    expect(assets[0].metadata.fileSize).toBe(good.bytes.length);
  });

  it('refuses a body over the size limit with 413 and EBADSIZE', async () => {
    const ds = await newDataset(s);
    const f = await jpeg('grows.jpg', 31);
    const created = await createSession(s, ds, [specOf(f)]);
    const r = await put(created.json.status.assets[0].upload, Buffer.concat([f.bytes, Buffer.alloc(MAX_BYTES)]));
    expect(r.status).toBe(413);
    expect(r.json.message).toMatch(/^EBADSIZE/);
    const done = await waitFinished(s, ds, created.json.assetIngestionSessionId);
    expect(done.status.events.find((e: any) => e.kind === 'Error').files).toEqual({ 'grows.jpg': 'EBADSIZE' });
  });

  it('FailAfterOne: the first failure stops the session; the rest are settled ENOASSET and refused', async () => {
    const ds = await newDataset(s);
    const files = [await jpeg('f1.jpg', 41), await jpeg('f2.jpg', 42), await jpeg('f3.jpg', 43)];
    const created = await createSession(s, ds, [specOf(files[0]!), specOf(files[1]!, { crc32c: 7 }), specOf(files[2]!)], { failureMode: 'FailAfterOne' });
    const urls = created.json.status.assets.map((a: any) => a.upload);
    expect((await put(urls[0], files[0]!.bytes)).status).toBe(200);
    expect((await put(urls[1], files[1]!.bytes)).status).toBe(400);
    const late = await put(urls[2], files[2]!.bytes);
    expect(late.status).toBe(409);
    expect(late.json.message).toMatch(/^ENOASSET/);
    const done = await waitFinished(s, ds, created.json.assetIngestionSessionId);
    expect(done.status.progressCount).toEqual({ total: 3, succeeded: 1, errored: 2 });
    const errors = Object.assign({}, ...done.status.events.filter((e: any) => e.kind === 'Error').map((e: any) => e.files));
    expect(errors).toEqual({ 'f2.jpg': 'ECORRUPT', 'f3.jpg': 'ENOASSET' });
    expect((await listAll(s, ds)).map((a) => a.filename)).toEqual(['f1.jpg']);
  });

  it('FailAfterOne: a file refused at creation (EALREADY) stops the session at once; no URL is handed out', async () => {
    const ds = await newDataset(s);
    const a = await jpeg('same-name.jpg', 44);
    const b = await jpeg('same-name.jpg', 45);
    const c = await jpeg('other.jpg', 46);
    const created = await createSession(s, ds, [specOf(a), specOf(b), specOf(c)], { failureMode: 'FailAfterOne' });
    expect(created.status).toBe(200);
    expect(created.json.status.assets).toEqual([]);
    expect(created.json.status.progressCount).toEqual({ total: 3, succeeded: 0, errored: 3 });
    expect(created.json.status.conditions.find((x: any) => x.condition === 'Finished').status).toBe('Reached');
    const pairs = created.json.status.events.filter((e: any) => e.kind === 'Error').flatMap((e: any) => Object.entries(e.files).map(([k, v]) => `${k}:${v}`));
    expect(pairs.sort()).toEqual(['other.jpg:ENOASSET', 'same-name.jpg:EALREADY', 'same-name.jpg:ENOASSET']);
    expect(await listAll(s, ds)).toEqual([]);
    // FailAfterAll takes the others.
    const all = await upload(s, ds, [a, c], { failureMode: 'FailAfterAll' });
    expect(all.status.progressCount).toEqual({ total: 2, succeeded: 2, errored: 0 });
  });

  it('a repeated PUT of a succeeded file answers 200 and changes nothing', async () => {
    const ds = await newDataset(s);
    const f = await jpeg('once.jpg', 47);
    const created = await createSession(s, ds, [specOf(f)]);
    const u = created.json.status.assets[0].upload;
    expect((await put(u, f.bytes)).status).toBe(200);
    const [before] = await listAll(s, ds);
    expect((await put(u, f.bytes)).status).toBe(200);
    const [after] = await listAll(s, ds);
    expect(after).toEqual(before);
    const done = await waitFinished(s, ds, created.json.assetIngestionSessionId);
    expect(done.status.progressCount).toEqual({ total: 1, succeeded: 1, errored: 0 });
  });

  it('validates session requests: file limit, unknown dataset, bad names, singular KeepLinkedResource', async () => {
    const ds = await newDataset(s);
    const f = await jpeg('x.jpg', 51);
    const tooMany = await createSession(s, ds, Array.from({ length: MAX_FILES + 1 }, (_, i) => specOf({ ...f, filename: `x${i}.jpg` })));
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.message).toContain(String(MAX_FILES));
    const unknown = await createSession(s, `${s.organizationId}_nope`, [specOf(f)]);
    expect(unknown.status).toBe(404);
    const badName = await createSession(s, ds, [specOf({ ...f, filename: 'dir/x.jpg' })]);
    expect(badName.status).toBe(400);
    const keep = await createSession(s, ds, [specOf(f)], { onAssetOverwritten: 'KeepLinkedResource' });
    expect(keep.status).toBe(200);
    expect(keep.json.spec.onAssetOverwritten).toBe('KeepLinkedResources');
    const empty = await createSession(s, ds, []);
    expect(empty.json.status.conditions.find((c: any) => c.condition === 'Finished').status).toBe('Reached');
    expect(empty.json.status.assets).toEqual([]);
    const missing = await s.request('GET', `${ingestionPath(s, ds)}/nope`);
    expect(missing.status).toBe(404);
  });

  it('refuses tampered, unsigned and foreign upload URLs with 403', async () => {
    const ds = await newDataset(s);
    const f = await jpeg('t.jpg', 61);
    const created = await createSession(s, ds, [specOf(f)]);
    const { url, headers } = created.json.status.assets[0].upload;
    const u = new URL(url);
    const tampered = new URL(url);
    tampered.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 1000));
    const unsigned = `${u.origin}${u.pathname}`;
    const otherItem = url.replace('/0/', '/1/');
    for (const bad of [tampered.toString(), unsigned, otherItem]) {
      const r = await put({ url: bad, headers }, f.bytes);
      expect(r.status, bad).toBe(403);
      expect(r.json.error).toBe('PermissionDenied');
    }
    expect((await put({ url, headers }, f.bytes)).status).toBe(200);
  });
});

describeEachDialect('ingestion deadlines and URL expiry', (dialect) => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_UPLOAD_URL_TTL_SECONDS: '2', VIREO_DOWNLOAD_URL_TTL_SECONDS: '1' });
  });
  afterAll(() => s?.close());

  it('finishes a session at its deadline with ETIMEOUT for files that never came; expired URLs are 403', async () => {
    const ds = await newDataset(s);
    const a = { filename: 'on-time.jpg', bytes: await noiseImage('jpeg', 71), mime: 'image/jpeg' };
    const b = { filename: 'never.jpg', bytes: await noiseImage('jpeg', 72), mime: 'image/jpeg' };
    const created = await createSession(s, ds, [specOf(a), specOf(b)]);
    const [ua, ub] = created.json.status.assets.map((x: any) => x.upload);
    expect(ua.expiry - Date.now()).toBeLessThanOrEqual(2000);
    expect((await put(ua, a.bytes)).status).toBe(200);
    const done = await waitFinished(s, ds, created.json.assetIngestionSessionId);
    expect(done.status.progressCount).toEqual({ total: 2, succeeded: 1, errored: 1 });
    expect(done.status.events.find((e: any) => e.kind === 'Error').files).toEqual({ 'never.jpg': 'ETIMEOUT' });
    expect(done.status.conditions.some((c: any) => c.status === 'FailedReach')).toBe(false);
    const late = await put(ub, b.bytes);
    expect(late.status).toBe(403);
    expect(late.json.message).toMatch(/expired/);

    const [asset] = await listAll(s, ds, 'contents=y');
    const download = await fetch(asset.contents.asset.url);
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    const expiry = asset.contents.asset.expiry as number;
    // Download URLs expire at a minute boundary at most one step after the TTL.
    expect(expiry - Date.now()).toBeLessThanOrEqual(61_000);
  });
});
