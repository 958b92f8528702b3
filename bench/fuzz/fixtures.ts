/**
 * What the seed requests name, made before the run through the API and the sandbox's control API:
 * two merchants of the fuzzer's own, payments in each state a route cares about, a refund, checkout
 * sessions, a coupon, a tax rate, a webhook endpoint, an event, the provider accounts and genuine
 * signed notifications. A third merchant's objects are the sentinels: only ever named with the
 * wrong merchant's key, they must read the same after the run.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderName } from '../../domain/payment';

/** The fields of stack.json the fuzzer reads (scripts/stack.mjs documents them all). */
export interface FuzzStack {
  api_url: string;
  sandbox_url: string;
  admin_token: string;
  /** Where the stack writes its processes' logs (a test stack), or null (`npm run stack`: its terminal). */
  logs_dir?: string | null;
}

export interface ProviderFixture {
  provider: ProviderName;
  /** The succeeded payment of that trade: replaying its notification must not change it. */
  paymentId: string;
  /** Tongbao's provider account id, as in `/notify/<provider>/<account>`. */
  account: string;
  /** A trade the provider knows and paid. */
  outTradeNo: string;
  /** The notification the sandbox signed for that trade (form bodies: Alipay, UnionPay), if any. */
  signedBody: string | null;
  contentType: string;
}

export interface Fixtures {
  adminToken: string;
  merchantId: string;
  key: string;
  /** Another merchant's key: every id above is "not found" with it. */
  otherKey: string;
  /** A payment waiting for the shopper (cancel target). */
  openPaymentId: string;
  /** A succeeded payment of a large amount: valid refunds take 1 fen of it. */
  paidPaymentId: string;
  refundId: string;
  sessionIds: string[];
  /** The session the expire seed names (the others stay payable). */
  expiringSessionId: string;
  couponCode: string;
  taxRateId: string;
  webhookEndpointId: string;
  /** The endpoint the DELETE seed names (the other one stays). */
  deletableEndpointId: string;
  eventId: string;
  /** A customer the update and read seeds name, and payments and sessions may name. */
  customerId: string;
  /** The customer the DELETE seed erases (erasing again answers the same). */
  erasableCustomerId: string;
  /** A key made only to be revoked by the DELETE seed. */
  revocableKeyId: string;
  providers: ProviderFixture[];
  /** Ids of the sentinel merchant, fed to merchant routes under the fuzzer's own key. */
  foreignIds: string[];
  sentinel: { key: string; paymentId: string; refundId: string; customerId: string };
  /** Where webhook endpoints point: a local server answering 204, alive for the run. */
  webhookUrl: string;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

async function call(
  base: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    json = { text };
  }
  return { status: response.status, json };
}

