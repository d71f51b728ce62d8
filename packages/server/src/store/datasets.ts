// Queries on datasets and the statistics computed from their rows.
import { sql } from 'kysely';
import { purgeImportSessions } from './annotation-imports.js';
import type { Trx } from './commit-queue.js';
import type { Db } from './db.js';
import { prepare } from './prepared.js';
import type { DatasetsTable } from './schema.js';

export type DatasetRow = DatasetsTable;

export interface DatasetStatistic {
  assetTotal: number;
  annotationTotal: number;
  assetAnnotated: number;
  tagsCount: Record<string, number>;
}

export const insertDataset = (db: Db, row: DatasetRow) => db.insertInto('datasets').values(row).execute();

/** A dataset that exists and is not being deleted. */
export const findLiveDataset = (db: Db, organizationId: string, id: string) =>
  db
    .selectFrom('datasets')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();

const selectDeletedAt = prepare(['id'], (db, p: { id: string }) => db.selectFrom('datasets').select('deleted_at').where('id', '=', p.id));

/** Whether the dataset still takes uploads: it exists and is not being deleted (checked in an upload's transaction). */
export const datasetIsLive = async (db: Db | Trx, id: string): Promise<boolean> => {
  const row = (await selectDeletedAt(db, { id })).rows[0];
  return row !== undefined && row.deleted_at === null;
};

/** Any dataset row, including one being (or already) deleted. */
export const findDatasetIncludingDeleted = (db: Db, organizationId: string, id: string) =>
  db.selectFrom('datasets').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();

export const listLiveDatasets = (db: Db, organizationId: string) =>
  db
    .selectFrom('datasets')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();

/** Marks the dataset deleted; false when it was already gone. */
export async function markDatasetDeleted(db: Db, organizationId: string, id: string, by: string, at: number): Promise<boolean> {
  const r = await db
    .updateTable('datasets')
    .set((eb) => ({ deleted_at: at, deleted_by: by, updated_at: at, generation: eb('generation', '+', 1) }))
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export const markDatasetPurged = (db: Db, id: string, at: number) =>
  db.updateTable('datasets').set({ purged_at: at, updated_at: at }).where('id', '=', id).execute();

/** Statistics of several datasets in three grouped queries. */
export async function datasetStatistics(db: Db, datasetIds: string[]): Promise<Map<string, DatasetStatistic>> {
  const stats = new Map<string, DatasetStatistic>(
    datasetIds.map((id) => [id, { assetTotal: 0, annotationTotal: 0, assetAnnotated: 0, tagsCount: {} }]),
  );
  if (datasetIds.length === 0) return stats;
  const [assets, annotations, tags] = await Promise.all([
    db
      .selectFrom('assets')
      .select(['dataset_id', sql<number>`count(*)`.as('n')])
      .where('dataset_id', 'in', datasetIds)
      .groupBy('dataset_id')
      .execute(),
    db
      .selectFrom('annotations')
      .select(['dataset_id', sql<number>`count(*)`.as('n'), sql<number>`count(distinct asset_id)`.as('assets')])
      .where('dataset_id', 'in', datasetIds)
      .groupBy('dataset_id')
      .execute(),
    db
      .selectFrom('annotations')
      .select(['dataset_id', 'tag', sql<number>`count(*)`.as('n')])
      .where('dataset_id', 'in', datasetIds)
      .where('tag', 'is not', null)
      .groupBy(['dataset_id', 'tag'])
      .execute(),
  ]);
  for (const r of assets) stats.get(r.dataset_id)!.assetTotal = Number(r.n);
  for (const r of annotations) {
    const s = stats.get(r.dataset_id)!;
    s.annotationTotal = Number(r.n);
    s.assetAnnotated = Number(r.assets);
  }
  for (const r of tags) stats.get(r.dataset_id)!.tagsCount[r.tag!] = Number(r.n);
  return stats;
}

/**
 * Deletes up to `batch` rows of the dataset's contents, annotations first so no annotation ever
 * outlives its asset, then assets, then exports, then annotation import sessions. Returns how many
 * rows went (0: nothing is left), and the SHA-256 of blobs that lost a reference.
 */
export async function purgeDatasetContents(db: Db, datasetId: string, batch: number, now: number): Promise<{ deleted: number; blobs: string[] }> {
  return db.transaction().execute(async (trx) => {
    const annotationIds = await trx.selectFrom('annotations').select('id').where('dataset_id', '=', datasetId).limit(batch).execute();
    if (annotationIds.length > 0) {
      await trx.deleteFrom('annotations').where('id', 'in', annotationIds.map((r) => r.id)).execute();
      return { deleted: annotationIds.length, blobs: [] };
    }
    const assets = await trx
      .selectFrom('assets')
      .select(['id', 'sha256', 'thumbnail_sha256'])
      .where('dataset_id', '=', datasetId)
      .limit(batch)
      .execute();
    if (assets.length > 0) {
      await trx.deleteFrom('assets').where('id', 'in', assets.map((r) => r.id)).execute();
      const blobs = assets.flatMap((a) => (a.thumbnail_sha256 ? [a.sha256, a.thumbnail_sha256] : [a.sha256]));
      return { deleted: assets.length, blobs: [...new Set(blobs)] };
    }
    // Exports and import sessions hold blobs (archives, uploaded files) that would otherwise stay on
    // disk until they expire, or for ever. A build still running finds its row gone when it ends
    // and hands its archive to the collector itself; an import run still going stops at its next write.
    const exports = await trx.selectFrom('dataset_exports').select(['id', 'archive_sha256']).where('dataset_id', '=', datasetId).limit(batch).execute();
    if (exports.length > 0) {
      await trx.deleteFrom('dataset_exports').where('id', 'in', exports.map((r) => r.id)).execute();
      return { deleted: exports.length, blobs: exports.flatMap((e) => (e.archive_sha256 ? [e.archive_sha256] : [])) };
    }
    return purgeImportSessions(trx, datasetId, batch, now);
  });
}
