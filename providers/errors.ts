/** Base class of every error an adapter raises on purpose. `retryable` tells Temporal what to do. */
export abstract class ProviderError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    /** The provider's own error code, e.g. `ACQ.TRADE_HAS_SUCCESS`. */
    readonly providerCode: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Raised when the provider refuses the payment or refund for a business reason (insufficient balance, trade closed). */
export class ProviderDeclinedError extends ProviderError {
  readonly retryable = false;
}

/** Raised when the provider rejects the request itself (bad parameters, wrong signature, unknown app id). */
export class ProviderInvalidRequestError extends ProviderError {
  readonly retryable = false;
}

/** Raised on timeouts, 5xx answers, rate limits and the provider's "system busy": retrying may succeed. */
export class ProviderUnavailableError extends ProviderError {
  readonly retryable = true;
}

/** Raised when a notification's signature, app id or merchant id does not match the account it was sent to. */
export class NotificationRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotificationRejectedError';
  }
}

/** Whether an HTTP status is the provider's trouble (5xx) or its rate limit (429, 408), which retrying may get past. */
export function isRetryableHttpStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * The error for an answer with an HTTP status the provider does not answer with when all is well:
 * retryable for its trouble (see isRetryableHttpStatus); any other status means we are talking to
 * the wrong place. Its providerCode is `http_<status>`.
 */
export function httpStatusError(message: string, status: number): ProviderError {
  return isRetryableHttpStatus(status)
    ? new ProviderUnavailableError(message, `http_${status}`)
    : new ProviderInvalidRequestError(message, `http_${status}`);
}
