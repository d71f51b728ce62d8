// What a field name in a query refers to: a column of `assets`, an annotation count, or a key of
// the asset's custom metadata. Names are the wire names of the Asset (docs/query-language.md).
import type { AssetsTable } from '../store/schema.js';

/** `time` fields hold milliseconds and also accept ISO 8601 dates. */
export type ValueType = 'string' | 'number' | 'time';

export interface ColumnField {
  kind: 'column';
  column: keyof AssetsTable;
  type: ValueType;
  nullable: boolean;
  /** Compared ASCII-case-insensitively: `{"status": "error"}` finds `Error`. */
  caseInsensitive: boolean;
}

/** `metadata.annotations.total`, or `metadata.annotations.withTag.<tag>` when `tag` is set. */
export interface AnnotationCountField {
  kind: 'annotations';
  tag?: string;
}

export interface CustomField {
  kind: 'custom';
  key: string;
}

export type Field = ColumnField | AnnotationCountField | CustomField;

/** A name that looks built-in (`metadata.…`) but is not one: no asset has it. */
export interface UnknownField {
  kind: 'unknown';
}

const column = (column: keyof AssetsTable, type: ValueType, options: { nullable?: boolean; caseInsensitive?: boolean } = {}): ColumnField => ({
  kind: 'column',
  column,
  type,
  nullable: options.nullable ?? false,
  caseInsensitive: options.caseInsensitive ?? false,
});

/** Built-in fields by wire name (a Map: names like `constructor` must not find anything). */
export const BUILTIN_FIELDS: ReadonlyMap<string, ColumnField> = new Map([
  ['assetId', column('id', 'string')],
  ['filename', column('filename', 'string')],
  ['kind', column('kind', 'string', { caseInsensitive: true })],
  ['mimeType', column('mime', 'string', { caseInsensitive: true })],
  ['status', column('status', 'string', { caseInsensitive: true })],
  ['source', column('source', 'string', { caseInsensitive: true })],
  ['insertedBy', column('inserted_by', 'string')],
  ['fileSize', column('size', 'number')],
  ['width', column('width', 'number', { nullable: true })],
  ['height', column('height', 'number', { nullable: true })],
  ['frames', column('frames', 'number')],
  ['timeCreated', column('created_at', 'time')],
  ['lastUpdated', column('updated_at', 'time')],
  ['contentsLastUpdated', column('contents_updated_at', 'time')],
]);

/**
 * `metadata.` may prefix any built-in. `customMetadata.<key>` (or a bare name that is no built-in)
 * is custom metadata; the key is everything after the prefix, dots included, so flat keys such as
 * `camera.model` need no quoting.
 */
export function resolveField(path: readonly string[]): Field | UnknownField {
  const hasPrefix = path[0] === 'metadata' && path.length > 1;
  const rest = hasPrefix ? path.slice(1) : path;
  const [head, ...tail] = rest;
  if (head === 'customMetadata') return tail.length > 0 ? { kind: 'custom', key: tail.join('.') } : { kind: 'unknown' };
  if (head === 'annotations') {
    if (tail.length === 1 && tail[0] === 'total') return { kind: 'annotations' };
    if (tail.length >= 2 && tail[0] === 'withTag') return { kind: 'annotations', tag: tail.slice(1).join('.') };
    return { kind: 'unknown' };
  }
  const builtin = rest.length === 1 ? BUILTIN_FIELDS.get(head!) : undefined;
  if (builtin) return builtin;
  if (hasPrefix) return { kind: 'unknown' };
  return { kind: 'custom', key: path.join('.') };
}

/** The type a field's values have, for messages and type checks; undefined for custom metadata (any). */
export function fieldType(field: Field): ValueType | undefined {
  if (field.kind === 'column') return field.type;
  if (field.kind === 'annotations') return 'number';
  return undefined;
}
