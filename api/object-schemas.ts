import { ERROR_TYPES } from './errors';
import { z } from 'zod';
import { CHECKOUT_LOCALES, CHECKOUT_SESSION_STATUSES } from '../domain/checkout-session';
import type { toCustomerObject } from '../domain/customer';
import type { toEventObject } from '../domain/event-object';
import { EVENT_TYPES } from '../domain/events';
import { CHANNELS, PAYMENT_STATUSES, PROVIDERS } from '../domain/payment';
import type { toPaymentObject } from '../domain/payment-object';
import { REFUND_ORIGINS, REFUND_STATUSES, type toRefundObject } from '../domain/refund';
import { MESSAGE_CHANNELS, MESSAGE_STATUSES, TEMPLATE_VARIABLE_TYPES } from '../domain/message';
import type {
  apiKeyObject,
  createdApiKeyObject,
  createdMerchantObject,
  merchantObject,
  sandboxAccountsObject,
} from './admin.routes';
import type { errorBody } from './errors';
import type { courierAnswer } from './kratos-courier.routes';
import type { messageAccountObject } from './message-accounts.routes';
import type { toMessageObject } from './messages.routes';
import type { stuckObject } from './operations.routes';
import type { couponObject, taxRateObject } from './pricing.service';
import type { discrepancyObject, runObject, summaryObject } from './reconciliation.routes';
import type { toTemplateObject, toTemplatePreviewObject } from './templates.routes';
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

const timestamp = z.iso.datetime({ offset: true });
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
    merchant: z.object({ name: z.string() }),
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
  created_at: timestamp,
};

export const webhookEndpointObjectSchema = z.object(webhookEndpointFields).meta({ id: 'WebhookEndpoint' });

/** The create route's answer: the only time the signing secret is shown. */
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
    livemode: z.boolean(),
    created_at: timestamp,
  })
  .meta({ id: 'Coupon' });

// Platform administration

export const merchantObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('merchant'),
    name: z.string(),
    email: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'Merchant' });

export const createdMerchantObjectSchema = z
  .object({ merchant: merchantObjectSchema, test_secret_key: z.string() })
  .meta({ id: 'CreatedMerchant', description: 'The test-mode secret key is shown this once.' });

const apiKeyFields = {
  id: z.string(),
  object: z.literal('api_key'),
  merchant: z.string(),
  livemode: z.boolean(),
  redacted: z.string(),
  created_at: timestamp,
  revoked_at: timestamp.nullable(),
};

export const apiKeyObjectSchema = z.object(apiKeyFields).meta({ id: 'ApiKey' });

export const createdApiKeyObjectSchema = z
  .object({ ...apiKeyFields, secret: z.string() })
  .meta({ id: 'CreatedApiKey', description: 'The secret is shown this once.' });

export const sandboxAccountsObjectSchema = z
  .object({
    merchant: z.string(),
    opened: z.array(z.enum(PROVIDERS)).describe('Sandbox providers opened now; empty when all were open already.'),
  })
  .meta({ id: 'SandboxAccounts' });

// Messaging

const templateVariableSchema = z.object({
  name: z.string(),
  type: z.enum(TEMPLATE_VARIABLE_TYPES),
  sample: z.string(),
  secret: z.boolean().optional(),
});

export const templateObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('template'),
    code: z.string(),
    channel: z.enum(MESSAGE_CHANNELS),
    locale: z.enum(CHECKOUT_LOCALES),
    builtin: z.boolean(),
    status: z.enum(['draft', 'published']).describe('published when the draft equals the published version'),
    subject: z.string().nullable(),
    body: z.string(),
    variables: z.array(templateVariableSchema),
    aliyun_template_code: z.string().nullable(),
    version: z.number().int(),
    published: z
      .object({
        subject: z.string().nullable(),
        body: z.string(),
        variables: z.array(templateVariableSchema).nullable(),
        aliyun_template_code: z.string().nullable(),
        published_at: timestamp.nullable(),
      })
      .nullable()
      .describe('What every send uses; null until the first publish.'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Template' });

export const templatePreviewObjectSchema = z
  .object({
    object: z.literal('template_preview'),
    template: z.string(),
    version: z.enum(['draft', 'published']),
    subject: z.string().nullable(),
    text: z.string(),
    html: z.string().nullable(),
    missing: z.array(z.string()).describe('Declared variables given no value: their samples are shown.'),
    problems: z
      .array(z.object({ param: z.enum(['subject', 'body', 'variables', 'aliyun_template_code']), message: z.string() }))
      .describe('Why publish would refuse this content; empty when it would not.'),
  })
  .meta({ id: 'TemplatePreview' });

export const messageObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('message'),
    merchant: z.string().nullable(),
    livemode: z.boolean(),
    template: z.string(),
    template_version: z.number().int().nullable(),
    channel: z.enum(MESSAGE_CHANNELS),
    to: z.string().nullable().describe('null once the customer it was sent to was erased'),
    locale: z.enum(CHECKOUT_LOCALES),
    object_id: z.string(),
    customer: z.string().nullable(),
    subject: z.string().nullable(),
    body: z.string().nullable().describe('Rendered with its codes masked; null until prepared.'),
    status: z.enum(MESSAGE_STATUSES),
    failure_code: z.string().nullable(),
    failure_message: z.string().nullable(),
    attempt_count: z.number().int(),
    created_at: timestamp,
    sent_at: timestamp.nullable(),
    delivered_at: timestamp.nullable(),
    attempts: z
      .array(
        z.object({
          number: z.number().int(),
          at: timestamp.nullable(),
          outcome: z.enum(['sent', 'retryable', 'throttled', 'final']),
          code: z.string(),
          message: z.string().nullable(),
          request_id: z.string().nullable(),
          latency_ms: z.number().int(),
        }),
      )
      .optional()
      .describe('On the single GET and a test send only.'),
  })
  .meta({ id: 'Message' });

