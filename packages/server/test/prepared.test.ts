// Prepared statements (store/prepared.ts) on a real database: compiled once, every call binds its
// own values (inside and outside transactions), constants stay put, and a placeholder that is not
// used as a plain value is refused instead of silently baked into the SQL.
import fs from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/db.js';
import { prepare } from '../src/store/prepared.js';
import { createTestDatabase, describeEachDialect, tempDir, type TestDatabase } from './support/dialects.js';

describeEachDialect('prepared statements', (dialect) => {
  let dir: string;
  let database: TestDatabase;
  let store: Store;
  // The test's table is not in the schema's types.
  const untyped = (db: unknown) => db as Kysely<any>;

  beforeAll(async () => {
    dir = tempDir();
    database = await createTestDatabase(dialect, dir);
    store = await openStore(database.config);
    await sql`create table ps_rows (id text primary key, n integer not null, label text, kind text not null)`.execute(store.db);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insertRow = prepare(['id', 'n', 'label'], (db, p: { id: string; n: number; label: string | null }) =>
    untyped(db).insertInto('ps_rows').values({ id: p.id, n: p.n, label: p.label, kind: 'fixed' }),
  );
  const bump = prepare(['id', 'by'], (db, p: { id: string; by: number }) =>
    untyped(db)
      .updateTable('ps_rows')
      .set((eb) => ({ n: eb('n', '+', p.by) }))
      .where('id', '=', p.id),
  );
  const byId = prepare(['id'], (db, p: { id: string }) => untyped(db).selectFrom('ps_rows').selectAll().where('id', '=', p.id));

  it('binds each call’s values to the statement compiled on first use, in and out of transactions', async () => {
    await insertRow(store.db, { id: 'a', n: 1, label: 'first' });
    await store.db.transaction().execute(async (trx) => {
      await insertRow(trx, { id: 'b', n: 2, label: null });
      expect(Number((await bump(trx, { id: 'b', by: 40 })).numAffectedRows)).toBe(1);
    });
    expect(Number((await bump(store.db, { id: 'missing', by: 1 })).numAffectedRows)).toBe(0);
    const rows = [...(await byId(store.db, { id: 'a' })).rows, ...(await byId(store.db, { id: 'b' })).rows];
    expect(rows.map((r) => ({ ...r, n: Number(r.n) }))).toEqual([
      { id: 'a', n: 1, label: 'first', kind: 'fixed' },
      { id: 'b', n: 42, label: null, kind: 'fixed' },
    ]);
  });

  it('refuses a placeholder the query computes with or never binds', async () => {
    const computed = prepare(['n'], (db, p: { n: number }) => untyped(db).selectFrom('ps_rows').selectAll().where('n', '=', `${p.n}1`));
    await expect(computed(store.db, { n: 1 })).rejects.toThrow(/placeholders n not bound as values/);
    const unused = prepare(['id', 'n'], (db, p: { id: string; n: number }) => untyped(db).selectFrom('ps_rows').selectAll().where('id', '=', p.id));
    await expect(unused(store.db, { id: 'a', n: 1 })).rejects.toThrow(/placeholders n not bound as values/);
  });
});
