// Asset ingestion sessions and their items, bulk asset deletion sessions, and the indexes that
// asset listing (keyset pagination per sort) and blob collection need.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ingestion_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('spec_kind', 'text', (c) => c.notNull())
    .addColumn('failure_mode', 'text', (c) => c.notNull())
    .addColumn('on_overwritten', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('deadline_at', 'bigint', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('succeeded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('errored', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('halted_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('ingestion_sessions_by_dataset').on('ingestion_sessions').columns(['dataset_id', 'created_at']).execute();

  await db.schema
    .createTable('ingestion_items')
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('crc32c', 'bigint', (c) => c.notNull())
    .addColumn('custom_metadata', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('reject_as', 'text')
    .addColumn('asset_id', 'text')
    .addColumn('settled_at', 'bigint')
    .addPrimaryKeyConstraint('ingestion_items_pk', ['session_id', 'idx'])
    .execute();

  await db.schema
    .createTable('deletion_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('finished_at', 'bigint')
    .addColumn('failure', 'text')
    .execute();

  await db.schema.createIndex('assets_by_contents_time').on('assets').columns(['dataset_id', 'contents_updated_at', 'id']).execute();
  await db.schema.createIndex('assets_by_size').on('assets').columns(['dataset_id', 'size', 'id']).execute();
  await db.schema.createIndex('assets_by_thumbnail').on('assets').column('thumbnail_sha256').execute();
  await db.schema.createIndex('blobs_by_touch').on('blobs').columns(['state', 'touched_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Vireo migrations only go forward');
}
