// TwelveLabs multipart uploads (twelvelabs-protocol.md §11) against a real server, with the real
// `twelvelabs-js` 1.3.4: its own `uploadFile` of a file beyond the (lowered) direct limit, the
// low-level calls (create, chunk PUT, reports, more URLs, status paging, incomplete list), chunk
// URL tampering and expiry (403), bad chunks and proofs (400), expiry and cleanup of abandoned
// uploads, and tenancy.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TwelveLabs, TwelvelabsApiClient, TwelvelabsApiError } from 'twelvelabs-js';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { UrlSigner } from '../src/blobs/signed-urls.js';
import { startServer, type RunningServer } from '../src/main.js';
import { openStore, type Store } from '../src/store/db.js';
import { describeEachDialect, tempDir } from './support/dialects.js';
import { MEDIA_FIXTURES_DIR } from './support/media-fixtures.js';
import { request, startTestServer, waitFor, type TestServer } from './support/server.js';

const CHUNK = 64 * 1024;
const DIRECT_LIMIT = 100_000;

/** A mono 16-bit 8 kHz WAV of `seconds` (a sine), so a real, probe-able audio file of known length. */
function wav(seconds: number): Buffer {
  const samples = 8000 * seconds;
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), 44 + i * 2);
  return b;
}

/** The MP4 fixture followed by a `free` box: still a valid MP4, now larger than the direct limit. */
function paddedMp4(padding: number): Buffer {
  const mp4 = fs.readFileSync(path.join(MEDIA_FIXTURES_DIR, 'video.mp4'));
  const free = Buffer.alloc(8 + padding, 0x5a);
  free.writeUInt32BE(8 + padding, 0);
  free.write('free', 4);
  return Buffer.concat([mp4, free]);
}

const put = (url: string, body: Buffer) => fetch(url, { method: 'PUT', body: new Uint8Array(body), headers: { 'content-type': 'application/octet-stream' } });
const statusOf = async (p: Promise<unknown>): Promise<{ statusCode: number | undefined; body: any }> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TwelvelabsApiError);
    return { statusCode: (err as TwelvelabsApiError).statusCode, body: (err as TwelvelabsApiError).body };
  }
  throw new Error('the call succeeded');
};

