import { z } from 'zod';
import { createApiKeySchema, createMerchantSchema } from './admin.routes';
import { createSessionSchema, paySchema, startVerificationSchema, verifySchema } from './checkout.routes';
import { createCustomerSchema, listCustomersSchema, updateCustomerSchema } from './customers.routes';
import { listEventsSchema, resendSchema } from './events.routes';
import {
  createSchema as createMessageAccountSchema,
  updateSchema as updateMessageAccountSchema,
} from './message-accounts.routes';
import { listMessagesSchema } from './messages.routes';
import {
  apiKeyObjectSchema,
  checkoutSessionObjectSchema,
  couponObjectSchema,
  createdApiKeyObjectSchema,
  createdMerchantObjectSchema,
  createdWebhookEndpointObjectSchema,
  customerObjectSchema,
  customerVerificationObjectSchema,
  deletedObjectSchema,
  errorObjectSchema,
  eventObjectSchema,
  kratosCourierAnswerSchema,
  listObjectSchema,
  merchantObjectSchema,
  messageAccountObjectSchema,
  messageObjectSchema,
  paymentObjectSchema,
  publicCheckoutSessionObjectSchema,
  reconciliationDiscrepancyObjectSchema,
  reconciliationRunObjectSchema,
  reconciliationSummaryObjectSchema,
  refundObjectSchema,
  sandboxAccountsObjectSchema,
  sessionPaymentObjectSchema,
  stuckActivityObjectSchema,
  taxRateObjectSchema,
  templateObjectSchema,
  templatePreviewObjectSchema,
  verifiedCustomerVerificationObjectSchema,
  webhookDeliveryObjectSchema,
  webhookEndpointObjectSchema,
  wechatOauthObjectSchema,
} from './object-schemas';
import { stuckQuerySchema } from './operations.routes';
import { createPaymentSchema, listPaymentsSchema } from './payments.routes';
import { createCouponSchema, createTaxRateSchema, listSchema as pricingListSchema } from './pricing.routes';
import { discrepanciesQuerySchema, runSchema, runsQuerySchema } from './reconciliation.routes';
import { createRefundSchema, listRefundsSchema } from './refunds.routes';
import {
  createTemplateSchema,
  listTemplatesSchema,
  previewSchema,
  testSendSchema,
  updateTemplateSchema,
} from './templates.routes';
import { emptyBodySchema, plainListQuerySchema } from './validation';
import { createWebhookEndpointSchema } from './webhooks.routes';

// The OpenAPI 3.1 document of the API (GET /v1/openapi.json), made from the very zod schemas the
// routes parse requests with. Every route Express serves is one entry of OPERATIONS:
// api/openapi.test.ts walks the app's router and fails on a route this list lacks.

/** Who may call a route, as the document's security schemes say. */
type Access = 'merchant' | 'admin' | 'public' | 'provider' | 'courier';

interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express's form, `/v1/payments/:id`. */
  path: string;
  access: Access;
  summary: string;
  tag: string;
  /** A path parameter's id prefix (`pay` for `pay_…`), as `pathId` checks it. */
  ids?: Record<string, string>;
  query?: z.ZodType;
  body?: z.ZodType;
  bodyExample?: unknown;
  status: number;
  /** The answer's schema; absent where the answer is not described yet (see `undescribed`). */
  response?: z.ZodType;
  responseExample?: unknown;
  /** A non-JSON answer's media type (Prometheus text, provider acknowledgements). */
  responseType?: string;
}

