// client.datasets (spec §3.2, §8): list, get, create, delete, bulk asset deletion, exports.
import type * as W from '@vireo/wire';
import type { DatasetExportFormat, DatasetType } from '../enums.js';
import { ViInvalidParameterError, ViOperationError } from '../errors.js';
import { BulkAssetDeletionSession, Dataset, DatasetExport, DeletedDataset } from '../models.js';
import { PagePromise, type PaginationParams } from '../pagination.js';
import { checkId, type PollOptions, ResourceBase } from './base.js';

export interface DatasetRef {
  datasetId: string;
}

export interface DatasetCreateOptions {
  name: string;
  /** Default `phrase-grounding`. */
  type?: DatasetType | undefined;
  description?: string | null | undefined;
}

export interface BulkDeleteAssetsOptions extends DatasetRef, PollOptions {
  /** Which assets: see docs/query-language.md. A string, or an object sent as JSON. */
  filterCriteria?: string | Record<string, unknown> | null | undefined;
  metadataQuery?: string | null | undefined;
  ruleQuery?: string | null | undefined;
  strictQuery?: boolean | null | undefined;
  /** Wait until the deletion finished (default true). */
  waitUntilDone?: boolean | undefined;
}

export interface DatasetExportOptions {
  /** Coordinates normalised to 0–1 (default true). */
  normalized?: boolean | undefined;
  /** Training fraction (0–1, exclusive); null: one `dump` split (default). */
  splitRatio?: number | null | undefined;
}

export interface DatasetExportSettings {
  /** Default `ViFull` (assets and annotations). */
  format?: DatasetExportFormat | undefined;
  options?: DatasetExportOptions | undefined;
}

export interface CreateExportOptions extends DatasetRef {
  exportSettings?: DatasetExportSettings | undefined;
  /** Shortcut for `exportSettings.format = 'ViJsonl'` (annotations only). */
  annotationsOnly?: boolean | undefined;
}

export interface GetExportOptions extends DatasetRef {
  datasetExportId: string;
}

export interface WaitForExportOptions extends GetExportOptions, PollOptions {}

export class Datasets extends ResourceBase {
  /** Every dataset of the organization (Vi servers answer one page). */
  list(_options: { pagination?: PaginationParams } = {}): PagePromise<Dataset> {
    return new PagePromise(async (token) => {
      const page = await this.request<W.PageOf<W.Dataset>>('GET', `/workspaces/${encodeURIComponent(this.org)}/datasets`, { query: { pageToken: token } });
      return { ...page, items: page.items.map((d) => new Dataset(d)) };
    });
  }

  async get(options: DatasetRef): Promise<Dataset> {
    return new Dataset(await this.request<W.Dataset>('GET', this.datasetPath(options.datasetId)));
  }

  /** Creates a dataset (a Vireo addition to the Vi protocol). */
  async create(options: DatasetCreateOptions): Promise<Dataset> {
    if (typeof options.name !== 'string' || options.name.trim() === '') throw new ViInvalidParameterError('name must be a non-empty string');
    const body: W.CreateDatasetRequest = { name: options.name };
    if (options.type !== undefined) body.type = options.type;
    if (options.description !== undefined) body.description = options.description;
    return new Dataset(await this.request<W.Dataset>('POST', `/workspaces/${encodeURIComponent(this.org)}/datasets`, { body }));
  }

  /** Deletes a dataset: it disappears at once, its contents are removed in the background. */
  async delete(options: DatasetRef): Promise<DeletedDataset> {
    return new DeletedDataset(await this.request<W.DeletedDataset>('DELETE', this.datasetPath(options.datasetId)));
  }

  /** Progress of a dataset deletion. */
  async getDeletionOperation(options: DatasetRef): Promise<DeletedDataset> {
    return new DeletedDataset(await this.request<W.DeletedDataset>('GET', `${this.datasetPath(options.datasetId)}/deleteOperation`));
  }

  /** Deletes every asset that matches, and (by default) waits until it is done. */
  async bulkDeleteAssets(options: BulkDeleteAssetsOptions): Promise<BulkAssetDeletionSession> {
    const base = `${this.datasetPath(options.datasetId)}/deleteManyAssetsSessions`;
    const body: W.CreateBulkAssetDeletionRequest = {
      spec: {
        filter: options.filterCriteria ?? null,
        metadataQuery: options.metadataQuery ?? null,
        ruleQuery: options.ruleQuery ?? null,
        strictQuery: options.strictQuery ?? null,
      },
    };
    const created = await this.request<W.BulkAssetDeletionSession>('POST', base, { body });
    if (options.waitUntilDone === false) return new BulkAssetDeletionSession(created);
    const id = created.deleteManyAssetsSessionId;
    const done = await this.poll(
      () => this.request<W.BulkAssetDeletionSession>('GET', `${base}/${encodeURIComponent(id)}`),
      (s) => conditionsDone(s.status.conditions, `Bulk asset deletion ${id}`),
      `Bulk asset deletion ${id}`,
      options,
    );
    return new BulkAssetDeletionSession(done);
  }

  /** Starts an export; poll `getExport` (or use `waitForExport`) until it has a download URL. */
  async createExport(options: CreateExportOptions): Promise<DatasetExport> {
    const s = options.exportSettings ?? {};
    const format = options.annotationsOnly ? 'ViJsonl' : (s.format ?? 'ViFull');
    const splitRatio = s.options?.splitRatio ?? null;
    if (splitRatio !== null && !(splitRatio > 0 && splitRatio < 1)) {
      throw new ViInvalidParameterError(`exportSettings.options.splitRatio must be between 0 and 1, exclusive (got ${splitRatio})`);
    }
    const body = { spec: { format, options: { normalized: s.options?.normalized ?? true, splitRatio } } };
    return new DatasetExport(await this.request<W.DatasetExport>('POST', `${this.datasetPath(options.datasetId)}/datasetExports`, { body }));
  }

  listExports(options: DatasetRef & { pagination?: PaginationParams }): PagePromise<DatasetExport> {
    const path = `${this.datasetPath(options.datasetId)}/datasetExports`;
    return new PagePromise(async (token) => {
      const page = await this.request<W.PageOf<W.DatasetExport>>('GET', path, { query: { pageToken: token } });
      return { ...page, items: page.items.map((e) => new DatasetExport(e)) };
    });
  }

  async getExport(options: GetExportOptions): Promise<DatasetExport> {
    const id = checkId('datasetExportId', options.datasetExportId);
    return new DatasetExport(await this.request<W.DatasetExport>('GET', `${this.datasetPath(options.datasetId)}/datasetExports/${encodeURIComponent(id)}`));
  }

  /** Polls an export until every condition is Reached and it has a download URL (FailedReach → ViOperationError). */
  async waitForExport(options: WaitForExportOptions): Promise<DatasetExport> {
    const what = `Dataset export ${options.datasetExportId}`;
    const done = await this.poll(() => this.getExport(options), (e) => conditionsDone(e.status.conditions, what), what, options);
    if (!done.status.downloadUrl) throw new ViOperationError(`${what} finished without a download URL`);
    return done;
  }
}

/** Non-empty and all Reached; any FailedReach throws ViOperationError (spec §6.2, §8.2). */
export function conditionsDone(conditions: W.ResourceCondition[], what: string): boolean {
  const failed = conditions.find((c) => c.status === 'FailedReach');
  if (failed) {
    throw new ViOperationError(`${what} failed at ${failed.condition}${failed.message ? `: ${failed.message}` : failed.reason ? `: ${failed.reason}` : ''}`);
  }
  return conditions.length > 0 && conditions.every((c) => c.status === 'Reached');
}