describeEachDialect('twelvelabs multipart uploads (twelvelabs-js 1.3.4)', (dialect) => {
  let s: TestServer;
  let client: TwelvelabsApiClient;
  let store: Store;
  let dir: string;

  beforeAll(async () => {
    s = await startTestServer(dialect, {
      VIREO_TL_DIRECT_MAX_BYTES: String(DIRECT_LIMIT),
      VIREO_TL_MULTIPART_CHUNK_BYTES: String(CHUNK),
      VIREO_TL_MULTIPART_SWEEP_SECONDS: '1',
      VIREO_BLOB_GC_GRACE_SECONDS: '0',
    });
    client = new TwelvelabsApiClient({ apiKey: s.secretKey, baseUrl: `${s.url}/v1.3` });
    store = await openStore(s.database.config);
    dir = tempDir('vireo-multipart-');
  });
  afterAll(async () => {
    await store?.close();
    await s?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const ready = (id: string) =>
    waitFor(async () => {
      const a = (await client.assets.retrieve(id)) as any;
      return a.status === 'processing' ? undefined : a;
    }, `asset ${id} to finish processing`);
  /** The status answer as it is on the wire (the SDK's Page keeps the summary fields private). */
  const statusJson = async (uploadId: string, query = '') => {
    const r = await request(s.url, 'GET', `/v1.3/assets/multipart-uploads/${uploadId}${query}`, { headers: { 'x-api-key': s.secretKey } });
    expect(r.status).toBe(200);
    return r.json;
  };
  const partFiles = (uploadId: string) => {
    const d = path.join(s.dataDir, 'multipart', uploadId);
    return fs.existsSync(d) ? fs.readdirSync(d).length : undefined;
  };

  it('uploads a file beyond the direct limit with the SDK\'s uploadFile; the asset becomes ready', async () => {
    const audio = wav(25);
    expect(audio.length).toBeGreaterThan(DIRECT_LIMIT);
    const file = path.join(dir, 'long-tone.wav');
    fs.writeFileSync(file, audio);
    // Too large for a direct upload…
    const direct = await statusOf(client.assets.create({ method: 'direct', file: fs.createReadStream(file) }));
    expect(direct.statusCode).toBe(413);

    // …so in chunks, with the SDK's own helper (TWELVELABS_BASE_URL is read by the constructor).
    const previous = process.env.TWELVELABS_BASE_URL;
    process.env.TWELVELABS_BASE_URL = `${s.url}/v1.3`;
    const tl = new TwelveLabs({ apiKey: s.secretKey });
    if (previous === undefined) delete process.env.TWELVELABS_BASE_URL;
    else process.env.TWELVELABS_BASE_URL = previous;
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const progress: number[] = [];
    let result;
    try {
      result = await tl.multipartUpload.uploadFile(file, { fileType: 'audio', batchSize: 3, progressCallback: (p) => void progress.push(p.completedChunks) });
    } finally {
      quiet.mockRestore();
    }
    expect(progress).toEqual([3, 6, 7]);
    expect(result.assetId).toMatch(/^[0-9a-z]{26}$/);

    const asset = await ready(result.assetId);
    expect(asset.status).toBe('ready');
    expect(asset.method).toBe('multipart');
    expect(asset.filename).toBe('long-tone.wav');
    expect(asset.fileType).toBe('audio/wav');
    expect(asset.size).toBe(audio.length);
    expect(asset.duration).toBeCloseTo(25, 1);
    const download = await fetch(asset.url);
    expect(Buffer.from(await download.arrayBuffer()).equals(audio)).toBe(true);
    // The parts are gone once assembled.
    const [upload] = await store.db.selectFrom('multipart_uploads').selectAll().where('asset_id', '=', result.assetId).execute();
    expect(upload!.status).toBe('completed');
    await waitFor(async () => (partFiles(upload!.id) === undefined ? true : undefined), 'the parts to be removed');
  });

  it('speaks the protocol call by call: 1-based URLs, ETags, batch reports, more URLs, status paging, incomplete list', async () => {
    const video = paddedMp4(300_000);
    const created = await client.multipartUpload.create({ filename: 'padded.mp4', type: 'video', totalSize: video.length, userMetadata: { camera: 'north' } });
    const total = Math.ceil(video.length / CHUNK);
    expect(created).toMatchObject({ chunkSize: CHUNK, totalChunks: total, uploadHeaders: { 'Content-Type': 'application/octet-stream' } });
    expect(created.uploadId).toMatch(/^[0-9a-z]{26}$/);
    expect(created.expiresAt).toBeInstanceOf(Date);
    expect(created.uploadUrls!.map((u) => u.chunkIndex)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const uploadId = created.uploadId!;

    // The pending asset exists at once.
    const pending = (await client.assets.retrieve(created.assetId!)) as any;
    expect(pending).toMatchObject({ status: 'processing', method: 'multipart', filename: 'padded.mp4', userMetadata: { camera: 'north' } });
    const incomplete = await client.multipartUpload.listIncompleteUploads();
    expect(incomplete.data.find((u) => u.uploadId === uploadId)).toMatchObject({ status: 'active', totalSize: video.length, chunkSize: CHUNK, totalChunks: total });

    // More URLs on request (clipped to the upload's chunks).
    const more = await client.multipartUpload.getAdditionalPresignedUrls(uploadId, { start: 4, count: 10 });
    expect(more).toMatchObject({ uploadId, startIndex: 4, count: total - 3 });
    expect(more.uploadUrls!.map((u) => u.chunkIndex)).toEqual(Array.from({ length: total - 3 }, (_, i) => i + 4));
    const urls = new Map<number, string>(created.uploadUrls!.map((u) => [u.chunkIndex!, u.url!]));
    for (const u of more.uploadUrls!) urls.set(u.chunkIndex!, u.url!);

    const chunk = (i: number) => video.subarray((i - 1) * CHUNK, Math.min(i * CHUNK, video.length));
    const etags = new Map<number, string>();
    // Out of order; ETags are the MD5 of the bytes.
    for (const i of [3, 1, 2, 5, 4]) {
      const r = await put(urls.get(i)!, chunk(i));
      expect(r.status).toBe(200);
      const etag = r.headers.get('etag')!.replace(/"/g, '');
      expect(etag).toBe(crypto.createHash('md5').update(chunk(i)).digest('hex'));
      etags.set(i, etag);
    }
    const report = (indexes: number[]) =>
      client.multipartUpload.reportChunkBatch(uploadId, {
        completedChunks: indexes.map((i) => ({ chunkIndex: i, proof: etags.get(i)!, proofType: 'etag', chunkSize: chunk(i).length })),
      });
    expect(await report([1, 2, 3])).toEqual({ assetId: created.assetId, processedChunks: 3, duplicateChunks: 0, totalCompleted: 3 });

    // Status pages of 2 with the SDK's own iterator: every chunk, in order, until an empty page.
    const seen: { index?: number; status?: string }[] = [];
    for await (const c of await client.multipartUpload.getStatus(uploadId, { pageLimit: 2 })) seen.push({ index: c.index, status: c.status });
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => ({ index: i + 1, status: i < 3 ? 'completed' : 'pending' })));
    const first = await client.multipartUpload.getStatus(uploadId, { pageLimit: 2 });
    expect(first.data[0]!.uploadedAt).toBeInstanceOf(Date);
    expect(await statusJson(uploadId, '?page=1&page_limit=2')).toMatchObject({
      upload_id: uploadId,
      status: 'active',
      chunks_completed: 3,
      chunks_failed: 0,
      chunks_pending: total - 3,
      total_size: video.length,
      uploaded_size: [1, 2, 3, 4, 5].reduce((n, i) => n + chunk(i).length, 0),
      page_info: { page: 1, limit_per_page: 2, total_page: Math.ceil(total / 2), total_results: total },
    });
    expect((await statusJson(uploadId, `?page=${Math.ceil(total / 2) + 1}&page_limit=2`)).uploaded_chunks).toEqual([]);

    // The rest, with a duplicate in the batch: the report that completes the upload.
    for (let i = 6; i <= total; i++) {
      const r = await put(urls.get(i)!, chunk(i));
      etags.set(i, r.headers.get('etag')!.replace(/"/g, ''));
    }
    const rest = Array.from({ length: total - 3 }, (_, i) => i + 4);
    expect(await report([3, ...rest])).toEqual({ assetId: created.assetId, processedChunks: total - 3, duplicateChunks: 1, totalCompleted: total });
    // Reporting again is harmless.
    expect(await report([1])).toMatchObject({ processedChunks: 0, duplicateChunks: 1, totalCompleted: total });

    const asset = await ready(created.assetId!);
    expect(asset).toMatchObject({ status: 'ready', fileType: 'video/mp4', size: video.length, userMetadata: { camera: 'north' } });
    expect(asset.technicalMetadata.videoWidth).toBeGreaterThan(0);
    const download = await fetch(asset.url);
    expect(Buffer.from(await download.arrayBuffer()).equals(video)).toBe(true);
    expect(await statusJson(uploadId)).toMatchObject({ status: 'completed', chunks_completed: total, chunks_pending: 0 });
    expect((await client.multipartUpload.listIncompleteUploads()).data.some((u) => u.uploadId === uploadId)).toBe(false);
    // A completed upload takes no more chunks.
    const late = await put(urls.get(1)!, chunk(1));
    expect(late.status).toBe(400);
  });

  it('refuses tampered and expired chunk URLs with 403, and wrong sizes and proofs with 400', async () => {
    const bytes = paddedMp4(200_000);
    const created = await client.multipartUpload.create({ filename: 'tamper.mp4', type: 'video', totalSize: bytes.length });
    const uploadId = created.uploadId!;
    const url2 = new URL(created.uploadUrls![1]!.url!);
    const chunk2 = bytes.subarray(CHUNK, 2 * CHUNK);
    const expect403 = async (url: string, code: string, message: RegExp) => {
      const r = await put(url, chunk2);
      expect(r.status).toBe(403);
      expect(await r.json()).toEqual({ code, message: expect.stringMatching(message) });
    };

    const forged = new URL(url2);
    const sig = forged.searchParams.get('signature')!;
    forged.searchParams.set('signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    await expect403(forged.toString(), 'url_invalid', /not signed, or its signature does not match/);
    const otherChunk = new URL(url2);
    otherChunk.pathname = otherChunk.pathname.replace(/\/chunks\/2$/, '/chunks/3');
    await expect403(otherChunk.toString(), 'url_invalid', /signature does not match/);
    const longer = new URL(url2);
    longer.searchParams.set('expires', String(Number(longer.searchParams.get('expires')) + 3600_000));
    await expect403(longer.toString(), 'url_invalid', /signature does not match/);
    await expect403(`${url2.origin}${url2.pathname}`, 'url_invalid', /not signed/);
    // A genuine signature whose time is up (signed with the server's own secret).
    const signer = new UrlSigner(fs.readFileSync(path.join(s.dataDir, 'signing-secret'), 'utf8').trim());
    const expired = `${url2.origin}${url2.pathname}?${signer.sign('PUT', url2.pathname, Date.now() - 1000)}`;
    await expect403(expired, 'url_expired', /expired: ask for new ones with POST \/assets\/multipart-uploads\/\{upload_id\}\/presigned-urls/);

    // Wrong size: refused before anything is kept.
    const short = await put(url2.toString(), chunk2.subarray(1));
    expect(short.status).toBe(400);
    expect(await short.json()).toEqual({ code: 'parameter_invalid', message: `Chunk 2 must be exactly ${CHUNK} bytes (Content-Length says ${CHUNK - 1})` });

    // A proof that does not match: 400, and the chunk shows as failed until uploaded again.
    const ok = await put(url2.toString(), chunk2);
    expect(ok.status).toBe(200);
    const bad = await statusOf(client.multipartUpload.reportChunkBatch(uploadId, { completedChunks: [{ chunkIndex: 2, proof: 'f'.repeat(32), proofType: 'etag', chunkSize: CHUNK }] }));
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toEqual({ code: 'parameter_invalid', message: 'Chunk report refused: chunk 2: the proof does not match the ETag its upload answered' });
    const afterBad = await client.multipartUpload.getStatus(uploadId, { page: 1, pageLimit: 2 });
    expect(afterBad.data[1]).toMatchObject({ index: 2, status: 'failed', error: expect.stringContaining('upload the chunk again') });
    expect((await statusJson(uploadId)).chunks_failed).toBe(1);
    const notUploaded = await statusOf(client.multipartUpload.reportChunkBatch(uploadId, { completedChunks: [{ chunkIndex: 1, proof: 'x', proofType: 'etag', chunkSize: CHUNK }] }));
    expect(notUploaded.body.message).toContain('chunk 1 has not been uploaded: PUT its bytes to its URL first');
    const outOfRange = await statusOf(client.multipartUpload.reportChunkBatch(uploadId, { completedChunks: [{ chunkIndex: 99, proof: 'x', proofType: 'etag', chunkSize: CHUNK }] }));
    expect(outOfRange.body.message).toContain('chunk 99 does not exist');
    const again = await put(url2.toString(), chunk2);
    const proof = again.headers.get('etag')!.replace(/"/g, '');
    expect(await client.multipartUpload.reportChunkBatch(uploadId, { completedChunks: [{ chunkIndex: 2, proof, proofType: 'etag', chunkSize: CHUNK }] })).toMatchObject({ processedChunks: 1 });
    // A reported chunk cannot be replaced.
    const replace = await put(url2.toString(), chunk2);
    expect(replace.status).toBe(400);
  });

  it('answers 400 with TwelveLabs codes for bad create requests, 413 beyond the limits, and 404 to other organizations', async () => {
    const raw = (body: unknown) => request(s.url, 'POST', '/v1.3/assets/multipart-uploads', { body, headers: { 'x-api-key': s.secretKey } });
    expect((await raw({ type: 'video', total_size: 10 })).json).toEqual({ code: 'parameter_not_provided', message: 'filename is required' });
    expect((await raw({ filename: 'a.mp4', type: 'document', total_size: 10 })).json).toEqual({ code: 'parameter_invalid', message: 'type must be one of video, audio, image (got "document")' });
    const zero = await raw({ filename: 'a.mp4', type: 'video', total_size: 0 });
    expect(zero.status).toBe(400);
    expect(zero.json.message).toBe('total_size must be a positive integer number of bytes (got 0)');
    const huge = await raw({ filename: 'a.mp4', type: 'video', total_size: 11 * 1024 ** 3 });
    expect(huge.status).toBe(413);
    expect(huge.json).toEqual({ code: 'file_too_large', message: `total_size is ${11 * 1024 ** 3} bytes; the limit for video and audio is ${10 * 1024 ** 3} bytes` });
    const bigImage = await raw({ filename: 'a.png', type: 'image', total_size: 33 * 1024 * 1024 });
    expect(bigImage.status).toBe(413);
    expect((await request(s.url, 'POST', '/v1.3/assets/multipart-uploads', { body: {} })).status).toBe(401);

    const created = await client.multipartUpload.create({ filename: 'mine.mp4', type: 'video', totalSize: 1000 });
    const { admin } = await import('../src/index.js');
    const other = await admin.createOrganization(s.server.config, { name: 'Other' });
    const theirs = new TwelvelabsApiClient({ apiKey: other.secretKey, baseUrl: `${s.url}/v1.3` });
    expect((await statusOf(theirs.multipartUpload.getStatus(created.uploadId!))).statusCode).toBe(404);
    expect((await statusOf(theirs.multipartUpload.reportChunkBatch(created.uploadId!, { completedChunks: [] }))).statusCode).toBe(404);
    expect((await statusOf(theirs.multipartUpload.getAdditionalPresignedUrls(created.uploadId!, { start: 1, count: 1 }))).statusCode).toBe(404);
    expect((await theirs.multipartUpload.listIncompleteUploads()).data).toEqual([]);
    const missing = await statusOf(client.multipartUpload.getStatus('no-such-upload'));
    expect(missing).toEqual({ statusCode: 404, body: { code: 'resource_not_exist', message: 'Multipart upload no-such-upload does not exist' } });
  });

  it('a part file longer than recorded fails the assembly without leaving the part open', async () => {
    const video = paddedMp4(100_000);
    const created = await client.multipartUpload.create({ filename: 'grown.mp4', type: 'video', totalSize: video.length });
    const uploadId = created.uploadId!;
    const chunk = (i: number) => video.subarray((i - 1) * CHUNK, Math.min(i * CHUNK, video.length));
    const proofs = [];
    for (const u of created.uploadUrls!) {
      const r = await put(u.url!, chunk(u.chunkIndex!));
      expect(r.status).toBe(200);
      proofs.push({ chunkIndex: u.chunkIndex!, proof: r.headers.get('etag')!.replace(/"/g, ''), proofType: 'etag' as const, chunkSize: chunk(u.chunkIndex!).length });
    }
    // The first part grows on disk (damage): assembling reads more bytes than announced and stops
    // while that file is still being read.
    const partDir = path.join(s.dataDir, 'multipart', uploadId);
    const first = fs.readdirSync(partDir).find((f) => f.startsWith('1.'))!;
    fs.appendFileSync(path.join(partDir, first), Buffer.alloc(3 * 1024 * 1024));
    await client.multipartUpload.reportChunkBatch(uploadId, { completedChunks: proofs });
    const status = await waitFor(async () => {
      const r = await statusJson(uploadId);
      return r.status === 'failed' ? r : undefined;
    }, 'the assembly to fail');
    expect(status.error).toMatch(/^Assembling the uploaded chunks failed/);
    // No descriptor of this process still points at a part of the upload (the server runs in it).
    const open = fs
      .readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      })
      .filter((target) => target.includes(partDir));
    expect(open).toEqual([]);
  });

  it('expires an abandoned upload: its asset fails, its parts are removed, its URLs answer 403', async () => {
    const bytes = paddedMp4(150_000);
    const created = await client.multipartUpload.create({ filename: 'abandoned.mp4', type: 'video', totalSize: bytes.length });
    const uploadId = created.uploadId!;
    expect((await put(created.uploadUrls![0]!.url!, bytes.subarray(0, CHUNK))).status).toBe(200);
    expect(partFiles(uploadId)).toBe(1);

    // Its deadline passes (moved, rather than waited for).
    await store.db.updateTable('multipart_uploads').set({ expires_at: Date.now() - 1 }).where('id', '=', uploadId).execute();
    const status = await waitFor(async () => {
      const r = await statusJson(uploadId);
      return r.status === 'expired' ? r : undefined;
    }, 'the sweep to expire the upload');
    expect(status).toMatchObject({ chunks_completed: 0, uploaded_size: CHUNK, error: 'The upload expired before every chunk was reported' });
    const asset = (await client.assets.retrieve(created.assetId!)) as any;
    expect(asset.status).toBe('failed');
    expect(asset.error).toEqual({ message: 'The multipart upload expired before every chunk was reported' });
    await waitFor(async () => (partFiles(uploadId) === undefined ? true : undefined), 'the parts to be removed');

    const late = await put(created.uploadUrls![1]!.url!, bytes.subarray(CHUNK, 2 * CHUNK));
    expect(late.status).toBe(403);
    expect(await late.json()).toEqual({ code: 'upload_expired', message: `Multipart upload ${uploadId} has expired; create a new upload` });
    expect(partFiles(uploadId)).toBeUndefined();
    const report = await statusOf(client.multipartUpload.reportChunkBatch(uploadId, { completedChunks: [] }));
    expect(report.statusCode).toBe(400);
    expect(report.body.message).toMatch(/expired at .*; create a new upload/);
    expect((await client.multipartUpload.listIncompleteUploads()).data.some((u) => u.uploadId === uploadId)).toBe(false);

    // A week later the finished upload is forgotten (its asset stays, failed).
    await store.db.updateTable('multipart_uploads').set({ updated_at: Date.now() - 8 * 24 * 3600_000 }).where('id', '=', uploadId).execute();
    await waitFor(async () => ((await store.db.selectFrom('multipart_uploads').select('id').where('id', '=', uploadId).executeTakeFirst()) ? undefined : true), 'the sweep to forget the upload');
    expect(await store.db.selectFrom('multipart_chunks').select('idx').where('upload_id', '=', uploadId).execute()).toEqual([]);
    expect((await statusOf(client.multipartUpload.getStatus(uploadId))).statusCode).toBe(404);
    expect(((await client.assets.retrieve(created.assetId!)) as any).status).toBe('failed');
  });

  it('an assembly run again after the bytes were attached (a crash before it was recorded) keeps the upload completed', async () => {
    const video = paddedMp4(100_000);
    const chunk = (i: number) => video.subarray((i - 1) * CHUNK, Math.min(i * CHUNK, video.length));
    const created = await client.multipartUpload.create({ filename: 'rerun.mp4', type: 'video', totalSize: video.length });
    const uploadId = created.uploadId!;
    const completedChunks = [];
    for (const u of created.uploadUrls!) {
      const etag = (await put(u.url!, chunk(u.chunkIndex!))).headers.get('etag')!.replace(/"/g, '');
      completedChunks.push({ chunkIndex: u.chunkIndex!, proof: etag, proofType: 'etag' as const, chunkSize: chunk(u.chunkIndex!).length });
    }
    await client.multipartUpload.reportChunkBatch(uploadId, { completedChunks });
    expect((await ready(created.assetId!)).status).toBe('ready');
    await waitFor(async () => (partFiles(uploadId) === undefined ? true : undefined), 'the parts to be removed');

    // The state a crash right after attaching leaves: assembly not recorded, its job run again.
    await store.db.updateTable('multipart_uploads').set({ assembled_at: null, parts_removed_at: null }).where('id', '=', uploadId).execute();
    const now = Date.now();
    const jobId = `rerun${crypto.randomBytes(8).toString('hex')}`;
    await store.db
      .insertInto('jobs')
      .values({ id: jobId, kind: 'multipart.assemble', payload: JSON.stringify({ uploadId }), status: 'queued', priority: 0, run_at: now, attempts: 0, max_attempts: 1, lease_owner: null, lease_expires_at: null, last_error: null, unique_key: null, created_at: now, updated_at: now })
      .execute();
    const job = await waitFor(async () => {
      const j = await store.db.selectFrom('jobs').select(['status', 'last_error']).where('id', '=', jobId).executeTakeFirstOrThrow();
      return j.status === 'done' || j.status === 'failed' ? j : undefined;
    }, 'the assembly job to run again');
    expect(job).toEqual({ status: 'done', last_error: null });
    const upload = await store.db.selectFrom('multipart_uploads').selectAll().where('id', '=', uploadId).executeTakeFirstOrThrow();
    expect(upload).toMatchObject({ status: 'completed', error: null });
    expect(upload.assembled_at).not.toBeNull();
    expect(((await client.assets.retrieve(created.assetId!)) as any).status).toBe('ready');
  });
});

describeEachDialect('twelvelabs multipart uploads across a restart', (dialect) => {
  let s: TestServer;
  let restarted: RunningServer | undefined;

  beforeAll(async () => {
    s = await startTestServer(dialect, { VIREO_TL_MULTIPART_CHUNK_BYTES: String(CHUNK) });
  });
  afterAll(async () => {
    await restarted?.close();
    await s?.close();
  });

  it('keeps the chunks of an interrupted upload; the upload continues on the restarted server', async () => {
    const video = paddedMp4(200_000);
    const chunk = (i: number) => video.subarray((i - 1) * CHUNK, Math.min(i * CHUNK, video.length));
    const before = new TwelvelabsApiClient({ apiKey: s.secretKey, baseUrl: `${s.url}/v1.3` });
    const created = await before.multipartUpload.create({ filename: 'resumed.mp4', type: 'video', totalSize: video.length });
    const total = created.totalChunks!;
    const etags = new Map<number, string>();
    for (const i of [1, 2]) etags.set(i, (await put(created.uploadUrls![i - 1]!.url!, chunk(i))).headers.get('etag')!.replace(/"/g, ''));
    await before.multipartUpload.reportChunkBatch(created.uploadId!, { completedChunks: [{ chunkIndex: 1, proof: etags.get(1)!, proofType: 'etag', chunkSize: CHUNK }] });

    // The process stops and starts again (same data directory and database, new port).
    await s.server.close();
    restarted = await startServer(s.server.config);
    const after = new TwelvelabsApiClient({ apiKey: s.secretKey, baseUrl: `${restarted.url}/v1.3` });
    const statuses: (string | undefined)[] = [];
    for await (const c of await after.multipartUpload.getStatus(created.uploadId!, { pageLimit: 50 })) statuses.push(c.status);
    expect(statuses).toEqual(['completed', 'pending', ...Array(total - 2).fill('pending')]);
    // Chunk 2's bytes survived (its report is accepted); the rest go up through the new server's URLs.
    const urls = await after.multipartUpload.getAdditionalPresignedUrls(created.uploadId!, { start: 3, count: total - 2 });
    for (const u of urls.uploadUrls!) etags.set(u.chunkIndex!, (await put(u.url!, chunk(u.chunkIndex!))).headers.get('etag')!.replace(/"/g, ''));
    const rest = Array.from({ length: total - 1 }, (_, i) => i + 2);
    const report = await after.multipartUpload.reportChunkBatch(created.uploadId!, {
      completedChunks: rest.map((i) => ({ chunkIndex: i, proof: etags.get(i)!, proofType: 'etag', chunkSize: chunk(i).length })),
    });
    expect(report.totalCompleted).toBe(total);
    const asset = await waitFor(async () => {
      const a = (await after.assets.retrieve(created.assetId!)) as any;
      return a.status === 'processing' ? undefined : a;
    }, 'the resumed asset to be ready');
    expect(asset).toMatchObject({ status: 'ready', size: video.length, fileType: 'video/mp4' });
    expect(Buffer.from(await (await fetch(asset.url)).arrayBuffer()).equals(video)).toBe(true);
  });
});
