import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JobQueue } from '../src/jobs/queue.js';
import { JobRegistry } from '../src/jobs/registry.js';
import { JobWorker, PermanentJobError } from '../src/jobs/worker.js';
import { openStore, type Store } from '../src/store/db.js';
import { createTestDatabase, describeEachDialect, tempDir, type TestDatabase } from './support/dialects.js';
import { waitFor } from './support/server.js';

const silent = pino({ level: 'silent' });

describeEachDialect('job queue', (dialect) => {
  let dir: string;
  let database: TestDatabase;
  let store: Store;
  let queue: JobQueue;
  const workers: JobWorker[] = [];

  const makeWorker = (registry: JobRegistry, o: { owner: string; concurrency?: number; leaseMs?: number; queue?: JobQueue }) => {
    const w = new JobWorker({
      queue: o.queue ?? queue,
      registry,
      owner: o.owner,
      concurrency: o.concurrency ?? 2,
      pollMs: 20,
      leaseMs: o.leaseMs ?? 5000,
      retryBaseMs: 10,
      log: silent,
    });
    workers.push(w);
    return w;
  };
  const statusOf = async (id: string) => (await queue.get(id))?.status;
  const waitForStatus = (id: string, status: string) =>
    waitFor(async () => ((await statusOf(id)) === status ? true : undefined), `job ${id} to be ${status}`);

  beforeAll(async () => {
    dir = tempDir();
    database = await createTestDatabase(dialect, dir);
    store = await openStore(database.config);
    queue = new JobQueue(store.db, store.dialect);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(0)));
    await store.close();
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start while a declared kind has no handler', async () => {
    const registry = new JobRegistry(['a.one', 'a.two']).register('a.one', { run: async () => undefined });
    expect(() => registry.assertComplete()).toThrow(/a\.two/);
    await expect(makeWorker(registry, { owner: 'w0' }).start()).rejects.toThrow(/No handler registered for job kind\(s\): a\.two/);
    expect(() => new JobRegistry(['a.one']).register('a.other', { run: async () => undefined })).toThrow(/not declared/);
  });

  it('runs a job once and marks it done', async () => {
    const seen: unknown[] = [];
    const registry = new JobRegistry(['b.echo']).register('b.echo', { run: async (p) => void seen.push(p) });
    await makeWorker(registry, { owner: 'w1' }).start();
    const id = await queue.enqueue('b.echo', { n: 1 });
    await waitForStatus(id, 'done');
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('retries a failing job with backoff, and gives up after its last attempt', async () => {
    let flakyRuns = 0;
    const gaveUp: string[] = [];
    const registry = new JobRegistry(['c.flaky', 'c.broken', 'c.permanent'])
      .register('c.flaky', {
        run: async () => {
          if (++flakyRuns < 3) throw new Error(`flaky ${flakyRuns}`);
        },
      })
      .register('c.broken', {
        maxAttempts: 3,
        run: async () => {
          throw new Error('always broken');
        },
        onGiveUp: async (_p, error) => void gaveUp.push(error),
      })
      .register('c.permanent', {
        run: async () => {
          throw new PermanentJobError('input is invalid');
        },
      });
    await makeWorker(registry, { owner: 'w2' }).start();
    const flaky = await queue.enqueue('c.flaky', {});
    const broken = await queue.enqueue('c.broken', {}, { maxAttempts: 3 });
    const permanent = await queue.enqueue('c.permanent', {});
    await waitForStatus(flaky, 'done');
    await waitForStatus(broken, 'failed');
    await waitForStatus(permanent, 'failed');
    expect(flakyRuns).toBe(3);
    expect(await queue.get(broken)).toMatchObject({ attempts: 3, lastError: 'always broken' });
    expect(await queue.get(permanent)).toMatchObject({ attempts: 1, lastError: 'input is invalid' });
    await waitFor(async () => (gaveUp.length === 1 ? true : undefined), 'onGiveUp');
    expect(gaveUp).toEqual(['always broken']);
  });

  it('never runs the same job in two workers at once, and runs every job exactly once', async () => {
    const other = await openStore(database.config); // a second connection, as a second process would have
    try {
      const otherQueue = new JobQueue(other.db, other.dialect);
      const running = new Set<string>();
      const runs = new Map<string, number>();
      const overlaps: string[] = [];
      const handler = {
        run: async (_p: unknown, ctx: { jobId: string }) => {
          if (running.has(ctx.jobId)) overlaps.push(ctx.jobId);
          running.add(ctx.jobId);
          runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 2));
          running.delete(ctx.jobId);
        },
      };
      const ids: string[] = [];
      for (let i = 0; i < 80; i++) ids.push(await queue.enqueue('d.count', { i }));
      await makeWorker(new JobRegistry(['d.count']).register('d.count', handler), { owner: 'wa', concurrency: 4 }).start();
      await makeWorker(new JobRegistry(['d.count']).register('d.count', handler), { owner: 'wb', concurrency: 4, queue: otherQueue }).start();
      await waitFor(async () => {
        const done = await store.db.selectFrom('jobs').select('id').where('kind', '=', 'd.count').where('status', '=', 'done').execute();
        return done.length === ids.length ? true : undefined;
      }, 'all counted jobs');
      expect(overlaps).toEqual([]);
      expect(ids.map((id) => runs.get(id))).toEqual(ids.map(() => 1));
    } finally {
      await Promise.all(workers.splice(-2).map((w) => w.stop(0)));
      await other.close();
    }
  });

  it('runs again a job whose worker process was killed mid-run', async () => {
    const id = await queue.enqueue('test.work', { important: true });
    const child = spawn(process.execPath, [new URL('./fixtures/worker-that-dies.mjs', import.meta.url).pathname, JSON.stringify(database.config), '600'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const started = await new Promise<{ started: string; attempt: number }>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
      child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    });
    expect(started).toEqual({ started: id, attempt: 1 });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await statusOf(id)).toBe('running'); // still held by the dead worker's lease

    const reruns: number[] = [];
    const registry = new JobRegistry(['test.work']).register('test.work', { run: async (_p, ctx) => void reruns.push(ctx.attempt) });
    await makeWorker(registry, { owner: 'survivor' }).start();
    await waitForStatus(id, 'done');
    expect(reruns).toEqual([2]);
  });

  it('keeps one row per recurring chore and reschedules it after each run', async () => {
    let runs = 0;
    const registry = new JobRegistry(['e.chore']).register('e.chore', { everyMs: 60_000, run: async () => void runs++ });
    await makeWorker(registry, { owner: 'w3' }).start();
    await makeWorker(registry, { owner: 'w4' }).start();
    await waitFor(async () => (runs === 1 ? true : undefined), 'the chore to run');
    const rows = await waitFor(async () => {
      const r = await store.db.selectFrom('jobs').selectAll().where('kind', '=', 'e.chore').execute();
      return r.length === 1 && r[0]!.status === 'queued' ? r : undefined;
    }, 'the chore to be rescheduled');
    expect(rows[0]!.run_at).toBeGreaterThan(Date.now() + 50_000);
    expect(runs).toBe(1);
  });
});
