// Dataset download (vi-protocol.md §6.2): export (or reuse an export), fetch the archive with
// parallel ranged GETs, extract it safely (no entry may leave the target folder), and describe it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { ResolvedConfig } from '../config.js';
import { ViOperationError } from '../errors.js';
import type { DatasetExport } from '../models.js';
import { checkId } from '../resources/base.js';
import type { Datasets, DatasetExportSettings } from '../resources/datasets.js';
import { mapLimit, positiveOption } from './files.js';
import { progressBar } from './progress.js';
import { getRange, getToFile, headSize, newAgent } from './transfer.js';

export interface DatasetDownloadOptions {
  datasetId: string;
  /** Download this existing export instead of creating one. */
  datasetExportId?: string | undefined;
  exportSettings?: DatasetExportSettings | undefined;
  /** Annotations only (`ViJsonl`). */
  annotationsOnly?: boolean | undefined;
  /** The dataset lands in `<saveDir>/<datasetId>/` (default `./datasets`). */
  saveDir?: string | undefined;
  /** Replace an existing non-empty `<saveDir>/<datasetId>` (default false: it is kept and described). */
  overwrite?: boolean | undefined;
  showProgress?: boolean | undefined;
  /** Parallel ranged GETs (default 8). */
  concurrency?: number | undefined;
  /** Bytes per ranged GET (default 8 MiB). */
  chunkSizeBytes?: number | undefined;
  /** Give up waiting for the export after this long (default: no limit). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export class DatasetDownloadResult {
  constructor(
    readonly datasetId: string,
    /** `<saveDir>/<datasetId>`, absolute. */
    readonly saveDir: string,
    readonly sizeMb: number,
    /** `training`, `validation`, `dump`… */
    readonly splits: string[],
    readonly assetsCount: number,
    readonly annotationsCount: number,
    readonly datasetExportId: string | undefined,
    /** False when an existing folder was kept (overwrite false). */
    readonly downloaded: boolean,
  ) {}

  summary(): string {
    return [
      `Dataset ${this.datasetId} in ${this.saveDir}`,
      `  Size:         ${this.sizeMb.toFixed(2)} MB`,
      `  Splits:       ${this.splits.join(', ') || '-'}`,
      `  Assets:       ${this.assetsCount}`,
      `  Annotations:  ${this.annotationsCount}`,
    ].join('\n');
  }

  info(): void {
    console.log(this.summary());
  }
}

export async function downloadDataset(datasets: Datasets, config: ResolvedConfig, o: DatasetDownloadOptions): Promise<DatasetDownloadResult> {
  checkId('datasetId', o.datasetId);
  // Checked before the export is made: a chunk size of 0 would otherwise split the archive forever.
  const concurrency = positiveOption('concurrency', o.concurrency, 8);
  const chunkSizeBytes = positiveOption('chunkSizeBytes', o.chunkSizeBytes, 8 * 1024 * 1024);
  const root = path.resolve(o.saveDir ?? 'datasets');
  const target = path.join(root, o.datasetId);

  let exp: DatasetExport;
  if (o.datasetExportId) {
    exp = await datasets.waitForExport({ datasetId: o.datasetId, datasetExportId: o.datasetExportId, timeoutMs: o.timeoutMs, signal: o.signal });
  } else {
    const created = await datasets.createExport({ datasetId: o.datasetId, exportSettings: o.exportSettings, annotationsOnly: o.annotationsOnly });
    exp = await datasets.waitForExport({ datasetId: o.datasetId, datasetExportId: created.datasetExportId, timeoutMs: o.timeoutMs, signal: o.signal });
  }
  const url = exp.status.downloadUrl?.url;
  if (!url) throw new ViOperationError(`Dataset export ${exp.datasetExportId} has no download URL`);

  if (!o.overwrite && (await nonEmptyDir(target))) {
    return describeDataset(o.datasetId, target, exp.datasetExportId, false);
  }

  await fs.promises.mkdir(root, { recursive: true });
  const tag = randomBytes(4).toString('hex');
  const zip = path.join(root, `.${o.datasetId}.${tag}.zip`);
  const staging = path.join(root, `.${o.datasetId}.${tag}.partial`);
  try {
    await fetchArchive(url, zip, config, { ...o, concurrency, chunkSizeBytes });
    await extractZip(zip, staging);
    await fs.promises.writeFile(
      path.join(staging, 'metadata.json'),
      JSON.stringify({ name: o.datasetId, organizationId: exp.organizationId, exportDir: target, createdAt: Math.floor(Date.now() / 1000), license: null }, null, 2),
    );
    // Swap in one rename: the target is either the old folder or the complete new one.
    await fs.promises.rm(target, { recursive: true, force: true });
    await fs.promises.rename(staging, target);
  } finally {
    await fs.promises.rm(zip, { force: true });
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
  return describeDataset(o.datasetId, target, exp.datasetExportId, true);
}

async function nonEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await fs.promises.readdir(dir)).length > 0;
  } catch {
    return false;
  }
}

