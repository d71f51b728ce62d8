// What asset ingestion, listing, downloads and blob collection need beyond the DomainContext.
// Built once in main.ts.
import type { PartStore } from '../blobs/parts.js';
import type { UrlSigner } from '../blobs/signed-urls.js';
import type { BlobStore } from '../blobs/store.js';
import type { AssetLimits } from '../config.js';
import type { ByteSource, InspectOptions, InspectResult } from '../media/types.js';
import type { CommitQueue } from '../store/commit-queue.js';
import type { DomainContext } from './context.js';
import type { UrlFetcher } from './twelvelabs-url.js';

export interface MediaFunctions {
  inspect(source: ByteSource, options: InspectOptions): Promise<InspectResult>;
  makeThumbnail(source: ByteSource, options: { size: number }): Promise<Buffer | undefined>;
}

export interface AssetServices {
  ctx: DomainContext;
  blobs: BlobStore;
  signer: UrlSigner;
  limits: AssetLimits;
  commits: CommitQueue;
  media: MediaFunctions;
  /** Base of signed URLs (known only once the server listens). */
  publicUrl(): string;
  /** Downloads a URL into staging for TwelveLabs `method=url` assets (domain/twelvelabs-url.ts). */
  urlFetcher?: UrlFetcher;
  /** Chunks of TwelveLabs multipart uploads until they are assembled (domain/twelvelabs-multipart.ts). */
  parts?: PartStore;
}
