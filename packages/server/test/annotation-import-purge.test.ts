// The purge of a deleted dataset removes its annotation import sessions (sessions, files, staged
// rows, problems) in batches and hands the blobs of their uploaded files to the collector, leaving
// other datasets' sessions (and a blob they share) alone; an import run the purge overtakes ends
// quietly.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { blobRelativePath, FsBlobStore } from '../src/blobs/fs.js';
import { processImport } from '../src/domain/annotation-import.js';
import type { AssetServices } from '../src/domain/asset-services.js';
import { collectBlobs } from '../src/domain/blob-gc.js';
import { purgeDataset } from '../src/domain/datasets.js';
import type { ByteSource } from '../src/media/types.js';
import { openStore, type Store } from '../src/store/db.js';
import { announce, createImport, importAnnotations, importsPath, jsonl, patchStatus, putFile, waitImportDone } from './support/annotation-imports.js';
import { describeEachDialect } from './support/dialects.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';
import { servicesBeside } from './support/services.js';
import { newDataset, noiseImage, sha256, upload } from './support/uploads.js';

const line = (filename: string, caption: string) => ({
  asset: { type: 'Image', filename, height: 24, width: 32 },
  contents: { type: 'PhraseGrounding', caption, groundedPhrases: [{ phrase: 'an animal', startTokenIndex: 0, endTokenIndex: 2, bounds: [[0.1, 0.2, 0.5, 0.7]] }] },
});

