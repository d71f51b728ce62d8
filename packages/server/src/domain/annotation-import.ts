// Annotation import sessions of the Vi protocol (§5.2): a session is opened, files are announced
// (name, size, CRC32C as base64) and their bytes PUT to signed URLs, the client reports
// FilesInserted, and a background job parses the files and imports their annotations under the
// session's failure policies. Nothing is visible until the whole session commits at once; a
// rejected session changes nothing. Row formats: store/annotation-imports.ts, store/annotations.ts.
import type { Readable } from 'node:stream';
import { StageLimitError } from '../blobs/store.js';
import { claimBlobWaiting } from './blob-gc.js';
import { touchBlob } from '../store/blobs.js';
import * as store from '../store/annotation-imports.js';
import type { Trx } from '../store/commit-queue.js';
import type { ImportFileRow, ImportProblemRow, ImportSessionRow } from '../store/annotation-imports.js';
import { lockAssets } from '../store/assets.js';
import type { AssetServices } from './asset-services.js';
import type { Principal } from './context.js';
import { requireDataset } from './datasets.js';
import { AppError, conflict, invalid, notFound } from './errors.js';
import { newId } from './ids.js';
import { parseFile, type FilePolicyOutcome } from './annotation-parse.js';

export type { ImportFileRow, ImportProblemRow, ImportSessionRow };
export type FailurePolicy = 'Warn' | 'RejectFile' | 'RejectSession';
export type ImportReason = 'CancelledByUser' | 'UserUploadErrored';

export interface ImportView {
  session: ImportSessionRow;
  files: ImportFileRow[];
  problems: ImportProblemRow[];
}

export interface ImportSpec {
  uploadBefore?: number | null;
  failurePolicies?: { onBadAnnotation?: FailurePolicy | null; onBadFile?: FailurePolicy | null; onOverwritten?: FailurePolicy | null } | null;
  source?: string | null;
}

export interface AnnouncedImportFile {
  name: string;
  sizeBytes: number;
  /** Base64 of the big-endian 4-byte CRC32C. */
  crc32c: string;
  kind?: string | null;
}

export interface ReportedCondition {
  condition: string;
  status: 'Waiting' | 'Reached' | 'FailedReach';
  reason?: string | null;
}

/** Problems kept per session for the answer (all are counted). */
export const PROBLEMS_SHOWN = 1000;
const MAX_UPLOAD_WINDOW_MS = 7 * 24 * 3600_000;
const BAD_NAME = /[/\\\u0000-\u001f\u007f]/;

export async function createImportSession(
  svc: AssetServices,
  principal: Principal,
  datasetId: string,
  spec: ImportSpec,
  attributes: Record<string, string> | null | undefined,
): Promise<ImportView> {
  const { ctx } = svc;
  const dataset = await requireDataset(ctx, principal.organizationId, datasetId);
  const now = ctx.now();
  const uploadBefore = spec.uploadBefore == null ? now + svc.limits.uploadUrlTtlMs : Math.floor(spec.uploadBefore);
  if (uploadBefore <= now) throw invalid(`spec.uploadBefore (${uploadBefore}) is in the past: give a time in milliseconds since the epoch, later than now`);
  if (uploadBefore > now + MAX_UPLOAD_WINDOW_MS) throw invalid('spec.uploadBefore is more than 7 days away: give a time in milliseconds (not microseconds)');
  const p = spec.failurePolicies ?? {};
  const session: ImportSessionRow = {
    id: newId(),
    organization_id: principal.organizationId,
    dataset_id: dataset.id,
    created_by: principal.userId,
    created_at: now,
    updated_at: now,
    generation: 1,
    upload_before: uploadBefore,
    on_bad_annotation: p.onBadAnnotation ?? 'RejectSession',
    on_bad_file: p.onBadFile ?? 'RejectSession',
    on_overwritten: p.onOverwritten ?? 'RejectSession',
    source: spec.source ?? 'UploadedIndividualFiles',
    attributes: JSON.stringify(attributes ?? {}),
    state: 'open',
    files_inserted_at: null,
    files_inserted_status: null,
    files_inserted_reason: null,
    finished_at: null,
    outcome: null,
    message: null,
    run_key: null,
    page_count: 0,
    annotation_counts: '{}',
    problem_count: 0,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await store.insertImportSession(trx, session);
    await ctx.jobs.enqueue('annotations.expireImport', { sessionId: session.id }, { runAt: uploadBefore, uniqueKey: `annotations.expireImport:${session.id}`, maxAttempts: 50 }, trx);
  });
  ctx.jobs.notify();
  return { session, files: [], problems: [] };
}

