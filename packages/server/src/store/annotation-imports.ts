// Queries of annotation import sessions (vi-protocol.md §5.2). Life of a session:
//   open      files are announced (POST files) and their bytes PUT; each file row keeps the blob
//             of its bytes (`sha256`, which keeps the blob from collection) and what arrived;
//   queued    the client reported FilesInserted Reached: the `annotations.import` job parses the
//             files into `annotation_import_rows` (staged, invisible) and `..._problems`;
//   finished  `commitImport` moves the staged rows into `annotations` in one transaction (or
//             drops them all when the session is rejected), sets the counters, clears staging.
// The rows moved into `annotations` follow the format described in store/annotations.ts.
import { sql } from 'kysely';
import type { Dialect } from './db.js';
import type { Db } from './db.js';
import type { Trx } from './commit-queue.js';
import type {
  AnnotationImportFilesTable,
  AnnotationImportProblemsTable,
  AnnotationImportRowsTable,
  AnnotationImportSessionsTable,
} from './schema.js';

export type ImportSessionRow = AnnotationImportSessionsTable;
export type ImportFileRow = AnnotationImportFilesTable;
export type StagedRow = AnnotationImportRowsTable;
export type ImportProblemRow = AnnotationImportProblemsTable;

export const insertImportSession = (db: Db | Trx, row: ImportSessionRow) => db.insertInto('annotation_import_sessions').values(row).execute();

export const findImportSession = (db: Db | Trx, id: string) =>
  db.selectFrom('annotation_import_sessions').selectAll().where('id', '=', id).executeTakeFirst();

export const listImportFiles = (db: Db | Trx, sessionId: string) =>
  db.selectFrom('annotation_import_files').selectAll().where('session_id', '=', sessionId).orderBy('idx').execute();

export const findImportFile = (db: Db | Trx, sessionId: string, idx: number) =>
  db.selectFrom('annotation_import_files').selectAll().where('session_id', '=', sessionId).where('idx', '=', idx).executeTakeFirst();

export const insertImportFiles = async (db: Db | Trx, rows: ImportFileRow[]) => {
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('annotation_import_files').values(rows.slice(i, i + 200)).execute();
};

export const updateImportFile = (db: Db | Trx, sessionId: string, idx: number, set: Partial<ImportFileRow>) =>
  db.updateTable('annotation_import_files').set(set).where('session_id', '=', sessionId).where('idx', '=', idx).execute();

