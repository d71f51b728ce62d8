// Query errors: always a 400 (`ValidationFailed`) whose message starts with the parameter and says
// where the problem is, e.g. `metadataQuery: expected a value at position 17, found end of input: a == `.
import { AppError } from '../domain/errors.js';

/** The request parameter a query came from. */
export type QueryParam = 'filter' | 'metadataQuery' | 'ruleQuery';

/** `at` is a 0-based offset into `input`; messages count positions from 1 and quote the input around it. */
export function queryError(param: QueryParam, message: string, input?: string, at?: number): AppError {
  const where = at === undefined ? '' : ` at position ${at + 1}`;
  const context = input === undefined || at === undefined ? '' : `: ${excerpt(input, at)}`;
  return new AppError('ValidationFailed', `${param}: ${message}${where}${context}`, { detail: param });
}

/** The query quoted in an error: whole when short, else the part around the position. */
function excerpt(text: string, at: number | undefined): string {
  if (text.length <= 200) return text;
  const center = at ?? 0;
  const start = Math.max(0, center - 80);
  const end = Math.min(text.length, center + 80);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}