describeEachDialect('annotation import sessions of a deleted dataset', (dialect) => {
  let s: TestServer;
  let store: Store;
  const dsPath = (ds: string) => `/workspaces/${s.organizationId}/datasets/${ds}`;
  const blobFile = (sha: string) => path.join(s.dataDir, 'blobs', blobRelativePath(sha));

  beforeAll(async () => {
    // No grace period: a released blob is collected at once.
    s = await startTestServer(dialect, { VIREO_BLOB_GC_GRACE_SECONDS: '0' });
    store = await openStore(s.server.config.database);
  });
  afterAll(async () => {
    await store?.close();
    await s?.close();
  });

  /** A session whose files are uploaded but FilesInserted not reported: its files hold their blobs. */
  async function openSession(ds: string, files: Array<{ name: string; bytes: Buffer }>): Promise<string> {
    const created = await createImport(s, ds, { onBadAnnotation: 'Warn' });
    expect(created.status, created.text).toBe(200);
    const id: string = created.json.annotationImportSessionId;
    const announced = await announce(s, ds, id, files);
    expect(announced.status, announced.text).toBe(200);
    for (const f of files) expect((await putFile(announced.json.files[f.name], f.bytes)).status).toBe(200);
    return id;
  }

  /** A finished session that imported one annotation and recorded problems (a line naming no asset). */
  async function finishedSession(ds: string, name: string): Promise<string> {
    const done = await importAnnotations(s, ds, [{ name, bytes: jsonl([line('cat.jpg', `an animal in ${name}`), line('nope.jpg', 'an animal nowhere')]) }], {
      onBadAnnotation: 'Warn',
    });
    expect(done.json.status.problems.length).toBeGreaterThan(0);
    return done.json.annotationImportSessionId;
  }

  const rowsOf = async (sessionIds: string[]) => ({
    sessions: (await store.db.selectFrom('annotation_import_sessions').select('id').where('id', 'in', sessionIds).execute()).length,
    files: (await store.db.selectFrom('annotation_import_files').select('idx').where('session_id', 'in', sessionIds).execute()).length,
    rows: (await store.db.selectFrom('annotation_import_rows').select('id').where('session_id', 'in', sessionIds).execute()).length,
    problems: (await store.db.selectFrom('annotation_import_problems').select('seq').where('session_id', 'in', sessionIds).execute()).length,
  });

  it('removes the sessions, files, staged rows and problems, collects their blobs, and leaves another dataset alone', async () => {
    const cat = { filename: 'cat.jpg', bytes: await noiseImage('jpeg', 1), mime: 'image/jpeg' };
    const doomed = await newDataset(s, 'doomed');
    const kept = await newDataset(s, 'kept');
    await upload(s, doomed, [cat]);
    await upload(s, kept, [cat]);

    const own = jsonl([line('cat.jpg', 'only the doomed dataset has these bytes')]);
    const shared = jsonl([line('cat.jpg', 'both datasets upload these bytes')]);
    const doomedFinished = await finishedSession(doomed, 'a.jsonl');
    const doomedOpen = await openSession(doomed, [
      { name: 'own.jsonl', bytes: own },
      { name: 'shared.jsonl', bytes: shared },
    ]);
    const keptFinished = await finishedSession(kept, 'b.jsonl');
    const keptOpen = await openSession(kept, [{ name: 'shared.jsonl', bytes: shared }]);
    // Rows as an import run stages them, more than one purge batch (500) of them.
    const doomedRow = await store.db.selectFrom('annotation_import_sessions').selectAll().where('id', '=', doomedOpen).executeTakeFirstOrThrow();
    const assetId = (await store.db.selectFrom('assets').select('id').where('dataset_id', '=', doomedRow.dataset_id).executeTakeFirstOrThrow()).id;
    const staged = Array.from({ length: 1200 }, (_, i) => ({
      session_id: doomedOpen,
      id: `staged-${i}`,
      file_idx: 0,
      asset_id: assetId,
      group_id: `group-${i}`,
      kind: 'PhraseGrounding',
      tag: null,
      contents: '{}',
    }));
    for (let i = 0; i < staged.length; i += 200) await store.db.insertInto('annotation_import_rows').values(staged.slice(i, i + 200)).execute();

    const doomedSessions = [doomedFinished, doomedOpen];
    const keptSessions = [keptFinished, keptOpen];
    const before = await rowsOf(doomedSessions);
    expect(before).toEqual({ sessions: 2, files: 3, rows: 1200, problems: before.problems });
    expect(before.problems).toBeGreaterThan(0);
    const keptBefore = await rowsOf(keptSessions);
    expect(keptBefore).toMatchObject({ sessions: 2, files: 2 });
    expect(fs.existsSync(blobFile(sha256(own)))).toBe(true);
    expect(fs.existsSync(blobFile(sha256(shared)))).toBe(true);

    expect((await s.request('DELETE', dsPath(doomed))).status).toBe(200);
    await waitFor(
      async () => ((await store.db.selectFrom('datasets').select('purged_at').where('id', '=', doomedRow.dataset_id).executeTakeFirst())?.purged_at ? true : undefined),
      'the dataset to be purged',
    );
    expect(await rowsOf(doomedSessions)).toEqual({ sessions: 0, files: 0, rows: 0, problems: 0 });
    expect(await store.db.selectFrom('annotation_import_sessions').select('id').where('dataset_id', '=', doomedRow.dataset_id).execute()).toEqual([]);

    // The blob only the deleted dataset held goes; the one the other dataset's session holds stays.
    await waitFor(async () => (fs.existsSync(blobFile(sha256(own))) ? undefined : true), 'the uploaded file to be collected');
    await waitFor(
      async () =>
        (await store.db.selectFrom('jobs').select('id').where('kind', '=', 'blobs.collect').where('status', 'in', ['queued', 'running']).execute()).length === 0
          ? true
          : undefined,
      'the collection jobs to end',
    );
    expect(await store.db.selectFrom('blobs').select('sha256').where('sha256', '=', sha256(own)).execute()).toEqual([]);
    expect(fs.existsSync(blobFile(sha256(shared)))).toBe(true);
    expect(await store.db.selectFrom('jobs').select(['kind', 'last_error']).where('status', '=', 'failed').execute()).toEqual([]);

    // The other dataset's sessions are whole, and its open one still imports from the shared blob.
    expect(await rowsOf(keptSessions)).toEqual(keptBefore);
    const finished = await s.request('GET', `${importsPath(s, kept)}/${keptFinished}`);
    expect(finished.status).toBe(200);
    expect(finished.json.status.problems.length).toBe(keptBefore.problems);
    expect((await patchStatus(s, kept, keptOpen, {})).status).toBe(200);
    const imported = await waitImportDone(s, kept, keptOpen);
    expect(imported.json.status.conditions.every((c: any) => c.status === 'Reached')).toBe(true);
    expect(imported.json.status.annotations.statusCount).toEqual({ Imported: 2 });
  });
});

