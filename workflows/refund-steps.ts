// The refund workflow's vocabulary as a state machine: where it is (Stage), what an admin asked
// (AdminRequest) and what it does next (Step).
import type { ApplicationFailure } from '@temporalio/workflow';
import type { ProviderRefund } from '../domain/provider-reports';

/**
 * How far the workflow is: `opening` the refund (or `refused` it), asking the provider while the
 * merchant waits for the `first_request`'s answer, then `following` the refund until it settles,
 * with an admin's retries and cancels once it requires attention. The refund's status says the rest.
 */
export type Stage = 'opening' | 'refused' | 'first_request' | 'following';

/** An admin's retry or cancel, waiting for the workflow to carry it out; a refused cancel says why. */
export interface AdminRequest {
  kind: 'retry' | 'cancel';
  refusal: ApplicationFailure | null;
}

/** What the workflow does next, decided in one place (`nextStep`) from what arrived and what is due. */
export type Step =
  | { kind: 'notification'; report: ProviderRefund }
  | { kind: 'retry' }
  | { kind: 'cancel'; request: AdminRequest }
  | { kind: 'deadline' }
  | { kind: 'poll' }
  | { kind: 'nothing_due' };
