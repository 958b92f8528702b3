import { z } from 'zod';
import { CHANNELS, PROVIDERS } from '../domain/payment';
import type { toAdminAuditEntryObject } from './admin-audit-log.routes';
import type { toAdminCustomerObject } from './admin-customers.routes';
import type { toProviderNotificationObject } from './admin-notifications.routes';
import { NOTIFICATION_OUTCOMES } from './admin-notifications.routes';
import type { adminOverviewObject, failingEndpointObject } from './admin-overview.routes';
import type { toAdminRefundObject } from './admin-refunds.service';
import type { toAdminPaymentObject } from './admin-transactions.routes';
import { paymentTimelineObjectSchema } from './console-object-schemas';
import {
  customerObjectSchema,
  listObjectSchema,
  paymentObjectSchema,
  refundObjectSchema,
  timestamp,
  type Matches,
} from './object-schemas';
import { auditEntryObjectSchema } from './team-object-schemas';

// The answers of the admin console's operations routes (api/admin-operations.routes.ts), for the
// OpenAPI document only; `Matches` below holds each to the function that shapes it.

const merchant = z.string().describe('The merchant it belongs to.');

export const adminPaymentObjectSchema = paymentObjectSchema.extend({ merchant }).meta({ id: 'AdminPayment' });

export const adminPaymentTimelineObjectSchema = paymentTimelineObjectSchema
  .extend({ merchant })
  .meta({ id: 'AdminPaymentTimeline' });

export const adminRefundObjectSchema = refundObjectSchema
  .extend({
    merchant,
    attempt: z.number().int().describe('1 for the first request, one more for each admin retry.'),
    provider_requests: z.number().int().describe('Requests sent to the provider, each automatic retry counted.'),
    provider_answer: z
      .object({
        code: z
          .string()
          .nullable()
          .describe("The provider's error code (`SYSTEM_ERROR`, `http_500`); null for an answer."),
        message: z.string().nullable(),
        at: timestamp,
      })
      .nullable()
      .describe('What the provider last answered a request for this refund (or what failed on the way).'),
    attention: z
      .object({ since: timestamp, age_seconds: z.number().int() })
      .nullable()
      .describe('While it requires attention: since when.'),
  })
  .meta({ id: 'AdminRefund' });

export const providerNotificationObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('provider_notification'),
    provider: z.enum(PROVIDERS),
    provider_account: z.string(),
    merchant: z.string().nullable(),
    out_trade_no: z.string().nullable(),
    out_refund_no: z.string().nullable(),
    payment: z.string().nullable(),
    outcome: z.enum(NOTIFICATION_OUTCOMES),
    reason: z.string().nullable().describe('Why it was refused, unknown or late: the verification outcome.'),
    body_sha256: z.string().nullable(),
    body_bytes: z.number().int().nullable(),
    received_at: timestamp,
    body: z
      .string()
      .optional()
      .describe('On the single GET only: as posted (a refused one, its first 2 KB). Holds no credential.'),
  })
  .meta({ id: 'ProviderNotification' });

export const adminCustomerObjectSchema = customerObjectSchema.extend({ merchant }).meta({ id: 'AdminCustomer' });

export const adminCustomerWithPaymentsObjectSchema = customerObjectSchema
  .extend({ merchant, payments: listObjectSchema(adminPaymentObjectSchema).describe('The latest 20.') })
  .meta({ id: 'AdminCustomerWithPayments' });

export const adminAuditEntryObjectSchema = auditEntryObjectSchema
  .extend({ merchant: z.string().nullable() })
  .meta({ id: 'AdminAuditEntry' });

const volume = {
  currency: z.string(),
  count: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  expired: z.number().int(),
  canceled: z.number().int(),
  open: z.number().int(),
  amount: z.number().int().describe('Minor units, every payment of the group.'),
  succeeded_amount: z.number().int(),
  success_rate: z.number().nullable().describe('succeeded / (succeeded + failed + expired); null when none ended.'),
};

const counter = z.object({
  count: z.number().int(),
  since: timestamp.nullable().describe('Counted since then; null: as things stand now.'),
  url: z.string().describe('The queue it counts.'),
});

export const adminOverviewObjectSchema = z
  .object({
    object: z.literal('admin_overview'),
    period: z.enum(['1d', '7d', '30d']),
    start: timestamp,
    end: timestamp,
    livemode: z.boolean().nullable(),
    totals: z.array(z.object(volume)).describe('One per currency.'),
    by_provider: z.array(z.object({ provider: z.enum(PROVIDERS), ...volume })),
    by_channel: z.array(z.object({ provider: z.enum(PROVIDERS), channel: z.enum(CHANNELS), ...volume })),
    counters: z.object({
      refunds_requires_attention: counter,
      notifications_refused: counter,
      notifications_unknown_order: counter,
      notifications_late: counter,
      discrepancies_open: counter,
      webhook_endpoints_failing: counter,
      workflows_stuck: counter,
      messages_failed: counter,
    }),
  })
  .meta({ id: 'AdminOverview' });

export const failingWebhookEndpointObjectSchema = z
  .object({
    object: z.literal('failing_webhook_endpoint'),
    webhook_endpoint: z.string(),
    merchant,
    livemode: z.boolean(),
    url: z.string(),
    attempts: z.number().int().describe('Attempts over the last 24 hours, all failed.'),
    first_attempt_at: timestamp,
    last_attempt_at: timestamp,
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
  })
  .meta({ id: 'FailingWebhookEndpoint' });

export type AdminOpsObjectSchemaChecks = [
  Matches<ReturnType<typeof toAdminPaymentObject>, z.infer<typeof adminPaymentObjectSchema>>,
  Matches<ReturnType<typeof toAdminRefundObject>, z.infer<typeof adminRefundObjectSchema>>,
  Matches<ReturnType<typeof toProviderNotificationObject>, z.infer<typeof providerNotificationObjectSchema>>,
  Matches<ReturnType<typeof toAdminCustomerObject>, z.infer<typeof adminCustomerObjectSchema>>,
  Matches<ReturnType<typeof toAdminAuditEntryObject>, z.infer<typeof adminAuditEntryObjectSchema>>,
  Matches<ReturnType<typeof adminOverviewObject>, z.infer<typeof adminOverviewObjectSchema>>,
  Matches<ReturnType<typeof failingEndpointObject>, z.infer<typeof failingWebhookEndpointObjectSchema>>,
];
