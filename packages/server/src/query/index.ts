// The asset query languages (docs/query-language.md): `filter`, `metadataQuery` and `ruleQuery`
// of `GET …/assets` and of bulk deletion, compiled to one parameterised predicate over `assets`.
//
//   const where = compileAssetQuery({ filter, metadataQuery, ruleQuery, strict }, ctx.dialect);
//   let q = db.selectFrom('assets').where('dataset_id', '=', id);
//   if (where) q = q.where(where);
import type { Expression, SqlBool } from 'kysely';
import type { Dialect } from '../store/db.js';
import type { QueryNode } from './ast.js';
import { parseFilter, parseMetadataQuery } from './parse.js';
import { and, newBudget, plan, type Cond } from './plan.js';
import { toSql, type AssetsExpressionBuilder } from './sql.js';

export interface AssetQuerySpec {
  filter?: string | Record<string, unknown> | null;
  metadataQuery?: string | null;
  ruleQuery?: string | null;
  /** `strictQuery`: unknown `metadata.*` fields and values of the wrong type are errors, not "no match". */
  strict?: boolean | null;
}

export type AssetPredicate = (eb: AssetsExpressionBuilder) => Expression<SqlBool>;

/**
 * The predicate selecting the assets the spec asks for (all its parts must hold), or undefined
 * when the spec sets no condition at all. Throws AppError('ValidationFailed') whose message names
 * the parameter and the position of the problem.
 */
export function compileAssetQuery(spec: AssetQuerySpec, dialect: Dialect): AssetPredicate | undefined {
  const cond = planAssetQuery(spec);
  return cond === undefined ? undefined : (eb) => toSql(cond, eb, dialect);
}

/**
 * True when the spec sets no condition (every part null, blank or `{}`), i.e. it would select
 * every asset. Throws like compileAssetQuery on an invalid spec.
 */
export function isEmptyQuery(spec: AssetQuerySpec): boolean {
  return planAssetQuery(spec) === undefined;
}

/** Parses and checks every part; undefined when no part sets a condition. */
export function planAssetQuery(spec: AssetQuerySpec): Cond | undefined {
  const strict = spec.strict === true;
  const budget = newBudget();
  const parts: Cond[] = [];
  const add = (node: QueryNode | undefined, param: 'filter' | 'metadataQuery' | 'ruleQuery', text: string | undefined) => {
    if (node) parts.push(plan(node, { param, text, strict }, budget));
  };
  if (spec.filter !== null && spec.filter !== undefined) {
    add(parseFilter(spec.filter), 'filter', typeof spec.filter === 'string' ? spec.filter : undefined);
  }
  if (spec.metadataQuery) add(parseMetadataQuery(spec.metadataQuery, 'metadataQuery'), 'metadataQuery', spec.metadataQuery);
  if (spec.ruleQuery) add(parseMetadataQuery(spec.ruleQuery, 'ruleQuery'), 'ruleQuery', spec.ruleQuery);
  return parts.length === 0 ? undefined : and(parts);
}

export { parseFilter, parseMetadataQuery } from './parse.js';
export type { QueryNode } from './ast.js';
