import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/db.js';
import { describeEachDialect } from './support/dialects.js';
import { insertAnnotation, insertAsset } from './support/rows.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

describeEachDialect('datasets', (dialect) => {
  let s: TestServer;
  let store: Store; // a second connection, to put rows in place the way later features will
  let base: string;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    store = await openStore(s.server.config.database);
    base = `/workspaces/${s.organizationId}/datasets`;
  });
  afterAll(async () => {
    await store?.close();
    await s?.close();
  });

  const create = async (body: unknown) => s.request('POST', base, { body });
  const bareId = (composite: string) => composite.slice(s.organizationId.length + 1);

  it('creates a dataset with defaults and returns it as the Vi protocol shapes it', async () => {
    const before = Date.now();
    const r = await create({ name: 'Birds' });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      kind: 'Dataset',
      name: 'Birds',
      workspaceId: s.organizationId,
      type: 'phrase-grounding',
      content: 'Image',
      description: null,
      statistic: { assetTotal: 0, annotationTotal: 0, assetAnnotated: 0, tagsCount: {} },
    });
    expect(r.json.datasetId).toMatch(new RegExp(`^${s.organizationId}_[0-9a-z]+$`));
    expect(bareId(r.json.datasetId)).not.toContain('_');
    expect(r.json.createDate).toBeGreaterThanOrEqual(before);
    expect(Number.isInteger(r.json.createDate)).toBe(true);
    expect(r.json.selfLink).toBe(`${base}/${r.json.datasetId}`);
  });

  it('rejects bad creation requests with a 400 that says what to fix', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /name/],
      [{ name: '' }, /name/],
      [{ name: '   ' }, /blank/],
      [{ name: 'x', type: 'segmentation' }, /type/],
      [{ name: 'x', colour: 'red' }, /colour|additional/],
    ];
    for (const [body, message] of cases) {
      const r = await create(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json).toEqual({ error: 'ValidationFailed', message: expect.stringMatching(message) });
    }
    const malformed = await s.request('POST', base, { body: '{"name": "x",' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.message).toMatch(/Malformed JSON/);
    const wrongType = await s.request('POST', base, { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(wrongType.status).toBe(415);
    expect(wrongType.json.error).toBe('UnsupportedMediaType');
  });

  it('lists every dataset in one page and gets one by composite or bare id', async () => {
    const a = (await create({ name: 'A', type: 'vqa', description: 'first' })).json;
    const list = await s.request('GET', base);
    expect(list.status).toBe(200);
    expect(list.json.nextPage).toBeNull();
    expect(list.json.items.map((d: any) => d.datasetId)).toContain(a.datasetId);
    const byComposite = await s.request('GET', `${base}/${a.datasetId}`);
    expect(byComposite.json).toMatchObject({ name: 'A', type: 'vqa', description: 'first' });
    const byBare = await s.request('GET', `${base}/${bareId(a.datasetId)}`);
    expect(byBare.json.datasetId).toBe(a.datasetId);
  });

  it('answers a clean 404 for unknown ids, including ids with underscores', async () => {
    for (const id of [`${s.organizationId}_definitely_nonexistent_dataset_12345`, 'dataset_123', 'nope']) {
      const r = await s.request('GET', `${base}/${id}`);
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ error: 'NotFound', message: expect.stringMatching(/not found/) });
      expect((await s.request('GET', `${base}/${id}/deleteOperation`)).status).toBe(404);
      expect((await s.request('DELETE', `${base}/${id}`)).status).toBe(404);
    }
  });

  it('computes the statistic from the rows of the dataset', async () => {
    const d = (await create({ name: 'Stats' })).json;
    const id = bareId(d.datasetId);
    await insertAsset(store.db, id, `${id}-1`, 'one.png');
    await insertAsset(store.db, id, `${id}-2`, 'two.png');
    await insertAnnotation(store.db, id, `${id}-1`, `${id}-n1`, 'bird');
    await insertAnnotation(store.db, id, `${id}-1`, `${id}-n2`, 'bird');
    const r = await s.request('GET', `${base}/${d.datasetId}`);
    expect(r.json.statistic).toEqual({ assetTotal: 2, annotationTotal: 2, assetAnnotated: 1, tagsCount: { bird: 2 } });
    expect(r.json.tags).toEqual({ bird: 0 });
  });

  it('deletes at once, purges in the background, and leaves other datasets alone', async () => {
    const gone = (await create({ name: 'Gone' })).json;
    const kept = (await create({ name: 'Kept' })).json;
    for (const d of [gone, kept]) {
      const id = bareId(d.datasetId);
      for (let i = 0; i < 5; i++) {
        await insertAsset(store.db, id, `${id}-a${i}`, `${i}.png`);
        await insertAnnotation(store.db, id, `${id}-a${i}`, `${id}-n${i}`, 'cat');
      }
    }
    // The Python SDK sends Content-Type: application/json on a DELETE without a body.
    const del = await s.request('DELETE', `${base}/${gone.datasetId}`, { headers: { 'content-type': 'application/json' } });
    expect(del.status).toBe(200);
    expect(del.json).toMatchObject({ workspaceId: s.organizationId, datasetId: gone.datasetId, selfLink: `${base}/${gone.datasetId}/deleteOperation` });

    expect((await s.request('GET', `${base}/${gone.datasetId}`)).status).toBe(404);
    expect((await s.request('GET', base)).json.items.map((d: any) => d.datasetId)).not.toContain(gone.datasetId);

    const op = await waitFor(async () => {
      const r = await s.request('GET', `${base}/${gone.datasetId}/deleteOperation`);
      return r.json.status.conditions.some((c: any) => c.condition === 'Finished' && c.status === 'Reached') ? r.json : undefined;
    }, 'the purge to finish');
    expect(op.status.conditions.every((c: any) => c.status === 'Reached')).toBe(true);

    const count = async (table: 'assets' | 'annotations', datasetId: string) =>
      (await store.db.selectFrom(table).select('id').where('dataset_id', '=', datasetId).execute()).length;
    expect(await count('assets', bareId(gone.datasetId))).toBe(0);
    expect(await count('annotations', bareId(gone.datasetId))).toBe(0);
    expect(await count('assets', bareId(kept.datasetId))).toBe(5);
    expect(await count('annotations', bareId(kept.datasetId))).toBe(5);
    expect((await s.request('GET', `${base}/${kept.datasetId}`)).json.statistic.assetTotal).toBe(5);

    // Deleting again answers the same operation.
    const again = await s.request('DELETE', `${base}/${gone.datasetId}`);
    expect(again.status).toBe(200);
    expect(again.json.datasetId).toBe(gone.datasetId);
  });

  it('lists the organization with its datasets', async () => {
    const list = await s.request('GET', '/workspaces');
    expect(list.json.items).toHaveLength(1);
    expect(list.json.nextPage).toBeNull();
    const org = list.json.items[0];
    expect(org.workspaceId).toBe(s.organizationId);
    const datasets = (await s.request('GET', base)).json.items.map((d: any) => d.datasetId);
    expect(org.datasets.sort()).toEqual(datasets.sort());
  });

  it('answers unknown routes with a JSON 404', async () => {
    const r = await s.request('GET', '/no/such/route');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: 'NotFound', message: 'No route for GET /no/such/route' });
  });
});
