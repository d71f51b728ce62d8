// The BUILT `vireo` binary against a real `vireo serve`: annotations upload/ls/rm, export, and
// download (export → ranged download → unpacked training archive), tables, --json, exit codes.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage } from '../../server/test/support/media-fixtures.js';
import { removeTempDirs, run, startServer, tempDir, type CliServer } from './support/cli.js';

let server: CliServer;
let dataset: string;
const assetIds = new Map<string, string>();

beforeAll(async () => {
  server = await startServer();
  const created = await run(['datasets', 'create', '--name', 'Herons', '--json'], server.authEnv);
  expect(created.status, created.stderr).toBe(0);
  dataset = JSON.parse(created.stdout).datasetId;
  const dir = tempDir('vireo-images-');
  for (let i = 0; i < 4; i++) await writeImage(dir, 'png', { width: 40, height: 20, name: `heron-${i}.png` });
  const up = await run(['assets', 'upload', dataset, dir, '--json'], server.authEnv);
  expect(up.status, up.stderr).toBe(0);
  const ls = JSON.parse((await run(['assets', 'ls', dataset, '--json'], server.authEnv)).stdout);
  for (const a of ls) assetIds.set(a.filename, a.assetId);
}, 300_000);
afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

const line = (filename: string, caption: string, phrase: string) =>
  JSON.stringify({ asset_id: filename, caption, grounded_phrases: [{ phrase, bbox: [0.1, 0.2, 0.5, 0.7] }] });

describe('vireo annotations', { timeout: 300_000 }, () => {
  it('imports a JSON Lines file, lists an asset’s annotations, deletes one', async () => {
    const file = path.join(tempDir(), 'captions.jsonl');
    fs.writeFileSync(file, [0, 1, 2, 3].map((i) => line(`heron-${i}.png`, `a heron number ${i}`, 'a heron')).join('\n') + '\n');

    const up = await run(['annotations', 'upload', dataset, file], server.authEnv);
    expect(up.status, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/Result:\s+imported/);
    expect(up.stdout).toMatch(/Files processed:\s+1/);
    expect(up.stdout).toMatch(/Problems:\s+0/);

    const asset = assetIds.get('heron-2.png')!;
    const ls = await run(['annotations', 'ls', dataset, asset], server.authEnv);
    expect(ls.status, ls.stderr).toBe(0);
    const rows = ls.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^ANNOTATION ID\s+KIND\s+GROUP\s+CONTENTS$/);
    expect(ls.stdout).toMatch(/Caption\s+\S+\s+"a heron number 2"/);
    expect(ls.stdout).toMatch(/PhraseGroundingBoundingBox\s+\S+\s+box \(0\.1,0\.2\)/);

    const json = JSON.parse((await run(['annotations', 'ls', dataset, asset, '--json'], server.authEnv)).stdout);
    expect(json.length).toBe(rows.length - 1);
    expect(json.every((a: any) => a.assetId === asset)).toBe(true);
    const box = json.find((a: any) => a.spec.contents.kind === 'PhraseGroundingBoundingBox');

    const rm = await run(['annotations', 'rm', dataset, asset, box.annotationId, '--yes'], server.authEnv);
    expect(rm.status, rm.stderr).toBe(0);
    expect(rm.stdout).toContain(`Deleted ${box.annotationId}`);
    const after = JSON.parse((await run(['annotations', 'ls', dataset, asset, '--json'], server.authEnv)).stdout);
    expect(after.map((a: any) => a.annotationId)).not.toContain(box.annotationId);
    const again = await run(['annotations', 'rm', dataset, asset, box.annotationId, '--yes'], server.authEnv);
    expect(again.status).toBe(1);

    const unknownAsset = await run(['annotations', 'ls', dataset, 'no-such-asset'], server.authEnv);
    expect(unknownAsset.status).toBe(1);
    expect(unknownAsset.stderr).toMatch(/^error: .*HTTP 404/m);
  });

  it('reports a rejected import line by line and exits 1, importing nothing', async () => {
    const before = JSON.parse((await run(['datasets', 'get', dataset, '--json'], server.authEnv)).stdout).statistic.annotationTotal;
    const file = path.join(tempDir(), 'bad.jsonl');
    fs.writeFileSync(file, `${line('heron-0.png', 'a heron', 'a heron')}\n${line('missing.png', 'a ghost', 'a ghost')}\n`);
    const up = await run(['annotations', 'upload', dataset, file], server.authEnv);
    expect(up.status, up.stderr).toBe(1);
    expect(up.stdout).toMatch(/Result:\s+rejected, nothing imported/);
    expect(up.stdout).toMatch(/^FILE\s+LINE\s+REASON\s+MESSAGE/m);
    expect(up.stdout).toMatch(/bad\.jsonl\s+2\s+AssetNotFound/);
    const after = JSON.parse((await run(['datasets', 'get', dataset, '--json'], server.authEnv)).stdout).statistic.annotationTotal;
    expect(after).toBe(before);
  });

  it('with --on-bad-annotation Warn imports the good lines, reports the bad one and exits 0', async () => {
    const before = JSON.parse((await run(['datasets', 'get', dataset, '--json'], server.authEnv)).stdout).statistic.annotationTotal;
    const file = path.join(tempDir(), 'partly-bad.jsonl');
    fs.writeFileSync(file, `${line('heron-0.png', 'a grey heron', 'a grey heron')}\n${line('missing.png', 'a ghost', 'a ghost')}\n`);
    const up = await run(['annotations', 'upload', dataset, file, '--on-bad-annotation', 'Warn'], server.authEnv);
    expect(up.status, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/Result:\s+imported/);
    expect(up.stdout).toMatch(/partly-bad\.jsonl\s+2\s+AssetNotFound/);
    const after = JSON.parse((await run(['datasets', 'get', dataset, '--json'], server.authEnv)).stdout).statistic.annotationTotal;
    expect(after).toBeGreaterThan(before);

    const usage = await run(['annotations', 'upload', dataset, file, '--on-bad-annotation', 'Ignore'], server.authEnv);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/Warn.*RejectFile.*RejectSession/);
  });
});

