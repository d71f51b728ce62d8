// Queries on assets: lookups, keyset-paginated listing, writes of ingestion, deletes.
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Trx } from './commit-queue.js';
import type { Db } from './db.js';
import { prepare } from './prepared.js';
import type { AssetsTable, Database } from './schema.js';

export type AssetRow = AssetsTable;
export type AssetPredicate = (eb: ExpressionBuilder<Database, 'assets'>) => Expression<SqlBool>;

export const findAsset = (db: Db | Trx, datasetId: string, assetId: string) =>
  db.selectFrom('assets').selectAll().where('dataset_id', '=', datasetId).where('id', '=', assetId).executeTakeFirst();

/** For downloads: an asset by id alone (the signed URL already proves the right to it). */
export const findAssetById = (db: Db | Trx, assetId: string) =>
  db.selectFrom('assets').selectAll().where('id', '=', assetId).executeTakeFirst();

const selectByFilename = prepare(['datasetId', 'filename'], (db, p: { datasetId: string; filename: string }) =>
  db.selectFrom('assets').selectAll().where('dataset_id', '=', p.datasetId).where('filename', '=', p.filename),
);

export const findAssetByFilename = async (db: Db | Trx, datasetId: string, filename: string): Promise<AssetRow | undefined> =>
  (await selectByFilename(db, { datasetId, filename })).rows[0];

/** Filename, size and CRC32C of the dataset's assets with these names (resume). */
export async function assetsByFilenames(db: Db | Trx, datasetId: string, filenames: string[]) {
  const out: Array<Pick<AssetRow, 'id' | 'filename' | 'size' | 'crc32c' | 'custom_metadata'>> = [];
  for (let i = 0; i < filenames.length; i += 500) {
    out.push(
      ...(await db
        .selectFrom('assets')
        .select(['id', 'filename', 'size', 'crc32c', 'custom_metadata'])
        .where('dataset_id', '=', datasetId)
        .where('filename', 'in', filenames.slice(i, i + 500))
        .execute()),
    );
  }
  return out;
}

export const insertAsset = (db: Db | Trx, row: AssetRow) => db.insertInto('assets').values(row).execute();

/** The columns an ingestion session's upload writes (the others keep their defaults). */
const UPLOADED_COLUMNS = [
  'id', 'dataset_id', 'organization_id', 'filename', 'kind', 'mime', 'size', 'crc32c', 'sha256', 'width', 'height', 'frames', 'media',
  'custom_metadata', 'status', 'source', 'inserted_by', 'created_at', 'updated_at', 'contents_updated_at', 'generation', 'thumbnail_sha256',
] as const satisfies readonly (keyof AssetRow)[];
export type UploadedAssetRow = Pick<AssetRow, (typeof UPLOADED_COLUMNS)[number]>;

const insertUploaded = prepare(UPLOADED_COLUMNS, (db, row: UploadedAssetRow) => db.insertInto('assets').values(row));

/** insertAsset for the hot path of an upload: one statement compiled once. */
export const insertUploadedAsset = (db: Db | Trx, row: UploadedAssetRow) => insertUploaded(db, row);

export type SortColumn = 'id' | 'filename' | 'contents_updated_at' | 'size';

export interface ListOptions {
  datasetId: string;
  column: SortColumn;
  descending: boolean;
  limit: number;
  /** Keyset cursor: the sort value and id of the last row of the previous page. */
  after?: { value: string | number; id: string };
  where?: AssetPredicate;
}

/** One page in sort order, resuming strictly after the cursor; cost independent of depth. */
export async function listAssets(db: Db, o: ListOptions): Promise<AssetRow[]> {
  const dir = o.descending ? 'desc' : 'asc';
  let q = db.selectFrom('assets').selectAll().where('dataset_id', '=', o.datasetId);
  if (o.where) q = q.where(o.where);
  // id and filename are unique within a dataset (assets_by_dataset, assets_by_filename): they
  // need no tie-breaker, and without one PostgreSQL walks the index instead of sorting the rest.
  const unique = o.column === 'id' || o.column === 'filename';
  if (o.after) {
    const cmp = o.descending ? '<' : '>';
    const after = o.after;
    q =
      o.column === 'id'
        ? q.where('id', cmp, after.id)
        : unique
          ? q.where(o.column, cmp, after.value as string)
          : q.where((eb) => eb(eb.refTuple(o.column, 'id'), cmp, eb.tuple(after.value as never, after.id)));
  }
  q = unique ? q.orderBy(o.column, dir) : q.orderBy(o.column, dir).orderBy('id', dir);
  return q.limit(o.limit).execute();
}

export interface AnnotationCounts {
  total: number;
  withTag: Record<string, number>;
}

/** Annotation counts of each asset, by tag, in one grouped query. */
export async function annotationCounts(db: Db, assetIds: string[]): Promise<Map<string, AnnotationCounts>> {
  const out = new Map<string, AnnotationCounts>(assetIds.map((id) => [id, { total: 0, withTag: {} }]));
  if (assetIds.length === 0) return out;
  const rows = await db
    .selectFrom('annotations')
    .select(['asset_id', 'tag', sql<number>`count(*)`.as('n')])
    .where('asset_id', 'in', assetIds)
    .groupBy(['asset_id', 'tag'])
    .execute();
  for (const r of rows) {
    const c = out.get(r.asset_id)!;
    c.total += Number(r.n);
    if (r.tag !== null) c.withTag[r.tag] = (c.withTag[r.tag] ?? 0) + Number(r.n);
  }
  return out;
}

/** Deletes assets (and their annotations); returns the blobs they referenced. */
export async function deleteAssets(trx: Trx, assetIds: string[]): Promise<string[]> {
  if (assetIds.length === 0) return [];
  // Lock the rows first (a no-op update works on both dialects): an annotation import publishing
  // onto these assets then either commits before the annotations are deleted, or sees the assets gone.
  await lockAssets(trx, assetIds);
  const rows = await trx.selectFrom('assets').select(['sha256', 'thumbnail_sha256']).where('id', 'in', assetIds).execute();
  await trx.deleteFrom('annotations').where('asset_id', 'in', assetIds).execute();
  await trx.deleteFrom('assets').where('id', 'in', assetIds).execute();
  return releasedBlobs(rows);
}

/** Row-locks assets until the transaction ends (PostgreSQL; SQLite has one writer anyway). */
export const lockAssets = (trx: Trx, assetIds: string[]) =>
  trx.updateTable('assets').set((eb) => ({ generation: eb.ref('generation') })).where('id', 'in', assetIds).execute();

export const releasedBlobs = (rows: Array<Pick<AssetRow, 'sha256' | 'thumbnail_sha256'>>): string[] => [
  ...new Set(rows.flatMap((r) => (r.thumbnail_sha256 && r.thumbnail_sha256 !== NO_THUMBNAIL ? [r.sha256, r.thumbnail_sha256] : [r.sha256]))),
];

/** `thumbnail_sha256` of an asset whose format this server cannot thumbnail (HEIC, JPEG 2000, ...). */
export const NO_THUMBNAIL = 'none';