const list = listObjectSchema;
const PAYMENT_EXAMPLE = {
  id: 'pay_2Vx8hQk3mJ9tLr4Nw7Yz',
  object: 'payment',
  livemode: false,
  status: 'requires_action',
  amount: 1999,
  amount_refunded: 0,
  currency: 'CNY',
  channel: 'alipay_qr',
  provider: 'alipay',
  description: 'Tea set',
  merchant_order_no: 'order-1001',
  customer: null,
  metadata: { order: '1001' },
  next_action: {
    type: 'display_qr_code',
    display_qr_code: { data: 'https://qr.alipay.com/bax01234', image_svg_url: null },
  },
  return_url: null,
  checkout_url: null,
  out_trade_no: 'tb2Vx8hQk3mJ9tLr4Nw7Yz',
  provider_trade_no: null,
  failure_code: null,
  failure_message: null,
  expires_at: '2026-12-03T10:15:00.000Z',
  created_at: '2026-12-03T10:00:00.000Z',
  succeeded_at: null,
  canceled_at: null,
  expired_at: null,
};
const REFUND_EXAMPLE = {
  id: 're_7Kp2Wq9sLm4Xv8Rt3Hb',
  object: 'refund',
  livemode: false,
  payment: PAYMENT_EXAMPLE.id,
  amount: 500,
  currency: 'CNY',
  status: 'pending',
  reason: 'One cup broken',
  metadata: {},
  origin: 'merchant',
  out_refund_no: 'rf7Kp2Wq9sLm4Xv8Rt3Hb',
  provider_refund_no: null,
  failure_reason: null,
  created_at: '2026-12-03T11:00:00.000Z',
  succeeded_at: null,
};
const TAX_RATE_EXAMPLE = {
  id: 'txr_4Hn8Qe2Lp7Wd3Ks9Vb',
  object: 'tax_rate',
  display_name: 'VAT',
  percentage: 13,
  inclusive: false,
  livemode: false,
  created_at: '2026-12-03T09:00:00.000Z',
};
const COUPON_EXAMPLE = {
  object: 'coupon',
  code: 'WELCOME10',
  percent_off: 10,
  amount_off: null,
  currency: null,
  max_redemptions: 100,
  times_redeemed: 0,
  expires_at: null,
  livemode: false,
  created_at: '2026-12-03T09:00:00.000Z',
};
const MERCHANT_EXAMPLE = {
  id: 'mer_8Tq3Zx6Nc1Rv5Jm2Wk',
  object: 'merchant',
  name: 'Tea House',
  email: 'owner@teahouse.example.cn',
  created_at: '2026-12-03T08:00:00.000Z',
};
const MESSAGE_ACCOUNT_EXAMPLE = {
  id: 'ma_5Wd9Lq2Hs7Xb4Np1Rc',
  object: 'message_account',
  provider: 'aliyun',
  merchant: MERCHANT_EXAMPLE.id,
  livemode: false,
  access_key_id: 'LTAI5tExampleKey01',
  sign_name: '茶叶小铺',
  sender_address: 'no-reply@teahouse.example.cn',
  from_alias: null,
  created_at: '2026-12-03T08:30:00.000Z',
};
const listExample = (url: string, item: unknown) => ({ object: 'list', url, data: [item], has_more: false });

