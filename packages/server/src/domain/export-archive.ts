// The `exports.build` job: writes a dataset's archive (§6.3) as a ZIP streamed into the blob
// store's staging, then keeps it as a blob. Assets and annotations are read in keyset pages and
// entries are written one at a time, each waiting for the disk; image files are read a few ahead
// (bounded: ReadAhead) so reads overlap the writing. Memory does not grow with the
// bytes of the dataset (only the ZIP central directory, a few hundred bytes per entry, is held
// until the end). Images are STOREd as they are; zip-stream writes ZIP64 records by itself past
// 4 GiB or 65,535 entries.
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { EntryData } from 'zip-stream';
import { PermanentJobError } from '../jobs/worker.js';
import { claimBlobWaiting } from './blob-gc.js';
import type { AssetServices } from './asset-services.js';
import { annotationLines, type LineAnnotation } from './export-lines.js';
import { BatchedZipStream, SMALL } from './zip-writer.js';
import type { ExportRow } from './exports.js';

const PAGE = 500;
/** Entries between two yields to the event loop. */
const BREATHE_EVERY = 32;
/** Image files up to this size are read whole, ahead of the writer; larger ones are streamed. */
const READ_WHOLE_MAX = 4 * 1024 * 1024;
/** Whole-file reads of files up to this size go into buffers used again (BufferPool), up to POOL_BYTES kept. */
const POOLED_MAX = 1024 * 1024;
const POOL_BYTES = 16 * 1024 * 1024;
/** Whole-file reads in flight or waiting to be written, at most (files and bytes). */
const READ_AHEAD_FILES = 8;
const READ_AHEAD_BYTES = 32 * 1024 * 1024;
/** Bytes the ZIP writer may hold ahead of the disk before the feeder waits. */
const BACKLOG = 4 * 1024 * 1024;

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
    await claimBlobWaiting(svc, staged.sha256, staged.size);
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

