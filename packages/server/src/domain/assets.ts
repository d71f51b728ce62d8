// Assets: reading one, listing with keyset pagination, deleting, and the rows downloads need.
import crypto from 'node:crypto';
import * as store from '../store/assets.js';
import type { AnnotationCounts, AssetRow, SortColumn } from '../store/assets.js';
import type { AssetServices } from './asset-services.js';
import { compileAssetQuery, type AssetQuerySpec } from './asset-query.js';
import type { Principal } from './context.js';
import { requireDataset } from './datasets.js';
import { invalid, notFound } from './errors.js';

export type { AssetRow, AnnotationCounts };

export interface AssetView {
  asset: AssetRow;
  annotations: AnnotationCounts;
}

export type SortCriterion = 'default' | 'assetId' | 'filename' | 'lastModified.contents' | 'metadata.fileSize';
export type SortOrder = 'asc' | 'desc';

const SORT_COLUMNS: Record<SortCriterion, SortColumn> = {
  default: 'id',
  assetId: 'id',
  filename: 'filename',
  'lastModified.contents': 'contents_updated_at',
  'metadata.fileSize': 'size',
};

export async function getAsset(svc: AssetServices, organizationId: string, datasetId: string, assetId: string): Promise<AssetView> {
  await requireDataset(svc.ctx, organizationId, datasetId);
  const asset = await store.findAsset(svc.ctx.db, datasetId, assetId);
  if (!asset) throw notFound('Asset', assetId);
  const counts = await store.annotationCounts(svc.ctx.db, [asset.id]);
  return { asset, annotations: counts.get(asset.id)! };
}

export interface ListRequest extends AssetQuerySpec {
  pageToken?: string;
  pageSize: number;
  sortBy?: SortCriterion;
  order?: SortOrder;
}

export interface AssetPage {
  items: AssetView[];
  nextPage: string | null;
}

interface PageToken {
  /** Sort criterion and order the token belongs to. */
  s: SortCriterion;
  o: SortOrder;
  /** Fingerprint of the query the token belongs to. */
  q: string;
  /** Sort value and id of the last asset of the previous page. */
  v: string | number;
  i: string;
}

export async function listAssets(svc: AssetServices, organizationId: string, datasetId: string, r: ListRequest): Promise<AssetPage> {
  await requireDataset(svc.ctx, organizationId, datasetId);
  const fingerprint = queryFingerprint(r);
  let sortBy = r.sortBy;
  let order = r.order;
  let after: { value: string | number; id: string } | undefined;
  if (r.pageToken) {
    const token = decodeToken(r.pageToken);
    if ((sortBy && sortBy !== token.s) || (order && order !== token.o)) {
      throw invalid(`The page token belongs to sortBy=${token.s}&o=${token.o}; send the same sort as the first page (or none)`);
    }
    if (token.q !== fingerprint) throw invalid('The page token belongs to another filter or query; send the same ones as the first page');
    sortBy = token.s;
    order = token.o;
    after = { value: token.v, id: token.i };
  }
  sortBy ??= 'default';
  order ??= 'asc';
  const column = SORT_COLUMNS[sortBy];
  const rows = await store.listAssets(svc.ctx.db, {
    datasetId,
    column,
    descending: order === 'desc',
    limit: r.pageSize + 1,
    after,
    where: compileAssetQuery(r, svc.ctx.dialect),
  });
  const more = rows.length > r.pageSize;
  const page = more ? rows.slice(0, r.pageSize) : rows;
  const counts = await store.annotationCounts(svc.ctx.db, page.map((a) => a.id));
  const last = page.at(-1);
  return {
    items: page.map((asset) => ({ asset, annotations: counts.get(asset.id)! })),
    nextPage:
      more && last
        ? encodeToken({ s: sortBy, o: order, q: fingerprint, v: column === 'id' ? last.id : (last[column] as string | number), i: last.id })
        : null,
  };
}

function queryFingerprint(q: AssetQuerySpec): string {
  const canonical = JSON.stringify([q.filter ?? null, q.metadataQuery ?? null, q.ruleQuery ?? null, q.strict ?? false]);
  return crypto.createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

const encodeToken = (t: PageToken): string => Buffer.from(JSON.stringify(t)).toString('base64url');

function decodeToken(raw: string): PageToken {
  try {
    const t = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as PageToken;
    if (
      t &&
      typeof t.s === 'string' &&
      t.s in SORT_COLUMNS &&
      (t.o === 'asc' || t.o === 'desc') &&
      typeof t.q === 'string' &&
      (typeof t.v === 'string' || typeof t.v === 'number') &&
      typeof t.i === 'string'
    ) {
      return t;
    }
  } catch {
    /* fall through */
  }
  throw invalid('p is not a page token of this list: pass the nextPage of the previous answer unchanged');
}

/** Deletes one asset and its annotations; its blobs go to the collector. */
export async function deleteAsset(svc: AssetServices, principal: Principal, datasetId: string, assetId: string): Promise<void> {
  await requireDataset(svc.ctx, principal.organizationId, datasetId);
  const found = await svc.ctx.db.transaction().execute(async (trx) => {
    const asset = await store.findAsset(trx, datasetId, assetId);
    if (!asset) return false;
    const released = await store.deleteAssets(trx, [asset.id]);
    await svc.ctx.jobs.enqueue('blobs.collect', { sha256s: released }, { priority: -5 }, trx);
    return true;
  });
  if (!found) throw notFound('Asset', assetId);
  svc.ctx.jobs.notify();
}

/** The asset a signed download URL names (the signature was checked by the caller). */
export async function assetForDownload(svc: AssetServices, assetId: string): Promise<AssetRow> {
  const asset = await store.findAssetById(svc.ctx.db, assetId);
  // A TwelveLabs URL/multipart asset has no bytes until they arrive (sha256 '').
  if (!asset || asset.sha256 === '') throw notFound('Asset', assetId);
  return asset;
}
