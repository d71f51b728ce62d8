// Wire shapes of annotations and annotation import sessions (vi-protocol.md §3.4, §5.2). Types only.
import type { ResourceMetadata } from '@vireo/wire';

export type AnnotationContentsWire =
  | { kind: 'Caption'; contents?: string }
  | { kind: 'PhraseGroundingBoundingBox'; bound: number[][]; target: [number, number] };

export interface AnnotationWire {
  kind?: 'Annotation';
  annotationId: string;
  assetId: string;
  workspaceId: string;
  datasetId: string;
  spec: {
    boundType: string;
    tag: number;
    aggregation: { whole: { id: string }; thisPart: { role: 'Caption' | 'PhraseGroundingBoundingBox' } };
    contents: AnnotationContentsWire;
  };
  metadata: ResourceMetadata;
  selfLink: string;
  etag: string;
}

export type FailurePolicy = 'Warn' | 'RejectFile' | 'RejectSession';

export interface AnnotationImportCondition {
  condition: string;
  status: 'Waiting' | 'Reached' | 'FailedReach';
  lastTransitionTime: number;
  reason?: 'CancelledByUser' | 'UserUploadErrored' | null;
}

export interface AnnotationImportSessionWire {
  kind?: 'AnnotationImportSession';
  user: string;
  workspaceId: string;
  datasetId: string;
  annotationImportSessionId: string;
  selfLink: string;
  etag: string;
  metadata: ResourceMetadata;
  spec: {
    uploadBefore: number;
    failurePolicies: { onBadAnnotation: FailurePolicy; onBadFile: FailurePolicy; onOverwritten: FailurePolicy };
    source?: 'UploadedIndividualFiles';
  };
  status: {
    conditions: AnnotationImportCondition[];
    files: { pageCount: number; totalSizeBytes: number; statusCount: Record<string, number> };
    annotations: { statusCount: Record<string, number> };
    reason?: string | null;
  };
}

export interface AnnotationImportFilesResponseWire {
  files: Record<string, { method: string; url: string; headers: Record<string, string> }>;
}
