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
