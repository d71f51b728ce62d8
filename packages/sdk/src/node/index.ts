// @vireo/sdk/node — everything of the core plus what needs the file system: asset uploads from
// paths, asset and dataset downloads to folders, annotation uploads. `Client` here is the core
// Client with those methods added.
import { Client as CoreClient } from '../client.js';
import type { ClientOptions, ResolvedConfig } from '../config.js';
import type { Transport } from '../http.js';
import type { Organizations } from '../resources/organizations.js';
import { Annotations } from '../resources/annotations.js';
import { Assets } from '../resources/assets.js';
import { Datasets } from '../resources/datasets.js';
import type { AnnotationImportSession } from '../models.js';
import { downloadAssets, type AssetDownloadOptions, type AssetDownloadResult } from './download-assets.js';
import { downloadDataset, type DatasetDownloadOptions, DatasetDownloadResult } from './download-dataset.js';
import { uploadAnnotations, type AnnotationUploadOptions } from './upload-annotations.js';
import { uploadAssets, type AssetUploadOptions, AssetUploadResult } from './upload.js';

export * from '../index.js';
export { AssetUploadResult, type AssetUploadOptions, type FailedFile, type UploadPhase, type UploadProgress } from './upload.js';
export { isSafeFilename, type AssetDownloadOptions, type AssetDownloadResult, type DownloadFailure } from './download-assets.js';
export { DatasetDownloadResult, extractZip, type DatasetDownloadOptions } from './download-dataset.js';
export type { AnnotationUploadOptions } from './upload-annotations.js';
export { ASSET_MIME, collectFiles, crc32cOfFile, crc32cBase64, type LocalFile, type ScannedFile, type UnreadableFile } from './files.js';
export { defaultChecksumCacheFile, type FileStamp } from './checksum-cache.js';

export class NodeAssets extends Assets {
  constructor(
    transport: Transport,
    config: ResolvedConfig,
    private readonly organizations: Organizations,
    private readonly datasets: Datasets,
  ) {
    super(transport, config);
  }

  /** Uploads files to a dataset: see AssetUploadOptions. Throws ViFileTooLargeError before sending anything if a file is over the server's limit. */
  upload(options: AssetUploadOptions): Promise<AssetUploadResult> {
    return uploadAssets(this, this.organizations, this.datasets, this.config, options);
  }

  /** Downloads every asset of a dataset to `<saveDir>/<datasetId>/`. */
  download(options: AssetDownloadOptions): Promise<AssetDownloadResult> {
    return downloadAssets(this, this.datasets, this.config, options);
  }
}

export class NodeDatasets extends Datasets {
  /** Exports a dataset (or reuses `datasetExportId`), downloads and extracts it to `<saveDir>/<datasetId>/`. */
  download(options: DatasetDownloadOptions): Promise<DatasetDownloadResult> {
    return downloadDataset(this, this.config, options);
  }
}

export class NodeAnnotations extends Annotations {
  /** Uploads annotation files (.json / .jsonl) and, by default, waits until they are imported. */
  upload(options: AnnotationUploadOptions): Promise<AnnotationImportSession> {
    return uploadAnnotations(this, this.config, options);
  }
}

export interface GetDatasetOptions extends Omit<DatasetDownloadOptions, 'saveDir'> {
  saveDir?: string | undefined;
  /** Alias of saveDir (the Python SDK's `save_path`). */
  savePath?: string | undefined;
}

export class Client extends CoreClient {
  declare readonly datasets: NodeDatasets;
  declare readonly assets: NodeAssets;
  declare readonly annotations: NodeAnnotations;

  constructor(options: ClientOptions = {}) {
    super(options);
  }

  /** Downloads a dataset (same as `datasets.download`). */
  getDataset(options: GetDatasetOptions): Promise<DatasetDownloadResult> {
    const { savePath, ...rest } = options;
    return this.datasets.download({ ...rest, saveDir: options.saveDir ?? savePath });
  }

  protected override makeDatasets(): NodeDatasets {
    return new NodeDatasets(this.transport, this.config);
  }
  protected override makeAssets(): NodeAssets {
    return new NodeAssets(this.transport, this.config, this.organizations, this.datasets);
  }
  protected override makeAnnotations(): NodeAnnotations {
    return new NodeAnnotations(this.transport, this.config);
  }
}
