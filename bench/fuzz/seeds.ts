/**
 * One valid request for every route of api/app.ts (API.md's contract, plus the routes the consoles
 * and operators use), built on the fixtures so that mutations reach the services, not just 404s.
 */
import { generateKeyPairSync } from 'node:crypto';
import { CHANNELS, PAYMENT_STATUSES } from '../../domain/payment';
import type { Fixtures, ProviderFixture } from './fixtures';
import type { Random } from '../random';

/** Who answers the route, which decides how an error must look. */
export type Family = 'merchant' | 'admin' | 'checkout' | 'notify' | 'health';

export type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; fields: [string, string][] }
  | { kind: 'raw'; bytes: Buffer; contentType: string | null };

/** A request before it is written out; mutations edit it. */
export interface Draft {
  /** The route it was seeded from, as api/app.ts spells it: `POST /v1/payments/:id/cancel`. */
  route: string;
  family: Family;
  method: string;
  /** Path segments, already percent-encoded. */
  segments: string[];
  /** Decoded names and values, encoded when written. */
  query: [string, string][];
  headers: [string, string][];
  body: Body | null;
  /** Sent with Transfer-Encoding: chunked in chunks of `size` bytes, ended by `end` (`0\r\n\r\n` when well formed). */
  chunked?: { size: number; end: string; withLength: boolean };
  /** Sent this many times at once (default 1). */
  copies?: number;
  /** What was done to the seed, for the report. */
  mutations: string[];
}

interface SeedSpec {
  route: string;
  /** How often it is picked, relative to 1. */
  weight?: number;
  family: Family;
  /** Only for the routes of `family` other than merchant/admin, or to override the family's token. */
  token?: 'merchant' | 'admin' | null;
  path: string;
  query?: Record<string, string>;
  body?: Body;
  headers?: [string, string][];
}

const json = (value: unknown): Body => ({ kind: 'json', value });

function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

function paymentBody(random: Random): Record<string, unknown> {
  const channel = random.pick(CHANNELS);
  return {
    amount: random.int(1, 100_000),
    currency: 'CNY',
    channel,
    description: `Fuzz order ${random.string(6)}`,
    // Some share one number: the second is a 409, whichever of two racing creates it is.
    ...(random.chance(0.5) ? { merchant_order_no: random.chance(0.2) ? 'fz-shared' : `fz-${random.string(16)}` } : {}),
    ...(random.chance(0.3) ? { return_url: 'https://shop.example/back?x=1' } : {}),
    ...(random.chance(0.3) ? { expires_in: random.int(60, 86_400) } : {}),
    ...(channel === 'wechat_jsapi' ? { openid: `o${random.string(27)}` } : {}),
    ...(channel === 'wechat_h5' ? { client_ip: '203.0.113.7' } : {}),
    metadata: { order: random.string(8), note: 'fuzz' },
  };
}

function customerBody(random: Random): Record<string, unknown> {
  return {
    ...(random.chance(0.7) ? { email: `Fz.${random.string(8)}@Shop.example` } : {}),
    ...(random.chance(0.5) ? { phone: random.pick(['13800138000', '+86 139-0013-9000', '+1 415 555 0132']) } : {}),
    ...(random.chance(0.5) ? { name: random.pick(['王芳', 'Ann Lee']) } : {}),
    ...(random.chance(0.5) ? { locale: random.pick(['zh-CN', 'en-US']) } : {}),
    ...(random.chance(0.3)
      ? {
          shipping_address: {
            name: '王芳',
            line1: '南京东路 100 号',
            district: '黄浦区',
            city: '上海',
            postal_code: '200001',
            country: 'CN',
          },
        }
      : {}),
    ...(random.chance(0.3) ? { preferred_channel: random.pick(CHANNELS) } : {}),
    metadata: { crm: random.string(6) },
  };
}

function checkoutPayBody(random: Random): Record<string, unknown> {
  const channel = random.pick(CHANNELS);
  return {
    channel,
    client_ip: random.pick(['198.51.100.4', '2001:db8::1']),
    // The sandbox refuses a code it did not issue: the exchange and its refusal are what is reached.
    ...(channel === 'wechat_jsapi' ? { wechat_oauth_code: random.string(32) } : {}),
  };
}

