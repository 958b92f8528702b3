import { z } from 'zod';
import { kratosCourierAnswerSchema } from './admin-object-schemas';
import {
  createSessionSchema,
  listSessionsSchema,
  paySchema,
  startVerificationSchema,
  verifySchema,
} from './checkout.routes';
import { createCustomerSchema, listCustomersSchema, updateCustomerSchema } from './customers.routes';
import {
  checkoutSessionObjectSchema,
  couponObjectSchema,
  customerObjectSchema,
  customerVerificationObjectSchema,
  paymentObjectSchema,
  publicCheckoutSessionObjectSchema,
  refundObjectSchema,
  sessionPaymentObjectSchema,
  taxRateObjectSchema,
  verifiedCustomerVerificationObjectSchema,
  wechatOauthObjectSchema,
} from './object-schemas';
import { createPaymentSchema, listPaymentsSchema } from './payments.routes';
import {
  createCouponSchema,
  createTaxRateSchema,
  listSchema as pricingListSchema,
  updateCouponSchema,
  updateTaxRateSchema,
} from './pricing.routes';
import { createRefundSchema, listRefundsSchema } from './refunds.routes';
import { CONSOLE_OPERATIONS } from './openapi-console-operations';
import { ACCOUNT_OPERATIONS } from './openapi-account-operations';
import {
  list,
  PAYMENT_EXAMPLE,
  REFUND_EXAMPLE,
  TAX_RATE_EXAMPLE,
  COUPON_EXAMPLE,
  listExample,
} from './openapi-examples';
import { TEAM_OPERATIONS } from './openapi-team-operations';
import { WEBHOOK_OPERATIONS } from './openapi-webhook-operations';
/** Who may call a route, as the document's security schemes say. */
export type Access = 'merchant' | 'console' | 'admin' | 'staff' | 'public' | 'provider' | 'courier';

export interface Operation {
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
  /** The body may be left out (`{}` or nothing: a retry, a resend, a cancel take no fields). */
  bodyOptional?: boolean;
  bodyExample?: unknown;
  status: number;
  /** The answer's schema; absent where the answer is not described yet (see `undescribed`). */
  response?: z.ZodType;
  responseExample?: unknown;
  /** A non-JSON answer's media type (Prometheus text, provider acknowledgements). */
  responseType?: string;
}

import { ADMIN_OPERATIONS } from './openapi-admin-operations';
import { ADMIN_STAFF_OPERATIONS } from './openapi-admin-staff-operations';
import { ADMIN_OPS_OPERATIONS } from './openapi-admin-ops-operations';

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
  // The merchant console's reads
  ...CONSOLE_OPERATIONS,
  // Webhook endpoints and events (api/openapi-webhook-operations.ts)
  ...WEBHOOK_OPERATIONS,
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
  {
    method: 'post',
    path: '/v1/tax_rates/:id',
    access: 'merchant',
    tag: 'Pricing',
    summary: 'Archive a tax rate (active: false) or bring it back; sessions made with it keep showing it',
    ids: { id: 'txr' },
    body: updateTaxRateSchema,
    bodyExample: { active: false },
    status: 200,
    response: taxRateObjectSchema,
    responseExample: { ...TAX_RATE_EXAMPLE, active: false },
  },
  {
    method: 'post',
    path: '/v1/coupons/:code',
    access: 'merchant',
    tag: 'Pricing',
    summary: 'Archive a coupon (active: false) or bring it back; sessions made with it keep it',
    body: updateCouponSchema,
    bodyExample: { active: false },
    status: 200,
    response: couponObjectSchema,
    responseExample: { ...COUPON_EXAMPLE, active: false },
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
    path: '/v1/checkout/sessions',
    access: 'merchant',
    tag: 'Checkout',
    summary: 'List checkout sessions, newest first, optionally of one status',
    query: listSessionsSchema,
    status: 200,
    response: list(checkoutSessionObjectSchema),
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
  ...ACCOUNT_OPERATIONS,
  // The consoles: the signed-in person, their merchants, the team and the audit log (sessions only) (api/openapi-team-operations.ts)
  ...TEAM_OPERATIONS,
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
  // Administration (api/openapi-admin-operations.ts)
  ...ADMIN_OPERATIONS,
  ...ADMIN_STAFF_OPERATIONS,
  ...ADMIN_OPS_OPERATIONS,
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
