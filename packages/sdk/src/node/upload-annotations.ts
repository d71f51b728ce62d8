// Annotation upload (vi-protocol.md §5.2): import session → announce files (size, CRC32C) → PUT
// each to its signed URL → report FilesInserted (or the failure) → wait until processed.
import { ViInvalidParameterError, ViUploadError } from '../errors.js';
import type { AnnotationImportSession } from '../models.js';
import type { Annotations, CreateImportSessionOptions } from '../resources/annotations.js';
import type { ResolvedConfig } from '../config.js';
import { collectFiles, crc32cBase64, crc32cOfFile } from './files.js';
import { progressBar } from './progress.js';
import { newAgent, putFile } from './transfer.js';

export interface AnnotationUploadOptions {
  datasetId: string;
  /** A file (any extension), a folder (its `.json` / `.jsonl` files, recursive) or a list of them. */
  paths: string | string[];
  /** Wait until the server processed the files (default true). */
  waitUntilDone?: boolean | undefined;
  /** What a bad line, a bad file or an existing annotation id does (each defaults to RejectSession). */
  failurePolicies?: CreateImportSessionOptions['failurePolicies'];
  showProgress?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export async function uploadAnnotations(annotations: Annotations, config: ResolvedConfig, o: AnnotationUploadOptions): Promise<AnnotationImportSession> {
  const unreadable: string[] = [];
  const found = await collectFiles(
    o.paths,
    (ext) => ext === '.json' || ext === '.jsonl',
    (u) => unreadable.push(`${u.path} (${whyUnreadable(u.code, u.message)})`),
  );
  // The import session keys files by basename: two files of one name cannot both be imported, and
  // neither may be dropped silently, so that is refused before anything is sent.
  const byName = new Map<string, (typeof found)[number]>();
  const clashes: string[] = [];
  for (const f of found) {
    const first = byName.get(f.filename);
    if (first) clashes.push(`${first.path} and ${f.path}`);
    else byName.set(f.filename, f);
  }
  if (clashes.length) {
    throw new ViInvalidParameterError(
      `annotation files with the same name: ${clashes.slice(0, 5).join('; ')}${clashes.length > 5 ? ` (and ${clashes.length - 5} more)` : ''}. ` +
        'An import session keys files by name: rename one, or upload them in separate calls. Nothing was sent.',
    );
  }
  // Every file is read before the session is created: one that vanished since the scan or cannot be
  // read is reported by path and reason, and nothing is sent (no session is left behind).
  const specs: Record<string, { sizeBytes: number; crc32c: string }> = {};
  for (const [name, f] of byName) {
    try {
      const { crc, size } = await crc32cOfFile(f.path);
      specs[name] = { sizeBytes: size, crc32c: crc32cBase64(crc) };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      unreadable.push(`${f.path} (${whyUnreadable(e.code, e instanceof Error ? e.message : String(err))})`);
    }
  }
  if (unreadable.length) {
    throw new ViInvalidParameterError(
      `annotation files that cannot be read: ${unreadable.slice(0, 5).join('; ')}${unreadable.length > 5 ? ` (and ${unreadable.length - 5} more)` : ''}. ` +
        'Restore them or leave them out. Nothing was sent.',
    );
  }
  if (byName.size === 0) throw new ViUploadError('No annotation files found (folders contribute .json and .jsonl files)');

  const session = await annotations.createImportSession({ datasetId: o.datasetId, failurePolicies: o.failurePolicies });
  const ref = { datasetId: o.datasetId, annotationImportSessionId: session.annotationImportSessionId };
  const bar = progressBar(o.showProgress, 'Uploading annotations');
  const agent = newAgent(8);
  try {
    const answer = await annotations.addImportFiles({ ...ref, files: specs });
    const targets = Object.entries(answer.files ?? {});
    if (targets.length === 0) throw new ViUploadError('The server accepted none of the annotation files');
    bar.setTotal(targets.length);
    let done = 0;
    for (const [name, t] of targets) {
      const f = byName.get(name);
      if (!f) throw new ViUploadError(`The server answered an upload for "${name}", which was not sent`);
      const out = await putFile({ agent, url: t.url, method: t.method, headers: t.headers, file: f.path, size: specs[name]!.sizeBytes, config, maxRetries: config.maxRetries, signal: o.signal });
      if (!out.ok) throw new ViUploadError(`Uploading ${f.path} failed: ${out.message}`, { status: out.status });
      bar.update(++done);
    }
  } catch (err) {
    const reason = o.signal?.aborted ? 'CancelledByUser' : 'UserUploadErrored';
    await annotations
      .setImportStatus({ ...ref, condition: { condition: 'FilesInserted', status: 'FailedReach', lastTransitionTime: Date.now(), reason } })
      .catch(() => undefined);
    throw err;
  } finally {
    bar.stop();
    await agent.close().catch(() => undefined);
  }
  const inserted = await annotations.setImportStatus({ ...ref, condition: { condition: 'FilesInserted', status: 'Reached', lastTransitionTime: Date.now() } });
  if (o.waitUntilDone === false) return inserted;
  return annotations.waitUntilDone({ ...ref, signal: o.signal });
}

/** Why a file could not be read, in words, from the system's error code and message. */
function whyUnreadable(code: string | undefined, message: string): string {
  if (code === 'ENOENT') return 'it no longer exists (ENOENT)';
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code})`;
  if (code === 'EISDIR') return 'it is a folder (EISDIR)';
  return message.startsWith('could not be read') ? message : `could not be read: ${message}`;
}
