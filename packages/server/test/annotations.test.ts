// Annotation import sessions and annotations of the Vi protocol (§3.4, §5.2, §6.4), end to end on
// a real server: formats, failure policies, per-line problems, list/get/delete, statistics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from './support/dialects.js';
import { startTestServer, type TestServer } from './support/server.js';
import { importAnnotations, jsonl } from './support/annotation-imports.js';
import { newDataset, noiseImage, upload } from './support/uploads.js';

const pg = (filename: string, caption: string, phrases: Array<[string, number, number, number[][]]>, id?: string) => ({
  ...(id ? { id } : {}),
  asset: { type: 'Image', filename, height: 24, width: 32, filepath: null, url: null },
  contents: {
    type: 'PhraseGrounding',
    caption,
    groundedPhrases: phrases.map(([phrase, startTokenIndex, endTokenIndex, bounds]) => ({ phrase, startTokenIndex, endTokenIndex, bounds })),
  },
  category: null,
});

describeEachDialect('annotation import', (dialect) => {
  let s: TestServer;
  let ds: string;
  const assetsBase = () => `/workspaces/${s.organizationId}/datasets/${ds}/assets`;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    ds = await newDataset(s, 'ann');
    await upload(s, ds, [
      { filename: 'cat.jpg', bytes: await noiseImage('jpeg', 1), mime: 'image/jpeg' },
      { filename: 'dog.jpg', bytes: await noiseImage('jpeg', 2), mime: 'image/jpeg' },
    ]);
  });
  afterAll(() => s?.close());

  it('imports the §6.4 line schema from JSON Lines', async () => {
    const final = await importAnnotations(s, ds, [
      { name: 'a.jsonl', bytes: jsonl([pg('cat.jpg', 'a cat on a mat', [['a cat', 0, 2, [[0.1, 0.2, 0.5, 0.7]]]], 'l1')]) },
    ]);
    expect(final.json.status.conditions.map((c: any) => [c.condition, c.status])).toEqual([
      ['FilesInserted', 'Reached'],
      ['Complete', 'Reached'],
    ]);
    expect(final.json.status.files.pageCount).toBe(1);
    expect(final.json.status.annotations.statusCount).toEqual({ Imported: 2 });
    const assets = await s.request('GET', `${assetsBase()}?s=10&sortBy=filename`);
    const cat = assets.json.items.find((a: any) => a.filename === 'cat.jpg');
    expect(cat.metadata.annotations).toEqual({ total: 2, withTag: { 'a cat': 1 } });
    const list = await s.request('GET', `${assetsBase()}/${cat.assetId}/annotations?pageSize=10`);
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(2);
  });
});
