// Enums of the seeds, as string constants: `SortCriterion.FILENAME` or the plain string `'filename'`.

export const SortCriterion = {
  DEFAULT: 'default',
  ASSET_ID: 'assetId',
  FILENAME: 'filename',
  LAST_MODIFIED_CONTENTS: 'lastModified.contents',
  METADATA_FILE_SIZE: 'metadata.fileSize',
} as const;
export type SortCriterion = (typeof SortCriterion)[keyof typeof SortCriterion];

export const SortOrder = { ASC: 'asc', DESC: 'desc' } as const;
export type SortOrder = (typeof SortOrder)[keyof typeof SortOrder];

export const FailureMode = { FAIL_AFTER_ONE: 'FailAfterOne', FAIL_AFTER_ALL: 'FailAfterAll' } as const;
export type FailureMode = (typeof FailureMode)[keyof typeof FailureMode];

/** What happens to an overwritten asset's annotations. */
export const ResourceRetentionMode = {
  REMOVE_LINKED_RESOURCE: 'RemoveLinkedResource',
  KEEP_LINKED_RESOURCES: 'KeepLinkedResources',
} as const;
export type ResourceRetentionMode = (typeof ResourceRetentionMode)[keyof typeof ResourceRetentionMode];

export const DatasetExportFormat = { VI_FULL: 'ViFull', VI_JSONL: 'ViJsonl', VI_TFRECORD: 'ViTfrecord' } as const;
export type DatasetExportFormat = (typeof DatasetExportFormat)[keyof typeof DatasetExportFormat];

export const DatasetType = { PHRASE_GROUNDING: 'phrase-grounding', VQA: 'vqa' } as const;
export type DatasetType = (typeof DatasetType)[keyof typeof DatasetType];

export const DatasetContent = { IMAGE: 'Image' } as const;
export type DatasetContent = (typeof DatasetContent)[keyof typeof DatasetContent];

/** Per-file error codes of an ingestion session (spec §5.1). */
export const AssetIngestionError = {
  EALREADY: 'EALREADY',
  EBADMIME: 'EBADMIME',
  EBADSIZE: 'EBADSIZE',
  ECORRUPT: 'ECORRUPT',
  ENOQUOTA: 'ENOQUOTA',
  EOLDMETA: 'EOLDMETA',
  ETIMEOUT: 'ETIMEOUT',
  ERESNENT: 'ERESNENT',
  EPROJECT: 'EPROJECT',
  ENOASSET: 'ENOASSET',
  ESEQMETA: 'ESEQMETA',
  EUNKNOWN: 'EUNKNOWN',
} as const;
export type AssetIngestionError = (typeof AssetIngestionError)[keyof typeof AssetIngestionError];
