import { ERROR_TYPES } from './errors';
import { z } from 'zod';
import { CHECKOUT_LOCALES, CHECKOUT_SESSION_STATUSES } from '../domain/checkout-session';
import type { toCustomerObject } from '../domain/customer';
import type { toEventObject } from '../domain/event-object';
import { EVENT_TYPES } from '../domain/events';
import { CHANNELS, PAYMENT_STATUSES, PROVIDERS } from '../domain/payment';
import type { toPaymentObject } from '../domain/payment-object';
import { REFUND_ORIGINS, REFUND_STATUSES, type toRefundObject } from '../domain/refund';
import type { errorBody } from './errors';
import type { accountObject } from './account.routes';
import type { couponObject, taxRateObject } from './pricing.service';
import type {
  publicObject,
  sessionObject,
  sessionPaymentObject,
  verificationObject,
  verifiedObject,
  wechatOauthObject,
} from './checkout.routes';
import type { toWebhookDeliveryObject, toWebhookEndpointObject } from './webhook-objects';

// The objects of API.md as zod schemas, for the OpenAPI document (api/openapi.ts) only: the routes
// shape their answers with the functions named below, and `Matches` at the end of this file makes
// the compiler refuse a schema that no longer describes what its function returns.

export const timestamp = z.iso.datetime({ offset: true });
const metadata = z.record(z.string(), z.string());

export const errorObjectSchema = z
  .object({
    error: z.object({
      type: z.enum(ERROR_TYPES),
      code: z.string(),
      message: z.string(),
      param: z.string().nullable(),
      request_id: z.string(),
    }),
  })
  .meta({ id: 'Error', description: 'Every error answer (API.md "Errors").' });

const nextActionSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('display_qr_code'),
      display_qr_code: z.object({ data: z.string(), image_svg_url: z.string().nullable() }),
    }),
    z.object({
      type: z.literal('redirect_to_url'),
      redirect_to_url: z.object({
        url: z.string(),
        method: z.enum(['GET', 'POST']),
        form: z.record(z.string(), z.string()).nullable(),
      }),
    }),
    z.object({
      type: z.literal('wechat_jsapi'),
      wechat_jsapi: z.object({
        appId: z.string(),
        timeStamp: z.string(),
        nonceStr: z.string(),
        package: z.string(),
        signType: z.literal('RSA'),
        paySign: z.string(),
      }),
    }),
  ])
  .meta({ id: 'NextAction' });

export const paymentObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('payment'),
    livemode: z.boolean(),
    status: z.enum(PAYMENT_STATUSES),
    amount: z.number().int(),
    amount_refunded: z.number().int(),
    currency: z.string(),
    channel: z.enum(CHANNELS),
    provider: z.enum(PROVIDERS),
    description: z.string(),
    merchant_order_no: z.string().nullable(),
    customer: z.string().nullable(),
    metadata,
    next_action: nextActionSchema.nullable(),
    return_url: z.string().nullable(),
    checkout_url: z.string().nullable(),
    out_trade_no: z.string(),
    provider_trade_no: z.string().nullable(),
    failure_code: z.string().nullable(),
    failure_message: z.string().nullable(),
    expires_at: timestamp,
    created_at: timestamp,
    succeeded_at: timestamp.nullable(),
    canceled_at: timestamp.nullable(),
    expired_at: timestamp.nullable(),
  })
  .meta({ id: 'Payment' });

export const refundObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('refund'),
    livemode: z.boolean(),
    payment: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.enum(REFUND_STATUSES),
    reason: z.string().nullable(),
    metadata,
    origin: z.enum(REFUND_ORIGINS),
    out_refund_no: z.string(),
    provider_refund_no: z.string().nullable(),
    failure_reason: z.string().nullable(),
    created_at: timestamp,
    succeeded_at: timestamp.nullable(),
  })
  .meta({ id: 'Refund' });

const lineItemSchema = z.object({
  name: z.string(),
  quantity: z.number().int(),
  unit_amount: z.number().int(),
  amount_subtotal: z.number().int(),
  amount_discount: z.number().int(),
  amount_tax: z.number().int(),
  amount_total: z.number().int(),
  tax_rate: z
    .object({ id: z.string(), display_name: z.string(), percentage: z.number(), inclusive: z.boolean() })
    .nullable(),
});

