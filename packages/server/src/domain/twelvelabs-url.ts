// `method=url` assets of the TwelveLabs surface: the asset is created `processing` at once and a
// job downloads the URL into staging (SSRF-checked, size-capped, timed out: url-fetch.ts), then
// attaches the bytes. A refused or failed download fails the asset with a message saying why.
import type { StagedObject } from '../blobs/store.js';
import type { AssetServices } from './asset-services.js';
import { attachStaged, failAsset, hasBytes } from './twelvelabs-assets.js';
import * as assetStore from '../store/assets.js';
import { UrlFetchError } from './url-fetch.js';

/**
 * Downloads `url` into blob staging, refusing addresses the operator did not allow, stopping past
 * `maxBytes` or `timeoutMs` (url-fetch.ts's fetchToStaging, bound to the allow list in main.ts).
 * Its errors' messages are shown to users as the asset's error.
 */
export type UrlFetcher = (url: string, options: { maxBytes: number; timeoutMs: number; signal?: AbortSignal }) => Promise<StagedObject>;

/** Failures worth another try (the job retries with backoff, then fails the asset): network trouble, timeouts, 5xx. */
function transient(err: unknown): boolean {
  if (!(err instanceof UrlFetchError)) return false;
  return err.reason === 'network' || err.reason === 'timeout' || (err.reason === 'http-status' && (err.status ?? 0) >= 500);
}

/** The `twelvelabs.fetch` job; `lastAttempt` turns a transient failure into the asset's failure. */
export async function fetchAsset(svc: AssetServices, assetId: string, url: string, o: { signal?: AbortSignal; lastAttempt?: boolean } = {}): Promise<void> {
  const { signal } = o;
  const asset = await assetStore.findAssetById(svc.ctx.db, assetId);
  if (!asset || asset.processing_status !== 'processing' || hasBytes(asset)) return; // deleted or done
  if (!svc.urlFetcher) {
    await failAsset(svc, assetId, 'This server cannot download URLs (URL ingest is not configured)');
    return;
  }
  let staged: StagedObject;
  try {
    staged = await svc.urlFetcher(url, {
      maxBytes: Math.max(svc.limits.tlUrlMaxBytes, svc.limits.tlImageMaxBytes),
      timeoutMs: svc.limits.tlUrlTimeoutMs,
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err; // shutting down: the job runs again
    if (transient(err) && !o.lastAttempt) throw err;
    await failAsset(svc, assetId, `Could not download ${redact(url)}: ${(err as Error).message}`);
    return;
  }
  await attachStaged(svc, assetId, staged);
}

/** The URL without its query (which may carry credentials of a presigned link). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'the URL';
  }
}
