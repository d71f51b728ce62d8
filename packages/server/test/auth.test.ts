import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from './support/dialects.js';
import { request, startTestServer, type TestServer } from './support/server.js';

describeEachDialect('authentication and tenancy', (dialect) => {
  let s: TestServer;
  let other: { organizationId: string; secretKey: string };

  beforeAll(async () => {
    s = await startTestServer(dialect);
    const { admin } = await import('../src/index.js');
    const made = await admin.createOrganization(s.server.config, { name: 'Other' });
    other = { organizationId: made.organizationId, secretKey: made.secretKey };
  });
  afterAll(() => s?.close());

  const expectError = (r: { status: number; json: any; text: string }, status: number, error: string, message: RegExp) => {
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ error, message: expect.stringMatching(message) });
    expect(r.text).not.toMatch(/at .*\.js:\d+/); // no stack traces
  };

  it('accepts the bearer key with the organization in header and path', async () => {
    const r = await s.request('GET', `/workspaces/${s.organizationId}`);
    expect(r.status).toBe(200);
    expect(r.json.workspaceId).toBe(s.organizationId);
  });

  it('answers 401 without a key, with a malformed one, or with an unknown one', async () => {
    const path = `/workspaces/${s.organizationId}/datasets`;
    expectError(await request(s.url, 'GET', path, { headers: { 'organization-id': s.organizationId } }), 401, 'AuthenticationFailed', /Authorization: Bearer/);
    expectError(await request(s.url, 'GET', path, { headers: s.authHeaders('dtvi_tooshort') }), 401, 'AuthenticationFailed', /Unknown or revoked/);
    expectError(await request(s.url, 'GET', path, { headers: s.authHeaders(`dtvi_${'x'.repeat(98)}`) }), 401, 'AuthenticationFailed', /Unknown or revoked/);
    expectError(await request(s.url, 'GET', path, { headers: { ...s.authHeaders(), authorization: `Basic abc` } }), 401, 'AuthenticationFailed', /Bearer/);
  });

  it('answers 403 when the key belongs to another organization than header or path', async () => {
    // The Python SDK's own test: a valid key asking for the all-zero organization.
    const zero = '00000000-0000-0000-0000-000000000000';
    expectError(await request(s.url, 'GET', `/workspaces/${zero}`, { headers: s.authHeaders(s.secretKey, zero) }), 403, 'PermissionDenied', /does not belong/);
    expectError(await request(s.url, 'GET', `/workspaces/${zero}`, { headers: s.authHeaders() }), 403, 'PermissionDenied', /does not match/);
    // Another organization's key cannot read this organization's datasets.
    expectError(
      await request(s.url, 'GET', `/workspaces/${s.organizationId}/datasets`, { headers: s.authHeaders(other.secretKey, other.organizationId) }),
      403,
      'PermissionDenied',
      /does not match/,
    );
    expectError(
      await request(s.url, 'GET', `/workspaces/${s.organizationId}/datasets`, { headers: s.authHeaders(other.secretKey, s.organizationId) }),
      403,
      'PermissionDenied',
      /does not belong/,
    );
    expectError(
      await request(s.url, 'GET', `/workspaces/${s.organizationId}`, { headers: { authorization: `Bearer ${s.secretKey}` } }),
      403,
      'PermissionDenied',
      /Missing Organization-Id/,
    );
  });

  it('keeps each organization to its own datasets', async () => {
    const mine = await s.request('POST', `/workspaces/${s.organizationId}/datasets`, { body: { name: 'mine' } });
    const theirsHeaders = s.authHeaders(other.secretKey, other.organizationId);
    const theirs = await request(s.url, 'GET', `/workspaces/${other.organizationId}/datasets`, { headers: theirsHeaders });
    expect(theirs.json.items).toEqual([]);
    // Even knowing the id, the other organization gets a 404 in its own namespace.
    const bare = mine.json.datasetId.split('_').pop();
    const peek = await request(s.url, 'GET', `/workspaces/${other.organizationId}/datasets/${other.organizationId}_${bare}`, { headers: theirsHeaders });
    expect(peek.status).toBe(404);
  });

  it('manages keys over HTTP: create, use, list without secrets, revoke, and never the last one', async () => {
    const created = await s.request('POST', `/workspaces/${s.organizationId}/keys`, { body: { name: 'ci' } });
    expect(created.status).toBe(201);
    expect(created.json.secretKey).toMatch(/^dtvi_[A-Za-z0-9_-]{98}$/);
    expect(created.json.secretKey).toHaveLength(103);
    const withNew = await request(s.url, 'GET', `/workspaces/${s.organizationId}`, { headers: s.authHeaders(created.json.secretKey) });
    expect(withNew.status).toBe(200);

    const list = await s.request('GET', `/workspaces/${s.organizationId}/keys`);
    expect(list.json.items.map((k: any) => k.name)).toEqual(['initial', 'ci']);
    expect(list.text).not.toContain(created.json.secretKey);

    expect((await s.request('DELETE', `/workspaces/${s.organizationId}/keys/${created.json.keyId}`)).status).toBe(204);
    const revoked = await request(s.url, 'GET', `/workspaces/${s.organizationId}`, { headers: s.authHeaders(created.json.secretKey) });
    expect(revoked.status).toBe(401);

    const initial = list.json.items.find((k: any) => k.name === 'initial');
    const last = await s.request('DELETE', `/workspaces/${s.organizationId}/keys/${initial.keyId}`);
    expect(last.status).toBe(409);
    expect(last.json.message).toMatch(/last active key/);
  });

  it('stores only a hash of each key', async () => {
    const rows = await (await import('../src/store/db.js')).openStore(s.server.config.database).then(async (st) => {
      try {
        return await st.db.selectFrom('api_keys').selectAll().execute();
      } finally {
        await st.close();
      }
    });
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(s.secretKey);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.key_hash))).toBe(true);
  });
});
