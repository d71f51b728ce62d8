// Condition tree -> a Kysely predicate over `assets`, for SQLite or PostgreSQL. Every value and
// every custom-metadata key from the user is a bound parameter; only fixed SQL (column names,
// operators from a closed set) is ever written into the statement text.
//
// Custom metadata (JSON text) is compared by JSON type: a number never equals a string.
//   SQLite:     json_each(custom_metadata), matched on its `key` column (so any key works, no JSON
//               path is built from user text), typed by its `type` column.
//   PostgreSQL: custom_metadata::jsonb -> key, compared as jsonb (type-aware) or, for string order,
//               as text in the "C" collation (byte order, the same as SQLite's BINARY).
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { Dialect } from '../store/db.js';
import type { Database } from '../store/schema.js';
import type { TextOp } from './ast.js';
import type { AnnotationCountField, ColumnField, CustomField } from './fields.js';
import type { Cond, OrderOp, Scalar } from './plan.js';

export type AssetsExpressionBuilder = ExpressionBuilder<Database, 'assets'>;
type Atom = Exclude<Cond, { t: 'and' | 'or' | 'not' | 'const' }>;
type Op = '=' | OrderOp;

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

export function toSql(cond: Cond, eb: AssetsExpressionBuilder, dialect: Dialect): Expression<SqlBool> {
  switch (cond.t) {
    case 'and':
      return eb.and(cond.items.map((c) => toSql(c, eb, dialect)));
    case 'or':
      return eb.or(cond.items.map((c) => toSql(c, eb, dialect)));
    case 'not':
      return eb.not(sql<SqlBool>`(${toSql(cond.cond, eb, dialect)})`);
    case 'const':
      return cond.value ? TRUE : FALSE;
  }
  switch (cond.field.kind) {
    case 'column':
      return columnAtom(cond, cond.field, dialect);
    case 'annotations':
      return annotationAtom(cond, cond.field, eb, dialect);
    case 'custom':
      return dialect === 'postgres' ? customAtomPostgres(cond, cond.field) : customAtomSqlite(cond, cond.field);
  }
}

// ---- built-in columns -----------------------------------------------------------------------------

function columnAtom(cond: Atom, field: ColumnField, dialect: Dialect): RawBuilder<SqlBool> {
  const ref = sql.ref(`assets.${field.column}`);
  const target = field.caseInsensitive ? sql`lower(${ref})` : ref;
  let out: RawBuilder<SqlBool>;
  switch (cond.t) {
    case 'null':
      return sql<SqlBool>`${ref} is null`;
    case 'cmp':
      out = compare(target, cond.op, cond.value, dialect);
      break;
    case 'in':
      out = sql<SqlBool>`${target} in (${sql.join(cond.values.map((v) => param(v, dialect)))})`;
      break;
    case 'text':
      out = textMatch(target, cond.op, cond.value, dialect);
      break;
  }
  // A null column must make the comparison false, not unknown, or `not` would drop the row too.
  return field.nullable ? sql<SqlBool>`(${ref} is not null and ${out})` : out;
}

// ---- annotation counts ----------------------------------------------------------------------------

function annotationAtom(cond: Atom, field: AnnotationCountField, eb: AssetsExpressionBuilder, dialect: Dialect): RawBuilder<SqlBool> {
  let rows = eb.selectFrom('annotations').whereRef('annotations.asset_id', '=', 'assets.id');
  if (field.tag !== undefined) rows = rows.where('annotations.tag', '=', field.tag);
  const count = rows.select((e) => e.fn.countAll().as('n'));
  // "none" and "at least one" need no count: (not) exists lets the database stop at the first row,
  // or turn the whole test into one (anti-)join.
  const any = eb.exists(rows.select(sql.lit(1).as('one')));
  switch (cond.t) {
    case 'null': // only withTag.<tag>: absent from the Asset's `withTag` map when there is none
      return sql<SqlBool>`not ${any}`;
    case 'cmp': {
      const zero = zeroTest(cond.op, cond.value);
      if (zero) return zero === 'some' ? sql<SqlBool>`${any}` : sql<SqlBool>`not ${any}`;
      return compare(count, cond.op, cond.value, dialect);
    }
    case 'in':
      return sql<SqlBool>`${count} in (${sql.join(cond.values.map((v) => param(v, dialect)))})`;
    case 'text':
      return FALSE; // the planner refuses text operators on numbers
  }
}

/** Whether `count <op> v` over whole counts means "no rows" or "some rows"; undefined otherwise. */
function zeroTest(op: Op, v: Scalar): 'none' | 'some' | undefined {
  if (typeof v !== 'number') return undefined;
  const test = (c: number) => (op === '=' ? c === v : op === '<' ? c < v : op === '<=' ? c <= v : op === '>' ? c > v : c >= v);
  // Every comparison is monotonic in c except `=`, so checking 0, 1 and 2 settles it (`= 1` is neither).
  const [zero, one, two] = [test(0), test(1), test(2)];
  if (one !== two) return undefined;
  if (zero && !one) return 'none';
  if (!zero && one) return 'some';
  return undefined;
}

// ---- custom metadata: SQLite ----------------------------------------------------------------------

const SQLITE_TYPE = {
  string: sql`j."type" = 'text'`,
  number: sql`j."type" in ('integer', 'real')`,
};

