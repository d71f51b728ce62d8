// Assets, asset ingestion sessions and bulk asset deletion (vi-protocol.md §3.3, §5.1, §8.2).
import Type, { type Static } from 'typebox';
import { Millis, Nullable, ResourceCondition, ResourceMetadata } from './common.js';

/** A signed URL handed to a client. `expiry` is in milliseconds since the epoch. */
export const Contents = Type.Object({
  url: Type.String(),
  expiry: Millis,
  headers: Type.Optional(Nullable(Type.Record(Type.String(), Type.String()))),
  method: Type.Optional(Nullable(Type.String())),
});

/** Values of custom metadata: the SDK's `dict[str, str | int | float | bool]`. */
export const CustomMetadataValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
export const CustomMetadata = Type.Record(Type.String(), CustomMetadataValue);

/** All 25 keys are required by the Python SDK (only the `depth` keys are optional). */
export const AssetMetadata = Type.Object({
  generations: Type.Object({ asset: Type.String(), thumbnail: Type.String() }),
  insertedBy: Type.String(),
  annotations: Type.Object({ withTag: Type.Record(Type.String(), Type.Integer()), total: Type.Integer() }),
  frames: Type.Integer(),
  cohorts: Type.Array(Type.Unknown()),
  fileSize: Type.Integer(),
  height: Type.Integer(),
  width: Type.Integer(),
  mimeType: Type.String(),
  source: Type.String(),
  status: Type.String(),
  uploadStatus: Type.String(),
  visibility: Type.String(),
  userDefined: Type.Record(Type.String(), Type.Unknown()),
  customMetadata: CustomMetadata,
  dimensions: Type.Object({ height: Type.Integer(), width: Type.Integer(), depth: Type.Optional(Nullable(Type.Integer())) }),
  pixelRatio: Type.Object({ height: Type.Integer(), width: Type.Integer(), depth: Type.Optional(Nullable(Type.Integer())) }),
  comments: Type.Integer(),
  customMetadataCount: Type.Integer(),
  hash: Type.Object({ algorithm: Type.String(), contents: Type.String() }),
  contentsFrom: Type.String(),
  framesChange: Type.Record(Type.String(), Type.Integer()),
  timeCreated: Millis,
  lastUpdated: Millis,
  contentsLastUpdated: Millis,
});

export const Asset = Type.Object({
  assetId: Type.String(),
  datasetId: Type.String({ description: 'Composite id `{organizationId}_{datasetId}`' }),
  workspaceId: Type.String(),
  filename: Type.String(),
  kind: Type.String({ description: 'Image, Video or Audio' }),
  owner: Type.String(),
  metadata: AssetMetadata,
  selfLink: Type.String(),
  etag: Type.String(),
  contents: Type.Optional(
    Type.Object({
      asset: Type.Optional(Contents),
      thumbnail: Type.Optional(Contents),
    }),
  ),
});

export const AssetSortCriterion = Type.Union([
  Type.Literal('default'),
  Type.Literal('assetId'),
  Type.Literal('filename'),
  Type.Literal('lastModified.contents'),
  Type.Literal('metadata.fileSize'),
]);

/** Query string of `GET …/assets` (§3.3). Booleans arrive as `y`. */
export const AssetListQuery = Type.Object({
  p: Type.Optional(Type.String({ description: 'Page token: the previous page\'s nextPage' })),
  s: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Page size' })),
  o: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  sortBy: Type.Optional(AssetSortCriterion),
  filter: Type.Optional(Type.String({ description: 'See docs/query-language.md' })),
  metadataQuery: Type.Optional(Type.String({ description: 'See docs/query-language.md' })),
  ruleQuery: Type.Optional(Type.String()),
  contents: Type.Optional(Type.String({ description: '`y` to include signed download URLs' })),
  pageAfter: Type.Optional(Type.String()),
  strictQuery: Type.Optional(Type.String()),
});

export const FailureMode = Type.Union([Type.Literal('FailAfterOne'), Type.Literal('FailAfterAll')]);
/** What answers always say; requests may also use the SDK's singular `KeepLinkedResource`. */
export const ResourceRetentionMode = Type.Union([Type.Literal('RemoveLinkedResource'), Type.Literal('KeepLinkedResources')]);
export const ResourceRetentionModeRequest = Type.Union([
  Type.Literal('RemoveLinkedResource'),
  Type.Literal('KeepLinkedResources'),
  Type.Literal('KeepLinkedResource'),
]);

export const AssetIngestionErrorCode = Type.Union(
  ['EALREADY', 'EBADMIME', 'EBADSIZE', 'ECORRUPT', 'ENOQUOTA', 'EOLDMETA', 'ETIMEOUT', 'ERESNENT', 'EPROJECT', 'ENOASSET', 'ESEQMETA', 'EUNKNOWN'].map(
    (c) => Type.Literal(c),
  ),
);

/** One file announced in an ingestion session. `crc32c` is the CRC32C read as a signed 32-bit integer. */
export const UploadedAssetMetadata = Type.Object({
  kind: Type.String(),
  filename: Type.String(),
  mime: Type.String(),
  size: Type.Integer(),
  crc32c: Type.Optional(Nullable(Type.Integer())),
  customMetadata: Type.Optional(Nullable(CustomMetadata)),
});

