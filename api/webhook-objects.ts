import type { WebhookAttemptRow, WebhookEndpointRow } from '../db/entities';
import type { DeliveryWithAttempts } from './webhooks.service';

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

/** The webhook endpoint object; the secret is added by the create route only. */
export function toWebhookEndpointObject(endpoint: WebhookEndpointRow) {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint' as const,
    livemode: endpoint.livemode,
    url: endpoint.url,
    enabled_events: endpoint.enabledEvents,
    description: endpoint.description,
    metadata: endpoint.metadata,
    status: endpoint.disabled ? ('disabled' as const) : ('enabled' as const),
    /** After a roll: until when the old secret signs deliveries too. */
    previous_secret_expires_at: iso(
      endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date()
        ? endpoint.previousSecretExpiresAt
        : null,
    ),
    created_at: iso(endpoint.createdAt)!,
  };
}

function toAttemptObject(attempt: WebhookAttemptRow) {
  return {
    object: 'webhook_attempt' as const,
    number: attempt.number,
    at: iso(attempt.at)!,
    status_code: attempt.statusCode,
    latency_ms: attempt.latencyMs,
    error: attempt.error,
  };
}

/** One event's delivery to one endpoint, with every attempt, oldest first. */
export function toWebhookDeliveryObject({ delivery, url, attempts }: DeliveryWithAttempts) {
  return {
    object: 'webhook_delivery' as const,
    event: delivery.eventId,
    webhook_endpoint: delivery.webhookEndpointId,
    url,
    status: delivery.status,
    attempt_count: delivery.attemptCount,
    last_status_code: delivery.lastStatusCode,
    next_attempt_at: iso(delivery.nextAttemptAt),
    delivered_at: iso(delivery.deliveredAt),
    created_at: iso(delivery.createdAt)!,
    attempts: attempts.map(toAttemptObject),
  };
}
