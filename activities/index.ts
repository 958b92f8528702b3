import { createPaymentActivities } from './payment.activities';
import { type ActivityDeps } from './deps';
import { createReconciliationActivities } from './reconciliation.activities';
import { createRefundActivities } from './refund.activities';
import { createWebhookActivities } from './webhook.activities';
import { withStoreErrorsClassified } from './store-failures';
import { createPurgeActivities } from './purge.activities';

export type { ActivityDeps } from './deps';

/**
 * Every activity of the worker, created with its dependencies, permanent store errors made
 * non-retryable (store-failures.ts). Workflows see only the type.
 */
export function createActivities(deps: ActivityDeps) {
  return withStoreErrorsClassified({
    ...createPaymentActivities(deps),
    ...createRefundActivities(deps),
    ...createReconciliationActivities(deps),
    ...createWebhookActivities(deps),
    ...createPurgeActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
