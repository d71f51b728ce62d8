// Asset rows as the TwelveLabs protocol shows them (twelvelabs-protocol.md §5): `_id`, snake_case,
// RFC 3339 UTC times, `size`/`url` once the bytes are stored, `technical_metadata` once ready,
// `error.message` when failed.
import type { TlAsset } from '@vireo/wire';
import type { AssetRow } from '../domain/assets.js';
import { hasBytes, type TlStatus } from '../domain/twelvelabs-assets.js';
import type { SignedLinks } from './signed-links.js';

export const rfc3339 = (ms: number): string => new Date(ms).toISOString();

export function presentTlAsset(asset: AssetRow, links: SignedLinks): TlAsset {
  const status = (asset.processing_status ?? 'ready') as TlStatus;
  const out: TlAsset = {
    _id: asset.id,
    method: asset.tl_method ?? 'direct',
    status,
    filename: asset.original_filename ?? asset.filename,
    file_type: asset.mime,
    created_at: rfc3339(Number(asset.created_at)),
  };
  if (hasBytes(asset)) {
    out.size = Number(asset.size);
    const signed = links.asset(asset);
    out.url = signed.url;
    out.url_expires_at = rfc3339(signed.expiry).replace(/\.\d{3}Z$/, 'Z');
  }
  if (status === 'ready' && asset.duration_ms !== null && asset.duration_ms !== undefined) out.duration = Number(asset.duration_ms) / 1000;
  const metadata = JSON.parse(asset.custom_metadata || '{}') as Record<string, string | number | boolean>;
  if (Object.keys(metadata).length > 0) out.user_metadata = metadata;
  if (status === 'ready' && asset.media) out.technical_metadata = JSON.parse(asset.media) as Record<string, string | number | boolean>;
  if (status === 'failed') out.error = { message: asset.processing_error ?? 'Processing failed' };
  return out;
}
