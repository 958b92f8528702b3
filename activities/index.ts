import { createPaymentActivities } from './payment.activities';
import { type ActivityDeps } from './deps';
import { createReconciliationActivities } from './reconciliation.activities';
import { createRefundActivities } from './refund.activities';
import { createWebhookActivities } from './webhook.activities';
import { withStoreErrorsClassified } from './store-failures';
import { createPurgeActivities } from './purge.activities';
import { createPaymentCheckActivities } from './payment-checks.activities';
import { createMessageActivities } from './message.activities';
import { createPaymentExportActivities } from './payment-export.activities';
import { RECEIPT_EVENTS, createReceiptActivities } from './receipt.activities';
import { ALERT_EVENTS, createAlertActivities } from './alert.activities';
import { decryptAccount } from '../db/provider-accounts.store';
import { createProviderCache } from '../providers/provider-cache';

export type { ActivityDeps } from './deps';

/**
 * Every activity of the worker, created with its dependencies, permanent store errors made
 * non-retryable (store-failures.ts). Workflows see only the type.
 */
export function createActivities(deps: ActivityDeps) {
  const webhooks = createWebhookActivities(deps);
  const receipts = createReceiptActivities(deps);
  const alerts = createAlertActivities(deps);
  /**
   * What an event sets off: its webhook deliveries, the shopper's receipt when it is a succeeded
   * payment or refund, the operators' alert when a refund needs them. Each is idempotent, so the
   * activity may run again after a failure of any.
   */
  const dispatchEvent = async (input: { eventId: string }): Promise<void> => {
    const type = await webhooks.dispatchEvent(input);
    if (RECEIPT_EVENTS.has(type)) await receipts.sendReceipts(input);
    if (ALERT_EVENTS.has(type)) await alerts.sendAlerts(input);
  };
  const providers = createProviderCache((row) => decryptAccount(row, deps.secretBox), deps.providerEnv);
  return withStoreErrorsClassified({
    ...createPaymentActivities(deps, dispatchEvent, providers),
    ...createPaymentCheckActivities(deps, providers),
    ...createRefundActivities(deps),
    ...createReconciliationActivities(deps),
    ...webhooks,
    dispatchEvent,
    ...createPurgeActivities(deps),
    ...createMessageActivities(deps),
    ...createPaymentExportActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
