// Datasets: creation, listing with statistics, deletion in the background.
import * as store from '../store/datasets.js';
import type { DatasetRow, DatasetStatistic } from '../store/datasets.js';
import type { DomainContext, Principal } from './context.js';
import { invalid, notFound } from './errors.js';
import { newId } from './ids.js';

export type { DatasetRow, DatasetStatistic };
export type DatasetType = 'phrase-grounding' | 'vqa';

export interface DatasetView {
  dataset: DatasetRow;
  statistic: DatasetStatistic;
}

/** The row of a new, empty dataset owned by `principal` (not stored yet). */
export function newDatasetRow(principal: Principal, fields: Pick<DatasetRow, 'name' | 'type' | 'description'>, now: number): DatasetRow {
  return {
    id: newId(),
    organization_id: principal.organizationId,
    ...fields,
    owner_user_id: principal.userId,
    created_at: now,
    updated_at: now,
    generation: 1,
    deleted_at: null,
    purged_at: null,
    deleted_by: null,
  };
}

export async function createDataset(
  ctx: DomainContext,
  principal: Principal,
  input: { name: string; type?: DatasetType; description?: string | null },
): Promise<DatasetView> {
  const name = input.name.trim();
  if (name === '') throw invalid('name must not be blank');
  const dataset = newDatasetRow(principal, { name, type: input.type ?? 'phrase-grounding', description: input.description ?? null }, ctx.now());
  await store.insertDataset(ctx.db, dataset);
  return { dataset, statistic: { assetTotal: 0, annotationTotal: 0, assetAnnotated: 0, tagsCount: {} } };
}

export async function listDatasets(ctx: DomainContext, organizationId: string): Promise<DatasetView[]> {
  const rows = await store.listLiveDatasets(ctx.db, organizationId);
  const stats = await store.datasetStatistics(ctx.db, rows.map((r) => r.id));
  return rows.map((dataset) => ({ dataset, statistic: stats.get(dataset.id)! }));
}

/** A dataset of the organization, or NotFound (also for datasets being deleted). */
export async function requireDataset(ctx: DomainContext, organizationId: string, datasetId: string): Promise<DatasetRow> {
  const dataset = await store.findLiveDataset(ctx.db, organizationId, datasetId);
  if (!dataset) throw notFound('Dataset', datasetId);
  return dataset;
}

export async function getDataset(ctx: DomainContext, organizationId: string, datasetId: string): Promise<DatasetView> {
  const dataset = await requireDataset(ctx, organizationId, datasetId);
  const stats = await store.datasetStatistics(ctx.db, [dataset.id]);
  return { dataset, statistic: stats.get(dataset.id)! };
}

/**
 * Hides the dataset at once and queues the removal of its contents. Deleting a dataset that is
 * already being deleted answers the same operation again.
 */
export async function deleteDataset(ctx: DomainContext, principal: Principal, datasetId: string): Promise<DatasetRow> {
  const dataset = await ctx.db.transaction().execute(async (trx) => {
    const marked = await store.markDatasetDeleted(trx, principal.organizationId, datasetId, principal.userId, ctx.now());
    const row = await store.findDatasetIncludingDeleted(trx, principal.organizationId, datasetId);
    if (!row) throw notFound('Dataset', datasetId);
    if (marked) await ctx.jobs.enqueue('dataset.purge', { datasetId: row.id }, { priority: -1 }, trx);
    return row;
  });
  ctx.jobs.notify();
  return dataset;
}

/** The deletion operation of a dataset that was deleted (NotFound when it never existed or was not deleted). */
export async function getDeleteOperation(ctx: DomainContext, organizationId: string, datasetId: string): Promise<DatasetRow> {
  const row = await store.findDatasetIncludingDeleted(ctx.db, organizationId, datasetId);
  if (!row || row.deleted_at === null) throw notFound('Deletion operation of dataset', datasetId);
  return row;
}

const PURGE_BATCH = 500;

/** The `dataset.purge` job: removes the rows of a deleted dataset in batches, then marks it purged. */
export async function purgeDataset(
  ctx: DomainContext,
  datasetId: string,
  releaseBlobs: (sha256s: string[]) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    const { deleted, blobs } = await store.purgeDatasetContents(ctx.db, datasetId, PURGE_BATCH, ctx.now());
    if (blobs.length > 0) await releaseBlobs(blobs);
    if (deleted === 0) break;
  }
  await store.markDatasetPurged(ctx.db, datasetId, ctx.now());
}
