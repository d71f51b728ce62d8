// The blobs table: which content-addressed blobs exist, and the claim/collect protocol that keeps
// an upload and the collector from racing on the same content (see domain/blob-gc.ts). A blob is in
// use while an asset (bytes or thumbnail), an annotation import file or a dataset export (archive)
// references it.
import { sql } from 'kysely';
import type { Db } from './db.js';
import type { Trx } from './commit-queue.js';
import { prepare } from './prepared.js';

const insertOrTouchLive = prepare(['sha256', 'size', 'now'], (db, p: { sha256: string; size: number; now: number }) =>
  db
    .insertInto('blobs')
    .values({ sha256: p.sha256, size: p.size, state: 'live', touched_at: p.now })
    .onConflict((oc) => oc.column('sha256').doUpdateSet({ touched_at: p.now }).where('blobs.state', '=', 'live'))
    .returning('state'),
);

/**
 * Claims a blob for an upload that is about to rely on it: creates the row or refreshes its
 * `touched_at`. Answers false while the collector holds the row ('deleting'): wait and try again.
 */
export async function claimBlob(db: Db | Trx, sha256: string, size: number, now: number): Promise<boolean> {
  // No row comes back when the conflicting row is not live (the update's condition fails).
  const { rows } = await insertOrTouchLive(db, { sha256, size, now });
  return rows[0]?.state === 'live';
}

/** Refreshes a live blob's claim; false when it is gone or being deleted. */
export async function touchBlob(db: Db | Trx, sha256: string, now: number): Promise<boolean> {
  const r = await db.updateTable('blobs').set({ touched_at: now }).where('sha256', '=', sha256).where('state', '=', 'live').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Marks the blob 'deleting' when nothing references it and no upload touched it since
 * `touchedBefore`. True when the caller now owns its removal.
 */
export async function markBlobDeleting(db: Db | Trx, sha256: string, touchedBefore: number): Promise<boolean> {
  const r = await db
    .updateTable('blobs')
    .set({ state: 'deleting' })
    .where('sha256', '=', sha256)
    .where('state', '=', 'live')
    .where('touched_at', '<', touchedBefore)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('assets').select(sql.lit(1).as('x')).where('assets.sha256', '=', sha256))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('assets').select(sql.lit(1).as('x')).where('assets.thumbnail_sha256', '=', sha256))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('annotation_import_files').select(sql.lit(1).as('x')).where('annotation_import_files.sha256', '=', sha256))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('dataset_exports').select(sql.lit(1).as('x')).where('dataset_exports.archive_sha256', '=', sha256))))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export const deleteBlobRow = (db: Db | Trx, sha256: string) =>
  db.deleteFrom('blobs').where('sha256', '=', sha256).where('state', '=', 'deleting').execute();

/** Blobs rows stuck in 'deleting' (a collector died between its steps) or unreferenced and old. */
export async function collectableBlobs(db: Db, touchedBefore: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('blobs')
    .select('sha256')
    .where((eb) =>
      eb.or([
        eb('state', '=', 'deleting'),
        eb.and([
          eb('touched_at', '<', touchedBefore),
          eb.not(eb.exists(eb.selectFrom('assets').select(sql.lit(1).as('x')).whereRef('assets.sha256', '=', 'blobs.sha256'))),
          eb.not(eb.exists(eb.selectFrom('assets').select(sql.lit(1).as('x')).whereRef('assets.thumbnail_sha256', '=', 'blobs.sha256'))),
          eb.not(
            eb.exists(eb.selectFrom('annotation_import_files').select(sql.lit(1).as('x')).whereRef('annotation_import_files.sha256', '=', 'blobs.sha256')),
          ),
          eb.not(eb.exists(eb.selectFrom('dataset_exports').select(sql.lit(1).as('x')).whereRef('dataset_exports.archive_sha256', '=', 'blobs.sha256'))),
        ]),
      ]),
    )
    .limit(limit)
    .execute();
  return rows.map((r) => r.sha256);
}

export const blobState = async (db: Db, sha256: string) =>
  (await db.selectFrom('blobs').select('state').where('sha256', '=', sha256).executeTakeFirst())?.state;
