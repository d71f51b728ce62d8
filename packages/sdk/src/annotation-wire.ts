// Wire shapes of annotations and annotation import sessions (vi-protocol.md §3.4, §5.2), from
// @vireo/wire under the names the SDK uses. Types only.
import type * as W from '@vireo/wire';

export type AnnotationWire = W.Annotation;
export type AnnotationContentsWire = W.Annotation['spec']['contents'];
export type FailurePolicy = W.FailurePolicy;
export type AnnotationImportCondition = W.ImportSessionCondition;
export type AnnotationImportSessionWire = W.AnnotationImportSession;
export type AnnotationImportFilesResponseWire = W.AnnotationImportFilesResponse;
