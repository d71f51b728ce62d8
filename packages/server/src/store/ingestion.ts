// Queries on ingestion sessions and their items. Counters move by deltas so that concurrent
// settlements (several processes on PostgreSQL) never lose an update.
import { sql } from 'kysely';
import type { Trx } from './commit-queue.js';
import type { Db } from './db.js';
import type { IngestionItemsTable, IngestionSessionsTable } from './schema.js';

export type IngestionSessionRow = IngestionSessionsTable;
export type IngestionItemRow = IngestionItemsTable;

const INSERT_CHUNK = 500;

export async function insertSession(trx: Trx, session: IngestionSessionRow, items: IngestionItemRow[]): Promise<void> {
  await trx.insertInto('ingestion_sessions').values(session).execute();
  for (let i = 0; i < items.length; i += INSERT_CHUNK) {
    await trx.insertInto('ingestion_items').values(items.slice(i, i + INSERT_CHUNK)).execute();
  }
}

export const findSession = (db: Db | Trx, id: string) =>
  db.selectFrom('ingestion_sessions').selectAll().where('id', '=', id).executeTakeFirst();

export const findItem = (db: Db | Trx, sessionId: string, idx: number) =>
  db.selectFrom('ingestion_items').selectAll().where('session_id', '=', sessionId).where('idx', '=', idx).executeTakeFirst();

export const listItems = (db: Db, sessionId: string) =>
  db.selectFrom('ingestion_items').selectAll().where('session_id', '=', sessionId).orderBy('idx').execute();

export interface Settlement {
  state: 'succeeded' | 'errored';
  assetId?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  rejectAs?: string | null;
}

/** Settles a pending item; false when it was already settled (by a concurrent PUT, a halt or the deadline). */
export async function settleItem(trx: Trx, sessionId: string, idx: number, s: Settlement, now: number): Promise<boolean> {
  const r = await trx
    .updateTable('ingestion_items')
    .set({
      state: s.state,
      asset_id: s.assetId ?? null,
      error_code: s.errorCode ?? null,
      error_message: s.errorMessage ?? null,
      reject_as: s.rejectAs ?? null,
      settled_at: now,
    })
    .where('session_id', '=', sessionId)
    .where('idx', '=', idx)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Settles every pending item of the session with one error; returns how many. */
export async function settleAllPending(
  trx: Trx,
  sessionId: string,
  s: { code: string; message: string; rejectAs: string },
  now: number,
): Promise<number> {
  const r = await trx
    .updateTable('ingestion_items')
    .set({ state: 'errored', error_code: s.code, error_message: s.message, reject_as: s.rejectAs, settled_at: now })
    .where('session_id', '=', sessionId)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Moves the session's counters; marks it finished when every item is settled. */
export async function advanceSession(
  trx: Trx,
  sessionId: string,
  delta: { succeeded?: number; errored?: number; halt?: boolean },
  now: number,
): Promise<void> {
  const ds = delta.succeeded ?? 0;
  const de = delta.errored ?? 0;
  await trx
    .updateTable('ingestion_sessions')
    .set((eb) => ({
      succeeded: eb('succeeded', '+', ds),
      errored: eb('errored', '+', de),
      updated_at: now,
      generation: eb('generation', '+', 1),
      finished_at: sql<number | null>`case when finished_at is null and succeeded + errored + ${ds + de} >= total then ${now} else finished_at end`,
      ...(delta.halt ? { halted_at: sql<number | null>`coalesce(halted_at, ${now})` } : {}),
    }))
    .where('id', '=', sessionId)
    .execute();
}
