// Assets of the TwelveLabs surface (/v1.3). They are ordinary assets of the organization's media
// library dataset: same blob store, sniffing, probing, thumbnails and signed URLs as Vi uploads.
// A TwelveLabs asset is `processing` from its creation until a job has inspected its bytes, then
// `ready` or `failed` (with a message). URL and multipart assets exist before their bytes do: their
// row then has no blob (sha256 '') until the bytes are attached.
import path from 'node:path';
import { isPlainFilename } from '@vireo/wire';
import { sql } from 'kysely';
import type { StagedObject } from '../blobs/store.js';
import { CachedReader } from '../media/reader.js';
import { sniff } from '../media/sniff.js';
import type { MediaInfo, MediaKind } from '../media/types.js';
import * as assetStore from '../store/assets.js';
import type { AssetRow } from '../store/assets.js';
import { touchBlob } from '../store/blobs.js';
import { claimBlobWaiting } from './blob-gc.js';
import type { Trx } from '../store/commit-queue.js';
import type { AssetServices } from './asset-services.js';
import type { Principal } from './context.js';
import { AppError, invalid } from './errors.js';
import { newId } from './ids.js';
import { ensureMediaLibrary, findMediaLibrary } from './media-library.js';

export type TlMethod = 'direct' | 'url' | 'multipart';
export type TlStatus = 'processing' | 'ready' | 'failed';
export type UserMetadata = Record<string, string | number | boolean>;

export interface NewAssetSpec {
  method: TlMethod;
  /** The name the client gave (already validated with checkFilename). */
  filename: string;
  userMetadata?: UserMetadata | null;
  /** Expected kind of a pending asset (multipart's `type`); the content decides once bytes arrive. */
  kind?: MediaKind;
}

/** A row with no bytes yet (URL and multipart assets before their bytes are attached). */
export const hasBytes = (asset: Pick<AssetRow, 'sha256'>): boolean => asset.sha256 !== '';

/** A TwelveLabs filename: 1–255 characters, a plain name (it becomes the Vi filename too). */
export function checkFilename(filename: string, field = 'filename'): string {
  if (filename.length === 0 || filename.length > 255) throw invalid(`${field} must be 1 to 255 characters long (got ${filename.length})`, 'parameter_invalid');
  if (!isPlainFilename(filename)) {
    throw invalid(`${field} "${filename}" must be a plain file name (no "/", "\\" or control characters)`, 'parameter_invalid');
  }
  return filename;
}

/** User metadata as TwelveLabs takes it: an object of strings, numbers and booleans. */
export function checkUserMetadata(value: unknown): UserMetadata {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('user_metadata must be a JSON object, e.g. {"camera":"north","take":3}', 'parameter_invalid');
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw invalid(`user_metadata.${k} must be a string, a number or a boolean (got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v})`, 'parameter_invalid');
    }
  }
  return value as UserMetadata;
}

/** The largest file of this kind that may arrive by this method. */
export function maxBytesFor(svc: AssetServices, method: TlMethod, kind: 'image' | 'av'): number {
  if (kind === 'image') return svc.limits.tlImageMaxBytes;
  if (method === 'direct') return svc.limits.tlDirectMaxBytes;
  if (method === 'url') return svc.limits.tlUrlMaxBytes;
  return Number.MAX_SAFE_INTEGER; // multipart: its session enforces its own limit
}

/**
 * What the staged bytes are, checked against the limits of `method`: throws 400 parameter_invalid
 * for an unsupported or empty file and 413 for one over its kind's limit.
 */
export async function checkStaged(svc: AssetServices, staged: StagedObject, method: TlMethod): Promise<{ mime: string; kind: MediaKind }> {
  if (staged.size === 0) throw invalid('The file is empty', 'parameter_invalid');
  const sniffed = await sniff(new CachedReader(svc.blobs.openStaged(staged.key, staged.size)));
  if (sniffed.kind === 'other') {
    const what = sniffed.mime ? `The file is ${sniffed.label}` : 'The content of the file is of no recognised type';
    throw invalid(`${what}; accepted: video, audio and images`, 'parameter_invalid');
  }
  const kind = sniffed.kind === 'image' ? 'image' : 'av';
  const max = maxBytesFor(svc, method, kind);
  if (staged.size > max) {
    throw new AppError('PayloadTooLarge', `The ${kind === 'image' ? 'image' : 'file'} is ${staged.size} bytes; the limit for ${kind === 'image' ? 'images' : `video and audio (${method})`} is ${max} bytes`, {
      detail: 'file_too_large',
    });
  }
  return { mime: sniffed.mime, kind: kind === 'image' ? 'Image' : sniffed.mime.startsWith('audio/') ? 'Audio' : 'Video' };
}