export const checkoutSessionObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('checkout.session'),
    livemode: z.boolean(),
    url: z.string(),
    status: z.enum(CHECKOUT_SESSION_STATUSES),
    currency: z.string(),
    locale: z.enum(CHECKOUT_LOCALES),
    line_items: z.array(lineItemSchema),
    discounts: z.array(
      z.object({
        coupon: z.object({ code: z.string(), percent_off: z.number().nullable(), amount_off: z.number().nullable() }),
        amount: z.number().int(),
      }),
    ),
    allowed_channels: z.array(z.enum(CHANNELS)),
    customer: z.string().nullable(),
    save_customer: z.string().describe('optional | never'),
    success_url: z.string(),
    cancel_url: z.string(),
    amount_subtotal: z.number().int(),
    amount_discount: z.number().int(),
    amount_tax: z.number().int(),
    amount_total: z.number().int(),
    payment: z.string().nullable(),
    expires_at: timestamp,
    created_at: timestamp,
  })
  .meta({ id: 'CheckoutSession' });

const shippingAddressSchema = z
  .object({
    name: z.string().optional(),
    phone: z.string().optional(),
    line1: z.string().optional(),
    line2: z.string().optional(),
    district: z.string().optional(),
    city: z.string().optional(),
    state: z.string().optional(),
    postal_code: z.string().optional(),
    country: z.string().optional(),
  })
  .meta({ id: 'ShippingAddress' });

// The hosted checkout page's own routes (no key: the session id is the capability)

const sessionPaymentSchema = z
  .object({
    id: z.string(),
    status: z.enum(PAYMENT_STATUSES),
    channel: z.enum(CHANNELS),
    next_action: nextActionSchema.nullable(),
    expires_at: timestamp,
  })
  .meta({ id: 'CheckoutPagePaymentState' });

/** The session as the page sees it: no customer, no save_customer; the merchant's name, the payment in progress. */
export const publicCheckoutSessionObjectSchema = z
  .object({
    ...checkoutSessionObjectSchema.omit({ customer: true, save_customer: true }).shape,
    merchant: z.object({
      name: z.string().describe('The display name, else the name.'),
      logo: z.string().nullable().describe('A data URL (PNG, JPEG or WebP).'),
      brand_color: z.string().nullable().describe('#rrggbb'),
      suspended: z
        .boolean()
        .describe(
          'The platform suspended the merchant: the page offers no payment (a pay answers 403 merchant_suspended); one made before goes on.',
        ),
    }),
    payment: sessionPaymentSchema.nullable(),
    details_offer: z.enum(['none', 'receipt', 'receipt_and_save']),
  })
  .meta({ id: 'PublicCheckoutSession' });

export const wechatOauthObjectSchema = z
  .object({ object: z.literal('wechat_oauth'), url: z.string() })
  .meta({ id: 'WechatOauth' });

export const sessionPaymentObjectSchema = z
  .object({ payment: sessionPaymentSchema })
  .meta({ id: 'CheckoutPagePayment' });

export const customerVerificationObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('customer_verification'),
    status: z.literal('pending'),
    masked_details: z.object({
      phone: z.string(),
      email: z.string().nullable(),
      name: z.string().nullable(),
      has_shipping_address: z.boolean(),
    }),
    expires_at: timestamp,
  })
  .meta({ id: 'CustomerVerification' });

export const verifiedCustomerVerificationObjectSchema = z
  .object({
    object: z.literal('customer_verification'),
    status: z.literal('verified'),
    details: z.object({
      phone: z.string().nullable(),
      email: z.string().nullable(),
      name: z.string().nullable(),
      shipping_address: shippingAddressSchema.nullable(),
    }),
  })
  .meta({ id: 'VerifiedCustomerVerification' });

export const customerObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('customer'),
    livemode: z.boolean(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    name: z.string().nullable(),
    locale: z.enum(CHECKOUT_LOCALES).nullable(),
    shipping_address: shippingAddressSchema.nullable(),
    preferred_channel: z.enum(CHANNELS).nullable(),
    metadata,
    created_at: timestamp,
    updated_at: timestamp,
    deleted: z.literal(true).optional(),
  })
  .meta({ id: 'Customer' });

export const eventObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('event'),
    type: z.enum(EVENT_TYPES),
    created_at: timestamp,
    livemode: z.boolean(),
    data: z.object({ object: z.record(z.string(), z.unknown()) }),
  })
  .meta({ id: 'Event' });

const webhookEndpointFields = {
  id: z.string(),
  object: z.literal('webhook_endpoint'),
  livemode: z.boolean(),
  url: z.string(),
  enabled_events: z.array(z.string()),
  description: z.string().nullable(),
  metadata,
  status: z.enum(['enabled', 'disabled']).describe('A disabled endpoint is sent no events.'),
  previous_secret_expires_at: timestamp
    .nullable()
    .describe('After a roll: until when the old secret signs deliveries too (a second v1=).'),
  created_at: timestamp,
};

export const webhookEndpointObjectSchema = z.object(webhookEndpointFields).meta({ id: 'WebhookEndpoint' });

/** The create and roll_secret answers: the only time the signing secret is shown. */
export const createdWebhookEndpointObjectSchema = z
  .object({ ...webhookEndpointFields, secret: z.string() })
  .meta({ id: 'CreatedWebhookEndpoint' });

