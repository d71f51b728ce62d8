// TwelveLabs multipart uploads (twelvelabs-protocol.md §11): Vireo's resumable path for large
// video. Creating an upload creates its asset (`processing`, no bytes yet) and answers signed chunk
// URLs. Each chunk PUT streams into the part store and answers an ETag; the client reports chunks
// with those ETags as proof. Once every chunk is reported a job joins the parts (streamed into
// staging, never in memory) and hands the bytes to the asset, whose processing then makes it
// `ready` or `failed`. Uploads not completed in time expire; a recurring job removes their parts.
import type { Readable } from 'node:stream';
import type { TlUploadType } from '@vireo/wire';
import { PartSizeError, type PartStore } from '../blobs/parts.js';
import type { StagedObject } from '../blobs/store.js';
import type { MultipartChunksTable, MultipartUploadsTable } from '../store/schema.js';
import type { AssetServices } from './asset-services.js';
import type { Principal } from './context.js';
import { AppError, invalid } from './errors.js';
import { newId } from './ids.js';
import { attachStaged, checkFilename, checkUserMetadata, createPendingAsset, failAsset, hasBytes, markAssetFailed, type UserMetadata } from './twelvelabs-assets.js';

export type UploadRow = MultipartUploadsTable;
export type ChunkRow = MultipartChunksTable;

/** URLs handed out at creation; the rest come from `presigned-urls`. */
export const INITIAL_URLS = 100;
/** How long finished (completed, failed, expired) uploads stay readable before the sweep deletes their rows. */
export const FINISHED_UPLOADS_KEPT_MS = 7 * 24 * 3600_000;
/** Most URLs one `presigned-urls` call answers. */
export const MAX_URLS_PER_CALL = 1000;

const UPLOAD_TYPES: TlUploadType[] = ['video', 'audio', 'image'];
const KIND_OF = { video: 'Video', audio: 'Audio', image: 'Image' } as const;

export interface ChunkUrl {
  index: number;
  url: string;
  expiresAt: number;
}

export interface CreatedUpload {
  upload: UploadRow;
  urls: ChunkUrl[];
}

const notProvided = (message: string) => invalid(message, 'parameter_not_provided');
const badParameter = (message: string) => invalid(message, 'parameter_invalid');

function partsOf(svc: AssetServices): PartStore {
  if (!svc.parts) throw new AppError('Unavailable', 'Multipart uploads are not available on this server');
  return svc.parts;
}

/** Checks the create request body by hand, for TwelveLabs' precise error codes. */
export function checkCreateRequest(body: unknown): { filename: string; type: TlUploadType; totalSize: number; userMetadata?: UserMetadata } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badParameter('The body must be a JSON object: {"filename", "type", "total_size"}');
  }
  const b = body as Record<string, unknown>;
  for (const field of ['filename', 'type', 'total_size'] as const) {
    if (b[field] === undefined || b[field] === null) throw notProvided(`${field} is required`);
  }
  if (typeof b.filename !== 'string') throw badParameter('filename must be a string');
  const filename = checkFilename(b.filename);
  if (typeof b.type !== 'string' || !UPLOAD_TYPES.includes(b.type as TlUploadType)) {
    throw badParameter(`type must be one of ${UPLOAD_TYPES.join(', ')} (got ${JSON.stringify(b.type)})`);
  }
  if (typeof b.total_size !== 'number' || !Number.isSafeInteger(b.total_size) || b.total_size < 1) {
    throw badParameter(`total_size must be a positive integer number of bytes (got ${JSON.stringify(b.total_size)})`);
  }
  for (const flag of ['enable_hls', 'enable_thumbnail'] as const) {
    if (b[flag] !== undefined && typeof b[flag] !== 'boolean') throw badParameter(`${flag} must be true or false`);
  }
  const userMetadata = b.user_metadata === undefined || b.user_metadata === null ? undefined : checkUserMetadata(b.user_metadata);
  return { filename, type: b.type as TlUploadType, totalSize: b.total_size, userMetadata };
}

