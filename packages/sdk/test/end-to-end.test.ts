// The seeds' main flow against a real Vireo server: upload images, import annotations, list/get/
// delete annotations, export and download the dataset (real archive, real ranged GETs).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect, tempDir } from '../../server/test/support/dialects.js';
import { startTestServer, type TestServer } from '../../server/test/support/server.js';
import { noiseImage } from '../../server/test/support/uploads.js';
import { Client, DatasetExportFormat, ViNotFoundError } from '../src/node/index.js';

const line = (filename: string, caption: string) => ({
  asset: { type: 'Image', filename, height: 24, width: 32, filepath: null, url: null },
  contents: { type: 'PhraseGrounding', caption, groundedPhrases: [{ phrase: caption.split(' ').slice(0, 2).join(' '), startTokenIndex: 0, endTokenIndex: 2, bounds: [[0.1, 0.2, 0.5, 0.7]] }] },
  category: null,
});

describeEachDialect('@vireo/sdk end to end', (dialect) => {
  let s: TestServer;
  let client: Client;
  let work: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    client = new Client({ secretKey: s.secretKey, organizationId: s.organizationId, endpoint: s.url, pollIntervalMs: 50 });
    work = tempDir('vireo-sdk-e2e-');
  });
  afterAll(async () => {
    await s?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('upload images and annotations, read annotations, export and download the dataset', async () => {
    const ds = await client.datasets.create({ name: 'e2e' });
    const images = path.join(work, 'images');
    fs.mkdirSync(images);
    const names = ['cat.png', 'dog.png', 'owl.png'];
    for (const [i, n] of names.entries()) fs.writeFileSync(path.join(images, n), await noiseImage('png', 900 + i));
    const up = await client.assets.upload({ datasetId: ds.datasetId, paths: images, showProgress: false });
    expect(up.totalSucceeded).toBe(3);

    const anns = path.join(work, 'annotations');
    fs.mkdirSync(anns);
    fs.writeFileSync(path.join(anns, 'all.jsonl'), names.map((n) => JSON.stringify(line(n, `a ${n.slice(0, 3)} in the garden`))).join('\n') + '\n');
    const imported = await client.annotations.upload({ datasetId: ds.datasetId, paths: anns, showProgress: false });
    expect(imported.isDone).toBe(true);
    expect(imported.status.files.pageCount).toBeGreaterThan(0);

    const cat = (await client.assets.list({ datasetId: ds.datasetId, filterCriteria: 'filename:cat.png' })).items[0]!;
    expect(cat.filename).toBe('cat.png');
    const list = await client.annotations.list({ datasetId: ds.datasetId, assetId: cat.assetId });
    expect(list.items.length).toBeGreaterThanOrEqual(2); // a caption and a box
    const all: string[] = [];
    for await (const a of client.annotations.list({ datasetId: ds.datasetId, assetId: cat.assetId, pagination: { pageSize: 1 } }).allItems()) all.push(a.annotationId);
    expect(all).toEqual(list.items.map((a) => a.annotationId));
    const first = await client.annotations.get({ datasetId: ds.datasetId, assetId: cat.assetId, annotationId: all[0]! });
    expect(first.assetId).toBe(cat.assetId);
    expect(first.datasetId).toBe(ds.datasetId);

    const exp = await client.datasets.createExport({ datasetId: ds.datasetId, exportSettings: { format: DatasetExportFormat.VI_FULL } });
    const ready = await client.datasets.waitForExport({ datasetId: ds.datasetId, datasetExportId: exp.datasetExportId });
    expect(ready.isReady).toBe(true);
    expect((await client.datasets.listExports({ datasetId: ds.datasetId })).items.map((e) => e.datasetExportId)).toContain(exp.datasetExportId);

    const save = path.join(work, 'data');
    const dl = await client.datasets.download({ datasetId: ds.datasetId, datasetExportId: exp.datasetExportId, saveDir: save, showProgress: false, chunkSizeBytes: 1024 });
    expect(dl.splits).toEqual(['dump']);
    expect(dl.assetsCount).toBe(3);
    expect(dl.annotationsCount).toBeGreaterThanOrEqual(3);
    expect(fs.readFileSync(path.join(dl.saveDir, 'dump', 'images', 'cat.png'))).toEqual(fs.readFileSync(path.join(images, 'cat.png')));
    const again = await client.getDataset({ datasetId: ds.datasetId, savePath: save, showProgress: false });
    expect(again.downloaded).toBe(false);

    await client.annotations.delete({ datasetId: ds.datasetId, assetId: cat.assetId, annotationId: all[0]! });
    await expect(client.annotations.get({ datasetId: ds.datasetId, assetId: cat.assetId, annotationId: all[0]! })).rejects.toBeInstanceOf(ViNotFoundError);
  });
});
