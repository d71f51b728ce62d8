// Every error the SDK throws is a ViError: status (when an HTTP answer was received), a stable
// code, a message that says what to fix, and the request id to quote when asking for help.

export interface ViErrorOptions {
  status?: number | undefined;
  code?: string | undefined;
  requestId?: string | undefined;
  /** The parsed error body, when the server sent one. */
  body?: unknown;
  cause?: unknown;
}

export class ViError extends Error {
  override name = 'ViError';
  /** HTTP status of the answer, undefined when none was received (network, timeout, client-side checks). */
  readonly status: number | undefined;
  /** Stable machine-readable code, e.g. `ResourceNotFound`. */
  readonly code: string;
  /** `x-request-id` of the failed request (sent by the SDK, echoed by the server). */
  readonly requestId: string | undefined;
  readonly body: unknown;

  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.code = options.code ?? 'UnknownError';
    this.requestId = options.requestId;
    this.body = options.body;
  }
}

export class ViValidationError extends ViError {
  override name = 'ViValidationError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'ValidationFailed', ...options });
  }
}
/** A bad argument, caught before any request is sent. */
export class ViInvalidParameterError extends ViValidationError {
  override name = 'ViInvalidParameterError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'InvalidParameter', ...options });
  }
}
/** Missing or malformed credentials/endpoint, caught when the Client is constructed. */
export class ViConfigurationError extends ViError {
  override name = 'ViConfigurationError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'ConfigurationError', ...options });
  }
}
export class ViAuthenticationError extends ViError {
  override name = 'ViAuthenticationError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'AuthenticationFailed', ...options });
  }
}
export class ViNotFoundError extends ViError {
  override name = 'ViNotFoundError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'ResourceNotFound', ...options });
  }
}
export class ViConflictError extends ViError {
  override name = 'ViConflictError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'ResourceConflict', ...options });
  }
}
export class ViRateLimitError extends ViError {
  override name = 'ViRateLimitError';
  /** Seconds the server asked to wait (`Retry-After`), when it said. */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options: ViErrorOptions & { retryAfterSeconds?: number | undefined } = {}) {
    super(message, { code: 'RateLimitExceeded', ...options });
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
export class ViServerError extends ViError {
  override name = 'ViServerError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'ServerError', ...options });
  }
}
export class ViTimeoutError extends ViError {
  override name = 'ViTimeoutError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'TimeoutError', ...options });
  }
}
export class ViNetworkError extends ViError {
  override name = 'ViNetworkError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'NetworkError', ...options });
  }
}
/** A long-running operation failed (a condition reached `FailedReach`) or answered something unexpected. */
export class ViOperationError extends ViError {
  override name = 'ViOperationError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'OperationFailed', ...options });
  }
}
export class ViUploadError extends ViError {
  override name = 'ViUploadError';
  constructor(message: string, options: ViErrorOptions = {}) {
    super(message, { code: 'UploadFailed', ...options });
  }
}
export class ViFileTooLargeError extends ViUploadError {
  override name = 'ViFileTooLargeError';
  /** The files over the limit (local paths for uploads). */
  readonly files: Array<{ path: string; size: number }>;
  readonly limitBytes: number | undefined;
  constructor(message: string, options: ViErrorOptions & { files?: Array<{ path: string; size: number }>; limitBytes?: number } = {}) {
    super(message, { code: 'FileTooLarge', ...options });
    this.files = options.files ?? [];
    this.limitBytes = options.limitBytes;
  }
}

/** Status → class and code (vi-protocol.md §7). 403 is an authentication error, as in the Python SDK. */
export function errorForStatus(status: number, message: string, options: ViErrorOptions & { retryAfterSeconds?: number | undefined } = {}): ViError {
  const o = { ...options, status };
  switch (status) {
    case 400:
      return new ViValidationError(message, { ...o, code: 'ValidationFailed' });
    case 401:
      return new ViAuthenticationError(message, { ...o, code: 'AuthenticationFailed' });
    case 403:
      return new ViAuthenticationError(message, { ...o, code: 'PermissionDenied' });
    case 404:
      return new ViNotFoundError(message, { ...o, code: 'ResourceNotFound' });
    case 409:
      return new ViConflictError(message, { ...o, code: 'ResourceConflict' });
    case 413:
      return new ViFileTooLargeError(message, { ...o, code: 'FileTooLarge' });
    case 429:
      return new ViRateLimitError(message, { ...o, code: 'RateLimitExceeded' });
    case 500:
      return new ViServerError(message, { ...o, code: 'ServerError' });
    case 502:
      return new ViServerError(message, { ...o, code: 'NetworkError' });
    case 503:
      return new ViServerError(message, { ...o, code: 'ServiceUnavailable' });
    case 504:
      return new ViServerError(message, { ...o, code: 'TimeoutError' });
    default:
      return new ViError(message, { ...o, code: 'UnknownError' });
  }
}

/** Message of an error answer: body.message, else body.error, else the raw text (§7). */
export function messageFromBody(status: number, text: string): { message: string; body: unknown } {
  if (text === '') return { message: `HTTP ${status} error`, body: undefined };
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const b = body as Record<string, unknown>;
      const m = typeof b.message === 'string' && b.message ? b.message : typeof b.error === 'string' && b.error ? b.error : `HTTP ${status} error`;
      return { message: m, body };
    }
    return { message: `HTTP ${status}:\n${text}`, body };
  } catch {
    return { message: `HTTP ${status}:\n${text.slice(0, 2000)}`, body: undefined };
  }
}