/** Creates the upload and its pending asset; answers the first chunk URLs. */
export async function createUpload(
  svc: AssetServices,
  principal: Principal,
  r: { filename: string; type: TlUploadType; totalSize: number; userMetadata?: UserMetadata },
): Promise<CreatedUpload> {
  partsOf(svc);
  const limit = r.type === 'image' ? svc.limits.tlImageMaxBytes : svc.limits.tlMultipartMaxBytes;
  if (r.totalSize > limit) {
    throw new AppError('PayloadTooLarge', `total_size is ${r.totalSize} bytes; the limit for ${r.type === 'image' ? 'images' : 'video and audio'} is ${limit} bytes`, {
      detail: 'file_too_large',
    });
  }
  const chunkSize = svc.limits.tlMultipartChunkBytes;
  const totalChunks = Math.ceil(r.totalSize / chunkSize);
  const now = svc.ctx.now();
  const id = newId();
  let upload: UploadRow | undefined;
  await createPendingAsset(svc, principal, { method: 'multipart', filename: r.filename, userMetadata: r.userMetadata, kind: KIND_OF[r.type] }, async (trx, asset) => {
    upload = {
      id,
      organization_id: principal.organizationId,
      asset_id: asset.id,
      filename: r.filename,
      media_type: r.type,
      total_size: r.totalSize,
      chunk_size: chunkSize,
      total_chunks: totalChunks,
      status: 'active',
      error: null,
      created_at: now,
      updated_at: now,
      expires_at: now + svc.limits.tlMultipartTtlMs,
      assembled_at: null,
      parts_removed_at: null,
    };
    await trx.insertInto('multipart_uploads').values(upload).execute();
  });
  return { upload: upload!, urls: chunkUrls(svc, upload!, 1, Math.min(totalChunks, INITIAL_URLS)) };
}

/** The upload, if it belongs to the organization; else 404 resource_not_exist. */
export async function requireUpload(svc: AssetServices, organizationId: string, uploadId: string): Promise<UploadRow> {
  const upload = await findUpload(svc, uploadId);
  if (!upload || upload.organization_id !== organizationId) {
    throw new AppError('NotFound', `Multipart upload ${uploadId} does not exist`, { detail: 'resource_not_exist' });
  }
  return upload;
}

const findUpload = (svc: AssetServices, uploadId: string) =>
  svc.ctx.db.selectFrom('multipart_uploads').selectAll().where('id', '=', uploadId).executeTakeFirst();

/** The path of chunk `index`'s PUT (signed; the signature is its only credential). */
export const chunkPath = (uploadId: string, index: number) => `/v1.3/assets/multipart-uploads/${uploadId}/chunks/${index}`;

/** Signed PUT URLs for chunks start … start+count-1 (clipped to the upload's chunks). */
export function chunkUrls(svc: AssetServices, upload: UploadRow, start: number, count: number): ChunkUrl[] {
  const expiresAt = Math.min(svc.ctx.now() + svc.limits.uploadUrlTtlMs, Number(upload.expires_at));
  const urls: ChunkUrl[] = [];
  const base = svc.publicUrl();
  for (let index = start; index < start + count && index <= upload.total_chunks; index++) {
    const path = chunkPath(upload.id, index);
    urls.push({ index, url: `${base}${path}?${svc.signer.sign('PUT', path, expiresAt)}`, expiresAt });
  }
  return urls;
}

