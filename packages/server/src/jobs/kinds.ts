// Every kind of background job the server runs. Adding a kind here without registering a handler
// stops the server at start-up (see JobRegistry.assertComplete).
export const JOB_KINDS = [
  'dataset.purge',
  'jobs.prune',
  'ingestion.expire',
  'blobs.collect',
  'blobs.sweep',
  'assets.bulkDelete',
  'twelvelabs.process',
  'twelvelabs.fetch',
  'multipart.assemble',
  'multipart.sweep',
  'annotations.import',
  'annotations.expireImport',
] as const;
export type JobKind = (typeof JOB_KINDS)[number];
