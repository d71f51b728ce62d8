// Statements compiled once per dialect. Kysely rebuilds and recompiles a query on every call, which
// on an upload's hot path costs as much CPU as SQLite takes to run it (a file's transaction runs
// about nine statements). A prepared statement is built once with placeholder values, compiled,
// and then every call binds the caller's values into the same SQL text.
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Trx } from './commit-queue.js';
import type { Db } from './db.js';

type Params = Record<string, unknown>;
type Slot = { param: string } | { constant: unknown };

interface Compiled {
  query: CompiledQuery;
  slots: Slot[];
}

const marker = (name: string) => `\u0000vireo:${name}\u0000`;

/**
 * `build` gets one placeholder per name of `params` and must pass each only as a value (in
 * `where`, `set`, `values`, or a `sql` template's interpolation) — never compute with it or let it
 * choose the query's shape. Values written in `build` itself stay constant.
 */
export function prepare<P extends Params, R>(params: readonly (keyof P & string)[], build: (db: Db | Trx, p: P) => Compilable<R>) {
  // Keyed by the dialect's adapter: a transaction shares its database's.
  const cache = new WeakMap<object, Compiled>();
  const compile = (db: Db | Trx): Compiled => {
    const placeholders = Object.fromEntries(params.map((name) => [name, marker(name)])) as unknown as P;
    const query = build(db, placeholders).compile();
    const slots = query.parameters.map((value): Slot => {
      const name = params.find((n) => value === marker(n));
      return name === undefined ? { constant: value } : { param: name };
    });
    const unused = params.filter((n) => !slots.some((s) => 'param' in s && s.param === n));
    if (unused.length > 0 || query.sql.includes('\u0000')) {
      throw new Error(`prepared statement "${query.sql}": placeholders ${unused.join(', ') || 'inlined into the SQL'} not bound as values`);
    }
    return { query, slots };
  };
  return async (db: Db | Trx, values: P): Promise<QueryResult<R>> => {
    const adapter = db.getExecutor().adapter;
    let compiled = cache.get(adapter);
    if (!compiled) cache.set(adapter, (compiled = compile(db)));
    const { query, slots } = compiled;
    const parameters = slots.map((s) => ('param' in s ? values[s.param] : s.constant));
    return db.executeQuery<R>({ ...query, parameters });
  };
}