/** A provider-shaped notification: the genuine signed one, or (WeChat Pay signs in headers) one of its shape. */
function notifySeed(fixture: ProviderFixture, random: Random): SeedSpec {
  const route = `POST /notify/${fixture.provider}/:account`;
  const path = `/notify/${fixture.provider}/${fixture.account}`;
  if (fixture.signedBody !== null) {
    return {
      route,
      family: 'notify',
      path,
      body: { kind: 'form', fields: [...new URLSearchParams(fixture.signedBody)] },
    };
  }
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    route,
    family: 'notify',
    path,
    headers: [
      ['Wechatpay-Timestamp', timestamp],
      ['Wechatpay-Nonce', random.string(32)],
      ['Wechatpay-Serial', random.string(40, '0123456789ABCDEF')],
      ['Wechatpay-Signature', Buffer.from(random.string(256)).toString('base64')],
      ['Wechatpay-Signature-Type', 'WECHATPAY2-SHA256-RSA2048'],
    ],
    body: json({
      id: `EV-${random.string(20)}`,
      create_time: new Date().toISOString(),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: Buffer.from(random.string(120)).toString('base64'),
        associated_data: 'transaction',
        nonce: random.string(12),
      },
    }),
  };
}

/** An Alipay app's keys for the create seed: valid, so that mutations reach the key parsers. */
const ALIPAY_KEYS = (() => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  return {
    private_key: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    app_public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    alipay_public_key: alipay.export({ type: 'spki', format: 'pem' }).toString(),
  };
})();

/** The channel each fixture account already serves: re-routing it there changes nothing the other seeds rely on. */
const ROUTED_CHANNEL = { alipay: 'alipay_qr', wechatpay: 'wechat_native', unionpay: 'unionpay_pc' } as const;

