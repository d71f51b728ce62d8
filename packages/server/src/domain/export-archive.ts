// The `exports.build` job: writes a dataset's archive (§6.3) as a ZIP streamed into the blob
// store's staging, then keeps it as a blob. Assets and annotations are read in keyset pages and at
// most a few entries wait in the ZIP writer at any time, so memory does not grow with the bytes of
// the dataset (only the ZIP central directory, ~100 bytes per entry, is held until the end).
// Images are STOREd as they are; yazl switches to ZIP64 by itself past 4 GiB or 65,535 entries.
import crypto from 'node:crypto';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import { PermanentJobError } from '../jobs/worker.js';
import { claimBlob } from '../store/blobs.js';
import type { AssetServices } from './asset-services.js';
import { annotationLines, type LineAnnotation } from './export-lines.js';
import type { ExportRow } from './exports.js';

const PAGE = 500;
/** Entries queued in the ZIP writer before the feeder waits for it. */
const WINDOW = 32;

export type Split = 'dump' | 'training' | 'validation';

export interface BuildOptions {
  /** Forces ZIP64 records even for a small archive (tests). */
  forceZip64?: boolean;
}

/** Runs the build of one export; a finished or vanished export is left alone (the job is idempotent). */
export async function buildExport(svc: AssetServices, exportId: string, signal?: AbortSignal, options: BuildOptions = {}): Promise<void> {
  const { db } = svc.ctx;
  const row = await db.selectFrom('dataset_exports').selectAll().where('id', '=', exportId).executeTakeFirst();
  if (!row || row.finished_at !== null) return;
  const dataset = await db.selectFrom('datasets').select(['id', 'deleted_at']).where('id', '=', row.dataset_id).executeTakeFirst();
  if (!dataset || dataset.deleted_at !== null) throw new PermanentJobError('The dataset was deleted before its export was built');

  const total = Number(
    (await db.selectFrom('assets').select((eb) => eb.fn.countAll<number>().as('n')).where('dataset_id', '=', row.dataset_id).executeTakeFirstOrThrow()).n,
  );
  await db
    .updateTable('dataset_exports')
    .set((eb) => ({
      started_at: eb.fn.coalesce('started_at', eb.val(svc.ctx.now())),
      assets_total: total,
      assets_done: 0,
      updated_at: svc.ctx.now(),
      generation: eb('generation', '+', 1),
    }))
    .where('id', '=', exportId)
    .execute();

  const splitOf = row.split_ratio === null ? () => 'dump' as Split : await trainingSplit(svc, row.dataset_id, row.split_ratio);
  const staged = await writeArchive(svc, row, splitOf, signal, options);
  try {
    while (!(await svc.commits.run((trx) => claimBlob(trx, staged.sha256, staged.size, svc.ctx.now())))) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await svc.blobs.promote(staged.key, staged.sha256);
  } catch (err) {
    await svc.blobs.discardStaged(staged.key);
    throw err;
  }
  const now = svc.ctx.now();
  const updated = await db
    .updateTable('dataset_exports')
    .set((eb) => ({
      archive_sha256: staged.sha256,
      archive_size: staged.size,
      assets_done: total,
      finished_at: now,
      updated_at: now,
      expires_at: now + svc.limits.exportTtlMs,
      generation: eb('generation', '+', 1),
    }))
    .where('id', '=', exportId)
    .where('finished_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    // Expired or removed while building: nobody will download this archive.
    await svc.ctx.jobs.enqueue('blobs.collect', { sha256s: [staged.sha256] }, { priority: -5 });
    svc.ctx.jobs.notify();
  }
}

/**
 * The training/validation assignment for a ratio: assets ranked by a hash of (dataset, asset id),
 * the first round(ratio × n) go to training. The same dataset and ratio give the same split every
 * time, and with two or more assets neither split is empty (the SDK's loader needs both). Holds one
 * number per asset (8 bytes) while it runs.
 */
async function trainingSplit(svc: AssetServices, datasetId: string, ratio: number): Promise<(assetId: string) => Split> {
  const scores: number[] = [];
  let after = '';
  for (;;) {
    const ids = await svc.ctx.db
      .selectFrom('assets')
      .select('id')
      .where('dataset_id', '=', datasetId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE * 4)
      .execute();
    for (const { id } of ids) scores.push(splitScore(datasetId, id));
    if (ids.length < PAGE * 4) break;
    after = ids[ids.length - 1]!.id;
  }
  const n = scores.length;
  let k = Math.round(ratio * n);
  if (n >= 2) k = Math.min(n - 1, Math.max(1, k));
  const sorted = Float64Array.from(scores).sort();
  const threshold = k === 0 ? -1 : sorted[k - 1]!;
  return (assetId) => (splitScore(datasetId, assetId) <= threshold ? 'training' : 'validation');
}

