// Shapes of annotations and annotation import sessions as the Python vi-sdk decodes them,
// transcribed from vi-protocol.md §3.4 and §5.2 (independent of @vireo/wire on purpose).
import { array, literal, nullable, object, record, union } from './strict-json.js';
import { ResourceMetadata } from './vi-spec.js';

const Policy = literal('Warn', 'RejectFile', 'RejectSession');

export const Annotation = object(
  {
    annotationId: 'str',
    assetId: 'str',
    workspaceId: 'str',
    datasetId: 'str',
    spec: object({
      boundType: 'str',
      tag: 'int',
      aggregation: object({ whole: object({ id: 'str' }), thisPart: object({ role: literal('Caption', 'PhraseGroundingBoundingBox') }) }),
      contents: union(
        object({ kind: literal('Caption') }, { contents: 'str' }),
        object({ kind: literal('PhraseGroundingBoundingBox'), bound: array(array('num')), target: array('int') }),
      ),
    }),
    metadata: ResourceMetadata,
    selfLink: 'str',
    etag: 'str',
  },
  { kind: literal('Annotation') },
);

/** Import-session conditions: reason only CancelledByUser / UserUploadErrored (or absent/null). */
export const ImportCondition = object(
  { condition: 'str', status: literal('Waiting', 'Reached', 'FailedReach'), lastTransitionTime: union('int', 'num') },
  { reason: nullable(literal('CancelledByUser', 'UserUploadErrored')) },
);

export const AnnotationImportSession = object(
  {
    user: 'str',
    workspaceId: 'str',
    datasetId: 'str',
    annotationImportSessionId: 'str',
    selfLink: 'str',
    etag: 'str',
    metadata: ResourceMetadata,
    spec: object({ uploadBefore: 'int', failurePolicies: object({ onBadAnnotation: Policy, onBadFile: Policy, onOverwritten: Policy }) }, { source: literal('UploadedIndividualFiles') }),
    status: object(
      {
        conditions: array(ImportCondition),
        files: object({ pageCount: 'int', totalSizeBytes: 'int', statusCount: record('int') }),
        annotations: object({ statusCount: record('int') }),
      },
      { reason: nullable('str') },
    ),
  },
  { kind: literal('AnnotationImportSession') },
);

export const AnnotationImportFilesResponse = object({ files: record(object({ method: 'str', url: 'str', headers: record('str') })) });
