// Group commit: many small writes (one per uploaded file) share one transaction, so the cost of a
// commit is paid once per batch instead of once per file. An operation submitted while a batch is
// committing waits for the next batch; each caller learns its own operation's result after the
// batch that holds it has committed. Operations are isolated by savepoints: one that throws is
// rolled back alone and rejects alone.
//
// better-sqlite3 runs a whole batch synchronously, so nothing can join a batch while it commits:
// a batch starts only after the I/O callbacks that are ready now have run (setImmediate), which
// lets the operations of concurrent uploads that become ready together share one commit.
import { sql, type Transaction } from 'kysely';
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

export class CommitQueue {
  private queue: Pending[] = [];
  private draining = false;
  /** Batches committed and operations they carried (for metrics and tests). */
  readonly stats = { batches: 0, operations: 0 };

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 512,
  ) {}

  /** Runs `op` in the next batch's transaction; resolves once that batch has committed. */
  run<T>(op: CommitOp<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        let outcomes: Outcome[];
        try {
          outcomes = await this.db.transaction().execute((trx) => runBatch(trx, batch));
        } catch (err) {
          // The commit itself failed: nothing of the batch happened.
          for (const p of batch) p.reject(err);
          continue;
        }
        this.stats.batches++;
        this.stats.operations += batch.length;
        batch.forEach((p, i) => {
          const o = outcomes[i]!;
          if (o.ok) p.resolve(o.value);
          else p.reject(o.error);
        });
      }
    } finally {
      this.draining = false;
    }
  }
}

async function runBatch(trx: Trx, batch: Pending[]): Promise<Outcome[]> {
  if (batch.length === 1) {
    // Alone in its batch: no savepoint needed; an error rolls back the transaction and rejects it.
    return [{ ok: true, value: await batch[0]!.op(trx) }];
  }
  const outcomes: Outcome[] = [];
  for (const p of batch) {
    await sql`savepoint op`.execute(trx);
    try {
      const value = await p.op(trx);
      await sql`release savepoint op`.execute(trx);
      outcomes.push({ ok: true, value });
    } catch (error) {
      await sql`rollback to savepoint op`.execute(trx);
      await sql`release savepoint op`.execute(trx);
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}
