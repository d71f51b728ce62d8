// assets.upload and the local files, against a real server: the checksum cache (a re-run reads no
// unchanged file; a wrong cached checksum cannot corrupt anything; racy and changed files are
// hashed again; a damaged cache is ignored), files of the same name in two folders, files that
// vanish after the scan, annotation files of the same name, and annotation files that cannot be read.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect, tempDir } from '../../server/test/support/dialects.js';
import { startTestServer, type TestServer } from '../../server/test/support/server.js';
import { noiseImage } from '../../server/test/support/uploads.js';
import { openStore } from '../../server/src/store/db.js';
import { ChecksumCache, RACY_WINDOW_NS } from '../src/node/checksum-cache.js';
import { Client, collectFiles, crc32cOfFile, ViInvalidParameterError, type UploadProgress } from '../src/node/index.js';

async function writeImages(dir: string, n: number, seed: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = path.join(dir, `img-${seed}-${i}.png`);
    fs.writeFileSync(p, await noiseImage('png', seed * 1000 + i));
    out.push(p);
  }
  return out;
}

/**
 * Records checksums in a cache file as an upload would have, had it stat'ed the files at least the
 * racy window after their last change (files written by a test are always too recent to be cached).
 */
async function primeCache(file: string, paths: string[], crcOf?: (p: string) => number | undefined): Promise<void> {
  const cache = await ChecksumCache.open(file);
  for (const f of await collectFiles(paths, () => true)) {
    const crc = crcOf?.(f.path) ?? (await crc32cOfFile(f.path)).crc;
    expect(cache.set(f.path, { ...f.stamp, statStartedNs: f.stamp.changedNs + RACY_WINDOW_NS }, crc)).toBe(true);
  }
  await cache.save();
}

