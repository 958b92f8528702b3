/** API.md's error types: the document's error schema and the fuzzer's check read them from here. */
export const ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'idempotency_error',
  'conflict_error',
  'provider_error',
  'rate_limit_error',
  'api_error',
] as const;

export type ErrorType = (typeof ERROR_TYPES)[number];

const STATUS_OF: Record<ErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  idempotency_error: 422,
  conflict_error: 409,
  provider_error: 502,
  rate_limit_error: 429,
  api_error: 500,
};

/** An error the API answers with API.md's error body. Anything else thrown is a bug and becomes a 500 `api_error`. */
export class AppError extends Error {
  readonly status: number;
  /** Seconds after which a retry makes sense; answered as the Retry-After header (API.md, Overload). */
  readonly retryAfterSeconds: number | null;
  constructor(
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    options: { status?: number; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = options.status ?? STATUS_OF[type];
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}

/** Raised when a request's body, query or path parameter is malformed; `param` names the field. */
export class InvalidRequestError extends AppError {
  constructor(code: string, message: string, param: string | null = null) {
    super('invalid_request_error', code, message, param);
  }
}

/** Raised when the request carries no key or session, or one that is unknown, revoked or ended. */
export class AuthenticationError extends AppError {
  constructor(code: string, message: string) {
    super('authentication_error', code, message);
  }
}

/** Raised when the caller is known but may not do this (a member's role, a mode not open to the merchant). */
export class PermissionError extends AppError {
  constructor(code: string, message: string, param: string | null = null) {
    super('permission_error', code, message, param);
  }
}

/** Raised when the object does not exist, or belongs to another merchant or mode (indistinguishable on purpose). */
export class NotFoundError extends AppError {
  constructor(objectName: string, id: string, param = 'id') {
    super('not_found_error', 'resource_missing', `No such ${objectName}: '${id}'`, param);
  }
}

/** Raised when the request conflicts with the object's state, e.g. cancelling a payment that succeeded. */
export class ConflictError extends AppError {
  constructor(code: string, message: string, param: string | null = null) {
    super('conflict_error', code, message, param);
  }
}

export interface ErrorBody {
  error: { type: ErrorType; code: string; message: string; param: string | null; request_id: string };
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return {
    error: { type: error.type, code: error.code, message: error.message, param: error.param, request_id: requestId },
  };
}

/**
 * Every 503 tells the caller when to come back (API.md, Overload). The caller has already waited
 * out the request's deadline; a few seconds lets a restarting worker or a slow provider catch up
 * without a client's retry loop hammering an API that is waiting on the same workflow.
 */
export const RETRY_AFTER_503_SECONDS = 5;

/**
 * Raised when the API stopped waiting for a workflow that has not answered yet (the worker is down,
 * the provider is slow): the work goes on, and a retry with the same Idempotency-Key reaches it.
 */
export class StillRunningError extends AppError {
  constructor(code: string, message: string) {
    super('api_error', code, message, null, { status: 503, retryAfterSeconds: RETRY_AFTER_503_SECONDS });
  }
}

/**
 * Raised when a request failed before anything was done (nothing stored, nothing asked of a
 * provider): a retry with the same Idempotency-Key starts afresh, with a new object.
 */
export class NothingDoneError extends AppError {
  constructor(code: string, message: string) {
    super('api_error', code, message, null, { status: 503, retryAfterSeconds: RETRY_AFTER_503_SECONDS });
  }
}
