// Export rows -> the `DatasetExport` wire object (§3.2). Progress is the message of the Finished
// condition while it waits; the download URL appears once the archive is ready.
import type { DatasetExport, ResourceCondition } from '@vireo/wire';
import type { ExportRow } from '../domain/exports.js';
import { compositeDatasetId, datasetLink, etagOf } from './ids.js';
import type { SignedUrl } from './signed-links.js';

export function presentExport(e: ExportRow, downloadUrl: (e: ExportRow) => SignedUrl): DatasetExport {
  const conditions: ResourceCondition[] = [
    e.started_at === null
      ? { condition: 'Started', status: 'Waiting', lastTransitionTime: e.created_at, message: 'Waiting for a worker' }
      : { condition: 'Started', status: 'Reached', lastTransitionTime: e.started_at },
  ];
  const ready = e.finished_at !== null && e.failure === null && e.archive_sha256 !== null;
  if (e.finished_at === null) {
    const progress = e.started_at === null ? 'Not started' : `${e.assets_done} of ${e.assets_total} assets written`;
    conditions.push({ condition: 'Finished', status: 'Waiting', lastTransitionTime: e.updated_at, message: progress });
  } else if (e.failure !== null) {
    conditions.push({ condition: 'Finished', status: 'FailedReach', lastTransitionTime: e.finished_at, message: e.failure });
  } else {
    conditions.push({
      condition: 'Finished',
      status: 'Reached',
      lastTransitionTime: e.finished_at,
      message: `${e.assets_total} assets, ${Number(e.archive_size)} bytes`,
    });
  }
  let link: { url: string; expiresAt: number } | null = null;
  if (ready) {
    const signed = downloadUrl(e);
    link = { url: signed.url, expiresAt: signed.expiry };
  }
  return {
    kind: 'DatasetExport',
    workspaceId: e.organization_id,
    datasetId: compositeDatasetId(e.organization_id, e.dataset_id),
    datasetExportId: e.id,
    spec: {
      format: e.format as DatasetExport['spec']['format'],
      options: { normalized: e.normalized === 1, splitRatio: e.split_ratio === null ? null : Number(e.split_ratio) },
    },
    status: { conditions, downloadUrl: link },
    metadata: { timeCreated: e.created_at, lastUpdated: e.updated_at, generation: e.generation, attributes: {} },
    selfLink: `${datasetLink(e.organization_id, e.dataset_id)}/datasetExports/${e.id}`,
    etag: etagOf(e.generation),
  };
}
