// Annotation import runs: the key of the run of the `annotations.import` job that currently owns a
// session. A run whose lease lapsed while it was still working finds another key there and stops
// before it writes (domain/annotation-import.ts, ImportRun).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('annotation_import_sessions').addColumn('run_key', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('Vireo migrations only go forward');
}