export const messageAccountObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('message_account'),
    provider: z.literal('aliyun'),
    merchant: z.string().nullable().describe("null: the platform's account"),
    livemode: z.boolean(),
    access_key_id: z.string(),
    sign_name: z.string(),
    sender_address: z.string(),
    from_alias: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'MessageAccount' });

export const reconciliationRunObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('reconciliation_run'),
    provider_account: z.string(),
    date: z.iso.date(),
    status: z.string().describe('running | completed | failed'),
    statement_entries: z.number().int().nullable(),
    matched: z.number().int().nullable(),
    discrepancies: z.number().int().nullable(),
    error: z.string().nullable(),
    started_at: timestamp,
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'ReconciliationRun' });

/** What a run started now answers when it finished within the request (202 `running` otherwise). */
export const reconciliationSummaryObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('reconciliation_run'),
    provider_account: z.string(),
    date: z.iso.date(),
    status: z.enum(['completed', 'failed']),
    statement_entries: z.number().int(),
    matched: z.number().int(),
    discrepancies: z.number().int(),
    error: z.string().nullable(),
  })
  .meta({ id: 'ReconciliationSummary' });

export const reconciliationDiscrepancyObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('reconciliation_discrepancy'),
    run: z.string(),
    provider_account: z.string(),
    merchant: z.string(),
    date: z.iso.date(),
    kind: z.string().describe('missing_here | missing_there | amount_differs'),
    object_type: z.string().describe('payment | refund'),
    out_trade_no: z.string(),
    out_refund_no: z.string().nullable(),
    payment: z.string().nullable(),
    refund: z.string().nullable(),
    our_amount: z.number().int().nullable(),
    provider_amount: z.number().int().nullable(),
    note: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'ReconciliationDiscrepancy' });

export const stuckActivityObjectSchema = z
  .object({
    object: z.literal('stuck_activity'),
    workflow_id: z.string(),
    activity_id: z.string(),
    activity_type: z.string(),
    attempt: z.number().int(),
    last_failure: z.string().nullable(),
    first_failed_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'StuckActivity' });

export const kratosCourierAnswerSchema = z
  .object({
    object: z.literal('message'),
    id: z.string(),
    status: z.enum(MESSAGE_STATUSES),
    created: z.boolean().describe('false when Kratos retried a message already taken: nothing new is sent'),
  })
  .meta({ id: 'KratosCourierAnswer' });

export const deletedObjectSchema = (object: string) =>
  z.object({ id: z.string(), object: z.literal(object), deleted: z.literal(true) });

/** API.md's list: `{"object":"list","url":…,"data":[…],"has_more":bool}`, newest first. */
export function listObjectSchema(item: z.ZodType) {
  return z.object({ object: z.literal('list'), url: z.string(), data: z.array(item), has_more: z.boolean() });
}

// What each shaping function returns must be a value of its schema: a field added, renamed or
// retyped on one side only fails `tsc`.
type Matches<Actual extends Expected, Expected> = Actual;
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
  Matches<ReturnType<typeof merchantObject>, z.infer<typeof merchantObjectSchema>>,
  Matches<ReturnType<typeof createdMerchantObject>, z.infer<typeof createdMerchantObjectSchema>>,
  Matches<ReturnType<typeof apiKeyObject>, z.infer<typeof apiKeyObjectSchema>>,
  Matches<ReturnType<typeof createdApiKeyObject>, z.infer<typeof createdApiKeyObjectSchema>>,
  Matches<ReturnType<typeof sandboxAccountsObject>, z.infer<typeof sandboxAccountsObjectSchema>>,
  Matches<ReturnType<typeof toTemplateObject>, z.infer<typeof templateObjectSchema>>,
  Matches<ReturnType<typeof toTemplatePreviewObject>, z.infer<typeof templatePreviewObjectSchema>>,
  Matches<ReturnType<typeof toMessageObject>, z.infer<typeof messageObjectSchema>>,
  Matches<ReturnType<typeof messageAccountObject>, z.infer<typeof messageAccountObjectSchema>>,
  Matches<ReturnType<typeof runObject>, z.infer<typeof reconciliationRunObjectSchema>>,
  Matches<ReturnType<typeof summaryObject>, z.infer<typeof reconciliationSummaryObjectSchema>>,
  Matches<ReturnType<typeof discrepancyObject>, z.infer<typeof reconciliationDiscrepancyObjectSchema>>,
  Matches<ReturnType<typeof stuckObject>, z.infer<typeof stuckActivityObjectSchema>>,
  Matches<ReturnType<typeof courierAnswer>, z.infer<typeof kratosCourierAnswerSchema>>,
];
