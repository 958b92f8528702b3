import { condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DeliveryStatusKey, EventIdKey, EventTypeKey, MerchantIdKey, PaymentIdKey } from '../domain/search-attributes';
import { resendWebhookSignal } from './messages';
import {
  type WebhookDeliveryInput,
  type WebhookDeliveryResult,
  type WebhookDeliveryStatus,
} from '../domain/webhook-delivery';
import { deliveryScheduleSeconds } from './webhook-schedule';
import { scaledMs } from './time';

// An attempt never throws for the merchant's answer (that is an outcome, recorded); Temporal's
// retries here only cover our own failures (database, a worker that died mid-attempt).
// 30 s leaves room for the 10 s HTTP timeout and the writes around it.
const deliveries = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

/**
 * Delivers one event to one webhook endpoint: attempts on the schedule of webhook-schedule.ts
 * until the endpoint answers 2xx, the endpoint is deleted, or 3 days have passed since the first
 * attempt. A resend signal makes an extra attempt at once and leaves the schedule as it was.
 * Workflow id `webhook/<evt_id>/<we_id>`.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const { eventId, webhookEndpointId } = input;

  let resendRequested = false;
  setHandler(resendWebhookSignal, () => {
    resendRequested = true;
  });

  upsertSearchAttributes([
    { key: MerchantIdKey, value: input.merchantId },
    { key: EventIdKey, value: eventId },
    { key: EventTypeKey, value: input.eventType },
    { key: DeliveryStatusKey, value: 'pending' },
    ...(input.paymentId ? [{ key: PaymentIdKey, value: input.paymentId }] : []),
  ]);

  const opened = await deliveries.openWebhookDelivery({ eventId, webhookEndpointId });
  // A resend that arrives before the event's own delivery ever ran still gets the whole schedule.
  const offsets = input.reason === 'resend' && opened.attemptCount > 0 ? [0] : deliveryScheduleSeconds();
  const firstAt = Date.now();
  const dueAt = (index: number): number | null =>
    index < offsets.length ? firstAt + scaledMs(offsets[index], input.timeScale) : null;

  let status: WebhookDeliveryStatus = opened.status;
  let number = opened.attemptCount;
  let next = 0;
  for (;;) {
    const due = dueAt(next);
    if (due === null && !resendRequested) break;
    if (!resendRequested && due !== null && due > Date.now()) await condition(() => resendRequested, due - Date.now());
    resendRequested = false;
    if (due !== null && Date.now() >= due) next++;
    const retryAt = dueAt(next);
    number++;
    const outcome = await deliveries.attemptWebhookDelivery({
      eventId,
      webhookEndpointId,
      number,
      retryInMs: retryAt === null ? null : Math.max(0, retryAt - Date.now()),
    });
    status = outcome.deliveryStatus;
    upsertSearchAttributes([{ key: DeliveryStatusKey, value: status }]);
    if (outcome.delivered || outcome.endpointDeleted) break;
  }
  return { status, attempts: number - opened.attemptCount };
}
