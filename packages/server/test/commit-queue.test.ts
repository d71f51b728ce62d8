// Group commit (store/commit-queue.ts) on a real database: operations submitted together share one
// transaction and learn their own results; on PostgreSQL, batches run in parallel and a deadlock
// between them is retried instead of failing an upload.
import fs from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CommitQueue } from '../src/store/commit-queue.js';
import { openStore, type Store } from '../src/store/db.js';
import { createTestDatabase, describeEachDialect, tempDir, type TestDatabase } from './support/dialects.js';

describeEachDialect('group commit', (dialect) => {
  let dir: string;
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    dir = tempDir();
    database = await createTestDatabase(dialect, dir);
    store = await openStore(database.config);
    await sql`create table cq_rows (id text primary key, n integer not null)`.execute(store.db);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insert = (id: string) => async (trx: Parameters<Parameters<CommitQueue['run']>[0]>[0]) => {
    await sql`insert into cq_rows (id, n) values (${id}, 0)`.execute(trx);
    return id;
  };
  const rows = async (prefix: string) =>
    (await sql<{ id: string; n: number }>`select id, n from cq_rows where id like ${`${prefix}%`} order by id`.execute(store.db)).rows.map((r) => ({ id: r.id, n: Number(r.n) }));

  it('runs operations submitted together in one transaction; a failing one is rolled back and rejects alone', async () => {
    const queue = new CommitQueue(store.db);
    const ids = Array.from({ length: 50 }, (_, i) => `g${String(i).padStart(2, '0')}`);
    const results = ids.map((id) =>
      queue.run(async (trx) => {
        const value = await insert(id)(trx);
        if (id === 'g17') throw new Error('g17 refuses');
        return value;
      }),
    );
    const settled = await Promise.allSettled(results);
    expect(queue.stats).toEqual({ batches: 1, operations: 50 });
    expect(settled[17]).toEqual({ status: 'rejected', reason: new Error('g17 refuses') });
    expect(settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<string>).value)).toEqual(ids.filter((id) => id !== 'g17'));
    expect((await rows('g')).map((r) => r.id)).toEqual(ids.filter((id) => id !== 'g17'));
  });

  it('runs each operation of a batch once when none fails', async () => {
    const queue = new CommitQueue(store.db);
    const runs = new Map<string, number>();
    const ids = Array.from({ length: 20 }, (_, i) => `o${String(i).padStart(2, '0')}`);
    const results = ids.map((id) =>
      queue.run(async (trx) => {
        runs.set(id, (runs.get(id) ?? 0) + 1);
        return insert(id)(trx);
      }),
    );
    expect(await Promise.all(results)).toEqual(ids);
    expect(queue.stats).toEqual({ batches: 1, operations: 20 });
    expect([...runs.values()]).toEqual(ids.map(() => 1));
    expect((await rows('o')).map((r) => r.id)).toEqual(ids);
  });

  it('commits operations submitted while a batch runs in a later batch', async () => {
    const queue = new CommitQueue(store.db);
    const first = queue.run(insert('l1'));
    const second = first.then(() => queue.run(insert('l2')));
    expect(await Promise.all([first, second])).toEqual(['l1', 'l2']);
    expect(queue.stats).toEqual({ batches: 2, operations: 2 });
    expect(await rows('l')).toEqual([
      { id: 'l1', n: 0 },
      { id: 'l2', n: 0 },
    ]);
  });

  if (dialect === 'postgres') {
    it('runs batches in parallel on PostgreSQL and retries the one PostgreSQL aborts in a deadlock', async () => {
      await store.db.transaction().execute(async (trx) => {
        await insert('d1')(trx);
        await insert('d2')(trx);
      });
      const queue = new CommitQueue(store.db, { parallel: 2 });
      const bump = (id: string) => (trx: Parameters<Parameters<CommitQueue['run']>[0]>[0]) => sql`update cq_rows set n = n + 1 where id = ${id}`.execute(trx);
      let attempts = 0;
      let aHolds!: () => void;
      let bHolds!: () => void;
      const aReady = new Promise<void>((r) => (aHolds = r));
      const bReady = new Promise<void>((r) => (bHolds = r));
      // A locks d1 then wants d2; B locks d2 then wants d1: a deadlock only parallel batches can have.
      const a = queue.run(async (trx) => {
        attempts++;
        await bump('d1')(trx);
        aHolds();
        await bReady;
        await bump('d2')(trx);
        return 'a';
      });
      await aReady;
      const b = queue.run(async (trx) => {
        attempts++;
        await bump('d2')(trx);
        bHolds();
        await aReady;
        await bump('d1')(trx);
        return 'b';
      });
      expect(await Promise.all([a, b])).toEqual(['a', 'b']);
      expect(attempts).toBe(3); // the deadlock victim ran again
      expect(await rows('d')).toEqual([
        { id: 'd1', n: 2 },
        { id: 'd2', n: 2 },
      ]);
      expect(queue.stats).toEqual({ batches: 2, operations: 2 });
    });
  }
});
