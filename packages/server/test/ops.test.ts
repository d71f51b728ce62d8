import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from './support/dialects.js';
import { request, startTestServer, type TestServer } from './support/server.js';

describeEachDialect('operations endpoints', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s?.close());

  it('GET /healthz reports the database', async () => {
    const r = await request(s.url, 'GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ok', version: expect.any(String), database: dialect });
  });

  it('GET /metrics counts requests per route and shows the job queue', async () => {
    await s.request('GET', `/workspaces/${s.organizationId}/datasets`);
    await s.request('GET', `/workspaces/${s.organizationId}/datasets/missing`);
    const d = (await s.request('POST', `/workspaces/${s.organizationId}/datasets`, { body: { name: 'm' } })).json;
    await s.request('DELETE', `/workspaces/${s.organizationId}/datasets/${d.datasetId}`);
    const r = await request(s.url, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    expect(r.text).toMatch(/vireo_http_requests_total\{method="GET",route="\/workspaces\/:org\/datasets",status="200"\} [1-9]/);
    expect(r.text).toMatch(/vireo_http_requests_total\{method="GET",route="\/workspaces\/:org\/datasets\/:ds",status="404"\} 1/);
    expect(r.text).toMatch(/vireo_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/workspaces\/:org\/datasets"\}/);
    expect(r.text).toContain('# TYPE vireo_jobs gauge');
    expect(r.text).toContain('vireo_process_cpu_seconds_total');
  });

  it('GET /openapi.json is an OpenAPI 3.1 document generated from the wire schemas', async () => {
    const r = await request(s.url, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe('3.1.0');
    expect(Object.keys(r.json.paths)).toEqual(
      expect.arrayContaining(['/workspaces', '/workspaces/{org}', '/workspaces/{org}/datasets', '/workspaces/{org}/datasets/{ds}', '/workspaces/{org}/datasets/{ds}/deleteOperation']),
    );
    const dataset = r.json.paths['/workspaces/{org}/datasets/{ds}'].get.responses['200'].content['application/json'].schema;
    expect(dataset.required).toEqual(expect.arrayContaining(['datasetId', 'statistic', 'access', 'assetStatuses']));
    expect(r.json.components.securitySchemes.secretKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('echoes a request id, or makes one', async () => {
    const given = await request(s.url, 'GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await request(s.url, 'GET', '/healthz');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
