import { createPaymentActivities } from './payment.activities';
import { type ActivityDeps } from './deps';
import { createReconciliationActivities } from './reconciliation.activities';
import { createRefundActivities } from './refund.activities';
import { createWebhookActivities } from './webhook.activities';

export type { ActivityDeps } from './deps';

/** Every activity of the worker, created with its dependencies. Workflows see only the type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPaymentActivities(deps),
    ...createRefundActivities(deps),
    ...createReconciliationActivities(deps),
    ...createWebhookActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
