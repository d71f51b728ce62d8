// The seam between asset listing / bulk deletion and the query languages (docs/query-language.md).
import type { Dialect } from '../store/db.js';
import type { AssetPredicate } from '../store/assets.js';
import { invalid } from './errors.js';

export interface AssetQuerySpec {
  filter?: string | Record<string, unknown> | null;
  metadataQuery?: string | null;
  ruleQuery?: string | null;
  strict?: boolean;
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** True when the spec selects nothing in particular (which means every asset). */
export const isEmptyQuery = (q: AssetQuerySpec): boolean => blank(q.filter) && blank(q.metadataQuery) && blank(q.ruleQuery);

/** A predicate over `assets`, or undefined for "every asset". Throws ValidationFailed on a bad query. */
export function compileAssetQuery(q: AssetQuerySpec, _dialect: Dialect): AssetPredicate | undefined {
  if (isEmptyQuery(q)) return undefined;
  throw invalid('filter, metadataQuery and ruleQuery are not supported by this server yet');
}
