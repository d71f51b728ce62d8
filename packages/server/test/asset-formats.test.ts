// Every image format of the Vi SDK through the whole flow (issue items 1, 7, 8): ingestion with
// width/height/frames read from headers by the media module, refusals (unparseable header →
// ECORRUPT, decompression bomb → EBADSIZE), and 256 px WebP thumbnails made on first request.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { imageMimeForFilename } from '@vireo/wire';
import { describeEachDialect, tempDir } from './support/dialects.js';
import { committedMedia, corruptCopy, decompressionBomb, writeAllNineFormats, writeImage, type MediaFixture } from './support/media-fixtures.js';
import { startTestServer, type TestServer } from './support/server.js';
import { createSession, listAll, newDataset, put, sha256, specOf, upload, waitFinished, type TestFile } from './support/uploads.js';

const asTestFile = (f: MediaFixture, filename = f.filename): TestFile => ({
  filename,
  bytes: fs.readFileSync(f.path),
  mime: imageMimeForFilename(filename) ?? f.mime,
});

describeEachDialect('asset formats and thumbnails', (dialect) => {
  let s: TestServer;
  let dir: string;
  let fixtures: Array<{ file: TestFile; facts: MediaFixture }>;
  let ds: string;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    dir = tempDir('vireo-formats-');
    const nine = await writeAllNineFormats(dir);
    const jpeg = nine.find((f) => f.format === 'jpeg')!;
    const animated = [
      await writeImage(dir, 'gif', { width: 40, height: 30, frames: 3, name: 'anim.gif' }),
      await writeImage(dir, 'webp', { width: 40, height: 30, frames: 4, name: 'anim.webp' }),
      await writeImage(dir, 'tiff', { width: 40, height: 30, frames: 2, name: 'pages.tiff' }),
      committedMedia('sequence.avif'),
      await writeImage(dir, 'png', { width: 600, height: 400, name: 'large.png' }),
    ];
    fixtures = [
      ...nine.map((f) => ({ file: asTestFile(f), facts: f })),
      // The other two JPEG extensions of the Vi SDK.
      { file: asTestFile(jpeg, 'same.jpeg'), facts: jpeg },
      { file: asTestFile(jpeg, 'same.jfif'), facts: jpeg },
      ...animated.map((f) => ({ file: asTestFile(f), facts: f })),
    ];
    ds = await newDataset(s, 'formats');
  });
  afterAll(async () => {
    await s?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ingests JPEG (.jpg .jpeg .jfif), PNG, TIFF, BMP, WebP, GIF, HEIF/HEIC, AVIF and JPEG 2000 with their sizes and frame counts', async () => {
    const formats = new Set(fixtures.map((f) => f.facts.format));
    expect([...formats].sort()).toEqual(['avif', 'bmp', 'gif', 'heic', 'heif', 'j2k', 'jp2', 'jpeg', 'png', 'tiff', 'webp']);
    const done = await upload(s, ds, fixtures.map((f) => f.file));
    expect(done.status.events.filter((e: any) => e.kind === 'Error')).toEqual([]);
    expect(done.status.progressCount).toEqual({ total: fixtures.length, succeeded: fixtures.length, errored: 0 });
    const assets = new Map((await listAll(s, ds)).map((a) => [a.filename, a]));
    for (const { file, facts } of fixtures) {
      const a = assets.get(file.filename);
      expect(a, file.filename).toBeDefined();
      expect(a.metadata, file.filename).toMatchObject({
        mimeType: facts.mime,
        width: facts.width,
        height: facts.height,
        frames: facts.frames,
        fileSize: file.bytes.length,
      });
      expect(a.metadata.generations.asset).toBe(sha256(file.bytes));
    }
    // Animated and multi-page files count their frames.
    expect(assets.get('anim.gif').metadata.frames).toBe(3);
    expect(assets.get('anim.webp').metadata.frames).toBe(4);
    expect(assets.get('pages.tiff').metadata.frames).toBe(2);
    expect(assets.get('sequence.avif').metadata.frames).toBe(10);
  });

  it('makes a 256 px WebP thumbnail of every format on first request, then serves the stored one', async () => {
    const assets = await listAll(s, ds, 'contents=y');
    expect(assets.length).toBe(fixtures.length);
    for (const a of assets) {
      const res = await fetch(a.contents.thumbnail.url);
      expect(res.status, a.filename).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      const bytes = Buffer.from(await res.arrayBuffer());
      const meta = await sharp(bytes).metadata();
      expect(meta.format, a.filename).toBe('webp');
      // Fits 256 × 256, keeps the aspect ratio, never enlarges.
      const scale = Math.min(1, 256 / Math.max(a.metadata.width, a.metadata.height));
      expect(meta.width, a.filename).toBe(Math.round(a.metadata.width * scale));
      expect(meta.height, a.filename).toBe(Math.round(a.metadata.height * scale));
      const again = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${ds}/assets/${a.assetId}`);
      expect(again.json.metadata.generations.thumbnail, a.filename).toBe(sha256(bytes));
      const cached = await fetch(a.contents.thumbnail.url, { headers: { 'if-none-match': `"${sha256(bytes)}"` } });
      expect(cached.status).toBe(304);
      await cached.arrayBuffer();
    }
    const large = assets.find((a) => a.filename === 'large.png');
    const thumb = await sharp(Buffer.from(await (await fetch(large.contents.thumbnail.url)).arrayBuffer())).metadata();
    expect([thumb.width, thumb.height]).toEqual([256, 171]);
  });

  it('refuses an unparseable header (ECORRUPT) and a decompression bomb (EBADSIZE), leaving nothing behind', async () => {
    const refusals = await newDataset(s, 'refusals');
    const jpeg = fixtures.find((f) => f.facts.format === 'jpeg')!.facts;
    const png = fixtures.find((f) => f.facts.format === 'png')!.facts;
    const files = [
      asTestFile(await corruptCopy(jpeg, dir, 'cut.jpg')),
      asTestFile(await corruptCopy(png, dir, 'cut.png')),
      asTestFile(await decompressionBomb(dir)),
    ];
    const created = await createSession(s, refusals, files.map((f) => specOf(f)));
    expect(created.status).toBe(200);
    const urls = new Map<string, any>(created.json.status.assets.map((a: any) => [a.metadata.filename, a.upload]));
    const answers: Record<string, { status: number; message: string }> = {};
    for (const f of files) {
      const r = await put(urls.get(f.filename), f.bytes);
      answers[f.filename] = { status: r.status, message: r.json.message };
    }
    const bomb = files[2]!.filename;
    expect(answers['cut.jpg']).toEqual({ status: 400, message: expect.stringMatching(/^ECORRUPT: .*JPEG/) });
    expect(answers['cut.png']).toEqual({ status: 400, message: expect.stringMatching(/^ECORRUPT: .*PNG/) });
    expect(answers[bomb]).toEqual({ status: 400, message: expect.stringMatching(/^EBADSIZE: .*100000 × 100000 pixels.*limit/) });
    const done = await waitFinished(s, refusals, created.json.assetIngestionSessionId);
    const errors = Object.assign({}, ...done.status.events.filter((e: any) => e.kind === 'Error').map((e: any) => e.files));
    expect(errors).toEqual({ 'cut.jpg': 'ECORRUPT', 'cut.png': 'ECORRUPT', [bomb]: 'EBADSIZE' });
    expect(await listAll(s, refusals)).toEqual([]);
    // Nothing of the refused files is kept: no blob, no staging file.
    const blobNames = fs.readdirSync(path.join(s.dataDir, 'blobs'), { recursive: true }).map(String);
    for (const f of files) expect(blobNames.some((n) => n.endsWith(sha256(f.bytes)))).toBe(false);
    const staged = fs.readdirSync(path.join(s.dataDir, 'staging'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(staged).toEqual([]);
  });
});

describeEachDialect('asset pixel limit setting', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_MAX_IMAGE_PIXELS: String(100 * 100) });
  });
  afterAll(() => s?.close());

  it('VIREO_MAX_IMAGE_PIXELS refuses larger images with EBADSIZE and takes those within it', async () => {
    const dir = tempDir('vireo-pixels-');
    try {
      const ds = await newDataset(s);
      const small = asTestFile(await writeImage(dir, 'png', { width: 100, height: 100, name: 'ok.png' }));
      const big = asTestFile(await writeImage(dir, 'png', { width: 101, height: 100, name: 'big.png' }));
      const done = await upload(s, ds, [small, big]);
      expect(done.status.progressCount).toEqual({ total: 2, succeeded: 1, errored: 1 });
      expect(done.status.events.find((e: any) => e.kind === 'Error').files).toEqual({ 'big.png': 'EBADSIZE' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
