// The one place where errors become HTTP: every error is turned into an AppError, given the status
// of its code, and rendered in the envelope of the surface it happened on. No stack traces leave.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../domain/errors.js';

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  ValidationFailed: 400,
  AuthenticationFailed: 401,
  PermissionDenied: 403,
  NotFound: 404,
  Conflict: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  RangeNotSatisfiable: 416,
  RateLimited: 429,
  Internal: 500,
  Unavailable: 503,
};

/** TwelveLabs' error vocabulary (twelvelabs-protocol.md §9). */
const TWELVELABS_CODE: Record<ErrorCode, string> = {
  ValidationFailed: 'parameter_invalid',
  AuthenticationFailed: 'api_key_invalid',
  PermissionDenied: 'unauthorized',
  NotFound: 'resource_not_exist',
  Conflict: 'resource_conflict',
  PayloadTooLarge: 'file_too_large',
  UnsupportedMediaType: 'parameter_invalid',
  RangeNotSatisfiable: 'parameter_invalid',
  RateLimited: 'too_many_requests',
  Internal: 'internal_error',
  Unavailable: 'service_unavailable',
};

export type Surface = 'vi' | 'twelvelabs';

export const surfaceOf = (url: string): Surface => (url.startsWith('/v1.3/') || url === '/v1.3' ? 'twelvelabs' : 'vi');

/** Normalizes anything thrown (domain errors, Fastify's own errors, bugs) into an AppError. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as Partial<FastifyError> & { validationContext?: string };
  if (e.validation) {
    return new AppError('ValidationFailed', `Invalid request: ${e.message ?? 'validation failed'}`);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UnsupportedMediaType', `Unsupported Content-Type: send JSON with "Content-Type: application/json"`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PayloadTooLarge', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('ValidationFailed', 'Content-Length does not match the body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('ValidationFailed', 'Request body is empty: send a JSON object');
  }
  if (err instanceof SyntaxError && e.statusCode === 400) {
    return new AppError('ValidationFailed', `Malformed JSON body: ${err.message}`);
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = (Object.entries(STATUS_BY_CODE).find(([, s]) => s === e.statusCode)?.[0] ?? 'ValidationFailed') as ErrorCode;
    return new AppError(code, e.message ?? 'Bad request');
  }
  return new AppError('Internal', 'Internal server error', { cause: err });
}

export function renderError(surface: Surface, err: AppError): { error: string; message: string } | { code: string; message: string } {
  return surface === 'twelvelabs'
    ? { code: err.detail ?? TWELVELABS_CODE[err.code], message: err.message }
    : { error: err.code, message: err.message };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(err);
  const status = STATUS_BY_CODE[appError.code];
  if (status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: appError.code, msg: appError.message }, 'request rejected');
  return reply.status(status).type('application/json; charset=utf-8').send(renderError(surfaceOf(request.url), appError));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const err = new AppError('NotFound', `No route for ${request.method} ${request.url.split('?')[0]}`);
  return reply.status(404).type('application/json; charset=utf-8').send(renderError(surfaceOf(request.url), err));
}