/** Parallel ranged GETs written at their offsets; one plain GET when the server offers no ranges. */
async function fetchArchive(
  url: string,
  file: string,
  config: ResolvedConfig,
  o: DatasetDownloadOptions & { concurrency: number; chunkSizeBytes: number },
): Promise<void> {
  const concurrency = o.concurrency;
  const chunk = o.chunkSizeBytes;
  const agent = newAgent(concurrency, true);
  const bar = progressBar(o.showProgress, 'Downloading archive', 'MB');
  try {
    const head = await headSize(agent, url, o.signal);
    if (head.status < 200 || head.status >= 300) throw new ViOperationError(`HEAD of the export archive answered ${head.status}`, { status: head.status });
    if (head.size === undefined || !head.ranges || head.size <= chunk) {
      const out = await getToFile({ agent, url, file, config, maxRetries: config.maxRetries, signal: o.signal });
      if (!out.ok) throw new ViOperationError(`Downloading the export archive failed: ${out.message}`, { status: out.status });
      return;
    }
    const size = head.size;
    bar.setTotal(Math.ceil(size / 1048576));
    const fh = await fs.promises.open(file, 'w');
    try {
      await fh.truncate(size);
      const ranges: Array<[number, number]> = [];
      for (let s = 0; s < size; s += chunk) ranges.push([s, Math.min(size, s + chunk) - 1]);
      let next = 0;
      let done = 0;
      // The first failure stops the other workers: none may still write into the file (or keep the
      // agent's close waiting on a request) once this function has given up.
      const stop = new AbortController();
      const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
      let failure: { err: unknown } | undefined;
      const worker = async () => {
        try {
          while (next < ranges.length && !stop.signal.aborted) {
            const [start, end] = ranges[next++]!;
            const out = await getRange({ agent, url, start, end, fh, config, maxRetries: config.maxRetries, signal });
            if (!out.ok) throw new ViOperationError(`Downloading bytes ${start}-${end} of the export archive failed: ${out.message}`, { status: out.status });
            done += end - start + 1;
            bar.update(Math.round(done / 1048576));
          }
        } catch (err) {
          if (!failure) {
            failure = { err };
            stop.abort(err);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, ranges.length) }, worker));
      if (failure) throw failure.err;
    } finally {
      await fh.close();
    }
  } finally {
    bar.stop();
    await agent.close().catch(() => undefined);
  }
}

/** Files up to this size are read whole (archive entries, annotation files); larger ones are streamed. */
const READ_WHOLE_MAX = 4 * 1024 * 1024;
/** Entries written at once: one after another, each file's open, write and close wait on the disk in turn. */
const EXTRACT_CONCURRENCY = 8;

