// Dataset exports (§3.2, §6.2–6.4): one row per requested archive. The archive itself is a blob
// (`archive_sha256`) that the blob collector leaves alone while a row references it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dataset_exports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('normalized', 'integer', (c) => c.notNull())
    .addColumn('split_ratio', 'double precision')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('started_at', 'bigint')
    .addColumn('assets_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('assets_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('archive_sha256', 'text')
    .addColumn('archive_size', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('failure', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dataset_exports_by_dataset').on('dataset_exports').columns(['dataset_id', 'created_at']).execute();
  await db.schema.createIndex('dataset_exports_by_expiry').on('dataset_exports').column('expires_at').execute();
  await db.schema.createIndex('dataset_exports_by_archive').on('dataset_exports').column('archive_sha256').execute();
}

export async function down(): Promise<void> {
  throw new Error('Vireo migrations only go forward');
}