export const OPERATIONS: Operation[] = [
  // Payments
  {
    method: 'post',
    path: '/v1/payments',
    access: 'merchant',
    tag: 'Payments',
    summary: 'Create a payment',
    body: createPaymentSchema,
    bodyExample: { amount: 1999, currency: 'CNY', channel: 'alipay_qr', description: 'Tea set' },
    status: 201,
    response: paymentObjectSchema,
    responseExample: PAYMENT_EXAMPLE,
  },
  {
    method: 'get',
    path: '/v1/payments',
    access: 'merchant',
    tag: 'Payments',
    summary: 'List payments, newest first',
    query: listPaymentsSchema,
    status: 200,
    response: list(paymentObjectSchema),
    responseExample: listExample('/v1/payments', PAYMENT_EXAMPLE),
  },
  {
    method: 'get',
    path: '/v1/payments/:id',
    access: 'merchant',
    tag: 'Payments',
    summary: 'Retrieve a payment',
    ids: { id: 'pay' },
    status: 200,
    response: paymentObjectSchema,
    responseExample: PAYMENT_EXAMPLE,
  },
  {
    method: 'post',
    path: '/v1/payments/:id/cancel',
    access: 'merchant',
    tag: 'Payments',
    summary: 'Cancel a payment the shopper has not paid',
    ids: { id: 'pay' },
    status: 200,
    response: paymentObjectSchema,
    responseExample: { ...PAYMENT_EXAMPLE, status: 'canceled', next_action: null },
  },
  // Refunds
  {
    method: 'post',
    path: '/v1/refunds',
    access: 'merchant',
    tag: 'Refunds',
    summary: 'Refund a payment, in full or in part',
    body: createRefundSchema,
    bodyExample: { payment: PAYMENT_EXAMPLE.id, amount: 500, reason: 'One cup broken' },
    status: 201,
    response: refundObjectSchema,
    responseExample: REFUND_EXAMPLE,
  },
  {
    method: 'get',
    path: '/v1/refunds',
    access: 'merchant',
    tag: 'Refunds',
    summary: 'List refunds, newest first',
    query: listRefundsSchema,
    status: 200,
    response: list(refundObjectSchema),
    responseExample: listExample('/v1/refunds', REFUND_EXAMPLE),
  },
  {
    method: 'get',
    path: '/v1/refunds/:id',
    access: 'merchant',
    tag: 'Refunds',
    summary: 'Retrieve a refund',
    ids: { id: 're' },
    status: 200,
    response: refundObjectSchema,
    responseExample: REFUND_EXAMPLE,
  },
  // Webhook endpoints and events
  {
    method: 'post',
    path: '/v1/webhook_endpoints',
    access: 'merchant',
    tag: 'Webhooks',
    summary: 'Create a webhook endpoint (its signing secret is shown once, here)',
    body: createWebhookEndpointSchema,
    bodyExample: { url: 'https://shop.example/webhooks/tongbao', enabled_events: ['payment.succeeded'] },
    status: 201,
    response: createdWebhookEndpointObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/webhook_endpoints',
    access: 'merchant',
    tag: 'Webhooks',
    summary: 'List webhook endpoints',
    query: plainListQuerySchema,
    status: 200,
    response: list(webhookEndpointObjectSchema),
  },
  {
    method: 'get',
    path: '/v1/webhook_endpoints/:id',
    access: 'merchant',
    tag: 'Webhooks',
    summary: 'Retrieve a webhook endpoint',
    ids: { id: 'we' },
    status: 200,
    response: webhookEndpointObjectSchema,
  },
  {
    method: 'delete',
    path: '/v1/webhook_endpoints/:id',
    access: 'merchant',
    tag: 'Webhooks',
    summary: 'Delete a webhook endpoint',
    ids: { id: 'we' },
    status: 200,
    response: deletedObjectSchema('webhook_endpoint'),
  },
  {
    method: 'get',
    path: '/v1/events',
    access: 'merchant',
    tag: 'Events',
    summary: 'List events, newest first',
    query: listEventsSchema,
    status: 200,
    response: list(eventObjectSchema),
  },
  {
    method: 'get',
    path: '/v1/events/:id',
    access: 'merchant',
    tag: 'Events',
    summary: 'Retrieve an event',
    ids: { id: 'evt' },
    status: 200,
    response: eventObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/events/:id/deliveries',
    access: 'merchant',
    tag: 'Events',
    summary: "An event's deliveries to the merchant's endpoints, with every attempt",
    ids: { id: 'evt' },
    status: 200,
    response: list(webhookDeliveryObjectSchema),
  },
  {
    method: 'post',
    path: '/v1/events/:id/resend',
    access: 'merchant',
    tag: 'Events',
    summary: 'Send an event again, to one endpoint or to all that take it',
    ids: { id: 'evt' },
    body: resendSchema,
    status: 200,
    response: list(webhookDeliveryObjectSchema),
  },
  // Pricing
  {
    method: 'post',
    path: '/v1/tax_rates',
    access: 'merchant',
    tag: 'Pricing',
    summary: 'Create a tax rate',
    body: createTaxRateSchema,
    status: 201,
    response: taxRateObjectSchema,
    responseExample: TAX_RATE_EXAMPLE,
  },
  {
    method: 'get',
    path: '/v1/tax_rates',
    access: 'merchant',
    tag: 'Pricing',
    summary: 'List tax rates',
    query: pricingListSchema,
    status: 200,
    response: list(taxRateObjectSchema),
    responseExample: listExample('/v1/tax_rates', TAX_RATE_EXAMPLE),
  },
  {
    method: 'post',
    path: '/v1/coupons',
    access: 'merchant',
    tag: 'Pricing',
    summary: 'Create a coupon',
    body: createCouponSchema,
    status: 201,
    response: couponObjectSchema,
    responseExample: COUPON_EXAMPLE,
  },
  {
    method: 'get',
    path: '/v1/coupons',
    access: 'merchant',
    tag: 'Pricing',
    summary: 'List coupons',
    query: pricingListSchema,
    status: 200,
    response: list(couponObjectSchema),
    responseExample: listExample('/v1/coupons', COUPON_EXAMPLE),
  },
  // Checkout sessions (the merchant's side)
  {
    method: 'post',
    path: '/v1/checkout/sessions',
    access: 'merchant',
    tag: 'Checkout',
    summary: 'Create a hosted checkout session',
    body: createSessionSchema,
    bodyExample: {
      currency: 'CNY',
      line_items: [{ name: 'Tea set', quantity: 1, unit_amount: 1999 }],
      success_url: 'https://shop.example/thanks',
      cancel_url: 'https://shop.example/cart',
    },
    status: 201,
    response: checkoutSessionObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/checkout/sessions/:id',
    access: 'merchant',
    tag: 'Checkout',
    summary: 'Retrieve a checkout session',
    ids: { id: 'cs' },
    status: 200,
    response: checkoutSessionObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/checkout/sessions/:id/expire',
    access: 'merchant',
    tag: 'Checkout',
    summary: 'Expire an open checkout session',
    ids: { id: 'cs' },
    status: 200,
    response: checkoutSessionObjectSchema,
  },
  // Customers
  {
    method: 'post',
    path: '/v1/customers',
    access: 'merchant',
    tag: 'Customers',
    summary: 'Create a customer',
    body: createCustomerSchema,
    bodyExample: { email: 'li.wei@qq.com', name: '李伟' },
    status: 201,
    response: customerObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/customers',
    access: 'merchant',
    tag: 'Customers',
    summary: 'List customers, or find one by e-mail address or phone',
    query: listCustomersSchema,
    status: 200,
    response: list(customerObjectSchema),
  },
  {
    method: 'get',
    path: '/v1/customers/:id',
    access: 'merchant',
    tag: 'Customers',
    summary: 'Retrieve a customer',
    ids: { id: 'cus' },
    status: 200,
    response: customerObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/customers/:id',
    access: 'merchant',
    tag: 'Customers',
    summary: 'Update a customer (null clears a field)',
    ids: { id: 'cus' },
    body: updateCustomerSchema,
    status: 200,
    response: customerObjectSchema,
  },
  {
    method: 'delete',
    path: '/v1/customers/:id',
    access: 'merchant',
    tag: 'Customers',
    summary: "Erase a customer's personal data",
    ids: { id: 'cus' },
    status: 200,
    response: customerObjectSchema,
  },
  // The hosted checkout page's calls (no key: the session id is the capability)
  {
    method: 'get',
    path: '/checkout/sessions/:id',
    access: 'public',
    tag: 'Hosted checkout',
    summary: 'The session as the hosted page shows it',
    ids: { id: 'cs' },
    status: 200,
    response: publicCheckoutSessionObjectSchema,
  },
  {
    method: 'get',
    path: '/checkout/sessions/:id/wechat_oauth',
    access: 'public',
    tag: 'Hosted checkout',
    summary: "WeChat's OAuth URL for a JSAPI payment",
    ids: { id: 'cs' },
    status: 200,
    response: wechatOauthObjectSchema,
  },
  {
    method: 'post',
    path: '/checkout/sessions/:id/payments',
    access: 'public',
    tag: 'Hosted checkout',
    summary: "Pay the session with the shopper's channel",
    ids: { id: 'cs' },
    body: paySchema,
    status: 201,
    response: sessionPaymentObjectSchema,
  },
  {
    method: 'post',
    path: '/checkout/sessions/:id/customer_verifications',
    access: 'public',
    tag: 'Hosted checkout',
    summary: 'Send a returning shopper a code by SMS, to fill in their saved details',
    ids: { id: 'cs' },
    body: startVerificationSchema,
    status: 201,
    response: customerVerificationObjectSchema,
  },
  {
    method: 'post',
    path: '/checkout/sessions/:id/customer_verifications/:verification/verify',
    access: 'public',
    tag: 'Hosted checkout',
    summary: 'Check the code; answers the saved details',
    ids: { id: 'cs', verification: 'cver' },
    body: verifySchema,
    status: 200,
    response: verifiedCustomerVerificationObjectSchema,
  },
  // Administration
  {
    method: 'post',
    path: '/v1/admin/merchants',
    access: 'admin',
    tag: 'Admin',
    summary: 'Create a merchant and its first test key',
    body: createMerchantSchema,
    bodyExample: { name: 'Tea House' },
    status: 201,
    response: createdMerchantObjectSchema,
    responseExample: { merchant: MERCHANT_EXAMPLE, test_secret_key: 'sk_test_3fK8vQ2nL7xR9wT4mB6hJ1cY5pD0sZaE' },
  },
  {
    method: 'get',
    path: '/v1/admin/merchants',
    access: 'admin',
    tag: 'Admin',
    summary: 'List merchants',
    query: plainListQuerySchema,
    status: 200,
    response: list(merchantObjectSchema),
    responseExample: listExample('/v1/admin/merchants', MERCHANT_EXAMPLE),
  },
  {
    method: 'post',
    path: '/v1/admin/merchants/:id/sandbox_accounts',
    access: 'admin',
    tag: 'Admin',
    summary: "Open the merchant's sandbox provider accounts",
    ids: { id: 'mer' },
    body: emptyBodySchema,
    status: 200,
    response: sandboxAccountsObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/admin/merchants/:id/api_keys',
    access: 'admin',
    tag: 'Admin',
    summary: 'Create a secret key',
    ids: { id: 'mer' },
    body: createApiKeySchema,
    status: 201,
    response: createdApiKeyObjectSchema,
  },
  {
    method: 'delete',
    path: '/v1/admin/api_keys/:id',
    access: 'admin',
    tag: 'Admin',
    summary: 'Revoke a secret key',
    ids: { id: 'key' },
    status: 200,
    response: apiKeyObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/admin/payments',
    access: 'admin',
    tag: 'Admin',
    summary: "Every merchant's payments",
    query: listPaymentsSchema,
    status: 200,
    response: list(paymentObjectSchema),
  },
  {
    method: 'get',
    path: '/v1/admin/refunds',
    access: 'admin',
    tag: 'Admin',
    summary: "Every merchant's refunds",
    query: listRefundsSchema,
    status: 200,
    response: list(refundObjectSchema),
  },
  {
    method: 'post',
    path: '/v1/admin/refunds/:id/retry',
    access: 'admin',
    tag: 'Admin',
    summary: 'Retry a refund that requires attention',
    ids: { id: 're' },
    body: emptyBodySchema,
    status: 200,
    response: refundObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/admin/refunds/:id/cancel',
    access: 'admin',
    tag: 'Admin',
    summary: 'Cancel a refund that requires attention',
    ids: { id: 're' },
    body: emptyBodySchema,
    status: 200,
    response: refundObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/admin/reconciliation_runs',
    access: 'admin',
    tag: 'Admin',
    summary: "Reconcile one provider account's day",
    body: runSchema,
    status: 200,
    response: reconciliationSummaryObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/admin/reconciliation_runs',
    access: 'admin',
    tag: 'Admin',
    summary: 'List reconciliation runs',
    query: runsQuerySchema,
    status: 200,
    response: list(reconciliationRunObjectSchema),
  },
  {
    method: 'get',
    path: '/v1/admin/reconciliation_discrepancies',
    access: 'admin',
    tag: 'Admin',
    summary: 'List reconciliation discrepancies',
    query: discrepanciesQuerySchema,
    status: 200,
    response: list(reconciliationDiscrepancyObjectSchema),
  },
  {
    method: 'get',
    path: '/v1/admin/stuck',
    access: 'admin',
    tag: 'Admin',
    summary: 'Activities retrying for a long time',
    query: stuckQuerySchema,
    status: 200,
    response: list(stuckActivityObjectSchema),
  },
  {
    method: 'get',
    path: '/v1/admin/templates',
    access: 'admin',
    tag: 'Messaging',
    summary: 'List message templates',
    query: listTemplatesSchema,
    status: 200,
    response: list(templateObjectSchema),
  },
  {
    method: 'post',
    path: '/v1/admin/templates',
    access: 'admin',
    tag: 'Messaging',
    summary: 'Create a message template',
    body: createTemplateSchema,
    status: 201,
    response: templateObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/admin/templates/:id',
    access: 'admin',
    tag: 'Messaging',
    summary: 'Retrieve a template',
    ids: { id: 'tpl' },
    status: 200,
    response: templateObjectSchema,
  },
  {
    method: 'patch',
    path: '/v1/admin/templates/:id',
    access: 'admin',
    tag: 'Messaging',
    summary: "Update a template's draft",
    ids: { id: 'tpl' },
    body: updateTemplateSchema,
    status: 200,
    response: templateObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/admin/templates/:id/preview',
    access: 'admin',
    tag: 'Messaging',
    summary: 'Render a template with sample values',
    ids: { id: 'tpl' },
    body: previewSchema,
    status: 200,
    response: templatePreviewObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/admin/templates/:id/publish',
    access: 'admin',
    tag: 'Messaging',
    summary: "Publish a template's draft as a new version",
    ids: { id: 'tpl' },
    body: emptyBodySchema,
    status: 200,
    response: templateObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/admin/templates/:id/test_send',
    access: 'admin',
    tag: 'Messaging',
    summary: 'Send a template to a test address',
    ids: { id: 'tpl' },
    body: testSendSchema,
    status: 201,
    response: messageObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/admin/messages',
    access: 'admin',
    tag: 'Messaging',
    summary: 'List messages sent',
    query: listMessagesSchema,
    status: 200,
    response: list(messageObjectSchema),
  },
  {
    method: 'get',
    path: '/v1/admin/messages/:id',
    access: 'admin',
    tag: 'Messaging',
    summary: 'Retrieve a message with its attempts',
    ids: { id: 'msg' },
    status: 200,
    response: messageObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/admin/message_accounts',
    access: 'admin',
    tag: 'Messaging',
    summary: 'Add a messaging provider account',
    body: createMessageAccountSchema,
    status: 201,
    response: messageAccountObjectSchema,
    responseExample: MESSAGE_ACCOUNT_EXAMPLE,
  },
  {
    method: 'post',
    path: '/v1/admin/message_accounts/:id',
    access: 'admin',
    tag: 'Messaging',
    summary: "Replace a messaging account's credentials",
    ids: { id: 'ma' },
    body: updateMessageAccountSchema,
    status: 200,
    response: messageAccountObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/admin/message_accounts',
    access: 'admin',
    tag: 'Messaging',
    summary: 'List messaging provider accounts',
    status: 200,
    response: list(messageAccountObjectSchema),
    responseExample: listExample('/v1/admin/message_accounts', MESSAGE_ACCOUNT_EXAMPLE),
  },
  // Operations and providers
  {
    method: 'get',
    path: '/healthz',
    access: 'public',
    tag: 'Operations',
    summary: 'Liveness',
    status: 200,
    response: z.object({ status: z.literal('ok') }),
  },
  {
    method: 'get',
    path: '/metrics',
    access: 'admin',
    tag: 'Operations',
    summary: 'Prometheus metrics',
    status: 200,
    responseType: 'text/plain',
  },
  {
    method: 'post',
    path: '/notify/:provider/:account',
    access: 'provider',
    tag: 'Providers',
    summary: "A provider's asynchronous notification (signed by the provider)",
    status: 200,
    responseType: 'text/plain',
  },
  {
    method: 'post',
    path: '/internal/kratos/courier',
    access: 'courier',
    tag: 'Providers',
    summary: "Kratos' courier: its codes go out through Tongbao's messaging",
    status: 200,
    response: kratosCourierAnswerSchema,
  },
  // The document itself, and its reference page (Swagger UI's files, served from node_modules)
  {
    method: 'get',
    path: '/docs',
    access: 'public',
    tag: 'Documentation',
    summary: 'The API reference page',
    status: 200,
    responseType: 'text/html',
  },
  {
    method: 'get',
    path: '/docs/init.js',
    access: 'public',
    tag: 'Documentation',
    summary: "The reference page's script",
    status: 200,
    responseType: 'text/javascript',
  },
  {
    method: 'get',
    path: '/docs/:asset',
    access: 'public',
    tag: 'Documentation',
    summary: "Swagger UI's files",
    status: 200,
    responseType: 'application/octet-stream',
  },
  {
    method: 'get',
    path: '/v1/openapi.json',
    access: 'public',
    tag: 'Documentation',
    summary: 'This OpenAPI document',
    status: 200,
    responseType: 'application/json',
  },
];