/** Streams the ZIP into staging; resolves with the staged object once every byte is on disk. */
async function writeArchive(svc: AssetServices, row: ExportRow, splitOf: (assetId: string) => Split, signal: AbortSignal | undefined, options: BuildOptions) {
  const zip = new BatchedZipStream({ forceZip64: options.forceZip64 ?? false });
  let failure: Error | undefined;
  const fail = (err: Error) => {
    if (failure) return;
    failure = err;
    zip.destroy(err);
  };
  zip.on('error', fail);
  const onAbort = () => fail(signal?.reason instanceof Error ? signal.reason : new Error('the export job was interrupted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  // Only the SHA-256 is needed (the blob's id): no CRC32C pass over the whole archive.
  const stagedPromise = svc.blobs.stage(zip as unknown as Readable, { maxBytes: Number.MAX_SAFE_INTEGER, crc32c: false });
  // A staging failure (disk full, ...) stops the writer too; the promise is awaited below.
  stagedPromise.catch((err: Error) => fail(err));
  // Buffer entries complete synchronously: without a pause now and then, a run of small entries
  // would keep the event loop (HTTP requests) waiting and pile bytes up ahead of the disk.
  const queued = zip as unknown as { readableLength: number };
  let sinceBreath = 0;
  const breathe = async () => {
    await new Promise((r) => setImmediate(r));
    while (!failure && queued.readableLength > BACKLOG) await new Promise((r) => setTimeout(r, 2));
  };
  const add: AddEntry = async (source, data, file) => {
    if (++sinceBreath >= BREATHE_EVERY) {
      sinceBreath = 0;
      await breathe();
    }
    return addNow(source, data, file);
  };
  const addNow: AddEntry = (source, data, file) =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      // Settles on the entry's callback, or when a failure elsewhere (staging, abort) closed the writer.
      const onClose = () => reject(failure ?? new Error('the ZIP writer closed'));
      zip.once('close', onClose);
      const done = (err: Error | null) => {
        zip.off('close', onClose);
        if (err) fail(err);
        if (failure) reject(failure);
        else resolve();
      };
      if (file) zip.fileEntry(source as Buffer, data, done);
      else zip.entry(source, data, done);
    });
  try {
    await feed(svc, row, add, splitOf, () => zip.holdsNoLargeChunk());
    zip.finalize();
    const staged = await stagedPromise;
    if (failure) {
      await svc.blobs.discardStaged(staged.key);
      throw failure;
    }
    return staged;
  } catch (err) {
    fail(err as Error);
    // Staging removes its partial file before it settles: leave nothing behind when we stop.
    await stagedPromise.then((staged) => svc.blobs.discardStaged(staged.key)).catch(() => undefined);
    // A PermanentJobError says why in the user's terms; otherwise the first failure is the cause.
    throw err instanceof PermanentJobError ? err : (failure ?? err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** `file`: a whole image file in memory, written as a streamed one is (BatchedZipStream.fileEntry). */
type AddEntry = (source: Buffer | Readable, data: EntryData, file?: boolean) => Promise<void>;

interface PageAsset {
  id: string;
  filename: string;
  sha256: string;
  size: number;
  width: number | null;
  height: number | null;
}

/** Adds every entry, one at a time (each waits until its bytes went to staging: flat memory). */
async function feed(
  svc: AssetServices,
  row: ExportRow,
  add: AddEntry,
  splitOf: (assetId: string) => Split,
  writerHoldsNoLargeChunk: () => boolean,
): Promise<void> {
  const { db } = svc.ctx;
  const withImages = row.format === 'ViFull';
  const normalized = row.normalized === 1;
  const date = new Date(row.created_at);
  const splits: Split[] = row.split_ratio === null ? ['dump'] : ['training', 'validation'];
  for (const split of splits) {
    if (withImages) await add(Buffer.alloc(0), { name: `${split}/images/`, type: 'directory', date });
    await add(Buffer.alloc(0), { name: `${split}/annotations/`, type: 'directory', date });
  }
  // Annotation files are named after the image's stem; a second image with the same stem in the
  // same split (cat.jpg, cat.png) gets its whole filename instead (cat.png.jsonl).
  const stems = new Map<Split, Set<string>>(splits.map((s) => [s, new Set<string>()]));
  const buffers = new BufferPool(writerHoldsNoLargeChunk);

  let done = 0;
  let after: string | undefined;
  for (;;) {
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

    const reads = withImages ? new ReadAhead(svc, page, buffers) : undefined;
    try {
      for (let i = 0; i < page.length; i++) {
        const asset = page[i]!;
        if (!safeEntryName(asset.filename)) {
          throw new PermanentJobError(`Cannot export asset ${asset.id}: its filename "${asset.filename}" cannot be a file name in a ZIP archive`);
        }
        const split = splitOf(asset.id);
        if (reads) {
          const entry = { name: `${split}/images/${asset.filename}`, store: true, date, mode: 0o644 };
          let stream: Readable | undefined;
          try {
            const bytes = await reads.take(i);
            if (bytes) {
              await add(bytes, entry, true);
              reads.written(bytes);
            } else {
              stream = svc.blobs.stream(asset.sha256);
              await add(stream, entry);
            }
          } catch (err) {
            stream?.destroy();
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
              throw new PermanentJobError(`Cannot export asset ${asset.id} (${asset.filename}): its bytes are missing from the blob store`);
            }
            throw err;
          }
        }
        const used = stems.get(split)!;
        let stem = asset.filename.replace(/\.[^.]*$/, '');
        if (used.has(stem)) stem = asset.filename;
        used.add(stem);
        const text = annotationLines(asset, annotations.get(asset.id) ?? [], normalized);
        await add(Buffer.from(text, 'utf8'), { name: `${split}/annotations/${stem}.jsonl`, store: text.length < 512, date, mode: 0o644 });
      }
    } finally {
      reads?.abandon();
    }
    done += page.length;
    await db
      .updateTable('dataset_exports')
      .set((eb) => ({ assets_done: done, updated_at: svc.ctx.now(), generation: eb('generation', '+', 1) }))
      .where('id', '=', row.id)
      .execute();
    if (page.length < PAGE) break;
  }
}

/**
 * Buffers for whole-file reads, used again once the writer has passed their bytes on. A fresh
 * buffer per file is 200 MB of short-lived external memory per 200 MB exported, which V8 answers
 * with a full mark-compact of the server's heap about every 100 ms (measured with --trace-gc: ~7
 * per 2,000-image build; with the pool, ~1). The guarantee is checked, not assumed: a buffer whose
 * bytes were given to the writer waits until the writer holds no large chunk at all
 * (BatchedZipStream.holdsNoLargeChunk); past the writer, staging keeps no reference to a chunk
 * (BlobStore.stage). Sizes are powers of two from 64 KiB to POOLED_MAX; smaller files (which the
 * writer gathers by reference) and larger ones get buffers of their own, and a buffer never given
 * back is simply left to the GC.
 */
class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private freeBytes = 0;
  /** Buffers whose bytes went to the writer, until it holds none of them. */
  private waiting: Buffer[] = [];

  constructor(private readonly writerHoldsNoLargeChunk: () => boolean) {}

  /** A buffer of at least `size` bytes. */
  take(size: number): Buffer {
    if (size < SMALL || size > POOLED_MAX) return Buffer.allocUnsafeSlow(size);
    this.reclaim();
    const capacity = Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(size)));
    const buffer = this.free.get(capacity)?.pop();
    if (!buffer) return Buffer.allocUnsafeSlow(capacity);
    this.freeBytes -= capacity;
    return buffer;
  }

  /** `buffer`'s bytes were given to the writer: it is used again once the writer has passed them on. */
  written(buffer: Buffer): void {
    if (buffer.length >= SMALL && buffer.length <= POOLED_MAX) this.waiting.push(buffer);
  }

  private reclaim(): void {
    if (this.waiting.length === 0 || !this.writerHoldsNoLargeChunk()) return;
    for (const buffer of this.waiting) {
      if (this.freeBytes + buffer.length > POOL_BYTES) break;
      const list = this.free.get(buffer.length);
      if (list) list.push(buffer);
      else this.free.set(buffer.length, [buffer]);
      this.freeBytes += buffer.length;
    }
    this.waiting = [];
  }
}

