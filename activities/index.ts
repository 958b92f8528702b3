import { createPaymentActivities } from './payment.activities';
import { type ActivityDeps } from './deps';
import { createReconciliationActivities } from './reconciliation.activities';
import { createRefundActivities } from './refund.activities';
import { createWebhookActivities } from './webhook.activities';
import { withStoreErrorsClassified } from './store-failures';
import { createPurgeActivities } from './purge.activities';
import { createPaymentCheckActivities } from './payment-checks.activities';
import { decryptAccount } from '../db/provider-accounts.store';
import { createProviderCache } from '../providers/provider-cache';

export type { ActivityDeps } from './deps';

/**
 * Every activity of the worker, created with its dependencies, permanent store errors made
 * non-retryable (store-failures.ts). Workflows see only the type.
 */
export function createActivities(deps: ActivityDeps) {
  const webhooks = createWebhookActivities(deps);
  const providers = createProviderCache((row) => decryptAccount(row, deps.secretBox), deps.providerEnv);
  return withStoreErrorsClassified({
    ...createPaymentActivities(deps, webhooks.dispatchEvent, providers),
    ...createPaymentCheckActivities(deps, providers),
    ...createRefundActivities(deps),
    ...createReconciliationActivities(deps),
    ...webhooks,
    ...createPurgeActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