export async function getImportSession(svc: AssetServices, organizationId: string, datasetId: string, sessionId: string): Promise<ImportView> {
  // A deleted dataset's sessions are gone with it (404), as its other resources are.
  const dataset = await requireDataset(svc.ctx, organizationId, datasetId);
  const session = await store.findImportSession(svc.ctx.db, sessionId);
  if (!session || session.organization_id !== organizationId || session.dataset_id !== dataset.id) {
    throw notFound('Annotation import session', sessionId);
  }
  const [files, problems] = await Promise.all([store.listImportFiles(svc.ctx.db, sessionId), store.listProblems(svc.ctx.db, sessionId, PROBLEMS_SHOWN)]);
  return { session, files, problems };
}

function decodeCrc(name: string, value: string): number {
  const bytes = /^[A-Za-z0-9+/]{6}==$/.test(value) ? Buffer.from(value, 'base64') : undefined;
  if (!bytes || bytes.length !== 4) {
    throw invalid(`files["${name}"].crc32c must be the base64 of the 4-byte big-endian CRC32C (8 characters, e.g. "yZRlqg=="), got "${value}"`);
  }
  return bytes.readUInt32BE(0);
}

/** Announces files; answers each file's index in the session, in the order given. */
export async function addImportFiles(
  svc: AssetServices,
  principal: Principal,
  datasetId: string,
  sessionId: string,
  files: AnnouncedImportFile[],
): Promise<{ view: ImportView; indexes: number[] }> {
  const { ctx, limits } = svc;
  if (files.length === 0) throw invalid('files must announce at least one file: {"files": {"anns.jsonl": {"sizeBytes": …, "crc32c": "…"}}}');
  const announced = files.map((f) => {
    if (f.name === '' || f.name === '.' || f.name === '..' || BAD_NAME.test(f.name) || f.name.length > 1024) {
      throw invalid(`"${f.name}" must be a plain file name (no directories, no control characters)`);
    }
    if (f.sizeBytes > limits.maxUploadBytes) {
      throw new AppError('PayloadTooLarge', `${f.name} is ${f.sizeBytes} bytes; the limit is ${limits.maxUploadBytes}: split it into several files`);
    }
    return { ...f, crc: decodeCrc(f.name, f.crc32c) };
  });
  const released: string[] = [];
  const result = await ctx.db.transaction().execute(async (trx) => {
    await requireDataset({ ...ctx, db: trx }, principal.organizationId, datasetId);
    const session = await store.lockImportSession(trx, ctx.dialect, sessionId);
    if (!session || session.organization_id !== principal.organizationId || session.dataset_id !== datasetId) {
      throw notFound('Annotation import session', sessionId);
    }
    assertTakingFiles(session, ctx.now());
    const now = ctx.now();
    const existing = await store.listImportFiles(trx, sessionId);
    const byName = new Map(existing.map((f) => [f.name, f]));
    let next = existing.length;
    const fresh: ImportFileRow[] = [];
    const indexes: number[] = [];
    for (const f of announced) {
      const old = byName.get(f.name);
      if (old) {
        indexes.push(old.idx);
        if (Number(old.size_bytes) === f.sizeBytes && Number(old.crc32c) === f.crc) continue; // the same file again
        // Announced again with other contents: the bytes must come again.
        if (old.sha256) released.push(old.sha256);
        await store.updateImportFile(trx, sessionId, old.idx, {
          size_bytes: f.sizeBytes,
          crc32c: f.crc,
          kind: f.kind ?? old.kind,
          state: 'awaiting',
          sha256: null,
          received_size: null,
          received_crc32c: null,
          received_at: null,
        });
        continue;
      }
      const row: ImportFileRow = {
        session_id: sessionId,
        idx: next++,
        name: f.name,
        kind: f.kind ?? 'Unknown',
        size_bytes: f.sizeBytes,
        crc32c: f.crc,
        state: 'awaiting',
        sha256: null,
        received_size: null,
        received_crc32c: null,
        received_at: null,
        annotations: 0,
        problem: null,
      };
      byName.set(f.name, row);
      fresh.push(row);
      indexes.push(row.idx);
    }
    if (next > limits.maxFilesPerSession) {
      throw invalid(`A session takes at most ${limits.maxFilesPerSession} files (this would make ${next}): use several sessions`);
    }
    await store.insertImportFiles(trx, fresh);
    await store.updateImportSession(trx, sessionId, {}, now);
    if (released.length > 0) await ctx.jobs.enqueue('blobs.collect', { sha256s: released }, { priority: -5 }, trx);
    return { indexes };
  });
  if (released.length > 0) ctx.jobs.notify();
  return { view: await getImportSession(svc, principal.organizationId, datasetId, sessionId), indexes: result.indexes };
}

