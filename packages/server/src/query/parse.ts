// Text -> syntax tree for both languages, with errors that name the parameter and the position.
import type { Literal, QueryNode } from './ast.js';
import { queryError, type QueryParam } from './errors.js';
import { filterToAst, type JsonNode, type ShorthandTerm } from './filter.js';
import { parser, type StartRule } from './grammar.js';

/** Longer queries are refused before parsing (a query string cannot be this long anyway). */
export const MAX_QUERY_LENGTH = 65_536;

/** `metadataQuery` / `ruleQuery` text; undefined when blank. */
export function parseMetadataQuery(text: string, param: QueryParam = 'metadataQuery'): QueryNode | undefined {
  if (text.trim() === '') return undefined;
  return run(text, 'MetadataQuery', param) as QueryNode;
}

/**
 * `filter` as sent: a JSON or Python-repr object in a string, the `field:value` shorthand, or an
 * already-parsed object (bulk deletion). Undefined when it asks for nothing.
 */
export function parseFilter(filter: string | Record<string, unknown>): QueryNode | undefined {
  if (typeof filter !== 'string') return filterToAst(fromObject(filter), undefined);
  const text = filter.trim();
  if (text === '') return undefined;
  if (text.startsWith('{')) return filterToAst(run(filter, 'FilterDict', 'filter') as JsonNode, filter);
  return filterToAst(run(filter, 'FilterShorthand', 'filter') as ShorthandTerm[], filter);
}

function run(text: string, startRule: StartRule, param: QueryParam): unknown {
  if (text.length > MAX_QUERY_LENGTH) throw queryError(param, `is longer than ${MAX_QUERY_LENGTH} characters`);
  const p = parser();
  try {
    return p.parse(text, { startRule });
  } catch (err) {
    if (err instanceof p.SyntaxError) {
      const at = err.location.start.offset;
      const message = err.expected ? `expected ${describeExpected(err.expected)}, found ${describeFound(text, at)}` : err.message;
      throw queryError(param, message, text, at);
    }
    // Only absurd nesting (thousands of parentheses) exhausts the stack of the recursive parser.
    if (err instanceof RangeError) throw queryError(param, 'is nested too deeply');
    throw err;
  }
}

type Expectation = NonNullable<InstanceType<ReturnType<typeof parser>['SyntaxError']>['expected']>[number];

function describeExpected(expected: Expectation[]): string {
  const names = [
    ...new Set(
      expected.map((e) => {
        switch (e.type) {
          case 'literal':
            return JSON.stringify(e.text);
          case 'end':
            return 'end of input';
          case 'other':
            return e.description;
          default:
            return 'a character';
        }
      }),
    ),
  ];
  // Descriptions first, then quoted tokens, end of input last: `an operator, "and", "or" or end of input`.
  const rank = (name: string) => (name === 'end of input' ? 2 : name.startsWith('"') ? 1 : 0);
  names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function describeFound(text: string, at: number): string {
  if (at >= text.length) return 'end of input';
  const word = /^\S{1,20}/.exec(text.slice(at))?.[0] ?? text.slice(at, at + 1);
  return JSON.stringify(word);
}

/** A filter object from a JSON body, in the shape the grammar produces (without positions). */
function fromObject(value: unknown): JsonNode {
  if (Array.isArray(value)) return { kind: 'list', items: value.map(fromObject) };
  if (value !== null && typeof value === 'object') {
    return { kind: 'dict', entries: Object.entries(value).map(([key, v]) => ({ key, value: fromObject(v) })) };
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
    return { kind: 'scalar', value: value as Literal };
  }
  throw queryError('filter', `unsupported value ${String(value)}`);
}
