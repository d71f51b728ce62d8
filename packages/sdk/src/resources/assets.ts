// client.assets, the part that needs no file system (spec §3.3, §5.1): list, get, delete, ingestion
// sessions. Uploads from paths and downloads to a directory are in the Node entry (`@vireo/sdk/node`).
import type * as W from '@vireo/wire';
import type { FailureMode, ResourceRetentionMode, SortCriterion, SortOrder } from '../enums.js';
import { ViInvalidParameterError, ViOperationError } from '../errors.js';
import { Asset, AssetIngestionSession, type DeletedAsset } from '../models.js';
import { PagePromise, type PaginationParams } from '../pagination.js';
import { checkId, type PollOptions, ResourceBase } from './base.js';

export interface AssetSortBy {
  criterion: SortCriterion;
  order?: SortOrder | undefined;
}

export interface AssetListOptions {
  datasetId: string;
  /** `pageSize` 1–1000 (default 10), `pageToken` a previous page's `nextPage`. */
  pagination?: PaginationParams | undefined;
  sortBy?: AssetSortBy | undefined;
  /** Filter expression (docs/query-language.md). */
  filterCriteria?: string | undefined;
  metadataQuery?: string | undefined;
  ruleQuery?: string | undefined;
  strictQuery?: boolean | undefined;
  /** Include signed download URLs (`asset.contents`). */
  contents?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export interface AssetRef {
  datasetId: string;
  assetId: string;
}

export interface IngestionFileSpec {
  filename: string;
  mime: string;
  size: number;
  /** CRC32C of the bytes, unsigned or signed 32-bit. */
  crc32c: number;
  kind?: string | undefined;
  customMetadata?: W.CustomMetadata | null | undefined;
}

export interface CreateIngestionSessionOptions {
  datasetId: string;
  files: IngestionFileSpec[];
  failureMode?: FailureMode | undefined;
  onAssetOverwritten?: ResourceRetentionMode | undefined;
  signal?: AbortSignal | undefined;
}

export interface IngestionSessionRef {
  datasetId: string;
  assetIngestionSessionId: string;
}

export interface WaitUntilDoneOptions extends IngestionSessionRef, PollOptions {}

export const INGESTION_SOURCE = 'assetSources/managed/datature/transient/assetIngestionSessions';

export class Assets extends ResourceBase {
  list(options: AssetListOptions): PagePromise<Asset> {
    const path = `${this.datasetPath(options.datasetId)}/assets`;
    const size = options.pagination?.pageSize ?? 10;
    if (!Number.isInteger(size) || size < 1 || size > 1000) throw new ViInvalidParameterError(`pagination.pageSize must be an integer from 1 to 1000 (got ${size})`);
    return new PagePromise(async (token) => {
      const page = await this.request<W.PageOf<W.Asset>>('GET', path, {
        signal: options.signal,
        query: {
          p: token,
          s: size,
          o: options.sortBy ? (options.sortBy.order ?? 'asc') : undefined,
          sortBy: options.sortBy?.criterion,
          filter: options.filterCriteria,
          contents: options.contents,
          metadataQuery: options.metadataQuery,
          ruleQuery: options.ruleQuery,
          strictQuery: options.strictQuery,
        },
      });
      return { ...page, items: page.items.map((a) => new Asset(a)) };
    }, options.pagination?.pageToken);
  }

  async get(options: AssetRef & { contents?: boolean | undefined }): Promise<Asset> {
    const id = checkId('assetId', options.assetId);
    return new Asset(
      await this.request<W.Asset>('GET', `${this.datasetPath(options.datasetId)}/assets/${encodeURIComponent(id)}`, { query: { contents: options.contents } }),
    );
  }

  async delete(options: AssetRef): Promise<DeletedAsset> {
    const id = checkId('assetId', options.assetId);
    await this.request<void>('DELETE', `${this.datasetPath(options.datasetId)}/assets/${encodeURIComponent(id)}`, { expect: 'empty' });
    return { datasetId: options.datasetId, assetId: id };
  }

  /** Announces files; the answer's `status.assets` holds a signed PUT for every file that still needs bytes. */
  async createIngestionSession(options: CreateIngestionSessionOptions): Promise<W.AssetIngestionSession> {
    const body: W.CreateAssetIngestionSessionRequest = {
      spec: {
        assets: options.files.map((f) => ({
          filename: f.filename,
          mime: f.mime,
          size: f.size,
          crc32c: f.crc32c | 0,
          customMetadata: f.customMetadata ?? null,
          kind: f.kind ?? kindOfMime(f.mime),
        })),
        kind: 'Upload',
        failureMode: options.failureMode ?? 'FailAfterOne',
        onAssetOverwritten: options.onAssetOverwritten ?? 'RemoveLinkedResource',
      },
    };
    const created = await this.request<W.AssetIngestionSession>('POST', `${this.datasetPath(options.datasetId)}/${INGESTION_SOURCE}`, {
      body,
      signal: options.signal,
    });
    if (!Array.isArray(created?.status?.assets)) throw new ViOperationError('The ingestion session was answered without status.assets');
    return created;
  }

  async getIngestionSession(options: IngestionSessionRef & { signal?: AbortSignal | undefined }): Promise<AssetIngestionSession> {
    const id = checkId('assetIngestionSessionId', options.assetIngestionSessionId);
    return new AssetIngestionSession(
      await this.request<W.AssetIngestionSession>('GET', `${this.datasetPath(options.datasetId)}/${INGESTION_SOURCE}/${encodeURIComponent(id)}`, {
        signal: options.signal,
      }),
    );
  }

  /** Waits until the session reached Finished (FailedReach → ViOperationError). */
  async waitUntilDone(options: WaitUntilDoneOptions): Promise<AssetIngestionSession> {
    const what = `Asset ingestion session ${options.assetIngestionSessionId}`;
    return this.poll(
      () => this.getIngestionSession(options),
      (s) => {
        const failed = s.status.conditions.find((c) => c.status === 'FailedReach');
        if (failed) throw new ViOperationError(`${what} failed at ${failed.condition}${failed.message ? `: ${failed.message}` : ''}`);
        return s.isFinished;
      },
      what,
      options,
    );
  }
}

export function kindOfMime(mime: string): string {
  if (mime.startsWith('video/')) return 'Video';
  if (mime === 'application/dicom') return 'MedicalImage';
  return 'Image';
}