export const CreateAssetIngestionSessionRequest = Type.Object({
  spec: Type.Object({
    assets: Type.Array(
      Type.Object({
        filename: Type.String({ minLength: 1, maxLength: 1024 }),
        mime: Type.String(),
        size: Type.Integer({ minimum: 0 }),
        crc32c: Type.Integer({ minimum: -2147483648, maximum: 4294967295 }),
        customMetadata: Type.Optional(Nullable(CustomMetadata)),
        kind: Type.Optional(Nullable(Type.String())),
      }),
    ),
    kind: Type.Optional(Nullable(Type.String())),
    failureMode: Type.Optional(Nullable(FailureMode)),
    onAssetOverwritten: Type.Optional(Nullable(ResourceRetentionModeRequest)),
  }),
});

export const IngestionErrorEvent = Type.Object({
  kind: Type.Literal('Error'),
  files: Type.Record(Type.String(), AssetIngestionErrorCode),
  corrections: Type.Record(Type.String(), Type.String()),
  time: Millis,
});
export const IngestionProgressEvent = Type.Object({
  kind: Type.Literal('Progress'),
  tasks: Type.Record(Type.String(), Type.Record(Type.String(), Type.Integer())),
});
export const IngestionEvent = Type.Union([IngestionErrorEvent, IngestionProgressEvent]);

export const AssetForUpload = Type.Object({
  metadata: UploadedAssetMetadata,
  upload: Contents,
});

export const AssetIngestionSession = Type.Object({
  kind: Type.Literal('AssetIngestionSession'),
  workspaceId: Type.String(),
  datasetId: Type.String(),
  assetSourceClass: Type.String(),
  assetSourceProvider: Type.String(),
  assetSourceId: Type.String(),
  assetIngestionSessionId: Type.String(),
  selfLink: Type.String(),
  etag: Type.String(),
  metadata: ResourceMetadata,
  spec: Type.Object({
    kind: Type.String(),
    failureMode: FailureMode,
    onAssetOverwritten: ResourceRetentionMode,
    assets: Type.Optional(Type.Array(UploadedAssetMetadata)),
  }),
  status: Type.Object({
    conditions: Type.Array(ResourceCondition),
    events: Type.Array(IngestionEvent),
    progressCount: Type.Object({ total: Type.Integer(), succeeded: Type.Integer(), errored: Type.Integer() }),
    /** Files that still need bytes, each with its signed PUT. Always a list (null crashes the SDK). */
    assets: Type.Array(AssetForUpload),
  }),
});

/** `filter` may be a string or any JSON object; the SDK sends all four keys, often null. */
export const BulkAssetDeletionSpec = Type.Object({
  filter: Type.Optional(Nullable(Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())]))),
  metadataQuery: Type.Optional(Nullable(Type.String())),
  ruleQuery: Type.Optional(Nullable(Type.String())),
  strictQuery: Type.Optional(Nullable(Type.Boolean())),
});

export const CreateBulkAssetDeletionRequest = Type.Object({ spec: BulkAssetDeletionSpec });

export const BulkAssetDeletionSession = Type.Object({
  kind: Type.String(),
  workspaceId: Type.String(),
  datasetId: Type.String(),
  deleteManyAssetsSessionId: Type.String(),
  selfLink: Type.String(),
  etag: Type.String(),
  metadata: ResourceMetadata,
  spec: BulkAssetDeletionSpec,
  status: Type.Object({ conditions: Type.Array(ResourceCondition) }),
});

export type Contents = Static<typeof Contents>;
export type CustomMetadata = Static<typeof CustomMetadata>;
export type AssetMetadata = Static<typeof AssetMetadata>;
export type Asset = Static<typeof Asset>;
export type AssetSortCriterion = Static<typeof AssetSortCriterion>;
export type AssetListQuery = Static<typeof AssetListQuery>;
export type FailureMode = Static<typeof FailureMode>;
export type ResourceRetentionMode = Static<typeof ResourceRetentionMode>;
export type ResourceRetentionModeRequest = Static<typeof ResourceRetentionModeRequest>;
export type AssetIngestionErrorCode = Static<typeof AssetIngestionErrorCode>;
export type UploadedAssetMetadata = Static<typeof UploadedAssetMetadata>;
export type CreateAssetIngestionSessionRequest = Static<typeof CreateAssetIngestionSessionRequest>;
export type IngestionErrorEvent = Static<typeof IngestionErrorEvent>;
export type IngestionProgressEvent = Static<typeof IngestionProgressEvent>;
export type IngestionEvent = Static<typeof IngestionEvent>;
export type AssetForUpload = Static<typeof AssetForUpload>;
export type AssetIngestionSession = Static<typeof AssetIngestionSession>;
export type BulkAssetDeletionSpec = Static<typeof BulkAssetDeletionSpec>;
export type CreateBulkAssetDeletionRequest = Static<typeof CreateBulkAssetDeletionRequest>;
export type BulkAssetDeletionSession = Static<typeof BulkAssetDeletionSession>;
