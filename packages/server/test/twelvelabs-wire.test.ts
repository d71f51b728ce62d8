// The TwelveLabs surface on the wire, against the checklist of twelvelabs-protocol.md §12: status
// codes and `{code, message}` bodies of every refusal, framing (chunked bodies, a part named
// "blob", filename after the bytes), the 413 of an oversize body delivered after draining it,
// paging edges, tenancy, and how these assets look through the Vi protocol.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { TwelveLabs } from 'twelvelabs-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from './support/dialects.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';
import { noiseImage } from './support/uploads.js';

const BOUNDARY = 'form-data-encoder-test1234';

interface Part {
  name: string;
  value: string | Buffer;
  filename?: string;
  type?: string;
}

function multipart(parts: Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.type) head += `Content-Type: ${p.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: any;
  text: string;
}

/** Sends a body with Node's http client: with a Content-Length, or chunked in `chunkSize` pieces. */
function send(url: string, method: string, path: string, body: Buffer | undefined, headers: Record<string, string>, o: { chunked?: boolean; agent?: http.Agent } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, agent: o.agent, headers: { ...headers, ...(body && !o.chunked ? { 'content-length': String(body.length) } : {}) } },
      (res) => {
        const got: Buffer[] = [];
        res.on('data', (c: Buffer) => got.push(c));
        res.on('end', () => {
          const text = Buffer.concat(got).toString('utf8');
          let json: any;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
        });
      },
    );
    req.on('error', reject);
    if (body && o.chunked) {
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

describeEachDialect('twelvelabs wire protocol', (dialect) => {
  let s: TestServer;
  let key: Record<string, string>;
  let png: Buffer;

  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_TL_DIRECT_MAX_BYTES: '300000', VIREO_TL_IMAGE_MAX_BYTES: '100000' });
    key = { 'x-api-key': s.secretKey };
    png = await noiseImage('png', 42);
  });
  afterAll(() => s?.close());

  const post = (parts: Part[], headers: Record<string, string> = key, o: { chunked?: boolean } = {}) =>
    send(s.url, 'POST', '/v1.3/assets', multipart(parts), { ...headers, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, o);
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = key) =>
    send(s.url, method, path, body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), {
      ...headers,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    });
  const expectError = (r: RawAnswer, status: number, code: string, message?: RegExp) => {
    expect(r.status, r.text).toBe(status);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json).toEqual({ code, message: message ? expect.stringMatching(message) : expect.any(String) });
    expect(r.text).not.toMatch(/at .*\.js:\d+/);
  };
  const file = (bytes = png, filename = 'x.png'): Part => ({ name: 'file', value: bytes, filename, type: 'image/png' });

  it('answers 401 api_key_invalid without a key, with an unknown key and with a Bearer header only', async () => {
    expectError(await call('GET', '/v1.3/assets', undefined, {}), 401, 'api_key_invalid', /x-api-key/);
    expectError(await call('GET', '/v1.3/assets', undefined, { 'x-api-key': 'nope' }), 401, 'api_key_invalid');
    expectError(await call('GET', '/v1.3/assets', undefined, { authorization: `Bearer ${s.secretKey}` }), 401, 'api_key_invalid');
    expectError(await post([{ name: 'method', value: 'direct' }, file()], { 'x-api-key': 'nope' }), 401, 'api_key_invalid');
  });

  it('refuses create requests exactly as the checklist says', async () => {
    expectError(await post([file()]), 400, 'parameter_not_provided', /method/);
    expectError(await post([{ name: 'method', value: 'upload' }, file()]), 400, 'parameter_invalid', /method/);
    expectError(await post([{ name: 'method', value: 'direct' }]), 400, 'parameter_not_provided', /file/);
    expectError(await post([{ name: 'method', value: 'url' }]), 400, 'parameter_not_provided', /url/);
    expectError(await post([{ name: 'method', value: 'url' }, { name: 'url', value: 'ftp://example.com/a.mp4' }]), 400, 'parameter_invalid', /http/);
    expectError(await post([{ name: 'method', value: 'url' }, { name: 'url', value: 'not a url' }]), 400, 'parameter_invalid', /url/);
    expectError(await post([{ name: 'method', value: 'direct' }, file(), { name: 'user_metadata', value: '{bad' }]), 400, 'parameter_invalid', /user_metadata/);
    expectError(await post([{ name: 'method', value: 'direct' }, file(), { name: 'user_metadata', value: '[1,2]' }]), 400, 'parameter_invalid', /user_metadata/);
    expectError(await post([{ name: 'method', value: 'direct' }, file(), { name: 'user_metadata', value: '{"a":{"b":1}}' }]), 400, 'parameter_invalid', /user_metadata\.a/);
    expectError(await post([{ name: 'method', value: 'direct' }, file(), { name: 'enable_hls', value: 'yes' }]), 400, 'parameter_invalid', /enable_hls/);
    expectError(await post([{ name: 'method', value: 'direct' }, file(Buffer.from('just some text, not media\n'), 'notes.txt')]), 400, 'parameter_invalid', /video, audio and images/);
    expectError(await post([{ name: 'method', value: 'direct' }, file(Buffer.alloc(0), 'empty.png')]), 400, 'parameter_invalid', /empty/);
    expectError(await post([{ name: 'method', value: 'direct' }, file(), { name: 'filename', value: 'a'.repeat(256) }]), 400, 'parameter_invalid', /255/);
    expectError(await post([{ name: 'method', value: 'direct' }, file(), { name: 'filename', value: 'dir/x.png' }]), 400, 'parameter_invalid', /plain file name/);
    expectError(await call('POST', '/v1.3/assets', { method: 'direct' }), 400, 'parameter_invalid', /multipart\/form-data/);
    // Nothing was created by any of them.
    const list = await call('GET', '/v1.3/assets');
    expect(list.json.data).toEqual([]);
  });

  it('takes a chunked body whose file part is named "blob", typed octet-stream, with the filename after the bytes', async () => {
    const r = await post(
      [
        { name: 'method', value: 'direct' },
        { name: 'blob', value: png, filename: 'blob', type: 'application/octet-stream' },
        { name: 'filename', value: 'late name.png' },
        { name: 'enable_hls', value: 'false' },
        { name: 'enable_thumbnail', value: 'true' },
        { name: 'user_metadata', value: '{"k":"v"}' },
      ],
      key,
      { chunked: true },
    );
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ _id: expect.any(String), method: 'direct', filename: 'late name.png', user_metadata: { k: 'v' } });
    expect(r.json.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const ready = await waitFor(async () => {
      const a = await call('GET', `/v1.3/assets/${r.json._id}`);
      return a.json.status === 'ready' ? a : undefined;
    }, 'ready');
    expect(ready.json).toMatchObject({ file_type: 'image/png', size: png.length, url_expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    expect(typeof ready.json.technical_metadata.image_width).toBe('number');
  });

  it('answers 413 file_too_large after reading the whole body, and the connection stays usable', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const body = multipart([{ name: 'method', value: 'direct' }, file(Buffer.alloc(3 * 1024 * 1024, 1), 'big.mp4')]);
    const headers = { ...key, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
    // Declared too large (the fast path), then chunked (found while streaming).
    for (const chunked of [false, true]) {
      const r = await send(s.url, 'POST', '/v1.3/assets', body, headers, { agent, chunked });
      expectError(r, 413, 'file_too_large', /300000 bytes for video and audio/);
      expect(r.headers.connection).not.toBe('close');
    }
    const after = await send(s.url, 'GET', '/v1.3/assets', undefined, key, { agent });
    expect(after.status).toBe(200);
    agent.destroy();
  });

  it('leaves nothing in staging when the client goes away mid-upload', async () => {
    const stagingFiles = () => walk(path.join(s.dataDir, 'staging')).filter((f) => f.endsWith('.part'));
    const body = multipart([{ name: 'method', value: 'direct' }, file(Buffer.alloc(200_000, 3), 'cut.mp4')]);
    const u = new URL(s.url);
    const socket = net.connect(Number(u.port), u.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /v1.3/assets HTTP/1.1\r\nHost: ${u.host}\r\nx-api-key: ${s.secretKey}\r\n` +
        `content-type: multipart/form-data; boundary=${BOUNDARY}\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, 100_000));
    await waitFor(async () => (stagingFiles().length > 0 ? true : undefined), 'the upload to reach staging');
    socket.destroy();
    await waitFor(async () => (stagingFiles().length === 0 ? true : undefined), 'staging to be cleaned up');
    expect((await call('GET', '/v1.3/assets?filename=cut')).json.data).toEqual([]);
  });

  it('validates list parameters: page_limit above 50 is a 400, a page past the end is an empty 200', async () => {
    expectError(await call('GET', '/v1.3/assets?page_limit=51'), 400, 'parameter_invalid', /page_limit/);
    expectError(await call('GET', '/v1.3/assets?page_limit=0'), 400, 'parameter_invalid', /page_limit/);
    expectError(await call('GET', '/v1.3/assets?page=0'), 400, 'parameter_invalid', /page/);
    expectError(await call('GET', '/v1.3/assets?page=x'), 400, 'parameter_invalid', /page/);
    expectError(await call('GET', '/v1.3/assets?asset_types=image&asset_types=pdf'), 400, 'parameter_invalid', /asset_types/);
    const fifty = await call('GET', '/v1.3/assets?page_limit=50');
    expect(fifty.status).toBe(200);
    expect(fifty.json.page_info.limit_per_page).toBe(50);
    const past = await call('GET', '/v1.3/assets?page=99');
    expect(past.status).toBe(200);
    expect(past.json.data).toEqual([]);
    expect(past.json.page_info).toMatchObject({ page: 99, limit_per_page: 10 });
  });

  it('answers 404 resource_not_exist for unknown ids, "assets/" and unknown paths; validates force and metadata bodies', async () => {
    expectError(await call('GET', '/v1.3/assets/'), 404, 'resource_not_exist');
    expectError(await call('GET', '/v1.3/assets/01unknown'), 404, 'resource_not_exist', /01unknown/);
    expectError(await call('GET', '/v1.3/assets/a%2Fb'), 404, 'resource_not_exist', /a\/b/);
    expectError(await call('DELETE', '/v1.3/assets/01unknown'), 404, 'resource_not_exist');
    expectError(await call('GET', '/v1.3/indexes'), 404, 'resource_not_exist');
    const created = await post([{ name: 'method', value: 'direct' }, file(await noiseImage('png', 43), 'meta.png')]);
    const id = created.json._id as string;
    expectError(await call('DELETE', `/v1.3/assets/${id}?force=maybe`), 400, 'parameter_invalid', /force/);
    expectError(await call('PUT', `/v1.3/assets/${id}/user-metadata`, {}), 400, 'parameter_not_provided', /user_metadata/);
    expectError(await call('PUT', `/v1.3/assets/${id}/user-metadata`, { user_metadata: { a: [1] } }), 400, 'parameter_invalid', /user_metadata\.a/);
    expectError(await call('PATCH', `/v1.3/assets/${id}/user-metadata`, '{"user_metadata":'), 400, 'parameter_invalid', /JSON/);
    expectError(await call('PUT', `/v1.3/assets/01unknown/user-metadata`, { user_metadata: { a: 1 } }), 404, 'resource_not_exist');
    const put = await call('PUT', `/v1.3/assets/${id}/user-metadata`, { user_metadata: { a: 1 } });
    expect(put.status).toBe(200);
    expect(put.json.user_metadata).toEqual({ a: 1 });
    const del = await call('DELETE', `/v1.3/assets/${id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
  });

  it('keeps organizations apart', async () => {
    const { admin } = await import('../src/index.js');
    const other = await admin.createOrganization(s.server.config, { name: 'Other' });
    const mine = await post([{ name: 'method', value: 'direct' }, file(await noiseImage('png', 44), 'mine.png')]);
    expect(mine.status).toBe(201);
    const otherKey = { 'x-api-key': other.secretKey };
    expectError(await call('GET', `/v1.3/assets/${mine.json._id}`, undefined, otherKey), 404, 'resource_not_exist');
    expectError(await call('DELETE', `/v1.3/assets/${mine.json._id}`, undefined, otherKey), 404, 'resource_not_exist');
    expect((await call('GET', '/v1.3/assets', undefined, otherKey)).json.data).toEqual([]);
    expect((await call('GET', `/v1.3/assets/${mine.json._id}`)).status).toBe(200);
  });

  it('shows the assets in the Vi media library, names repeated filenames uniquely there, and deleting through Vi removes them', async () => {
    const a = await post([{ name: 'method', value: 'direct' }, file(await noiseImage('png', 45), 'same.png')]);
    const b = await post([{ name: 'method', value: 'direct' }, file(await noiseImage('png', 46), 'same.png')]);
    expect(a.json.filename).toBe('same.png');
    expect(b.json.filename).toBe('same.png');
    const datasets = await s.request('GET', `/workspaces/${s.organizationId}/datasets`);
    const items = (datasets.json.items ?? datasets.json) as any[];
    const libraries = items.filter((d) => d.name === 'Media library');
    expect(libraries).toHaveLength(1);
    const ds = libraries[0].datasetId ?? libraries[0].id;
    const base = `/workspaces/${s.organizationId}/datasets/${ds}/assets`;
    const viA = await s.request('GET', `${base}/${a.json._id}`);
    const viB = await s.request('GET', `${base}/${b.json._id}`);
    expect(viA.json.filename).toBe('same.png');
    expect(viB.json.filename).toBe(`same (${b.json._id}).png`);
    const filtered = await call('GET', '/v1.3/assets?filename=SAME');
    expect(filtered.json.data.map((x: any) => x._id).sort()).toEqual([a.json._id, b.json._id].sort());
    // LIKE wildcards in the filter are plain characters.
    const underscore = await post([{ name: 'method', value: 'direct' }, file(await noiseImage('png', 47), 'a_b%c.png')]);
    await post([{ name: 'method', value: 'direct' }, file(await noiseImage('png', 48), 'axbyc.png')]);
    const literal = await call('GET', `/v1.3/assets?filename=${encodeURIComponent('A_B%')}`);
    expect(literal.json.data.map((x: any) => x._id)).toEqual([underscore.json._id]);
    expect((await s.request('DELETE', `${base}/${b.json._id}`)).status).toBeLessThan(300);
    expectError(await call('GET', `/v1.3/assets/${b.json._id}`), 404, 'resource_not_exist');
  });

  it('works with the documented constructor and TWELVELABS_BASE_URL', async () => {
    const saved = process.env.TWELVELABS_BASE_URL;
    process.env.TWELVELABS_BASE_URL = `${s.url}/v1.3`;
    try {
      const client = new TwelveLabs({ apiKey: s.secretKey });
      const page = await client.assets.list({ pageLimit: 1 });
      expect(page.data).toHaveLength(1);
    } finally {
      if (saved === undefined) delete process.env.TWELVELABS_BASE_URL;
      else process.env.TWELVELABS_BASE_URL = saved;
    }
  });
});

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
