// Typed models: the wire objects with two renames — `workspaceId` becomes `organizationId`, and
// `datasetId` loses its `{organizationId}_` prefix (spec §2.3) — plus `summary()` / `info()`.
import type * as W from '@vireo/wire';
import type { AnnotationImportSessionWire, AnnotationWire } from './annotation-wire.js';

/** `"ORG_ds1"` → `"ds1"`: the text after the last `_`, as the Python SDK sanitises ids. */
export function bareDatasetId(id: string): string {
  const i = id.lastIndexOf('_');
  return i === -1 ? id : id.slice(i + 1);
}

type Renamed<T> = Omit<T, 'workspaceId' | 'datasetId'>;

/** Copies a wire object, renaming workspaceId and cutting the dataset id prefix. */
function adopt(target: object, wire: object): void {
  const { workspaceId, datasetId, ...rest } = wire as { workspaceId?: string; datasetId?: string };
  Object.assign(target, rest);
  if (workspaceId !== undefined) (target as { organizationId: string }).organizationId = workspaceId;
  if (datasetId !== undefined) (target as { datasetId: string }).datasetId = bareDatasetId(datasetId);
}

const date = (ms: number | null | undefined) => (typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString() : '-');
const lines = (title: string, rows: Array<[string, unknown]>) =>
  [title, ...rows.map(([k, v]) => `  ${`${k}:`.padEnd(22)}${String(v)}`)].join('\n');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

abstract class Model {
  abstract summary(): string;
  /** Prints `summary()` to the console. */
  info(): void {
    console.log(this.summary());
  }
  /** The plain data (what JSON.stringify writes). */
  toJSON(): Record<string, unknown> {
    return { ...this } as Record<string, unknown>;
  }
}

export interface Organization extends Omit<W.Organization, 'workspaceId'> {}
export class Organization extends Model {
  organizationId!: string;
  constructor(wire: W.Organization) {
    super();
    adopt(this, wire);
  }
  summary(): string {
    return lines(`Organization ${this.name}`, [
      ['Organization id', this.organizationId],
      ['Datasets', this.datasets.length],
      ['Users', Object.keys(this.users).length],
      ['Tier', this.billing.tier],
      ['Created', date(this.metadata.createDate)],
      ['Last access', date(this.lastAccess)],
    ]);
  }
}

export interface Dataset extends Renamed<W.Dataset> {}
export class Dataset extends Model {
  organizationId!: string;
  datasetId!: string;
  constructor(wire: W.Dataset) {
    super();
    adopt(this, wire);
  }
  summary(): string {
    const s = this.statistic;
    return lines(`Dataset ${this.name}`, [
      ['Dataset id', this.datasetId],
      ['Type', this.type],
      ['Assets', s.assetTotal],
      ['Annotated assets', s.assetAnnotated],
      ['Annotations', s.annotationTotal],
      ['Created', date(this.createDate)],
      ['Description', this.description ?? '-'],
    ]);
  }
}

export interface DeletedDataset extends Renamed<W.DeletedDataset> {}
export class DeletedDataset extends Model {
  organizationId!: string;
  datasetId!: string;
  constructor(wire: W.DeletedDataset) {
    super();
    adopt(this, wire);
  }
  summary(): string {
    return lines(`Deleted dataset ${this.datasetId}`, this.status.conditions.map((c) => [c.condition, c.status]));
  }
}

export interface DatasetExport extends Renamed<W.DatasetExport> {}
export class DatasetExport extends Model {
  organizationId!: string;
  datasetId!: string;
  constructor(wire: W.DatasetExport) {
    super();
    adopt(this, wire);
  }
  /** True when every condition is Reached and the archive has a download URL. */
  get isReady(): boolean {
    return this.status.downloadUrl !== null && this.status.conditions.length > 0 && this.status.conditions.every((c) => c.status === 'Reached');
  }
  summary(): string {
    return lines(`Dataset export ${this.datasetExportId}`, [
      ['Dataset id', this.datasetId],
      ['Format', this.spec.format],
      ['Split ratio', this.spec.options.splitRatio ?? '-'],
      ['Ready', this.isReady ? 'yes' : 'no'],
      ['Download URL', this.status.downloadUrl?.url ?? '-'],
    ]);
  }
}

