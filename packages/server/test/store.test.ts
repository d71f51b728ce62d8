import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openStore, type Store } from '../src/store/db.js';
import * as datasets from '../src/store/datasets.js';
import { createTestDatabase, describeEachDialect, postgresAvailable, tempDir, type TestDatabase } from './support/dialects.js';
import { insertAsset, insertAnnotation, insertDatasetRow, insertOrg } from './support/rows.js';

describeEachDialect('store', (dialect) => {
  let dir: string;
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    dir = tempDir();
    database = await createTestDatabase(dialect, dir);
    store = await openStore(database.config);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('migrates idempotently (a second run changes nothing)', async () => {
    await migrate(store.db, dialect === 'postgres' ? database.config.schema : undefined);
    const second = await openStore(database.config);
    await second.close();
    const rows = await store.db.selectFrom('organizations').selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('keeps millisecond timestamps and sizes beyond 32 bits as exact numbers', async () => {
    await insertOrg(store.db, 'org-big');
    const ds = await insertDatasetRow(store.db, 'org-big', 'dsbig');
    await insertAsset(store.db, ds, 'a-big', 'big.png', { size: 5_000_000_000, created_at: 1_717_000_000_123 });
    const row = await store.db.selectFrom('assets').selectAll().where('id', '=', 'a-big').executeTakeFirstOrThrow();
    expect(row.size).toBe(5_000_000_000);
    expect(row.created_at).toBe(1_717_000_000_123);
    expect(typeof row.crc32c).toBe('number');
  });

  it('computes statistics from the rows of each dataset', async () => {
    await insertOrg(store.db, 'org-s');
    const a = await insertDatasetRow(store.db, 'org-s', 'dsa');
    const b = await insertDatasetRow(store.db, 'org-s', 'dsb');
    for (const n of [1, 2, 3]) await insertAsset(store.db, a, `a${n}`, `${n}.png`);
    await insertAsset(store.db, b, 'b1', 'x.png');
    await insertAnnotation(store.db, a, 'a1', 'n1', 'cat');
    await insertAnnotation(store.db, a, 'a1', 'n2', 'dog');
    await insertAnnotation(store.db, a, 'a2', 'n3', 'cat');
    await insertAnnotation(store.db, a, 'a2', 'n4', null);
    const stats = await datasets.datasetStatistics(store.db, [a, b, 'nothing']);
    expect(stats.get(a)).toEqual({ assetTotal: 3, annotationTotal: 4, assetAnnotated: 2, tagsCount: { cat: 2, dog: 1 } });
    expect(stats.get(b)).toEqual({ assetTotal: 1, annotationTotal: 0, assetAnnotated: 0, tagsCount: {} });
    expect(stats.get('nothing')).toEqual({ assetTotal: 0, annotationTotal: 0, assetAnnotated: 0, tagsCount: {} });
  });

  it('purges one dataset in batches and touches no other dataset', async () => {
    await insertOrg(store.db, 'org-p');
    const gone = await insertDatasetRow(store.db, 'org-p', 'dsgone');
    const kept = await insertDatasetRow(store.db, 'org-p', 'dskept');
    for (let i = 0; i < 7; i++) {
      await insertAsset(store.db, gone, `g${i}`, `${i}.png`, { sha256: i < 2 ? 'shared' : `sha-g${i}` });
      await insertAnnotation(store.db, gone, `g${i}`, `gn${i}`, 'cat');
      await insertAsset(store.db, kept, `k${i}`, `${i}.png`, { sha256: i < 2 ? 'shared' : `sha-k${i}` });
      await insertAnnotation(store.db, kept, `k${i}`, `kn${i}`, 'cat');
    }
    const released: string[] = [];
    for (;;) {
      const r = await datasets.purgeDatasetContents(store.db, gone, 3, Date.now());
      released.push(...r.blobs);
      if (r.deleted === 0) break;
    }
    expect(new Set(released)).toEqual(new Set(['shared', 'sha-g2', 'sha-g3', 'sha-g4', 'sha-g5', 'sha-g6']));
    const stats = await datasets.datasetStatistics(store.db, [gone, kept]);
    expect(stats.get(gone)).toMatchObject({ assetTotal: 0, annotationTotal: 0 });
    expect(stats.get(kept)).toMatchObject({ assetTotal: 7, annotationTotal: 7 });
  });
});

describe.skipIf(!postgresAvailable)('store on a shared PostgreSQL database', () => {
  it('looks only at its own schema when migrating, whatever other schemas hold or drop', async () => {
    // Kysely's introspector read every schema and failed ("schema … does not exist") whenever
    // another one was dropped meanwhile.
    const dir = tempDir();
    const [mine, other] = [await createTestDatabase('postgres', dir), await createTestDatabase('postgres', dir)];
    const store = await openStore(mine.config);
    const neighbour = await openStore(other.config);
    try {
      const tables = await store.db.introspection.getTables();
      expect(tables.map((t) => t.name)).toContain('assets');
      expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([mine.config.schema]));
      await neighbour.close();
      await Promise.all([other.drop(), migrate(store.db, mine.config.schema)]);
    } finally {
      await store.close();
      await mine.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
