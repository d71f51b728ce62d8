// The TwelveLabs assets API at /v1.3, driven by the real `twelvelabs-js` 1.3.4 SDK against a real
// server (twelvelabs-protocol.md): direct uploads of a File, a Blob and an fs stream, probing of
// video and audio, user metadata, paging with the SDK's own iterator, filters, retrieve, delete,
// URL ingest (allowed and refused), and the 413 of an oversize upload delivered after draining.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { TwelvelabsApiClient, TwelvelabsApiError } from 'twelvelabs-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../src/store/db.js';
import { describeEachDialect, tempDir } from './support/dialects.js';
import { MEDIA_FIXTURES_DIR } from './support/media-fixtures.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';
import { noiseImage } from './support/uploads.js';

const fixture = (name: string) => path.join(MEDIA_FIXTURES_DIR, name);
/** Buffer → a BlobPart (TypeScript's DOM types want an ArrayBuffer-backed view). */
const bytesOf = (b: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(b);

describeEachDialect('twelvelabs assets (twelvelabs-js 1.3.4)', (dialect) => {
  let s: TestServer;
  let client: TwelvelabsApiClient;
  let files: http.Server;
  let filesUrl: string;

  beforeAll(async () => {
    s = await startTestServer(dialect, {
      VIREO_TL_DIRECT_MAX_BYTES: '300000',
      VIREO_TL_IMAGE_MAX_BYTES: '100000',
      VIREO_URL_INGEST_ALLOW: '127.0.0.1',
      VIREO_BLOB_GC_GRACE_SECONDS: '0',
    });
    client = new TwelvelabsApiClient({ apiKey: s.secretKey, baseUrl: `${s.url}/v1.3` });
    // A local file server for URL ingest.
    files = http.createServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '/').slice(1));
      const file = fixture(name);
      if (!/^[\w.-]+$/.test(name) || !fs.existsSync(file)) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': fs.statSync(file).size });
      fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => files?.close(resolve));
    await s?.close();
  });

  const ready = (id: string) =>
    waitFor(async () => {
      const a = (await client.assets.retrieve(id)) as any;
      return a.status === 'processing' ? undefined : a;
    }, `asset ${id} to finish processing`);

  it('uploads a File, answers processing, then ready with size, type, technical metadata and a signed URL', async () => {
    const bytes = await noiseImage('png', 1, 40, 30);
    const created = (await client.assets.create({ method: 'direct', file: new File([bytesOf(bytes)], 'cat.png', { type: 'image/png' }) })) as any;
    expect(created.id).toMatch(/^[0-9a-z]{26}$/);
    expect(created.method).toBe('direct');
    expect(created.filename).toBe('cat.png');
    expect(['processing', 'ready']).toContain(created.status);
    expect(created.createdAt).toBeInstanceOf(Date);
    const asset = await ready(created.id);
    expect(asset.status).toBe('ready');
    expect(asset.fileType).toBe('image/png');
    expect(asset.size).toBe(bytes.length);
    expect(asset.technicalMetadata).toMatchObject({ imageWidth: 40, imageHeight: 30, fileMimeType: 'image/png' });
    // The URL works without the key and expires.
    expect(Date.parse(asset.url_expires_at)).toBeGreaterThan(Date.now());
    const download = await fetch(asset.url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    const expired = new URL(asset.url);
    expired.searchParams.set('expires', String(Date.now() - 1000));
    const refused = await fetch(expired);
    expect(refused.status).toBe(403);
    await refused.arrayBuffer();
  });

  it('names a Blob after the filename field, else "blob", and sniffs its type', async () => {
    const bytes = await noiseImage('jpeg', 2);
    const named = (await client.assets.create({ method: 'direct', file: new Blob([bytesOf(bytes)]), filename: 'dog.jpg' })) as any;
    expect(named.filename).toBe('dog.jpg');
    const unnamed = (await client.assets.create({ method: 'direct', file: new Blob([bytesOf(bytes)], { type: 'image/jpeg' }) })) as any;
    expect(unnamed.filename).toBe('blob');
    expect((await ready(named.id)).fileType).toBe('image/jpeg');
    expect((await ready(unnamed.id)).status).toBe('ready');
  });

  it('uploads fs streams (chunked) of MP4, MOV, WebM and MKV video and probes them', async () => {
    const cases = [
      ['video.mp4', 'video/mp4', { videoCodec: 'h264', audioCodec: 'aac', audioSampleRate: 8000, audioChannels: 1 }],
      ['video.mov', 'video/quicktime', { videoCodec: 'h264' }],
      ['video.webm', 'video/webm', { videoCodec: 'vp9', audioCodec: 'opus', audioSampleRate: 48000 }],
      ['video.mkv', 'video/matroska', { videoCodec: 'h264', audioCodec: 'vorbis', audioSampleRate: 22050, audioChannels: 2 }],
    ] as const;
    for (const [name, mime, technical] of cases) {
      const created = (await client.assets.create({ method: 'direct', file: fs.createReadStream(fixture(name)) })) as any;
      expect(created.filename).toBe(name);
      const video = await ready(created.id);
      expect(video.status, name).toBe('ready');
      expect(video.fileType, name).toBe(mime);
      expect(video.duration, name).toBeCloseTo(1, 0);
      expect(video.technicalMetadata, name).toMatchObject({ videoWidth: 64, videoHeight: 48, videoFps: 10, ...technical });
    }
  });

  it('probes MP3, WAV, FLAC, AAC, Ogg and M4A audio for duration, codec, sample rate and channels', async () => {
    const cases = [
      ['audio.mp3', 'audio/mpeg', 'mp3', 22050, 1],
      ['audio.wav', 'audio/wav', 'pcm_s16le', 8000, 1],
      ['audio.flac', 'audio/flac', 'flac', 8000, 1],
      ['audio.aac', 'audio/aac', 'aac', 16000, 1],
      ['audio.ogg', 'audio/ogg', 'vorbis', 22050, 2],
      ['audio.m4a', 'audio/mp4', 'aac', 8000, 1],
    ] as const;
    for (const [name, mime, codec, rate, channels] of cases) {
      const created = (await client.assets.create({ method: 'direct', file: fs.createReadStream(fixture(name)) })) as any;
      const audio = await ready(created.id);
      expect(audio.status, name).toBe('ready');
      expect(audio.fileType, name).toBe(mime);
      expect(audio.duration, name).toBeGreaterThan(0.9);
      expect(audio.duration, name).toBeLessThan(1.2);
      expect(audio.technicalMetadata, name).toMatchObject({ audioCodec: codec, audioSampleRate: rate, audioChannels: channels });
    }
    // Audio is its own asset type in the list filter.
    const listed = await client.assets.list({ assetTypes: 'audio', pageLimit: 50 });
    expect(listed.data.length).toBeGreaterThanOrEqual(6);
    expect(listed.data.every((a: any) => a.fileType.startsWith('audio/'))).toBe(true);
  });

  it('fails a damaged video with a message instead of leaving it processing', async () => {
    const whole = fs.readFileSync(fixture('video.mp4'));
    const created = (await client.assets.create({ method: 'direct', file: new File([bytesOf(whole.subarray(0, 200))], 'broken.mp4') })) as any;
    const asset = await ready(created.id);
    expect(asset.status).toBe('failed');
    expect(asset.error.message).toMatch(/MP4/);
  });

  it('keeps user metadata: at creation, PUT, PATCH (null removes a key), DELETE', async () => {
    const bytes = await noiseImage('png', 3);
    const created = (await client.assets.create({
      method: 'direct',
      file: new File([bytesOf(bytes)], 'meta.png'),
      userMetadata: JSON.stringify({ camera: 'north', take: 3 }),
    })) as any;
    expect(created.userMetadata).toEqual({ camera: 'north', take: 3 });
    await client.assets.replaceUserMetadata(created.id, { userMetadata: { scene: 'night', ok: true } });
    expect(((await client.assets.retrieve(created.id)) as any).userMetadata).toEqual({ scene: 'night', ok: true });
    await client.assets.updateUserMetadata(created.id, { userMetadata: { ok: null, frame: 1.5 } as any });
    expect(((await client.assets.retrieve(created.id)) as any).userMetadata).toEqual({ scene: 'night', frame: 1.5 });
    await client.assets.deleteUserMetadata(created.id);
    expect(((await client.assets.retrieve(created.id)) as any).userMetadata).toBeUndefined();
  });

  it('pages newest first with page_limit=2 to the end using the SDK iterator, and filters', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const a = (await client.assets.create({ method: 'direct', file: new File([bytesOf(await noiseImage('png', 10 + i))], `Page-${i}.png`) })) as any;
      ids.push(a.id);
    }
    const seen: string[] = [];
    const first = await client.assets.list({ pageLimit: 2, filename: 'page-' });
    for await (const a of first) seen.push((a as any).id);
    expect(seen).toEqual([...ids].reverse());
    const page3 = await s.request('GET', '/v1.3/assets?page=3&page_limit=2&filename=page-', { auth: false, headers: { 'x-api-key': s.secretKey } });
    expect(page3.json.data).toHaveLength(1);
    expect(page3.json.page_info).toEqual({ page: 3, limit_per_page: 2, total_page: 3, total_results: 5 });
    const past = await s.request('GET', '/v1.3/assets?page=4&page_limit=2&filename=page-', { auth: false, headers: { 'x-api-key': s.secretKey } });
    expect(past.status).toBe(200);
    expect(past.json.data).toEqual([]);

    const byIds = await client.assets.list({ assetIds: [ids[0]!, ids[3]!], pageLimit: 50 });
    expect(byIds.data.map((a: any) => a.id).sort()).toEqual([ids[0], ids[3]].sort());
    const videos = await client.assets.list({ assetTypes: ['video'], pageLimit: 50 });
    expect(videos.data.length).toBeGreaterThan(0);
    expect(videos.data.every((a: any) => a.fileType.startsWith('video/'))).toBe(true);
    const mixed = await client.assets.list({ assetTypes: ['audio', 'image'], pageLimit: 50 });
    expect(mixed.data.some((a: any) => a.fileType.startsWith('audio/'))).toBe(true);
    expect(mixed.data.some((a: any) => a.fileType.startsWith('image/'))).toBe(true);
    expect(mixed.data.some((a: any) => a.fileType.startsWith('video/'))).toBe(false);
    expect((await client.assets.list({ assetTypes: 'document' })).data).toEqual([]);
  });

  it('retrieves, deletes (204, also from the Vi media library dataset), then 404s', async () => {
    const a = (await client.assets.create({ method: 'direct', file: new File([bytesOf(await noiseImage('webp', 5))], 'gone.webp') })) as any;
    await ready(a.id);
    // Visible through the Vi protocol in the media library dataset.
    const datasets = await s.request('GET', `/workspaces/${s.organizationId}/datasets`);
    const library = (datasets.json.items ?? datasets.json).find((d: any) => d.name === 'Media library');
    expect(library).toBeDefined();
    const viAsset = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${library.datasetId ?? library.id}/assets/${a.id}`);
    expect(viAsset.status).toBe(200);
    await client.assets.delete(a.id, { force: true });
    await expect(client.assets.retrieve(a.id)).rejects.toMatchObject({ statusCode: 404, body: { code: 'resource_not_exist' } });
    const viGone = await s.request('GET', `/workspaces/${s.organizationId}/datasets/${library.datasetId ?? library.id}/assets/${a.id}`);
    expect(viGone.status).toBe(404);
    expect((await client.assets.list({ assetIds: a.id })).data).toEqual([]);
    await expect(client.assets.delete(a.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('refuses an oversize upload with 413 after reading the body (File and chunked stream)', async () => {
    const big = Buffer.alloc(400_000, 7);
    const err = await client.assets.create({ method: 'direct', file: new File([bytesOf(big)], 'big.mp4') }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TwelvelabsApiError);
    expect(err).toMatchObject({ statusCode: 413, body: { code: 'file_too_large', message: expect.stringContaining('300000') } });
    const dir = tempDir();
    const file = path.join(dir, 'big.bin');
    fs.writeFileSync(file, big);
    const streamed = await client.assets.create({ method: 'direct', file: fs.createReadStream(file) }).then(() => undefined, (e: unknown) => e);
    expect(streamed).toMatchObject({ statusCode: 413, body: { code: 'file_too_large' } });
    // An image over the image limit (100 kB) but under the video limit.
    const tiff = await sharp(crypto.randomBytes(250 * 250 * 3), { raw: { width: 250, height: 250, channels: 3 } }).png().toBuffer();
    expect(tiff.length).toBeGreaterThan(100_000);
    expect(tiff.length).toBeLessThan(300_000);
    const image = await client.assets.create({ method: 'direct', file: new File([bytesOf(tiff)], 'large.png') }).then(() => undefined, (e: unknown) => e);
    expect(image).toMatchObject({ statusCode: 413 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ingests a URL from an allowed host, and fails one at a refused address with a clear message', async () => {
    const created = (await client.assets.create({ method: 'url', url: `${filesUrl}/video.webm` })) as any;
    expect(created.method).toBe('url');
    expect(created.status).toBe('processing');
    expect(created.filename).toBe('video.webm');
    const asset = await ready(created.id);
    expect(asset.status).toBe('ready');
    expect(asset.fileType).toBe('video/webm');
    expect(asset.size).toBe(fs.statSync(fixture('video.webm')).size);

    const missing = await ready(((await client.assets.create({ method: 'url', url: `${filesUrl}/nope.mp4` })) as any).id);
    expect(missing.status).toBe('failed');
    expect(missing.error.message).toMatch(/404/);

    // A connection refused is retried (backoff 1 s, 2 s), then fails the asset: never stuck in processing.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await ready(((await client.assets.create({ method: 'url', url: `http://127.0.0.1:${closedPort}/x.mp4` })) as any).id);
    expect(unreachable.status).toBe('failed');
    expect(unreachable.error.message).toMatch(/refused the connection/);
    const store = await openStore(s.server.config.database);
    try {
      const job = await store.db.selectFrom('jobs').select(['attempts', 'status']).where('kind', '=', 'twelvelabs.fetch').where('payload', 'like', `%${unreachable.id}%`).executeTakeFirstOrThrow();
      expect(job).toEqual({ attempts: 3, status: 'done' });
    } finally {
      await store.close();
    }

    const refused = (await client.assets.create({ method: 'url', url: 'http://169.254.169.254/latest/meta-data', filename: 'meta.mp4' })) as any;
    const failed = await ready(refused.id);
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toMatch(/refused/);
    expect(failed.size).toBeUndefined();
  });
});
