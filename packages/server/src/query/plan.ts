// Syntax tree -> a checked condition tree over resolved fields, ready to become SQL. All checking
// (types, unknown fields, limits) happens here, before any SQL exists, so a bad query fails fast.
//
// Logic is two-valued: every condition is true or false for every asset, never "unknown".
// `a != v` is exactly `not (a == v)`, so it also holds for assets that lack `a`.
import type { CompareOp, FieldRef, Literal, QueryNode, TextOp } from './ast.js';
import { queryError, type QueryParam } from './errors.js';
import { BUILTIN_FIELDS, fieldType, resolveField, type Field, type ValueType } from './fields.js';

export type Scalar = string | number | boolean;
export type OrderOp = '<' | '<=' | '>' | '>=';

export type Cond =
  | { t: 'and' | 'or'; items: Cond[] }
  | { t: 'not'; cond: Cond }
  | { t: 'const'; value: boolean }
  | { t: 'cmp'; field: Field; op: '=' | OrderOp; value: Scalar }
  | { t: 'in'; field: Field; values: Scalar[] }
  /** The field is absent (or null). */
  | { t: 'null'; field: Field }
  | { t: 'text'; field: Field; op: TextOp; value: string };

/** Limits that keep one query from becoming a statement with unbounded parameters. */
export const MAX_CONDITIONS = 1_000;
export const MAX_VALUES = 10_000;
export const MAX_DEPTH = 64;

export interface PlanOptions {
  param: QueryParam;
  /** The query text, quoted in errors; undefined for a filter given as a JSON object. */
  text: string | undefined;
  strict: boolean;
}

/** Counts shared by every part of one spec. */
export interface Budget {
  conditions: number;
  values: number;
}

export const newBudget = (): Budget => ({ conditions: 0, values: 0 });

export function plan(node: QueryNode, options: PlanOptions, budget: Budget = newBudget()): Cond {
  return new Planner(options, budget).node(node, 0);
}

const FIELD_NAMES = [...BUILTIN_FIELDS.keys(), 'annotations.total', 'annotations.withTag.<tag>', 'customMetadata.<key>'].join(', ');

const TRUE: Cond = { t: 'const', value: true };
const FALSE: Cond = { t: 'const', value: false };

export function and(items: Cond[]): Cond {
  const kept = items.filter((c) => !(c.t === 'const' && c.value));
  if (kept.some((c) => c.t === 'const' && !c.value)) return FALSE;
  return kept.length === 0 ? TRUE : kept.length === 1 ? kept[0]! : { t: 'and', items: kept };
}

function or(items: Cond[]): Cond {
  const kept = items.filter((c) => !(c.t === 'const' && !c.value));
  if (kept.some((c) => c.t === 'const' && c.value)) return TRUE;
  return kept.length === 0 ? FALSE : kept.length === 1 ? kept[0]! : { t: 'or', items: kept };
}

function not(cond: Cond): Cond {
  if (cond.t === 'const') return { t: 'const', value: !cond.value };
  if (cond.t === 'not') return cond.cond;
  return { t: 'not', cond };
}

class Planner {
  constructor(
    private readonly options: PlanOptions,
    private readonly budget: Budget,
  ) {}

  node(node: QueryNode, depth: number): Cond {
    if (depth > MAX_DEPTH) throw this.error(`is nested more than ${MAX_DEPTH} levels deep`);
    switch (node.type) {
      case 'and':
        return and(node.items.map((n) => this.node(n, depth + 1)));
      case 'or':
        return or(node.items.map((n) => this.node(n, depth + 1)));
      case 'not':
        return not(this.node(node.expr, depth + 1));
      case 'compare':
        this.count(1);
        return node.loose ? this.loose(node.field, String(node.value), node.at) : this.compare(node.field, node.op, node.value, node.at);
      case 'in':
        this.count(node.values.length);
        return this.in(node.field, node.values, node.at);
      case 'text':
        this.count(1);
        return this.text(node.field, node.op, node.value, node.at);
      case 'exists':
        this.count(1);
        return not(this.isNull(node.field));
      case 'truthy':
        this.count(1);
        return this.compare(node.field, '==', true, node.field.at);
    }
  }

  private compare(ref: FieldRef, op: CompareOp, value: Literal, at: number | undefined): Cond {
    if (op === '!=') return not(this.compare(ref, '==', value, at));
    if (op !== '==' && (value === null || typeof value === 'boolean')) {
      throw this.error(`cannot use ${op} with ${JSON.stringify(value)}: only numbers and strings are ordered`, at);
    }
    if (value === null) return this.isNull(ref);
    const field = this.field(ref);
    if (!field) return FALSE;
    const v = this.coerce(ref, field, value, at);
    if (v === undefined) return FALSE;
    return { t: 'cmp', field, op: op === '==' ? '=' : op, value: v };
  }

