// Opens the database (SQLite via better-sqlite3, or PostgreSQL via pg) behind one Kysely API and
// brings its schema up to date.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  CompiledQuery,
  type DatabaseConnection,
  type SqliteDialectConfig,
  type DatabaseIntrospector,
  type MigrationProvider,
  type PostgresDialectConfig,
  type SqliteDatabase,
  type TableMetadata,
} from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type Dialect = DatabaseConfig['dialect'];
export type Db = Kysely<Database>;

export interface Store {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export async function openStore(config: DatabaseConfig): Promise<Store> {
  const store = config.dialect === 'sqlite' ? openSqlite(config.url) : await openPostgres(config);
  try {
    await migrate(store.db, config.dialect === 'postgres' ? config.schema : undefined);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

function openSqlite(file: string): Store {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const database = new SQLite(file);
  // WAL lets readers run beside the writer; NORMAL keeps every commit across a process crash
  // (not across power loss, see docs/configuration.md).
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate');

/**
 * Transactions take SQLite's write lock when they begin, not at their first write. Several server
 * processes may share one database file (`vireo serve --processes`): a transaction that read first
 * could then find another process's commit newer than its snapshot and fail at once (SQLITE_BUSY,
 * which waiting cannot cure); taking the lock up front makes it wait its turn (busy_timeout).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(BEGIN_IMMEDIATE);
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver() {
    return new ImmediateSqliteDriver(this.settings);
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query it runs; compiling the same SQL again costs more than running it
 * (a file upload runs a dozen small statements). Keeps the most recent prepared statements by SQL
 * text. A statement still being iterated (a streamed result) is busy and not shared.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      const cached = cache.get(text);
      if (cached && !cached.busy) {
        cache.delete(text); // Map order doubles as recency
        cache.set(text, cached);
        return cached;
      }
      const statement = database.prepare(text);
      if (!cached) {
        cache.set(text, statement);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}

async function openPostgres(config: DatabaseConfig): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    options: `-c search_path=${config.schema}`,
    // bigint columns hold milliseconds and sizes, all far below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID || oid === NUMERIC_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {
    /* an idle client lost its connection; the pool replaces it */
  });
  const db = new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }, config.schema) });
  try {
    if (config.schema !== 'public') await sql`create schema if not exists ${sql.id(config.schema)}`.execute(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/**
 * Kysely's PostgreSQL introspector reads every table of every schema; the migrator only needs to
 * know about ours. Reading the others is slow on a shared database and fails outright when another
 * schema is dropped meanwhile ("schema … does not exist" from pg_get_serial_sequence).
 */
class SchemaScopedPostgresDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly schema: string,
  ) {
    super(config);
  }

  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    const schema = this.schema;
    const getTables = async (): Promise<TableMetadata[]> => {
      const { rows } = await sql<{ name: string; type: string }>`
        select table_name as name, table_type as type from information_schema.tables where table_schema = ${schema}`.execute(db);
      return rows.map((r) => ({ name: r.name, schema, isView: r.type === 'VIEW', columns: [] }));
    };
    return {
      getSchemas: async () => {
        const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
        return rows;
      },
      getTables,
      getMetadata: async () => ({ tables: await getTables() }),
    };
  }
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Applies pending migrations; safe when several processes start at once (Kysely takes a lock).
 * On PostgreSQL the schema must be named: Kysely otherwise finds its bookkeeping tables in any schema.
 */
export async function migrate(db: Db, schema?: string): Promise<void> {
  const { error, results } = await new Migrator({ db, provider, migrationTableSchema: schema }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
}