/**
 * Creates an asset from bytes already in staging (direct uploads; multipart assembly may reuse it):
 * checks them (400/413 AppErrors, nothing created), stores the blob, inserts the asset as
 * `processing` in the media library and queues its processing. The staged object is consumed on
 * success; on an error the caller discards it.
 */
export async function createAssetFromStaged(svc: AssetServices, principal: Principal, staged: StagedObject, spec: NewAssetSpec): Promise<AssetRow> {
  const { mime, kind } = await checkStaged(svc, staged, spec.method);
  const datasetId = await ensureMediaLibrary(svc.ctx, principal);
  await claimBlobWaiting(svc, staged.sha256, staged.size);
  await svc.blobs.promote(staged.key, staged.sha256);
  const id = newId();
  const now = svc.ctx.now();
  const row: AssetRow = {
    ...emptyRow(id, datasetId, principal, spec, now),
    kind,
    mime,
    size: staged.size,
    crc32c: staged.crc32c,
    sha256: staged.sha256,
  };
  const inserted = await insertUniquelyNamed(svc, row, async (trx) => {
    if (!(await touchBlob(trx, staged.sha256, now))) throw new AppError('Unavailable', 'The stored bytes were collected; retry the upload');
    await svc.ctx.jobs.enqueue('twelvelabs.process', { assetId: id }, { maxAttempts: 3 }, trx);
  });
  svc.ctx.jobs.notify();
  return inserted;
}

/** Creates an asset whose bytes come later (URL fetch, multipart upload): `processing`, no blob. */
export async function createPendingAsset(
  svc: AssetServices,
  principal: Principal,
  spec: NewAssetSpec,
  inTransaction?: (trx: Trx, asset: AssetRow) => Promise<void>,
): Promise<AssetRow> {
  const datasetId = await ensureMediaLibrary(svc.ctx, principal);
  const row = emptyRow(newId(), datasetId, principal, spec, svc.ctx.now());
  const inserted = await insertUniquelyNamed(svc, row, inTransaction ? (trx) => inTransaction(trx, row) : undefined);
  svc.ctx.jobs.notify();
  return inserted;
}

/**
 * Gives a pending asset its bytes: checks them against the asset's method, stores the blob, and
 * queues processing. A refused file fails the asset (its message says why) and answers false.
 * The staged object is consumed either way.
 */
export async function attachStaged(svc: AssetServices, assetId: string, staged: StagedObject): Promise<boolean> {
  try {
    const asset = await assetStore.findAssetById(svc.ctx.db, assetId);
    if (!asset || asset.processing_status !== 'processing' || hasBytes(asset)) return false;
    let checked: { mime: string; kind: MediaKind };
    try {
      checked = await checkStaged(svc, staged, (asset.tl_method ?? 'direct') as TlMethod);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await failAsset(svc, assetId, err.message);
      return false;
    }
    await claimBlobWaiting(svc, staged.sha256, staged.size);
    await svc.blobs.promote(staged.key, staged.sha256);
    const attached = await svc.commits.run(async (trx) => {
      const now = svc.ctx.now();
      if (!(await touchBlob(trx, staged.sha256, now))) throw new AppError('Unavailable', 'The stored bytes were collected; try again');
      const r = await trx
        .updateTable('assets')
        .set((eb) => ({
          kind: checked.kind,
          mime: checked.mime,
          size: staged.size,
          crc32c: staged.crc32c,
          sha256: staged.sha256,
          updated_at: now,
          contents_updated_at: now,
          generation: eb('generation', '+', 1),
        }))
        .where('id', '=', assetId)
        .where('sha256', '=', '')
        .where('processing_status', '=', 'processing')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await svc.ctx.jobs.enqueue('twelvelabs.process', { assetId }, { maxAttempts: 3 }, trx);
      return true;
    });
    if (attached) svc.ctx.jobs.notify();
    return attached;
  } finally {
    await svc.blobs.discardStaged(staged.key); // a no-op once promoted
  }
}

