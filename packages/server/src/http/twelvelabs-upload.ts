// Reads the multipart form of `POST /v1.3/assets` as a stream. The SDK sends the file part before
// `filename` and `user_metadata`, so the bytes go to blob staging as they arrive and the fields
// are judged once the whole form has been read. An oversize file is not written past the limit;
// the rest of the body is read and discarded (up to a cap) so the client receives the 413 instead
// of a reset connection (twelvelabs-protocol.md §9).
import busboy from 'busboy';
import type { FastifyRequest } from 'fastify';
import { StageLimitError, type StagedObject } from '../blobs/store.js';
import type { AssetServices } from '../domain/asset-services.js';
import { invalid } from '../domain/errors.js';

const FIELDS = ['method', 'url', 'filename', 'user_metadata', 'enable_hls', 'enable_thumbnail'] as const;
type FieldName = (typeof FIELDS)[number];

/** Room for the form's other parts and boundaries when judging a declared Content-Length. */
const FORM_OVERHEAD = 1024 * 1024;

export interface CreateForm {
  fields: Partial<Record<FieldName, string>>;
  /** The file part's bytes, in staging (the caller promotes or discards them). */
  staged?: StagedObject;
  /** The file part's own filename (a Blob arrives as "blob"). */
  partFilename?: string;
  sawFile: boolean;
  /** Why the file is refused as too large (the body has been drained). */
  tooLarge?: string;
  /** The body was larger than the drain cap: the connection must close after the answer. */
  closeConnection?: boolean;
  /** A malformed part that is not about size (a field too long, the file sent as a text field). */
  problem?: string;
}

export function receiveCreateForm(svc: AssetServices, request: FastifyRequest): Promise<CreateForm> {
  const contentType = request.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(contentType)) {
    throw invalid(`Send the asset as multipart/form-data (got Content-Type "${contentType || 'none'}")`, 'parameter_invalid');
  }
  const { tlDirectMaxBytes, tlImageMaxBytes, tlDrainMaxBytes } = svc.limits;
  const stageCap = Math.max(tlDirectMaxBytes, tlImageMaxBytes);
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  const limitMessage =
    `The file is larger than the limit of direct uploads (${tlDirectMaxBytes} bytes for video and audio, ${tlImageMaxBytes} bytes for images); ` +
    'upload larger video or audio with method=url or a multipart upload';

  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: request.headers, defParamCharset: 'utf8', limits: { fields: 50, fieldSize: 1024 * 1024, parts: 100 } });
  } catch (err) {
    throw invalid(`The multipart body cannot be read: ${(err as Error).message}`, 'parameter_invalid');
  }

  return new Promise<CreateForm>((resolve, reject) => {
    const form: CreateForm = { fields: {}, sawFile: false };
    let staging: Promise<void> = Promise.resolve();
    let drained = 0;
    let settled = false;

    /** The file part being staged: stopped on failure so staging discards what it wrote. */
    let activeFile: NodeJS.ReadableStream & { destroy?(error?: Error): void } | undefined;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      request.raw.unpipe(bb);
      activeFile?.destroy?.(err instanceof Error ? err : new Error(String(err)));
      void staging.finally(() => (form.staged ? svc.blobs.discardStaged(form.staged.key) : undefined)).catch(() => undefined);
      reject(err);
    };
    const finish = () => {
      if (settled) return;
      staging.then(() => {
        if (settled) {
          if (form.staged) void svc.blobs.discardStaged(form.staged.key);
          return;
        }
        settled = true;
        resolve(form);
      }, fail);
    };
    /** Reads and forgets the rest of a part; past the drain cap, stops and answers at once. */
    const discard = (stream: NodeJS.ReadableStream) => {
      stream.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > tlDrainMaxBytes && !form.closeConnection) {
          form.closeConnection = true;
          request.raw.unpipe(bb);
          finish();
        }
      });
      stream.resume();
    };

    bb.on('field', (name, value, info) => {
      if (name === 'file') form.problem ??= 'file must be sent as a file part (with a filename, or typed application/octet-stream), not as a text field';
      if (!(FIELDS as readonly string[]).includes(name)) return;
      if (info.valueTruncated) form.problem ??= `${name} is too long (at most 1 MiB)`;
      form.fields[name as FieldName] ??= value;
    });
    bb.on('file', (name, stream, info) => {
      if ((name !== 'file' && name !== 'blob') || form.sawFile) {
        stream.resume(); // unknown or repeated file parts are ignored
        return;
      }
      form.sawFile = true;
      form.partFilename = info.filename;
      if (Number.isFinite(declared) && declared > stageCap + FORM_OVERHEAD) {
        form.tooLarge = limitMessage;
        discard(stream);
        return;
      }
      activeFile = stream;
      staging = svc.blobs.stage(stream as never, { maxBytes: stageCap }).then(
        (staged) => {
          activeFile = undefined;
          form.staged = staged;
        },
        (err: unknown) => {
          activeFile = undefined;
          if (!(err instanceof StageLimitError)) {
            fail(err); // the client went away or the disk failed: nothing was staged
            return;
          }
          form.tooLarge = limitMessage;
          discard(stream);
        },
      );
    });
    bb.on('close', finish);
    bb.on('error', (err: Error) => fail(invalid(`The multipart body cannot be read: ${err.message}`, 'parameter_invalid')));
    request.raw.on('error', fail);
    request.raw.on('close', () => {
      if (!request.raw.complete) fail(new Error('the client went away before the body ended'));
    });
    request.raw.pipe(bb);
  });
}
