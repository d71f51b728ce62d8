// Connects each job kind to the domain code that runs it.
import type { DomainContext } from '../domain/context.js';
import { purgeDataset } from '../domain/datasets.js';
import { JOB_KINDS } from './kinds.js';
import { JobRegistry } from './registry.js';

const FINISHED_JOBS_KEPT_MS = 7 * 24 * 3600_000;

export function createJobRegistry(ctx: DomainContext): JobRegistry {
  return new JobRegistry(JOB_KINDS)
    .register<{ datasetId: string }>('dataset.purge', {
      maxAttempts: 20,
      // Blob references are released to the blob collector once the asset store exists (assets issue).
      run: ({ datasetId }, { signal }) => purgeDataset(ctx, datasetId, async () => undefined, signal),
    })
    .register('jobs.prune', {
      everyMs: 3600_000,
      run: async () => {
        await ctx.jobs.prune(FINISHED_JOBS_KEPT_MS);
      },
    });
}
