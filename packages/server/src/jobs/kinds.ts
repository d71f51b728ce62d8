// Every kind of background job the server runs. Adding a kind here without registering a handler
// stops the server at start-up (see JobRegistry.assertComplete).
export const JOB_KINDS = [
  'dataset.purge',
  'jobs.prune',
  'ingestion.expire',
  'blobs.collect',
  'blobs.sweep',
  'assets.bulkDelete',
  'annotations.import',
  'annotations.expireImport',
  'exports.build',
  'exports.expire',
  'twelvelabs.process',
  'twelvelabs.fetch',
  'multipart.assemble',
  'multipart.sweep',
] as const;
export type JobKind = (typeof JOB_KINDS)[number];
