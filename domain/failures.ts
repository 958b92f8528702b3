// The types of the ApplicationFailures that activities raise and workflows pass on, which the API
// maps to HTTP answers, and what some of them carry in `details`: one list that all three import.

/** ApplicationFailure types the API maps to HTTP answers. */
export const FAILURE_TYPES = {
  merchantOrderNoTaken: 'MerchantOrderNoTakenError',
  paymentAlreadySucceeded: 'PaymentAlreadySucceededError',
  /** A cancel still being carried out when the payment's workflow went on in a new run: it goes on there. */
  paymentCancelPending: 'PaymentCancelPendingError',
} as const;

/**
 * ApplicationFailure types of our own books' errors that asking again cannot change
 * (activities/store-failures.ts): a workflow ends on them instead of retrying for ever.
 */
export const STORE_FAILURE_TYPES = {
  /** PostgreSQL class 22: a value the database refuses (a NUL in a text, a number out of range). */
  invalidData: 'StoreInvalidDataError',
  /** PostgreSQL class 23: a foreign key to a missing row, a unique key taken, a check failed. */
  constraintViolated: 'StoreConstraintViolationError',
  /** A row the activity needs does not exist. */
  notFound: 'StoreRowNotFoundError',
} as const;

/** ApplicationFailure types of refunds the API maps to HTTP answers. */
export const REFUND_FAILURE_TYPES = {
  exceedsPayment: 'RefundExceedsPaymentError',
  paymentNotRefundable: 'PaymentNotRefundableError',
  notRetryable: 'RefundNotRetryableError',
  notCancelable: 'RefundNotCancelableError',
  notOpened: 'RefundNotOpenedError',
} as const;

// Details: a failure that carries more than its message carries one object, the first of its
// `details`, of one of these shapes. The activity that raises it builds it with the shape's type;
// the side that reads it uses the reader below, never an index into `details`.

/**
 * What a provider's refusal carries: a non-retryable failure whose type is the adapter error's
 * class name (`ProviderDeclinedError`, `ProviderInvalidRequestError`; STYLE.md 3).
 */
export interface ProviderRefusalDetails {
  /** The provider's own error code, e.g. `ACQ.TRADE_HAS_SUCCESS`; null when it gave none. */
  providerCode: string | null;
}

/** What `REFUND_FAILURE_TYPES.exceedsPayment` carries. */
export interface RefundExceedsPaymentDetails {
  /** What remains refundable on the payment, in minor units (0 when it is refunded in full). */
  remainingMinor: number;
}

/** The part of an ApplicationFailure the readers need (domain/ does not depend on Temporal's classes). */
interface FailureWithDetails {
  details?: readonly unknown[] | null;
}

/** The details of a provider's refusal; `providerCode` is null when the failure carries none. */
export function providerRefusalDetails(failure: FailureWithDetails): ProviderRefusalDetails {
  const [carried] = failure.details ?? [];
  // Failures recorded before the details were an object carried the bare code.
  if (typeof carried === 'string') return { providerCode: carried };
  const code = (carried as Partial<ProviderRefusalDetails> | null | undefined)?.providerCode;
  return { providerCode: typeof code === 'string' ? code : null };
}
