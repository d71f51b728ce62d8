// Group commit: many small writes (one per uploaded file) share one transaction, so the cost of a
// commit is paid once per batch instead of once per file. An operation submitted while a batch is
// committing waits for the next batch; each caller learns its own operation's result after the
// batch that holds it has committed. One operation that throws is rolled back alone and rejects
// alone: the batch first runs its operations back to back; if one throws, that attempt is rolled
// back and the batch runs again with a savepoint around each operation. Operations must therefore
// be safe to run again (as they must anyway: PostgreSQL may abort a batch in a deadlock).
//
// better-sqlite3 runs a whole batch synchronously, so nothing can join a batch while it commits:
// a batch starts only after the I/O callbacks that are ready now have run (setImmediate), which
// lets the operations of concurrent uploads that become ready together share one commit. On
// PostgreSQL several batches may be in flight (`parallel`).
import { CompiledQuery, type Transaction } from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';

export type Trx = Transaction<Database>;
export type CommitOp<T> = (trx: Trx) => Promise<T>;

interface Pending {
  op: CommitOp<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface CommitQueueOptions {
  /** Operations per transaction at most. */
  maxBatch?: number;
  /**
   * Transactions in flight at once. SQLite has one writer: 1. PostgreSQL commits over the network,
   * so a single queue would leave the server waiting on round trips; several batches run at once
   * on separate connections (row locks order them, as between several server processes).
   */
  parallel?: number;
}

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply be retried. */
const RETRYABLE = new Set(['40P01', '40001']);
const isRetryable = (err: unknown) => RETRYABLE.has((err as { code?: string } | null)?.code ?? '');
const ATTEMPTS = 3;

// Run around every operation of a batch: compiled once.
const SAVEPOINT = CompiledQuery.raw('savepoint op');
const RELEASE = CompiledQuery.raw('release savepoint op');
const ROLLBACK = CompiledQuery.raw('rollback to savepoint op');

export class CommitQueue {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly parallel: number;
  /** Batches committed and operations they carried (for metrics and tests). */
  readonly stats = { batches: 0, operations: 0 };

  constructor(
    private readonly db: Db,
    options: CommitQueueOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 512;
    this.parallel = Math.max(1, options.parallel ?? 1);
  }

  /** Runs `op` in the next batch's transaction; resolves once that batch has committed. */
  run<T>(op: CommitOp<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.parallel || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.parallel && this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.inFlight++;
        void this.commit(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  private async commit(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    let isolate = false;
    let attempt = 1;
    for (;;) {
      try {
        outcomes = await this.db.transaction().execute((trx) => (isolate ? runIsolated(trx, batch) : runTogether(trx, batch)));
        break;
      } catch (err) {
        if (err instanceof OperationFailed) {
          isolate = true; // not a failed attempt: the batch runs again, each operation on its own
          continue;
        }
        if (isRetryable(err) && attempt++ < ATTEMPTS) continue;
        // The commit itself failed: nothing of the batch happened.
        for (const p of batch) p.reject(err);
        return;
      }
    }
    this.stats.batches++;
    this.stats.operations += batch.length;
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
  }
}

/** Thrown out of a batch run back to back when one of its operations fails, to roll it all back. */
class OperationFailed extends Error {}

async function runTogether(trx: Trx, batch: Pending[]): Promise<Outcome[]> {
  if (batch.length === 1) {
    // Alone in its batch: an error rolls back the transaction and rejects (or retries) it.
    return [{ ok: true, value: await batch[0]!.op(trx) }];
  }
  const outcomes: Outcome[] = [];
  for (const p of batch) {
    try {
      outcomes.push({ ok: true, value: await p.op(trx) });
    } catch {
      throw new OperationFailed();
    }
  }
  return outcomes;
}

/** Each operation inside its own savepoint: one that throws is undone alone. */
async function runIsolated(trx: Trx, batch: Pending[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const p of batch) {
    for (let attempt = 1; ; attempt++) {
      await trx.executeQuery(SAVEPOINT);
      try {
        const value = await p.op(trx);
        await trx.executeQuery(RELEASE);
        outcomes.push({ ok: true, value });
        break;
      } catch (error) {
        await trx.executeQuery(ROLLBACK);
        await trx.executeQuery(RELEASE);
        // A deadlock with another transaction: rolling back to the savepoint released this
        // operation's locks; running it again usually succeeds.
        if (isRetryable(error) && attempt < ATTEMPTS) continue;
        outcomes.push({ ok: false, error });
        break;
      }
    }
  }
  return outcomes;
}
