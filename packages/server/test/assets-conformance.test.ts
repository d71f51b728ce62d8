// Every asset endpoint checked against the Vi protocol as the Python vi-sdk decodes it (strict,
// msgspec-like shapes transcribed from the spec in support/vi-spec.ts).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from './support/dialects.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';
import { check, parseRaw, type Shape } from './support/strict-json.js';
import { createSession, ingestionPath, newDataset, noiseImage, put, putAll, specOf, waitFinished } from './support/uploads.js';
import * as vi from './support/vi-spec.js';

describeEachDialect('Vi protocol conformance: assets', (dialect) => {
  let s: TestServer;
  let ds: string;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    ds = await newDataset(s, 'conformance');
  });
  afterAll(() => s?.close());

  const shapeOf = (text: string, shape: Shape) => check(parseRaw(text), shape);

  it('ingestion sessions: creation, progress, final state with errors', async () => {
    const good = { filename: 'ok.jpg', bytes: await noiseImage('jpeg', 1), mime: 'image/jpeg', customMetadata: { site: 'north', n: 2, ok: true, r: 0.5 } };
    const bad = { filename: 'bad.jpg', bytes: await noiseImage('jpeg', 2), mime: 'image/jpeg' };
    const created = await createSession(s, ds, [specOf(good), specOf(bad, { crc32c: -1 }), specOf(good)]);
    expect(created.status).toBe(200);
    expect(shapeOf(created.text, vi.AssetIngestionSession)).toEqual([]);
    expect(Array.isArray(created.json.status.assets)).toBe(true);
    const id = created.json.assetIngestionSessionId;
    const open = await s.request('GET', `${ingestionPath(s, ds)}/${id}`);
    expect(shapeOf(open.text, vi.AssetIngestionSession)).toEqual([]);
    await putAll(created.json, [good, bad]);
    await waitFinished(s, ds, id);
    const final = await s.request('GET', `${ingestionPath(s, ds)}/${id}`);
    expect(shapeOf(final.text, vi.AssetIngestionSession)).toEqual([]);
    expect(final.json.status.events.some((e: any) => e.kind === 'Error')).toBe(true);
  });

  it('assets: list (with and without contents), get, delete', async () => {
    const base = `/workspaces/${s.organizationId}/datasets/${ds}/assets`;
    const list = await s.request('GET', `${base}?s=10`);
    expect(shapeOf(list.text, vi.Pagination(vi.Asset))).toEqual([]);
    const withContents = await s.request('GET', `${base}?s=1000&contents=y`);
    expect(shapeOf(withContents.text, vi.Pagination(vi.Asset))).toEqual([]);
    const id = list.json.items[0].assetId;
    for (const q of ['', '?contents=y']) {
      const one = await s.request('GET', `${base}/${id}${q}`);
      expect(shapeOf(one.text, vi.Asset)).toEqual([]);
    }
    const del = await s.request('DELETE', `${base}/${id}`, { headers: { 'content-type': 'application/json' } });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
  });

  it('bulk deletion sessions', async () => {
    const f = { filename: 'gone.jpg', bytes: await noiseImage('jpeg', 3), mime: 'image/jpeg' };
    const created = await createSession(s, ds, [specOf(f)]);
    await put(created.json.status.assets[0].upload, f.bytes);
    const base = `/workspaces/${s.organizationId}/datasets/${ds}/deleteManyAssetsSessions`;
    const r = await s.request('POST', base, { body: { spec: { filter: '*', metadataQuery: null, ruleQuery: null, strictQuery: null } } });
    expect(r.status).toBe(200);
    expect(shapeOf(r.text, vi.BulkAssetDeletionSession)).toEqual([]);
    const done = await waitFor(async () => {
      const g = await s.request('GET', `${base}/${r.json.deleteManyAssetsSessionId}`);
      return g.json.status.conditions.every((c: any) => c.status === 'Reached') ? g : undefined;
    }, 'bulk deletion');
    expect(shapeOf(done.text, vi.BulkAssetDeletionSession)).toEqual([]);
  });

  it('errors use the envelope of §7', async () => {
    const cases: Array<[string, string, number, Record<string, unknown>]> = [
      ['POST', `${ingestionPath(s, `${s.organizationId}_missing`)}`, 404, { body: { spec: { assets: [] } } }],
      ['GET', `${ingestionPath(s, ds)}/missing`, 404, {}],
      ['POST', ingestionPath(s, ds), 400, { body: { spec: { assets: [{ filename: 'x.jpg' }] } } }],
      ['GET', `/workspaces/${s.organizationId}/datasets/${ds}/assets?s=0`, 400, {}],
      ['GET', `/workspaces/${s.organizationId}/datasets/${ds}/assets?s=1001`, 400, {}],
      ['GET', `/workspaces/${s.organizationId}/datasets/${ds}/assets?sortBy=size`, 400, {}],
      ['GET', `/workspaces/${s.organizationId}/datasets/${ds}/assets?p=garbage`, 400, {}],
      ['GET', `/workspaces/${s.organizationId}/datasets/${ds}/assets/missing`, 404, {}],
      ['DELETE', `/workspaces/${s.organizationId}/datasets/${ds}/assets/missing`, 404, {}],
      ['POST', `/workspaces/${s.organizationId}/datasets/${ds}/deleteManyAssetsSessions`, 400, { body: { spec: { filter: null, metadataQuery: null, ruleQuery: null, strictQuery: null } } }],
      ['GET', `/workspaces/${s.organizationId}/datasets/${ds}/deleteManyAssetsSessions/missing`, 404, {}],
      ['PUT', '/uploads/x/0/a.jpg?expires=1&signature=abc', 403, { auth: false, body: 'x' }],
      ['GET', '/files/assets/x/a.jpg', 403, { auth: false }],
    ];
    for (const [method, path, status, options] of cases) {
      const r = await s.request(method, path, options);
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(status);
      expect(shapeOf(r.text, vi.ErrorEnvelope), `${method} ${path}`).toEqual([]);
    }
  });
});
