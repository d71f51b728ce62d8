// Annotation rows and import sessions -> wire objects of the Vi protocol (§3.4, §5.2).
import type { Annotation, AnnotationImportSession, ImportSessionCondition } from '@vireo/wire';
import type { AnnotationRow } from '../domain/annotations.js';
import type { ImportView } from '../domain/annotation-import.js';
import type { BoxContents, CaptionContents, VqaContents } from '../store/annotations.js';
import { compositeDatasetId, datasetLink, etagOf } from './ids.js';

/**
 * One stored part as the live API shows it. VQA parts have no kind of their own in the protocol's
 * strict union: they are shown as Caption parts reading "Q: … A: …" (exports carry them in full).
 */
export function presentAnnotation(row: AnnotationRow, organizationId: string, tags: string[]): Annotation {
  const tag = row.tag === null ? -1 : tags.indexOf(row.tag);
  let contents: Annotation['spec']['contents'];
  let role: 'Caption' | 'PhraseGroundingBoundingBox' = 'Caption';
  let boundType = 'Caption';
  if (row.kind === 'PhraseGroundingBoundingBox') {
    const c = JSON.parse(row.contents) as BoxContents;
    const [x0, y0, x1, y1] = c.bbox;
    contents = { kind: 'PhraseGroundingBoundingBox', bound: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], target: [c.target[0], c.target[1]] };
    role = 'PhraseGroundingBoundingBox';
    boundType = 'Box';
  } else if (row.kind === 'Vqa') {
    const c = JSON.parse(row.contents) as VqaContents;
    contents = { kind: 'Caption', contents: `Q: ${c.question}\nA: ${c.answer}` };
    boundType = 'Vqa';
  } else {
    contents = { kind: 'Caption', contents: (JSON.parse(row.contents) as CaptionContents).caption };
  }
  return {
    kind: 'Annotation',
    annotationId: row.id,
    assetId: row.asset_id,
    workspaceId: organizationId,
    datasetId: compositeDatasetId(organizationId, row.dataset_id),
    spec: { boundType, tag, aggregation: { whole: { id: row.group_id }, thisPart: { role } }, contents },
    metadata: { timeCreated: row.created_at, lastUpdated: row.updated_at, generation: row.generation, attributes: {} },
    selfLink: `${datasetLink(organizationId, row.dataset_id)}/assets/${row.asset_id}/annotations/${row.id}`,
    etag: etagOf(row.generation),
  };
}

export const importSessionLink = (organizationId: string, datasetId: string, sessionId: string) =>
  `${datasetLink(organizationId, datasetId)}/annotationImportSessions/${sessionId}`;

const FILE_STATUS: Record<string, string> = {
  awaiting: 'Awaiting',
  uploaded: 'Uploaded',
  imported: 'Imported',
  rejected: 'Rejected',
  skipped: 'Skipped',
};

function conditions(s: ImportView['session']): ImportSessionCondition[] {
  if (s.files_inserted_status === null) return [];
  const at = s.files_inserted_at!;
  if (s.files_inserted_status === 'FailedReach') {
    const c: ImportSessionCondition = { condition: 'FilesInserted', status: 'FailedReach', lastTransitionTime: at, message: s.message };
    if (s.files_inserted_reason) c.reason = s.files_inserted_reason as ImportSessionCondition['reason'];
    return [c];
  }
  const filesInserted: ImportSessionCondition = { condition: 'FilesInserted', status: 'Reached', lastTransitionTime: at };
  if (s.state !== 'finished') return [filesInserted, { condition: 'Complete', status: 'Waiting', lastTransitionTime: at }];
  return [
    filesInserted,
    { condition: 'Complete', status: s.outcome === 'imported' ? 'Reached' : 'FailedReach', lastTransitionTime: s.finished_at!, message: s.message },
  ];
}

export function presentImportSession(view: ImportView): AnnotationImportSession {
  const { session: s, files, problems } = view;
  const statusCount: Record<string, number> = {};
  let totalSizeBytes = 0;
  for (const f of files) {
    const k = FILE_STATUS[f.state] ?? f.state;
    statusCount[k] = (statusCount[k] ?? 0) + 1;
    totalSizeBytes += Number(f.size_bytes);
  }
  return {
    kind: 'AnnotationImportSession',
    user: s.created_by,
    workspaceId: s.organization_id,
    datasetId: compositeDatasetId(s.organization_id, s.dataset_id),
    annotationImportSessionId: s.id,
    selfLink: importSessionLink(s.organization_id, s.dataset_id, s.id),
    etag: etagOf(s.generation),
    metadata: { timeCreated: s.created_at, lastUpdated: s.updated_at, generation: s.generation, attributes: JSON.parse(s.attributes) },
    spec: {
      uploadBefore: s.upload_before,
      failurePolicies: {
        onBadAnnotation: s.on_bad_annotation as 'Warn',
        onBadFile: s.on_bad_file as 'Warn',
        onOverwritten: s.on_overwritten as 'Warn',
      },
      source: 'UploadedIndividualFiles',
    },
    status: {
      conditions: conditions(s),
      files: { pageCount: s.page_count, totalSizeBytes, statusCount },
      annotations: { statusCount: JSON.parse(s.annotation_counts) },
      reason: null,
      problems: problems.map((p) => ({ file: p.file, line: p.line, reason: p.reason, message: p.message })),
      problemCount: s.problem_count,
    },
  };
}
