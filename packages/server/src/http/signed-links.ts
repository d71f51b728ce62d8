// Builds the signed URLs handed to clients: upload PUTs of ingestion sessions, and downloads of
// assets and thumbnails. Download URLs end with the file's name: the Python SDK saves each
// download under the last path segment of its URL.
import { encodeSegment, type UrlSigner } from '../blobs/signed-urls.js';
import type { AssetRow } from '../domain/assets.js';

export interface SignedUrl {
  url: string;
  /** Milliseconds since the epoch. */
  expiry: number;
}

/** Download URLs of one asset expire together at a minute boundary, so that repeated listings give the same URLs (cacheable). */
const EXPIRY_STEP_MS = 60_000;

export const uploadPath = (sessionId: string, idx: number, filename: string) => `/uploads/${sessionId}/${idx}/${encodeSegment(filename)}`;
export const assetPath = (asset: Pick<AssetRow, 'id' | 'filename'>) => `/files/assets/${asset.id}/${encodeSegment(asset.filename)}`;
export const thumbnailPath = (asset: Pick<AssetRow, 'id' | 'filename'>) =>
  `/files/assets/${asset.id}/thumbnail/${encodeSegment(`${asset.filename.replace(/\.[^.]*$/, '')}.webp`)}`;

/** The archive of a dataset export, named after the dataset. */
export const exportArchivePath = (exportId: string, datasetId: string) => `/files/exports/${exportId}/${encodeSegment(`${datasetId}.zip`)}`;

export class SignedLinks {
  constructor(
    private readonly signer: UrlSigner,
    private readonly publicUrl: () => string,
    private readonly downloadTtlMs: number,
    private readonly now: () => number,
  ) {}

  upload(sessionId: string, idx: number, filename: string, expiresAt: number): SignedUrl {
    return this.signed('PUT', uploadPath(sessionId, idx, filename), expiresAt);
  }

  asset(asset: AssetRow): SignedUrl {
    return this.signed('GET', assetPath(asset), this.downloadExpiry());
  }

  thumbnail(asset: AssetRow): SignedUrl {
    return this.signed('GET', thumbnailPath(asset), this.downloadExpiry());
  }

  /** An export's archive: the usual download lifetime, but never past the export's own expiry. */
  exportArchive(exportId: string, datasetId: string, exportExpiresAt: number): SignedUrl {
    return this.signed('GET', exportArchivePath(exportId, datasetId), Math.min(this.downloadExpiry(), exportExpiresAt));
  }

  private downloadExpiry(): number {
    return Math.ceil((this.now() + this.downloadTtlMs) / EXPIRY_STEP_MS) * EXPIRY_STEP_MS;
  }

  private signed(method: string, path: string, expiresAt: number): SignedUrl {
    return { url: `${this.publicUrl()}${path}?${this.signer.sign(method, path, expiresAt)}`, expiry: expiresAt };
  }
}
