// Drains the job queue: claims up to `concurrency` jobs at a time, renews their leases while they
// run, retries failures with exponential backoff, and gives up after the job's last attempt.
import type { Logger } from 'pino';
import type { JobQueue, ClaimedJob } from './queue.js';
import type { JobRegistry } from './registry.js';

export interface WorkerOptions {
  queue: JobQueue;
  registry: JobRegistry;
  owner: string;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  log: Logger;
  /** First retry delay; doubles with each attempt (default 1 s, capped at 5 min). */
  retryBaseMs?: number;
}

const MAX_BACKOFF_MS = 5 * 60_000;

export class JobWorker {
  private running = false;
  private readonly active = new Map<string, AbortController>();
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private idle: Array<() => void> = [];

  constructor(private readonly o: WorkerOptions) {}

  async start(): Promise<void> {
    this.o.registry.assertComplete();
    if (this.running || this.o.concurrency === 0) return;
    for (const [kind] of this.o.registry.recurring()) {
      await this.o.queue.enqueue(kind, {}, { uniqueKey: kind, priority: -10 });
    }
    this.running = true;
    this.unsubscribe = this.o.queue.onEnqueue(() => this.wake());
    this.loop = this.run();
  }

  /** Stops claiming, then waits up to `graceMs` for running jobs before aborting them (their leases lapse and another worker retries them). */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.wake();
    await this.loop;
    if (this.active.size > 0) {
      const timer = setTimeout(() => this.active.forEach((c) => c.abort(new Error('worker shutting down'))), graceMs);
      await new Promise<void>((resolve) => this.idle.push(resolve));
      clearTimeout(timer);
    }
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed: ClaimedJob | undefined;
      if (this.active.size < this.o.concurrency) {
        try {
          claimed = await this.o.queue.claim(this.o.owner, this.o.leaseMs, this.o.registry.kinds);
        } catch (err) {
          this.o.log.error({ err }, 'job claim failed');
        }
      }
      if (claimed) {
        void this.execute(claimed);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.o.pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async execute(job: ClaimedJob): Promise<void> {
    const controller = new AbortController();
    this.active.set(job.id, controller);
    const log = this.o.log.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    const handler = this.o.registry.get(job.kind);
    const renewEvery = Math.max(100, Math.floor(this.o.leaseMs / 3));
    const renewal = setInterval(() => {
      this.o.queue.renew(job.id, this.o.owner, this.o.leaseMs).then(
        (until) => {
          if (until === undefined) controller.abort(new Error('lease lost'));
        },
        (err) => log.warn({ err }, 'lease renewal failed'),
      );
    }, renewEvery);
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      if (job.attempts > job.maxAttempts) {
        // Its workers kept dying mid-run: do not run it again.
        throw new GiveUp(`gave up after ${job.maxAttempts} attempts whose workers stopped before finishing`);
      }
      await handler.run(job.payload, { jobId: job.id, attempt: job.attempts, signal: controller.signal });
      const done = handler.everyMs
        ? await this.o.queue.reschedule(job.id, this.o.owner, Date.now() + handler.everyMs)
        : await this.o.queue.complete(job.id, this.o.owner);
      if (!done) log.warn('job finished after its lease was lost');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const interrupted = controller.signal.aborted && !(err instanceof GiveUp);
      const final = err instanceof GiveUp || err instanceof PermanentJobError || !handler || job.attempts >= job.maxAttempts;
      if (interrupted) {
        // Shutting down or lease lost: hand the job back at once (a no-op if another worker owns it now).
        log.info({ reason: String(controller.signal.reason) }, 'job interrupted; it will run again');
        await this.o.queue.fail(job.id, this.o.owner, `interrupted: ${message}`, Date.now()).catch(() => undefined);
      } else if (final && handler?.everyMs) {
        log.error({ err }, 'recurring job failed; it runs again at its next turn');
        await this.o.queue.reschedule(job.id, this.o.owner, Date.now() + handler.everyMs);
      } else if (final) {
        log.error({ err }, 'job failed for good');
        if (await this.o.queue.fail(job.id, this.o.owner, message)) {
          await handler?.onGiveUp?.(job.payload, message).catch((e: unknown) => log.error({ err: e }, 'onGiveUp failed'));
        }
      } else {
        const backoff = Math.min(MAX_BACKOFF_MS, (this.o.retryBaseMs ?? 1000) * 2 ** (job.attempts - 1));
        log.warn({ err, retryInMs: backoff }, 'job failed; will retry');
        await this.o.queue.fail(job.id, this.o.owner, message, Date.now() + backoff);
      }
    } finally {
      clearInterval(renewal);
      this.active.delete(job.id);
      if (this.active.size === 0) this.idle.splice(0).forEach((r) => r());
      this.wake();
    }
  }
}

/** Thrown by a handler when retrying cannot help (the subject is gone, the input is invalid). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

class GiveUp extends Error {}