/** More chunk URLs (the SDK asks for the ones a batch lacks). */
export async function moreChunkUrls(svc: AssetServices, organizationId: string, uploadId: string, body: unknown): Promise<{ upload: UploadRow; start: number; urls: ChunkUrl[] }> {
  const upload = await requireUpload(svc, organizationId, uploadId);
  const b = (body ?? {}) as Record<string, unknown>;
  for (const field of ['start', 'count'] as const) if (b[field] === undefined || b[field] === null) throw notProvided(`${field} is required`);
  const { start, count } = b;
  if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 1 || start > upload.total_chunks) {
    throw badParameter(`start must be a chunk index from 1 to ${upload.total_chunks} (got ${JSON.stringify(start)})`);
  }
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > MAX_URLS_PER_CALL) {
    throw badParameter(`count must be an integer from 1 to ${MAX_URLS_PER_CALL} (got ${JSON.stringify(count)})`);
  }
  requireActive(svc, upload);
  return { upload, start, urls: chunkUrls(svc, upload, start, count) };
}

function requireActive(svc: AssetServices, upload: UploadRow): void {
  if (upload.status === 'expired' || (upload.status === 'active' && Number(upload.expires_at) <= svc.ctx.now())) {
    throw badParameter(`Multipart upload ${upload.id} expired at ${new Date(Number(upload.expires_at)).toISOString()}; create a new upload`);
  }
  if (upload.status === 'failed') throw badParameter(`Multipart upload ${upload.id} failed: ${upload.error ?? 'unknown reason'}`);
  if (upload.status === 'completed') throw badParameter(`Multipart upload ${upload.id} is already complete: every chunk was reported`);
}

/** Bytes chunk `index` must have. */
export const expectedChunkSize = (upload: UploadRow, index: number): number =>
  index < upload.total_chunks ? Number(upload.chunk_size) : Number(upload.total_size) - Number(upload.chunk_size) * (upload.total_chunks - 1);

/**
 * A chunk's bytes (after the URL signature was verified): streamed into the part store, recorded,
 * answered with the ETag the client reports as proof. A chunk may be sent again until reported.
 */
export async function receiveChunk(svc: AssetServices, uploadId: string, index: number, input: Readable, declaredLength: number | undefined): Promise<string> {
  const parts = partsOf(svc);
  const upload = await findUpload(svc, uploadId);
  if (!upload || !Number.isSafeInteger(index) || index < 1 || index > upload.total_chunks) {
    throw new AppError('NotFound', `Multipart upload ${uploadId} has no chunk ${index}`, { detail: 'resource_not_exist' });
  }
  if (upload.status === 'expired' || Number(upload.expires_at) <= svc.ctx.now()) {
    throw new AppError('PermissionDenied', `Multipart upload ${uploadId} has expired; create a new upload`, { detail: 'upload_expired' });
  }
  requireActive(svc, upload);
  const expected = expectedChunkSize(upload, index);
  if (declaredLength !== undefined && declaredLength !== expected) {
    throw badParameter(`Chunk ${index} must be exactly ${expected} bytes (Content-Length says ${declaredLength})`);
  }
  const existing = await svc.ctx.db.selectFrom('multipart_chunks').select('reported_at').where('upload_id', '=', uploadId).where('idx', '=', index).executeTakeFirst();
  if (existing?.reported_at != null) throw badParameter(`Chunk ${index} was already reported; it cannot be replaced`);
  let part;
  try {
    part = await parts.write(uploadId, index, input, expected);
  } catch (err) {
    if (err instanceof PartSizeError) throw badParameter(`Chunk ${index} must be exactly ${expected} bytes; got ${err.got === 'more' ? 'more' : err.got}`);
    throw err;
  }
  const now = svc.ctx.now();
  const recorded = await svc.commits.run(async (trx) => {
    const current = await trx.selectFrom('multipart_uploads').select(['status', 'expires_at']).where('id', '=', uploadId).executeTakeFirst();
    if (!current || current.status !== 'active' || Number(current.expires_at) <= now) return false;
    const r = await trx
      .insertInto('multipart_chunks')
      .values({ upload_id: uploadId, idx: index, size: part.size, etag: part.etag, part_key: part.key, uploaded_at: now, updated_at: now, reported_at: null, error: null })
      .onConflict((oc) =>
        oc
          .columns(['upload_id', 'idx'])
          .doUpdateSet({ size: part.size, etag: part.etag, part_key: part.key, uploaded_at: now, updated_at: now, error: null })
          .where('multipart_chunks.reported_at', 'is', null),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 1n) > 0;
  });
  // A part that lost the race to an expiry or a report stays on disk until the sweep removes the upload's parts.
  if (!recorded) throw badParameter(`Chunk ${index} could not be recorded: the upload is no longer active or the chunk was reported meanwhile`);
  return part.etag;
}