/** Bumps the session's generation and time; `set` may change its state (only from `fromState` when given). */
export async function updateImportSession(
  db: Db | Trx,
  id: string,
  set: Partial<ImportSessionRow>,
  now: number,
  fromState?: string,
): Promise<boolean> {
  let q = db
    .updateTable('annotation_import_sessions')
    .set((eb) => ({ ...set, updated_at: now, generation: eb('generation', '+', 1) }))
    .where('id', '=', id);
  if (fromState) q = q.where('state', '=', fromState);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Takes the session's row lock (PostgreSQL) so that concurrent transitions of it run one at a time. */
export async function lockImportSession(trx: Trx, dialect: Dialect, id: string): Promise<ImportSessionRow | undefined> {
  let q = trx.selectFrom('annotation_import_sessions').selectAll().where('id', '=', id);
  if (dialect === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
}

/** Makes `runKey` the session's current import run (no generation bump: clients see no change). */
export const setImportRun = (trx: Trx, id: string, runKey: string) =>
  trx.updateTable('annotation_import_sessions').set({ run_key: runKey }).where('id', '=', id).execute();

export const stageRows = async (db: Db | Trx, rows: StagedRow[]) => {
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('annotation_import_rows').values(rows.slice(i, i + 500)).execute();
};

/** Group ids among `ids` already staged by this session. */
export async function stagedGroups(db: Db | Trx, sessionId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('annotation_import_rows')
    .select('group_id')
    .distinct()
    .where('session_id', '=', sessionId)
    .where('group_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.group_id));
}

/** Group ids among `ids` that already name annotations of the dataset. */
export async function existingGroups(db: Db | Trx, datasetId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('annotations').select('group_id').distinct().where('dataset_id', '=', datasetId).where('group_id', 'in', ids).execute();
  return new Set(rows.map((r) => r.group_id));
}

export const clearStaging = async (db: Db | Trx, sessionId: string, fileIdx?: number) => {
  let q = db.deleteFrom('annotation_import_rows').where('session_id', '=', sessionId);
  if (fileIdx !== undefined) q = q.where('file_idx', '=', fileIdx);
  await q.execute();
};

export const clearProblems = (db: Db | Trx, sessionId: string) => db.deleteFrom('annotation_import_problems').where('session_id', '=', sessionId).execute();

export const insertProblems = async (db: Db | Trx, rows: ImportProblemRow[]) => {
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('annotation_import_problems').values(rows.slice(i, i + 200)).execute();
};

export const listProblems = (db: Db | Trx, sessionId: string, limit: number) =>
  db.selectFrom('annotation_import_problems').selectAll().where('session_id', '=', sessionId).orderBy('seq').limit(limit).execute();

/** Files of staged rows whose group id now names an annotation of the dataset (another import got there first). */
export async function filesWithOverwrites(trx: Trx, sessionId: string, datasetId: string): Promise<number[]> {
  const rows = await trx
    .selectFrom('annotation_import_rows as r')
    .select('r.file_idx')
    .distinct()
    .where('r.session_id', '=', sessionId)
    .where((eb) =>
      eb.exists(eb.selectFrom('annotations as a').select(sql.lit(1).as('x')).where('a.dataset_id', '=', datasetId).whereRef('a.group_id', '=', 'r.group_id')),
    )
    .execute();
  return rows.map((r) => r.file_idx);
}

/**
 * Moves the session's staged rows into `annotations`: first removes the annotations whose group
 * ids they reuse (overwrite), then inserts every staged row whose asset still exists. Returns the
 * rows inserted per file.
 */
export async function publishStaged(trx: Trx, sessionId: string, datasetId: string, now: number): Promise<Map<number, number>> {
  await trx
    .deleteFrom('annotations')
    .where('dataset_id', '=', datasetId)
    .where('group_id', 'in', (eb) => eb.selectFrom('annotation_import_rows').select('group_id').where('session_id', '=', sessionId))
    .execute();
  const live = (eb: any) =>
    eb.exists(
      eb
        .selectFrom('assets')
        .select(sql.lit(1).as('x'))
        .whereRef('assets.id', '=', 'annotation_import_rows.asset_id')
        .where('assets.dataset_id', '=', datasetId),
    );
  const perFile = await trx
    .selectFrom('annotation_import_rows')
    .select(['file_idx', sql<number>`count(*)`.as('n')])
    .where('session_id', '=', sessionId)
    .where(live)
    .groupBy('file_idx')
    .execute();
  await trx
    .insertInto('annotations')
    .columns(['id', 'dataset_id', 'asset_id', 'group_id', 'kind', 'tag', 'contents', 'created_at', 'updated_at', 'generation'])
    .expression((eb) =>
      eb
        .selectFrom('annotation_import_rows')
        .select([
          'id',
          sql<string>`cast(${datasetId} as text)`.as('dataset_id'),
          'asset_id',
          'group_id',
          'kind',
          'tag',
          'contents',
          sql.lit(now).as('created_at'),
          sql.lit(now).as('updated_at'),
          sql.lit(1).as('generation'),
        ])
        .where('session_id', '=', sessionId)
        .where(live),
    )
    .execute();
  return new Map(perFile.map((r) => [r.file_idx, Number(r.n)]));
}

/** Blobs the session's files still hold. */
export const filesHoldingBlobs = (db: Db | Trx, sessionId: string) =>
  db.selectFrom('annotation_import_files').select('sha256').where('session_id', '=', sessionId).where('sha256', 'is not', null).execute();

export const releaseFileBlobs = (db: Db | Trx, sessionId: string) =>
  db.updateTable('annotation_import_files').set({ sha256: null }).where('session_id', '=', sessionId).execute();

/**
 * One batch of the removal of a deleted dataset's import sessions (the `dataset.purge` job). First
 * ends the sessions still open or queued, so that an upload or an import run still going stops at
 * its next write (it no longer owns the session, see ImportRun) and stages nothing once the rows are
 * gone; then deletes up to `batch` staged rows, problems, files (answering the blobs they held) and,
 * once nothing of theirs is left, the sessions. `deleted` is 0 when all are gone.
 */
export async function purgeImportSessions(trx: Trx, datasetId: string, batch: number, now: number): Promise<{ deleted: number; blobs: string[] }> {
  const ended = await trx
    .updateTable('annotation_import_sessions')
    .set((eb) => ({
      state: 'finished',
      outcome: 'rejected',
      message: 'Session rejected, nothing imported: the dataset was deleted',
      finished_at: now,
      run_key: null,
      updated_at: now,
      generation: eb('generation', '+', 1),
    }))
    .where('id', 'in', (eb) => eb.selectFrom('annotation_import_sessions').select('id').where('dataset_id', '=', datasetId).where('state', '!=', 'finished').limit(batch))
    .where('state', '!=', 'finished') // checked again on PostgreSQL when a run's commit held the row
    .executeTakeFirst();
  if (Number(ended.numUpdatedRows) > 0) return { deleted: Number(ended.numUpdatedRows), blobs: [] };

  for (const [table, key] of SESSION_CHILDREN) {
    const gone = await deleteChildBatch(trx, table, key, datasetId, batch);
    if (gone.length > 0) return { deleted: gone.length, blobs: [...new Set(gone.flatMap((r) => (r.sha256 ? [r.sha256] : [])))] };
  }

  const sessions = await trx
    .deleteFrom('annotation_import_sessions')
    .where('id', 'in', (eb) => eb.selectFrom('annotation_import_sessions').select('id').where('dataset_id', '=', datasetId).limit(batch))
    .executeTakeFirst();
  return { deleted: Number(sessions.numDeletedRows), blobs: [] };
}

/** What an import session owns besides its row, each table with the column that, with session_id, keys a row. */
const SESSION_CHILDREN = [
  ['annotation_import_rows', 'id'],
  ['annotation_import_problems', 'seq'],
  ['annotation_import_files', 'idx'],
] as const;

/** Deletes up to `batch` rows of `table` that belong to the dataset's import sessions; the files' blobs come back. */
async function deleteChildBatch(trx: Trx, table: (typeof SESSION_CHILDREN)[number][0], key: string, datasetId: string, batch: number) {
  const returning = table === 'annotation_import_files' ? sql` returning sha256` : sql` returning null as sha256`;
  const { rows } = await sql<{ sha256: string | null }>`
    delete from ${sql.table(table)} where (session_id, ${sql.ref(key)}) in (
      select session_id, ${sql.ref(key)} from ${sql.table(table)}
      where session_id in (select id from annotation_import_sessions where dataset_id = ${datasetId})
      limit ${batch}
    )${returning}`.execute(trx);
  return rows;
}
