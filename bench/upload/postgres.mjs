// `--database=postgres`: the Vireo server on PostgreSQL (DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test) in a schema of its own, dropped afterwards.
import crypto from 'node:crypto';
import pg from 'pg';

export async function postgresDatabase() {
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
  return {
    env: { DATABASE_URL: url, VIREO_DATABASE_SCHEMA: schema },
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