function assertTakingFiles(session: ImportSessionRow, now: number): void {
  // Ended without importing (expired, given up, rejected, its dataset deleted): say why, as the PATCH does.
  if (session.state === 'finished' && session.outcome !== 'imported') {
    throw conflict(`Annotation import session ${session.id} has ended (${session.outcome}): ${session.message ?? ''}`);
  }
  if (session.state !== 'open') throw conflict(`Annotation import session ${session.id} no longer takes files: FilesInserted was already reported`);
  if (now >= session.upload_before) throw conflict(`Annotation import session ${session.id} passed its uploadBefore time; start a new session`);
}

/** The file a signed upload URL names (the signature was checked by the caller). */
export async function findImportUpload(svc: AssetServices, sessionId: string, idx: number): Promise<{ session: ImportSessionRow; file: ImportFileRow }> {
  const [session, file] = await Promise.all([store.findImportSession(svc.ctx.db, sessionId), store.findImportFile(svc.ctx.db, sessionId, idx)]);
  if (!session || !file) throw notFound('Upload', `${sessionId}/${idx}`);
  return { session, file };
}

/**
 * Receives a file's bytes. They are kept whatever they are: a size or CRC32C that differs from the
 * announcement is recorded and judged by the onBadFile policy when the session is processed.
 * A file may be PUT again until FilesInserted is reported (the last bytes count).
 */
export async function receiveImportFile(svc: AssetServices, session: ImportSessionRow, file: ImportFileRow, body: Readable, contentLength: number | undefined): Promise<void> {
  const { ctx, limits, blobs } = svc;
  assertTakingFiles(session, ctx.now());
  const max = limits.maxUploadBytes;
  if (contentLength !== undefined && contentLength > max) throw new AppError('PayloadTooLarge', `the body is ${contentLength} bytes; the limit is ${max}`);
  let staged;
  try {
    staged = await blobs.stage(body, { maxBytes: max });
  } catch (err) {
    if (err instanceof StageLimitError) throw new AppError('PayloadTooLarge', `the body is larger than the limit of ${max} bytes`);
    throw err;
  }
  try {
    await claimBlobWaiting(svc, staged.sha256, staged.size);
    await blobs.promote(staged.key, staged.sha256);
  } finally {
    await blobs.discardStaged(staged.key);
  }
  const released: string[] = [];
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    const current = await store.lockImportSession(trx, ctx.dialect, session.id);
    if (!current) throw notFound('Annotation import session', session.id);
    assertTakingFiles(current, now);
    // The claim protects the bytes only for the collector's grace period; the file row does from the commit on.
    if (!(await touchBlob(trx, staged.sha256, now))) throw new AppError('Unavailable', 'The stored bytes were collected; retry the upload');
    const latest = await store.findImportFile(trx, session.id, file.idx);
    if (latest?.sha256 && latest.sha256 !== staged.sha256) released.push(latest.sha256);
    await store.updateImportFile(trx, session.id, file.idx, {
      state: 'uploaded',
      sha256: staged.sha256,
      received_size: staged.size,
      received_crc32c: staged.crc32c,
      received_at: now,
    });
    await store.updateImportSession(trx, session.id, {}, now);
    if (released.length > 0) await ctx.jobs.enqueue('blobs.collect', { sha256s: released }, { priority: -5 }, trx);
  });
  if (released.length > 0) ctx.jobs.notify();
}

