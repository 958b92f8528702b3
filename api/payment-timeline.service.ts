import { RefundSchema, WebhookAttemptSchema, WebhookDeliverySchema, WebhookEndpointSchema } from '../db/entities';
import type { EventType } from '../domain/events';
import type { PaymentRecord, PaymentStatus, ProviderName } from '../domain/payment';
import type { RefundRecord, RefundStatus } from '../domain/refund';
import type { ApiDeps } from './deps';
import type { NotificationOutcome } from './notifications.service';
import type { Merchant, PaymentsService } from './payments.service';
import type { DeliveryWithAttempts } from './webhooks.service';

/** A status change of the payment, as its workflow recorded it (`payment_transitions`). */
export interface PaymentTransitionRow {
  from_status: PaymentStatus | null;
  to_status: PaymentStatus;
  source: string;
  at: Date;
}

/** A status change of one of its refunds (`refund_transitions`); `attempt` grows when an admin retries. */
export interface RefundTransitionRow {
  refund_id: string;
  attempt: number;
  from_status: RefundStatus | null;
  to_status: RefundStatus;
  source: string;
  at: Date;
}

/** A notification the provider sent about the payment's order or one of its refunds, with what became of it. */
export interface NotificationRow {
  id: string;
  provider: ProviderName;
  out_refund_no: string | null;
  outcome: NotificationOutcome;
  reason: string | null;
  received_at: Date;
}

/** An event of the payment or of one of its refunds. */
export interface TimelineEventRow {
  id: string;
  type: EventType;
  object_id: string;
  created_at: Date;
}

/** Everything the console's payment page shows, read in one request. */
export interface PaymentTimeline {
  payment: PaymentRecord;
  transitions: PaymentTransitionRow[];
  refunds: RefundRecord[];
  refundTransitions: RefundTransitionRow[];
  notifications: NotificationRow[];
  events: { event: TimelineEventRow; deliveries: DeliveryWithAttempts[] }[];
}

/**
 * How many notifications a timeline shows (the latest): a provider resends until acknowledged, and
 * anything that verifies could be sent again and again; a payment's page must stay small.
 */
export const TIMELINE_NOTIFICATIONS = 200;

export function createPaymentTimelineService(deps: ApiDeps, payments: PaymentsService) {
  const { db } = deps;

  async function deliveriesOf(events: TimelineEventRow[]): Promise<Map<string, DeliveryWithAttempts[]>> {
    const byEvent = new Map<string, DeliveryWithAttempts[]>(events.map((event) => [event.id, []]));
    if (events.length === 0) return byEvent;
    const eventIds = events.map((event) => event.id);
    const [deliveries, attempts] = await Promise.all([
      db.fork().find(WebhookDeliverySchema, { eventId: { $in: eventIds } }, { orderBy: { createdAt: 'asc' } }),
      db.fork().find(WebhookAttemptSchema, { eventId: { $in: eventIds } }, { orderBy: { number: 'asc' }, limit: 5000 }),
    ]);
    const endpointIds = [...new Set(deliveries.map((delivery) => delivery.webhookEndpointId))];
    const endpoints =
      endpointIds.length > 0 ? await db.fork().find(WebhookEndpointSchema, { id: { $in: endpointIds } }) : [];
    const urls = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint.url]));
    for (const delivery of deliveries)
      byEvent.get(delivery.eventId)?.push({
        delivery,
        url: urls.get(delivery.webhookEndpointId) ?? '',
        attempts: attempts.filter(
          (attempt) => attempt.eventId === delivery.eventId && attempt.webhookEndpointId === delivery.webhookEndpointId,
        ),
      });
    return byEvent;
  }

  return {
    /**
     * The payment with its transitions, its provider's notifications about it, its refunds and
     * their transitions, and its and its refunds' events with their webhook deliveries. 404 for
     * another merchant's payment, or the other mode's.
     */
    async timeline(merchant: Merchant, paymentId: string): Promise<PaymentTimeline> {
      const payment = await payments.find(merchant, paymentId);
      // The refunds' ids come from a subquery: every read below starts at once.
      const refundIds = `select id from refunds where payment_id = ? and merchant_id = ? and livemode = ?`;
      const scope = [payment.id, merchant.id, merchant.livemode];
      const [transitions, refunds, refundTransitions, notifications, events] = await Promise.all([
        db
          .fork()
          .execute<PaymentTransitionRow[]>(
            `select from_status, to_status, source, at from payment_transitions where payment_id = ? order by at, id`,
            [payment.id],
          ),
        db
          .fork()
          .find(
            RefundSchema,
            { paymentId: payment.id, merchantId: merchant.id, livemode: merchant.livemode },
            { orderBy: { createdAt: 'asc', id: 'asc' } },
          ),
        db
          .fork()
          .execute<RefundTransitionRow[]>(
            `select refund_id, attempt, from_status, to_status, source, at from refund_transitions where refund_id in (${refundIds}) order by at, id`,
            scope,
          ),
        // By the order number at the payment's provider account: notifications refused for their
        // amount, and refund notifications, name the order too (refused signatures name nothing).
        db.fork().execute<NotificationRow[]>(
          `select * from (
             select id::text, provider, out_refund_no, outcome, reason, received_at from provider_notifications
              where provider_account_id = ? and out_trade_no = ? order by received_at desc, id desc limit ?
           ) latest order by received_at, id`,
          [payment.providerAccountId, payment.outTradeNo, TIMELINE_NOTIFICATIONS],
        ),
        db.fork().execute<TimelineEventRow[]>(
          `select id, type, object_id, created_at from events
              where merchant_id = ? and livemode = ? and (object_id = ? or object_id in (${refundIds}))
              order by created_at, id`,
          [merchant.id, merchant.livemode, payment.id, ...scope],
        ),
      ]);
      const deliveries = await deliveriesOf(events);
      return {
        payment,
        transitions,
        refunds,
        refundTransitions,
        notifications,
        events: events.map((event) => ({ event, deliveries: deliveries.get(event.id) ?? [] })),
      };
    },
  };
}

export type PaymentTimelineService = ReturnType<typeof createPaymentTimelineService>;
