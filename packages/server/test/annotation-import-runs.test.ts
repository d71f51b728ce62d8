// Runs of the annotation import job against sessions of datasets that are deleted, and runs that
// overlap. The server here runs no jobs (VIREO_WORKERS=0): sessions stay queued after FilesInserted,
// and the test runs the job's function itself, on the same database and blob store, as a worker
// process would — twice at once for the overlap a lapsed lease allows.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AssetServices } from '../src/domain/asset-services.js';
import { processImport } from '../src/domain/annotation-import.js';
import { openStore, type Store } from '../src/store/db.js';
import { announce, createImport, importsPath, jsonl, patchStatus, putFile } from './support/annotation-imports.js';
import { describeEachDialect } from './support/dialects.js';
import { startTestServer, type TestServer } from './support/server.js';
import { servicesBeside } from './support/services.js';
import { noiseImage, upload } from './support/uploads.js';

const line = (i: number) => ({
  asset: { type: 'Image', filename: i % 2 === 0 ? 'cat.jpg' : 'dog.jpg', height: 24, width: 32 },
  contents: { type: 'PhraseGrounding', caption: `an animal ${i}`, groundedPhrases: [{ phrase: 'an animal', startTokenIndex: 0, endTokenIndex: 2, bounds: [[0.1, 0.2, 0.5, 0.7]] }] },
});

describeEachDialect('annotation import runs', (dialect) => {
  let s: TestServer;
  let store: Store;
  let svc: AssetServices;
  const dsPath = (ds: string) => `/workspaces/${s.organizationId}/datasets/${ds}`;

  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_WORKERS: '0' });
    store = await openStore(s.server.config.database);
    svc = servicesBeside(s, store);
  });
  afterAll(async () => {
    await store?.close();
    await s?.close();
  });

  /** A dataset with cat.jpg and dog.jpg, and an import session whose file is uploaded: answers ids. */
  async function uploadedSession(lines: unknown[]) {
    const created = await s.request('POST', `/workspaces/${s.organizationId}/datasets`, { body: { name: 'runs', type: 'phrase-grounding' } });
    const ds: string = created.json.datasetId;
    await upload(s, ds, [
      { filename: 'cat.jpg', bytes: await noiseImage('jpeg', 1), mime: 'image/jpeg' },
      { filename: 'dog.jpg', bytes: await noiseImage('jpeg', 2), mime: 'image/jpeg' },
    ]);
    const session = await createImport(s, ds, { onBadAnnotation: 'RejectSession', onBadFile: 'RejectSession', onOverwritten: 'RejectSession' });
    const id: string = session.json.annotationImportSessionId;
    const bytes = jsonl(lines);
    const announced = await announce(s, ds, id, [{ name: 'a.jsonl', bytes }]);
    expect((await putFile(announced.json.files['a.jsonl'], bytes)).status).toBe(200);
    return { ds, id };
  }

  const sessionRow = (id: string) => store.db.selectFrom('annotation_import_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it("a deleted dataset's import session answers 404, to GET and to FilesInserted, and changes no more", async () => {
    const { ds, id } = await uploadedSession([line(0)]);
    expect((await s.request('GET', `${importsPath(s, ds)}/${id}`)).status).toBe(200);
    expect((await s.request('DELETE', dsPath(ds))).status).toBe(200);
    const get = await s.request('GET', `${importsPath(s, ds)}/${id}`);
    expect(get.status).toBe(404);
    expect(get.json.message).toMatch(/not found/i);
    expect((await patchStatus(s, ds, id, {})).status).toBe(404);
    expect((await sessionRow(id)).state).toBe('open');
  });

  it('a dataset deleted after FilesInserted, before the import ran: the run rejects the session, importing nothing', async () => {
    const { ds, id } = await uploadedSession([line(0), line(1)]);
    expect((await patchStatus(s, ds, id, {})).status).toBe(200);
    expect((await s.request('DELETE', dsPath(ds))).status).toBe(200);
    await processImport(svc, id);
    const row = await sessionRow(id);
    expect(row).toMatchObject({ state: 'finished', outcome: 'rejected' });
    expect(row.message).toMatch(/dataset was deleted/);
    expect(await store.db.selectFrom('annotations').select('id').where('dataset_id', '=', row.dataset_id).execute()).toEqual([]);
  });

  it('two runs at once (a lease lapsed while the first still worked): only the later one stages and commits, each line once', async () => {
    const n = 1200; // several staging batches
    const { ds, id } = await uploadedSession(Array.from({ length: n }, (_, i) => line(i)));
    expect((await patchStatus(s, ds, id, {})).status).toBe(200);
    await Promise.all([processImport(svc, id), processImport(svc, id)]);
    const session = await s.request('GET', `${importsPath(s, ds)}/${id}`);
    expect(session.json.status.conditions.every((c: any) => c.status === 'Reached')).toBe(true);
    expect(session.json.status.problems).toEqual([]);
    // Each line is a caption and one box.
    expect(session.json.status.annotations.statusCount).toEqual({ Imported: 2 * n });
    expect((await s.request('GET', dsPath(ds))).json.statistic.annotationTotal).toBe(2 * n);
    const row = await sessionRow(id);
    expect(await store.db.selectFrom('annotation_import_rows').select('id').where('session_id', '=', row.id).execute()).toEqual([]);
  });
});
