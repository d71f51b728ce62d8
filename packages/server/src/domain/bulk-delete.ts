// Bulk asset deletion (§8.2): a session records the spec, a job deletes the matching assets in
// batches. An empty spec is refused: deleting a whole dataset's assets must be asked for with
// `"filter": "*"` (docs/assets.md).
import type { DeletionSessionsTable } from '../store/schema.js';
import * as assetStore from '../store/assets.js';
import type { AssetServices } from './asset-services.js';
import { compileAssetQuery, isEmptyQuery, type AssetQuerySpec } from './asset-query.js';
import type { Principal } from './context.js';
import { requireDataset } from './datasets.js';
import { invalid, notFound } from './errors.js';
import { newId } from './ids.js';

export type DeletionSessionRow = DeletionSessionsTable;

export interface DeletionSpec {
  filter?: string | Record<string, unknown> | null;
  metadataQuery?: string | null;
  ruleQuery?: string | null;
  strictQuery?: boolean | null;
}

/** The explicit "every asset" filter. */
export const EVERYTHING = '*';

const BATCH = 500;

const isEverything = (s: DeletionSpec) =>
  typeof s.filter === 'string' && s.filter.trim() === EVERYTHING && isEmptyQuery({ metadataQuery: s.metadataQuery, ruleQuery: s.ruleQuery });

const querySpec = (s: DeletionSpec): AssetQuerySpec => ({
  filter: s.filter,
  metadataQuery: s.metadataQuery,
  ruleQuery: s.ruleQuery,
  strict: s.strictQuery ?? false,
});

export async function createBulkDeletion(svc: AssetServices, principal: Principal, datasetId: string, spec: DeletionSpec): Promise<DeletionSessionRow> {
  const dataset = await requireDataset(svc.ctx, principal.organizationId, datasetId);
  if (!isEverything(spec)) {
    if (isEmptyQuery(querySpec(spec))) {
      throw invalid(
        'The spec selects no assets in particular, which would delete every asset of the dataset. ' +
          `To delete them all, send "filter": "${EVERYTHING}"; otherwise give a filter, metadataQuery or ruleQuery.`,
      );
    }
    compileAssetQuery(querySpec(spec), svc.ctx.dialect); // a bad query is a 400 now, not a failed job later
  }
  const now = svc.ctx.now();
  const row: DeletionSessionRow = {
    id: newId(),
    organization_id: principal.organizationId,
    dataset_id: dataset.id,
    spec: JSON.stringify({
      filter: spec.filter ?? null,
      metadataQuery: spec.metadataQuery ?? null,
      ruleQuery: spec.ruleQuery ?? null,
      strictQuery: spec.strictQuery ?? null,
    }),
    created_by: principal.userId,
    created_at: now,
    updated_at: now,
    generation: 1,
    deleted: 0,
    finished_at: null,
    failure: null,
  };
  await svc.ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('deletion_sessions').values(row).execute();
    await svc.ctx.jobs.enqueue('assets.bulkDelete', { sessionId: row.id }, { maxAttempts: 10 }, trx);
  });
  svc.ctx.jobs.notify();
  return row;
}

export async function getBulkDeletion(svc: AssetServices, organizationId: string, datasetId: string, id: string): Promise<DeletionSessionRow> {
  const row = await svc.ctx.db.selectFrom('deletion_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.organization_id !== organizationId || row.dataset_id !== datasetId) throw notFound('Bulk asset deletion session', id);
  return row;
}

/** The `assets.bulkDelete` job. Only assets that existed when the session was created are candidates. */
export async function runBulkDeletion(svc: AssetServices, sessionId: string, signal?: AbortSignal): Promise<void> {
  const { db } = svc.ctx;
  const session = await db.selectFrom('deletion_sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
  if (!session || session.finished_at !== null) return;
  const spec = JSON.parse(session.spec) as DeletionSpec;
  const where = isEverything(spec) ? undefined : compileAssetQuery(querySpec(spec), svc.ctx.dialect);
  for (;;) {
    signal?.throwIfAborted();
    let q = db.selectFrom('assets').select('id').where('dataset_id', '=', session.dataset_id).where('created_at', '<=', session.created_at);
    if (where) q = q.where(where);
    const ids = (await q.limit(BATCH).execute()).map((r) => r.id);
    if (ids.length === 0) break;
    await db.transaction().execute(async (trx) => {
      const released = await assetStore.deleteAssets(trx, ids);
      await svc.ctx.jobs.enqueue('blobs.collect', { sha256s: released }, { priority: -5 }, trx);
      await trx
        .updateTable('deletion_sessions')
        .set((eb) => ({ deleted: eb('deleted', '+', ids.length), updated_at: svc.ctx.now(), generation: eb('generation', '+', 1) }))
        .where('id', '=', sessionId)
        .execute();
    });
    svc.ctx.jobs.notify();
  }
  const now = svc.ctx.now();
  await db
    .updateTable('deletion_sessions')
    .set((eb) => ({ finished_at: now, updated_at: now, generation: eb('generation', '+', 1) }))
    .where('id', '=', sessionId)
    .execute();
}

/** When the job gave up for good: the session ends FailedReach with the reason. */
export async function failBulkDeletion(svc: AssetServices, sessionId: string, error: string): Promise<void> {
  const now = svc.ctx.now();
  await svc.ctx.db
    .updateTable('deletion_sessions')
    .set((eb) => ({ finished_at: now, updated_at: now, failure: error, generation: eb('generation', '+', 1) }))
    .where('id', '=', sessionId)
    .where('finished_at', 'is', null)
    .execute();
}