/** Extracts every entry under `dest`; absolute names, `..`, drive letters and symlinks are refused. */
export async function extractZip(zipFile: string, dest: string): Promise<void> {
  await fs.promises.mkdir(dest, { recursive: true });
  const root = path.resolve(dest);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    // autoClose off: entries are still being read after the listing ended; closed below.
    yauzl.open(zipFile, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  const archive = await fs.promises.open(zipFile, 'r');
  try {
    await extractEntries(zip, root, archive);
  } finally {
    if (zip.isOpen) zip.close();
    await archive.close();
  }
}

async function extractEntries(zip: yauzl.ZipFile, root: string, archive: fs.promises.FileHandle): Promise<void> {
  // Each folder is made once (entries of one folder are written side by side).
  const folders = new Map<string, Promise<unknown>>();
  const folder = (dir: string) => {
    let made = folders.get(dir);
    if (!made) folders.set(dir, (made = fs.promises.mkdir(dir, { recursive: true })));
    return made;
  };
  const extract = async (entry: yauzl.Entry) => {
    const name = entry.fileName;
    const target = path.resolve(root, name);
    const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
    if (name.startsWith('/') || name.includes('\\') || /^[A-Za-z]:/.test(name) || name.split('/').includes('..') ||
        (target !== root && !target.startsWith(root + path.sep))) {
      throw new ViOperationError(`Refused to extract "${name}": it would land outside ${root}`);
    }
    if (mode === 0o120000) throw new ViOperationError(`Refused to extract "${name}": symbolic links are not extracted`);
    if (name.endsWith('/')) {
      await folder(target);
      return;
    }
    await folder(path.dirname(target));
    if (!entry.isCompressed() && !entry.isEncrypted() && entry.compressedSize <= READ_WHOLE_MAX) {
      // A STOREd file (every image of an export): one read and one write, instead of a stream
      // of small chunks through yauzl's reader.
      const header = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
      const bytes = Buffer.allocUnsafe(entry.compressedSize);
      const { bytesRead } = await archive.read(bytes, 0, bytes.length, header.fileDataStart);
      if (bytesRead !== bytes.length) throw new ViOperationError(`The archive ends inside "${name}": it is damaged or incomplete`);
      await fs.promises.writeFile(target, bytes, { flag: 'wx' });
      return;
    }
    const rs = await new Promise<NodeJS.ReadableStream>((res, rej) => zip.openReadStream(entry, (err, s) => (err ? rej(err) : res(s))));
    await pipeline(rs, fs.createWriteStream(target, { flags: 'wx' }));
  };
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    let listed = false;
    let waiting = false;
    let failure: { err: unknown } | undefined;
    // Settles once nothing is being written any more: after a failure the caller removes the
    // folder, and no entry still in flight may write into it afterwards.
    const settle = () => {
      if (active > 0) return;
      if (failure) reject(failure.err instanceof Error ? failure.err : new Error(String(failure.err)));
      else if (listed) resolve();
    };
    const fail = (err: unknown) => {
      failure ??= { err };
      settle();
    };
    zip.on('error', fail);
    zip.on('end', () => {
      listed = true;
      settle();
    });
    zip.on('entry', (entry: yauzl.Entry) => {
      if (failure) return;
      active++;
      extract(entry).then(
        () => {
          active--;
          if (!failure && waiting) {
            waiting = false;
            zip.readEntry();
          }
          settle();
        },
        (err: unknown) => {
          active--;
          fail(err);
        },
      );
      // The next entry is listed while this one is written, up to EXTRACT_CONCURRENCY at once.
      if (active < EXTRACT_CONCURRENCY) zip.readEntry();
      else waiting = true;
    });
    zip.readEntry();
  });
}

const IMAGE_EXT = new Set(['.avif', '.bmp', '.gif', '.heic', '.heif', '.jpeg', '.jpg', '.jfif', '.jp2', '.j2k', '.png', '.tiff', '.tif', '.webp']);

/** Splits (top-level folders), images under `<split>/images`, non-empty lines of `<split>/annotations/*.json(l)`, total size. */
export async function describeDataset(datasetId: string, dir: string, exportId: string | undefined, downloaded: boolean): Promise<DatasetDownloadResult> {
  let bytes = 0;
  let assetsCount = 0;
  let annotationsCount = 0;
  const splits: string[] = [];
  const walk = async (d: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of await fs.promises.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) out.push(...(await walk(p)));
      else if (e.isFile()) out.push(p);
    }
    return out;
  };
  for (const e of await fs.promises.readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) splits.push(e.name);
  }
  splits.sort();
  // Files in parallel: thousands of stats and small reads one after another each wait on the disk.
  await mapLimit(await walk(dir), 16, async (f) => {
    const size = (await fs.promises.stat(f)).size;
    bytes += size;
    const rel = path.relative(dir, f).split(path.sep);
    if (rel.length >= 3 && rel[1] === 'images' && IMAGE_EXT.has(path.extname(f).toLowerCase())) assetsCount++;
    if (rel.length >= 3 && rel[1] === 'annotations' && /\.jsonl?$/.test(f)) {
      // Not `count += await …`: that reads the count before the wait, and parallel files would lose lines.
      const lines = await countLines(f, size);
      annotationsCount += lines;
    }
  });
  return new DatasetDownloadResult(datasetId, dir, bytes / 1024 / 1024, splits, assetsCount, annotationsCount, exportId, downloaded);
}


async function countLines(file: string, size: number): Promise<number> {
  let n = 0;
  if (size <= READ_WHOLE_MAX) {
    for (const line of (await fs.promises.readFile(file, 'utf8')).split(/\r?\n|\r/)) if (line.trim() !== '') n++;
    return n;
  }
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim() !== '') n++;
  return n;
}
