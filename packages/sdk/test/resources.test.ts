// @vireo/sdk against a real Vireo server (random port, real database, real files): every resource
// method, pagination across pages, uploads (file, folder, list; resume; failures; size limit),
// downloads (skip, overwrite, unsafe names refused).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../server/test/support/dialects.js';
import { describeEachDialect } from '../../server/test/support/dialects.js';
import { startTestServer, type TestServer } from '../../server/test/support/server.js';
import { noiseImage } from '../../server/test/support/uploads.js';
import {
  Asset,
  Client,
  Dataset,
  Page,
  SortCriterion,
  SortOrder,
  ViAuthenticationError,
  ViFileTooLargeError,
  ViInvalidParameterError,
  ViNotFoundError,
  ViValidationError,
  type UploadProgress,
} from '../src/node/index.js';

async function writeImages(dir: string, n: number, seed: number, sub = ''): Promise<string[]> {
  const d = path.join(dir, sub);
  fs.mkdirSync(d, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = path.join(d, `img-${seed}-${String(i).padStart(3, '0')}.png`);
    fs.writeFileSync(p, await noiseImage('png', seed * 1000 + i));
    out.push(p);
  }
  return out;
}

describeEachDialect('@vireo/sdk resources', (dialect) => {
  let s: TestServer;
  let client: Client;
  let work: string;

  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_MAX_UPLOAD_BYTES: String(512 * 1024) });
    client = new Client({ secretKey: s.secretKey, organizationId: s.organizationId, endpoint: s.url, retryBaseDelayMs: 10, pollIntervalMs: 50 });
    work = tempDir('vireo-sdk-');
  });
  afterAll(async () => {
    await s?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('organizations.get, list and limits', async () => {
    const org = await client.organizations.get();
    expect(org.organizationId).toBe(s.organizationId);
    expect(org.summary()).toContain(s.organizationId);
    const page = await client.organizations.list();
    expect(page.items.map((o) => o.organizationId)).toEqual([s.organizationId]);
    expect(page.nextPage).toBeNull();
    expect(await client.organizations.limits()).toEqual({ maxUploadBytes: 512 * 1024, maxFilesPerSession: 10_000 });
    await expect(client.organizations.get({ organizationId: 'someone-else' })).rejects.toBeInstanceOf(ViAuthenticationError);
  });

  it('datasets.create, get, list (pages and allItems), delete, getDeletionOperation', async () => {
    const ds = await client.datasets.create({ name: 'Cats', description: 'cats on mats' });
    expect(ds).toBeInstanceOf(Dataset);
    expect(ds.datasetId).not.toContain('_');
    expect(ds.organizationId).toBe(s.organizationId);
    expect(ds.name).toBe('Cats');
    expect((await client.datasets.get({ datasetId: ds.datasetId })).description).toBe('cats on mats');
    // The composite id works too.
    expect((await client.datasets.get({ datasetId: `${s.organizationId}_${ds.datasetId}` })).datasetId).toBe(ds.datasetId);

    const ids: string[] = [];
    for await (const d of client.datasets.list().allItems()) ids.push(d.datasetId);
    expect(ids).toContain(ds.datasetId);
    let pages = 0;
    for await (const page of client.datasets.list()) {
      pages++;
      expect(page).toBeInstanceOf(Page);
    }
    expect(pages).toBe(1);

    const deleted = await client.datasets.delete({ datasetId: ds.datasetId });
    expect(deleted.datasetId).toBe(ds.datasetId);
    expect(deleted.organizationId).toBe(s.organizationId);
    await expect(client.datasets.get({ datasetId: ds.datasetId })).rejects.toBeInstanceOf(ViNotFoundError);
    const op = await client.datasets.getDeletionOperation({ datasetId: ds.datasetId });
    expect(op.status.conditions.length).toBeGreaterThan(0);
    await expect(client.datasets.create({ name: '' })).rejects.toBeInstanceOf(ViInvalidParameterError);
    await expect(client.datasets.get({ datasetId: 'no/such' })).rejects.toBeInstanceOf(ViInvalidParameterError);
  });

  it('assets.upload of a file, a folder (recursive) and a list; list with pages, sorting, get, delete', async () => {
    const ds = await client.datasets.create({ name: 'upload' });
    const dir = path.join(work, 'upload');
    const top = await writeImages(dir, 3, 1);
    const nested = await writeImages(dir, 2, 2, 'nested/deeper');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image'); // ignored inside a folder

    const single = await client.assets.upload({ datasetId: ds.datasetId, paths: top[0]!, showProgress: false });
    expect(single.totalFiles).toBe(1);
    expect(single.totalSucceeded).toBe(1);
    expect(single.sessionIds).toHaveLength(1);

    const events: UploadProgress[] = [];
    const folder = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, onProgress: (e) => events.push(e) });
    expect(folder.totalFiles).toBe(5);
    expect(folder.totalSucceeded).toBe(5);
    expect(folder.totalFailed).toBe(0);
    expect(folder.successRate).toBe(100);
    expect(folder.alreadyPresent).toBe(1); // top[0] was there already: no bytes sent for it
    expect(events.at(-1)).toMatchObject({ phase: 'done', totalFiles: 5, sentFiles: 4, alreadyPresentFiles: 1 });
    expect(folder.summary()).toContain('5/5 files succeeded');

    const list = await client.assets.upload({ datasetId: ds.datasetId, paths: [top[1]!, nested[1]!], showProgress: false });
    expect(list.totalSucceeded).toBe(2);

    const first = await client.assets.list({ datasetId: ds.datasetId, pagination: { pageSize: 2 }, sortBy: { criterion: SortCriterion.FILENAME, order: SortOrder.ASC } });
    expect(first.items).toHaveLength(2);
    expect(first.items[0]).toBeInstanceOf(Asset);
    expect(first.nextPage).not.toBeNull();
    const pageSizes: number[] = [];
    for await (const page of client.assets.list({ datasetId: ds.datasetId, pagination: { pageSize: 2 } })) pageSizes.push(page.items.length);
    expect(pageSizes).toEqual([2, 2, 1]);
    const names: string[] = [];
    for await (const a of client.assets.list({ datasetId: ds.datasetId, pagination: { pageSize: 2 }, sortBy: { criterion: 'filename', order: 'desc' } }).allItems()) {
      names.push(a.filename);
    }
    const expected = [...top, ...nested].map((p) => path.basename(p)).sort().reverse();
    expect(names).toEqual(expected);
    const second = await first.getNextPage();
    expect(second!.items.map((a) => a.filename)).toEqual(expected.slice().reverse().slice(2, 4));

    const a = first.items[0]!;
    expect(a.datasetId).toBe(ds.datasetId);
    expect(a.organizationId).toBe(s.organizationId);
    const got = await client.assets.get({ datasetId: ds.datasetId, assetId: a.assetId, contents: true });
    expect(got.contents?.asset?.url).toMatch(/^http/);
    expect(got.metadata.fileSize).toBe(fs.statSync(top[0]!).size);
    expect(got.summary()).toContain(a.filename);

    expect(await client.assets.delete({ datasetId: ds.datasetId, assetId: a.assetId })).toEqual({ datasetId: ds.datasetId, assetId: a.assetId });
    await expect(client.assets.get({ datasetId: ds.datasetId, assetId: a.assetId })).rejects.toBeInstanceOf(ViNotFoundError);
    await expect(client.assets.list({ datasetId: 'nope' })).rejects.toBeInstanceOf(ViNotFoundError);
    await expect(client.assets.upload({ datasetId: 'nope', paths: dir, showProgress: false })).rejects.toBeInstanceOf(ViNotFoundError);
  });

  it('assets.upload without waiting, then waitUntilDone; failed files carry their path and code', async () => {
    const ds = await client.datasets.create({ name: 'async' });
    const dir = path.join(work, 'async');
    const files = await writeImages(dir, 4, 3);
    const fake = path.join(dir, 'fake.png');
    fs.writeFileSync(fake, 'this is text, not a PNG');
    const result = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, waitUntilDone: false, failureMode: 'FailAfterAll', showProgress: false });
    expect(result.totalFiles).toBe(5);
    expect(result.sessionIds).toHaveLength(1);
    const session = await client.assets.waitUntilDone({ datasetId: ds.datasetId, assetIngestionSessionId: result.sessionIds[0]! });
    expect(session.isFinished).toBe(true);
    expect(session.status.progressCount).toEqual({ total: 5, succeeded: 4, errored: 1 });
    expect(result.failedFiles).toEqual([expect.objectContaining({ path: fake, code: 'EBADMIME' })]);
    expect(files).toHaveLength(4);

    const waited = await client.assets.upload({ datasetId: ds.datasetId, paths: fake, showProgress: false });
    expect(waited.totalFailed).toBe(1);
    expect(waited.failedFiles).toEqual([expect.objectContaining({ path: fake, code: 'EBADMIME' })]);
    // An explicit file with an extension outside the list is refused locally.
    const odd = path.join(work, 'odd.xyz');
    fs.writeFileSync(odd, 'x');
    const r = await client.assets.upload({ datasetId: ds.datasetId, paths: odd, showProgress: false });
    expect(r.failedFiles).toEqual([expect.objectContaining({ path: odd, code: 'EBADMIME' })]);
    expect(r.totalFailed).toBe(1);
  });

  it('failureMode and onAssetOverwritten reach the session; FailAfterOne stops a session at its first failure', async () => {
    const ds = await client.datasets.create({ name: 'modes' });
    const dir = path.join(work, 'modes');
    const good = await writeImages(dir, 6, 8);
    const fake = path.join(dir, 'aaa-fake.png');
    fs.writeFileSync(fake, 'text, not a PNG');
    const r = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, concurrency: 1, onAssetOverwritten: 'KeepLinkedResource' });
    expect(r.sessions[0]!.spec.failureMode).toBe('FailAfterOne');
    expect(r.sessions[0]!.spec.onAssetOverwritten).toBe('KeepLinkedResources');
    // Files go in name order with one PUT at a time: the fake one is first, the rest are not taken.
    expect(r.failedFiles[0]).toMatchObject({ path: fake, code: 'EBADMIME' });
    expect(r.failedFiles.slice(1).map((f) => f.code)).toEqual(good.map(() => 'ENOASSET'));
    expect(r.totalSucceeded + r.totalFailed).toBe(r.totalFiles);
    expect(r.totalSucceeded).toBe(0);
    const all = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, failureMode: 'FailAfterAll' });
    expect(all.totalSucceeded).toBe(6);
    expect(all.totalFailed).toBe(1);
    expect(all.sessions[0]!.spec.onAssetOverwritten).toBe('RemoveLinkedResource');
    await expect(client.assets.upload({ datasetId: ds.datasetId, paths: dir, failureMode: 'Sometimes' as never })).rejects.toBeInstanceOf(ViInvalidParameterError);
    await expect(client.assets.upload({ datasetId: ds.datasetId, paths: path.join(dir, 'missing') })).rejects.toThrow(/does not exist/);
  });

  it('batches into several sessions; an interrupted upload resumes sending only what is missing', async () => {
    const ds = await client.datasets.create({ name: 'resume' });
    const dir = path.join(work, 'resume');
    await writeImages(dir, 12, 4);
    const ctrl = new AbortController();
    let sent = 0;
    const interrupted = client.assets.upload({
      datasetId: ds.datasetId, paths: dir, showProgress: false, batchSize: 4, parallelSessions: 1, concurrency: 1, signal: ctrl.signal,
      onProgress: (e) => {
        sent = e.sentFiles;
        if (e.sentFiles >= 5) ctrl.abort(new Error('interrupted'));
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted');
    expect(sent).toBeGreaterThanOrEqual(5);
    expect(sent).toBeLessThan(12);

    const resumed = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, batchSize: 4 });
    expect(resumed.sessions).toHaveLength(3);
    expect(resumed.totalSucceeded).toBe(12);
    expect(resumed.alreadyPresent).toBeGreaterThanOrEqual(sent);
    const again = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false, batchSize: 4 });
    expect(again.alreadyPresent).toBe(12);
    expect(again.totalSucceeded).toBe(12);
    const all: string[] = [];
    for await (const a of client.assets.list({ datasetId: ds.datasetId, pagination: { pageSize: 5 } }).allItems()) all.push(a.filename);
    expect(all).toHaveLength(12);
  });

  it('ViFileTooLargeError before any byte is sent', async () => {
    const ds = await client.datasets.create({ name: 'big' });
    const dir = path.join(work, 'big');
    await writeImages(dir, 2, 5);
    const big = path.join(dir, 'huge.png');
    fs.writeFileSync(big, Buffer.concat([await noiseImage('png', 9), Buffer.alloc(600 * 1024)]));
    const err = await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ViFileTooLargeError);
    expect((err as ViFileTooLargeError).files).toEqual([{ path: big, size: fs.statSync(big).size }]);
    expect((err as ViFileTooLargeError).message).toContain('huge.png');
    // Nothing reached the server: no session, no asset.
    expect((await client.assets.list({ datasetId: ds.datasetId })).items).toHaveLength(0);
    expect((await client.datasets.get({ datasetId: ds.datasetId })).statistic.assetTotal).toBe(0);
  });

  it('assets.download: every asset, skips existing files unless overwrite, temp names never left behind', async () => {
    const ds = await client.datasets.create({ name: 'download' });
    const dir = path.join(work, 'dl-src');
    const files = await writeImages(dir, 5, 6);
    await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false });
    const save = path.join(work, 'dl');
    const r1 = await client.assets.download({ datasetId: ds.datasetId, saveDir: save, showProgress: false });
    expect(r1).toMatchObject({ saveDir: path.join(save, ds.datasetId), count: 5, downloaded: 5, skipped: 0, failed: 0 });
    for (const f of files) expect(fs.readFileSync(path.join(save, ds.datasetId, path.basename(f)))).toEqual(fs.readFileSync(f));

    const victim = path.join(save, ds.datasetId, path.basename(files[0]!));
    fs.writeFileSync(victim, 'local edit');
    const r2 = await client.assets.download({ datasetId: ds.datasetId, saveDir: save, showProgress: false });
    expect(r2).toMatchObject({ count: 5, downloaded: 0, skipped: 5, failed: 0 });
    expect(fs.readFileSync(victim, 'utf8')).toBe('local edit');
    const r3 = await client.assets.download({ datasetId: ds.datasetId, saveDir: save, overwrite: true, showProgress: false });
    expect(r3).toMatchObject({ count: 5, downloaded: 5, skipped: 0 });
    expect(fs.readFileSync(victim)).toEqual(fs.readFileSync(files[0]!));
    expect(fs.readdirSync(path.join(save, ds.datasetId)).filter((n) => n.endsWith('.part'))).toEqual([]);
    await expect(client.assets.download({ datasetId: 'missing', saveDir: save, showProgress: false })).rejects.toBeInstanceOf(ViNotFoundError);
  });

  it('datasets.bulkDeleteAssets waits until the matching assets are gone', async () => {
    const ds = await client.datasets.create({ name: 'bulk' });
    const dir = path.join(work, 'bulk');
    await writeImages(dir, 3, 7);
    await client.assets.upload({ datasetId: ds.datasetId, paths: dir, showProgress: false });
    // Vireo refuses a spec that selects nothing in particular: "*" asks for every asset.
    await expect(client.datasets.bulkDeleteAssets({ datasetId: ds.datasetId })).rejects.toBeInstanceOf(ViValidationError);
    const session = await client.datasets.bulkDeleteAssets({ datasetId: ds.datasetId, filterCriteria: '*' });
    expect(session.datasetId).toBe(ds.datasetId);
    expect(session.status.conditions.length).toBeGreaterThan(0);
    expect(session.status.conditions.every((c) => c.status === 'Reached')).toBe(true);
    expect((await client.assets.list({ datasetId: ds.datasetId })).items).toEqual([]);
    const started = await client.datasets.bulkDeleteAssets({ datasetId: ds.datasetId, filterCriteria: '*', waitUntilDone: false });
    expect(started.deleteManyAssetsSessionId).toBeTruthy();
  });
});

describe('@vireo/sdk annotations of a missing asset', () => {
  it('annotations.get of an unknown asset is ViNotFoundError', async () => {
    const s = await startTestServer('sqlite');
    try {
      const client = new Client({ secretKey: s.secretKey, organizationId: s.organizationId, endpoint: s.url });
      const ds = await client.datasets.create({ name: 'x' });
      await expect(client.annotations.get({ datasetId: ds.datasetId, assetId: 'a1', annotationId: 'b1' })).rejects.toBeInstanceOf(ViNotFoundError);
    } finally {
      await s.close();
    }
  });
});
