// Why the refund workflow refuses an admin's retry or cancel: the failures the API turns into 409s
// (api/refunds.service.ts, by their type).
import { ApplicationFailure } from '@temporalio/workflow';
import { REFUND_FAILURE_TYPES } from '../domain/failures';
import type { RefundStatus } from '../domain/refund';

/** Only a refund that requires attention, with no other admin request under way, can be retried or canceled. */
export function notStuck(verb: 'retried' | 'canceled', status: RefundStatus): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `only a refund that requires attention can be ${verb}; this one is ${status}`,
    verb === 'retried' ? REFUND_FAILURE_TYPES.notRetryable : REFUND_FAILURE_TYPES.notCancelable,
  );
}

/** A cancel that comes after the provider made the refund. */
export function refundedMeanwhile(): ApplicationFailure {
  return ApplicationFailure.nonRetryable('the provider has refunded it meanwhile', REFUND_FAILURE_TYPES.notCancelable);
}

/** A cancel of a refund the provider has taken but not settled: only the provider can settle it now. */
export function takenByProvider(reason: string | null): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `the provider has taken this refund (${reason ?? 'still processing'}); settle it at the provider, then retry it here`,
    REFUND_FAILURE_TYPES.notCancelable,
  );
}