export interface BulkAssetDeletionSession extends Renamed<W.BulkAssetDeletionSession> {}
export class BulkAssetDeletionSession extends Model {
  organizationId!: string;
  datasetId!: string;
  constructor(wire: W.BulkAssetDeletionSession) {
    super();
    adopt(this, wire);
  }
  summary(): string {
    return lines(`Bulk asset deletion ${this.deleteManyAssetsSessionId}`, this.status.conditions.map((c) => [c.condition, c.status]));
  }
}

export interface Asset extends Renamed<W.Asset> {}
export class Asset extends Model {
  organizationId!: string;
  datasetId!: string;
  constructor(wire: W.Asset) {
    super();
    adopt(this, wire);
  }
  summary(): string {
    const m = this.metadata;
    return lines(`Asset ${this.filename}`, [
      ['Asset id', this.assetId],
      ['Dataset id', this.datasetId],
      ['Kind', this.kind],
      ['Dimensions', `${m.width}x${m.height}`],
      ['File size', `${m.fileSize} bytes`],
      ['MIME type', m.mimeType],
      ['Annotations', m.annotations.total],
      ['Upload status', m.uploadStatus],
      ['Created', date(m.timeCreated)],
      ['Download URL', this.contents?.asset?.url ?? '-'],
    ]);
  }
}

/** What `assets.delete` answers (the server sends an empty body). */
export interface DeletedAsset {
  datasetId: string;
  assetId: string;
}

export interface AssetIngestionSession extends Renamed<W.AssetIngestionSession> {}
export class AssetIngestionSession extends Model {
  organizationId!: string;
  datasetId!: string;
  constructor(wire: W.AssetIngestionSession) {
    super();
    adopt(this, wire);
  }
  /** True once the `Finished` condition is Reached. */
  get isFinished(): boolean {
    return this.status.conditions.some((c) => c.condition === 'Finished' && c.status === 'Reached');
  }
  /** filename → error code, from the session's Error events. */
  get failedFiles(): Map<string, string> {
    const out = new Map<string, string>();
    for (const e of this.status.events) if (e.kind === 'Error') for (const [f, code] of Object.entries(e.files)) out.set(f, code);
    return out;
  }
  summary(): string {
    const p = this.status.progressCount;
    return lines(`Asset ingestion session ${this.assetIngestionSessionId}`, [
      ['Dataset id', this.datasetId],
      ['Finished', this.isFinished ? 'yes' : 'no'],
      ['Total', p.total],
      ['Succeeded', p.succeeded],
      ['Errored', p.errored],
      ['Duration', `${((this.metadata.lastUpdated - this.metadata.timeCreated) / 1000).toFixed(1)} s`],
    ]);
  }
}

export interface Annotation extends Renamed<AnnotationWire> {}
export class Annotation extends Model {
  organizationId!: string;
  datasetId!: string;
  constructor(wire: AnnotationWire) {
    super();
    adopt(this, wire);
  }
  summary(): string {
    const c = this.spec.contents;
    return lines(`Annotation ${this.annotationId}`, [
      ['Asset id', this.assetId],
      ['Kind', c.kind],
      ['Group', this.spec.aggregation.whole.id],
      [c.kind === 'Caption' ? 'Caption' : 'Bound', c.kind === 'Caption' ? (c.contents ?? '') : JSON.stringify(c.bound)],
    ]);
  }
}

export interface DeletedAnnotation {
  datasetId: string;
  assetId: string;
  annotationId: string;
}

export interface AnnotationImportSession extends Renamed<AnnotationImportSessionWire> {}
export class AnnotationImportSession extends Model {
  organizationId!: string;
  datasetId!: string;
  constructor(wire: AnnotationImportSessionWire) {
    super();
    adopt(this, wire);
  }
  /** Conditions non-empty and every one Reached. */
  get isDone(): boolean {
    return this.status.conditions.length > 0 && this.status.conditions.every((c) => c.status === 'Reached');
  }
  get annotationsImported(): number {
    return Object.values(this.status.annotations.statusCount).reduce((a, b) => a + b, 0);
  }
  summary(): string {
    const f = this.status.files;
    return lines(`Annotation import session ${this.annotationImportSessionId}`, [
      ['Dataset id', this.datasetId],
      ['Done', this.isDone ? 'yes' : 'no'],
      ['Files processed', f.pageCount],
      ['Total size', mb(f.totalSizeBytes)],
      ['Annotations', this.annotationsImported],
      ...this.status.conditions.map((c): [string, unknown] => [c.condition, c.status]),
    ]);
  }
}
