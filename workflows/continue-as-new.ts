import { patched, workflowInfo } from '@temporalio/workflow';

// A payment or refund that waits long (a refund in front of an admin for weeks, a close the provider
// keeps refusing) adds a timer and an activity to its history every few minutes or hours. Its run
// ends at a quiet moment and a new run goes on with its state (continue-as-new), so no history grows
// without end.

/**
 * Our own bound on a run's history, well under the 2,000 events issue 10 allows and Temporal's own
 * suggestion (thousands): a step (a poll, a close, an admin's retry) adds at most a few dozen more.
 */
export const CONTINUE_AFTER_EVENTS = 1_000;

/**
 * Workflows that ran before continue-as-new replay as they ran: a history recorded past the bound
 * went on waiting in the same run.
 */
const CONTINUE_AS_NEW_PATCH = 'continue-as-new-when-long';

/** Whether this run's history is long enough that the workflow should go on in a new run. */
export function historyIsLong(): boolean {
  const { continueAsNewSuggested, historyLength } = workflowInfo();
  return (continueAsNewSuggested || historyLength >= CONTINUE_AFTER_EVENTS) && patched(CONTINUE_AS_NEW_PATCH);
}