/** PATCH …/status: the client's FilesInserted report. */
export async function reportFilesInserted(
  svc: AssetServices,
  principal: Principal,
  datasetId: string,
  sessionId: string,
  conditions: ReportedCondition[],
): Promise<ImportView> {
  const { ctx } = svc;
  const others = conditions.filter((c) => c.condition !== 'FilesInserted');
  if (others.length > 0) throw invalid(`Only the FilesInserted condition can be reported (got ${others.map((c) => c.condition).join(', ')})`);
  if (conditions.length !== 1) throw invalid('Report the FilesInserted condition once');
  const c = conditions[0]!;
  if (c.status === 'Waiting') throw invalid('FilesInserted can only be reported Reached (all files uploaded) or FailedReach (the upload was given up)');
  const reason = c.reason ?? null;
  if (reason !== null && reason !== 'CancelledByUser' && reason !== 'UserUploadErrored') {
    throw invalid(`reason must be CancelledByUser or UserUploadErrored (or absent), got "${reason}"`);
  }
  if (reason !== null && c.status === 'Reached') throw invalid('A reason goes only with FailedReach');
  let enqueued = false;
  const released: string[] = [];
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    // A deleted dataset's sessions answer 404 and change no more (as getImportSession).
    const dataset = await requireDataset({ ...ctx, db: trx }, principal.organizationId, datasetId);
    const session = await store.lockImportSession(trx, ctx.dialect, sessionId);
    if (!session || session.organization_id !== principal.organizationId || session.dataset_id !== dataset.id) {
      throw notFound('Annotation import session', sessionId);
    }
    if (session.files_inserted_status !== null) {
      if (session.files_inserted_status === c.status && (session.files_inserted_reason ?? null) === reason) return; // a repeat
      throw conflict(`FilesInserted was already reported ${session.files_inserted_status} for session ${sessionId}`);
    }
    if (session.state !== 'open') throw conflict(`Annotation import session ${sessionId} has ended (${session.outcome}): ${session.message ?? ''}`);
    if (now >= session.upload_before) throw conflict(`Annotation import session ${sessionId} passed its uploadBefore time; start a new session`);
    if (c.status === 'Reached') {
      const files = await store.listImportFiles(trx, sessionId);
      if (files.length === 0) throw invalid('Announce and upload files (POST …/files, then PUT each) before reporting FilesInserted');
      await store.updateImportSession(trx, sessionId, { state: 'queued', files_inserted_at: now, files_inserted_status: 'Reached' }, now);
      await ctx.jobs.enqueue('annotations.import', { sessionId }, { uniqueKey: `annotations.import:${sessionId}`, maxAttempts: 5 }, trx);
      enqueued = true;
    } else {
      released.push(
        ...(await endWithoutImporting(svc, trx, sessionId, now, {
          files_inserted_reason: reason,
          outcome: 'abandoned',
          message: `The client gave the upload up${reason ? ` (${reason})` : ''}; nothing was imported`,
        })),
      );
    }
  });
  if (enqueued || released.length > 0) ctx.jobs.notify();
  return getImportSession(svc, principal.organizationId, datasetId, sessionId);
}

/** The `annotations.expireImport` job: a session still open at its uploadBefore time ends, importing nothing. */
export async function expireImportSession(svc: AssetServices, sessionId: string): Promise<void> {
  const { ctx } = svc;
  const released: string[] = [];
  await ctx.db.transaction().execute(async (trx) => {
    const session = await store.lockImportSession(trx, ctx.dialect, sessionId);
    if (!session || session.state !== 'open') return;
    const now = ctx.now();
    released.push(
      ...(await endWithoutImporting(svc, trx, sessionId, now, {
        outcome: 'expired',
        message: 'FilesInserted was not reported before uploadBefore; nothing was imported',
      })),
    );
  });
  if (released.length > 0) ctx.jobs.notify();
}

/**
 * Ends an open session that imports nothing (given up, or expired): its files stop holding their
 * blobs, which are handed to the collector. Answers the released blobs.
 */
async function endWithoutImporting(
  svc: AssetServices,
  trx: Trx,
  sessionId: string,
  now: number,
  end: { outcome: 'abandoned' | 'expired'; message: string; files_inserted_reason?: string | null },
): Promise<string[]> {
  const released = (await store.filesHoldingBlobs(trx, sessionId)).map((r) => r.sha256!);
  await store.releaseFileBlobs(trx, sessionId);
  await store.updateImportSession(trx, sessionId, { state: 'finished', files_inserted_at: now, files_inserted_status: 'FailedReach', finished_at: now, ...end }, now);
  if (released.length > 0) await svc.ctx.jobs.enqueue('blobs.collect', { sha256s: released }, { priority: -5 }, trx);
  return released;
}

/** Outcome of processing one file. */
interface FileResult {
  idx: number;
  state: 'parsed' | 'rejected' | 'skipped';
  problem: string | null;
}

/** Thrown by a write of an import run that is no longer the session's current one. */
class SupersededRun extends Error {
  override name = 'SupersededRun';
}