function customAtomSqlite(cond: Atom, field: CustomField): RawBuilder<SqlBool> {
  const doc = sql.ref('assets.custom_metadata');
  const entry = (test: RawBuilder<unknown>) => sql<SqlBool>`exists (select 1 from json_each(${doc}) as j where j."key" = ${field.key} and ${test})`;
  const atom = sql`j."atom"`;
  switch (cond.t) {
    case 'null':
      return sql<SqlBool>`not ${entry(sql`j."type" <> 'null'`)}`;
    case 'cmp': {
      const v = cond.value;
      if (typeof v === 'boolean') return entry(sql`j."type" = ${v ? 'true' : 'false'}`);
      return entry(sql`${SQLITE_TYPE[typeof v === 'string' ? 'string' : 'number']} and ${atom} ${sql.raw(cond.op)} ${v}`);
    }
    case 'in': {
      const { strings, numbers, booleans } = byType(cond.values);
      const alternatives: RawBuilder<unknown>[] = [];
      if (strings.length) alternatives.push(sql`(${SQLITE_TYPE.string} and ${atom} in (${sql.join(strings)}))`);
      if (numbers.length) alternatives.push(sql`(${SQLITE_TYPE.number} and ${atom} in (${sql.join(numbers)}))`);
      if (booleans.length) alternatives.push(sql`j."type" in (${sql.join(booleans.map((b) => (b ? 'true' : 'false')))})`);
      return entry(sql`(${sql.join(alternatives, sql` or `)})`);
    }
    case 'text':
      return entry(sql`${SQLITE_TYPE.string} and ${textMatch(atom, cond.op, cond.value, 'sqlite')}`);
  }
}

// ---- custom metadata: PostgreSQL ------------------------------------------------------------------

function customAtomPostgres(cond: Atom, field: CustomField): RawBuilder<SqlBool> {
  const doc = sql`${sql.ref('assets.custom_metadata')}::jsonb`;
  const value = sql`(${doc} -> cast(${field.key} as text))`;
  const text = sql`(${doc} ->> cast(${field.key} as text))`;
  const json = (v: Scalar) => sql`cast(${JSON.stringify(v)} as jsonb)`;
  // `->` gives SQL null for a missing key; coalesce keeps every atom true or false.
  const definite = (test: RawBuilder<unknown>, whenAbsent = false) => sql<SqlBool>`coalesce(${test}, ${sql.raw(whenAbsent ? 'true' : 'false')})`;
  switch (cond.t) {
    case 'null':
      return definite(sql`jsonb_typeof(${value}) = 'null'`, true);
    case 'cmp': {
      const v = cond.value;
      if (cond.op === '=') return definite(sql`${value} = ${json(v)}`);
      if (typeof v === 'string') return definite(sql`jsonb_typeof(${value}) = 'string' and ${text} collate "C" ${sql.raw(cond.op)} ${v}`);
      return definite(sql`jsonb_typeof(${value}) = 'number' and ${value} ${sql.raw(cond.op)} ${json(v)}`);
    }
    case 'in':
      return definite(sql`${value} in (${sql.join(cond.values.map(json))})`);
    case 'text':
      return definite(sql`jsonb_typeof(${value}) = 'string' and ${textMatch(text, cond.op, cond.value, 'postgres')}`);
  }
}

// ---- shared pieces --------------------------------------------------------------------------------

/** A number parameter is numeric on PostgreSQL (a bare `$1` beside a bigint column would refuse 1.5). */
function param(v: Scalar, dialect: Dialect): RawBuilder<unknown> {
  return typeof v === 'number' && dialect === 'postgres' ? sql`cast(${v} as numeric)` : sql`${v}`;
}

function compare(target: Expression<unknown> | RawBuilder<unknown>, op: Op, v: Scalar, dialect: Dialect): RawBuilder<SqlBool> {
  // PostgreSQL orders text by the database's locale; "C" is byte order, as in SQLite.
  const lhs = typeof v === 'string' && op !== '=' && dialect === 'postgres' ? sql`${target} collate "C"` : target;
  return sql<SqlBool>`${lhs} ${sql.raw(op)} ${param(v, dialect)}`;
}

/** Substring tests that are case-sensitive on both dialects (LIKE is not, on SQLite). */
function textMatch(target: RawBuilder<unknown> | Expression<unknown>, op: TextOp, needle: string, dialect: Dialect): RawBuilder<SqlBool> {
  const length = [...needle].length; // characters, as SQL's substr/left/right count them
  if (length === 0) return TRUE;
  switch (op) {
    case 'contains':
      return dialect === 'postgres' ? sql<SqlBool>`strpos(${target}, ${needle}) > 0` : sql<SqlBool>`instr(${target}, ${needle}) > 0`;
    case 'startsWith':
      return dialect === 'postgres' ? sql<SqlBool>`left(${target}, ${length}) = ${needle}` : sql<SqlBool>`substr(${target}, 1, ${length}) = ${needle}`;
    case 'endsWith':
      return dialect === 'postgres' ? sql<SqlBool>`right(${target}, ${length}) = ${needle}` : sql<SqlBool>`substr(${target}, ${-length}) = ${needle}`;
  }
}

function byType(values: Scalar[]) {
  return {
    strings: values.filter((v): v is string => typeof v === 'string'),
    numbers: values.filter((v): v is number => typeof v === 'number'),
    booleans: values.filter((v): v is boolean => typeof v === 'boolean'),
  };
}
