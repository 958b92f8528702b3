// The refund workflow's activities, by the role each plays in it (workflows/refund.workflow.ts).
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PROVIDER_OPTIONS, STORE_OPTIONS, WAITED_FOR_OPTIONS } from './activity-options';

// The activities, by role. While the merchant waits for the first answer, the refund is stored,
// asked of the provider and its state recorded by local activities: one round trip to the server
// instead of one per call, still recorded in the history.
export const {
  openRefund,
  requestProviderRefund: requestWhileMerchantWaits,
  recordRefundTransition: recordWhileMerchantWaits,
} = proxyLocalActivities<Activities>(WAITED_FOR_OPTIONS);
// Our books, after that.
export const { recordRefundTransition, dispatchEvent } = proxyActivities<Activities>(STORE_OPTIONS);
// What the provider says of the refund, asked in the background for as long as it takes.
export const { queryProviderRefund } = proxyActivities<Activities>(PROVIDER_OPTIONS);
// A refund request, a few tries at once: once the deadline has passed (a poll found that the
// provider lost the refund), and in workflows that ran before REQUEST_RETRY_POLICY_PATCH.
export const { requestProviderRefund: requestAFewTimes } = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 3 },
});
// The last question before an admin is asked to look: bounded, so a provider that cannot answer
// does not hold the refund back from requires_attention.
export const { queryProviderRefund: queryBeforeAttention } = proxyActivities<Activities>({
  ...PROVIDER_OPTIONS,
  scheduleToCloseTimeout: '1m',
});