/**
 * One run of the import job over a session. Starting a run records a fresh key on the session
 * (and clears what earlier runs staged); every later write of the run (staged rows, problems, the
 * commit) happens in a transaction that holds the session's row lock and first checks that the key
 * is still this run's. A run whose job lease lapsed while it was still working (a long pause, a
 * slow disk) and which another worker started again can therefore neither mix its rows into the
 * new run's staging nor commit: its next write finds another key and it stops.
 */
export class ImportRun {
  private constructor(
    readonly svc: AssetServices,
    readonly session: ImportSessionRow,
    readonly key: string,
  ) {}

  /** Takes the session over for a new run; undefined when it is not waiting to be imported. */
  static async start(svc: AssetServices, sessionId: string): Promise<ImportRun | undefined> {
    const key = newId();
    const session = await svc.ctx.db.transaction().execute(async (trx) => {
      const current = await store.lockImportSession(trx, svc.ctx.dialect, sessionId);
      if (!current || current.state !== 'queued') return undefined;
      await store.setImportRun(trx, sessionId, key);
      await store.clearStaging(trx, sessionId);
      await store.clearProblems(trx, sessionId);
      return { ...current, run_key: key };
    });
    return session && new ImportRun(svc, session, key);
  }

  /** Runs `write` only while this run still owns the session (else throws SupersededRun). */
  async write<T>(write: (trx: Trx) => Promise<T>): Promise<T> {
    return this.svc.ctx.db.transaction().execute(async (trx) => {
      if (!(await this.owns(trx))) throw new SupersededRun(`another run of the import of session ${this.session.id} started`);
      return write(trx);
    });
  }

  /** Whether the session is still queued for this run; takes the session's row lock (PostgreSQL). */
  async owns(trx: Trx): Promise<boolean> {
    const current = await store.lockImportSession(trx, this.svc.ctx.dialect, this.session.id);
    return current !== undefined && current.state === 'queued' && current.run_key === this.key;
  }
}

/**
 * The `annotations.import` job. Idempotent: a rerun (after a crash, or after its lease lapsed)
 * clears what the previous run staged and starts again; only the final commit makes anything
 * visible, and only the latest run can commit (ImportRun).
 */
export async function processImport(svc: AssetServices, sessionId: string, signal?: AbortSignal): Promise<void> {
  const { ctx } = svc;
  const run = await ImportRun.start(svc, sessionId);
  if (!run) return;
  const { session } = run;
  try {
    const dataset = await ctx.db.selectFrom('datasets').select(['type', 'deleted_at']).where('id', '=', session.dataset_id).executeTakeFirst();
    const problems = new ProblemLog(run);
    const files = await store.listImportFiles(ctx.db, sessionId);
    const results: FileResult[] = [];
    let rejection: string | undefined;
    if (!dataset || dataset.deleted_at !== null) rejection = 'the dataset was deleted';
    for (const file of files) {
      if (rejection) break;
      signal?.throwIfAborted();
      const outcome: FilePolicyOutcome = await parseFile(run, file, dataset!.type === 'vqa' ? 'vqa' : 'phrase-grounding', problems, signal);
      if (outcome.kind === 'rejectSession') {
        rejection = outcome.why;
        results.push({ idx: file.idx, state: 'rejected', problem: outcome.problem });
      } else if (outcome.kind === 'rejectFile') {
        await run.write((trx) => store.clearStaging(trx, sessionId, file.idx));
        results.push({ idx: file.idx, state: 'rejected', problem: outcome.problem });
      } else if (outcome.kind === 'skip') {
        // A file found malformed part way may have staged whole batches already: none of it counts.
        await run.write((trx) => store.clearStaging(trx, sessionId, file.idx));
        results.push({ idx: file.idx, state: 'skipped', problem: outcome.problem });
      } else {
        results.push({ idx: file.idx, state: 'parsed', problem: outcome.problem });
      }
    }
    await problems.flush();
    await commitImport(svc, run, results, rejection, problems);
  } catch (err) {
    // The newer run does the work (and answers for it): this one ends quietly. So it does when the
    // session was ended meanwhile by the purge of its deleted dataset, which may have collected the
    // file being read.
    if (err instanceof SupersededRun) return;
    if (!(await ctx.db.transaction().execute((trx) => run.owns(trx)))) return;
    throw err;
  }
}

