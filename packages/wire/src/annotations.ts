// Annotations and annotation import sessions (vi-protocol.md §3.4, §5.2).
import Type, { type Static } from 'typebox';
import { ConditionStatus, Millis, Nullable, ResourceMetadata } from './common.js';

/** A corner point `[x, y]` of a box, normalised to 0–1. */
const Point = Type.Array(Type.Number(), { minItems: 2, maxItems: 2 });

export const CaptionContents = Type.Object({
  kind: Type.Literal('Caption'),
  contents: Type.String(),
});

export const PhraseGroundingBoundingBoxContents = Type.Object({
  kind: Type.Literal('PhraseGroundingBoundingBox'),
  /** The four corners, clockwise from (xmin, ymin). */
  bound: Type.Array(Point),
  /** `[startTokenIndex, endTokenIndex]` of the phrase in the caption (words, end exclusive). */
  target: Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 }),
});

export const AnnotationRole = Type.Union([Type.Literal('Caption'), Type.Literal('PhraseGroundingBoundingBox')]);

/** One part of an annotation; the parts of one annotation share `spec.aggregation.whole.id`. */
export const Annotation = Type.Object({
  kind: Type.Literal('Annotation'),
  annotationId: Type.String(),
  assetId: Type.String(),
  workspaceId: Type.String(),
  datasetId: Type.String(),
  spec: Type.Object({
    boundType: Type.String(),
    /** Position of the tag in the dataset's `tags` map; -1 when the part has no tag. */
    tag: Type.Integer(),
    aggregation: Type.Object({
      whole: Type.Object({ id: Type.String() }),
      thisPart: Type.Object({ role: AnnotationRole }),
    }),
    contents: Type.Union([CaptionContents, PhraseGroundingBoundingBoxContents]),
  }),
  metadata: ResourceMetadata,
  selfLink: Type.String(),
  etag: Type.String(),
});

/** Query of `GET …/assets/{assetId}/annotations`. */
export const AnnotationListQuery = Type.Object({
  pageToken: Type.Optional(Type.String({ description: "Page token: the previous page's nextPage" })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })),
});

export const FailurePolicy = Type.Union([Type.Literal('Warn'), Type.Literal('RejectFile'), Type.Literal('RejectSession')]);

export const FailurePolicies = Type.Object({
  onBadAnnotation: FailurePolicy,
  onBadFile: FailurePolicy,
  onOverwritten: FailurePolicy,
});

export const ImportConditionReason = Type.Union([Type.Literal('CancelledByUser'), Type.Literal('UserUploadErrored')]);

/** Conditions of import sessions: `reason` may only be one of two values (anything else breaks the SDK). */
export const ImportSessionCondition = Type.Object({
  condition: Type.String(),
  status: ConditionStatus,
  lastTransitionTime: Type.Number(),
  reason: Type.Optional(Nullable(ImportConditionReason)),
  /** Vireo addition (ignored by the Python SDK): what happened, for people. */
  message: Type.Optional(Nullable(Type.String())),
});

export const CreateAnnotationImportSessionRequest = Type.Object({
  spec: Type.Object({
    uploadBefore: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
    failurePolicies: Type.Optional(
      Nullable(
        Type.Object({
          onBadAnnotation: Type.Optional(Nullable(FailurePolicy)),
          onBadFile: Type.Optional(Nullable(FailurePolicy)),
          onOverwritten: Type.Optional(Nullable(FailurePolicy)),
        }),
      ),
    ),
    source: Type.Optional(Nullable(Type.Literal('UploadedIndividualFiles'))),
  }),
  metadata: Type.Optional(Nullable(Type.Object({ attributes: Type.Optional(Nullable(Type.Record(Type.String(), Type.String()))) }))),
});

/** Vireo addition (ignored by the Python SDK): one problem found in an uploaded file. */
export const ImportProblem = Type.Object({
  file: Type.String(),
  /** 1-based line of a JSON Lines file, element number of a JSON array; null for the whole file. */
  line: Nullable(Type.Integer()),
  reason: Type.String(),
  message: Type.String(),
});

export const AnnotationImportSession = Type.Object({
  kind: Type.Literal('AnnotationImportSession'),
  user: Type.String(),
  workspaceId: Type.String(),
  datasetId: Type.String(),
  annotationImportSessionId: Type.String(),
  selfLink: Type.String(),
  etag: Type.String(),
  metadata: ResourceMetadata,
  spec: Type.Object({
    uploadBefore: Millis,
    failurePolicies: FailurePolicies,
    source: Type.Literal('UploadedIndividualFiles'),
  }),
  status: Type.Object({
    conditions: Type.Array(ImportSessionCondition),
    files: Type.Object({
      /** Files processed. */
      pageCount: Type.Integer(),
      totalSizeBytes: Type.Integer(),
      statusCount: Type.Record(Type.String(), Type.Integer()),
    }),
    annotations: Type.Object({ statusCount: Type.Record(Type.String(), Type.Integer()) }),
    reason: Nullable(Type.String()),
    /** Vireo addition: the first problems found (at most 1,000), and how many there were in all. */
    problems: Type.Array(ImportProblem),
    problemCount: Type.Integer(),
  }),
});

export const AnnotationImportFileSpec = Type.Object({
  sizeBytes: Type.Integer({ minimum: 0 }),
  /** Base64 of the 4-byte big-endian CRC32C digest. */
  crc32c: Type.String(),
  kind: Type.Optional(Nullable(Type.String())),
});

export const AddAnnotationImportFilesRequest = Type.Object({
  files: Type.Record(Type.String(), AnnotationImportFileSpec),
});

export const AnnotationImportFileUpload = Type.Object({
  method: Type.String(),
  url: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
});

/** Keys in the order and spelling of the request (the SDK pairs them with its files by position). */
export const AnnotationImportFilesResponse = Type.Object({
  files: Type.Record(Type.String(), AnnotationImportFileUpload),
});

export const PatchAnnotationImportStatusRequest = Type.Object({
  status: Type.Object({
    conditions: Type.Array(
      Type.Object({
        condition: Type.String(),
        status: ConditionStatus,
        lastTransitionTime: Type.Optional(Nullable(Type.Number())),
        reason: Type.Optional(Nullable(Type.String())),
      }),
      { minItems: 1 },
    ),
  }),
});

export type CaptionContents = Static<typeof CaptionContents>;
export type PhraseGroundingBoundingBoxContents = Static<typeof PhraseGroundingBoundingBoxContents>;
export type Annotation = Static<typeof Annotation>;
export type AnnotationListQuery = Static<typeof AnnotationListQuery>;
export type FailurePolicy = Static<typeof FailurePolicy>;
export type FailurePolicies = Static<typeof FailurePolicies>;
export type ImportConditionReason = Static<typeof ImportConditionReason>;
export type ImportSessionCondition = Static<typeof ImportSessionCondition>;
export type CreateAnnotationImportSessionRequest = Static<typeof CreateAnnotationImportSessionRequest>;
export type ImportProblem = Static<typeof ImportProblem>;
export type AnnotationImportSession = Static<typeof AnnotationImportSession>;
export type AnnotationImportFileSpec = Static<typeof AnnotationImportFileSpec>;
export type AddAnnotationImportFilesRequest = Static<typeof AddAnnotationImportFilesRequest>;
export type AnnotationImportFileUpload = Static<typeof AnnotationImportFileUpload>;
export type AnnotationImportFilesResponse = Static<typeof AnnotationImportFilesResponse>;
export type PatchAnnotationImportStatusRequest = Static<typeof PatchAnnotationImportStatusRequest>;