/** A number in [0, 1) fixed for (dataset, asset): 48 bits of SHA-256. */
export function splitScore(datasetId: string, assetId: string): number {
  const digest = crypto.createHash('sha256').update(`${datasetId}\n${assetId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

interface FeedState {
  failure: Error | undefined;
  /** Wakes the feeder waiting for the ZIP writer (an entry started, or the build failed). */
  wake: (() => void) | undefined;
}

interface PageAsset {
  id: string;
  filename: string;
  sha256: string;
  size: number;
  width: number | null;
  height: number | null;
}

/** Streams the ZIP into staging; resolves with the staged object once every byte is on disk. */
async function writeArchive(svc: AssetServices, row: ExportRow, splitOf: (assetId: string) => Split, signal: AbortSignal | undefined, options: BuildOptions) {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as unknown as Readable;
  const state: FeedState = { failure: undefined, wake: undefined };
  const fail = (err: Error) => {
    if (state.failure) return;
    state.failure = err;
    output.destroy(err);
    state.wake?.();
  };
  zip.on('error', fail);
  const onAbort = () => fail(signal?.reason instanceof Error ? signal.reason : new Error('the export job was interrupted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  const stagedPromise = svc.blobs.stage(output, { maxBytes: Number.MAX_SAFE_INTEGER });
  // A staging failure (disk full, ...) stops the feeder too; the promise is awaited below.
  stagedPromise.catch((err: Error) => fail(err));
  try {
    await feed(svc, row, zip, splitOf, state, options);
    if (!state.failure) zip.end({ forceZip64Format: options.forceZip64 ?? false, comment: '' });
    const staged = await stagedPromise;
    const failure = state.failure as Error | undefined;
    if (failure) {
      await svc.blobs.discardStaged(staged.key);
      throw failure;
    }
    return staged;
  } catch (err) {
    throw state.failure ?? err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

async function feed(
  svc: AssetServices,
  row: ExportRow,
  zip: yazl.ZipFile,
  splitOf: (assetId: string) => Split,
  state: FeedState,
  options: BuildOptions,
): Promise<void> {
  const { db } = svc.ctx;
  const withImages = row.format === 'ViFull';
  const normalized = row.normalized === 1;
  const mtime = new Date(row.created_at);
  const entryOptions = { mtime, mode: 0o100644, forceZip64Format: options.forceZip64 ?? false };
  const splits: Split[] = row.split_ratio === null ? ['dump'] : ['training', 'validation'];
  for (const split of splits) {
    if (withImages) zip.addEmptyDirectory(`${split}/images/`, { mtime });
    zip.addEmptyDirectory(`${split}/annotations/`, { mtime });
  }
  // Annotation files are named after the image's stem; a second image with the same stem in the
  // same split (cat.jpg, cat.png) gets its whole filename instead (cat.png.jsonl).
  const stems = new Map<Split, Set<string>>(splits.map((s) => [s, new Set<string>()]));

  // Backpressure: image entries are opened lazily, in order; `started` counts those opened.
  let queued = 0;
  let started = 0;
  const failed = () => state.failure;
  const waitForWriter = async () => {
    while (queued - started > WINDOW && !failed()) await new Promise<void>((r) => (state.wake = r));
  };

  let done = 0;
  let after: string | undefined;
  for (;;) {
    if (failed()) return;
    let q = db
      .selectFrom('assets')
      .select(['id', 'filename', 'sha256', 'size', 'width', 'height'])
      .where('dataset_id', '=', row.dataset_id)
      .orderBy('filename')
      .limit(PAGE);
    if (after !== undefined) q = q.where('filename', '>', after);
    const page = (await q.execute()) as PageAsset[];
    if (page.length === 0) break;
    after = page[page.length - 1]!.filename;
    const annotations = await annotationsOf(svc, page.map((a) => a.id));

    for (const asset of page) {
      const split = splitOf(asset.id);
      if (!safeEntryName(asset.filename)) {
        throw new PermanentJobError(`Cannot export asset ${asset.id}: its filename "${asset.filename}" cannot be a file name in a ZIP archive`);
      }
      if (withImages) {
        const size = Number(asset.size);
        queued++;
        zip.addReadStreamLazy(`${split}/images/${asset.filename}`, { ...entryOptions, compress: false, size }, (cb) => {
          started++;
          state.wake?.();
          const stream = svc.blobs.stream(asset.sha256);
          stream.once('error', (err: NodeJS.ErrnoException) => {
            const why = err.code === 'ENOENT' ? 'its bytes are missing from the blob store' : `its bytes could not be read (${err.message})`;
            const e = new PermanentJobError(`Cannot export asset ${asset.id} (${asset.filename}): ${why}`);
            zip.emit('error', e);
          });
          cb(null, stream);
        });
      }
      const used = stems.get(split)!;
      let stem = asset.filename.replace(/\.[^./]*$/, '');
      if (used.has(stem)) stem = asset.filename;
      used.add(stem);
      const text = annotationLines(asset, annotations.get(asset.id) ?? [], normalized);
      zip.addBuffer(Buffer.from(text, 'utf8'), `${split}/annotations/${stem}.jsonl`, { ...entryOptions, compress: text.length > 512 });
      await waitForWriter();
    }
    done += page.length;
    await db
      .updateTable('dataset_exports')
      .set((eb) => ({ assets_done: done, updated_at: svc.ctx.now(), generation: eb('generation', '+', 1) }))
      .where('id', '=', row.id)
      .execute();
    // Annotation buffers are written without backpressure: let the disk catch up after each page.
    const out = zip.outputStream as unknown as Readable & { writableNeedDrain?: boolean };
    if (out.writableNeedDrain && !failed()) await once(out, 'drain');
    if (page.length < PAGE) break;
  }
}

/** One path segment yazl and every unzip tool accept as it is. */
const safeEntryName = (name: string) => name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);

async function annotationsOf(svc: AssetServices, assetIds: string[]): Promise<Map<string, LineAnnotation[]>> {
  const out = new Map<string, LineAnnotation[]>();
  if (assetIds.length === 0) return out;
  const rows = await svc.ctx.db
    .selectFrom('annotations')
    .select(['id', 'asset_id', 'group_id', 'kind', 'contents'])
    .where('asset_id', 'in', assetIds)
    .orderBy('asset_id')
    .orderBy('id')
    .execute();
  for (const r of rows) {
    const list = out.get(r.asset_id);
    if (list) list.push(r);
    else out.set(r.asset_id, [r]);
  }
  return out;
}
