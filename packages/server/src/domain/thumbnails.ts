// Thumbnails (256 px WebP) are made on the first request of an asset's thumbnail URL, stored as a
// blob and remembered on the asset, so ingestion never waits for them. Content the media module
// cannot decode (damaged pixels) is remembered as having none.
import { claimBlobWaiting } from './blob-gc.js';
import { NO_THUMBNAIL, type AssetRow } from '../store/assets.js';
import type { AssetServices } from './asset-services.js';

export const THUMBNAIL_SIZE = 256;

const inFlight = new Map<string, Promise<{ sha256: string; size: number } | undefined>>();

/** The asset's thumbnail blob, made now if it does not exist yet; undefined when the format has none. */
export function thumbnailOf(svc: AssetServices, asset: AssetRow): Promise<{ sha256: string; size: number } | undefined> {
  const key = `${asset.id}:${asset.sha256}`;
  let p = inFlight.get(key);
  if (!p) {
    p = make(svc, asset).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  return p;
}

async function make(svc: AssetServices, asset: AssetRow): Promise<{ sha256: string; size: number } | undefined> {
  const { db } = svc.ctx;
  if (asset.thumbnail_sha256 === NO_THUMBNAIL) return undefined;
  if (asset.thumbnail_sha256) {
    const row = await db.selectFrom('blobs').select(['size', 'state']).where('sha256', '=', asset.thumbnail_sha256).executeTakeFirst();
    if (row && row.state === 'live') return { sha256: asset.thumbnail_sha256, size: Number(row.size) };
  }
  const bytes = await svc.media.makeThumbnail(svc.blobs.open(asset.sha256, Number(asset.size)), { size: THUMBNAIL_SIZE });
  if (!bytes) {
    await db.updateTable('assets').set({ thumbnail_sha256: NO_THUMBNAIL }).where('id', '=', asset.id).where('sha256', '=', asset.sha256).execute();
    return undefined;
  }
  const staged = await svc.blobs.stageBuffer(bytes);
  try {
    // The collector may be removing an identical thumbnail of another asset: wait for it, briefly.
    await claimBlobWaiting(svc, staged.sha256, staged.size);
    await svc.blobs.promote(staged.key, staged.sha256);
  } finally {
    await svc.blobs.discardStaged(staged.key);
  }
  // Only if the asset still has the contents this thumbnail was made from.
  await db.updateTable('assets').set({ thumbnail_sha256: staged.sha256 }).where('id', '=', asset.id).where('sha256', '=', asset.sha256).execute();
  return { sha256: staged.sha256, size: staged.size };
}
