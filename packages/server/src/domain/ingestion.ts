// Asset ingestion sessions of the Vi protocol (§5.1): a session announces files, bytes arrive by
// signed PUT, each file is verified and becomes an asset, and the session finishes by itself when
// every file is settled or its deadline passes. Every step is committed before it is acknowledged.
import type { Readable } from 'node:stream';
import { isPlainFilename } from '@vireo/wire';
import { StageLimitError, type StagedObject } from '../blobs/store.js';
import type { MediaInfo } from '../media/types.js';
import * as assetStore from '../store/assets.js';
import { claimBlob } from '../store/blobs.js';
import { datasetIsLive } from '../store/datasets.js';
import { BLOB_BUSY, whileCollecting } from './blob-gc.js';
import type { Trx } from '../store/commit-queue.js';
import * as store from '../store/ingestion.js';
import type { IngestionItemRow, IngestionSessionRow } from '../store/ingestion.js';
import type { AssetServices } from './asset-services.js';
import type { Principal } from './context.js';
import { requireDataset } from './datasets.js';
import { AppError, invalid, notFound, type ErrorCode } from './errors.js';
import { newId } from './ids.js';

export type { IngestionItemRow, IngestionSessionRow };
export type FailureMode = 'FailAfterOne' | 'FailAfterAll';
export type RetentionMode = 'RemoveLinkedResource' | 'KeepLinkedResources';

export interface SessionView {
  session: IngestionSessionRow;
  items: IngestionItemRow[];
}

export interface AnnouncedFile {
  filename: string;
  mime: string;
  size: number;
  /** Signed or unsigned 32-bit CRC32C. */
  crc32c: number;
  customMetadata?: Record<string, string | number | boolean> | null;
  kind?: string | null;
}

export interface SessionSpec {
  assets: AnnouncedFile[];
  kind?: string | null;
  failureMode?: FailureMode | null;
  onAssetOverwritten?: RetentionMode | 'KeepLinkedResource' | null;
}

/** What a PUT of bytes is answered: success, or the item's failure (the same on every repeat). */
export type UploadAnswer = { ok: true } | { ok: false; error: AppError };

export async function createSession(svc: AssetServices, principal: Principal, datasetId: string, spec: SessionSpec): Promise<SessionView> {
  const { ctx, limits } = svc;
  const max = limits.maxFilesPerSession;
  if (spec.assets.length > max) {
    throw invalid(`A session takes at most ${max} files (got ${spec.assets.length}): split the upload into several sessions`);
  }
  for (const [i, f] of spec.assets.entries()) {
    if (!isPlainFilename(f.filename)) {
      throw invalid(`spec.assets[${i}].filename "${f.filename}" must be a plain file name (no directories, no control characters)`);
    }
  }
  const failureMode: FailureMode = spec.failureMode ?? 'FailAfterOne';
  const retention: RetentionMode = spec.onAssetOverwritten === 'RemoveLinkedResource' || !spec.onAssetOverwritten ? 'RemoveLinkedResource' : 'KeepLinkedResources';

  const view = await ctx.db.transaction().execute(async (trx) => {
    const dataset = await requireDataset({ ...ctx, db: trx }, principal.organizationId, datasetId);
    const now = ctx.now();
    const id = newId();
    const existing = new Map(
      (await assetStore.assetsByFilenames(trx, dataset.id, [...new Set(spec.assets.map((a) => a.filename))])).map((a) => [a.filename, a]),
    );
    const seen = new Set<string>();
    let succeeded = 0;
    let errored = 0;
    const metadataUpdates: Array<{ id: string; custom: string }> = [];
    const items = spec.assets.map((f, idx): IngestionItemRow => {
      const crc = f.crc32c >>> 0;
      const custom = f.customMetadata ? JSON.stringify(f.customMetadata) : null;
      const item: IngestionItemRow = {
        session_id: id,
        idx,
        filename: f.filename,
        kind: f.kind ?? 'Image',
        mime: f.mime,
        size: f.size,
        crc32c: crc,
        custom_metadata: custom,
        state: 'pending',
        error_code: null,
        error_message: null,
        reject_as: null,
        asset_id: null,
        settled_at: null,
      };
      const settleError = (code: string, message: string, rejectAs: ErrorCode) => {
        Object.assign(item, { state: 'errored', error_code: code, error_message: message, reject_as: rejectAs, settled_at: now });
        errored++;
      };
      const dup = seen.has(f.filename);
      seen.add(f.filename);
      const match = existing.get(f.filename);
      if (dup) settleError('EALREADY', `${f.filename} appears earlier in this session; only the first is taken`, 'Conflict');
      else if (f.size > limits.maxUploadBytes) {
        settleError('EBADSIZE', `${f.filename} is ${f.size} bytes; the limit is ${limits.maxUploadBytes}`, 'PayloadTooLarge');
      } else if (f.size === 0) settleError('EBADSIZE', `${f.filename} is empty`, 'ValidationFailed');
      else if (match && Number(match.size) === f.size && Number(match.crc32c) === crc) {
        // Resume: the dataset already holds these exact bytes under this name.
        Object.assign(item, { state: 'succeeded', asset_id: match.id, settled_at: now });
        succeeded++;
        if (custom !== null && custom !== match.custom_metadata) metadataUpdates.push({ id: match.id, custom });
      }
      return item;
    });
    // FailAfterOne: a file refused already at creation is the first failure; nothing else is taken.
    const halted = failureMode === 'FailAfterOne' && errored > 0;
    if (halted) {
      const first = items.find((i) => i.state === 'errored')!;
      for (const item of items) {
        if (item.state !== 'pending') continue;
        Object.assign(item, {
          state: 'errored',
          error_code: 'ENOASSET',
          error_message: `not taken: the session stopped at the first failure (${first.filename}: ${first.error_code}) as FailAfterOne asks`,
          reject_as: 'Conflict',
          settled_at: now,
        });
        errored++;
      }
    }
    const session: IngestionSessionRow = {
      id,
      organization_id: principal.organizationId,
      dataset_id: dataset.id,
      spec_kind: spec.kind ?? 'Upload',
      failure_mode: failureMode,
      on_overwritten: retention,
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
      generation: 1,
      deadline_at: now + limits.uploadUrlTtlMs,
      total: items.length,
      succeeded,
      errored,
      halted_at: halted ? now : null,
      finished_at: succeeded + errored === items.length ? now : null,
    };
    await store.insertSession(trx, session, items);
    for (const u of metadataUpdates) {
      await trx
        .updateTable('assets')
        .set((eb) => ({ custom_metadata: u.custom, updated_at: now, generation: eb('generation', '+', 1) }))
        .where('id', '=', u.id)
        .execute();
    }
    if (session.finished_at === null) {
      await ctx.jobs.enqueue('ingestion.expire', { sessionId: id }, { runAt: session.deadline_at, uniqueKey: `ingestion.expire:${id}`, maxAttempts: 50 }, trx);
    }
    return { session, items };
  });
  ctx.jobs.notify();
  return view;
}

