// The `filter` language: an object of field -> value (or -> {operator: value}), or `field:value`
// pairs, turned into the same syntax tree as `metadataQuery`.
import type { CompareOp, FieldRef, Literal, QueryNode, TextOp } from './ast.js';
import { queryError } from './errors.js';

/** A parsed filter object, from the grammar (with positions) or from a JSON body (without). */
export type JsonNode =
  | { kind: 'dict'; at?: number; entries: { key: string; at?: number; value: JsonNode }[] }
  | { kind: 'list'; at?: number; items: JsonNode[] }
  | { kind: 'scalar'; at?: number; value: Literal };

/** One `field:value` pair of the shorthand; `loose` when the value was a bare word. */
export interface ShorthandTerm {
  field: FieldRef;
  value: string;
  loose: boolean;
  at: number;
}

const COMPARE_OPERATORS: Record<string, CompareOp> = { $eq: '==', $ne: '!=', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };
const TEXT_OPERATORS: Record<string, TextOp> = { $contains: 'contains', $startsWith: 'startsWith', $endsWith: 'endsWith' };
const OPERATOR_NAMES = [...Object.keys(COMPARE_OPERATORS), '$in', '$nin', '$exists', ...Object.keys(TEXT_OPERATORS)].join(', ');

/** `text` is the filter as sent, quoted in errors (undefined for a JSON body). */
export function filterToAst(parsed: JsonNode | ShorthandTerm[], text: string | undefined): QueryNode | undefined {
  const items = Array.isArray(parsed) ? fromShorthand(parsed) : fromTopLevel(parsed, text);
  if (items.length === 0) return undefined;
  return items.length === 1 ? items[0] : { type: 'and', items };
}

function fromTopLevel(node: JsonNode, text: string | undefined): QueryNode[] {
  if (node.kind !== 'dict') {
    throw queryError('filter', 'must be an object such as {"status": "error"}, or field:value pairs', text, node.at);
  }
  return fromDict(node, [], text);
}

/** Every entry of an object is one condition; all of them must hold. */
function fromDict(node: Extract<JsonNode, { kind: 'dict' }>, prefix: string[], text: string | undefined): QueryNode[] {
  const out: QueryNode[] = [];
  for (const entry of node.entries) {
    if (entry.key.startsWith('$')) {
      const hint = prefix.length === 0 ? ', e.g. {"fileSize": {"$gt": 1000}}' : '';
      throw queryError('filter', `operator "${entry.key}" must be inside a field's object${hint}`, text, entry.at);
    }
    if (entry.key === '') throw queryError('filter', 'a field name is empty', text, entry.at);
    const path = [...prefix, ...entry.key.split('.')];
    const field: FieldRef = { path, text: path.join('.'), at: entry.at };
    out.push(...fromValue(field, entry.value, text));
  }
  return out;
}

function fromValue(field: FieldRef, value: JsonNode, text: string | undefined): QueryNode[] {
  switch (value.kind) {
    case 'scalar':
      return [{ type: 'compare', field, op: '==', value: value.value, at: value.at }];
    case 'list':
      return [{ type: 'in', field, values: scalars(value, text), at: value.at }];
    case 'dict': {
      const operators = value.entries.filter((e) => e.key.startsWith('$'));
      if (operators.length === 0) return fromDict(value, field.path, text); // a nested path: {"customMetadata": {"k": 1}}
      if (operators.length !== value.entries.length) {
        throw queryError('filter', `the object of "${field.text}" mixes operators and field names`, text, value.at);
      }
      return operators.map((e) => fromOperator(field, e.key, e.value, text, e.at));
    }
  }
}

function fromOperator(field: FieldRef, operator: string, value: JsonNode, text: string | undefined, at: number | undefined): QueryNode {
  const compareOp = COMPARE_OPERATORS[operator];
  if (compareOp) return { type: 'compare', field, op: compareOp, value: scalar(value, operator, text), at: value.at };
  const textOp = TEXT_OPERATORS[operator];
  if (textOp) {
    const s = scalar(value, operator, text);
    if (typeof s !== 'string') throw queryError('filter', `${operator} needs a string`, text, value.at);
    return { type: 'text', field, op: textOp, value: s, at: value.at };
  }
  switch (operator) {
    case '$in':
    case '$nin': {
      if (value.kind !== 'list') throw queryError('filter', `${operator} needs a list`, text, value.at);
      const node: QueryNode = { type: 'in', field, values: scalars(value, text), at: value.at };
      return operator === '$in' ? node : { type: 'not', expr: node };
    }
    case '$exists': {
      const flag = scalar(value, operator, text);
      if (typeof flag !== 'boolean') throw queryError('filter', '$exists needs true or false', text, value.at);
      const node: QueryNode = { type: 'exists', field };
      return flag ? node : { type: 'not', expr: node };
    }
  }
  throw queryError('filter', `unknown operator "${operator}" (known: ${OPERATOR_NAMES})`, text, at);
}

function scalar(value: JsonNode, operator: string, text: string | undefined): Literal {
  if (value.kind !== 'scalar') throw queryError('filter', `${operator} needs a string, number, boolean or null`, text, value.at);
  return value.value;
}

function scalars(list: Extract<JsonNode, { kind: 'list' }>, text: string | undefined): Literal[] {
  return list.items.map((item) => {
    if (item.kind !== 'scalar') throw queryError('filter', 'a list may only hold strings, numbers, booleans and null', text, item.at);
    return item.value;
  });
}

/** Pairs naming the same field are alternatives (`status:error status:failed`); different fields must all match. */
function fromShorthand(terms: ShorthandTerm[]): QueryNode[] {
  const byField = new Map<string, QueryNode[]>();
  for (const t of terms) {
    const node: QueryNode = { type: 'compare', field: t.field, op: '==', value: t.value, at: t.at, loose: t.loose };
    const same = byField.get(t.field.text);
    if (same) same.push(node);
    else byField.set(t.field.text, [node]);
  }
  return [...byField.values()].map((alternatives) => (alternatives.length === 1 ? alternatives[0]! : { type: 'or', items: alternatives }));
}