/** The `twelvelabs.process` job: inspects (probes) the stored bytes and makes the asset ready or failed. */
export async function processAsset(svc: AssetServices, assetId: string): Promise<void> {
  const asset = await assetStore.findAssetById(svc.ctx.db, assetId);
  if (!asset || asset.processing_status !== 'processing' || !hasBytes(asset)) return; // deleted, done, or no bytes yet
  const inspected = await svc.media.inspect(svc.blobs.open(asset.sha256, Number(asset.size)), {
    accept: ['Image', 'Video', 'Audio'],
    maxPixels: svc.limits.maxImagePixels,
  });
  if (!inspected.ok) {
    await failAsset(svc, assetId, inspected.rejection.message);
    return;
  }
  const info = inspected.info;
  const now = svc.ctx.now();
  await svc.commits.run((trx) =>
    trx
      .updateTable('assets')
      .set((eb) => ({
        ...mediaColumns(info),
        processing_status: 'ready',
        processing_error: null,
        updated_at: now,
        generation: eb('generation', '+', 1),
      }))
      .where('id', '=', assetId)
      .where('sha256', '=', asset.sha256)
      .where('processing_status', '=', 'processing')
      .execute(),
  );
}

/** Marks a still-processing asset failed, with a message for people. */
export async function failAsset(svc: AssetServices, assetId: string, message: string): Promise<void> {
  const now = svc.ctx.now();
  await svc.commits.run((trx) => markAssetFailed(trx, assetId, message, now));
}

/** Fails a processing asset inside the caller's transaction (so that what failed it commits with it). */
export async function markAssetFailed(trx: Trx, assetId: string, message: string, now: number): Promise<void> {
  await trx
    .updateTable('assets')
    .set((eb) => ({ processing_status: 'failed', processing_error: message.slice(0, 2000), updated_at: now, generation: eb('generation', '+', 1) }))
    .where('id', '=', assetId)
    .where('processing_status', '=', 'processing')
    .execute();
}

function mediaColumns(info: MediaInfo) {
  const t = info.technical ?? {};
  const num = (k: string) => (typeof t[k] === 'number' ? (t[k] as number) : null);
  const str = (k: string) => (typeof t[k] === 'string' ? (t[k] as string) : null);
  return {
    kind: info.kind,
    mime: info.mime,
    width: info.width,
    height: info.height,
    frames: info.frames,
    media: info.technical ? JSON.stringify(info.technical) : null,
    duration_ms: info.durationMs ?? null,
    video_codec: str('video_codec'),
    audio_codec: str('audio_codec'),
    fps: num('video_fps'),
    sample_rate: num('audio_sample_rate'),
    channels: num('audio_channels'),
  };
}

function emptyRow(id: string, datasetId: string, principal: Principal, spec: NewAssetSpec, now: number): AssetRow {
  return {
    id,
    dataset_id: datasetId,
    organization_id: principal.organizationId,
    filename: spec.filename,
    kind: spec.kind ?? 'Video',
    mime: 'application/octet-stream',
    size: 0,
    crc32c: 0,
    sha256: '',
    width: null,
    height: null,
    frames: 0,
    media: null,
    custom_metadata: JSON.stringify(spec.userMetadata ?? {}),
    status: 'None',
    source: 'upload',
    inserted_by: principal.userId,
    created_at: now,
    updated_at: now,
    contents_updated_at: now,
    generation: 1,
    thumbnail_sha256: null,
    tl_method: spec.method,
    processing_status: 'processing',
    processing_error: null,
    original_filename: null,
  };
}

/**
 * Inserts the row under its own filename when the dataset has none by that name, else under a
 * unique variant ("cat (01j…).png", the TwelveLabs name kept in original_filename): TwelveLabs
 * allows repeated names, a Vi dataset does not.
 */
async function insertUniquelyNamed(
  svc: AssetServices,
  row: AssetRow,
  alsoInTransaction?: (trx: Trx) => Promise<void>,
): Promise<AssetRow> {
  const attempt = (forceVariant: boolean) =>
    svc.commits.run(async (trx) => {
      const taken = forceVariant || (await assetStore.findAssetByFilename(trx, row.dataset_id, row.filename)) !== undefined;
      const final: AssetRow = taken ? { ...row, filename: uniqueVariant(row.filename, row.id), original_filename: row.filename } : row;
      await assetStore.insertAsset(trx, final);
      await alsoInTransaction?.(trx);
      return final;
    });
  try {
    return await attempt(false);
  } catch (err) {
    // Another process took the name between the check and the insert (unique index): use the variant.
    if (!/unique|duplicate key/i.test((err as Error).message ?? '')) throw err;
    return attempt(true);
  }
}

