// Annotation import sessions (vi-protocol.md §5.2): the session, its announced files, the rows a
// parse stages before they are committed all at once, and the per-line problems reported back.
// Also the lookup of an annotation group by its id (imports overwrite a group with the same id).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('annotations_by_group').on('annotations').columns(['dataset_id', 'group_id']).execute();

  await db.schema
    .createTable('annotation_import_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('upload_before', 'bigint', (c) => c.notNull())
    .addColumn('on_bad_annotation', 'text', (c) => c.notNull())
    .addColumn('on_bad_file', 'text', (c) => c.notNull())
    .addColumn('on_overwritten', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('files_inserted_at', 'bigint')
    .addColumn('files_inserted_status', 'text')
    .addColumn('files_inserted_reason', 'text')
    .addColumn('finished_at', 'bigint')
    .addColumn('outcome', 'text')
    .addColumn('message', 'text')
    .addColumn('page_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('annotation_counts', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('problem_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('annotation_import_sessions_by_dataset')
    .on('annotation_import_sessions')
    .columns(['dataset_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('annotation_import_files')
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('crc32c', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addColumn('received_size', 'bigint')
    .addColumn('received_crc32c', 'bigint')
    .addColumn('received_at', 'bigint')
    .addColumn('annotations', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('problem', 'text')
    .addPrimaryKeyConstraint('annotation_import_files_pk', ['session_id', 'idx'])
    .execute();
  await db.schema.createIndex('annotation_import_files_by_blob').on('annotation_import_files').column('sha256').execute();

  await db.schema
    .createTable('annotation_import_rows')
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('file_idx', 'integer', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('tag', 'text')
    .addColumn('contents', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('annotation_import_rows_pk', ['session_id', 'id'])
    .execute();
  await db.schema.createIndex('annotation_import_rows_by_group').on('annotation_import_rows').columns(['session_id', 'group_id']).execute();

  await db.schema
    .createTable('annotation_import_problems')
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('line', 'integer')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('annotation_import_problems_pk', ['session_id', 'seq'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Vireo migrations only go forward');
}