export interface ReportedChunk {
  index: number;
  proof: string;
  size: number;
}

export interface ReportResult {
  upload: UploadRow;
  processed: number;
  duplicate: number;
  totalCompleted: number;
  /** Every chunk is reported: the asset is being assembled. */
  complete: boolean;
}

export function checkReportRequest(body: unknown): ReportedChunk[] {
  const b = (body ?? {}) as Record<string, unknown>;
  if (b.completed_chunks === undefined || b.completed_chunks === null) throw notProvided('completed_chunks is required');
  if (!Array.isArray(b.completed_chunks)) throw badParameter('completed_chunks must be an array of {chunk_index, proof, proof_type, chunk_size}');
  return b.completed_chunks.map((c: unknown, i: number) => {
    const o = (c ?? {}) as Record<string, unknown>;
    const at = `completed_chunks[${i}]`;
    for (const field of ['chunk_index', 'proof', 'chunk_size'] as const) {
      if (o[field] === undefined || o[field] === null) throw notProvided(`${at}.${field} is required`);
    }
    if (typeof o.chunk_index !== 'number' || !Number.isSafeInteger(o.chunk_index)) throw badParameter(`${at}.chunk_index must be an integer`);
    if (typeof o.proof !== 'string') throw badParameter(`${at}.proof must be the ETag string the chunk's PUT answered`);
    if (o.proof_type !== undefined && o.proof_type !== 'etag') throw badParameter(`${at}.proof_type must be "etag"`);
    if (typeof o.chunk_size !== 'number' || !Number.isSafeInteger(o.chunk_size)) throw badParameter(`${at}.chunk_size must be an integer`);
    return { index: o.chunk_index, proof: o.proof.replace(/"/g, '').trim().toLowerCase(), size: o.chunk_size };
  });
}

/**
 * Records reported chunks. The whole batch is refused (400, nothing recorded) when a chunk is out
 * of range, was never uploaded, or its proof or size does not match; a wrong proof marks that
 * chunk `failed` until it is uploaded again. The report that completes the upload queues assembly.
 */
export async function reportChunks(svc: AssetServices, organizationId: string, uploadId: string, chunks: ReportedChunk[]): Promise<ReportResult> {
  const upload = await requireUpload(svc, organizationId, uploadId);
  if (upload.status !== 'completed') requireActive(svc, upload);
  const now = svc.ctx.now();
  const outcome = await svc.commits.run(async (trx) => {
    const indexes = [...new Set(chunks.map((c) => c.index))];
    const rows = indexes.length === 0 ? [] : await trx.selectFrom('multipart_chunks').selectAll().where('upload_id', '=', uploadId).where('idx', 'in', indexes).execute();
    const byIndex = new Map(rows.map((r) => [r.idx, r]));
    const problems: string[] = [];
    const wrongProof: number[] = [];
    for (const c of chunks) {
      const row = byIndex.get(c.index);
      if (c.index < 1 || c.index > upload.total_chunks) problems.push(`chunk ${c.index} does not exist (the upload has chunks 1 to ${upload.total_chunks})`);
      else if (!row) problems.push(`chunk ${c.index} has not been uploaded: PUT its bytes to its URL first`);
      else if (row.etag !== c.proof) {
        problems.push(`chunk ${c.index}: the proof does not match the ETag its upload answered`);
        if (row.reported_at == null) wrongProof.push(c.index);
      } else if (Number(row.size) !== c.size) problems.push(`chunk ${c.index}: chunk_size ${c.size} does not match the ${row.size} bytes received`);
    }
    if (problems.length > 0) {
      if (wrongProof.length > 0) {
        await trx
          .updateTable('multipart_chunks')
          .set({ error: 'the reported proof did not match the ETag of the uploaded bytes; upload the chunk again', updated_at: now })
          .where('upload_id', '=', uploadId)
          .where('idx', 'in', wrongProof)
          .execute();
      }
      return { ok: false as const, problems };
    }
    const fresh = indexes.filter((i) => byIndex.get(i)!.reported_at == null);
    if (fresh.length > 0) {
      await trx.updateTable('multipart_chunks').set({ reported_at: now, updated_at: now, error: null }).where('upload_id', '=', uploadId).where('idx', 'in', fresh).execute();
    }
    const counted = await trx
      .selectFrom('multipart_chunks')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('upload_id', '=', uploadId)
      .where('reported_at', 'is not', null)
      .executeTakeFirstOrThrow();
    const totalCompleted = Number(counted.n);
    let complete = false;
    if (totalCompleted === upload.total_chunks) {
      const r = await trx
        .updateTable('multipart_uploads')
        .set({ status: 'completed', updated_at: now })
        .where('id', '=', uploadId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) await svc.ctx.jobs.enqueue('multipart.assemble', { uploadId }, { maxAttempts: 3 }, trx);
      complete = true;
    } else if (fresh.length > 0) {
      await trx.updateTable('multipart_uploads').set({ updated_at: now }).where('id', '=', uploadId).execute();
    }
    return { ok: true as const, processed: fresh.length, duplicate: chunks.length - fresh.length, totalCompleted, complete };
  });
  if (!outcome.ok) throw badParameter(`Chunk report refused: ${outcome.problems.join('; ')}`);
  if (outcome.complete) svc.ctx.jobs.notify();
  return { upload, processed: outcome.processed, duplicate: outcome.duplicate, totalCompleted: outcome.totalCompleted, complete: outcome.complete };
}

export interface ChunkStatus {
  index: number;
  status: 'completed' | 'pending' | 'failed';
  uploadedAt?: number;
  updatedAt?: number;
  error?: string;
}

export interface UploadStatus {
  upload: UploadRow;
  /** This page's chunks (every index, pending ones included). */
  chunks: ChunkStatus[];
  completed: number;
  failed: number;
  pending: number;
  uploadedSize: number;
}

/** The upload's progress, with one page of its chunks (1-based, in order). */
export async function uploadStatus(svc: AssetServices, organizationId: string, uploadId: string, page: number, pageLimit: number): Promise<UploadStatus> {
  const upload = await requireUpload(svc, organizationId, uploadId);
  const db = svc.ctx.db;
  const totals = await db
    .selectFrom('multipart_chunks')
    .select((eb) => [
      eb.fn.countAll().as('uploaded'),
      eb.fn.sum<number | string | null>('size').as('bytes'),
      eb.fn.count('reported_at').as('completed'),
      eb.fn.sum<number | string | null>(eb.case().when(eb.and([eb('reported_at', 'is', null), eb('error', 'is not', null)])).then(1).else(0).end()).as('failed'),
    ])
    .where('upload_id', '=', uploadId)
    .executeTakeFirstOrThrow();
  const first = (page - 1) * pageLimit + 1;
  const last = Math.min(upload.total_chunks, first + pageLimit - 1);
  const rows = first > last ? [] : await db.selectFrom('multipart_chunks').selectAll().where('upload_id', '=', uploadId).where('idx', '>=', first).where('idx', '<=', last).execute();
  const byIndex = new Map(rows.map((r) => [r.idx, r]));
  const chunks: ChunkStatus[] = [];
  for (let index = first; index <= last; index++) {
    const row = byIndex.get(index);
    if (!row) chunks.push({ index, status: 'pending' });
    else {
      const status = row.reported_at != null ? 'completed' : row.error != null ? 'failed' : 'pending';
      chunks.push({ index, status, uploadedAt: Number(row.uploaded_at), updatedAt: Number(row.updated_at), ...(status === 'failed' ? { error: row.error! } : {}) });
    }
  }
  const completed = Number(totals.completed);
  const failed = Number(totals.failed ?? 0);
  return { upload, chunks, completed, failed, pending: upload.total_chunks - completed - failed, uploadedSize: Number(totals.bytes ?? 0) };
}

/** The organization's uploads still taking chunks, newest first. */
export async function listIncompleteUploads(svc: AssetServices, organizationId: string, page: number, pageLimit: number): Promise<{ items: UploadRow[]; total: number }> {
  const q = svc.ctx.db
    .selectFrom('multipart_uploads')
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'active')
    .where('expires_at', '>', svc.ctx.now());
  const counted = await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const items = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(pageLimit).offset((page - 1) * pageLimit).execute();
  return { items, total: Number(counted.n) };
}

/**
 * The `multipart.assemble` job: joins the parts in order into staging (a stream; the staging
 * measures size and checksums) and attaches the bytes to the asset, which queues its processing.
 */
export async function assembleUpload(svc: AssetServices, uploadId: string): Promise<void> {
  const parts = partsOf(svc);
  const upload = await findUpload(svc, uploadId);
  if (!upload || upload.status !== 'completed' || upload.assembled_at != null) return;
  const asset = await svc.ctx.db.selectFrom('assets').select('sha256').where('id', '=', upload.asset_id).executeTakeFirst();
  if (asset && hasBytes(asset)) {
    // A previous run attached the bytes and stopped before recording it: only the record is missing.
    await markAssembled(svc, uploadId, null);
    await removeParts(svc, uploadId);
    return;
  }
  const chunks = await svc.ctx.db.selectFrom('multipart_chunks').selectAll().where('upload_id', '=', uploadId).where('reported_at', 'is not', null).orderBy('idx').execute();
  const complete = chunks.length === upload.total_chunks && chunks.every((c, i) => c.idx === i + 1 && Number(c.size) === expectedChunkSize(upload, c.idx));
  if (!complete) {
    await failUpload(svc, uploadId, 'The reported chunks do not add up to the announced file');
    return;
  }
  const total = Number(upload.total_size);
  // Staging never destroys its input (for HTTP bodies): when it stops early (more bytes than
  // announced, disk full) the concatenation would stay paused with a part file open. Close it here.
  const source = parts.concat(
    uploadId,
    chunks.map((c) => c.part_key),
  );
  let staged: StagedObject;
  try {
    staged = await svc.blobs.stage(source, { maxBytes: total, declaredSize: total });
  } finally {
    source.destroy();
  }
  if (staged.size !== total) {
    await svc.blobs.discardStaged(staged.key);
    await failUpload(svc, uploadId, `The assembled file has ${staged.size} bytes instead of the ${total} announced`);
    return;
  }
  const attached = await attachStaged(svc, upload.asset_id, staged);
  let error: string | null = null;
  if (!attached) {
    const refused = await svc.ctx.db.selectFrom('assets').select('processing_error').where('id', '=', upload.asset_id).executeTakeFirst();
    error = refused ? (refused.processing_error ?? 'The asset did not accept the file') : 'The asset was deleted before the upload completed';
  }
  await markAssembled(svc, uploadId, error);
  await removeParts(svc, uploadId);
}

/** Records that assembly is over; with an error the upload fails. */
async function markAssembled(svc: AssetServices, uploadId: string, error: string | null): Promise<void> {
  const now = svc.ctx.now();
  await svc.commits.run((trx) =>
    trx
      .updateTable('multipart_uploads')
      .set({ assembled_at: now, updated_at: now, ...(error ? { status: 'failed', error } : {}) })
      .where('id', '=', uploadId)
      .execute(),
  );
}

/** Gives up on an upload: it and its asset fail with `message`; its parts go. */
export async function failUpload(svc: AssetServices, uploadId: string, message: string): Promise<void> {
  const upload = await findUpload(svc, uploadId);
  if (!upload) return;
  const now = svc.ctx.now();
  await svc.commits.run((trx) =>
    trx.updateTable('multipart_uploads').set({ status: 'failed', error: message, updated_at: now }).where('id', '=', uploadId).where('status', 'in', ['active', 'completed']).execute(),
  );
  await failAsset(svc, upload.asset_id, message);
  await removeParts(svc, uploadId);
}

async function removeParts(svc: AssetServices, uploadId: string): Promise<void> {
  await partsOf(svc).removeUpload(uploadId);
  await svc.commits.run((trx) => trx.updateTable('multipart_uploads').set({ parts_removed_at: svc.ctx.now() }).where('id', '=', uploadId).execute());
}

/**
 * The recurring `multipart.sweep` job: expires uploads past their deadline (failing their assets),
 * and removes the parts of every upload that no longer needs them. Returns how many expired.
 */
export async function sweepUploads(svc: AssetServices, signal?: AbortSignal): Promise<number> {
  if (!svc.parts) return 0;
  const db = svc.ctx.db;
  let expired = 0;
  for (;;) {
    signal?.throwIfAborted();
    const now = svc.ctx.now();
    const due = await db.selectFrom('multipart_uploads').select(['id', 'asset_id']).where('status', '=', 'active').where('expires_at', '<=', now).limit(200).execute();
    if (due.length === 0) break;
    for (const u of due) {
      // The upload expires and its asset fails in one transaction: a crash between the two would
      // leave the asset processing forever.
      const expiredNow = await svc.commits.run(async (trx) => {
        const r = await trx
          .updateTable('multipart_uploads')
          .set({ status: 'expired', error: 'The upload expired before every chunk was reported', updated_at: now })
          .where('id', '=', u.id)
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        await markAssetFailed(trx, u.asset_id, 'The multipart upload expired before every chunk was reported', now);
        return true;
      });
      if (!expiredNow) continue;
      expired++;
      await removeParts(svc, u.id);
    }
  }
  // Parts still on disk of uploads that no longer take or need them (a crash between steps, or a
  // chunk that arrived while its upload expired).
  const onDisk = await svc.parts.uploadsWithParts();
  for (let i = 0; i < onDisk.length; i += 500) {
    signal?.throwIfAborted();
    const ids = onDisk.slice(i, i + 500);
    const live = await db
      .selectFrom('multipart_uploads')
      .select('id')
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('status', '=', 'active'), eb.and([eb('status', '=', 'completed'), eb('assembled_at', 'is', null)])]))
      .execute();
    const keep = new Set(live.map((r) => r.id));
    for (const id of ids) if (!keep.has(id)) await removeParts(svc, id);
  }
  // Finished uploads are kept a week (their status stays readable), then forgotten.
  const forgetBefore = svc.ctx.now() - FINISHED_UPLOADS_KEPT_MS;
  const old = await db
    .selectFrom('multipart_uploads')
    .select('id')
    .where('status', 'in', ['completed', 'failed', 'expired'])
    .where('parts_removed_at', 'is not', null)
    .where('updated_at', '<', forgetBefore)
    .limit(1000)
    .execute();
  if (old.length > 0) {
    const ids = old.map((r) => r.id);
    await svc.commits.run(async (trx) => {
      await trx.deleteFrom('multipart_chunks').where('upload_id', 'in', ids).execute();
      await trx.deleteFrom('multipart_uploads').where('id', 'in', ids).execute();
    });
  }
  return expired;
}
