// Connects each job kind to the domain code that runs it.
import { expireImportSession, failImport, processImport } from '../domain/annotation-import.js';
import type { AssetServices } from '../domain/asset-services.js';
import { collectBlobs, sweepBlobs } from '../domain/blob-gc.js';
import { failBulkDeletion, runBulkDeletion } from '../domain/bulk-delete.js';
import type { DomainContext } from '../domain/context.js';
import { purgeDataset } from '../domain/datasets.js';
import { buildExport } from '../domain/export-archive.js';
import { expireExports, failExport } from '../domain/exports.js';
import { expireSession } from '../domain/ingestion.js';
import { failAsset, processAsset } from '../domain/twelvelabs-assets.js';
import { fetchAsset } from '../domain/twelvelabs-url.js';
import { assembleUpload, failUpload, sweepUploads } from '../domain/twelvelabs-multipart.js';
import { JOB_KINDS } from './kinds.js';
import { JobRegistry } from './registry.js';

const FINISHED_JOBS_KEPT_MS = 7 * 24 * 3600_000;

export function createJobRegistry(ctx: DomainContext, assets: AssetServices): JobRegistry {
  return new JobRegistry(JOB_KINDS)
    .register<{ datasetId: string }>('dataset.purge', {
      maxAttempts: 20,
      run: ({ datasetId }, { signal }) =>
        purgeDataset(ctx, datasetId, async (sha256s) => void (await ctx.jobs.enqueue('blobs.collect', { sha256s }, { priority: -5 })), signal),
    })
    .register<{ sessionId: string }>('ingestion.expire', { run: ({ sessionId }) => expireSession(assets, sessionId) })
    .register<{ sha256s: string[] }>('blobs.collect', {
      run: async ({ sha256s }, { signal }) => void (await collectBlobs(assets, sha256s, signal)),
    })
    .register('blobs.sweep', {
      everyMs: Math.max(60_000, assets.limits.blobGcGraceMs),
      run: async (_payload, { signal }) => void (await sweepBlobs(assets, signal)),
    })
    .register<{ sessionId: string }>('assets.bulkDelete', {
      run: ({ sessionId }, { signal }) => runBulkDeletion(assets, sessionId, signal),
      onGiveUp: ({ sessionId }, error) => failBulkDeletion(assets, sessionId, error),
    })
    .register<{ sessionId: string }>('annotations.import', {
      run: ({ sessionId }, { signal }) => processImport(assets, sessionId, signal),
      onGiveUp: ({ sessionId }, error) => failImport(assets, sessionId, error),
    })
    .register<{ sessionId: string }>('annotations.expireImport', { run: ({ sessionId }) => expireImportSession(assets, sessionId) })
    .register<{ exportId: string }>('exports.build', {
      run: ({ exportId }, { signal }) => buildExport(assets, exportId, signal),
      onGiveUp: ({ exportId }, error) => failExport(assets, exportId, error),
    })
    .register('exports.expire', {
      // Often enough that an export is gone soon after its time (it is hidden from the API at once).
      everyMs: Math.min(60_000, Math.max(1000, Math.floor(assets.limits.exportTtlMs / 4))),
      run: async (_payload, { signal }) => void (await expireExports(assets, signal)),
    })
    .register<{ assetId: string }>('twelvelabs.process', {
      maxAttempts: 3,
      run: ({ assetId }) => processAsset(assets, assetId),
      onGiveUp: ({ assetId }, error) => failAsset(assets, assetId, `Processing failed: ${error}`),
    })
    .register<{ assetId: string; url: string }>('twelvelabs.fetch', {
      maxAttempts: 3,
      run: ({ assetId, url }, { signal, attempt }) => fetchAsset(assets, assetId, url, { signal, lastAttempt: attempt >= 3 }),
      onGiveUp: ({ assetId }, error) => failAsset(assets, assetId, `The download failed: ${error}`),
    })
    .register<{ uploadId: string }>('multipart.assemble', {
      maxAttempts: 3,
      run: ({ uploadId }) => assembleUpload(assets, uploadId),
      onGiveUp: ({ uploadId }, error) => failUpload(assets, uploadId, `Assembling the uploaded chunks failed: ${error}`),
    })
    .register('multipart.sweep', {
      everyMs: assets.limits.tlMultipartSweepMs,
      run: async (_payload, { signal }) => void (await sweepUploads(assets, signal)),
    })
    .register('jobs.prune', {
      everyMs: 3600_000,
      run: async () => {
        await ctx.jobs.prune(FINISHED_JOBS_KEPT_MS);
      },
    });
}
