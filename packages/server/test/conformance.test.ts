// Every foundation endpoint checked against the Vi protocol as the Python vi-sdk decodes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from './support/dialects.js';
import { request, startTestServer, waitFor, type TestServer } from './support/server.js';
import { check, parseRaw, type Shape } from './support/strict-json.js';
import * as vi from './support/vi-spec.js';

describeEachDialect('Vi protocol conformance', (dialect) => {
  let s: TestServer;
  let ds: string;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    ds = (await s.request('POST', `/workspaces/${s.organizationId}/datasets`, { body: { name: 'Conformance' } })).json.datasetId;
  });
  afterAll(() => s?.close());

  const expectShape = async (method: string, path: string, status: number, shape: Shape, options = {}) => {
    const r = await s.request(method, path, options);
    expect(r.status, r.text).toBe(status);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(check(parseRaw(r.text), shape)).toEqual([]);
    return r.json;
  };

  it('GET /workspaces (organizations.list)', async () => {
    const page = await expectShape('GET', '/workspaces', 200, vi.Pagination(vi.Organization));
    expect(page.nextPage).toBeNull();
  });

  it('GET /workspaces/{org} (organizations.get/info)', async () => {
    const org = await expectShape('GET', `/workspaces/${s.organizationId}`, 200, vi.Organization);
    expect(org.workspaceId).toBe(s.organizationId);
    expect(org.name).toBeTruthy();
    expect(org.lastAccess).toBeGreaterThan(0);
  });

  it('GET …/datasets (datasets.list) is one page', async () => {
    const page = await expectShape('GET', `/workspaces/${s.organizationId}/datasets`, 200, vi.Pagination(vi.Dataset));
    expect(page.nextPage).toBeNull();
    expect(page.items.length).toBeGreaterThan(0);
  });

  it('GET and POST …/datasets/{ds} answer a Dataset whose id sanitises to the bare id', async () => {
    const d = await expectShape('GET', `/workspaces/${s.organizationId}/datasets/${ds}`, 200, vi.Dataset);
    expect(d.datasetId.split('_').pop()).toBe(ds.slice(s.organizationId.length + 1));
    await expectShape('POST', `/workspaces/${s.organizationId}/datasets`, 201, vi.Dataset, { body: { name: 'x', type: 'vqa' } });
  });

  it('DELETE …/datasets/{ds} and …/deleteOperation answer DeletedDataset (a JSON body)', async () => {
    const victim = (await s.request('POST', `/workspaces/${s.organizationId}/datasets`, { body: { name: 'victim' } })).json.datasetId;
    await expectShape('DELETE', `/workspaces/${s.organizationId}/datasets/${victim}`, 200, vi.DeletedDataset);
    await expectShape('GET', `/workspaces/${s.organizationId}/datasets/${victim}/deleteOperation`, 200, vi.DeletedDataset);
    await waitFor(async () => {
      const r = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${victim}/deleteOperation`);
      return r.json.status.conditions.at(-1).status === 'Reached' ? true : undefined;
    }, 'deletion');
    await expectShape('GET', `/workspaces/${s.organizationId}/datasets/${victim}/deleteOperation`, 200, vi.DeletedDataset);
  });

  describe('errors use the envelope and the status codes of §7', () => {
    const cases: Array<[string, string, number, Record<string, unknown>]> = [
      ['unknown dataset', 'GET /workspaces/{org}/datasets/{org}_missing', 404, {}],
      ['bad body', 'POST /workspaces/{org}/datasets', 400, { body: { name: 5 } }],
      ['no key', 'GET /workspaces/{org}', 401, { auth: false }],
      ['other organization', 'GET /workspaces/00000000-0000-0000-0000-000000000000', 403, {}],
      ['unknown route', 'GET /workspaces/{org}/nothing-here', 404, {}],
    ];
    for (const [name, route, status, options] of cases) {
      it(`${name} → ${status}`, async () => {
        const [method, path] = route.replaceAll('{org}', s.organizationId).split(' ') as [string, string];
        await expectShape(method, path, status, vi.ErrorEnvelope, options);
      });
    }
  });

  it('requests without a body but with Content-Type: application/json are accepted', async () => {
    const r = await request(s.url, 'GET', `/workspaces/${s.organizationId}/datasets`, {
      headers: { ...s.authHeaders(), 'content-type': 'application/json', accept: 'application/json' },
    });
    expect(r.status).toBe(200);
  });
});