describe('vireo export / download', { timeout: 300_000 }, () => {
  it('exports with a split and prints the URL; exports ls/get show it', async () => {
    const r = await run(['export', dataset, '--split', '0.5', '--json'], server.authEnv);
    expect(r.status, r.stderr).toBe(0);
    const exp = JSON.parse(r.stdout);
    expect(exp.spec).toEqual({ format: 'ViFull', options: { normalized: true, splitRatio: 0.5 } });
    expect(exp.status.downloadUrl.url).toMatch(/^http/);

    const table = await run(['export', dataset, '--format', 'ViJsonl', '--no-normalized'], server.authEnv);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/Format:\s+ViJsonl/);
    expect(table.stdout).toMatch(/Normalized:\s+no \(pixels\)/);
    expect(table.stdout).toMatch(/State:\s+ready/);
    expect(table.stdout).toMatch(/Download URL:\s+http/);

    const ls = await run(['exports', 'ls', dataset], server.authEnv);
    expect(ls.status, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^EXPORT ID\s+FORMAT\s+SPLIT\s+STATE\s+CREATED/);
    expect(ls.stdout).toMatch(new RegExp(`${exp.datasetExportId}\\s+ViFull\\s+0\\.5\\s+ready`));
    const get = await run(['exports', 'get', dataset, exp.datasetExportId], server.authEnv);
    expect(get.stdout).toMatch(/Split ratio:\s+0\.5/);
  });

  it('downloads and unpacks a training archive; a second run keeps it unless --overwrite', async () => {
    const dir = tempDir('vireo-data-');
    const r = await run(['download', dataset, dir, '--split', '0.5'], server.authEnv);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Splits:\s+training, validation/);
    expect(r.stdout).toMatch(/Assets:\s+4/);
    const root = path.join(dir, dataset);
    const images = ['training', 'validation'].flatMap((s) => fs.readdirSync(path.join(root, s, 'images')));
    expect(images.sort()).toEqual(['heron-0.png', 'heron-1.png', 'heron-2.png', 'heron-3.png']);
    expect(fs.readdirSync(path.join(root, 'training', 'annotations')).every((f) => f.endsWith('.jsonl'))).toBe(true);

    const again = await run(['download', dataset, dir, '--json'], server.authEnv);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ splits: ['training', 'validation'], assetsCount: 4 });

    const labels = await run(['download', dataset, tempDir('vireo-labels-'), '--format', 'ViJsonl', '--json'], server.authEnv);
    expect(labels.status, labels.stderr).toBe(0);
    expect(JSON.parse(labels.stdout)).toMatchObject({ splits: ['dump'] });

    const missing = await run(['download', 'no-such-dataset', dir], server.authEnv);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^error: /);
  });
});