async function commitImport(svc: AssetServices, run: ImportRun, results: FileResult[], rejection: string | undefined, problems: ProblemLog) {
  const { ctx } = svc;
  const { session } = run;
  const released: string[] = [];
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    // Only the session's current run commits (a superseded one stops here, changing nothing).
    if (!(await run.owns(trx))) return;
    // Lock the dataset row: commits of one dataset run one at a time, and a deletion is seen.
    const live = await trx
      .updateTable('datasets')
      .set((eb) => ({ generation: eb.ref('generation') }))
      .where('id', '=', session.dataset_id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(live.numUpdatedRows) === 0) rejection ??= 'the dataset was deleted';
    const byIdx = new Map(results.map((r) => [r.idx, r]));
    if (!rejection && session.on_overwritten !== 'Warn') {
      // Another import may have created some of these ids since this one was parsed.
      for (const idx of await store.filesWithOverwrites(trx, session.id, session.dataset_id)) {
        const name = (await store.findImportFile(trx, session.id, idx))?.name ?? String(idx);
        const message = `annotation ids of ${name} were created by another import meanwhile`;
        await problems.addNow(trx, name, null, 'Overwrites', message);
        if (session.on_overwritten === 'RejectSession') {
          rejection = message;
          break;
        }
        await store.clearStaging(trx, session.id, idx);
        byIdx.set(idx, { idx, state: 'rejected', problem: 'Overwrites' });
      }
    }
    let perFile = new Map<number, number>();
    if (!rejection) {
      const assetIds = await trx.selectFrom('annotation_import_rows').select('asset_id').distinct().where('session_id', '=', session.id).execute();
      for (let i = 0; i < assetIds.length; i += 500) await lockAssets(trx, assetIds.slice(i, i + 500).map((r) => r.asset_id));
      perFile = await store.publishStaged(trx, session.id, session.dataset_id, now);
    }
    await store.clearStaging(trx, session.id);
    let imported = 0;
    for (const f of await store.listImportFiles(trx, session.id)) {
      const r = byIdx.get(f.idx);
      const n = rejection ? 0 : (perFile.get(f.idx) ?? 0);
      imported += n;
      const state = r === undefined ? 'rejected' : rejection ? 'rejected' : r.state === 'parsed' ? 'imported' : r.state;
      await store.updateImportFile(trx, session.id, f.idx, { state, annotations: n, problem: r?.problem ?? null, sha256: null });
      if (f.sha256) released.push(f.sha256);
    }
    const pageCount = results.length;
    const message = rejection
      ? `Session rejected, nothing imported: ${rejection}`
      : `${imported} annotations imported from ${results.filter((r) => byIdx.get(r.idx)?.state === 'parsed').length} of ${results.length} files` +
        (problems.count > 0 ? `; ${problems.count} problems (see status.problems)` : '');
    await store.updateImportSession(
      trx,
      session.id,
      {
        state: 'finished',
        finished_at: now,
        outcome: rejection ? 'rejected' : 'imported',
        message,
        page_count: pageCount,
        annotation_counts: JSON.stringify(imported > 0 ? { Imported: imported } : {}),
        problem_count: problems.count,
      },
      now,
    );
    if (released.length > 0) await ctx.jobs.enqueue('blobs.collect', { sha256s: [...new Set(released)] }, { priority: -5 }, trx);
  });
  if (released.length > 0) ctx.jobs.notify();
}

/** Called when the import job failed its last attempt: the session ends rejected, with why. */
export async function failImport(svc: AssetServices, sessionId: string, error: string): Promise<void> {
  // A run of its own: a run of the job still going somewhere can no longer commit after this.
  const run = await ImportRun.start(svc, sessionId);
  if (!run) return;
  await commitImport(svc, run, [], `processing failed repeatedly (${error})`, new ProblemLog(run));
}

/** Collects problems; stores the first PROBLEMS_SHOWN of them in batches (as writes of the run), counts them all. */
export class ProblemLog {
  count = 0;
  private buffer: ImportProblemRow[] = [];

  constructor(private readonly run: ImportRun) {}

  async add(file: string, line: number | null, reason: string, message: string): Promise<void> {
    const seq = this.count++;
    if (seq < PROBLEMS_SHOWN) this.buffer.push({ session_id: this.run.session.id, seq, file, line, reason, message });
    if (this.buffer.length >= 200) await this.flush();
  }

  async addNow(trx: Parameters<typeof store.insertProblems>[0], file: string, line: number | null, reason: string, message: string): Promise<void> {
    const seq = this.count++;
    if (seq < PROBLEMS_SHOWN) await store.insertProblems(trx, [{ session_id: this.run.session.id, seq, file, line, reason, message }]);
  }

  async flush(): Promise<void> {
    const rows = this.buffer;
    this.buffer = [];
    if (rows.length > 0) await this.run.write((trx) => store.insertProblems(trx, rows));
  }
}