/**
 * Reads a page's image files whole, a few ahead of the writer (bounded by count and bytes), so
 * the reads run in the thread pool while the current entry is hashed and written: the build is
 * not waiting on one open/read/close after another. Files larger than READ_WHOLE_MAX are not read
 * ahead; take() answers undefined for them and the caller streams them.
 */
class ReadAhead {
  private readonly reads = new Map<number, Promise<Buffer>>();
  /** The pool buffer behind each file's bytes (a view of its start). */
  private readonly backing = new Map<Buffer, Buffer>();
  private next = 0;
  private bytesAhead = 0;

  constructor(
    private readonly svc: AssetServices,
    private readonly page: PageAsset[],
    private readonly buffers: BufferPool,
  ) {
    this.fill();
  }

  /** The bytes of page[i] (read whole), or undefined when it is to be streamed. */
  async take(i: number): Promise<Buffer | undefined> {
    const pending = this.reads.get(i);
    if (!pending) return undefined;
    this.reads.delete(i);
    try {
      return await pending;
    } finally {
      this.bytesAhead -= this.page[i]!.size;
      this.fill();
    }
  }

  /** The bytes of a file taken earlier were given to the writer (BufferPool.written). */
  written(bytes: Buffer): void {
    const buffer = this.backing.get(bytes);
    if (!buffer) return;
    this.backing.delete(bytes);
    // Fewer bytes than SMALL (a file shorter than its record) were gathered by reference: not reused.
    if (bytes.length >= SMALL) this.buffers.written(buffer);
  }

  /** Stops reading ahead; reads in flight finish and are dropped. */
  abandon(): void {
    this.next = this.page.length;
    this.reads.clear();
    this.backing.clear();
  }

  private fill(): void {
    while (this.next < this.page.length && this.reads.size < READ_AHEAD_FILES && this.bytesAhead < READ_AHEAD_BYTES) {
      const asset = this.page[this.next]!;
      if (asset.size <= READ_WHOLE_MAX) {
        const buffer = this.buffers.take(asset.size);
        const read = this.svc.blobs.readInto(asset.sha256, buffer, asset.size).then((n) => {
          const bytes = buffer.subarray(0, n);
          this.backing.set(bytes, buffer);
          return bytes;
        });
        read.catch(() => undefined); // awaited by take(), or dropped by abandon()
        this.reads.set(this.next, read);
        this.bytesAhead += asset.size;
      }
      this.next++;
    }
  }
}

/** One path segment every unzip tool accepts as it is. */
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