function seedSpecs(f: Fixtures, random: Random): SeedSpec[] {
  const session = random.pick(f.sessionIds);
  const account = random.pick(f.providers).account;
  const m = (route: string, path: string, rest: Partial<SeedSpec> = {}): SeedSpec => ({
    route,
    family: 'merchant',
    path,
    ...rest,
  });
  const a = (route: string, path: string, rest: Partial<SeedSpec> = {}): SeedSpec => ({
    route,
    family: 'admin',
    path,
    ...rest,
  });
  return [
    m('POST /v1/payments', '/v1/payments', {
      body: json({ ...paymentBody(random), ...(random.chance(0.2) ? { customer: f.customerId } : {}) }),
    }),
    m('GET /v1/payments', '/v1/payments', {
      query: {
        limit: '5',
        status: random.pick(PAYMENT_STATUSES),
        channel: random.pick(CHANNELS),
        'created[gte]': '2020-01-01T00:00:00Z',
      },
    }),
    m('GET /v1/payments/:id', `/v1/payments/${random.pick([f.openPaymentId, f.paidPaymentId])}`),
    m('POST /v1/payments/:id/cancel', `/v1/payments/${f.openPaymentId}/cancel`, { body: json({}) }),
    m('POST /v1/refunds', '/v1/refunds', {
      body: json({ payment: f.paidPaymentId, amount: 1, reason: 'fuzz', metadata: { k: 'v' } }),
    }),
    m('GET /v1/refunds', '/v1/refunds', { query: { payment: f.paidPaymentId, limit: '3', status: 'succeeded' } }),
    m('GET /v1/refunds/:id', `/v1/refunds/${f.refundId}`),
    m('POST /v1/webhook_endpoints', '/v1/webhook_endpoints', {
      // refund.failed: rare enough that the endpoints the fuzzer makes do not multiply deliveries.
      body: json({ url: f.webhookUrl, enabled_events: ['refund.failed'], description: 'fuzz', metadata: {} }),
    }),
    m('GET /v1/webhook_endpoints', '/v1/webhook_endpoints', { query: { limit: '2' } }),
    m('GET /v1/webhook_endpoints/:id', `/v1/webhook_endpoints/${f.webhookEndpointId}`),
    m('DELETE /v1/webhook_endpoints/:id', `/v1/webhook_endpoints/${f.deletableEndpointId}`),
    m('GET /v1/events', '/v1/events', { query: { type: 'payment.succeeded', limit: '3' } }),
    m('GET /v1/events/:id', `/v1/events/${f.eventId}`),
    m('GET /v1/events/:id/deliveries', `/v1/events/${f.eventId}/deliveries`),
    m('POST /v1/events/:id/resend', `/v1/events/${f.eventId}/resend`, {
      body: json({ webhook_endpoint: f.webhookEndpointId }),
    }),
    m('POST /v1/tax_rates', '/v1/tax_rates', {
      body: json({ display_name: 'GST', percentage: random.pick([0, 6, 9.5, 13]), inclusive: random.chance(0.5) }),
    }),
    m('GET /v1/tax_rates', '/v1/tax_rates', { query: { limit: '5' } }),
    m('POST /v1/coupons', '/v1/coupons', {
      body: json({
        code: `FZ${random.string(10)}`,
        ...(random.chance(0.5) ? { percent_off: 12.5 } : { amount_off: 300, currency: 'CNY' }),
        max_redemptions: 10,
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    }),
    m('GET /v1/coupons', '/v1/coupons', { query: { limit: '5' } }),
    m('POST /v1/checkout/sessions', '/v1/checkout/sessions', {
      body: json({
        currency: 'CNY',
        line_items: [
          { name: 'Tea', quantity: 2, unit_amount: 1250, tax_rate: f.taxRateId },
          { name: 'Cup', quantity: 1, unit_amount: 999 },
        ],
        discounts: [{ coupon: f.couponCode }],
        allowed_channels: ['alipay_qr', 'wechat_native', 'unionpay_pc'],
        locale: 'en-US',
        success_url: 'https://shop.example/ok',
        cancel_url: 'https://shop.example/cancel',
        expires_in: 3600,
        save_customer: random.pick(['never', 'optional']),
        ...(random.chance(0.3) ? { customer: f.customerId } : {}),
      }),
    }),
    m('POST /v1/customers', '/v1/customers', { body: json(customerBody(random)) }),
    m('GET /v1/customers', '/v1/customers', {
      query: {
        limit: '5',
        ...(random.chance(0.5) ? { email: 'li.wei@shop.example' } : { phone: '13800138000' }),
      },
    }),
    m('GET /v1/customers/:id', `/v1/customers/${random.pick([f.customerId, f.erasableCustomerId])}`),
    m('POST /v1/customers/:id', `/v1/customers/${f.customerId}`, {
      body: json({
        name: random.pick(['李伟', 'Li Wei', null]),
        ...(random.chance(0.5) ? { phone: random.pick(['+86 139 0013 9000', null]) } : {}),
        // "" removes a key; the customer's keys stay few, whatever the run adds.
        metadata: {
          crm: random.pick(['', `fz-${random.string(4)}`]),
          [`k${random.int(0, 4)}`]: random.pick(['', 'v']),
        },
      }),
    }),
    m('DELETE /v1/customers/:id', `/v1/customers/${f.erasableCustomerId}`),
    m('GET /v1/checkout/sessions/:id', `/v1/checkout/sessions/${session}`),
    m('POST /v1/checkout/sessions/:id/expire', `/v1/checkout/sessions/${f.expiringSessionId}/expire`, {
      body: json({}),
    }),

    a('POST /v1/admin/merchants', '/v1/admin/merchants', {
      // Each new merchant has the sandbox make three provider accounts (RSA keys, a UnionPay PFX,
      // ~1 s of its CPU): at full weight the fuzzer would measure the sandbox's CPU, not the API.
      weight: 0.25,
      body: json({ name: `Fuzz shop ${random.string(5)}`, email: 'owner@shop.example' }),
    }),
    a('GET /v1/admin/merchants', '/v1/admin/merchants', { query: { limit: '3' } }),
    a('POST /v1/admin/merchants/:id/sandbox_accounts', `/v1/admin/merchants/${f.merchantId}/sandbox_accounts`, {
      body: json({}),
    }),
    a('POST /v1/admin/merchants/:id/api_keys', `/v1/admin/merchants/${f.merchantId}/api_keys`, {
      body: json({ livemode: false }),
    }),
    a('DELETE /v1/admin/api_keys/:id', `/v1/admin/api_keys/${f.revocableKeyId}`),
    a('GET /v1/admin/payments', '/v1/admin/payments', { query: { limit: '5', status: 'succeeded' } }),
    a('GET /v1/admin/refunds', '/v1/admin/refunds', { query: { status: 'requires_attention', limit: '5' } }),
    a('POST /v1/admin/refunds/:id/retry', `/v1/admin/refunds/${f.refundId}/retry`, { body: json({ reason: 'fuzz' }) }),
    a('POST /v1/admin/refunds/:id/cancel', `/v1/admin/refunds/${f.refundId}/cancel`, {
      body: json({ reason: 'fuzz' }),
    }),
    a('POST /v1/admin/reconciliation_runs', '/v1/admin/reconciliation_runs', {
      body: json({ provider_account: account, date: yesterday() }),
    }),
    a('GET /v1/admin/reconciliation_runs', '/v1/admin/reconciliation_runs', {
      query: { limit: '5', provider_account: account },
    }),
    a('GET /v1/admin/reconciliation_discrepancies', '/v1/admin/reconciliation_discrepancies', {
      query: { limit: '5', kind: 'missing_here', date: yesterday(), merchant: f.merchantId },
    }),
    a('GET /v1/admin/stuck', '/v1/admin/stuck', { query: { limit: '5', min_attempt: '3' } }),
    a('GET /v1/admin/merchants/:id/provider_accounts', `/v1/admin/merchants/${f.merchantId}/provider_accounts`),
    a('POST /v1/admin/merchants/:id/provider_accounts', `/v1/admin/merchants/${f.merchantId}/provider_accounts`, {
      // A new account (not routed: the other seeds' payments keep theirs) and its reconciliation schedule.
      weight: 0.25,
      body: json({
        provider: 'alipay',
        credentials: { app_id: `2021${random.string(12, '0123456789')}`, ...ALIPAY_KEYS },
      }),
    }),
    a('GET /v1/admin/provider_accounts/:id', `/v1/admin/provider_accounts/${account}`),
    a('POST /v1/admin/provider_accounts/:id/test', `/v1/admin/provider_accounts/${account}/test`, { body: json({}) }),
    a('GET /v1/admin/merchants/:id/channel_routes', `/v1/admin/merchants/${f.merchantId}/channel_routes`),
    (() => {
      const provider = random.pick(f.providers);
      return a('POST /v1/admin/merchants/:id/channel_routes', `/v1/admin/merchants/${f.merchantId}/channel_routes`, {
        body: json({ channel: ROUTED_CHANNEL[provider.provider], livemode: false, provider_account: provider.account }),
      });
    })(),
    a('GET /metrics', '/metrics'),

    { route: 'GET /checkout/sessions/:id', family: 'checkout', path: `/checkout/sessions/${session}` },
    {
      route: 'GET /checkout/sessions/:id/wechat_oauth',
      family: 'checkout',
      path: `/checkout/sessions/${session}/wechat_oauth`,
    },
    {
      route: 'POST /checkout/sessions/:id/payments',
      family: 'checkout',
      path: `/checkout/sessions/${session}/payments`,
      body: json(checkoutPayBody(random)),
    },
    { route: 'GET /healthz', family: 'health', path: '/healthz' },

    ...f.providers.map((provider) => notifySeed(provider, random)),
  ];
}

/** How many routes the seeds cover (the report lists each). */
export function seedRoutes(fixtures: Fixtures, random: Random): string[] {
  return seedSpecs(fixtures, random).map((spec) => spec.route);
}

/** A valid request for a route picked at random, as a Draft. */
export function seedDraft(fixtures: Fixtures, random: Random): Draft {
  const specs = seedSpecs(fixtures, random);
  let ticket = random.next() * specs.reduce((sum, spec) => sum + (spec.weight ?? 1), 0);
  const spec = specs.find((candidate) => (ticket -= candidate.weight ?? 1) < 0) ?? specs[specs.length - 1];
  const method = spec.route.split(' ')[0];
  const token =
    spec.token !== undefined
      ? spec.token
      : spec.family === 'merchant'
        ? 'merchant'
        : spec.family === 'admin'
          ? 'admin'
          : null;
  const headers: [string, string][] = [];
  if (token === 'merchant') headers.push(['Authorization', `Bearer ${fixtures.key}`]);
  if (token === 'admin') headers.push(['Authorization', `Bearer ${fixtures.adminToken}`]);
  if (method === 'POST' && spec.family !== 'notify' && random.chance(0.3))
    headers.push(['Idempotency-Key', `fz_${random.string(24)}`]);
  headers.push(...(spec.headers ?? []));
  return {
    route: spec.route,
    family: spec.family,
    method,
    segments: spec.path.split('/').slice(1),
    query: Object.entries(spec.query ?? {}),
    headers,
    body: spec.body ?? null,
    mutations: [],
  };
}
