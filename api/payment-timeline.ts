import { toPaymentObject } from '../domain/payment-object';
import { toRefundObject } from '../domain/refund';
import { paymentWorkflowId } from '../domain/workflow-ids';
import type { PaymentTimeline } from './payment-timeline.service';
import { toWebhookDeliveryObject } from './webhook-objects';

const iso = (date: Date): string => new Date(date).toISOString();

/**
 * Entries that share an instant read in causal order: the provider's word, the state it caused,
 * the event announcing it.
 */
const KIND_ORDER = { provider_notification: 0, payment_transition: 1, refund_transition: 2, event: 3 } as const;

/** The answer of GET /v1/payments/:id/timeline: the payment, its refunds, and every entry oldest first. */
export function toPaymentTimelineObject(timeline: PaymentTimeline) {
  const refundByNumber = new Map(timeline.refunds.map((refund) => [refund.outRefundNo, refund.id]));
  const entries = [
    ...timeline.transitions.map((transition) => ({
      at: iso(transition.at),
      kind: 'payment_transition' as const,
      from: transition.from_status,
      to: transition.to_status,
      source: transition.source,
    })),
    ...timeline.refundTransitions.map((transition) => ({
      at: iso(transition.at),
      kind: 'refund_transition' as const,
      refund: transition.refund_id,
      attempt: transition.attempt,
      from: transition.from_status,
      to: transition.to_status,
      source: transition.source,
    })),
    ...timeline.notifications.map((notification) => ({
      at: iso(notification.received_at),
      kind: 'provider_notification' as const,
      id: notification.id,
      provider: notification.provider,
      about: notification.out_refund_no ? ('refund' as const) : ('payment' as const),
      refund: notification.out_refund_no ? (refundByNumber.get(notification.out_refund_no) ?? null) : null,
      outcome: notification.outcome,
      reason: notification.reason,
    })),
    ...timeline.events.map(({ event, deliveries }) => ({
      at: iso(event.created_at),
      kind: 'event' as const,
      event: event.id,
      type: event.type,
      object_id: event.object_id,
      deliveries: deliveries.map(toWebhookDeliveryObject),
    })),
  ].sort((a, b) => a.at.localeCompare(b.at) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  return {
    object: 'payment_timeline' as const,
    payment: toPaymentObject(timeline.payment),
    /** The payment's workflow, as the Temporal Web UI finds it. */
    workflow_id: paymentWorkflowId(timeline.payment.id),
    refunds: timeline.refunds.map(toRefundObject),
    entries,
  };
}
