// Parses one uploaded file of an import session into staged annotation rows, applying the
// session's failure policies as it goes (docs/annotations.md, "Failure policies"):
//   onBadFile        the file never arrived, its size or CRC32C differ from the announcement, or it
//                    is not readable as JSON Lines / a JSON array;
//   onBadAnnotation  a line that cannot be imported (each reported with its line and reason);
//   onOverwritten    a line whose id names an annotation the dataset already has.
// Warn reports and goes on (a bad line is skipped, an overwrite replaces, a file with a wrong
// checksum is still read); RejectFile drops the whole file; RejectSession drops the session.
import { sql } from 'kysely';
import * as store from '../store/annotation-imports.js';
import type { ImportFileRow, StagedRow } from '../store/annotation-imports.js';
import { MalformedFileError, readEntries } from './annotation-files.js';
import { LineProblem, readLine, toRows, type DatasetType, type LineReason, type ParsedLine } from './annotation-lines.js';
import type { AssetServices } from './asset-services.js';
import type { FailurePolicy, ImportRun, ProblemLog } from './annotation-import.js';
import { newId } from './ids.js';

export type FilePolicyOutcome =
  | { kind: 'ok'; problem: string | null }
  | { kind: 'skip'; problem: string }
  | { kind: 'rejectFile'; problem: string }
  | { kind: 'rejectSession'; problem: string; why: string };

/** Longest line of a JSON Lines file. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
const BATCH = 500;

interface AssetInfo {
  id: string;
  filename: string;
  width: number | null;
  height: number | null;
}

/** Stops the file (or session) as a policy asks. */
class Stop extends Error {
  constructor(readonly outcome: FilePolicyOutcome) {
    super(outcome.kind);
  }
}

