/** The console's words for the API's statuses, through Paraglide's messages. */
import { m } from '$lib/paraglide/messages.js';

type Message = () => string;

export type PaymentStatus = 'requires_action' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'expired';
export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'requires_attention' | 'canceled';

export const PAYMENT_STATUSES: readonly PaymentStatus[] = [
  'requires_action',
  'processing',
  'succeeded',
  'failed',
  'canceled',
  'expired',
];
export const REFUND_STATUSES: readonly RefundStatus[] = [
  'pending',
  'succeeded',
  'failed',
  'requires_attention',
  'canceled',
];

const PAYMENT: Record<PaymentStatus, Message> = {
  requires_action: m.payment_status_requires_action,
  processing: m.payment_status_processing,
  succeeded: m.payment_status_succeeded,
  failed: m.payment_status_failed,
  canceled: m.payment_status_canceled,
  expired: m.payment_status_expired,
};
const REFUND: Record<RefundStatus, Message> = {
  pending: m.refund_status_pending,
  succeeded: m.refund_status_succeeded,
  failed: m.refund_status_failed,
  requires_attention: m.refund_status_requires_attention,
  canceled: m.refund_status_canceled,
};

export type NotificationOutcome =
  'signaled' | 'refused' | 'unknown_order' | 'late' | 'late_payment_refunded' | 'canceled_refund_reopened';
export const NOTIFICATION_OUTCOMES: readonly NotificationOutcome[] = [
  'signaled',
  'refused',
  'unknown_order',
  'late',
  'late_payment_refunded',
  'canceled_refund_reopened',
];
const OUTCOME: Record<NotificationOutcome, Message> = {
  signaled: m.outcome_signaled,
  refused: m.outcome_refused,
  unknown_order: m.outcome_unknown_order,
  late: m.outcome_late,
  late_payment_refunded: m.outcome_late_payment_refunded,
  canceled_refund_reopened: m.outcome_canceled_refund_reopened,
};

/** What the API did with a provider's notification, as the timeline says it. */
export const outcomeName = (outcome: NotificationOutcome): string => OUTCOME[outcome]();
/** A badge's tone for an outcome: signaled is good, refused and unknown want a look, the rest are neutral. */
export const outcomeTone = (outcome: NotificationOutcome): 'good' | 'bad' | '' =>
  outcome === 'signaled' ? 'good' : outcome === 'refused' || outcome === 'unknown_order' ? 'bad' : '';
export const paymentStatusName = (status: PaymentStatus): string => PAYMENT[status]();
export const refundStatusName = (status: RefundStatus): string => REFUND[status]();

/** A payment the person can still cancel: the API cancels only those not yet paid or otherwise ended. */
export const cancelable = (status: PaymentStatus): boolean => status === 'requires_action' || status === 'processing';

/** A success rate (0–1, four places) as a percentage; "—" when no payment ended. */
export function formatRate(rate: number | null, locale: string): string {
  if (rate === null) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate);
}
