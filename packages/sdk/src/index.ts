// @vireo/sdk — the core: everything that needs no file system. Runs in Node and in browsers.
// Uploads from paths and downloads to directories: `@vireo/sdk/node`.
export { Client } from './client.js';
export type { ClientOptions, ResolvedConfig } from './config.js';
export { DEFAULT_ENDPOINT, ENV, SDK_VERSION } from './config.js';
export * from './enums.js';
export * from './errors.js';
export { Transport, queryString, type RequestOptions } from './http.js';
export * from './models.js';
export { Page, PagePromise, type PageFetcher, type PaginationParams } from './pagination.js';
export { backoffMs, retryAfterMs } from './retry.js';
export type { PollOptions } from './resources/base.js';
export { Organizations, DEFAULT_LIMITS, type OrganizationGetOptions } from './resources/organizations.js';
export {
  Datasets,
  conditionsDone,
  type BulkDeleteAssetsOptions,
  type CreateExportOptions,
  type DatasetCreateOptions,
  type DatasetExportOptions,
  type DatasetExportSettings,
  type DatasetRef,
  type GetExportOptions,
  type WaitForExportOptions,
} from './resources/datasets.js';
export {
  Assets,
  INGESTION_SOURCE,
  kindOfMime,
  type AssetListOptions,
  type AssetRef,
  type AssetSortBy,
  type CreateIngestionSessionOptions,
  type IngestionFileSpec,
  type IngestionSessionRef,
  type WaitUntilDoneOptions,
} from './resources/assets.js';
export {
  Annotations,
  type AnnotationListOptions,
  type AnnotationRef,
  type CreateImportSessionOptions,
  type ImportFileSpec,
  type ImportSessionRef,
} from './resources/annotations.js';
export type * from './annotation-wire.js';
export type { OrganizationLimits } from '@vireo/wire';
