// Annotations of one asset (vi-protocol.md §3.4): list (keyset pages in id order), get, delete.
// An unknown dataset or asset is 404, never an empty list.
import * as store from '../store/annotations.js';
import type { AnnotationRow } from '../store/annotations.js';
import { findAsset } from '../store/assets.js';
import type { DomainContext } from './context.js';
import { requireDataset } from './datasets.js';
import { invalid, notFound } from './errors.js';

export type { AnnotationRow };

export interface AnnotationPage {
  items: AnnotationRow[];
  nextPage: string | null;
  /** Tag names in the order of the dataset's `tags` map (the integer tag of a part is its index). */
  tags: string[];
}

async function requireAsset(ctx: DomainContext, organizationId: string, datasetId: string, assetId: string) {
  await requireDataset(ctx, organizationId, datasetId);
  const asset = await findAsset(ctx.db, datasetId, assetId);
  if (!asset) throw notFound('Asset', assetId);
  return asset;
}

export async function listAnnotations(
  ctx: DomainContext,
  organizationId: string,
  datasetId: string,
  assetId: string,
  page: { pageToken?: string; pageSize: number },
): Promise<AnnotationPage> {
  await requireAsset(ctx, organizationId, datasetId, assetId);
  const after = page.pageToken ? decodeToken(page.pageToken) : undefined;
  const rows = await store.listAnnotations(ctx.db, assetId, page.pageSize + 1, after);
  const more = rows.length > page.pageSize;
  const items = more ? rows.slice(0, page.pageSize) : rows;
  const tags = items.some((r) => r.tag !== null) ? await store.datasetTagNames(ctx.db, datasetId) : [];
  return { items, nextPage: more ? encodeToken(items.at(-1)!.id) : null, tags };
}

export async function getAnnotation(
  ctx: DomainContext,
  organizationId: string,
  datasetId: string,
  assetId: string,
  annotationId: string,
): Promise<{ row: AnnotationRow; tags: string[] }> {
  await requireAsset(ctx, organizationId, datasetId, assetId);
  const row = await store.findAnnotation(ctx.db, assetId, annotationId);
  if (!row) throw notFound('Annotation', annotationId);
  return { row, tags: row.tag !== null ? await store.datasetTagNames(ctx.db, datasetId) : [] };
}

export async function deleteAnnotation(ctx: DomainContext, organizationId: string, datasetId: string, assetId: string, annotationId: string): Promise<void> {
  await requireAsset(ctx, organizationId, datasetId, assetId);
  if (!(await store.deleteAnnotation(ctx.db, assetId, annotationId))) throw notFound('Annotation', annotationId);
}

const encodeToken = (lastId: string) => Buffer.from(JSON.stringify({ a: lastId })).toString('base64url');

function decodeToken(raw: string): string {
  try {
    const t = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { a?: unknown };
    if (t && typeof t.a === 'string') return t.a;
  } catch {
    /* fall through */
  }
  throw invalid('pageToken is not a page token of this list: pass the nextPage of the previous answer unchanged');
}