export async function parseFile(
  run: ImportRun,
  file: ImportFileRow,
  datasetType: DatasetType,
  problems: ProblemLog,
  signal?: AbortSignal,
): Promise<FilePolicyOutcome> {
  const { svc, session } = run;
  let fileProblem: string | null = null;

  /** A problem of the file as a whole; `usable` says whether Warn may still read it. */
  const badFile = async (reason: string, message: string, usable: boolean) => {
    await problems.add(file.name, null, reason, message);
    fileProblem = reason;
    const policy = session.on_bad_file as FailurePolicy;
    if (policy === 'RejectSession') throw new Stop({ kind: 'rejectSession', problem: reason, why: `${file.name}: ${message}` });
    if (policy === 'RejectFile') throw new Stop({ kind: 'rejectFile', problem: reason });
    if (!usable) throw new Stop({ kind: 'skip', problem: reason });
  };

  /** A problem of one line under `policy`. */
  const badLine = async (line: number, reason: LineReason, message: string, policy: FailurePolicy) => {
    await problems.add(file.name, line, reason, message);
    if (policy === 'RejectSession') throw new Stop({ kind: 'rejectSession', problem: reason, why: `${file.name} line ${line}: ${message}` });
    if (policy === 'RejectFile') throw new Stop({ kind: 'rejectFile', problem: reason });
  };

  const onBadAnnotation = session.on_bad_annotation as FailurePolicy;
  const onOverwritten = session.on_overwritten as FailurePolicy;

  /** Problems of the current batch, reported in line order when the batch is flushed. */
  let pending: Array<{ line: number; reason: LineReason; message: string; policy: FailurePolicy }> = [];
  const later = (line: number, reason: LineReason, message: string, policy: FailurePolicy = onBadAnnotation) => {
    pending.push({ line, reason, message, policy });
  };

  const flush = async (entries: Array<{ line: number; value: unknown }>) => {
    signal?.throwIfAborted(); // the job lost its lease: stop, it runs again from the start
    const parsed: Array<{ line: number; parsed: ParsedLine }> = [];
    for (const e of entries) {
      try {
        parsed.push({ line: e.line, parsed: readLine(e.value, datasetType) });
      } catch (err) {
        if (!(err instanceof LineProblem)) throw err;
        later(e.line, err.reason, err.message);
      }
    }
    const assets = await findAssets(svc, session.dataset_id, parsed.map((p) => p.parsed));
    const ids = [...new Set(parsed.flatMap((p) => (p.parsed.id ? [p.parsed.id] : [])))];
    const [staged, existing] = await Promise.all([
      store.stagedGroups(svc.ctx.db, session.id, ids),
      store.existingGroups(svc.ctx.db, session.dataset_id, ids),
    ]);
    const rows: StagedRow[] = [];
    for (const { line, parsed: p } of parsed) {
      const ref = p.asset.filename ?? p.asset.idOrFilename!;
      const asset = p.asset.filename ? assets.byFilename.get(ref) : (assets.byId.get(ref) ?? assets.byFilename.get(ref));
      if (!asset) {
        later(line, 'AssetNotFound', `the dataset has no asset ${p.asset.filename ? 'named' : 'with id or filename'} "${ref}"`);
        continue;
      }
      let drafts;
      try {
        drafts = toRows(p, asset);
      } catch (err) {
        if (!(err instanceof LineProblem)) throw err;
        later(line, err.reason, err.message);
        continue;
      }
      if (p.id !== undefined) {
        if (staged.has(p.id)) {
          later(line, 'DuplicateId', `id "${p.id}" appears earlier in this session`);
          continue;
        }
        if (existing.has(p.id)) {
          later(line, 'Overwrites', `id "${p.id}" names an annotation the dataset already has: it is replaced`, onOverwritten);
        }
        staged.add(p.id);
      }
      const groupId = p.id ?? newId();
      for (const d of drafts) {
        rows.push({
          session_id: session.id,
          id: newId(),
          file_idx: file.idx,
          asset_id: asset.id,
          group_id: groupId,
          kind: d.kind,
          tag: d.tag,
          contents: JSON.stringify(d.contents),
        });
      }
    }
    const problemsInOrder = pending.sort((a, b) => a.line - b.line);
    pending = [];
    for (const p of problemsInOrder) await badLine(p.line, p.reason, p.message, p.policy); // throws when a policy stops here
    await run.write((trx) => store.stageRows(trx, rows));
  };

  try {
    if (!file.sha256 || file.received_size === null) {
      await badFile('NotUploaded', 'no bytes were PUT for this file before FilesInserted', false);
      return { kind: 'skip', problem: 'NotUploaded' };
    }
    if (Number(file.received_size) !== Number(file.size_bytes)) {
      await badFile('SizeMismatch', `received ${file.received_size} bytes but ${file.size_bytes} were announced`, true);
    } else if (Number(file.received_crc32c) !== Number(file.crc32c)) {
      await badFile('ChecksumMismatch', 'the bytes received do not have the CRC32C announced (the file changed or was damaged in transit)', true);
    }
    const sha256 = file.sha256;
    const size = Number(file.received_size);
    const open = () => svc.blobs.open(sha256, size).stream();
    let batch: Array<{ line: number; value: unknown }> = [];
    try {
      for await (const entry of readEntries(open, { maxLineBytes: MAX_LINE_BYTES })) {
        if ('problem' in entry) {
          later(entry.line, entry.problem, entry.message);
          if (pending.length >= BATCH) {
            await flush(batch);
            batch = [];
          }
          continue;
        }
        batch.push(entry);
        if (batch.length >= BATCH || pending.length >= BATCH) {
          await flush(batch);
          batch = [];
        }
      }
      await flush(batch);
    } catch (err) {
      if (!(err instanceof MalformedFileError)) throw err;
      await badFile('MalformedFile', err.message, false);
    }
    return { kind: 'ok', problem: fileProblem };
  } catch (err) {
    if (err instanceof Stop) return err.outcome;
    throw err;
  }
}

/** The assets the lines name, by id and by filename, in one query per batch. */
async function findAssets(svc: AssetServices, datasetId: string, lines: ParsedLine[]) {
  const names = new Set<string>();
  const refs = new Set<string>();
  for (const l of lines) {
    if (l.asset.filename) names.add(l.asset.filename);
    else if (l.asset.idOrFilename) refs.add(l.asset.idOrFilename);
  }
  const byId = new Map<string, AssetInfo>();
  const byFilename = new Map<string, AssetInfo>();
  const lookups = [...names, ...refs];
  if (lookups.length > 0) {
    const rows = await svc.ctx.db
      .selectFrom('assets')
      .select(['id', 'filename', 'width', 'height'])
      .where('dataset_id', '=', datasetId)
      .where((eb) => eb.or([eb('filename', 'in', lookups), ...(refs.size > 0 ? [eb('id', 'in', [...refs])] : [eb(sql.lit(1), '=', 0)])]))
      .execute();
    for (const r of rows) {
      byId.set(r.id, r);
      byFilename.set(r.filename, r);
    }
  }
  return { byId, byFilename };
}
