import { paymentIdOfEvent, type StoredEvent } from './event-object';

/** What a webhook delivery workflow is started with; fixed for the run, so replays see the same. */
export interface WebhookDeliveryInput {
  eventId: string;
  webhookEndpointId: string;
  /** For the search attributes support filters deliveries by. */
  merchantId: string;
  eventType: string;
  /** The payment the event is about (itself, or the payment of a refund); null for other objects. */
  paymentId: string | null;
  /** Divides every backoff delay; 1 in production, 60 in tests (as PaymentWorkflowInput). */
  timeScale: number;
  /**
   * `event`: started when the event happened, attempts on the whole schedule. `resend`: started
   * by a merchant's resend after the earlier run had ended, attempts once.
   */
  reason: 'event' | 'resend';
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** What a webhook delivery workflow ends with. */
export interface WebhookDeliveryResult {
  status: WebhookDeliveryStatus;
  /** Attempts made by this run. */
  attempts: number;
}

/**
 * The webhook delivery workflow's signature, for those that start it by its type name
 * (`'webhookDeliveryWorkflow'`) without importing workflow code: the activities that dispatch events.
 */
export type WebhookDeliveryWorkflow = (input: WebhookDeliveryInput) => Promise<WebhookDeliveryResult>;

export function webhookDeliveryInput(
  event: StoredEvent,
  webhookEndpointId: string,
  timeScale: number,
  reason: WebhookDeliveryInput['reason'],
): WebhookDeliveryInput {
  return {
    eventId: event.id,
    webhookEndpointId,
    merchantId: event.merchantId,
    eventType: event.type,
    paymentId: paymentIdOfEvent(event),
    timeScale,
    reason,
  };
}
