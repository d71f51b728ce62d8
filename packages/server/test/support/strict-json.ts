// A strict, msgspec-like checker for conformance tests, independent of @vireo/wire: shapes are
// written from the spec, and numbers are checked in their raw JSON text (so 1.0 is not an int).

export type Shape =
  | 'int'
  | 'num'
  | 'str'
  | 'bool'
  | 'any'
  | { literal: readonly (string | number | boolean)[] }
  | { nullable: Shape }
  | { array: Shape }
  | { record: Shape }
  | { union: Shape[] }
  | { object: { required?: Record<string, Shape>; optional?: Record<string, Shape> } };

export const nullable = (s: Shape): Shape => ({ nullable: s });
export const array = (s: Shape): Shape => ({ array: s });
export const record = (s: Shape): Shape => ({ record: s });
export const literal = (...values: (string | number | boolean)[]): Shape => ({ literal: values });
export const union = (...shapes: Shape[]): Shape => ({ union: shapes });
export const object = (required: Record<string, Shape>, optional: Record<string, Shape> = {}): Shape => ({
  object: { required, optional },
});

const RAW = '\u0000num:';

/** Parses JSON keeping every number as its raw text (a string starting with RAW). */
export function parseRaw(text: string): unknown {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i))!;
      out += JSON.stringify(RAW + m[0]);
      i += m[0].length;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

const rawNumber = (v: unknown) => (typeof v === 'string' && v.startsWith(RAW) ? v.slice(RAW.length) : undefined);

/** Every way `value` (from parseRaw) fails `shape`; empty when it decodes. */
export function check(value: unknown, shape: Shape, path = '$'): string[] {
  if (typeof shape === 'string') {
    const raw = rawNumber(value);
    switch (shape) {
      case 'any':
        return [];
      case 'int':
        return raw !== undefined && /^-?\d+$/.test(raw) ? [] : [`${path}: expected an integer, got ${show(value)}`];
      case 'num':
        return raw !== undefined ? [] : [`${path}: expected a number, got ${show(value)}`];
      case 'str':
        return typeof value === 'string' && raw === undefined ? [] : [`${path}: expected a string, got ${show(value)}`];
      case 'bool':
        return typeof value === 'boolean' ? [] : [`${path}: expected true/false, got ${show(value)}`];
    }
  }
  if ('literal' in shape) {
    const v = rawNumber(value) !== undefined ? Number(rawNumber(value)) : value;
    return shape.literal.includes(v as never) ? [] : [`${path}: expected one of ${shape.literal.join('|')}, got ${show(value)}`];
  }
  if ('nullable' in shape) return value === null ? [] : check(value, shape.nullable, path);
  if ('union' in shape) {
    const results = shape.union.map((s) => check(value, s, path));
    return results.some((r) => r.length === 0) ? [] : [`${path}: matches none of the allowed shapes (${results.map((r) => r[0]).join('; ')})`];
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) return [`${path}: expected an array, got ${show(value)}`];
    return value.flatMap((v, i) => check(v, shape.array, `${path}[${i}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected an object, got ${show(value)}`];
  const obj = value as Record<string, unknown>;
  if ('record' in shape) return Object.entries(obj).flatMap(([k, v]) => check(v, shape.record, `${path}.${k}`));
  const { required = {}, optional = {} } = shape.object;
  const errors: string[] = [];
  for (const [k, s] of Object.entries(required)) {
    if (!(k in obj)) errors.push(`${path}: missing required key "${k}"`);
    else errors.push(...check(obj[k], s, `${path}.${k}`));
  }
  for (const [k, s] of Object.entries(optional)) if (k in obj) errors.push(...check(obj[k], s, `${path}.${k}`));
  return errors;
}

function show(v: unknown): string {
  const raw = rawNumber(v);
  return raw ?? JSON.stringify(v);
}
