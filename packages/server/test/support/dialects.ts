// Runs a suite on every database dialect: a real SQLite file, and a fresh schema in the real
// PostgreSQL (VIREO_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import type { DatabaseConfig } from '../../src/config.js';

export type DialectName = 'sqlite' | 'postgres';

export const POSTGRES_URL = process.env.VIREO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const postgresProblem = await probePostgres();
if (postgresProblem) {
  const banner = `\n${'!'.repeat(78)}\n!! PostgreSQL is not reachable at ${POSTGRES_URL}: ${postgresProblem}\n!! The PostgreSQL half of this suite is SKIPPED. Set VIREO_TEST_DATABASE_URL to run it.\n${'!'.repeat(78)}\n`;
  if (process.env.VIREO_TEST_REQUIRE_POSTGRES) throw new Error(banner);
  process.stderr.write(banner);
}

export const postgresAvailable = postgresProblem === undefined;

/** Declares `fn`'s tests once per dialect (PostgreSQL is skipped loudly when unreachable). */
export function describeEachDialect(name: string, fn: (dialect: DialectName) => void): void {
  describe(`${name} [sqlite]`, () => fn('sqlite'));
  describe.skipIf(!postgresAvailable)(`${name} [postgres]`, () => fn('postgres'));
}

export interface TestDatabase {
  config: DatabaseConfig;
  /** The environment variables that point a server at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export function tempDir(prefix = 'vireo-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A new empty database: a SQLite file in `dir`, or a new PostgreSQL schema. */
export async function createTestDatabase(dialect: DialectName, dir: string): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const file = path.join(dir, 'vireo.db');
    return {
      config: { dialect, url: file, schema: 'public', poolSize: 10 },
      env: { DATABASE_URL: `sqlite:${file}` },
      drop: async () => undefined,
    };
  }
  const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
  return {
    config: { dialect, url: POSTGRES_URL, schema, poolSize: 10 },
    env: { DATABASE_URL: POSTGRES_URL, VIREO_DATABASE_SCHEMA: schema },
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
