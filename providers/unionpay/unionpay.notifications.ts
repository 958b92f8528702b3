import { NotificationRejectedError } from '../errors';
import type { NotificationAck, RawNotification } from '../provider';
import { describeFirstIssue } from '../wire-issues';
import type { UnionpayClient } from './unionpay.client';
import { amountFromUnionpay } from './unionpay.mapping';
import { unionpayNotificationSchema, type UnionpayNotification } from './unionpay.types';

// UnionPay's notifications (the forms it posts to backUrl): which ones are UnionPay's own and for
// this merchant, and the answer UnionPay reads back. What a verified one reports is read in
// unionpay.provider.ts, next to the queries that report the same transactions.

/** A notification UnionPay signed for this merchant, with its amount in fen. */
export interface VerifiedUnionpayNotification {
  notification: UnionpayNotification;
  amountMinor: number;
}

/** Throws NotificationRejectedError unless the form is UnionPay's, signed for this merId, and well formed. */
export function verifyUnionpayNotification(
  client: UnionpayClient,
  notification: RawNotification,
): VerifiedUnionpayNotification {
  const form = notification.form;
  if (!form)
    throw new NotificationRejectedError('UnionPay notifications are forms (application/x-www-form-urlencoded)');
  const cfg = client.config();
  const verified = client.verifyMessage(form);
  if (!verified.ok) throw new NotificationRejectedError(`not signed by UnionPay: ${verified.reason}`);
  if (form.merId !== cfg.merId)
    throw new NotificationRejectedError(`notification is for merId ${form.merId ?? '(none)'}, not ${cfg.merId}`);
  const parsed = unionpayNotificationSchema.safeParse(form);
  if (!parsed.success) {
    throw new NotificationRejectedError(`not a UnionPay transaction notification: ${describeFirstIssue(parsed.error)}`);
  }
  const n = parsed.data;
  let amountMinor: number;
  try {
    amountMinor = amountFromUnionpay(n.txnAmt);
  } catch {
    throw new NotificationRejectedError(`txnAmt ${JSON.stringify(n.txnAmt)} is not an amount`);
  }
  return { notification: n, amountMinor };
}

export function unionpayNotificationAck(outcome: 'accepted' | 'refused'): NotificationAck {
  // UnionPay reads only the status: anything but HTTP 200 is a failure it sends again later.
  return outcome === 'accepted'
    ? { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' }
    : { status: 400, contentType: 'text/plain; charset=utf-8', body: 'fail' };
}
