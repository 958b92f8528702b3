import { ArrayType, BigIntType, EntitySchema } from '@mikro-orm/core';
import { optionalText, optionalTimestamp, text, timestamp } from './columns';

// Merchants' webhook endpoints, the deliveries of events to them and each attempt (api/webhooks.service.ts, activities/webhook.activities.ts); db/entities.ts re-exports them.

export interface WebhookEndpointRow {
  id: string;
  merchantId: string;
  livemode: boolean;
  url: string;
  description: string | null;
  /** Event types, or `['*']`. */
  enabledEvents: string[];
  metadata: Record<string, string>;
  /** The `whsec_…` signing secret, sealed by SecretBox; opened only to sign a delivery. */
  secretEncrypted: string;
  /** Disabled: no new deliveries, and running ones stop before their next attempt. */
  disabled?: boolean;
  /** After a roll, the secret it replaced (sealed): it signs deliveries too until it expires. */
  previousSecretEncrypted?: string | null;
  previousSecretExpiresAt?: Date | null;
  createdAt: Date;
  deletedAt: Date | null;
}

export interface WebhookDeliveryRow {
  eventId: string;
  webhookEndpointId: string;
  status: 'pending' | 'delivered' | 'failed';
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookAttemptRow {
  id: string;
  eventId: string;
  webhookEndpointId: string;
  number: number;
  at: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export const WebhookEndpointSchema = new EntitySchema<WebhookEndpointRow>({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoints',
  properties: {
    id: { ...text, primary: true },
    merchantId: text,
    livemode: { type: 'boolean' },
    url: text,
    description: optionalText,
    enabledEvents: { type: new ArrayType() },
    metadata: { type: 'json' },
    secretEncrypted: text,
    disabled: { type: 'boolean', default: false },
    previousSecretEncrypted: optionalText,
    previousSecretExpiresAt: optionalTimestamp,
    createdAt: { ...timestamp, onCreate: () => new Date() },
    deletedAt: optionalTimestamp,
  },
});

export const WebhookDeliverySchema = new EntitySchema<WebhookDeliveryRow>({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  properties: {
    eventId: { ...text, primary: true },
    webhookEndpointId: { ...text, primary: true },
    status: { type: 'text' },
    attemptCount: { type: 'integer' },
    nextAttemptAt: optionalTimestamp,
    lastAttemptAt: optionalTimestamp,
    lastStatusCode: { type: 'integer', nullable: true },
    deliveredAt: optionalTimestamp,
    createdAt: { ...timestamp, onCreate: () => new Date() },
    updatedAt: { ...timestamp, onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export const WebhookAttemptSchema = new EntitySchema<WebhookAttemptRow>({
  name: 'WebhookAttempt',
  tableName: 'webhook_attempts',
  properties: {
    id: { type: new BigIntType('string'), primary: true },
    eventId: text,
    webhookEndpointId: text,
    number: { type: 'integer' },
    at: timestamp,
    statusCode: { type: 'integer', nullable: true },
    latencyMs: { type: 'integer' },
    error: optionalText,
  },
});

export const WEBHOOK_SCHEMAS = [WebhookEndpointSchema, WebhookDeliverySchema, WebhookAttemptSchema];
