// Blob collection. An upload claims a blob row (touched_at = now) before it relies on the file; the
// collector takes a blob only when nothing references it (asset bytes or thumbnail, annotation
// import file, export archive: see store/blobs.ts) and no upload touched it within the grace
// period, marks it 'deleting' (uploads of the same content then wait), removes the file, then the
// row. A collector that dies midway leaves a 'deleting' row the sweep finishes.
import { blobState, claimBlob, collectableBlobs, deleteBlobRow, markBlobDeleting } from '../store/blobs.js';
import type { AssetServices } from './asset-services.js';
import { AppError } from './errors.js';

/** What an attempt answers while the collector is removing the same content (see whileCollecting). */
export const BLOB_BUSY = Symbol('blob busy');

/**
 * Runs `attempt` until it stops answering BLOB_BUSY: while the collector is removing the same
 * content, waits for it, up to about 5 s, then answers Unavailable.
 */
export async function whileCollecting<T>(attempt: () => Promise<T | typeof BLOB_BUSY>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const result = await attempt();
    if (result !== BLOB_BUSY) return result;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new AppError('Unavailable', 'The storage is busy removing the same content; retry in a moment');
}

/** Claims the blob before its file is relied on (promoted onto, referenced), waiting out a collector of the same content. */
export const claimBlobWaiting = (svc: AssetServices, sha256: string, size: number): Promise<void> =>
  whileCollecting(() => svc.commits.run(async (trx) => ((await claimBlob(trx, sha256, size, svc.ctx.now())) ? undefined : BLOB_BUSY)));

/** Collects those of `sha256s` that nothing uses any more; returns how many went. */
export async function collectBlobs(svc: AssetServices, sha256s: string[], signal?: AbortSignal): Promise<number> {
  const { db } = svc.ctx;
  const touchedBefore = svc.ctx.now() - svc.limits.blobGcGraceMs;
  let removed = 0;
  for (const sha256 of new Set(sha256s)) {
    signal?.throwIfAborted();
    const owned = (await markBlobDeleting(db, sha256, touchedBefore)) || (await blobState(db, sha256)) === 'deleting';
    if (!owned) continue;
    await svc.blobs.delete(sha256);
    await deleteBlobRow(db, sha256);
    removed++;
  }
  return removed;
}

/** The recurring sweep: blobs released long enough ago that the immediate collection skipped them. */
export async function sweepBlobs(svc: AssetServices, signal?: AbortSignal): Promise<number> {
  let removed = 0;
  for (let round = 0; round < 100; round++) {
    const candidates = await collectableBlobs(svc.ctx.db, svc.ctx.now() - svc.limits.blobGcGraceMs, 500);
    if (candidates.length === 0) break;
    const n = await collectBlobs(svc, candidates, signal);
    removed += n;
    if (n === 0) break;
  }
  return removed;
}
