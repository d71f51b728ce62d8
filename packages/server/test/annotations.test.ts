// Annotation import end to end on a real server (§5.2, §6.4, docs/annotations.md): accepted
// formats, per-line problems and their reasons, each failure policy, list paging, and the dataset
// and asset counts under concurrent imports, overwrites and deletes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { announce, createImport, importAnnotations, jsonl, patchStatus, putFile, waitImportDone, type Policies } from './support/annotation-imports.js';
import { openStore } from '../src/store/db.js';
import { describeEachDialect } from './support/dialects.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';
import { unzip } from './support/zip.js';
import { createSession, newDataset, noiseImage, putAll, specOf, upload, waitFinished } from './support/uploads.js';

type Phrase = [string, number, number, number[][]];
const pgLine = (filename: string, caption: string, phrases: Phrase[], id?: string) => ({
  ...(id ? { id } : {}),
  asset: { type: 'Image', filename, height: 24, width: 32, filepath: null, url: null },
  contents: {
    type: 'PhraseGrounding',
    caption,
    groundedPhrases: phrases.map(([phrase, startTokenIndex, endTokenIndex, bounds]) => ({ phrase, startTokenIndex, endTokenIndex, bounds })),
  },
  category: null,
});
const catLine = (id?: string) => pgLine('cat.jpg', 'a cat on a mat', [['a cat', 0, 2, [[0.1, 0.2, 0.5, 0.7]]]], id);

