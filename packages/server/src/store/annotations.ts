// Queries on the `annotations` table, and the one definition of what its rows mean.
//
// STORED FORMAT (read by exports; keep in step with docs/annotations.md)
// One row per *part* of an annotation, as the live Vi API lists them (§3.4). The parts of one
// annotation — one line of an imported file, one line of an export (§6.4) — share `group_id`,
// which is that line's `id`. Row ids are ULIDs, so `order by id` is the order parts were made.
//   kind 'Caption'                    contents {"caption": string}                     tag null
//   kind 'PhraseGroundingBoundingBox' contents {"phrase": string, "target": [startTokenIndex,
//                                      endTokenIndex], "bbox": [xmin, ymin, xmax, ymax],
//                                      "phraseIndex": int, "boxIndex": int}            tag = phrase
//   kind 'Vqa'                        contents {"order": int, "question": string, "answer": string}
//                                                                                    tag null
// A phrase-grounding annotation is one Caption row plus one box row per box of each grounded
// phrase (`phraseIndex` = position in groundedPhrases, `boxIndex` = position in its bounds). A VQA
// annotation is one Vqa row per interaction. Boxes are always normalised to 0–1 of the image's
// width and height; token indices are word positions in the caption, end exclusive.
// Counts (dataset statistic, asset metadata.annotations) count rows; tagsCount/withTag count rows
// by `tag`. They are computed from these rows on every read, so they cannot drift.
import { sql } from 'kysely';
import type { Trx } from './commit-queue.js';
import type { Db } from './db.js';
import type { AnnotationsTable } from './schema.js';

export type AnnotationRow = AnnotationsTable;

export interface CaptionContents {
  caption: string;
}
export interface BoxContents {
  phrase: string;
  /** [startTokenIndex, endTokenIndex]: word positions in the caption, end exclusive. */
  target: [number, number];
  /** [xmin, ymin, xmax, ymax], normalised 0–1. */
  bbox: [number, number, number, number];
  phraseIndex: number;
  boxIndex: number;
}
export interface VqaContents {
  order: number;
  question: string;
  answer: string;
}

export const findAnnotation = (db: Db | Trx, assetId: string, annotationId: string) =>
  db.selectFrom('annotations').selectAll().where('asset_id', '=', assetId).where('id', '=', annotationId).executeTakeFirst();

/** One page of an asset's annotations in id order, strictly after `afterId`. */
export const listAnnotations = (db: Db, assetId: string, limit: number, afterId?: string) => {
  let q = db.selectFrom('annotations').selectAll().where('asset_id', '=', assetId);
  if (afterId !== undefined) q = q.where('id', '>', afterId);
  return q.orderBy('id').limit(limit).execute();
};

export async function deleteAnnotation(db: Db | Trx, assetId: string, annotationId: string): Promise<boolean> {
  const r = await db.deleteFrom('annotations').where('asset_id', '=', assetId).where('id', '=', annotationId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Tag names of a dataset in the order of the dataset's `tags` map (JavaScript's default sort, as in
 * http/presenters.ts): the integer `spec.tag` of an annotation is the index here.
 */
export async function datasetTagNames(db: Db | Trx, datasetId: string): Promise<string[]> {
  const rows = await db.selectFrom('annotations').select('tag').distinct().where('dataset_id', '=', datasetId).where('tag', 'is not', null).execute();
  return rows.map((r) => r.tag!).sort();
}

export const countAnnotations = async (db: Db | Trx, datasetId: string): Promise<number> =>
  Number((await db.selectFrom('annotations').select(sql<number>`count(*)`.as('n')).where('dataset_id', '=', datasetId).executeTakeFirstOrThrow()).n);
