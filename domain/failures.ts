// The types of the ApplicationFailures that activities raise and workflows pass on, which the API
// maps to HTTP answers: one list that all three import.

/** ApplicationFailure types the API maps to HTTP answers. */
export const FAILURE_TYPES = {
  merchantOrderNoTaken: 'MerchantOrderNoTakenError',
  paymentAlreadySucceeded: 'PaymentAlreadySucceededError',
} as const;

/** ApplicationFailure types of refunds the API maps to HTTP answers. */
export const REFUND_FAILURE_TYPES = {
  exceedsPayment: 'RefundExceedsPaymentError',
  paymentNotRefundable: 'PaymentNotRefundableError',
  notRetryable: 'RefundNotRetryableError',
  notCancelable: 'RefundNotCancelableError',
  notOpened: 'RefundNotOpenedError',
} as const;
