// TwelveLabs multipart uploads (twelvelabs-protocol.md §11): one row per upload session and one
// per chunk whose bytes arrived. The chunks' bytes live in the part store (blobs/parts.ts).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('multipart_uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('total_size', 'bigint', (c) => c.notNull())
    .addColumn('chunk_size', 'bigint', (c) => c.notNull())
    .addColumn('total_chunks', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('assembled_at', 'bigint')
    .addColumn('parts_removed_at', 'bigint')
    .execute();
  await db.schema.createIndex('multipart_uploads_by_org').on('multipart_uploads').columns(['organization_id', 'status', 'created_at']).execute();
  await db.schema.createIndex('multipart_uploads_by_expiry').on('multipart_uploads').columns(['status', 'expires_at']).execute();

  await db.schema
    .createTable('multipart_chunks')
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('part_key', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('reported_at', 'bigint')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('multipart_chunks_pk', ['upload_id', 'idx'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Vireo migrations only go forward');
}