export async function getSession(svc: AssetServices, organizationId: string, datasetId: string, sessionId: string): Promise<SessionView> {
  const session = await store.findSession(svc.ctx.db, sessionId);
  if (!session || session.organization_id !== organizationId || session.dataset_id !== datasetId) {
    throw notFound('Asset ingestion session', sessionId);
  }
  return { session, items: await store.listItems(svc.ctx.db, sessionId) };
}

/**
 * What a PUT needs of its session. None of these fields changes after the session is created, so
 * they are cached: a PUT then reads only its item (whose state says whether it still takes bytes).
 */
export type UploadSession = Pick<IngestionSessionRow, 'id' | 'organization_id' | 'dataset_id' | 'failure_mode' | 'on_overwritten' | 'created_by'>;

const SESSION_CACHE_SIZE = 1000;
const sessionCaches = new WeakMap<AssetServices, Map<string, UploadSession>>();

async function uploadSession(svc: AssetServices, sessionId: string): Promise<UploadSession | undefined> {
  let cache = sessionCaches.get(svc);
  if (!cache) sessionCaches.set(svc, (cache = new Map()));
  const hit = cache.get(sessionId);
  if (hit) return hit;
  const row = await store.findSession(svc.ctx.db, sessionId);
  if (!row) return undefined;
  const { id, organization_id, dataset_id, failure_mode, on_overwritten, created_by } = row;
  const session = { id, organization_id, dataset_id, failure_mode, on_overwritten, created_by };
  // Oldest first out: a Map iterates in insertion order.
  if (cache.size >= SESSION_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(sessionId, session);
  return session;
}

/** The session and item a signed upload URL names (the signature was checked by the caller). */
export async function findUpload(svc: AssetServices, sessionId: string, idx: number): Promise<{ session: UploadSession; item: IngestionItemRow }> {
  const [session, item] = await Promise.all([uploadSession(svc, sessionId), store.findItem(svc.ctx.db, sessionId, idx)]);
  if (!session || !item) throw notFound('Upload', `${sessionId}/${idx}`);
  return { session, item };
}

/** The answer for an item that is already settled, or undefined while it still takes bytes. */
export function answerForSettled(item: IngestionItemRow): UploadAnswer | undefined {
  if (item.state === 'pending') return undefined;
  if (item.state === 'succeeded') return { ok: true };
  return { ok: false, error: itemError(item) };
}

const itemError = (item: IngestionItemRow) =>
  new AppError((item.reject_as as ErrorCode | null) ?? 'ValidationFailed', `${item.error_code}: ${item.error_message}`, { detail: item.error_code ?? undefined });

/**
 * Receives the bytes of a pending item from a live request stream into staging, then ingests them.
 * `contentLength` is the request's declared length, when it has one.
 */
export async function receiveBytes(
  svc: AssetServices,
  session: UploadSession,
  item: IngestionItemRow,
  body: Readable,
  contentLength: number | undefined,
): Promise<UploadAnswer> {
  const max = svc.limits.maxUploadBytes;
  if (contentLength !== undefined && contentLength > max) {
    return settleFailure(svc, session, item, 'EBADSIZE', `the body is ${contentLength} bytes; the limit is ${max}`, 'PayloadTooLarge');
  }
  if (contentLength !== undefined && contentLength !== Number(item.size)) {
    return settleFailure(svc, session, item, 'EBADSIZE', `the body is ${contentLength} bytes but ${item.size} were announced`, 'ValidationFailed');
  }
  let staged: StagedObject;
  try {
    staged = await svc.blobs.stage(body, { maxBytes: max, declaredSize: Number(item.size) });
  } catch (err) {
    if (!(err instanceof StageLimitError)) throw err; // the client went away: the item still takes bytes
    return err.reason === 'too-large'
      ? settleFailure(svc, session, item, 'EBADSIZE', `the body is larger than the limit of ${max} bytes`, 'PayloadTooLarge')
      : settleFailure(svc, session, item, 'EBADSIZE', `the body is longer than the ${item.size} bytes announced`, 'ValidationFailed');
  }
  try {
    return await ingestStaged(svc, session, item, staged);
  } finally {
    await svc.blobs.discardStaged(staged.key); // a no-op once promoted
  }
}

/**
 * Everything after the bytes have landed in staging: verify, inspect, make the blob, settle. Works
 * from the staged object alone (an S3 store's clients PUT straight into staging).
 */
export async function ingestStaged(svc: AssetServices, session: UploadSession, item: IngestionItemRow, staged: StagedObject): Promise<UploadAnswer> {
  if (staged.size !== Number(item.size)) {
    return settleFailure(svc, session, item, 'EBADSIZE', `received ${staged.size} bytes but ${item.size} were announced`, 'ValidationFailed');
  }
  if (staged.crc32c !== Number(item.crc32c)) {
    return settleFailure(
      svc,
      session,
      item,
      'ECORRUPT',
      `the bytes have CRC32C ${staged.crc32c} but ${item.crc32c} was announced (the file changed or was damaged in transit)`,
      'ValidationFailed',
    );
  }
  const inspected = await svc.media.inspect(svc.blobs.openStaged(staged.key, staged.size), {
    accept: ['Image'],
    declaredMime: item.mime,
    maxPixels: svc.limits.maxImagePixels,
  });
  if (!inspected.ok) {
    const { code, message } = inspected.rejection;
    return settleFailure(svc, session, item, code, message, code === 'EBADMIME' ? 'UnsupportedMediaType' : 'ValidationFailed');
  }
  return settleSuccess(svc, session, item, staged, inspected.info);
}

/**
 * One transaction per file: claim the blob, put the file in place, settle the item, write the
 * asset. The claim comes first, so no collector can be removing this content while the file is
 * promoted; the promotion comes before the commit, so a committed asset always has its bytes. If
 * the transaction then fails, the file stays behind unreferenced (the same bytes a later upload of
 * this content would put there), never an asset without bytes.
 */
function settleSuccess(svc: AssetServices, session: UploadSession, item: IngestionItemRow, staged: StagedObject, info: MediaInfo): Promise<UploadAnswer> {
  let enqueued = false;
  const attempt = () =>
    svc.commits.run(async (trx): Promise<UploadAnswer | typeof BLOB_BUSY> => {
      const now = svc.ctx.now();
      if (!(await datasetIsLive(trx, session.dataset_id))) {
        return failInTrx(trx, session, item, 'EPROJECT', 'the dataset was deleted during the upload', 'NotFound', now);
      }
      if (!(await claimBlob(trx, staged.sha256, staged.size, now))) return BLOB_BUSY;
      const existing = await assetStore.findAssetByFilename(trx, session.dataset_id, item.filename);
      const assetId = existing?.id ?? newId();
      if (!(await store.settleItem(trx, session.id, item.idx, { state: 'succeeded', assetId }, now))) return currentAnswer(trx, item);
      await svc.blobs.promote(staged.key, staged.sha256);
      const contents = {
        kind: info.kind,
        mime: info.mime,
        size: staged.size,
        crc32c: staged.crc32c,
        sha256: staged.sha256,
        width: info.width,
        height: info.height,
        frames: info.frames,
        media: info.technical ? JSON.stringify(info.technical) : null,
      };
      if (existing) {
        await trx
          .updateTable('assets')
          .set((eb) => ({
            ...contents,
            custom_metadata: item.custom_metadata ?? existing.custom_metadata,
            updated_at: now,
            contents_updated_at: now,
            generation: eb('generation', '+', 1),
            thumbnail_sha256: existing.sha256 === staged.sha256 ? existing.thumbnail_sha256 : null,
          }))
          .where('id', '=', existing.id)
          .execute();
        if (session.on_overwritten === 'RemoveLinkedResource') {
          await trx.deleteFrom('annotations').where('asset_id', '=', existing.id).execute();
        }
        if (existing.sha256 !== staged.sha256) {
          await svc.ctx.jobs.enqueue('blobs.collect', { sha256s: assetStore.releasedBlobs([existing]) }, { priority: -5 }, trx);
          enqueued = true;
        }
      } else {
        await assetStore.insertUploadedAsset(trx, {
          id: assetId,
          dataset_id: session.dataset_id,
          organization_id: session.organization_id,
          filename: item.filename,
          ...contents,
          custom_metadata: item.custom_metadata ?? '{}',
          status: 'None',
          source: 'upload',
          inserted_by: session.created_by,
          created_at: now,
          updated_at: now,
          contents_updated_at: now,
          generation: 1,
          thumbnail_sha256: null,
        });
      }
      await store.advanceSession(trx, session.id, { succeeded: 1 }, now);
      return { ok: true };
    });
  return whileCollecting(attempt).finally(() => {
    if (enqueued) svc.ctx.jobs.notify();
  });
}

function settleFailure(
  svc: AssetServices,
  session: UploadSession,
  item: IngestionItemRow,
  code: string,
  message: string,
  rejectAs: ErrorCode,
): Promise<UploadAnswer> {
  return svc.commits.run((trx) => failInTrx(trx, session, item, code, message, rejectAs, svc.ctx.now()));
}

async function failInTrx(
  trx: Trx,
  session: UploadSession,
  item: IngestionItemRow,
  code: string,
  message: string,
  rejectAs: ErrorCode,
  now: number,
): Promise<UploadAnswer> {
  if (!(await store.settleItem(trx, session.id, item.idx, { state: 'errored', errorCode: code, errorMessage: message, rejectAs }, now))) {
    return currentAnswer(trx, item);
  }
  let stopped = 0;
  const halt = session.failure_mode === 'FailAfterOne';
  if (halt) {
    stopped = await store.settleAllPending(
      trx,
      session.id,
      { code: 'ENOASSET', message: `not taken: the session stopped at the first failure (${item.filename}: ${code}) as FailAfterOne asks`, rejectAs: 'Conflict' },
      now,
    );
  }
  await store.advanceSession(trx, session.id, { errored: 1 + stopped, halt }, now);
  return { ok: false, error: new AppError(rejectAs, `${code}: ${message}`, { detail: code }) };
}

async function currentAnswer(trx: Trx, item: IngestionItemRow): Promise<UploadAnswer> {
  const now = await store.findItem(trx, item.session_id, item.idx);
  return (now && answerForSettled(now)) ?? { ok: false, error: new AppError('Conflict', 'The file is being received by another request') };
}

/** The `ingestion.expire` job: at the deadline, files that never arrived are ETIMEOUT and the session finishes. */
export async function expireSession(svc: AssetServices, sessionId: string): Promise<void> {
  await svc.commits.run(async (trx) => {
    const session = await store.findSession(trx, sessionId);
    if (!session || session.finished_at !== null) return;
    const now = svc.ctx.now();
    const n = await store.settleAllPending(
      trx,
      sessionId,
      { code: 'ETIMEOUT', message: 'the file did not arrive before the session deadline', rejectAs: 'Conflict' },
      now,
    );
    await store.advanceSession(trx, sessionId, { errored: n }, now);
    // Counters can only disagree with the items after manual edits; the deadline finishes the session regardless.
    await trx.updateTable('ingestion_sessions').set({ finished_at: now }).where('id', '=', sessionId).where('finished_at', 'is', null).execute();
  });
}
