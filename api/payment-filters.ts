import { z } from 'zod';
import { CHANNELS, PAYMENT_STATUSES, PROVIDERS } from '../domain/payment';
import type { PaymentFilters } from '../domain/payment-filters';
import { customerIdSchema, text } from './validation';

// The filters of GET /v1/payments, which POST /v1/payment_exports takes too (in its body, where
// numbers may come as numbers). Ranges follow the list's existing `created[gte]` (API.md, Stripe's
// convention): `amount[gte]`, `amount[lte]`, `created[gte]`, `created[lte]`, all inclusive.

const UNIX_SECONDS = /^\d{1,11}$/;

/** A time as the API takes it: ISO 8601 with an offset (`2026-12-03T10:00:00Z`), or unix seconds. */
export const instant = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const iso = z.iso.datetime({ offset: true });
    if (typeof value === 'number' ? Number.isInteger(value) && value >= 0 : UNIX_SECONDS.test(value))
      return new Date(Number(value) * 1000).toISOString();
    if (typeof value === 'string' && iso.safeParse(value).success) return new Date(value).toISOString();
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time with an offset, or unix seconds' });
    return z.NEVER;
  })
  .meta({ description: 'An ISO 8601 time with an offset (`2026-12-03T10:00:00Z`) or unix seconds; inclusive.' });

/** An amount bound in minor units (fen). */
const amountBound = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const amount = typeof value === 'number' ? value : /^\d{1,16}$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(amount) && amount >= 0) return amount;
    ctx.addIssue({ code: 'custom', message: 'must be a non-negative integer of minor units (fen)' });
    return z.NEVER;
  })
  .meta({ description: 'Minor units (fen); inclusive.' });

export const paymentFilterShape = {
  status: z.enum(PAYMENT_STATUSES).optional(),
  channel: z.enum(CHANNELS).optional(),
  provider: z.enum(PROVIDERS).optional(),
  merchant_order_no: text().max(64).optional(),
  customer: customerIdSchema.optional(),
  'amount[gte]': amountBound.optional(),
  'amount[lte]': amountBound.optional(),
  'created[gte]': instant.optional(),
  'created[lte]': instant.optional(),
  q: text().min(1).max(128).optional().meta({
    description:
      'Exact match (not a prefix or substring) of the payment id, merchant_order_no, out_trade_no, provider_trade_no or customer id.',
  }),
};

type FilterFields = z.infer<z.ZodObject<typeof paymentFilterShape>>;

/** Refuses an empty range by naming its upper bound. */
export function refineRanges(value: FilterFields, ctx: z.RefinementCtx): void {
  const amountGte = value['amount[gte]'];
  const amountLte = value['amount[lte]'];
  if (amountGte !== undefined && amountLte !== undefined && amountGte > amountLte)
    ctx.addIssue({ code: 'custom', path: ['amount[lte]'], message: 'must not be below amount[gte]' });
  const createdGte = value['created[gte]'];
  const createdLte = value['created[lte]'];
  if (createdGte && createdLte && createdGte > createdLte)
    ctx.addIssue({ code: 'custom', path: ['created[lte]'], message: 'must not be before created[gte]' });
}

/** The parsed fields as the filters the store reads. */
export function toPaymentFilters(fields: FilterFields): PaymentFilters {
  const filters: PaymentFilters = {
    status: fields.status,
    channel: fields.channel,
    provider: fields.provider,
    merchantOrderNo: fields.merchant_order_no,
    customer: fields.customer,
    amountGte: fields['amount[gte]'],
    amountLte: fields['amount[lte]'],
    createdGte: fields['created[gte]'],
    createdLte: fields['created[lte]'],
    q: fields.q,
  };
  // Without the filters not given: the export stores and shows exactly what was asked.
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) as PaymentFilters;
}

/** The filters as the API names them (an export shows what it was asked for). */
export function paymentFiltersObject(filters: PaymentFilters) {
  return {
    status: filters.status ?? null,
    channel: filters.channel ?? null,
    provider: filters.provider ?? null,
    merchant_order_no: filters.merchantOrderNo ?? null,
    customer: filters.customer ?? null,
    'amount[gte]': filters.amountGte ?? null,
    'amount[lte]': filters.amountLte ?? null,
    'created[gte]': filters.createdGte ?? null,
    'created[lte]': filters.createdLte ?? null,
    q: filters.q ?? null,
  };
}
