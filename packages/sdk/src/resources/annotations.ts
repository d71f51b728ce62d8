// client.annotations, the part that needs no file system (spec §3.4, §5.2). Uploading annotation
// files from paths is in the Node entry.
import type * as W from '@vireo/wire';
import type { AnnotationImportCondition, AnnotationImportFilesResponseWire, AnnotationImportSessionWire, AnnotationWire, FailurePolicy } from '../annotation-wire.js';
import { ViInvalidParameterError, ViOperationError } from '../errors.js';
import { Annotation, AnnotationImportSession, type DeletedAnnotation } from '../models.js';
import { PagePromise, type PaginationParams } from '../pagination.js';
import { checkId, type PollOptions, ResourceBase } from './base.js';

export interface AnnotationListOptions {
  datasetId: string;
  assetId: string;
  pagination?: PaginationParams | undefined;
}

export interface AnnotationRef {
  datasetId: string;
  assetId: string;
  annotationId: string;
}

export interface ImportSessionRef {
  datasetId: string;
  annotationImportSessionId: string;
}

export interface CreateImportSessionOptions {
  datasetId: string;
  /** Default: now + 55 minutes. */
  uploadBefore?: number | undefined;
  failurePolicies?: Partial<{ onBadAnnotation: FailurePolicy; onBadFile: FailurePolicy; onOverwritten: FailurePolicy }> | undefined;
}

export interface ImportFileSpec {
  sizeBytes: number;
  /** Base64 of the 4-byte big-endian CRC32C. */
  crc32c: string;
  kind?: string | undefined;
}

export class Annotations extends ResourceBase {
  list(options: AnnotationListOptions): PagePromise<Annotation> {
    const assetId = checkId('assetId', options.assetId);
    const path = `${this.datasetPath(options.datasetId)}/assets/${encodeURIComponent(assetId)}/annotations`;
    const size = options.pagination?.pageSize ?? 10;
    if (!Number.isInteger(size) || size < 1 || size > 1000) throw new ViInvalidParameterError(`pagination.pageSize must be an integer from 1 to 1000 (got ${size})`);
    return new PagePromise(async (token) => {
      const page = await this.request<W.PageOf<AnnotationWire>>('GET', path, { query: { pageToken: token, pageSize: size } });
      return { ...page, items: page.items.map((a) => new Annotation(a)) };
    }, options.pagination?.pageToken);
  }

  async get(options: AnnotationRef): Promise<Annotation> {
    return new Annotation(await this.request<AnnotationWire>('GET', this.annotationPath(options)));
  }

  async delete(options: AnnotationRef): Promise<DeletedAnnotation> {
    await this.request<void>('DELETE', this.annotationPath(options), { expect: 'empty' });
    return { datasetId: options.datasetId, assetId: options.assetId, annotationId: options.annotationId };
  }

  async createImportSession(options: CreateImportSessionOptions): Promise<AnnotationImportSession> {
    const p = options.failurePolicies ?? {};
    const body = {
      spec: {
        uploadBefore: options.uploadBefore ?? Date.now() + 55 * 60_000,
        failurePolicies: { onBadAnnotation: p.onBadAnnotation ?? 'RejectSession', onBadFile: p.onBadFile ?? 'RejectSession', onOverwritten: p.onOverwritten ?? 'RejectSession' },
        source: 'UploadedIndividualFiles',
      },
      metadata: { attributes: {} },
    };
    return new AnnotationImportSession(
      await this.request<AnnotationImportSessionWire>('POST', `${this.datasetPath(options.datasetId)}/annotationImportSessions`, { body }),
    );
  }

  /** Announces files of an import session; answers a signed upload per file, in the order sent. */
  async addImportFiles(options: ImportSessionRef & { files: Record<string, ImportFileSpec> }): Promise<AnnotationImportFilesResponseWire> {
    const files: Record<string, Required<ImportFileSpec>> = {};
    for (const [name, f] of Object.entries(options.files)) files[name] = { sizeBytes: f.sizeBytes, crc32c: f.crc32c, kind: f.kind ?? 'Unknown' };
    return this.request<AnnotationImportFilesResponseWire>('POST', `${this.importPath(options)}/files`, { body: { files } });
  }

  /** Reports the files as inserted (or the upload as failed): the import starts processing. */
  async setImportStatus(options: ImportSessionRef & { condition: AnnotationImportCondition }): Promise<AnnotationImportSession> {
    return new AnnotationImportSession(
      await this.request<AnnotationImportSessionWire>('PATCH', `${this.importPath(options)}/status`, { body: { status: { conditions: [options.condition] } } }),
    );
  }

  async getImportSession(options: ImportSessionRef): Promise<AnnotationImportSession> {
    return new AnnotationImportSession(await this.request<AnnotationImportSessionWire>('GET', this.importPath(options)));
  }

  /** Waits until every condition of the import session is Reached (FailedReach → ViOperationError). */
  async waitUntilDone(options: ImportSessionRef & PollOptions): Promise<AnnotationImportSession> {
    const what = `Annotation import session ${options.annotationImportSessionId}`;
    return this.poll(
      () => this.getImportSession(options),
      (s) => {
        const failed = s.status.conditions.find((c) => c.status === 'FailedReach');
        if (failed) throw new ViOperationError(`${what} failed at ${failed.condition}${failed.reason ? `: ${failed.reason}` : ''}`);
        return s.isDone;
      },
      what,
      options,
    );
  }

  private annotationPath(o: AnnotationRef): string {
    const assetId = checkId('assetId', o.assetId);
    const id = checkId('annotationId', o.annotationId);
    return `${this.datasetPath(o.datasetId)}/assets/${encodeURIComponent(assetId)}/annotations/${encodeURIComponent(id)}`;
  }

  private importPath(o: ImportSessionRef): string {
    const id = checkId('annotationImportSessionId', o.annotationImportSessionId);
    return `${this.datasetPath(o.datasetId)}/annotationImportSessions/${encodeURIComponent(id)}`;
  }
}