const SECURITY: Record<Access, Array<Record<string, string[]>>> = {
  merchant: [{ secretKey: [] }],
  admin: [{ adminToken: [] }],
  public: [],
  provider: [],
  courier: [{ courierBasic: [] }],
};

type JsonSchema = Record<string, unknown>;

/** zod → JSON Schema 2020-12 (OpenAPI 3.1's dialect); named objects are collected into `components`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  // Refinements (superRefine, refine) have no JSON Schema form: the document states the shape, the route the rest.
  const {
    $schema: _dialect,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>))
    components[id] = toComponentRefs(def);
  return toComponentRefs(rest);
}

function toComponentRefs(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
}

/** `/v1/payments/:id` → `/v1/payments/{id}` */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

/** `getPaymentsById`, `postAdminRefundsByIdRetry`, `getHostedCheckoutSessionsById`: unique, as the test checks. */
function operationId({ method, path }: Operation): string {
  const capital = (word: string) => word[0].toUpperCase() + word.slice(1);
  // The hosted page's `/checkout/…` and the merchant's `/v1/checkout/…` would otherwise share names.
  const words = (
    path.startsWith('/v1/') ? path.slice('/v1'.length) : path.replace(/^\/checkout\//, '/hosted/checkout/')
  )
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `By${capital(part.slice(1))}` : part))
    .map((part) => capital(part.replace(/[^A-Za-z0-9]+(.)/g, (_, next: string) => next.toUpperCase())));
  return method + words.join('');
}