async function expectStatus(
  promise: Promise<{ status: number; json: Json }>,
  expected: number[],
  what: string,
): Promise<Json> {
  const { status, json } = await promise;
  if (!expected.includes(status)) throw new Error(`fuzz setup: ${what} answered ${status}: ${JSON.stringify(json)}`);
  return json;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`fuzz setup: ${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function createFixtures(stack: FuzzStack): Promise<Fixtures> {
  const api = (token: string | null, method: string, path: string, body?: unknown) =>
    call(stack.api_url, token, method, path, body);
  const sandbox = (method: string, path: string, body?: unknown) => call(stack.sandbox_url, null, method, path, body);

  const newMerchant = async (name: string) => {
    const json = await expectStatus(api(stack.admin_token, 'POST', '/v1/admin/merchants', { name }), [201], name);
    return { id: (json.merchant as Json).id as string, key: json.test_secret_key as string };
  };
  const createPayment = async (key: string, channel: string, amount: number) =>
    expectStatus(
      api(key, 'POST', '/v1/payments', { amount, currency: 'CNY', channel, description: 'Fuzz seed' }),
      [201],
      `a ${channel} payment`,
    );
  /** Pays a payment at the sandbox and waits for Tongbao to see it succeed. */
  const pay = async (key: string, payment: Json) => {
    // Page-pay channels (UnionPay's) open the trade at the provider when the shopper's browser posts the form.
    const action = payment.next_action as {
      type: string;
      redirect_to_url?: { url: string; method: string; form?: Record<string, string> };
    };
    if (action?.type === 'redirect_to_url' && action.redirect_to_url) {
      const { url, method, form } = action.redirect_to_url;
      const opened = await fetch(
        url,
        method === 'POST' ? { method: 'POST', body: new URLSearchParams(form ?? {}) } : {},
      );
      if (!opened.ok)
        throw new Error(`fuzz setup: the shopper could not open ${payment.id as string}: ${opened.status}`);
    }
    await expectStatus(
      sandbox('POST', '/_control/pay', {
        provider: payment.provider,
        out_trade_no: payment.out_trade_no,
        outcome: 'success',
      }),
      [200],
      `paying ${payment.id as string} at the sandbox`,
    );
    return waitFor(`${payment.id as string} succeeding`, async () => {
      const { json } = await api(key, 'GET', `/v1/payments/${payment.id as string}`);
      return json.status === 'succeeded' ? json : null;
    });
  };

  const server: Server = createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fuzz-hooks`;

  const stamp = Date.now();
  const main = await newMerchant(`Fuzz ${stamp}`);
  const other = await newMerchant(`Fuzz other ${stamp}`);
  const sentinelMerchant = await newMerchant(`Fuzz sentinel ${stamp}`);

  const webhookEndpoint = await expectStatus(
    api(main.key, 'POST', '/v1/webhook_endpoints', { url: webhookUrl, enabled_events: ['payment.succeeded'] }),
    [201],
    'a webhook endpoint',
  );
  const deletableEndpoint = await expectStatus(
    api(main.key, 'POST', '/v1/webhook_endpoints', { url: webhookUrl, enabled_events: ['refund.failed'] }),
    [201],
    'a webhook endpoint to delete',
  );
  const open = await createPayment(main.key, 'alipay_qr', 1999);
  const paid = await pay(main.key, await createPayment(main.key, 'alipay_qr', 10_000_000));
  const refund = await expectStatus(
    api(main.key, 'POST', '/v1/refunds', { payment: paid.id, amount: 1, reason: 'fuzz seed' }),
    [201],
    'a refund',
  );
  const event = await waitFor('the payment.succeeded event', async () => {
    const { json } = await api(main.key, 'GET', '/v1/events?limit=1&type=payment.succeeded');
    const [first] = (json.data as Json[] | undefined) ?? [];
    return first ? (first.id as string) : null;
  });
  const couponCode = `FUZZ${stamp}`;
  await expectStatus(
    api(main.key, 'POST', '/v1/coupons', { code: couponCode, percent_off: 10, max_redemptions: 1_000_000 }),
    [201],
    'a coupon',
  );
  const taxRate = await expectStatus(
    api(main.key, 'POST', '/v1/tax_rates', { display_name: 'VAT', percentage: 6, inclusive: false }),
    [201],
    'a tax rate',
  );
  const sessionIds: string[] = [];
  for (let i = 0; i < 7; i++) {
    const session = await expectStatus(
      api(main.key, 'POST', '/v1/checkout/sessions', {
        currency: 'CNY',
        line_items: [{ name: `Fuzz item ${i}`, quantity: 2, unit_amount: 1500, tax_rate: taxRate.id }],
        discounts: [{ coupon: couponCode }],
        success_url: 'https://shop.example/ok',
        cancel_url: 'https://shop.example/cancel',
      }),
      [201],
      'a checkout session',
    );
    sessionIds.push(session.id as string);
  }
  const revocable = await expectStatus(
    api(stack.admin_token, 'POST', `/v1/admin/merchants/${main.id}/api_keys`, {}),
    [201],
    'a revocable key',
  );

  // One paid trade per provider: its notify URL names the account, and its signed notification
  // (for providers that sign in the body) is a genuine one to replay and mutate.
  const providers: ProviderFixture[] = [];
  for (const channel of ['alipay_qr', 'wechat_native', 'unionpay_pc']) {
    const payment = await pay(main.key, await createPayment(main.key, channel, 100));
    const provider = payment.provider as ProviderName;
    const trade = await expectStatus(
      sandbox('GET', `/_control/trades/${provider}/${payment.out_trade_no as string}`),
      [200],
      `the sandbox's ${provider} trade`,
    );
    const [notification] = (trade.notifications as { url: string; body: string }[] | undefined) ?? [];
    if (!notification) throw new Error(`fuzz setup: the sandbox sent no ${provider} notification`);
    const account = new URL(notification.url).pathname.split('/').pop() as string;
    const form = provider !== 'wechatpay';
    providers.push({
      provider,
      paymentId: payment.id as string,
      account,
      outTradeNo: payment.out_trade_no as string,
      signedBody: form ? notification.body : null,
      contentType: form ? 'application/x-www-form-urlencoded' : 'application/json',
    });
  }

  const customer = await expectStatus(
    api(main.key, 'POST', '/v1/customers', {
      email: 'li.wei@shop.example',
      phone: '+86 138 0013 8000',
      name: '李伟',
      locale: 'zh-CN',
      metadata: { crm: 'fz-1' },
    }),
    [201],
    'a customer',
  );
  const erasableCustomer = await expectStatus(
    api(main.key, 'POST', '/v1/customers', { email: 'erase.me@shop.example' }),
    [201],
    'a customer to erase',
  );
  const sentinelCustomer = await expectStatus(
    api(sentinelMerchant.key, 'POST', '/v1/customers', { email: 'sentinel@shop.example', phone: '13900139000' }),
    [201],
    'the sentinel customer',
  );

  const sentinelPayment = await pay(sentinelMerchant.key, await createPayment(sentinelMerchant.key, 'alipay_qr', 5000));
  const sentinelRefund = await expectStatus(
    api(sentinelMerchant.key, 'POST', '/v1/refunds', { payment: sentinelPayment.id, amount: 100 }),
    [201],
    'the sentinel refund',
  );
  await waitFor('the sentinel refund settling', async () => {
    const { json } = await api(sentinelMerchant.key, 'GET', `/v1/refunds/${sentinelRefund.id as string}`);
    return json.status === 'pending' ? null : json;
  });

  return {
    adminToken: stack.admin_token,
    merchantId: main.id,
    key: main.key,
    otherKey: other.key,
    openPaymentId: open.id as string,
    paidPaymentId: paid.id as string,
    refundId: refund.id as string,
    sessionIds: sessionIds.slice(1),
    expiringSessionId: sessionIds[0],
    couponCode,
    taxRateId: taxRate.id as string,
    webhookEndpointId: webhookEndpoint.id as string,
    deletableEndpointId: deletableEndpoint.id as string,
    eventId: event,
    customerId: customer.id as string,
    erasableCustomerId: erasableCustomer.id as string,
    revocableKeyId: revocable.id as string,
    providers,
    foreignIds: [
      sentinelPayment.id as string,
      sentinelRefund.id as string,
      sentinelMerchant.id,
      sentinelCustomer.id as string,
    ],
    sentinel: {
      key: sentinelMerchant.key,
      paymentId: sentinelPayment.id as string,
      refundId: sentinelRefund.id as string,
      customerId: sentinelCustomer.id as string,
    },
    webhookUrl,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