function uniqueVariant(filename: string, id: string): string {
  const ext = path.extname(filename);
  const stem = filename.slice(0, filename.length - ext.length);
  const variant = `${stem} (${id})${ext}`;
  return variant.length <= 255 ? variant : `${id}${ext.slice(0, 200)}`;
}


/** A TwelveLabs asset of the organization (in its media library), or 404 resource_not_exist. */
export async function requireTlAsset(svc: AssetServices, organizationId: string, assetId: string): Promise<AssetRow> {
  const datasetId = await findMediaLibrary(svc.ctx, organizationId);
  const asset = datasetId ? await assetStore.findAsset(svc.ctx.db, datasetId, assetId) : undefined;
  if (!asset) throw new AppError('NotFound', `Resource with id ${assetId} does not exist in assets.`, { detail: 'resource_not_exist' });
  return asset;
}

export interface TlListRequest {
  page: number;
  pageLimit: number;
  assetIds?: string[];
  kinds?: MediaKind[];
  /** Case-insensitive substring of the filename. */
  filename?: string;
}

export interface TlListPage {
  items: AssetRow[];
  total: number;
}

/** One page of the media library, newest first, with the number of matches. */
export async function listTlAssets(svc: AssetServices, organizationId: string, r: TlListRequest): Promise<TlListPage> {
  const datasetId = await findMediaLibrary(svc.ctx, organizationId);
  if (!datasetId || (r.kinds && r.kinds.length === 0) || (r.assetIds && r.assetIds.length === 0)) return { items: [], total: 0 };
  let q = svc.ctx.db.selectFrom('assets').where('dataset_id', '=', datasetId);
  if (r.assetIds) q = q.where('id', 'in', r.assetIds);
  if (r.kinds) q = q.where('kind', 'in', r.kinds);
  if (r.filename !== undefined && r.filename !== '') {
    const pattern = `%${r.filename.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // SQLite's LIKE has no escape character unless told; PostgreSQL's default is the same backslash.
    q = q.where(sql<boolean>`lower(coalesce(original_filename, filename)) like ${pattern} escape '\\'`);
  }
  const counted = await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const items = await q
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(r.pageLimit)
    .offset((r.page - 1) * r.pageLimit)
    .execute();
  return { items, total: Number(counted.n) };
}

/** Deletes a TwelveLabs asset (from the media library, so from the Vi views too); its blobs go to the collector. */
export async function deleteTlAsset(svc: AssetServices, organizationId: string, assetId: string): Promise<void> {
  const asset = await requireTlAsset(svc, organizationId, assetId);
  const deleted = await svc.ctx.db.transaction().execute(async (trx) => {
    const released = await assetStore.deleteAssets(trx, [asset.id]);
    if (released.length === 0) return false;
    await svc.ctx.jobs.enqueue('blobs.collect', { sha256s: released.filter((s) => s !== '') }, { priority: -5 }, trx);
    return true;
  });
  if (deleted) svc.ctx.jobs.notify();
}

/** Replaces (or, with `merge`, updates key by key, dropping `removed`) the asset's user metadata; null clears it. */
export async function setUserMetadata(
  svc: AssetServices,
  organizationId: string,
  assetId: string,
  metadata: UserMetadata | null,
  merge: boolean,
  removed: string[] = [],
): Promise<AssetRow> {
  return svc.commits.run(async (trx) => {
    const datasetId = await findMediaLibrary({ ...svc.ctx, db: trx }, organizationId);
    const asset = datasetId ? await assetStore.findAsset(trx, datasetId, assetId) : undefined;
    if (!asset) throw new AppError('NotFound', `Resource with id ${assetId} does not exist in assets.`, { detail: 'resource_not_exist' });
    const next: UserMetadata = merge ? { ...(JSON.parse(asset.custom_metadata) as UserMetadata), ...(metadata ?? {}) } : { ...(metadata ?? {}) };
    for (const key of removed) delete next[key];
    const custom = JSON.stringify(next);
    const now = svc.ctx.now();
    await trx
      .updateTable('assets')
      .set((eb) => ({ custom_metadata: custom, updated_at: now, generation: eb('generation', '+', 1) }))
      .where('id', '=', asset.id)
      .execute();
    return { ...asset, custom_metadata: custom, updated_at: now };
  });
}
