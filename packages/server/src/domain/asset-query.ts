// The seam between asset listing / bulk deletion and the query languages (docs/query-language.md):
// the domain asks the query module for one parameterised predicate over `assets`. A bad query
// throws AppError('ValidationFailed') naming the parameter and the position, so callers answer 400.
export { compileAssetQuery, isEmptyQuery, type AssetQuerySpec, type AssetPredicate } from '../query/index.js';
