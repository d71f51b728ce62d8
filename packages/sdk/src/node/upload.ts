// The asset upload engine (vi-protocol.md §5.1): select files, check sizes against the server's
// limit before any byte is sent, hash each file (CRC32C) while streaming it, announce batches as
// ingestion sessions (several in parallel), PUT only the files the server asks for (it settles
// the ones it already has: re-running an interrupted upload sends only what is missing), then wait.
// Checksums of unchanged files come from a local cache (checksum-cache.ts), so a re-run reads no bytes.
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { isPlainFilename } from '@vireo/wire';
import type * as W from '@vireo/wire';
import type { ResolvedConfig } from '../config.js';
import type { FailureMode, ResourceRetentionMode } from '../enums.js';
import { ViFileTooLargeError, ViInvalidParameterError } from '../errors.js';
import { AssetIngestionSession } from '../models.js';
import type { Assets } from '../resources/assets.js';
import type { Datasets } from '../resources/datasets.js';
import type { Organizations } from '../resources/organizations.js';
import { ChecksumCache, defaultChecksumCacheFile } from './checksum-cache.js';
import { ASSET_MIME, collectFiles, crc32cOfFile, Limiter, mimeOf, positiveOption, type ScannedFile } from './files.js';
import { progressBar } from './progress.js';
import { newAgent, putFile } from './transfer.js';

export interface AssetUploadOptions {
  datasetId: string;
  /** A file, a folder (recursive; files with the seeds' image extensions) or a list of them. */
  paths: string | string[];
  /** Default `FailAfterOne`: a session stops at its first failed file. */
  failureMode?: FailureMode | undefined;
  /** Default `RemoveLinkedResource`. The Python SDK's singular `KeepLinkedResource` is accepted. */
  onAssetOverwritten?: ResourceRetentionMode | 'KeepLinkedResource' | undefined;
  /** Wait until every session finished (default true). */
  waitUntilDone?: boolean | undefined;
  /** Progress bar on stderr (default: when stderr is a terminal). */
  showProgress?: boolean | undefined;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  /** Files per ingestion session (default 10 000, at most the server's limit). */
  batchSize?: number | undefined;
  /** Sessions in flight at once (default 3). */
  parallelSessions?: number | undefined;
  /** Parallel PUTs over keep-alive connections (default 16). */
  concurrency?: number | undefined;
  /** Files hashed at once (default 8). */
  hashConcurrency?: number | undefined;
  /** Retries of one PUT (default: the client's maxRetries). */
  maxRetries?: number | undefined;
  /**
   * Checksums of files already hashed, kept between runs so that re-running an upload does not
   * read unchanged files again (docs/sdk.md). Default true: $XDG_CACHE_HOME/vireo/checksums.json,
   * else ~/.cache/vireo/checksums.json. A path: that file. false: every file is read and hashed.
   */
  checksumCache?: boolean | string | undefined;
  signal?: AbortSignal | undefined;
}

export type UploadPhase = 'scanning' | 'uploading' | 'waiting' | 'done';

export interface UploadProgress {
  phase: UploadPhase;
  totalFiles: number;
  totalBytes: number;
  /** Files whose checksum is known: read and checksummed, or taken from the checksum cache. */
  hashedFiles: number;
  /** Of those, the files whose checksum came from the cache (not read). */
  checksumsFromCache: number;
  /** Files whose bytes were sent and accepted. */
  sentFiles: number;
  sentBytes: number;
  /** Files the server already had (no bytes sent). */
  alreadyPresentFiles: number;
  failedFiles: number;
  sessionsCreated: number;
  sessionsFinished: number;
}

export interface FailedFile {
  path: string;
  /** A session error code (EBADMIME, ECORRUPT, ETIMEOUT…), or ENETWORK/EUPLOAD when the bytes could not be delivered. */
  code: string;
  message?: string | undefined;
}

export class AssetUploadResult {
  constructor(
    readonly totalFiles: number,
    readonly totalSucceeded: number,
    readonly totalFailed: number,
    readonly sessions: AssetIngestionSession[],
    readonly failedFiles: FailedFile[],
    /** Files the server already held (resumed uploads send nothing for them). */
    readonly alreadyPresent: number,
    readonly durationMs: number,
    /** Files whose checksum came from the local checksum cache (not read). */
    readonly checksumsFromCache = 0,
  ) {}

  get sessionIds(): string[] {
    return this.sessions.map((s) => s.assetIngestionSessionId);
  }

  /** Percentage of files that succeeded (100 when there were none). */
  get successRate(): number {
    return this.totalFiles === 0 ? 100 : (this.totalSucceeded / this.totalFiles) * 100;
  }

