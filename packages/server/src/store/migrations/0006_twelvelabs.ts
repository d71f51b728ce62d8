// The TwelveLabs assets surface (/v1.3): each organization's media library dataset, and on assets
// the processing state of TwelveLabs uploads plus the probed video/audio facts people filter on.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The dataset TwelveLabs assets live in, created on first use.
  await db.schema.alterTable('organizations').addColumn('media_library_id', 'text').execute();

  // SQLite adds one column per statement.
  const columns: Array<[string, 'text' | 'bigint' | 'integer' | 'double precision', string?]> = [
    // direct | url | multipart for assets created through /v1.3; null for Vi uploads.
    ['tl_method', 'text'],
    // processing | ready | failed. Vi uploads are ready when their row exists.
    ['processing_status', 'text', 'ready'],
    ['processing_error', 'text'],
    // The name a TwelveLabs client gave when the dataset's unique filename had to differ.
    ['original_filename', 'text'],
    ['duration_ms', 'bigint'],
    ['video_codec', 'text'],
    ['audio_codec', 'text'],
    ['fps', 'double precision'],
    ['sample_rate', 'integer'],
    ['channels', 'integer'],
  ];
  for (const [name, type, fallback] of columns) {
    await db.schema
      .alterTable('assets')
      .addColumn(name, type, (c) => (fallback === undefined ? c : c.notNull().defaultTo(fallback)))
      .execute();
  }
  // TwelveLabs lists newest first.
  await db.schema.createIndex('assets_by_creation').on('assets').columns(['dataset_id', 'created_at', 'id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Vireo migrations only go forward');
}
