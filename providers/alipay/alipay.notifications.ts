import { NotificationRejectedError } from '../errors';
import type { NotificationAck, RawNotification } from '../provider';
import { describeFirstIssue } from '../wire-issues';
import type { AlipayClient } from './alipay.client';
import type { AlipayClientConfig } from './alipay.config';
import { amountFromAlipay } from './alipay.mapping';
import { alipayTradeStatusSyncNotificationSchema, type AlipayTradeStatusSyncNotification } from './alipay.types';

// Alipay's notifications (trade_status_sync forms posted to notify_url): which ones are Alipay's
// own and for this app, and the answer Alipay reads back. What a verified one reports is read in
// alipay.provider.ts, next to the queries that report the same trades.

/** A notification Alipay signed for this app, with the trade's total in fen. */
export interface VerifiedAlipayNotification {
  notification: AlipayTradeStatusSyncNotification;
  amountMinor: number;
}

/** Throws NotificationRejectedError unless the form is signed by Alipay for this app, and well formed. */
export function verifyAlipayNotification(
  client: AlipayClient,
  config: AlipayClientConfig,
  notification: RawNotification,
): VerifiedAlipayNotification {
  const form = notification.form;
  if (!form) throw new NotificationRejectedError('Alipay notifications are forms (application/x-www-form-urlencoded)');
  if (!client.isSignedByAlipay(form))
    throw new NotificationRejectedError(`signature does not verify with the Alipay public key of app ${config.appId}`);
  if (form.app_id !== config.appId) {
    throw new NotificationRejectedError(`notification is for app ${form.app_id ?? '(none)'}, not ${config.appId}`);
  }
  const parsed = alipayTradeStatusSyncNotificationSchema.safeParse(form);
  if (!parsed.success) {
    throw new NotificationRejectedError(`not a trade_status_sync notification: ${describeFirstIssue(parsed.error)}`);
  }
  const n = parsed.data;
  let amountMinor: number;
  try {
    amountMinor = amountFromAlipay(n.total_amount);
  } catch {
    throw new NotificationRejectedError(`total_amount ${JSON.stringify(n.total_amount)} is not an amount`);
  }
  return { notification: n, amountMinor };
}

export function alipayNotificationAck(outcome: 'accepted' | 'refused'): NotificationAck {
  // Alipay reads only the body: anything but `success` is a failure it retries on its
  // schedule (4m, 10m, 10m, 1h, 2h, 6h, 15h). The status is for our own logs and metrics,
  // where a refused notification should not look like a delivered one.
  // https://opendocs.alipay.com/open/270/105902
  return outcome === 'accepted'
    ? { status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' }
    : { status: 400, contentType: 'text/plain; charset=utf-8', body: 'fail' };
}