  summary(): string {
    const lines = [
      `Upload: ${this.totalSucceeded}/${this.totalFiles} files succeeded (${this.successRate.toFixed(1)}%), ${this.totalFailed} failed`,
      `  Sessions: ${this.sessions.length} (${this.sessionIds.join(', ') || '-'})`,
      `  Already on the server: ${this.alreadyPresent}`,
      `  Duration: ${(this.durationMs / 1000).toFixed(1)} s`,
    ];
    const shown = this.failedFiles.slice(0, 20);
    if (shown.length) lines.push('  Failed files:', ...shown.map((f) => `    ${f.code}  ${f.path}${f.message ? ` (${f.message})` : ''}`));
    if (this.failedFiles.length > shown.length) lines.push(`    … and ${this.failedFiles.length - shown.length} more`);
    return lines.join('\n');
  }

  info(): void {
    console.log(this.summary());
  }
}

/** The first session takes at most this many files when many need hashing: sending starts while the rest are hashed. */
const FIRST_BATCH = 256;

interface Pending extends ScannedFile {
  mime: string;
  /** Known from the checksum cache, else computed before its batch is announced. */
  crc?: number | undefined;
}
type Hashed = Pending & { crc: number };

export async function uploadAssets(
  assets: Assets,
  organizations: Organizations,
  datasets: Datasets,
  config: ResolvedConfig,
  o: AssetUploadOptions,
): Promise<AssetUploadResult> {
  const started = Date.now();
  const failureMode = o.failureMode ?? 'FailAfterOne';
  if (failureMode !== 'FailAfterOne' && failureMode !== 'FailAfterAll') throw new ViInvalidParameterError(`failureMode must be FailAfterOne or FailAfterAll (got ${String(failureMode)})`);
  const retention = o.onAssetOverwritten ?? 'RemoveLinkedResource';
  if (!['RemoveLinkedResource', 'KeepLinkedResources', 'KeepLinkedResource'].includes(retention)) {
    throw new ViInvalidParameterError(`onAssetOverwritten must be RemoveLinkedResource or KeepLinkedResources (got ${String(retention)})`);
  }
  const concurrency = positiveOption('concurrency', o.concurrency, 16);
  const parallelSessions = positiveOption('parallelSessions', o.parallelSessions, 3);
  const hashConcurrency = positiveOption('hashConcurrency', o.hashConcurrency, 8);
  let batchSize = positiveOption('batchSize', o.batchSize, 10_000);
  const cacheFile = checksumCacheFile(o.checksumCache);

  const progress: UploadProgress = {
    phase: 'scanning', totalFiles: 0, totalBytes: 0, hashedFiles: 0, checksumsFromCache: 0, sentFiles: 0, sentBytes: 0,
    alreadyPresentFiles: 0, failedFiles: 0, sessionsCreated: 0, sessionsFinished: 0,
  };
  const bar = progressBar(o.showProgress, 'Uploading');
  const emit = () => {
    o.onProgress?.({ ...progress });
    bar.update(progress.sentFiles + progress.alreadyPresentFiles + progress.failedFiles);
  };

  // Files that fail here, before any session (never announced): counted in totalFailed.
  const failed: FailedFile[] = [];
  let localFailures = 0;
  const failLocally = (f: FailedFile) => {
    failed.push(f);
    localFailures++;
    progress.failedFiles++;
  };
  // Everything outside the extension list is refused locally, like the Python SDK (which skips them).
  // The scan, the cache and the server's limits at once. A missing dataset is a ViNotFoundError
  // now, not after hashing thousands of files.
  const [all, cache, limits] = await Promise.all([
    collectFiles(o.paths, (ext) => ext in ASSET_MIME, failLocally),
    cacheFile === undefined ? undefined : ChecksumCache.open(cacheFile),
    organizations.limits(),
    datasets.get({ datasetId: o.datasetId }),
  ]);
  const unreadableAtScan = failed.length;
  const files: Pending[] = [];
  // A dataset holds one asset per filename: a second file of the same name (from another folder)
  // would replace the first, so only the first in scan order is sent.
  const firstOfName = new Map<string, string>();
  for (const f of all) {
    const mime = mimeOf(f.filename);
    const first = firstOfName.get(f.filename);
    if (!mime) failLocally({ path: f.path, code: 'EBADMIME', message: `not an accepted image extension (${Object.keys(ASSET_MIME).join(' ')})` });
    else if (!isPlainFilename(f.filename)) {
      // The server refuses a whole session that announces such a name: this file alone fails.
      failLocally({ path: f.path, code: 'EBADNAME', message: 'not sent: its name has a backslash or a control character, which an asset filename cannot have (rename it)' });
    } else if (first !== undefined) {
      failLocally({ path: f.path, code: 'EALREADY', message: `not sent: ${first} has the same filename and a dataset holds one asset per filename (rename one, or upload it separately)` });
    } else {
      firstOfName.set(f.filename, f.path);
      files.push({ ...f, mime, crc: cache?.get(f.path, f.stamp) });
    }
  }

  // The limit is checked before any byte leaves: one file over it fails the whole call.
  const tooLarge = files.filter((f) => f.size > limits.maxUploadBytes);
  if (tooLarge.length) {
    const first = tooLarge[0]!;
    throw new ViFileTooLargeError(
      `${tooLarge.length} file(s) exceed the server's limit of ${limits.maxUploadBytes} bytes, e.g. ${first.path} (${first.size} bytes); nothing was sent`,
      { files: tooLarge.map((f) => ({ path: f.path, size: f.size })), limitBytes: limits.maxUploadBytes },
    );
  }
  batchSize = Math.min(batchSize, limits.maxFilesPerSession);

  const totalFiles = all.length + unreadableAtScan;
  progress.totalFiles = totalFiles;
  progress.totalBytes = files.reduce((a, f) => a + f.size, 0);
  progress.checksumsFromCache = cache?.hits ?? 0;
  progress.hashedFiles = progress.checksumsFromCache;
  progress.phase = 'uploading';
  bar.setTotal(totalFiles);
  emit();

  // Sessions are announced with every file's checksum. When many files must be read, a small
  // first session lets PUTs start while the next batches are still being hashed. Not with
  // FailAfterOne: there a session is what one failure stops, and splitting it would change that.
  const toHash = files.filter((f) => f.crc === undefined).length;
  const firstBatch = failureMode === 'FailAfterAll' && toHash > FIRST_BATCH ? Math.min(batchSize, FIRST_BATCH) : batchSize;
  const batches: Pending[][] = [];
  if (files.length) batches.push(files.slice(0, firstBatch));
  for (let i = firstBatch; i < files.length; i += batchSize) batches.push(files.slice(i, i + batchSize));

  const agent = newAgent(concurrency);
  const putLimiter = new Limiter(concurrency);
  const hashLimiter = new Limiter(hashConcurrency);
  const buffers: Buffer[] = [];
  const maxRetries = o.maxRetries ?? config.maxRetries;
  const sessions: Array<AssetIngestionSession | undefined> = new Array(batches.length);
  let succeeded = 0;
  let errored = 0;

  // The first batch that fails stops the others (queued ones never announce a session) and the
  // call rejects only once all have stopped, so nothing runs on after it against a closed agent.
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  // Every PUT, hash and poll in flight listens to it: that many listeners are expected.
  setMaxListeners(concurrency + hashConcurrency + 2 * parallelSessions + 10, signal);
  let failure: { err: unknown } | undefined;

  /** The file's CRC32C, or undefined when it could not be read as scanned (then it is a failed file). */
  const hash = (f: Pending) =>
    hashLimiter.run(async (): Promise<Hashed | undefined> => {
      if (signal.aborted) throw signal.reason;
      const buf = buffers.pop() ?? Buffer.allocUnsafe(1024 * 1024);
      try {
        const { crc, size } = await crc32cOfFile(f.path, buf);
        if (size !== f.size) {
          failLocally({ path: f.path, code: 'ECHANGED', message: `not sent: it changed after the scan (${f.size} → ${size} bytes); run the upload again` });
          return undefined;
        }
        cache?.set(f.path, f.stamp, crc);
        progress.hashedFiles++;
        return { ...f, crc };
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        const code = (err as NodeJS.ErrnoException).code;
        if (!code) throw err;
        failLocally({ path: f.path, code, message: `not sent: could not be read (${(err as Error).message})` });
        return undefined;
      } finally {
        buffers.push(buf);
        if (!signal.aborted) emit();
      }
    });

  const runBatch = async (batch: Pending[], index: number) => {
    const hashed = (await Promise.all(batch.map((f) => (f.crc === undefined ? hash(f) : (f as Hashed))))).filter((f): f is Hashed => f !== undefined);
    // Every file of the batch vanished: nothing to announce.
    if (hashed.length === 0) return;
    const created = await assets.createIngestionSession({
      datasetId: o.datasetId,
      files: hashed.map((f) => ({ filename: f.filename, mime: f.mime, size: f.size, crc32c: f.crc })),
      failureMode,
      onAssetOverwritten: retention as ResourceRetentionMode,
      signal,
    });
    progress.sessionsCreated++;
    const byName = new Map<string, Hashed>();
    for (const f of hashed) byName.set(f.filename, f);
    const pathOf = (filename: string) => byName.get(filename)?.path ?? filename;

    // Settled at creation: already present (succeeded) or refused (errored).
    progress.alreadyPresentFiles += created.status.progressCount.succeeded;
    progress.failedFiles += created.status.progressCount.errored;
    emit();

    const undelivered: FailedFile[] = [];
    const refused = new Map<string, FailedFile>();
    const notSent: FailedFile[] = [];
    let sentOk = 0;
    let halted = false;
    await Promise.all(
      created.status.assets.map((a: W.AssetForUpload) =>
        putLimiter.run(async () => {
          const f = byName.get(a.metadata.filename);
          if (!f) return;
          if (halted) {
            // FailAfterOne: the server already stopped this session and settles the rest as ENOASSET.
            notSent.push({ path: f.path, code: 'ENOASSET', message: 'not sent: the session stopped at its first failure (FailAfterOne)' });
            return;
          }
          const out = await putFile({
            agent, url: a.upload.url, method: a.upload.method, headers: a.upload.headers, file: f.path, size: f.size,
            config, maxRetries, signal,
          });
          if (out.ok) {
            sentOk++;
            progress.sentFiles++;
            progress.sentBytes += f.size;
          } else {
            const code = out.code ?? /^(E[A-Z]{3,})\b/.exec(out.message)?.[1];
            const failure = { path: f.path, code: code ?? (out.status === undefined ? 'ENETWORK' : 'EUPLOAD'), message: out.message };
            // A file that could not be read locally never reached the server either: like a network failure.
            if (out.retryable || out.status === undefined) undelivered.push(failure);
            else refused.set(f.filename, failure);
            progress.failedFiles++;
            if (failureMode === 'FailAfterOne' && !out.retryable && out.status !== undefined) halted = true;
          }
          emit();
        }),
      ),
    );

    let session = new AssetIngestionSession(created);
    // Files that never reached the server stay pending there until the session's deadline:
    // waiting would block for that long, so such a session is reported as it stands.
    if (o.waitUntilDone !== false && undelivered.length === 0) {
      progress.phase = 'waiting';
      // A session settled entirely at creation (a re-run: every file already there) needs no poll.
      if (!session.isFinished) session = await assets.waitUntilDone({ datasetId: o.datasetId, assetIngestionSessionId: created.assetIngestionSessionId, signal });
      progress.sessionsFinished++;
      progress.failedFiles += notSent.length;
      const p = session.status.progressCount;
      succeeded += p.succeeded;
      errored += p.errored;
      const seen = new Set<string>();
      for (const [filename, code] of session.failedFiles) {
        seen.add(filename);
        failed.push({ path: pathOf(filename), code, message: refused.get(filename)?.message });
      }
      for (const [filename, f] of refused) if (!seen.has(filename)) failed.push(f);
    } else {
      // Every PUT was answered with its item's final state, so the counts are known without polling.
      const p = created.status.progressCount;
      succeeded += p.succeeded + sentOk;
      errored += p.errored + undelivered.length + refused.size + notSent.length;
      progress.failedFiles += notSent.length;
      for (const e of created.status.events) if (e.kind === 'Error') for (const [fn, code] of Object.entries(e.files)) failed.push({ path: pathOf(fn), code });
      failed.push(...refused.values(), ...undelivered, ...notSent);
    }
    sessions[index] = session;
    emit();
  };

  try {
    const sessionLimiter = new Limiter(parallelSessions);
    await Promise.all(
      batches.map((b, i) =>
        sessionLimiter
          .run(() => {
            if (signal.aborted) throw signal.reason;
            return runBatch(b, i);
          })
          .catch((err: unknown) => {
            if (!failure) {
              failure = { err };
              stop.abort(err);
            }
          }),
      ),
    );
    if (failure) throw failure.err;
  } finally {
    // Checksums computed so far are kept even when the upload stopped: its re-run reads less.
    await Promise.all([agent.close().catch(() => undefined), cache?.save()]);
    progress.phase = 'done';
    emit();
    bar.stop();
  }
  const done = sessions.filter((s): s is AssetIngestionSession => s !== undefined);
  return new AssetUploadResult(totalFiles, succeeded, errored + localFailures, done, failed, progress.alreadyPresentFiles, Date.now() - started, progress.checksumsFromCache);
}

/** The cache file an upload uses (undefined: none), from the `checksumCache` option. */
function checksumCacheFile(option: AssetUploadOptions['checksumCache']): string | undefined {
  if (option === false) return undefined;
  if (typeof option === 'string' && option !== '') return path.resolve(option);
  if (option !== undefined && option !== true) throw new ViInvalidParameterError(`checksumCache must be true, false or a file path (got ${String(option)})`);
  try {
    return defaultChecksumCacheFile();
  } catch {
    return undefined; // no home directory: no cache
  }
}