  /** A bare word of the shorthand: the type the field needs; for custom metadata, also the text itself. */
  private loose(ref: FieldRef, word: string, at: number | undefined): Cond {
    const field = this.field(ref);
    if (!field) return FALSE;
    const type = fieldType(field);
    if (type === undefined) {
      const spelled = spelledValue(word);
      if (spelled === undefined) return { t: 'cmp', field, op: '=', value: word };
      if (spelled === null) return or([{ t: 'cmp', field, op: '=', value: word }, { t: 'null', field }]);
      return { t: 'in', field, values: [word, spelled] };
    }
    const spelled = type === 'string' ? undefined : spelledValue(word);
    const typed = spelled === undefined ? word : spelled;
    if (typed === null) return this.isNull(ref);
    const v = this.coerce(ref, field, typed, at);
    return v === undefined ? FALSE : { t: 'cmp', field, op: '=', value: v };
  }

  private in(ref: FieldRef, values: Literal[], at: number | undefined): Cond {
    const field = this.field(ref);
    const withNull = values.includes(null) ? this.isNull(ref) : FALSE;
    if (!field) return withNull;
    const coerced: Scalar[] = [];
    for (const value of values) {
      if (value === null) continue;
      const v = this.coerce(ref, field, value, at);
      if (v !== undefined && !coerced.includes(v)) coerced.push(v);
    }
    return or([withNull, coerced.length === 0 ? FALSE : { t: 'in', field, values: coerced }]);
  }

  private text(ref: FieldRef, op: TextOp, value: string, at: number | undefined): Cond {
    const field = this.field(ref);
    if (!field) return FALSE;
    const type = fieldType(field);
    if (type !== undefined && type !== 'string') {
      if (this.options.strict) throw this.error(`${op} needs a text field, and ${ref.text} holds ${typeNoun(type)}`, at);
      return FALSE;
    }
    const v = field.kind === 'column' && field.caseInsensitive ? asciiLower(value) : value;
    return { t: 'text', field, op, value: v };
  }

  private isNull(ref: FieldRef): Cond {
    const field = this.field(ref);
    if (!field) return TRUE;
    if (field.kind === 'annotations' && field.tag === undefined) return FALSE;
    if (field.kind === 'column' && !field.nullable) return FALSE;
    return { t: 'null', field };
  }

  /** Undefined for an unknown built-in-looking field (an error when strict). */
  private field(ref: FieldRef): Field | undefined {
    const field = resolveField(ref.path);
    if (field.kind !== 'unknown') return field;
    if (this.options.strict) throw this.error(`unknown field "${ref.text}" (fields: ${FIELD_NAMES})`, ref.at);
    return undefined;
  }

  /** The value in the field's own type, or undefined when it can never match (an error when strict). */
  private coerce(ref: FieldRef, field: Field, value: Scalar, at: number | undefined): Scalar | undefined {
    const type = fieldType(field);
    let v: Scalar | undefined = value;
    if (type === 'string') v = typeof value === 'string' ? (field.kind === 'column' && field.caseInsensitive ? asciiLower(value) : value) : undefined;
    else if (type === 'number') v = typeof value === 'number' ? value : undefined;
    else if (type === 'time') v = typeof value === 'number' ? value : typeof value === 'string' ? isoToMillis(value) : undefined;
    if (v === undefined && this.options.strict) {
      const hint = type === 'time' ? ' or an ISO 8601 date such as "2024-06-01T12:00:00Z"' : '';
      throw this.error(`${ref.text} holds ${typeNoun(type!)}${hint}, not ${describe(value)}`, at);
    }
    return v;
  }

  private count(values: number): void {
    this.budget.conditions += 1;
    this.budget.values += values;
    if (this.budget.conditions > MAX_CONDITIONS) throw this.error(`has more than ${MAX_CONDITIONS} conditions`);
    if (this.budget.values > MAX_VALUES) throw this.error(`has more than ${MAX_VALUES} values`);
  }

  private error(message: string, at?: number) {
    return queryError(this.options.param, message, this.options.text, this.options.text === undefined ? undefined : at);
  }
}

/** What a bare word spells: a number, a boolean, null, or undefined for plain text. */
function spelledValue(word: string): number | boolean | null | undefined {
  if (/^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(word)) {
    const n = Number(word);
    return Number.isFinite(n) ? n : undefined;
  }
  const lower = word.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null' || word === 'None') return null;
  return undefined;
}

const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `2024-06-01`, `2024-06-01T12:00`, `2024-06-01T12:00:00.5+02:00` -> ms; UTC unless an offset is given. */
export function isoToMillis(text: string): number | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [, date, time, zone] = m;
  const offset = zone === undefined || zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${date}T${time ?? '00:00'}${offset}`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** SQLite's lower() folds ASCII only; doing the same here keeps both dialects in agreement. */
export const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

const typeNoun = (type: ValueType) => (type === 'string' ? 'text' : type === 'number' ? 'numbers' : 'times (milliseconds since the epoch)');

const describe = (value: Scalar) => (typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `the ${typeof value} ${String(value)}`);
