import { z } from 'zod';
import { EVENT_TYPES } from '../domain/events';
import { CHANNELS, PAYMENT_STATUSES, PROVIDERS } from '../domain/payment';
import { PAYMENT_EXPORT_STATUSES } from '../domain/payment-export';
import { REFUND_STATUSES } from '../domain/refund';
import type { paymentExportObject } from './payment-exports.routes';
import type { toPaymentTimelineObject } from './payment-timeline';
import type { overviewObject } from './reports.routes';
import {
  paymentObjectSchema,
  refundObjectSchema,
  timestamp,
  webhookDeliveryObjectSchema,
  type Matches,
} from './object-schemas';

// The answers the merchant console reads (a payment's timeline, the overview, CSV exports), as
// object-schemas.ts does for API.md's objects: for the OpenAPI document, checked against the
// functions that shape them by `Matches` below.

const NOTIFICATION_OUTCOMES = [
  'signaled',
  'refused',
  'unknown_order',
  'late',
  'late_payment_refunded',
  'canceled_refund_reopened',
] as const;

const timelineEntrySchema = z
  .discriminatedUnion('kind', [
    z.object({
      at: timestamp,
      kind: z.literal('payment_transition'),
      from: z.enum(PAYMENT_STATUSES).nullable(),
      to: z.enum(PAYMENT_STATUSES),
      source: z.string().meta({ description: 'What caused it: create, notification, poll, expiry, cancel…' }),
    }),
    z.object({
      at: timestamp,
      kind: z.literal('refund_transition'),
      refund: z.string(),
      attempt: z.number().int().meta({ description: 'Grows each time an admin retries the refund.' }),
      from: z.enum(REFUND_STATUSES).nullable(),
      to: z.enum(REFUND_STATUSES),
      source: z.string(),
    }),
    z.object({
      at: timestamp,
      kind: z.literal('provider_notification'),
      id: z.string(),
      provider: z.enum(PROVIDERS),
      about: z.enum(['payment', 'refund']),
      refund: z.string().nullable(),
      outcome: z.enum(NOTIFICATION_OUTCOMES).meta({
        description:
          'signaled: verified and handed to the workflow; refused: its amount did not match; late: the payment had ended; late_payment_refunded: paid after it closed, refunded; unknown_order; canceled_refund_reopened.',
      }),
      reason: z.string().nullable(),
    }),
    z.object({
      at: timestamp,
      kind: z.literal('event'),
      event: z.string(),
      type: z.enum(EVENT_TYPES),
      object_id: z.string(),
      deliveries: z.array(webhookDeliveryObjectSchema),
    }),
  ])
  .meta({ id: 'PaymentTimelineEntry' });

export const paymentTimelineObjectSchema = z
  .object({
    object: z.literal('payment_timeline'),
    payment: paymentObjectSchema,
    workflow_id: z.string().meta({ description: "The payment's workflow in Temporal (`payment/<pay_id>`)." }),
    refunds: z.array(refundObjectSchema),
    entries: z.array(timelineEntrySchema).meta({ description: 'Oldest first.' }),
  })
  .meta({ id: 'PaymentTimeline' });

const countsFields = {
  count: z.number().int().meta({ description: 'Payments created in the period, whatever their status.' }),
  succeeded_count: z.number().int(),
  closed_count: z.number().int().meta({ description: 'Failed, expired and canceled payments.' }),
  gross_volume: z.number().int().meta({ description: 'The amount of the succeeded payments, before refunds (fen).' }),
  success_rate: z.number().nullable().meta({
    description:
      'succeeded / (succeeded + failed + expired + canceled), 0..1 to four places; open payments are left out; null when none ended.',
  }),
};

export const overviewObjectSchema = z
  .object({
    object: z.literal('report_overview'),
    livemode: z.boolean(),
    days: z.union([z.literal(1), z.literal(7), z.literal(30)]),
    interval: z.enum(['hour', 'day']),
    timezone: z.literal('Asia/Shanghai'),
    start: timestamp,
    end: timestamp,
    currency: z.literal('CNY'),
    ...countsFields,
    by_channel: z.array(z.object({ channel: z.enum(CHANNELS), ...countsFields })),
    by_provider: z.array(z.object({ provider: z.enum(PROVIDERS), ...countsFields })),
    refunds: z
      .object({ count: z.number().int(), amount: z.number().int() })
      .meta({ description: 'Refunds created in the period that did not fail and were not canceled.' }),
    series: z.array(z.object({ at: timestamp, ...countsFields, refunded_amount: z.number().int() })).meta({
      description: 'One entry per hour (days=1) or China day, oldest first, empty ones included; `at` is its start.',
    }),
  })
  .meta({ id: 'ReportOverview' });

export const paymentExportObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('payment_export'),
    livemode: z.boolean(),
    status: z.enum(PAYMENT_EXPORT_STATUSES),
    filters: z.object({
      status: z.enum(PAYMENT_STATUSES).nullable(),
      channel: z.enum(CHANNELS).nullable(),
      provider: z.enum(PROVIDERS).nullable(),
      merchant_order_no: z.string().nullable(),
      customer: z.string().nullable(),
      'amount[gte]': z.number().int().nullable(),
      'amount[lte]': z.number().int().nullable(),
      'created[gte]': timestamp.nullable(),
      'created[lte]': timestamp.nullable(),
      q: z.string().nullable(),
    }),
    row_count: z.number().int(),
    failure_reason: z.string().nullable(),
    created_at: timestamp,
    completed_at: timestamp.nullable(),
    file_url: z.string().nullable().meta({ description: 'GET it for the CSV once `status` is ready.' }),
  })
  .meta({ id: 'PaymentExport' });

export type ConsoleObjectSchemaChecks = [
  Matches<ReturnType<typeof toPaymentTimelineObject>, z.infer<typeof paymentTimelineObjectSchema>>,
  Matches<ReturnType<typeof overviewObject>, z.infer<typeof overviewObjectSchema>>,
  Matches<ReturnType<typeof paymentExportObject>, z.infer<typeof paymentExportObjectSchema>>,
];