describeEachDialect('@vireo/sdk upload: local files', (dialect) => {
  let s: TestServer;
  let client: Client;
  let work: string;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    client = new Client({ secretKey: s.secretKey, organizationId: s.organizationId, endpoint: s.url, retryBaseDelayMs: 10, pollIntervalMs: 50 });
    work = tempDir('vireo-sdk-local-');
  });
  afterAll(async () => {
    await s?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('a re-run takes the checksums of unchanged files from the cache; files changed just now are never cached', async () => {
    const ds = await client.datasets.create({ name: 'cache' });
    const dir = path.join(work, 'cache');
    const files = await writeImages(dir, 4, 1);
    const cacheFile = path.join(work, 'cache-dir', 'checksums.json');

    // A file written a moment ago may be written again within its timestamps' granularity: its
    // checksum is not kept.
    const recent = files.at(-1)!;
    fs.writeFileSync(recent, fs.readFileSync(recent));
    const first = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, checksumCache: cacheFile });
    expect(first).toMatchObject({ totalSucceeded: 4, checksumsFromCache: 0 });
    const [scanned] = await collectFiles(recent, () => true);
    expect((await ChecksumCache.open(cacheFile)).get(recent, scanned!.stamp)).toBeUndefined();

    await primeCache(cacheFile, files);
    expect(fs.statSync(cacheFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(cacheFile)).mode & 0o777).toBe(0o700);
    const events: UploadProgress[] = [];
    const again = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, checksumCache: cacheFile, onProgress: (p) => events.push(p) });
    expect(again).toMatchObject({ totalFiles: 4, totalSucceeded: 4, alreadyPresent: 4, checksumsFromCache: 4 });
    expect(events.at(-1)).toMatchObject({ hashedFiles: 4, checksumsFromCache: 4, sentFiles: 0 });

    // Written again (here with the same bytes): its times changed, so it is read again.
    fs.writeFileSync(files[1]!, fs.readFileSync(files[1]!));
    const third = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, checksumCache: cacheFile });
    expect(third).toMatchObject({ totalSucceeded: 4, alreadyPresent: 4, checksumsFromCache: 3 });
    // Replaced by another file under the same name (a new inode, the same times): read again too.
    const other = path.join(work, 'cache-other.png');
    fs.writeFileSync(other, await noiseImage('png', 1077));
    const st = fs.statSync(files[2]!);
    fs.utimesSync(other, st.atime, st.mtime);
    fs.renameSync(other, files[2]!);
    const fourth = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, checksumCache: cacheFile });
    // files[1] too: written a moment before the third run, its new checksum was not kept.
    expect(fourth).toMatchObject({ totalSucceeded: 4, alreadyPresent: 3, checksumsFromCache: 2 });
    const asset = (await client.assets.list({ datasetId: ds.datasetId, filterCriteria: `filename:${path.basename(files[2]!)}` })).items[0]!;
    expect(asset.metadata.fileSize).toBe(fs.statSync(files[2]!).size);
  });

  it('a wrong cached checksum cannot corrupt anything: the server verifies the bytes it receives', async () => {
    const ds = await client.datasets.create({ name: 'wrong-crc' });
    const dir = path.join(work, 'wrong-crc');
    const [victim, other] = await writeImages(dir, 2, 2);
    const cacheFile = path.join(work, 'wrong-crc.json');
    await primeCache(cacheFile, [victim!, other!], (p) => (p === victim ? 12345 : undefined));

    const r = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, failureMode: 'FailAfterAll', checksumCache: cacheFile });
    expect(r.checksumsFromCache).toBe(2);
    expect(r.totalSucceeded).toBe(1);
    expect(r.failedFiles).toEqual([expect.objectContaining({ path: victim, code: 'ECORRUPT' })]);
    const names = (await client.assets.list({ datasetId: ds.datasetId })).items.map((a) => a.filename);
    expect(names).toEqual([path.basename(other!)]);

    // Without the cache every file is read: the same upload succeeds.
    const fresh = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, checksumCache: false });
    expect(fresh).toMatchObject({ totalSucceeded: 2, alreadyPresent: 1, checksumsFromCache: 0 });
  });

  it('a damaged cache file is ignored and replaced; the cache keeps at most maxEntries', async () => {
    const ds = await client.datasets.create({ name: 'damaged' });
    const dir = path.join(work, 'damaged');
    const files = await writeImages(dir, 3, 3);
    const cacheFile = path.join(work, 'damaged.json');
    for (const junk of ['{"version":1,"dirs":', 'null', '{"version":1,"dirs":{"relative":{"a.png":["k",1,1]}}}', '[1,2]']) {
      fs.writeFileSync(cacheFile, junk);
      const r = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, checksumCache: cacheFile });
      expect(r).toMatchObject({ totalSucceeded: 3, checksumsFromCache: 0 });
    }
    fs.writeFileSync(cacheFile, 'not json');
    await primeCache(cacheFile, files);
    expect((await ChecksumCache.open(cacheFile)).size).toBe(3);
    const r = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, checksumCache: cacheFile });
    expect(r).toMatchObject({ totalSucceeded: 3, alreadyPresent: 3, checksumsFromCache: 3 });

    const small = await ChecksumCache.open(path.join(work, 'small.json'), { maxEntries: 2 });
    for (const f of await collectFiles(dir, () => true)) small.set(f.path, { ...f.stamp, statStartedNs: f.stamp.changedNs + RACY_WINDOW_NS }, 1);
    await small.save();
    expect((await ChecksumCache.open(path.join(work, 'small.json'))).size).toBe(2);
    await expect(client.assets.upload({ datasetId: ds.datasetId, paths: dir, checksumCache: 3 as never })).rejects.toBeInstanceOf(ViInvalidParameterError);
  });

  it('two files of one name in different folders: the first is sent, the other fails naming both', async () => {
    const ds = await client.datasets.create({ name: 'same-name' });
    const a = path.join(work, 'same-a');
    const b = path.join(work, 'same-b');
    const [first] = await writeImages(a, 1, 4);
    fs.mkdirSync(b);
    const second = path.join(b, path.basename(first!));
    fs.writeFileSync(second, await noiseImage('png', 4999));

    const r = await client.assets.upload({ datasetId: ds.datasetId, paths: [a, b], showProgress: false, failureMode: 'FailAfterAll', checksumCache: false });
    expect(r).toMatchObject({ totalFiles: 2, totalSucceeded: 1, totalFailed: 1 });
    expect(r.failedFiles).toEqual([{ path: second, code: 'EALREADY', message: expect.stringContaining(first!) }]);
    const assets = (await client.assets.list({ datasetId: ds.datasetId })).items;
    expect(assets.map((x) => x.metadata.fileSize)).toEqual([fs.statSync(first!).size]);
  });

  it('a file whose name an asset cannot have (a backslash, a control character) fails alone; the others go in', async () => {
    const ds = await client.datasets.create({ name: 'bad-names' });
    const dir = path.join(work, 'bad-names');
    const [good] = await writeImages(dir, 1, 6);
    const bad = [path.join(dir, 'back\\slash.png'), path.join(dir, 'tab\there.png')];
    for (const [i, p] of bad.entries()) fs.writeFileSync(p, await noiseImage('png', 6100 + i));

    const r = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, checksumCache: false });
    expect(r).toMatchObject({ totalFiles: 3, totalSucceeded: 1, totalFailed: 2 });
    expect(r.failedFiles.map((f) => [f.path, f.code]).sort()).toEqual(bad.map((p) => [p, 'EBADNAME']).sort());
    const assets = (await client.assets.list({ datasetId: ds.datasetId })).items;
    expect(assets.map((x) => x.filename)).toEqual([path.basename(good!)]);
  });

  it('a file that vanishes after the scan is a failed file with its reason, the others go in', async () => {
    const ds = await client.datasets.create({ name: 'vanish' });
    const dir = path.join(work, 'vanish');
    const files = await writeImages(dir, 3, 5);
    const gone = files[1]!;
    const vanish = (p: UploadProgress) => {
      if (p.phase === 'uploading' && fs.existsSync(gone)) fs.rmSync(gone);
    };
    // Read for its checksum after the scan: fails there.
    const r = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, checksumCache: false, onProgress: vanish });
    expect(r).toMatchObject({ totalFiles: 3, totalSucceeded: 2, totalFailed: 1 });
    expect(r.failedFiles).toEqual([expect.objectContaining({ path: gone, code: 'ENOENT' })]);

    // Its checksum cached: it fails when its bytes are to be sent.
    const ds2 = await client.datasets.create({ name: 'vanish-2' });
    fs.writeFileSync(gone, await noiseImage('png', 5001));
    const cacheFile = path.join(work, 'vanish.json');
    await primeCache(cacheFile, files);
    const r2 = await client.assets.upload({ datasetId: ds2.datasetId, paths: dir, showProgress: false, checksumCache: cacheFile, onProgress: vanish });
    expect(r2.checksumsFromCache).toBe(3);
    expect(r2).toMatchObject({ totalFiles: 3, totalSucceeded: 2, totalFailed: 1 });
    expect(r2.failedFiles).toEqual([expect.objectContaining({ path: gone, code: 'ENOENT' })]);
  });

  it('a file that grows after the scan is a failed file (ECHANGED), whether it is read for its checksum or only to be sent', async () => {
    const dir = path.join(work, 'grow');
    const files = await writeImages(dir, 3, 8);
    const grown = files[0]!;
    let grow = true;
    const growOnce = (p: UploadProgress) => {
      if (p.phase === 'uploading' && grow) {
        grow = false;
        fs.appendFileSync(grown, Buffer.alloc(10));
      }
    };
    const ds = await client.datasets.create({ name: 'grow' });
    const r = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, checksumCache: false, onProgress: growOnce });
    expect(r).toMatchObject({ totalFiles: 3, totalSucceeded: 2, totalFailed: 1 });
    expect(r.failedFiles).toEqual([expect.objectContaining({ path: grown, code: 'ECHANGED' })]);

    const cacheFile = path.join(work, 'grow.json');
    await primeCache(cacheFile, files);
    grow = true;
    const ds2 = await client.datasets.create({ name: 'grow-2' });
    const r2 = await client.assets.upload({ datasetId: ds2.datasetId, paths: dir, showProgress: false, checksumCache: cacheFile, onProgress: growOnce });
    expect(r2).toMatchObject({ checksumsFromCache: 3, totalSucceeded: 2, totalFailed: 1 });
    expect(r2.failedFiles).toEqual([expect.objectContaining({ path: grown, code: 'ECHANGED' })]);
  });

  it('with FailAfterAll and many files to read, a first session of 256 files starts sending while the rest are hashed', async () => {
    const dir = path.join(work, 'ramp');
    const [one] = await writeImages(dir, 1, 7);
    for (let i = 1; i < 257; i++) fs.copyFileSync(one!, path.join(dir, `copy-${String(i).padStart(3, '0')}.png`));
    const all = await client.datasets.create({ name: 'ramp-all' });
    const r = await client.assets.upload({ datasetId: all.datasetId, paths: dir, showProgress: false, failureMode: 'FailAfterAll', checksumCache: false });
    expect(r.totalSucceeded).toBe(257);
    expect(r.sessions.map((x) => x.status.progressCount.total)).toEqual([256, 1]);
    // FailAfterOne: a batch stays one session (what one failure stops).
    const one1 = await client.datasets.create({ name: 'ramp-one' });
    const r1 = await client.assets.upload({ datasetId: one1.datasetId, paths: dir, showProgress: false, checksumCache: false });
    expect(r1.sessions.map((x) => x.status.progressCount.total)).toEqual([257]);
    // Nothing to read (every checksum cached): one session.
    const cacheFile = path.join(work, 'ramp.json');
    await primeCache(cacheFile, [dir]);
    const again = await client.assets.upload({ datasetId: all.datasetId, paths: dir, showProgress: false, failureMode: 'FailAfterAll', checksumCache: cacheFile });
    expect(again).toMatchObject({ checksumsFromCache: 257, alreadyPresent: 257 });
    expect(again.sessions).toHaveLength(1);
  });

  it('annotation files of the same name are refused before anything is sent, naming both', async () => {
    const ds = await client.datasets.create({ name: 'ann-same-name' });
    const [img] = await writeImages(path.join(work, 'ann-img'), 1, 6);
    await client.assets.upload({ datasetId: ds.datasetId, paths: img!, showProgress: false, checksumCache: false });
    const line = JSON.stringify({
      asset: { type: 'Image', filename: path.basename(img!), height: 24, width: 32, filepath: null, url: null },
      contents: { type: 'PhraseGrounding', caption: 'a bird', groundedPhrases: [{ phrase: 'a bird', startTokenIndex: 0, endTokenIndex: 2, bounds: [[0.1, 0.2, 0.5, 0.7]] }] },
      category: null,
    });
    const one = path.join(work, 'ann-a', 'captions.jsonl');
    const two = path.join(work, 'ann-b', 'captions.jsonl');
    for (const f of [one, two]) {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, `${line}\n`);
    }
    const err = await client.annotations.upload({ datasetId: ds.datasetId, paths: [path.dirname(one), path.dirname(two)], showProgress: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ViInvalidParameterError);
    expect((err as Error).message).toContain(`${one} and ${two}`);
    expect((await client.annotations.list({ datasetId: ds.datasetId, assetId: (await client.assets.list({ datasetId: ds.datasetId })).items[0]!.assetId })).items).toHaveLength(0);
  });

  it('an annotation file the scan sees but that cannot be read is refused before any session is created, naming it and why', async () => {
    const ds = await client.datasets.create({ name: 'ann-unreadable' });
    const good = path.join(work, 'ann-good', 'good.jsonl');
    fs.mkdirSync(path.dirname(good), { recursive: true });
    fs.writeFileSync(good, '{}\n');
    // A regular file whose reading fails whoever runs the test (root reads files of any mode): this
    // process's own memory, read from offset 0, which is never mapped (EIO).
    const unreadable = '/proc/self/mem';
    expect(fs.statSync(unreadable).isFile()).toBe(true);
    const err = await client.annotations.upload({ datasetId: ds.datasetId, paths: [path.dirname(good), unreadable], showProgress: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ViInvalidParameterError);
    expect((err as Error).message).toMatch(/^annotation files that cannot be read: \/proc\/self\/mem \(could not be read: EIO: .*\)\. .*Nothing was sent\.$/);
    expect((err as Error).message).not.toContain(good);
    // The readable file alone goes in (its one bad line only warned about): the dataset's only session.
    const ok = await client.annotations.upload({ datasetId: ds.datasetId, paths: good, showProgress: false, failurePolicies: { onBadAnnotation: 'Warn' } });
    const store = await openStore(s.server.config.database);
    try {
      const row = await store.db.selectFrom('annotation_import_sessions').select('dataset_id').where('id', '=', ok.annotationImportSessionId).executeTakeFirstOrThrow();
      expect(await store.db.selectFrom('annotation_import_sessions').select('id').where('dataset_id', '=', row.dataset_id).execute()).toEqual([{ id: ok.annotationImportSessionId }]);
    } finally {
      await store.close();
    }
  });
});
