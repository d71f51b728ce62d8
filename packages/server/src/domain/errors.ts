// The one error type of the domain. Each code maps to exactly one HTTP status, in http/errors.ts.

export type ErrorCode =
  | 'ValidationFailed'
  | 'AuthenticationFailed'
  | 'PermissionDenied'
  | 'NotFound'
  | 'Conflict'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'RangeNotSatisfiable'
  | 'RateLimited'
  | 'Unavailable'
  | 'Internal';

export interface AppErrorOptions {
  /** A more precise code for surfaces with their own vocabulary (e.g. TwelveLabs' `parameter_not_provided`). */
  detail?: string;
  cause?: unknown;
}

export class AppError extends Error {
  readonly detail: string | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.detail = options.detail;
  }
}

export const notFound = (what: string, id: string) => new AppError('NotFound', `${what} ${id} not found`);
export const invalid = (message: string, detail?: string) => new AppError('ValidationFailed', message, { detail });
export const conflict = (message: string) => new AppError('Conflict', message);