function queryParameters(schema: z.ZodType, components: Record<string, JsonSchema>) {
  const object = jsonSchema(schema, 'input', components);
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: property,
  }));
}

const ERROR_RESPONSE = {
  description: 'An error (API.md "Errors"): `param` names the field at fault.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

/** The OpenAPI 3.1 document of every route of OPERATIONS. */
export function openApiDocument(): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {};
  jsonSchema(errorObjectSchema, 'output', components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of OPERATIONS) {
    const pathParameters = [...operation.path.matchAll(/:(\w+)/g)].map(([, name]) => {
      const prefix = operation.ids?.[name];
      return {
        name,
        in: 'path',
        required: true,
        schema: prefix ? { type: 'string', pattern: `^${prefix}_[0-9A-Za-z]{1,64}$` } : { type: 'string' },
      };
    });
    const parameters = [
      ...pathParameters,
      ...(operation.query ? queryParameters(operation.query, components) : []),
      ...(operation.method === 'post' && operation.access !== 'provider' && operation.access !== 'courier'
        ? [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'A retry with the same key answers what the first request answered (API.md).',
              schema: { type: 'string', maxLength: 255 },
            },
          ]
        : []),
    ];
    const success = operation.response
      ? {
          description: operation.summary,
          content: {
            'application/json': {
              schema: jsonSchema(operation.response, 'output', components),
              ...(operation.responseExample !== undefined ? { example: operation.responseExample } : {}),
            },
          },
        }
      : operation.responseType
        ? { description: operation.summary, content: { [operation.responseType]: {} } }
        : {
            description: `${operation.summary} (this answer's schema is not written yet)`,
            content: { 'application/json': { schema: { type: 'object' } } },
          };
    paths[openApiPath(operation.path)] ??= {};
    paths[openApiPath(operation.path)][operation.method] = {
      operationId: operationId(operation),
      summary: operation.summary,
      tags: [operation.tag],
      security: SECURITY[operation.access],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(operation.body
        ? {
            requestBody: {
              required: operation.body !== emptyBodySchema && operation.body !== resendSchema,
              content: {
                'application/json': {
                  schema: jsonSchema(operation.body, 'input', components),
                  ...(operation.bodyExample !== undefined ? { example: operation.bodyExample } : {}),
                },
              },
            },
          }
        : {}),
      responses: { [String(operation.status)]: success, default: ERROR_RESPONSE },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tongbao API',
      version: '1',
      description:
        'Payments through Alipay, WeChat Pay and UnionPay. Amounts are integers in fen; lists are paged with `limit` and `starting_after`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // No jsonSchemaDialect: 3.1's default (the OAS dialect) is JSON Schema 2020-12 with OpenAPI's
    // keywords, which is what z.toJSONSchema writes; Swagger UI warns on any other value.
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        secretKey: {
          type: 'http',
          scheme: 'bearer',
          description: "A merchant's secret key, `sk_test_…` or `sk_live_…`.",
        },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The platform admin token (TONGBAO_ADMIN_TOKEN).' },
        courierBasic: { type: 'http', scheme: 'basic', description: "Kratos' courier, with the courier secret." },
      },
    },
  };
}
