// A durable job queue in the database. A job is claimed atomically with a lease; a worker that dies
// stops renewing its lease, and once the lease expires any worker may claim the job again. Handlers
// must therefore be idempotent.
import { sql, type Transaction } from 'kysely';
import type { Db, Dialect } from '../store/db.js';
import type { Database, JobsTable } from '../store/schema.js';
import { newId } from '../domain/ids.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface EnqueueOptions {
  /** When the job may start (ms since epoch); default now. */
  runAt?: number;
  /** Higher runs first; default 0. Background chores use negative priorities. */
  priority?: number;
  maxAttempts?: number;
  /** A job with this key already in the table makes the enqueue a no-op. */
  uniqueKey?: string;
}

export interface ClaimedJob {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  leaseExpiresAt: number;
}

export type Clock = () => number;

export class JobQueue {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
    private readonly clock: Clock = Date.now,
  ) {}

  /** Adds a job; pass `trx` to make it part of a larger transaction (then call notify() after commit). */
  async enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}, trx?: Transaction<Database>): Promise<string> {
    const now = this.clock();
    const id = newId();
    await (trx ?? this.db)
      .insertInto('jobs')
      .values({
        id,
        kind,
        payload: JSON.stringify(payload ?? null),
        status: 'queued',
        priority: options.priority ?? 0,
        run_at: options.runAt ?? now,
        attempts: 0,
        max_attempts: options.maxAttempts ?? 5,
        lease_owner: null,
        lease_expires_at: null,
        last_error: null,
        unique_key: options.uniqueKey ?? null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('unique_key').doNothing())
      .execute();
    // Inside a transaction the job is invisible until commit: the caller calls notify() after it.
    if (!trx) this.notify();
    return id;
  }

  /** Called when a job is enqueued in this process, so local workers need not wait for their next poll. */
  onEnqueue(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const l of this.listeners) l();
  }

  /**
   * Atomically takes the most urgent runnable job: a queued job whose time has come, or a running
   * job whose lease expired (its worker died). PostgreSQL skips rows other claimers hold; SQLite
   * serializes writers, so the single UPDATE is atomic there too.
   */
  async claim(owner: string, leaseMs: number, kinds?: readonly string[]): Promise<ClaimedJob | undefined> {
    const now = this.clock();
    const row = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        lease_owner: owner,
        lease_expires_at: now + leaseMs,
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', (eb) => {
        let q = eb
          .selectFrom('jobs')
          .select('id')
          .where((w) =>
            w.or([
              w.and([w('status', '=', 'queued'), w('run_at', '<=', now)]),
              w.and([w('status', '=', 'running'), w('lease_expires_at', '<', now)]),
            ]),
          );
        if (kinds) q = q.where('kind', 'in', kinds);
        q = q.orderBy('priority', 'desc').orderBy('run_at').limit(1);
        return this.dialect === 'postgres' ? q.forUpdate().skipLocked() : q;
      })
      .returningAll()
      .executeTakeFirst();
    return row ? toClaimed(row) : undefined;
  }

  /** Extends the lease of a job this owner still holds; false when the lease was lost. */
  async renew(id: string, owner: string, leaseMs: number): Promise<number | undefined> {
    const now = this.clock();
    const until = now + leaseMs;
    const r = await this.db
      .updateTable('jobs')
      .set({ lease_expires_at: until, updated_at: now })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? until : undefined;
  }

  async complete(id: string, owner: string): Promise<boolean> {
    return this.finish(id, owner, { status: 'done', last_error: null });
  }

  /** Puts a finished recurring job back in the queue for its next run. */
  async reschedule(id: string, owner: string, runAt: number): Promise<boolean> {
    return this.finish(id, owner, { status: 'queued', last_error: null, attempts: 0, run_at: runAt });
  }

  /** Records a failure: back to the queue at `retryAt`, or failed for good when `retryAt` is undefined. */
  async fail(id: string, owner: string, error: string, retryAt?: number): Promise<boolean> {
    return this.finish(
      id,
      owner,
      retryAt === undefined
        ? { status: 'failed', last_error: error }
        : { status: 'queued', last_error: error, run_at: retryAt },
    );
  }

  private async finish(id: string, owner: string, set: Partial<JobsTable>): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ ...set, lease_owner: null, lease_expires_at: null, updated_at: this.clock() })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async get(id: string): Promise<{ id: string; kind: string; status: JobStatus; attempts: number; lastError: string | null } | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, kind: row.kind, status: row.status as JobStatus, attempts: row.attempts, lastError: row.last_error };
  }

  /** Jobs waiting or running, per kind and status (for /metrics). */
  async depth(): Promise<Array<{ kind: string; status: string; count: number }>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['kind', 'status', sql<number>`count(*)`.as('count')])
      .where('status', 'in', ['queued', 'running'])
      .groupBy(['kind', 'status'])
      .execute();
    return rows.map((r) => ({ kind: r.kind, status: r.status, count: Number(r.count) }));
  }

  /** Removes finished jobs older than `olderThanMs` so the table stays small. */
  async prune(olderThanMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom('jobs')
      .where('status', 'in', ['done', 'failed'])
      .where('updated_at', '<', this.clock() - olderThanMs)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function toClaimed(row: JobsTable): ClaimedJob {
  return {
    id: row.id,
    kind: row.kind,
    payload: JSON.parse(row.payload),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    leaseExpiresAt: row.lease_expires_at ?? 0,
  };
}
