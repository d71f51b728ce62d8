// Direct row inserts for store-level tests (HTTP-level tests go through the API instead).
import type { Db } from '../../src/store/db.js';
import type { AssetsTable } from '../../src/store/schema.js';

const T = 1_717_000_000_000;

export async function insertOrg(db: Db, id: string): Promise<string> {
  await db.insertInto('organizations').values({ id, name: id, owner_user_id: 'u1', created_at: T, last_access: T }).execute();
  return id;
}

export async function insertDatasetRow(db: Db, organizationId: string, id: string): Promise<string> {
  await db
    .insertInto('datasets')
    .values({
      id,
      organization_id: organizationId,
      name: id,
      type: 'phrase-grounding',
      description: null,
      owner_user_id: 'u1',
      created_at: T,
      updated_at: T,
      generation: 1,
      deleted_at: null,
      purged_at: null,
      deleted_by: null,
    })
    .execute();
  return id;
}

export async function insertAsset(db: Db, datasetId: string, id: string, filename: string, extra: Partial<AssetsTable> = {}): Promise<void> {
  const ds = await db.selectFrom('datasets').select('organization_id').where('id', '=', datasetId).executeTakeFirstOrThrow();
  await db
    .insertInto('assets')
    .values({
      id,
      dataset_id: datasetId,
      organization_id: ds.organization_id,
      filename,
      kind: 'Image',
      mime: 'image/png',
      size: 10,
      crc32c: 4_000_000_000,
      sha256: `sha-${id}`,
      width: 1,
      height: 1,
      frames: 1,
      media: null,
      custom_metadata: '{}',
      status: 'None',
      source: 'upload',
      inserted_by: 'u1',
      created_at: T,
      updated_at: T,
      contents_updated_at: T,
      generation: 1,
      thumbnail_sha256: null,
      ...extra,
    })
    .execute();
}

export async function insertAnnotation(db: Db, datasetId: string, assetId: string, id: string, tag: string | null): Promise<void> {
  await db
    .insertInto('annotations')
    .values({ id, dataset_id: datasetId, asset_id: assetId, group_id: id, kind: 'Caption', tag, contents: '{}', created_at: T, updated_at: T, generation: 1 })
    .execute();
}

/** Many assets in one statement per 100 rows (for tests over many rows). */
export async function insertAssets(db: Db, datasetId: string, rows: (Partial<AssetsTable> & { id: string; filename: string })[]): Promise<void> {
  const ds = await db.selectFrom('datasets').select('organization_id').where('id', '=', datasetId).executeTakeFirstOrThrow();
  for (let i = 0; i < rows.length; i += 100) {
    await db
      .insertInto('assets')
      .values(
        rows.slice(i, i + 100).map((row) => ({
          dataset_id: datasetId,
          organization_id: ds.organization_id,
          kind: 'Image',
          mime: 'image/png',
          size: 10,
          crc32c: 1,
          sha256: `sha-${row.id}`,
          width: 1,
          height: 1,
          frames: 1,
          media: null,
          custom_metadata: '{}',
          status: 'None',
          source: 'upload',
          inserted_by: 'u1',
          created_at: T,
          updated_at: T,
          contents_updated_at: T,
          generation: 1,
          thumbnail_sha256: null,
          ...row,
        })),
      )
      .execute();
  }
}
