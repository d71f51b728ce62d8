// Dataset exports (§3.2, §6.2): a row records what was asked; the `exports.build` job writes the
// archive (domain/export-archive.ts); the `exports.expire` chore removes exports past their time.
import type { DatasetExportsTable } from '../store/schema.js';
import type { AssetServices } from './asset-services.js';
import type { Principal } from './context.js';
import { requireDataset } from './datasets.js';
import { invalid, notFound } from './errors.js';
import { newId } from './ids.js';

export type ExportRow = DatasetExportsTable;
export type ExportFormat = 'ViFull' | 'ViJsonl';

export interface ExportSettings {
  format: ExportFormat;
  normalized: boolean;
  splitRatio: number | null;
}

/** Builds that die this many times in a row (process crashes) are given up. */
const BUILD_ATTEMPTS = 5;

/**
 * Reads the request's spec leniently: the Python SDK sends user dicts verbatim, so `VI_JSONL`,
 * `vi_full` and `split_ratio` are accepted beside the canonical `ViJsonl` and `splitRatio`.
 */
export function exportSettings(spec: { format?: string | null; options?: Record<string, unknown> | null } | undefined): ExportSettings {
  const rawFormat = spec?.format ?? 'ViFull';
  const key = String(rawFormat).replace(/[_\s-]/g, '').toLowerCase();
  let format: ExportFormat;
  if (key === 'vifull') format = 'ViFull';
  else if (key === 'vijsonl') format = 'ViJsonl';
  else if (key === 'vitfrecord') throw invalid('The ViTfrecord export format is not supported by this server: use ViFull or ViJsonl');
  else throw invalid(`Unknown export format "${rawFormat}": use ViFull (images and annotations) or ViJsonl (annotations only)`);

  const options = spec?.options ?? {};
  const normalized = options.normalized ?? true;
  if (typeof normalized !== 'boolean') throw invalid('spec.options.normalized must be true (coordinates 0–1) or false (pixels)');
  const ratio = options.splitRatio !== undefined ? options.splitRatio : (options.split_ratio ?? null);
  if (ratio !== null && (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio <= 0 || ratio >= 1)) {
    throw invalid('spec.options.splitRatio must be null (one dump/ split) or a number between 0 and 1 exclusive (the training fraction)');
  }
  return { format, normalized, splitRatio: ratio as number | null };
}

export async function createExport(svc: AssetServices, principal: Principal, datasetId: string, settings: ExportSettings): Promise<ExportRow> {
  const dataset = await requireDataset(svc.ctx, principal.organizationId, datasetId);
  const now = svc.ctx.now();
  const row: ExportRow = {
    id: newId(),
    organization_id: principal.organizationId,
    dataset_id: dataset.id,
    format: settings.format,
    normalized: settings.normalized ? 1 : 0,
    split_ratio: settings.splitRatio,
    created_by: principal.userId,
    created_at: now,
    updated_at: now,
    generation: 1,
    started_at: null,
    assets_total: 0,
    assets_done: 0,
    archive_sha256: null,
    archive_size: null,
    finished_at: null,
    failure: null,
    expires_at: now + svc.limits.exportTtlMs,
  };
  await svc.ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('dataset_exports').values(row).execute();
    await svc.ctx.jobs.enqueue('exports.build', { exportId: row.id }, { maxAttempts: BUILD_ATTEMPTS }, trx);
  });
  svc.ctx.jobs.notify();
  return row;
}

/** The dataset's live exports, newest first (a single page, §9.6). */
export async function listExports(svc: AssetServices, organizationId: string, datasetId: string): Promise<ExportRow[]> {
  const dataset = await requireDataset(svc.ctx, organizationId, datasetId);
  return svc.ctx.db
    .selectFrom('dataset_exports')
    .selectAll()
    .where('dataset_id', '=', dataset.id)
    .where('organization_id', '=', organizationId)
    .where('expires_at', '>', svc.ctx.now())
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function getExport(svc: AssetServices, organizationId: string, datasetId: string, exportId: string): Promise<ExportRow> {
  const dataset = await requireDataset(svc.ctx, organizationId, datasetId);
  const row = await svc.ctx.db.selectFrom('dataset_exports').selectAll().where('id', '=', exportId).executeTakeFirst();
  if (!row || row.organization_id !== organizationId || row.dataset_id !== dataset.id || row.expires_at <= svc.ctx.now()) {
    throw notFound('Dataset export', exportId);
  }
  return row;
}

/** The finished archive a signed download URL names (the signature was checked by the caller). */
export async function archiveForDownload(svc: AssetServices, exportId: string): Promise<ExportRow & { archive_sha256: string; archive_size: number }> {
  const row = await svc.ctx.db
    .selectFrom('dataset_exports')
    .innerJoin('datasets', 'datasets.id', 'dataset_exports.dataset_id')
    .selectAll('dataset_exports')
    .where('dataset_exports.id', '=', exportId)
    .where('datasets.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row || row.archive_sha256 === null || row.archive_size === null || row.expires_at <= svc.ctx.now()) {
    throw notFound('Dataset export archive', exportId);
  }
  return { ...row, archive_sha256: row.archive_sha256, archive_size: Number(row.archive_size) };
}

/** When the build gave up for good: the export ends FailedReach with the reason. */
export async function failExport(svc: AssetServices, exportId: string, error: string): Promise<void> {
  const now = svc.ctx.now();
  await svc.ctx.db
    .updateTable('dataset_exports')
    .set((eb) => ({ finished_at: now, updated_at: now, failure: error, generation: eb('generation', '+', 1) }))
    .where('id', '=', exportId)
    .where('finished_at', 'is', null)
    .execute();
}

/** The `exports.expire` chore: removes exports past their time; their archives go to the collector. */
export async function expireExports(svc: AssetServices, signal?: AbortSignal): Promise<number> {
  const { db } = svc.ctx;
  let removed = 0;
  for (;;) {
    signal?.throwIfAborted();
    const rows = await db
      .selectFrom('dataset_exports')
      .select(['id', 'archive_sha256'])
      .where('expires_at', '<=', svc.ctx.now())
      .limit(500)
      .execute();
    if (rows.length === 0) break;
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('dataset_exports').where('id', 'in', rows.map((r) => r.id)).execute();
      const archives = rows.flatMap((r) => (r.archive_sha256 ? [r.archive_sha256] : []));
      if (archives.length > 0) await svc.ctx.jobs.enqueue('blobs.collect', { sha256s: archives }, { priority: -5 }, trx);
    });
    svc.ctx.jobs.notify();
    removed += rows.length;
  }
  return removed;
}
