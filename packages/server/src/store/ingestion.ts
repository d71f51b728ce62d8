// Queries on ingestion sessions and their items. Counters move by deltas so that concurrent
// settlements (several processes on PostgreSQL) never lose an update.
import { sql } from 'kysely';
import type { Trx } from './commit-queue.js';
import type { Db } from './db.js';
import { prepare } from './prepared.js';
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

const selectItem = prepare(['sessionId', 'idx'], (db, p: { sessionId: string; idx: number }) =>
  db.selectFrom('ingestion_items').selectAll().where('session_id', '=', p.sessionId).where('idx', '=', p.idx),
);

export const findItem = async (db: Db | Trx, sessionId: string, idx: number): Promise<IngestionItemRow | undefined> =>
  (await selectItem(db, { sessionId, idx })).rows[0];

export const listItems = (db: Db, sessionId: string) =>
  db.selectFrom('ingestion_items').selectAll().where('session_id', '=', sessionId).orderBy('idx').execute();

export interface Settlement {
  state: 'succeeded' | 'errored';
  assetId?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  rejectAs?: string | null;
}

const settlePending = prepare(
  ['state', 'assetId', 'errorCode', 'errorMessage', 'rejectAs', 'now', 'sessionId', 'idx'],
  (
    trx,
    p: { state: string; assetId: string | null; errorCode: string | null; errorMessage: string | null; rejectAs: string | null; now: number; sessionId: string; idx: number },
  ) =>
    trx
      .updateTable('ingestion_items')
      .set({ state: p.state, asset_id: p.assetId, error_code: p.errorCode, error_message: p.errorMessage, reject_as: p.rejectAs, settled_at: p.now })
      .where('session_id', '=', p.sessionId)
      .where('idx', '=', p.idx)
      .where('state', '=', 'pending'),
);

/** Settles a pending item; false when it was already settled (by a concurrent PUT, a halt or the deadline). */
export async function settleItem(trx: Trx, sessionId: string, idx: number, s: Settlement, now: number): Promise<boolean> {
  const r = await settlePending(trx, {
    state: s.state,
    assetId: s.assetId ?? null,
    errorCode: s.errorCode ?? null,
    errorMessage: s.errorMessage ?? null,
    rejectAs: s.rejectAs ?? null,
    now,
    sessionId,
    idx,
  });
  return Number(r.numAffectedRows) === 1;
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

type Advance = { succeeded: number; errored: number; settled: number; now: number; sessionId: string };

const advance = (halt: boolean) =>
  prepare(['succeeded', 'errored', 'settled', 'now', 'sessionId'], (trx, p: Advance) =>
    trx
      .updateTable('ingestion_sessions')
      .set((eb) => ({
        succeeded: eb('succeeded', '+', p.succeeded),
        errored: eb('errored', '+', p.errored),
        updated_at: p.now,
        generation: eb('generation', '+', 1),
        finished_at: sql<number | null>`case when finished_at is null and succeeded + errored + ${p.settled} >= total then ${p.now} else finished_at end`,
        ...(halt ? { halted_at: sql<number | null>`coalesce(halted_at, ${p.now})` } : {}),
      }))
      .where('id', '=', p.sessionId),
  );
const advanceOnly = advance(false);
const advanceAndHalt = advance(true);

/** Moves the session's counters; marks it finished when every item is settled. */
export async function advanceSession(
  trx: Trx,
  sessionId: string,
  delta: { succeeded?: number; errored?: number; halt?: boolean },
  now: number,
): Promise<void> {
  const succeeded = delta.succeeded ?? 0;
  const errored = delta.errored ?? 0;
  await (delta.halt ? advanceAndHalt : advanceOnly)(trx, { succeeded, errored, settled: succeeded + errored, now, sessionId });
}