export const webhookDeliveryObjectSchema = z
  .object({
    object: z.literal('webhook_delivery'),
    event: z.string(),
    webhook_endpoint: z.string(),
    url: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempt_count: z.number().int(),
    last_status_code: z.number().int().nullable(),
    next_attempt_at: timestamp.nullable(),
    delivered_at: timestamp.nullable(),
    created_at: timestamp,
    attempts: z.array(
      z.object({
        object: z.literal('webhook_attempt'),
        number: z.number().int(),
        at: timestamp,
        status_code: z.number().int().nullable(),
        latency_ms: z.number().int().nullable(),
        error: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'WebhookDelivery' });

export const taxRateObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('tax_rate'),
    display_name: z.string(),
    percentage: z.number(),
    inclusive: z.boolean(),
    active: z.boolean().describe('false: archived; new checkout sessions cannot use it.'),
    livemode: z.boolean(),
    created_at: timestamp,
  })
  .meta({ id: 'TaxRate' });

export const couponObjectSchema = z
  .object({
    object: z.literal('coupon'),
    code: z.string(),
    percent_off: z.number().nullable(),
    amount_off: z.number().int().nullable(),
    currency: z.string().nullable(),
    max_redemptions: z.number().int().nullable(),
    times_redeemed: z.number().int(),
    expires_at: timestamp.nullable(),
    active: z.boolean().describe('false: archived; new checkout sessions cannot use it.'),
    livemode: z.boolean(),
    created_at: timestamp,
  })
  .meta({ id: 'Coupon' });

/** The merchant's own account, with the hosted checkout's branding. */
export const accountObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('account'),
    livemode: z.boolean(),
    name: z.string(),
    email: z.string().nullable(),
    display_name: z.string().nullable().describe('The name the hosted checkout shows; null: `name`.'),
    logo: z.string().nullable().describe('The logo as a data URL (PNG, JPEG or WebP).'),
    brand_color: z.string().nullable().describe("#rrggbb: the hosted checkout's header and pay button."),
    default_locale: z.enum(CHECKOUT_LOCALES).nullable().describe("A checkout session's language when it names none."),
    require_mfa: z.boolean().describe('Every member must sign in to the console with a second factor (TOTP).'),
    created_at: timestamp,
  })
  .meta({ id: 'Account' });

export const deletedObjectSchema = (object: string) =>
  z.object({ id: z.string(), object: z.literal(object), deleted: z.literal(true) });

/** API.md's list: `{"object":"list","url":…,"data":[…],"has_more":bool}`, newest first. */
export function listObjectSchema(item: z.ZodType) {
  return z.object({ object: z.literal('list'), url: z.string(), data: z.array(item), has_more: z.boolean() });
}

// What each shaping function returns must be a value of its schema: a field added, renamed or
// retyped on one side only fails `tsc`.
export type Matches<Actual extends Expected, Expected> = Actual;
export type ObjectSchemaChecks = [
  Matches<ReturnType<typeof errorBody>, z.infer<typeof errorObjectSchema>>,
  Matches<ReturnType<typeof toPaymentObject>, z.infer<typeof paymentObjectSchema>>,
  Matches<ReturnType<typeof toRefundObject>, z.infer<typeof refundObjectSchema>>,
  Matches<ReturnType<typeof sessionObject>, z.infer<typeof checkoutSessionObjectSchema>>,
  Matches<ReturnType<typeof publicObject>, z.infer<typeof publicCheckoutSessionObjectSchema>>,
  Matches<ReturnType<typeof wechatOauthObject>, z.infer<typeof wechatOauthObjectSchema>>,
  Matches<ReturnType<typeof sessionPaymentObject>, z.infer<typeof sessionPaymentObjectSchema>>,
  Matches<ReturnType<typeof verificationObject>, z.infer<typeof customerVerificationObjectSchema>>,
  Matches<ReturnType<typeof verifiedObject>, z.infer<typeof verifiedCustomerVerificationObjectSchema>>,
  Matches<ReturnType<typeof toCustomerObject>, z.infer<typeof customerObjectSchema>>,
  Matches<ReturnType<typeof toEventObject>, z.infer<typeof eventObjectSchema>>,
  Matches<ReturnType<typeof toWebhookEndpointObject>, z.infer<typeof webhookEndpointObjectSchema>>,
  Matches<ReturnType<typeof toWebhookDeliveryObject>, z.infer<typeof webhookDeliveryObjectSchema>>,
  Matches<ReturnType<typeof taxRateObject>, z.infer<typeof taxRateObjectSchema>>,
  Matches<ReturnType<typeof couponObject>, z.infer<typeof couponObjectSchema>>,
  Matches<ReturnType<typeof accountObject>, z.infer<typeof accountObjectSchema>>,
];
