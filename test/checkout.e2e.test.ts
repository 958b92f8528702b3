import { queryDb } from './db';
import { apiFetch, createTestMerchant, eventually, sandboxControl, testStack } from './stack';

// The API side of the hosted checkout: tax rates, coupons, sessions and their server-computed
// totals, and what the hosted page does with a session (its public view, paying with a channel).

interface Session {
  id: string;
  url: string;
  status: string;
  amount_subtotal: number;
  amount_discount: number;
  amount_tax: number;
  amount_total: number;
  payment: string | null;
  line_items: {
    amount_subtotal: number;
    amount_discount: number;
    amount_tax: number;
    amount_total: number;
    tax_rate: { id: string } | null;
  }[];
  discounts: { coupon: { code: string }; amount: number }[];
}

interface SessionPayment {
  id: string;
  status: string;
  channel: string;
  next_action: { type: string } | null;
}

interface ApiError {
  error: { type: string; code: string; param: string | null };
}

let key: string;
let merchantId: string;

beforeAll(async () => {
  ({ secretKey: key, merchantId } = await createTestMerchant());
});

const URLS = { success_url: 'https://shop.example/thanks', cancel_url: 'https://shop.example/cart' };
const post = <T>(path: string, body: unknown) => apiFetch<T & ApiError>(key, 'POST', path, body);
const page = <T>(method: 'GET' | 'POST', path: string, body?: unknown) =>
  fetch(`${testStack().api_url}/checkout${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  }).then(async (response) => ({
    status: response.status,
    body: (await response.json()) as T & ApiError,
  }));

async function session(body: Record<string, unknown>): Promise<Session> {
  const created = await post<Session>('/v1/checkout/sessions', { currency: 'CNY', ...URLS, ...body });
  expect(created.status).toBe(201);
  return created.body;
}

describe('a checkout session', () => {
  test('computes its totals on the server: an exclusive tax rate, an inclusive one and a percentage coupon', async () => {
    const vat = await post<{ id: string }>('/v1/tax_rates', { display_name: 'VAT', percentage: 13, inclusive: false });
    const included = await post<{ id: string }>('/v1/tax_rates', {
      display_name: 'VAT (included)',
      percentage: 6,
      inclusive: true,
    });
    expect(vat.status).toBe(201);
    const code = `TEA${Date.now()}`;
    expect((await post('/v1/coupons', { code, percent_off: 10 })).status).toBe(201);

    const created = await session({
      line_items: [
        { name: 'Longjing tea', quantity: 2, unit_amount: 3333, tax_rate: vat.body.id },
        { name: 'Tea cup', quantity: 1, unit_amount: 1060, tax_rate: included.body.id },
      ],
      discounts: [{ coupon: code }],
    });
    // Line 1: 6666 − 667 (10%, half up) = 5999; +13% = 779.87 → 780; total 6779.
    // Line 2: 1060 − 106 = 954, which includes 954 − 954/1.06 = 54 of tax; total 954.
    expect(created.line_items).toEqual([
      expect.objectContaining({ amount_subtotal: 6666, amount_discount: 667, amount_tax: 780, amount_total: 6779 }),
      expect.objectContaining({ amount_subtotal: 1060, amount_discount: 106, amount_tax: 54, amount_total: 954 }),
    ]);
    expect(created).toMatchObject({
      status: 'open',
      amount_subtotal: 7726,
      amount_discount: 773,
      amount_tax: 834,
      amount_total: 7733,
      payment: null,
    });
    expect(created.discounts).toEqual([{ coupon: { code, percent_off: 10, amount_off: null }, amount: 773 }]);
    expect(created.url).toMatch(new RegExp(`/pay/${created.id}$`));
  });

  test('is paid on the page: a payment of the total, its checkout_url, then the session is complete and the coupon redeemed once', async () => {
    const code = `ONCE${Date.now()}`;
    expect((await post('/v1/coupons', { code, amount_off: 500, max_redemptions: 1 })).status).toBe(201);
    const created = await session({
      line_items: [{ name: 'Oolong', quantity: 1, unit_amount: 2500 }],
      discounts: [{ coupon: code }],
      allowed_channels: ['alipay_qr', 'wechat_native'],
    });
    expect(created.amount_total).toBe(2000);

    const shown = await page<{
      status: string;
      merchant: { name: string };
      allowed_channels: string[];
      customer?: unknown;
    }>('GET', `/sessions/${created.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ status: 'open', allowed_channels: ['alipay_qr', 'wechat_native'] });
    expect(shown.body.merchant.name).toMatch(/^Test merchant/);
    expect(shown.body).not.toHaveProperty('customer');

    const refused = await page('POST', `/sessions/${created.id}/payments`, { channel: 'unionpay_pc' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'channel_not_allowed', param: 'channel' });

    const first = await page<{ payment: SessionPayment }>('POST', `/sessions/${created.id}/payments`, {
      channel: 'wechat_native',
    });
    expect(first.status).toBe(201);
    const again = await page<{ payment: SessionPayment }>('POST', `/sessions/${created.id}/payments`, {
      channel: 'wechat_native',
    });
    expect(again.body.payment.id).toBe(first.body.payment.id);
    // The shopper changes their mind: the WeChat payment is canceled, an Alipay one made.
    const chosen = await page<{ payment: SessionPayment }>('POST', `/sessions/${created.id}/payments`, {
      channel: 'alipay_qr',
    });
    expect(chosen.body.payment).toMatchObject({
      channel: 'alipay_qr',
      status: 'requires_action',
      next_action: { type: 'display_qr_code' },
    });
    expect((await apiFetch<{ status: string }>(key, 'GET', `/v1/payments/${first.body.payment.id}`)).body.status).toBe(
      'canceled',
    );

    const payment = (
      await apiFetch<{ amount: number; checkout_url: string; out_trade_no: string; return_url: string }>(
        key,
        'GET',
        `/v1/payments/${chosen.body.payment.id}`,
      )
    ).body;
    expect(payment).toMatchObject({ amount: 2000, checkout_url: created.url, return_url: created.url });
    expect(
      (
        await sandboxControl('POST', '/_control/pay', {
          provider: 'alipay',
          out_trade_no: payment.out_trade_no,
          outcome: 'success',
        })
      ).status,
    ).toBe(200);
    await eventually(async () => {
      const current = await apiFetch<Session>(key, 'GET', `/v1/checkout/sessions/${created.id}`);
      expect(current.body).toMatchObject({ status: 'complete', payment: chosen.body.payment.id });
    });
    const coupons = await apiFetch<{ data: { code: string; times_redeemed: number }[] }>(
      key,
      'GET',
      '/v1/coupons?limit=100',
    );
    expect(coupons.body.data.find((c) => c.code === code)?.times_redeemed).toBe(1);

    const paidAgain = await page('POST', `/sessions/${created.id}/payments`, { channel: 'alipay_qr' });
    expect(paidAgain.status).toBe(409);
    const usedUp = await post('/v1/checkout/sessions', {
      currency: 'CNY',
      ...URLS,
      line_items: [{ name: 'Oolong', quantity: 1, unit_amount: 2500 }],
      discounts: [{ coupon: code }],
    });
    expect(usedUp.status).toBe(400);
    expect(usedUp.body.error).toMatchObject({ code: 'coupon_used_up', param: 'discounts[0][coupon]' });
  });

  test("inside WeChat: the page learns the shopper's openid through WeChat's OAuth and pays with JSAPI", async () => {
    const created = await session({
      line_items: [{ name: 'Jasmine tea', quantity: 1, unit_amount: 1200 }],
      allowed_channels: ['wechat_jsapi'],
    });
    const oauth = await page<{ url: string }>('GET', `/sessions/${created.id}/wechat_oauth`);
    expect(oauth.status).toBe(200);
    const authorize = new URL(oauth.body.url);
    expect(authorize.searchParams.get('scope')).toBe('snsapi_base');
    expect(authorize.searchParams.get('redirect_uri')).toBe(created.url);
    // WeChat sends the shopper's browser back to the page with a code.
    const back = await fetch(oauth.body.url, { redirect: 'manual' });
    expect(back.status).toBe(302);
    const landed = new URL(back.headers.get('location')!);
    expect(`${landed.origin}${landed.pathname}`).toBe(created.url);
    expect(landed.searchParams.get('state')).toBe(created.id);
    const code = landed.searchParams.get('code')!;

    const missing = await page('POST', `/sessions/${created.id}/payments`, { channel: 'wechat_jsapi' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.param).toBe('wechat_oauth_code');
    const paid = await page<{
      payment: SessionPayment & { next_action: { type: string; wechat_jsapi: { package: string; paySign: string } } };
    }>('POST', `/sessions/${created.id}/payments`, { channel: 'wechat_jsapi', wechat_oauth_code: code });
    expect(paid.status).toBe(201);
    expect(paid.body.payment.next_action.type).toBe('wechat_jsapi');
    expect(paid.body.payment.next_action.wechat_jsapi.package).toMatch(/^prepay_id=/);
    // A code is good once.
    await apiFetch(key, 'POST', `/v1/payments/${paid.body.payment.id}/cancel`, {});
    const reused = await page('POST', `/sessions/${created.id}/payments`, {
      channel: 'wechat_jsapi',
      wechat_oauth_code: code,
    });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toMatchObject({ code: 'wechat_oauth_code_invalid', param: 'wechat_oauth_code' });
  });

  test("pays with WeChat H5 only with the shopper's IP: without it, 400 naming client_ip and the session still open", async () => {
    const created = await session({
      line_items: [{ name: 'Jasmine tea', quantity: 1, unit_amount: 1200 }],
      allowed_channels: ['wechat_h5'],
    });
    const missing = await page('POST', `/sessions/${created.id}/payments`, { channel: 'wechat_h5' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'parameter_invalid', param: 'client_ip' });
    expect((await page<Session>('GET', `/sessions/${created.id}`)).body.status).toBe('open');
    const paid = await page<{ payment: SessionPayment }>('POST', `/sessions/${created.id}/payments`, {
      channel: 'wechat_h5',
      client_ip: '203.0.113.7',
    });
    expect(paid.status).toBe(201);
    expect(paid.body.payment.status).toBe('requires_action');
  });

  test('expires: then the page shows it expired and nothing can be paid', async () => {
    const created = await session({ line_items: [{ name: 'Pu-erh', quantity: 1, unit_amount: 900 }] });
    const expired = await post<Session>(`/v1/checkout/sessions/${created.id}/expire`, {});
    expect(expired.status).toBe(200);
    expect(expired.body.status).toBe('expired');
    expect((await page<{ status: string }>('GET', `/sessions/${created.id}`)).body.status).toBe('expired');
    const pay = await page('POST', `/sessions/${created.id}/payments`, { channel: 'alipay_qr' });
    expect(pay.status).toBe(409);
    expect(pay.body.error.code).toBe('checkout_session_expired');
  });

  test('runs out at its expires_at: an open session whose time has passed reads as expired', async () => {
    const created = await session({ line_items: [{ name: 'White tea', quantity: 1, unit_amount: 800 }] });
    // expires_in is at least 30 minutes; the clock is moved on in the database rather than waited for.
    await queryDb(`update checkout_sessions set expires_at = now() - interval '1 second' where id = $1`, [created.id]);
    expect((await apiFetch<Session>(key, 'GET', `/v1/checkout/sessions/${created.id}`)).body.status).toBe('expired');
    expect((await page('POST', `/sessions/${created.id}/payments`, { channel: 'alipay_qr' })).status).toBe(409);
  });

  test('a coupon past its expires_at is refused, naming the coupon', async () => {
    const code = `BRIEF${Date.now()}`;
    expect(
      (await post('/v1/coupons', { code, percent_off: 5, expires_at: new Date(Date.now() + 3_600_000).toISOString() }))
        .status,
    ).toBe(201);
    // The clock is moved on in the database rather than waited for, as for sessions above.
    await queryDb(`update coupons set expires_at = now() - interval '1 second' where merchant_id = $1 and code = $2`, [
      merchantId,
      code,
    ]);
    const answer = await post('/v1/checkout/sessions', {
      currency: 'CNY',
      ...URLS,
      line_items: [{ name: 'x', quantity: 1, unit_amount: 100 }],
      discounts: [{ coupon: code }],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'coupon_expired', param: 'discounts[0][coupon]' });
  });

  test.each([
    [{ line_items: [] }, 'line_items'],
    [{ line_items: [{ name: 'x', quantity: 0, unit_amount: 100 }] }, 'line_items[0][quantity]'],
    [{ line_items: [{ name: 'x', quantity: 1, unit_amount: -1 }] }, 'line_items[0][unit_amount]'],
    [{ line_items: [{ name: 'x', quantity: 1, unit_amount: 100, tax_rate: 'txr_nope' }] }, 'line_items[0][tax_rate]'],
    [{ line_items: [{ name: 'x', quantity: 1, unit_amount: 0 }] }, 'line_items'],
    [
      { line_items: [{ name: 'x', quantity: 1, unit_amount: 100 }], discounts: [{ coupon: 'NOPE' }] },
      'discounts[0][coupon]',
    ],
    [
      { line_items: [{ name: 'x', quantity: 1, unit_amount: 100 }], allowed_channels: ['paypal'] },
      'allowed_channels[0]',
    ],
    [{ line_items: [{ name: 'x', quantity: 1, unit_amount: 100 }], locale: 'fr-FR' }, 'locale'],
    [{ line_items: [{ name: 'x', quantity: 1, unit_amount: 100 }], success_url: 'javascript:alert(1)' }, 'success_url'],
  ])('bad input %j → 400 naming %s', async (body, param) => {
    const answer = await post('/v1/checkout/sessions', { currency: 'CNY', ...URLS, ...body });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', param });
  });

  test.each([
    [{ code: 'A', percent_off: 10, amount_off: 100 }, 'amount_off'],
    [{ code: 'A' }, 'percent_off'],
    [{ code: 'A', percent_off: 120 }, 'percent_off'],
    [{ code: 'A b', percent_off: 10 }, 'code'],
    [{ code: 'A', percent_off: 10, expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
  ])('a bad coupon %j → 400 naming %s', async (body, param) => {
    const answer = await post('/v1/coupons', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.param).toBe(param);
  });

  test("another merchant's session, tax rate and an unknown session are as good as missing", async () => {
    const created = await session({ line_items: [{ name: 'Green tea', quantity: 1, unit_amount: 100 }] });
    const other = await createTestMerchant();
    expect((await apiFetch(other.secretKey, 'GET', `/v1/checkout/sessions/${created.id}`)).status).toBe(404);
    const rate = await post<{ id: string }>('/v1/tax_rates', { display_name: 'VAT', percentage: 13, inclusive: false });
    const theirs = await apiFetch<ApiError>(other.secretKey, 'POST', '/v1/checkout/sessions', {
      currency: 'CNY',
      ...URLS,
      line_items: [{ name: 'x', quantity: 1, unit_amount: 100, tax_rate: rate.body.id }],
    });
    expect(theirs.status).toBe(400);
    expect(theirs.body.error.param).toBe('line_items[0][tax_rate]');
    expect((await page('GET', '/sessions/cs_doesnotexist')).status).toBe(404);
  });
});
