// Annotation endpoints and annotation import sessions checked against the Vi protocol as the Python
// vi-sdk decodes them (§3.4, §5.2, §7, §8.3), including the condition rules of the status PATCH.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { crcBase64, announce, createImport, importAnnotations, importsPath, jsonl, patchStatus, putFile, waitImportDone } from './support/annotation-imports.js';
import { describeEachDialect } from './support/dialects.js';
import { startTestServer, type TestServer } from './support/server.js';
import { check, parseRaw, type Shape } from './support/strict-json.js';
import { newDataset, noiseImage, upload } from './support/uploads.js';
import * as va from './support/vi-annotation-spec.js';
import * as vi from './support/vi-spec.js';

const line = (filename: string, id?: string) => ({
  ...(id ? { id } : {}),
  asset: { filename, height: 24, width: 32 },
  contents: { type: 'PhraseGrounding', caption: 'a cat on a mat', groundedPhrases: [{ phrase: 'a cat', startTokenIndex: 0, endTokenIndex: 2, bounds: [[0.1, 0.2, 0.5, 0.7]] }] },
});

describeEachDialect('Vi protocol conformance: annotations', (dialect) => {
  let s: TestServer;
  let ds: string;
  let assetId: string;
  const shapeOf = (text: string, shape: Shape) => check(parseRaw(text), shape);
  const annotationsOf = (asset: string) => `/workspaces/${s.organizationId}/datasets/${ds}/assets/${asset}/annotations`;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    ds = await newDataset(s, 'conformance');
    await upload(s, ds, [{ filename: 'cat.jpg', bytes: await noiseImage('jpeg', 1), mime: 'image/jpeg' }]);
    assetId = (await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}/assets?s=10`)).json.items[0].assetId;
  });
  afterAll(() => s?.close());

  it('import session: every step answers the shapes of §5.2, files keep the order and names sent', async () => {
    const created = await createImport(s, ds);
    expect(created.status).toBe(200);
    expect(shapeOf(created.text, va.AnnotationImportSession)).toEqual([]);
    expect(created.json.status.conditions).toEqual([]);
    expect(created.json.status.files).toEqual({ pageCount: 0, totalSizeBytes: 0, statusCount: {} });
    const id = created.json.annotationImportSessionId;
    expect(created.json.selfLink).toBe(`${importsPath(s, ds)}/${id}`);

    const names = ['z.jsonl', 'a b.json', 'm.jsonl'];
    const files = names.map((name, i) => ({ name, bytes: jsonl([line('cat.jpg', `c${i}`)]) }));
    const announced = await announce(s, ds, id, files);
    expect(announced.status).toBe(200);
    expect(shapeOf(announced.text, va.AnnotationImportFilesResponse)).toEqual([]);
    expect(Object.keys(announced.json.files)).toEqual(names);
    for (const [i, f] of files.entries()) expect((await putFile(announced.json.files[f.name], files[i]!.bytes)).status).toBe(200);

    const patched = await patchStatus(s, ds, id, {});
    expect(patched.status).toBe(200);
    expect(shapeOf(patched.text, va.AnnotationImportSession)).toEqual([]);
    const final = await waitImportDone(s, ds, id);
    expect(shapeOf(final.text, va.AnnotationImportSession)).toEqual([]);
    expect(final.json.status.conditions.every((c: any) => c.status === 'Reached')).toBe(true);
    expect(final.json.status.files.pageCount).toBe(3);
    expect(final.json.status.files.statusCount).toEqual({ Imported: 3 });
    expect(final.json.status.files.totalSizeBytes).toBe(files.reduce((n, f) => n + f.bytes.length, 0));
    expect(Object.values(final.json.status.annotations.statusCount).reduce((a: number, b) => a + (b as number), 0)).toBe(6);
  });

  it('annotations: list, get, delete answer §3.4 shapes; delete is an empty 204', async () => {
    const list = await s.request('GET', `${annotationsOf(assetId)}?pageSize=10`);
    expect(list.status).toBe(200);
    expect(shapeOf(list.text, vi.Pagination(va.Annotation))).toEqual([]);
    const box = list.json.items.find((a: any) => a.spec.contents.kind === 'PhraseGroundingBoundingBox');
    expect(box.spec.contents.bound).toEqual([[0.1, 0.2], [0.5, 0.2], [0.5, 0.7], [0.1, 0.7]]);
    expect(box.spec.contents.target).toEqual([0, 2]);
    expect(box.spec.aggregation.thisPart.role).toBe('PhraseGroundingBoundingBox');
    const caption = list.json.items.find((a: any) => a.spec.aggregation.whole.id === box.spec.aggregation.whole.id && a.spec.contents.kind === 'Caption');
    expect(caption.spec.contents.contents).toBe('a cat on a mat');
    const dataset = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}`);
    expect(dataset.json.tags[`a cat`]).toBe(box.spec.tag);

    const one = await s.request('GET', `${annotationsOf(assetId)}/${box.annotationId}`);
    expect(one.status).toBe(200);
    expect(shapeOf(one.text, va.Annotation)).toEqual([]);
    const del = await s.request('DELETE', `${annotationsOf(assetId)}/${box.annotationId}`, { headers: { 'content-type': 'application/json' } });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await s.request('GET', `${annotationsOf(assetId)}/${box.annotationId}`)).status).toBe(404);
    expect((await s.request('DELETE', `${annotationsOf(assetId)}/${box.annotationId}`)).status).toBe(404);
  });

  it('404 for unknown datasets, assets, annotations and sessions, in the §7 envelope', async () => {
    const missingDs = `/workspaces/${s.organizationId}/datasets/${s.organizationId}_nope/annotationImportSessions`;
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['GET', `${annotationsOf('missing')}?pageSize=10`, {}],
      ['GET', `${annotationsOf(assetId)}/missing`, {}],
      ['DELETE', `${annotationsOf(assetId)}/missing`, {}],
      ['POST', missingDs, { body: { spec: { uploadBefore: Date.now() + 60_000 } } }],
      ['GET', `${importsPath(s, ds)}/missing`, {}],
      ['POST', `${importsPath(s, ds)}/missing/files`, { body: { files: { 'a.jsonl': { sizeBytes: 1, crc32c: 'AAAAAA==' } } } }],
      ['PATCH', `${importsPath(s, ds)}/missing/status`, { body: { status: { conditions: [{ condition: 'FilesInserted', status: 'Reached', lastTransitionTime: 1 }] } } }],
    ];
    for (const [method, path, options] of cases) {
      const r = await s.request(method, path, options);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(shapeOf(r.text, vi.ErrorEnvelope)).toEqual([]);
    }
  });

  it('condition rules of PATCH …/status, and what files may be announced', async () => {
    const created = await createImport(s, ds);
    const id = created.json.annotationImportSessionId;
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ condition: 'Complete' }, /Only the FilesInserted/],
      [{ status: 'Waiting' }, /Reached .* or FailedReach/],
      [{ status: 'FailedReach', reason: 'Timeout' }, /CancelledByUser or UserUploadErrored/],
      [{ status: 'Reached', reason: 'UserUploadErrored' }, /only with FailedReach/],
      [{}, /Announce and upload files/],
    ];
    for (const [condition, message] of bad) {
      const r = await patchStatus(s, ds, id, condition);
      expect(r.status, JSON.stringify(condition)).toBe(400);
      expect(r.json.message).toMatch(message);
    }
    const badFiles: Array<[unknown, number]> = [
      [{}, 400],
      [{ 'a.jsonl': { sizeBytes: 3, crc32c: 'not-base64' } }, 400],
      [{ 'a.jsonl': { sizeBytes: 3, crc32c: 'AAAA' } }, 400],
      [{ 'dir/a.jsonl': { sizeBytes: 3, crc32c: 'AAAAAA==' } }, 400],
      [{ 'a.jsonl': { sizeBytes: -1, crc32c: 'AAAAAA==' } }, 400],
      [{ 'a.jsonl': { sizeBytes: 1e12, crc32c: 'AAAAAA==' } }, 413],
    ];
    for (const [files, status] of badFiles) {
      const r = await s.request('POST', `${importsPath(s, ds)}/${id}/files`, { body: { files } });
      expect(r.status, JSON.stringify(files)).toBe(status);
      expect(shapeOf(r.text, vi.ErrorEnvelope)).toEqual([]);
    }
    const bytes = jsonl([line('cat.jpg')]);
    const announced = await announce(s, ds, id, [{ name: 'a.jsonl', bytes }]);
    expect(announced.status).toBe(200);
    // The signature is the credential of the PUT: a tampered URL is refused.
    const url = new URL(announced.json.files['a.jsonl'].url);
    url.searchParams.set('signature', 'x'.repeat(43));
    expect((await fetch(url, { method: 'PUT', body: new Uint8Array(bytes) })).status).toBe(403);
    expect((await putFile(announced.json.files['a.jsonl'], bytes)).status).toBe(200);

    // Giving up: FailedReach with the SDK's reason; a repeat is accepted, a different report is a conflict.
    const gaveUp = await patchStatus(s, ds, id, { status: 'FailedReach', reason: 'UserUploadErrored' });
    expect(gaveUp.status).toBe(200);
    expect(shapeOf(gaveUp.text, va.AnnotationImportSession)).toEqual([]);
    expect(gaveUp.json.status.conditions).toEqual([
      expect.objectContaining({ condition: 'FilesInserted', status: 'FailedReach', reason: 'UserUploadErrored' }),
    ]);
    expect((await patchStatus(s, ds, id, { status: 'FailedReach', reason: 'UserUploadErrored' })).status).toBe(200);
    expect((await patchStatus(s, ds, id, {})).status).toBe(409);
    expect((await announce(s, ds, id, [{ name: 'b.jsonl', bytes }])).status).toBe(409);
    expect((await putFile(announced.json.files['a.jsonl'], bytes)).status).toBe(409);
  });

  it('a session whose uploadBefore passes without FilesInserted ends FailedReach (no reason) and imports nothing', async () => {
    const created = await s.request('POST', importsPath(s, ds), { body: { spec: { uploadBefore: Date.now() + 1500 } } });
    expect(created.status).toBe(200);
    expect(created.json.spec.failurePolicies).toEqual({ onBadAnnotation: 'RejectSession', onBadFile: 'RejectSession', onOverwritten: 'RejectSession' });
    const final = await waitImportDone(s, ds, created.json.annotationImportSessionId);
    expect(shapeOf(final.text, va.AnnotationImportSession)).toEqual([]);
    expect(final.json.status.conditions).toHaveLength(1);
    expect(final.json.status.conditions[0]).toMatchObject({ condition: 'FilesInserted', status: 'FailedReach' });
    expect(final.json.status.conditions[0].reason ?? null).toBeNull();
    // Files announced now are refused with the reason it ended (not "FilesInserted was already reported").
    const late = await announce(s, ds, created.json.annotationImportSessionId, [{ name: 'late.jsonl', bytes: jsonl([line('cat.jpg')]) }]);
    expect(late.status).toBe(409);
    expect(late.json.message).toMatch(/has ended \(expired\): FilesInserted was not reported before uploadBefore/);
    const past = await s.request('POST', importsPath(s, ds), { body: { spec: { uploadBefore: Date.now() - 1000 } } });
    expect(past.status).toBe(400);
  });

  it('a file may be PUT again before FilesInserted (the last bytes count); announcing it again with other contents asks for them again', async () => {
    const created = await createImport(s, ds);
    const id = created.json.annotationImportSessionId;
    const good = jsonl([line('cat.jpg')]);
    const garbage = Buffer.from('{not json at all\n');
    const first = await announce(s, ds, id, [{ name: 'a.jsonl', bytes: garbage }]);
    expect((await putFile(first.json.files['a.jsonl'], garbage)).status).toBe(200);
    const again = await announce(s, ds, id, [{ name: 'a.jsonl', bytes: good }]);
    expect(Object.keys(again.json.files)).toEqual(['a.jsonl']);
    const waiting = await s.request('GET', `${importsPath(s, ds)}/${id}`);
    expect(waiting.json.status.files.statusCount).toEqual({ Awaiting: 1 });
    expect((await putFile(again.json.files['a.jsonl'], garbage)).status).toBe(200);
    expect((await putFile(again.json.files['a.jsonl'], good)).status).toBe(200);
    expect((await patchStatus(s, ds, id, {})).status).toBe(200);
    const final = await waitImportDone(s, ds, id);
    expect(final.json.status.conditions.every((c: any) => c.status === 'Reached')).toBe(true);
    expect(final.json.status.problems).toEqual([]);
    expect(final.json.status.annotations.statusCount).toEqual({ Imported: 2 });
  });

  it('the whole SDK flow imports, and the CRC32C is checked as base64 of the big-endian digest', async () => {
    const bytes = Buffer.from('hello world');
    expect(crcBase64(bytes)).toBe('yZRlqg==');
    const final = await importAnnotations(s, ds, [{ name: 'x.jsonl', bytes: jsonl([line('cat.jpg')]) }]);
    expect(final.json.status.files.pageCount).toBeGreaterThan(0);
  });
});
