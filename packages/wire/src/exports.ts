// Dataset exports (vi-protocol.md §3.2, §6.2).
import Type, { type Static } from 'typebox';
import { Millis, Nullable, ResourceCondition, ResourceMetadata } from './common.js';

export const DatasetExportFormat = Type.Union([Type.Literal('ViFull'), Type.Literal('ViJsonl'), Type.Literal('ViTfrecord')]);

export const DatasetExportOptions = Type.Object({
  normalized: Type.Boolean(),
  splitRatio: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }))),
});

/**
 * Body of `POST …/datasetExports`. Lenient on purpose: SDK users who pass dicts send values and keys
 * verbatim (`VI_JSONL`, `split_ratio`), which the server normalises.
 */
export const CreateDatasetExportRequest = Type.Object({
  spec: Type.Optional(
    Type.Object({
      format: Type.Optional(Nullable(Type.String())),
      options: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
    }),
  ),
});

export const DatasetExport = Type.Object({
  kind: Type.Literal('DatasetExport'),
  workspaceId: Type.String(),
  datasetId: Type.String(),
  datasetExportId: Type.String(),
  spec: Type.Object({ format: DatasetExportFormat, options: DatasetExportOptions }),
  status: Type.Object({
    conditions: Type.Array(ResourceCondition),
    /** Null until the archive is ready. `expiresAt` is in milliseconds. */
    downloadUrl: Nullable(Type.Object({ url: Type.String(), expiresAt: Millis })),
  }),
  metadata: ResourceMetadata,
  selfLink: Type.String(),
  etag: Type.String(),
});

export type DatasetExportFormat = Static<typeof DatasetExportFormat>;
export type DatasetExportOptions = Static<typeof DatasetExportOptions>;
export type CreateDatasetExportRequest = Static<typeof CreateDatasetExportRequest>;
export type DatasetExport = Static<typeof DatasetExport>;