describeEachDialect('annotation import', (dialect) => {
  let s: TestServer;
  const org = () => s.organizationId;
  const dsPath = (ds: string) => `/workspaces/${org()}/datasets/${ds}`;

  /** A dataset with cat.jpg and dog.jpg (32×24); answers its id and the asset ids by filename. */
  async function dataset(type: 'phrase-grounding' | 'vqa' = 'phrase-grounding') {
    const r = await s.request('POST', `/workspaces/${org()}/datasets`, { body: { name: `ds-${type}`, type } });
    expect(r.status).toBe(201);
    const ds: string = r.json.datasetId;
    await upload(s, ds, [
      { filename: 'cat.jpg', bytes: await noiseImage('jpeg', 1), mime: 'image/jpeg' },
      { filename: 'dog.jpg', bytes: await noiseImage('jpeg', 2), mime: 'image/jpeg' },
    ]);
    const assets = await s.request('GET', `${dsPath(ds)}/assets?s=10`);
    const ids: Record<string, string> = Object.fromEntries(assets.json.items.map((a: any) => [a.filename, a.assetId]));
    return { ds, ids };
  }

  async function allAnnotations(ds: string, assetId: string, pageSize = 1000) {
    const out: any[] = [];
    let token: string | null = null;
    do {
      const r: { status: number; json: any } = await s.request('GET', `${dsPath(ds)}/assets/${assetId}/annotations?pageSize=${pageSize}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
      expect(r.status).toBe(200);
      out.push(...r.json.items);
      token = r.json.nextPage;
    } while (token);
    return out;
  }

  const statistic = async (ds: string) => (await s.request('GET', dsPath(ds))).json.statistic;

  /** The statistic recomputed from what the API lists, asset by asset. */
  async function countedThroughApi(ds: string) {
    const assets = (await s.request('GET', `${dsPath(ds)}/assets?s=1000`)).json.items;
    const tagsCount: Record<string, number> = {};
    let annotationTotal = 0;
    let assetAnnotated = 0;
    const names = Object.entries((await s.request('GET', dsPath(ds))).json.tags as Record<string, number>);
    for (const a of assets) {
      const list = await allAnnotations(ds, a.assetId);
      annotationTotal += list.length;
      if (list.length > 0) assetAnnotated++;
      const withTag: Record<string, number> = {};
      for (const x of list) {
        if (x.spec.tag < 0) continue;
        const name = names.find(([, i]) => i === x.spec.tag)![0];
        tagsCount[name] = (tagsCount[name] ?? 0) + 1;
        withTag[name] = (withTag[name] ?? 0) + 1;
      }
      expect(a.metadata.annotations).toEqual({ total: list.length, withTag });
    }
    return { assetTotal: assets.length, annotationTotal, assetAnnotated, tagsCount };
  }

  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s?.close());

  it('JSON Lines in the §6.4 schema: parts, tags, asset counts and dataset statistic', async () => {
    const { ds, ids } = await dataset();
    const final = await importAnnotations(s, ds, [
      {
        name: 'a.jsonl',
        bytes: jsonl([
          catLine('l1'),
          pgLine('dog.jpg', 'a dog and a ball', [['a dog', 0, 2, [[0, 0, 0.5, 0.5], [0.5, 0.5, 1, 1]]], ['a ball', 3, 5, [[0.2, 0.2, 0.3, 0.3]]]]),
        ]),
      },
    ]);
    expect(final.json.status.conditions.map((c: any) => [c.condition, c.status])).toEqual([['FilesInserted', 'Reached'], ['Complete', 'Reached']]);
    expect(final.json.status.annotations.statusCount).toEqual({ Imported: 6 });
    expect(await statistic(ds)).toEqual({ assetTotal: 2, annotationTotal: 6, assetAnnotated: 2, tagsCount: { 'a cat': 1, 'a dog': 2, 'a ball': 1 } });
    expect(await countedThroughApi(ds)).toEqual(await statistic(ds));
    const cat = await allAnnotations(ds, ids['cat.jpg']!);
    expect(cat.map((a) => a.spec.aggregation.whole.id)).toEqual(['l1', 'l1']);
  });

  it('a JSON array, read as a stream, and the snake_case form of the guides (asset_id = id or filename)', async () => {
    const { ds, ids } = await dataset();
    const array = Buffer.from(
      JSON.stringify([
        { asset_id: ids['cat.jpg'], caption: 'A cat, sleeping.', grounded_phrases: [{ phrase: 'cat', bbox: [0.1, 0.1, 0.9, 0.9] }] },
        // Pixel boxes (any value above 1) are divided by the image's size (32×24).
        { asset_id: 'dog.jpg', caption: 'the brown dog runs', grounded_phrases: [{ phrase: 'brown dog', bbox: [8, 6, 16, 12] }] },
        catLine(),
      ]),
    );
    const final = await importAnnotations(s, ds, [{ name: 'anns.json', bytes: array }]);
    expect(final.json.status.annotations.statusCount).toEqual({ Imported: 6 });
    const dogBox = (await allAnnotations(ds, ids['dog.jpg']!)).find((a) => a.spec.contents.kind === 'PhraseGroundingBoundingBox');
    expect(dogBox.spec.contents.bound).toEqual([[0.25, 0.25], [0.5, 0.25], [0.5, 0.5], [0.25, 0.5]]);
    // Token indices are derived from the caption when absent: words, end exclusive.
    expect(dogBox.spec.contents.target).toEqual([1, 3]);
    const catBox = (await allAnnotations(ds, ids['cat.jpg']!)).find((a) => a.spec.contents.target?.[0] === 1);
    expect(catBox.spec.contents.target).toEqual([1, 2]);
  });

  it('a JSON array element longer than 4 MiB is a LineTooLong problem (its bytes skipped), and the elements around it are imported', async () => {
    const { ds } = await dataset();
    const huge = { asset_id: 'cat.jpg', caption: `a cat ${'x'.repeat(4 * 1024 * 1024)}`, grounded_phrases: [{ phrase: 'cat', bbox: [0.1, 0.1, 0.9, 0.9] }] };
    const array = Buffer.from(JSON.stringify([catLine('before'), huge, { asset_id: 'dog.jpg', caption: 'a dog', grounded_phrases: [{ phrase: 'dog', bbox: [0, 0, 1, 1] }] }]));
    const final = await importAnnotations(s, ds, [{ name: 'big.json', bytes: array }], { onBadAnnotation: 'Warn' });
    expect(final.json.status.conditions.every((c: any) => c.status === 'Reached')).toBe(true);
    expect(final.json.status.problems).toEqual([{ file: 'big.json', line: 2, reason: 'LineTooLong', message: expect.stringMatching(/longer than 4194304 bytes/) }]);
    expect(final.json.status.annotations.statusCount).toEqual({ Imported: 4 });
  });

  it('a JSON array that is not well formed is a MalformedFile, whatever its elements', async () => {
    const { ds } = await dataset();
    for (const text of ['[{"a":1},,{"b":2}]', `[${JSON.stringify(catLine())}`, `[${JSON.stringify(catLine())}] trailing`, '[{"a": tru}]']) {
      const final = await importAnnotations(s, ds, [{ name: 'bad.json', bytes: Buffer.from(text) }], { onBadFile: 'Warn' });
      expect(final.json.status.problems.map((p: any) => [p.line, p.reason]), text).toEqual([[null, 'MalformedFile']]);
      expect(final.json.status.annotations.statusCount, text).toEqual({});
    }
  });

  it('VQA: the §6.4 schema and the snake_case question/answer form', async () => {
    const { ds, ids } = await dataset('vqa');
    const final = await importAnnotations(s, ds, [
      {
        name: 'vqa.jsonl',
        bytes: jsonl([
          { id: 'q1', asset: { type: 'Image', filename: 'cat.jpg', height: 24, width: 32 }, contents: { type: 'Vqa', interactions: [{ order: 0, question: 'What animal?', answer: 'A cat' }, { order: 1, question: 'Color?', answer: 'Grey' }] } },
          { asset_id: 'dog.jpg', contents: { question: 'What animal?', answer: 'A dog' } },
        ]),
      },
    ]);
    expect(final.json.status.annotations.statusCount).toEqual({ Imported: 3 });
    const cat = await allAnnotations(ds, ids['cat.jpg']!);
    expect(cat.map((a) => a.spec.contents)).toEqual([
      { kind: 'Caption', contents: 'Q: What animal?\nA: A cat' },
      { kind: 'Caption', contents: 'Q: Color?\nA: Grey' },
    ]);
    expect(await statistic(ds)).toEqual({ assetTotal: 2, annotationTotal: 3, assetAnnotated: 2, tagsCount: {} });
  });

  it('bad lines are reported one by one with their reason; Warn imports the rest', async () => {
    const { ds } = await dataset();
    await importAnnotations(s, ds, [{ name: 'existing.jsonl', bytes: jsonl([catLine('taken')]) }]);
    const lines: Array<[unknown, string]> = [
      [catLine('ok1'), ''],
      ['{not json', 'InvalidJson'],
      [[1, 2], 'NotAnObject'],
      [{ contents: { type: 'PhraseGrounding', caption: 'x', groundedPhrases: [] } }, 'MissingAsset'],
      [pgLine('missing.jpg', 'a cat', []), 'AssetNotFound'],
      [{ asset: { filename: 'cat.jpg' }, contents: { type: 'Polygon' } }, 'UnsupportedType'],
      [{ asset_id: 'cat.jpg', question: 'q?', answer: 'a' }, 'WrongDatasetType'],
      [{ asset_id: 'cat.jpg', caption: 42 }, 'InvalidField'],
      [pgLine('cat.jpg', 'a cat', [['a cat', 0, 2, [[0.5, 0.5, 0.1, 0.9]]]]), 'InvalidBox'],
      [pgLine('cat.jpg', 'a cat', [['a cat', 0, 2, [[0, 0, 64, 10]]]]), 'InvalidBox'],
      [{ asset_id: 'cat.jpg', caption: 'a dog', grounded_phrases: [{ phrase: 'cat', bbox: [0, 0, 1, 1] }] }, 'PhraseNotInCaption'],
      [pgLine('cat.jpg', 'a cat', [['a cat', 2, 1, [[0, 0, 1, 1]]]]), 'InvalidTokenSpan'],
      [catLine('ok1'), 'DuplicateId'],
      [catLine('taken'), 'Overwrites'],
      ['', ''],
      [catLine('ok2'), ''],
    ];
    const text = lines.map(([l]) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n' + `{"pad": "${'x'.repeat(4 * 1024 * 1024)}"}\n`;
    const final = await importAnnotations(s, ds, [{ name: 'mixed.jsonl', bytes: Buffer.from(text) }], { onBadAnnotation: 'Warn', onOverwritten: 'Warn' });
    expect(final.json.status.conditions.every((c: any) => c.status === 'Reached')).toBe(true);
    const expected = lines.flatMap(([, reason], i) => (reason ? [{ file: 'mixed.jsonl', line: i + 1, reason }] : []));
    expected.push({ file: 'mixed.jsonl', line: lines.length + 1, reason: 'LineTooLong' });
    expect(final.json.status.problems.map((p: any) => ({ file: p.file, line: p.line, reason: p.reason }))).toEqual(expected);
    expect(final.json.status.problems.every((p: any) => p.message.length > 0)).toBe(true);
    expect(final.json.status.problemCount).toBe(expected.length);
    // ok1, ok2 and the overwrite of "taken" (Warn replaces): 3 × 2 parts.
    expect(final.json.status.annotations.statusCount).toEqual({ Imported: 6 });
    expect((await statistic(ds)).annotationTotal).toBe(6);
  });

  it('onBadAnnotation: RejectFile drops the file, RejectSession changes nothing', async () => {
    const { ds } = await dataset();
    const good = { name: 'good.jsonl', bytes: jsonl([catLine()]) };
    const bad = { name: 'bad.jsonl', bytes: jsonl([pgLine('dog.jpg', 'a dog', []), '{oops']) };
    const rf = await importAnnotations(s, ds, [good, bad], { onBadAnnotation: 'RejectFile' });
    expect(rf.json.status.conditions.every((c: any) => c.status === 'Reached')).toBe(true);
    expect(rf.json.status.files.statusCount).toEqual({ Imported: 1, Rejected: 1 });
    expect(rf.json.status.annotations.statusCount).toEqual({ Imported: 2 });
    const before = await statistic(ds);
    expect(before).toMatchObject({ annotationTotal: 2, assetAnnotated: 1 });

    const rs = await importAnnotations(s, ds, [good, bad], { onBadAnnotation: 'RejectSession' });
    const complete = rs.json.status.conditions.find((c: any) => c.condition === 'Complete');
    expect(complete.status).toBe('FailedReach');
    expect(complete.reason ?? null).toBeNull();
    expect(complete.message).toMatch(/bad\.jsonl line 2/);
    expect(rs.json.status.annotations.statusCount).toEqual({});
    expect(rs.json.status.files.statusCount).toEqual({ Rejected: 2 });
    expect(await statistic(ds)).toEqual(before);
  });

  it('onBadFile: a wrong checksum is read under Warn, dropped under RejectFile, fatal under RejectSession; a missing or malformed file', async () => {
    const { ds } = await dataset();
    const wrongCrc = async (policies: Policies) => {
      const created = await createImport(s, ds, policies);
      const id = created.json.annotationImportSessionId;
      const bytes = jsonl([catLine()]);
      const other = { name: 'other.jsonl', bytes: jsonl([pgLine('dog.jpg', 'a dog', [])]) };
      const announced = await announce(s, ds, id, [
        { name: 'x.jsonl', bytes, crc32c: 'AAAAAA==' },
        { name: 'never.jsonl', bytes },
        other,
        { name: 'short.jsonl', bytes, sizeBytes: bytes.length + 5 },
      ]);
      expect((await putFile(announced.json.files['x.jsonl'], bytes)).status).toBe(200);
      expect((await putFile(announced.json.files['other.jsonl'], other.bytes)).status).toBe(200);
      expect((await putFile(announced.json.files['short.jsonl'], bytes)).status).toBe(200);
      expect((await patchStatus(s, ds, id, {})).status).toBe(200);
      return (await waitImportDone(s, ds, id)).json;
    };
    const warn = await wrongCrc({ onBadFile: 'Warn' });
    expect(warn.status.files.statusCount).toEqual({ Imported: 3, Skipped: 1 });
    expect(warn.status.problems.map((p: any) => [p.file, p.line, p.reason])).toEqual([
      ['x.jsonl', null, 'ChecksumMismatch'],
      ['never.jsonl', null, 'NotUploaded'],
      ['short.jsonl', null, 'SizeMismatch'],
    ]);
    expect(warn.status.annotations.statusCount).toEqual({ Imported: 5 });

    const rejectFile = await wrongCrc({ onBadFile: 'RejectFile' });
    expect(rejectFile.status.files.statusCount).toEqual({ Imported: 1, Rejected: 3 });
    expect(rejectFile.status.annotations.statusCount).toEqual({ Imported: 1 });

    const before = await statistic(ds);
    const rejectSession = await wrongCrc({ onBadFile: 'RejectSession' });
    expect(rejectSession.status.conditions.find((c: any) => c.condition === 'Complete').status).toBe('FailedReach');
    expect(rejectSession.status.annotations.statusCount).toEqual({});
    expect(await statistic(ds)).toEqual(before);

    const malformed = await importAnnotations(s, ds, [{ name: 'broken.json', bytes: Buffer.from(`[${JSON.stringify(catLine())}, {"a": `) }, { name: 'fine.jsonl', bytes: jsonl([catLine()]) }], { onBadFile: 'Warn' });
    expect(malformed.json.status.problems.map((p: any) => p.reason)).toEqual(['MalformedFile']);
    expect(malformed.json.status.files.statusCount).toEqual({ Imported: 1, Skipped: 1 });
    expect(malformed.json.status.annotations.statusCount).toEqual({ Imported: 2 });
  });

  it('onBadFile Warn: a file found malformed after whole batches were read is skipped entirely', async () => {
    const { ds, ids } = await dataset();
    // More than one batch (500 entries) of good elements, then a syntax error.
    const good = Array.from({ length: 600 }, () => JSON.stringify(catLine())).join(',');
    const r = await importAnnotations(s, ds, [{ name: 'long-broken.json', bytes: Buffer.from(`[${good}, {"a": `) }, { name: 'fine.jsonl', bytes: jsonl([catLine()]) }], {
      onBadFile: 'Warn',
    });
    expect(r.json.status.problems.map((p: any) => p.reason)).toEqual(['MalformedFile']);
    expect(r.json.status.files.statusCount).toEqual({ Imported: 1, Skipped: 1 });
    expect(r.json.status.annotations.statusCount).toEqual({ Imported: 2 });
    expect(await allAnnotations(ds, ids['cat.jpg']!)).toHaveLength(2);
  });

  it('onOverwritten: Warn replaces the annotation with the same id, RejectFile and RejectSession keep it', async () => {
    const { ds, ids } = await dataset();
    await importAnnotations(s, ds, [{ name: 'v1.jsonl', bytes: jsonl([catLine('same')]) }]);
    const v2 = jsonl([pgLine('cat.jpg', 'a grey cat', [['grey cat', 1, 3, [[0, 0, 1, 1]]]], 'same')]);
    const extra = { name: 'extra.jsonl', bytes: jsonl([pgLine('dog.jpg', 'a dog', [])]) };
    const captions = async () => (await allAnnotations(ds, ids['cat.jpg']!)).filter((a) => a.spec.contents.kind === 'Caption').map((a) => a.spec.contents.contents);

    const rf = await importAnnotations(s, ds, [{ name: 'v2.jsonl', bytes: v2 }, extra], { onOverwritten: 'RejectFile' });
    expect(rf.json.status.files.statusCount).toEqual({ Imported: 1, Rejected: 1 });
    expect(await captions()).toEqual(['a cat on a mat']);
    const rs = await importAnnotations(s, ds, [{ name: 'v2.jsonl', bytes: v2 }], { onOverwritten: 'RejectSession' });
    expect(rs.json.status.conditions.some((c: any) => c.status === 'FailedReach')).toBe(true);
    expect(await captions()).toEqual(['a cat on a mat']);
    const warn = await importAnnotations(s, ds, [{ name: 'v2.jsonl', bytes: v2 }], { onOverwritten: 'Warn' });
    expect(warn.json.status.problems.map((p: any) => p.reason)).toEqual(['Overwrites']);
    expect(await captions()).toEqual(['a grey cat']);
    expect(await statistic(ds)).toEqual({ assetTotal: 2, annotationTotal: 3, assetAnnotated: 2, tagsCount: { 'grey cat': 1 } });
  });

  it('round trip: imported lines come back unchanged from a ViJsonl export (§6.4)', async () => {
    const { ds } = await dataset();
    const imported = [
      pgLine('cat.jpg', 'a cat on a mat', [['a cat', 0, 2, [[0.1, 0.2, 0.5, 0.7], [0.6, 0.1, 0.9, 0.4]]], ['a mat', 3, 5, [[0, 0.5, 1, 1]]]], 'rt1'),
      pgLine('dog.jpg', 'a dog', [['a dog', 0, 2, [[0.25, 0.25, 0.75, 0.75]]]], 'rt2'),
    ];
    await importAnnotations(s, ds, [{ name: 'rt.jsonl', bytes: jsonl(imported) }]);
    const created = await s.request('POST', `${dsPath(ds)}/datasetExports`, { body: { spec: { format: 'ViJsonl', options: { normalized: true, splitRatio: null } } } });
    expect(created.status).toBe(200);
    const done = await waitFor(async () => {
      const r = await s.request('GET', `${dsPath(ds)}/datasetExports/${created.json.datasetExportId}`);
      return r.json.status.conditions.some((c: any) => c.condition === 'Finished' && c.status !== 'Waiting') ? r.json : undefined;
    }, 'export');
    const archive = await unzip(Buffer.from(await (await fetch(done.status.downloadUrl.url)).arrayBuffer()));
    const exported = ['dump/annotations/cat.jsonl', 'dump/annotations/dog.jsonl'].flatMap((name) =>
      archive.entries.get(name)!.toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)),
    );
    expect(exported).toEqual(imported);
  });

  it('annotations list pages with pageToken/pageSize; a bad token is 400', async () => {
    const { ds, ids } = await dataset();
    const lines = Array.from({ length: 12 }, (_, i) => catLine(`p${i}`)); // 24 parts
    await importAnnotations(s, ds, [{ name: 'many.jsonl', bytes: jsonl(lines) }]);
    const paged = await allAnnotations(ds, ids['cat.jpg']!, 10);
    expect(paged).toHaveLength(24);
    expect(new Set(paged.map((a) => a.annotationId)).size).toBe(24);
    const first = await s.request('GET', `${dsPath(ds)}/assets/${ids['cat.jpg']}/annotations?pageSize=10`);
    expect(first.json.items).toHaveLength(10);
    expect(typeof first.json.nextPage).toBe('string');
    const last = await s.request('GET', `${dsPath(ds)}/assets/${ids['cat.jpg']}/annotations?pageSize=24`);
    expect(last.json.nextPage).toBeNull();
    expect((await s.request('GET', `${dsPath(ds)}/assets/${ids['cat.jpg']}/annotations?pageToken=garbage`)).status).toBe(400);
    expect((await s.request('GET', `${dsPath(ds)}/assets/${ids['cat.jpg']}/annotations?pageSize=0`)).status).toBe(400);
    const empty = await s.request('GET', `${dsPath(ds)}/assets/${ids['dog.jpg']}/annotations`);
    expect(empty.json).toEqual({ items: [], nextPage: null, prevPage: null });
  });

  it('statistic and asset counts stay exact under concurrent imports, deletes and overwrites', async () => {
    const { ds, ids } = await dataset();
    const extra = await Promise.all(Array.from({ length: 6 }, async (_, i) => ({ filename: `img${i}.jpg`, bytes: await noiseImage('jpeg', 100 + i), mime: 'image/jpeg' })));
    await upload(s, ds, extra);
    const names = ['cat.jpg', 'dog.jpg', ...extra.map((e) => e.filename)];
    const file = (k: number) => ({
      name: `f${k}.jsonl`,
      bytes: jsonl(names.map((n, j) => pgLine(n, `thing ${k} here`, [[`thing ${k}`, 0, 2, [[0.1, 0.1, 0.2, 0.2 + j / 100]]]]))),
    });
    // Six imports at once, while annotations are deleted, one asset is deleted and one overwritten.
    const imports = Array.from({ length: 6 }, (_, k) => importAnnotations(s, ds, [file(k)], { onOverwritten: 'Warn', onBadAnnotation: 'Warn' }));
    const churn = (async () => {
      await s.request('DELETE', `${dsPath(ds)}/assets/${ids['dog.jpg']}`);
      const created = await createSession(s, ds, [specOf(extra[0]!)], { onAssetOverwritten: 'RemoveLinkedResource' });
      const replaced = { ...extra[0]!, bytes: await noiseImage('jpeg', 999) };
      const again = await createSession(s, ds, [specOf(replaced)], { onAssetOverwritten: 'RemoveLinkedResource' });
      await putAll(again.json, [replaced]);
      await waitFinished(s, ds, again.json.assetIngestionSessionId);
      void created;
      const some = await allAnnotations(ds, ids['cat.jpg']!);
      for (const a of some.slice(0, 3)) await s.request('DELETE', `${dsPath(ds)}/assets/${ids['cat.jpg']}/annotations/${a.annotationId}`);
    })();
    const results = await Promise.all([...imports, churn]);
    for (const r of results.slice(0, 6)) expect((r as any).json.status.conditions.every((c: any) => c.status === 'Reached')).toBe(true);
    const stat = await statistic(ds);
    expect(await countedThroughApi(ds)).toEqual(stat);
    expect(stat.assetTotal).toBe(7);
    // No annotation outlives its asset, and nothing stays staged.
    const store = await openStore(s.database.config);
    try {
      const orphans = await store.db
        .selectFrom('annotations')
        .select('id')
        .where((eb) => eb.not(eb.exists(eb.selectFrom('assets').select('assets.id').whereRef('assets.id', '=', 'annotations.asset_id'))))
        .execute();
      expect(orphans).toEqual([]);
      expect(await store.db.selectFrom('annotation_import_rows').select('id').execute()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
