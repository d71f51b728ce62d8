// Asset download (vi-protocol.md §6.1): every asset of a dataset to saveDir/<datasetId>/<filename>,
// with bounded parallelism; existing files are skipped unless `overwrite`; bytes go to a temporary
// name that is renamed at the end, so a crash never leaves a truncated file under the real name.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config.js';
import type { Asset } from '../models.js';
import type { Assets } from '../resources/assets.js';
import { checkId } from '../resources/base.js';
import type { Datasets } from '../resources/datasets.js';
import { Limiter, positiveOption } from './files.js';
import { progressBar } from './progress.js';
import { getToFile, newAgent } from './transfer.js';

export interface AssetDownloadOptions {
  datasetId: string;
  /** Files land in `<saveDir>/<datasetId>/` (default `./assets`). */
  saveDir?: string | undefined;
  /** Replace files that already exist (default false: they are skipped). */
  overwrite?: boolean | undefined;
  /** Progress bar on stderr (default: when stderr is a terminal). */
  showProgress?: boolean | undefined;
  /** Parallel downloads (default 16). */
  concurrency?: number | undefined;
  onProgress?: ((p: { total: number; downloaded: number; skipped: number; failed: number }) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export interface DownloadFailure {
  assetId: string;
  filename: string;
  /** UNSAFE_NAME, NO_URL, or the HTTP/network failure. */
  code: string;
  message: string;
}

export interface AssetDownloadResult {
  datasetId: string;
  /** `<saveDir>/<datasetId>`, absolute. */
  saveDir: string;
  /** Assets listed in the dataset. */
  count: number;
  /** Files written by this call. */
  downloaded: number;
  /** Files that existed already (not overwritten). */
  skipped: number;
  /** Assets that could not be saved; `failures` says why. */
  failed: number;
  failures: DownloadFailure[];
}

/** A plain file name: no directories, no `.`/`..`, no control characters. */
export function isSafeFilename(name: string): boolean {
  return (
    typeof name === 'string' && name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' &&
    !/[/\\\u0000-\u001f\u007f]/.test(name) && !/^[A-Za-z]:/.test(name)
  );
}

export async function downloadAssets(assets: Assets, datasets: Datasets, config: ResolvedConfig, o: AssetDownloadOptions): Promise<AssetDownloadResult> {
  checkId('datasetId', o.datasetId);
  const concurrency = positiveOption('concurrency', o.concurrency, 16);
  // The dataset must exist: a clear ViNotFoundError rather than an empty folder.
  const dataset = await datasets.get({ datasetId: o.datasetId });
  const dir = path.resolve(o.saveDir ?? 'assets', o.datasetId);
  await fs.promises.mkdir(dir, { recursive: true });

  const result: AssetDownloadResult = { datasetId: o.datasetId, saveDir: dir, count: 0, downloaded: 0, skipped: 0, failed: 0, failures: [] };
  const bar = progressBar(o.showProgress, 'Downloading');
  bar.setTotal(dataset.statistic.assetTotal);
  const tick = () => {
    bar.update(result.downloaded + result.skipped + result.failed);
    o.onProgress?.({ total: Math.max(result.count, dataset.statistic.assetTotal), downloaded: result.downloaded, skipped: result.skipped, failed: result.failed });
  };
  const agent = newAgent(concurrency, true);
  const limiter = new Limiter(concurrency);
  const fail = (a: Asset, code: string, message: string) => {
    result.failed++;
    result.failures.push({ assetId: a.assetId, filename: a.filename, code, message });
  };

  const one = async (a: Asset) => {
    if (!isSafeFilename(a.filename)) return fail(a, 'UNSAFE_NAME', `refused: "${a.filename}" is not a plain file name`);
    const dest = path.join(dir, a.filename);
    if (!o.overwrite && fs.existsSync(dest)) {
      result.skipped++;
      return;
    }
    const url = a.contents?.asset?.url;
    if (!url) return fail(a, 'NO_URL', 'the server gave no download URL');
    // Cut so the temporary name stays within the 255 bytes a file name may have (the real one may use them all).
    const temp = path.join(dir, `.${Buffer.from(a.filename).subarray(0, 200).toString('utf8')}.${randomBytes(4).toString('hex')}.part`);
    try {
      const out = await getToFile({ agent, url, file: temp, config, maxRetries: config.maxRetries, signal: o.signal });
      if (!out.ok) return fail(a, out.status === undefined ? 'ENETWORK' : `HTTP_${out.status}`, out.message);
      await fs.promises.rename(temp, dest);
      result.downloaded++;
    } catch (err) {
      if (o.signal?.aborted) throw err;
      fail(a, 'EIO', err instanceof Error ? err.message : String(err));
    } finally {
      await fs.promises.rm(temp, { force: true });
    }
  };

  // Waits for every download of a batch (not just the first failure): none may still be writing
  // when the agent closes or the call returns.
  const settle = async (batch: Array<Promise<void>>) => {
    const failed = (await Promise.allSettled(batch)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  const pending: Array<Promise<void>> = [];
  try {
    for await (const a of assets.list({ datasetId: o.datasetId, pagination: { pageSize: 1000 }, contents: true, signal: o.signal }).allItems()) {
      result.count++;
      pending.push(limiter.run(() => one(a)).then(tick));
      // Bound memory on huge datasets: drain finished work between pages' worth of items.
      if (pending.length >= 4 * concurrency) await settle(pending.splice(0));
    }
    await settle(pending.splice(0));
  } catch (err) {
    // The listing failed or was aborted with downloads in flight: let them end (their rejections
    // handled) before the agent closes.
    await Promise.allSettled(pending);
    throw err;
  } finally {
    await agent.close().catch(() => undefined);
    bar.stop();
  }
  return result;
}
