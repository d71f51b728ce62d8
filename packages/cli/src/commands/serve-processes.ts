// `vireo serve --processes N`: N server processes answering on one port (node:cluster), so that
// uploads use more than one CPU. The primary process serves nothing itself: it brings the data
// directory and the database up to date once (the server processes must not race to migrate),
// starts the processes, reports when all of them listen, replaces one that dies, and on
// SIGTERM/SIGINT stops them all, each finishing its in-flight requests.
import cluster, { type Worker } from 'node:cluster';
import type { Config, RunningServer } from '@vireo/server';

type Logger = RunningServer['log'];

/** What a server process tells the primary once it listens. */
export interface ListeningMessage {
  kind: 'vireo-listening';
  url: string;
}

/** Server processes that die before listening this many times in a row stop the whole server. */
const MAX_FAILED_STARTS = 3;

export interface Primary {
  /** Where the processes answer, once all of them listen. */
  url: string;
  log: Logger;
  /** Stops every server process (SIGTERM: in-flight requests finish) and waits for them. */
  close(): Promise<void>;
  /** Settles when the server stops without being asked to (processes that cannot start). */
  failed: Promise<never>;
}

export async function startPrimary(config: Config, log: Logger): Promise<Primary> {
  let stopping = false;
  let failedStarts = 0;
  let fail!: (err: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined); // observed by the caller when it matters
  let allListening!: (url: string) => void;
  const listening = new Promise<string>((resolve) => (allListening = resolve));
  const ready = new Set<number>();
  let url: string | undefined;

  const start = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (m: ListeningMessage) => {
      if (m?.kind !== 'vireo-listening') return;
      ready.add(worker.id);
      failedStarts = 0;
      url ??= m.url;
      if (ready.size === config.processes) allListening(url);
    });
    worker.on('exit', (code, signal) => {
      const wasListening = ready.delete(worker.id);
      if (stopping) return;
      log.error({ pid: worker.process.pid, code, signal }, 'a server process exited; starting another');
      if (!wasListening && ++failedStarts >= MAX_FAILED_STARTS) {
        fail(new Error(`server processes exited before listening ${MAX_FAILED_STARTS} times in a row; see the log above`));
        return;
      }
      start();
    });
    return worker;
  };
  for (let i = 0; i < config.processes; i++) start();

  const close = async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    return { url: await Promise.race([listening, failed]), log, close, failed };
  } catch (err) {
    await close();
    throw err;
  }
}
