// Table types for Kysely. Conventions shared by both dialects: ids are text, times are integer
// milliseconds, booleans are 0/1 integers, JSON is stored as text.
export interface OrganizationsTable {
  id: string;
  name: string;
  owner_user_id: string;
  created_at: number;
  last_access: number;
  /** The dataset of the TwelveLabs surface (migration 0006), created on first use. */
  media_library_id?: string | null;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  user_id: string;
  name: string;
  /** SHA-256 (hex) of the whole secret key; the key itself is never stored. */
  key_hash: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface DatasetsTable {
  id: string;
  organization_id: string;
  name: string;
  type: string;
  description: string | null;
  owner_user_id: string;
  created_at: number;
  updated_at: number;
  generation: number;
  /** Set when deletion is requested: the dataset disappears from every view at once. */
  deleted_at: number | null;
  /** Set when the background purge has removed every row and blob reference of the dataset. */
  purged_at: number | null;
  deleted_by: string | null;
}

export interface AssetsTable {
  id: string;
  dataset_id: string;
  organization_id: string;
  filename: string;
  kind: string;
  mime: string;
  size: number;
  /** Unsigned CRC32C of the bytes. */
  crc32c: number;
  sha256: string;
  width: number | null;
  height: number | null;
  frames: number;
  /** JSON object of probe results for video/audio (duration, codecs, ...); null for images. */
  media: string | null;
  /** JSON object: string -> string | number | boolean. */
  custom_metadata: string;
  status: string;
  source: string;
  inserted_by: string;
  created_at: number;
  updated_at: number;
  contents_updated_at: number;
  generation: number;
  thumbnail_sha256: string | null;
  // Migration 0006 (TwelveLabs surface). Optional here because rows written before it (and Vi
  // ingestion) leave them to their defaults; selects always return them.
  /** direct | url | multipart when created through /v1.3; null for Vi uploads. */
  tl_method?: string | null;
  /** processing | ready | failed; 'ready' for Vi uploads. */
  processing_status?: string;
  processing_error?: string | null;
  /** The TwelveLabs client's name for the file when `filename` had to be made unique. */
  original_filename?: string | null;
  duration_ms?: number | null;
  video_codec?: string | null;
  audio_codec?: string | null;
  fps?: number | null;
  sample_rate?: number | null;
  channels?: number | null;
}

export interface AnnotationsTable {
  id: string;
  dataset_id: string;
  asset_id: string;
  /** Links the parts of one annotation (e.g. a caption and its grounded boxes): the id of the annotation line. Row format: store/annotations.ts. */
  group_id: string;
  kind: string;
  /** Tag (label) name, counted in the dataset statistic; null when the annotation has none. */
  tag: string | null;
  /** JSON of the kind-specific contents. */
  contents: string;
  created_at: number;
  updated_at: number;
  generation: number;
}

export interface BlobsTable {
  sha256: string;
  size: number;
  /** 'live' or 'deleting' (held by the collector while it removes the bytes). */
  state: string;
  /** Last time an upload claimed this blob: the collector leaves recently touched blobs alone. */
  touched_at: number;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: string;
  /** queued | running | done | failed */
  status: string;
  priority: number;
  run_at: number;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  /** At most one job per key ever exists (recurring chores keep one row, rescheduled forever). */
  unique_key: string | null;
  created_at: number;
  updated_at: number;
}

export interface IngestionSessionsTable {
  id: string;
  organization_id: string;
  dataset_id: string;
  spec_kind: string;
  /** FailAfterOne | FailAfterAll */
  failure_mode: string;
  /** RemoveLinkedResource | KeepLinkedResources */
  on_overwritten: string;
  created_by: string;
  created_at: number;
  updated_at: number;
  generation: number;
  /** Upload URLs expire then; files still missing are settled as ETIMEOUT. */
  deadline_at: number;
  total: number;
  succeeded: number;
  errored: number;
  /** FailAfterOne: when the first failure stopped the session taking bytes. */
  halted_at: number | null;
  /** When every item was settled. */
  finished_at: number | null;
}

export interface IngestionItemsTable {
  session_id: string;
  /** Position of the file in the session's spec. */
  idx: number;
  filename: string;
  kind: string;
  /** The MIME type the client declared. */
  mime: string;
  size: number;
  /** Unsigned CRC32C the client declared. */
  crc32c: number;
  /** JSON object or null. */
  custom_metadata: string | null;
  /** pending | succeeded | errored */
  state: string;
  /** An ingestion error code of the Vi protocol (EBADSIZE, ...). */
  error_code: string | null;
  error_message: string | null;
  /** The domain ErrorCode a later PUT of this failed item is answered with (the same failure each time). */
  reject_as: string | null;
  asset_id: string | null;
  settled_at: number | null;
}

export interface DeletionSessionsTable {
  id: string;
  organization_id: string;
  dataset_id: string;
  /** JSON of the request's spec, as answered back. */
  spec: string;
  created_by: string;
  created_at: number;
  updated_at: number;
  generation: number;
  deleted: number;
  finished_at: number | null;
  /** Why the deletion could not run (then the Finished condition is FailedReach). */
  failure: string | null;
}

/** An annotation import session (vi-protocol.md §5.2); see store/annotation-imports.ts. */
export interface AnnotationImportSessionsTable {
  id: string;
  organization_id: string;
  dataset_id: string;
  created_by: string;
  created_at: number;
  updated_at: number;
  generation: number;
  /** Files must be uploaded and FilesInserted reported before this time (ms). */
  upload_before: number;
  /** Warn | RejectFile | RejectSession */
  on_bad_annotation: string;
  on_bad_file: string;
  on_overwritten: string;
  source: string | null;
  /** JSON object of string -> string (the request's metadata.attributes). */
  attributes: string;
  /** open (taking files) | queued (FilesInserted reached, parse pending/running) | finished */
  state: string;
  files_inserted_at: number | null;
  /** Reached | FailedReach: the client's report. */
  files_inserted_status: string | null;
  /** CancelledByUser | UserUploadErrored | null */
  files_inserted_reason: string | null;
  finished_at: number | null;
  /** imported | rejected | abandoned | expired (set with finished_at) */
  outcome: string | null;
  /** For people: why the session ended as it did. */
  message: string | null;
  /** The run of the import job that owns the session's staging now (a fencing key: a run that finds another stops). */
  run_key: string | null;
  /** Files processed (status.files.pageCount). */
  page_count: number;
  /** JSON object: status.annotations.statusCount. */
  annotation_counts: string;
  problem_count: number;
}

export interface AnnotationImportFilesTable {
  session_id: string;
  /** Position of the file in the order the client announced it. */
  idx: number;
  name: string;
  kind: string;
  size_bytes: number;
  /** Unsigned CRC32C the client announced. */
  crc32c: number;
  /** awaiting | uploaded | imported | rejected | skipped */
  state: string;
  /** Blob holding the received bytes, until the session ends (keeps the blob from collection). */
  sha256: string | null;
  received_size: number | null;
  /** Unsigned CRC32C of the received bytes. */
  received_crc32c: number | null;
  received_at: number | null;
  /** Annotations this file added. */
  annotations: number;
  /** Why the file was bad (a reason of docs/annotations.md), or null. */
  problem: string | null;
}

/** Annotation rows a parse staged; moved into `annotations` in one statement when the session commits. */
export interface AnnotationImportRowsTable {
  session_id: string;
  id: string;
  file_idx: number;
  asset_id: string;
  group_id: string;
  kind: string;
  tag: string | null;
  contents: string;
}

export interface AnnotationImportProblemsTable {
  session_id: string;
  seq: number;
  file: string;
  /** 1-based line of a JSON Lines file, element number of a JSON array; null for file-level problems. */
  line: number | null;
  reason: string;
  message: string;
}

export interface DatasetExportsTable {
  id: string;
  organization_id: string;
  dataset_id: string;
  /** ViFull | ViJsonl */
  format: string;
  /** 1: coordinates 0–1; 0: pixels. */
  normalized: number;
  /** Fraction of assets in training/; null: everything in dump/. */
  split_ratio: number | null;
  created_by: string;
  created_at: number;
  updated_at: number;
  generation: number;
  /** When a worker first began building the archive. */
  started_at: number | null;
  /** Assets the archive will hold, and how many are written so far (progress). */
  assets_total: number;
  assets_done: number;
  /** The finished archive, a blob. */
  archive_sha256: string | null;
  archive_size: number | null;
  finished_at: number | null;
  /** Why the archive could not be built (then the Finished condition is FailedReach). */
  failure: string | null;
  /** The export and its archive are removed after this time. */
  expires_at: number;
}

/** A TwelveLabs multipart upload (migration 0007). */
export interface MultipartUploadsTable {
  id: string;
  organization_id: string;
  /** The pending asset the assembled bytes become. */
  asset_id: string;
  filename: string;
  /** video | audio | image, as the client declared (the content decides the asset's kind). */
  media_type: string;
  total_size: number;
  chunk_size: number;
  total_chunks: number;
  /** active | completed (every chunk reported) | failed | expired */
  status: string;
  error: string | null;
  created_at: number;
  updated_at: number;
  /** An upload still active then expires; its parts are removed. */
  expires_at: number;
  /** When the parts were joined and handed to the asset. */
  assembled_at: number | null;
  /** When the part files were deleted (after assembly, failure or expiry). */
  parts_removed_at: number | null;
}

/** A chunk of a multipart upload whose bytes arrived (migration 0007). Indexes are 1-based. */
export interface MultipartChunksTable {
  upload_id: string;
  idx: number;
  size: number;
  /** The ETag answered to the PUT: the client's proof when it reports the chunk. */
  etag: string;
  /** The file of these bytes in the part store. */
  part_key: string;
  uploaded_at: number;
  updated_at: number;
  /** When the client reported it (then it is `completed`). */
  reported_at: number | null;
  /** Why the last report of it was refused (then it is `failed` until uploaded again). */
  error: string | null;
}

export interface Database {
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  datasets: DatasetsTable;
  assets: AssetsTable;
  annotations: AnnotationsTable;
  blobs: BlobsTable;
  jobs: JobsTable;
  ingestion_sessions: IngestionSessionsTable;
  ingestion_items: IngestionItemsTable;
  deletion_sessions: DeletionSessionsTable;
  annotation_import_sessions: AnnotationImportSessionsTable;
  annotation_import_files: AnnotationImportFilesTable;
  annotation_import_rows: AnnotationImportRowsTable;
  annotation_import_problems: AnnotationImportProblemsTable;
  dataset_exports: DatasetExportsTable;
  multipart_uploads: MultipartUploadsTable;
  multipart_chunks: MultipartChunksTable;
}