/** The real blob store, except that the next blob read first runs `beforeNextRead` (once). */
class BlobStoreWithHook extends FsBlobStore {
  beforeNextRead: (() => Promise<void>) | undefined;
  override open(sha256: string, size: number): ByteSource {
    const source = super.open(sha256, size);
    const before = this.beforeNextRead;
    if (!before) return source;
    this.beforeNextRead = undefined;
    return {
      ...source,
      stream: () =>
        Readable.from(
          (async function* () {
            await before();
            for await (const chunk of source.stream() as Readable) yield chunk as Buffer;
          })(),
        ),
    };
  }
}

describeEachDialect('an import run overtaken by the purge of its dataset', (dialect) => {
  let s: TestServer;
  let store: Store;
  let blobs: BlobStoreWithHook;
  let svc: AssetServices;

  beforeAll(async () => {
    // No workers: the test runs the import job's function itself, as a worker would.
    s = await startTestServer(dialect, { VIREO_WORKERS: '0', VIREO_BLOB_GC_GRACE_SECONDS: '0' });
    store = await openStore(s.server.config.database);
    blobs = new BlobStoreWithHook(s.dataDir);
    svc = servicesBeside(s, store, blobs);
  });
  afterAll(async () => {
    await store?.close();
    await s?.close();
  });

  it('a run reading a file when the dataset is deleted and purged (its file collected) ends quietly, importing nothing', async () => {
    const ds = await newDataset(s, 'overtaken');
    await upload(s, ds, [{ filename: 'cat.jpg', bytes: await noiseImage('jpeg', 3), mime: 'image/jpeg' }]);
    const created = await createImport(s, ds);
    const id: string = created.json.annotationImportSessionId;
    const bytes = jsonl([line('cat.jpg', 'a cat read too late')]);
    const announced = await announce(s, ds, id, [{ name: 'a.jsonl', bytes }]);
    expect((await putFile(announced.json.files['a.jsonl'], bytes)).status).toBe(200);
    expect((await patchStatus(s, ds, id, {})).status).toBe(200);
    const session = await store.db.selectFrom('annotation_import_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(session.state).toBe('queued');

    // The run has found the dataset live and opens the file: the dataset is deleted and purged
    // then, and the file's blob collected, as the purge and collection jobs would do.
    blobs.beforeNextRead = async () => {
      expect((await s.request('DELETE', `/workspaces/${s.organizationId}/datasets/${ds}`)).status).toBe(200);
      await purgeDataset(svc.ctx, session.dataset_id, async (sha256s) => void (await collectBlobs(svc, sha256s)));
      expect(fs.existsSync(path.join(s.dataDir, 'blobs', blobRelativePath(sha256(bytes))))).toBe(false);
    };
    await expect(processImport(svc, id)).resolves.toBeUndefined();
    expect(blobs.beforeNextRead).toBeUndefined();
    expect(await store.db.selectFrom('annotation_import_sessions').select('id').where('id', '=', id).execute()).toEqual([]);
    expect(await store.db.selectFrom('annotation_import_rows').select('id').where('session_id', '=', id).execute()).toEqual([]);
    expect(await store.db.selectFrom('annotations').select('id').where('dataset_id', '=', session.dataset_id).execute()).toEqual([]);
  });
});
