// Starts a Vireo server: data directory, database, first-start credentials, workers, HTTP.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { FsBlobStore } from './blobs/fs.js';
import { FsPartStore } from './blobs/parts.js';
import { UrlSigner } from './blobs/signed-urls.js';
import type { AssetServices } from './domain/asset-services.js';
import { bootstrap, type BootstrapResult } from './domain/bootstrap.js';
import type { DomainContext } from './domain/context.js';
import { fetchToStaging } from './domain/url-fetch.js';
import { buildApp } from './http/app.js';
import { createMetrics } from './http/metrics.js';
import { createJobRegistry } from './jobs/handlers.js';
import { JobQueue } from './jobs/queue.js';
import { JobWorker } from './jobs/worker.js';
import * as media from './media/index.js';
import { CommitQueue } from './store/commit-queue.js';
import { openStore } from './store/db.js';

export const VERSION: string = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export interface RunningServer {
  /** Where this server answers, e.g. http://localhost:8080. */
  url: string;
  port: number;
  config: Config;
  bootstrap: BootstrapResult;
  log: Logger;
  /** Finishes in-flight requests and jobs (up to the grace period), then closes the database. */
  close(): Promise<void>;
}

export async function startServer(config: Config, options: { log?: Logger } = {}): Promise<RunningServer> {
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const log = options.log ?? createLog(config);
  const signingSecret = config.signingSecret ?? loadOrCreateSigningSecret(config.dataDir);

  const store = await openStore(config.database);
  const jobs = new JobQueue(store.db, store.dialect);
  const ctx: DomainContext = { db: store.db, dialect: store.dialect, jobs, now: Date.now };
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let worker: JobWorker | undefined;
  let publicUrl: string | undefined;
  try {
    const boot = await bootstrap(ctx, config.dataDir, config.init);
    const blobs = new FsBlobStore(config.dataDir);
    const discarded = await blobs.recoverStaging();
    if (discarded > 0) log.info({ discarded }, 'discarded staging left by processes that stopped mid-upload');
    const assets: AssetServices = {
      ctx,
      blobs,
      parts: new FsPartStore(config.dataDir),
      signer: new UrlSigner(signingSecret),
      limits: config.assets,
      commits: new CommitQueue(store.db, { parallel: store.dialect === 'postgres' ? Math.max(1, Math.min(4, config.database.poolSize - 2)) : 1 }),
      media,
      urlFetcher: async (url, o) => (await fetchToStaging(url, { ...o, allow: config.urlIngest.allow, blobs })).staged,
      publicUrl: () => {
        if (publicUrl === undefined) throw new Error('the public URL is known once the server listens');
        return publicUrl;
      },
    };
    worker = new JobWorker({
      queue: jobs,
      registry: createJobRegistry(ctx, assets),
      owner: `${process.pid}-${crypto.randomUUID().slice(0, 8)}`,
      concurrency: config.jobs.concurrency,
      pollMs: config.jobs.pollMs,
      leaseMs: config.jobs.leaseMs,
      log: log.child({ component: 'jobs' }),
    });
    app = await buildApp({ ctx, log, metrics: createMetrics(jobs, assets.commits), version: VERSION, assets });
    await app.listen({ port: config.port, host: config.host });
    const port = (app.server.address() as AddressInfo).port;
    const url = config.publicUrl ?? `http://localhost:${port}`;
    publicUrl = url;
    await worker.start();
    log.info({ url, dialect: store.dialect, dataDir: config.dataDir, version: VERSION }, 'vireo listening');

    let closing: Promise<void> | undefined;
    const running: RunningServer = {
      url,
      port,
      config,
      bootstrap: boot,
      log,
      close: () =>
        (closing ??= (async () => {
          // Keep-alive connections whose last request ends after close() began would otherwise be
          // held open by their clients until the keep-alive timeout (72 s): close each once idle.
          const sweep = setInterval(() => app!.server.closeIdleConnections(), 50);
          try {
            await app!.close();
          } finally {
            clearInterval(sweep);
          }
          log.debug('HTTP closed: in-flight requests finished');
          await worker!.stop(config.shutdownGraceSeconds * 1000);
          log.debug('job workers stopped');
          await store.close();
          log.debug('database closed');
        })()),
    };
    return running;
  } catch (err) {
    await app?.close().catch(() => undefined);
    await worker?.stop(0).catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}

/** The server's log: JSON lines (pino) on standard output. */
export const createLog = (config: Config, base: Record<string, unknown> = {}): Logger =>
  pino({ level: config.logLevel, base: { service: 'vireo', ...base } });

/**
 * Brings the data directory and the database up to date without serving: migrations, first-start
 * credentials, the blob store's directories. `vireo serve --processes N` runs this once before
 * starting its N server processes, so that they never race to do it (SQLite migrations cannot).
 */
export async function prepareServer(config: Config): Promise<BootstrapResult> {
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  if (config.signingSecret === undefined) loadOrCreateSigningSecret(config.dataDir);
  const store = await openStore(config.database);
  try {
    const ctx: DomainContext = { db: store.db, dialect: store.dialect, jobs: new JobQueue(store.db, store.dialect), now: Date.now };
    const boot = await bootstrap(ctx, config.dataDir, config.init);
    new FsBlobStore(config.dataDir); // makes the fan-out directories (and moves an old layout) once
    return boot;
  } finally {
    await store.close();
  }
}

/** The default signing secret: generated on first start, kept in the data directory (mode 0600). */
function loadOrCreateSigningSecret(dataDir: string): string {
  const file = path.join(dataDir, 'signing-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = crypto.randomBytes(32).toString('hex');
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  }
}
