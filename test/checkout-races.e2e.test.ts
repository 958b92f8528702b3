import { queryDb } from './db';
import { apiFetch, createTestMerchant, eventually, sandboxControl, testStack } from './stack';

// The hosted checkout when things happen at once: two pays on one session, pays against an expire,
// sessions racing for the last redemptions of a coupon. A session keeps one payment; any other
// that took the shopper's money gives it back.

interface Session {
  id: string;
  status: string;
  amount_total: number;
  payment: string | null;
}

interface SessionPayment {
  id: string;
  status: string;
  channel: string;
}

interface Payment {
  id: string;
  status: string;
  amount: number;
  amount_refunded: number;
  out_trade_no: string;
  provider: string;
}

interface Refund {
  id: string;
  origin: string;
  amount: number;
  status: string;
}

interface ApiError {
  error: { type: string; code: string; message: string; param: string | null };
}

let key: string;

beforeAll(async () => {
  ({ secretKey: key } = await createTestMerchant());
});

const URLS = { success_url: 'https://shop.example/thanks', cancel_url: 'https://shop.example/cart' };
const post = <T>(path: string, body: unknown) => apiFetch<T & ApiError>(key, 'POST', path, body);
const pay = (sessionId: string, channel: string) =>
  fetch(`${testStack().api_url}/checkout/sessions/${sessionId}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channel }),
  }).then(async (response) => ({
    status: response.status,
    body: (await response.json()) as { payment: SessionPayment } & ApiError,
  }));
const getPayment = async (id: string) => (await apiFetch<Payment>(key, 'GET', `/v1/payments/${id}`)).body;
const getSession = async (id: string) => (await apiFetch<Session>(key, 'GET', `/v1/checkout/sessions/${id}`)).body;
const refundsOf = async (paymentId: string) =>
  (await apiFetch<{ data: Refund[] }>(key, 'GET', `/v1/refunds?payment=${paymentId}`)).body.data;

async function session(body: Record<string, unknown>): Promise<Session> {
  const created = await post<Session>('/v1/checkout/sessions', { currency: 'CNY', ...URLS, ...body });
  expect(created.status).toBe(201);
  return created.body;
}

/** The shopper pays the payment's order at the provider; a closed order answers 409. */
async function payAtProvider(payment: Payment): Promise<number> {
  return (
    await sandboxControl('POST', '/_control/pay', {
      provider: payment.provider,
      out_trade_no: payment.out_trade_no,
      outcome: 'success',
    })
  ).status;
}

describe('two pays on one checkout session', () => {
  test('at once with two channels: whatever the shopper pays, the session keeps one payment and the rest goes back', async () => {
    const created = await session({
      line_items: [{ name: 'Dragon well', quantity: 1, unit_amount: 1800 }],
      allowed_channels: ['alipay_qr', 'wechat_native'],
    });
    const answers = await Promise.all([pay(created.id, 'alipay_qr'), pay(created.id, 'wechat_native')]);
    const made = answers.filter((answer) => answer.status === 201).map((answer) => answer.body.payment.id);
    expect(made.length).toBeGreaterThan(0);

    // The shopper pays every order they were shown.
    const payments = await Promise.all(made.map(getPayment));
    for (const payment of payments) expect([200, 409]).toContain(await payAtProvider(payment));

    const kept = await eventually(
      async () => {
        const current = await getSession(created.id);
        expect(current.status).toBe('complete');
        return current.payment!;
      },
      { timeoutMs: 30_000 },
    );
    await eventually(
      async () => {
        for (const payment of await Promise.all(made.map(getPayment))) {
          if (payment.id === kept) expect(payment).toMatchObject({ status: 'succeeded', amount_refunded: 0 });
          // Not kept: closed before it was paid, or paid and refunded in full.
          else if (payment.status === 'succeeded' || payment.amount_refunded > 0)
            expect(payment.amount_refunded).toBe(1800);
          else expect(['canceled', 'expired']).toContain(payment.status);
        }
      },
      { timeoutMs: 30_000 },
    );
  });

  test('a payment replaced before it was recorded is paid too: the session completes once and that payment is refunded as a duplicate', async () => {
    const created = await session({
      line_items: [{ name: 'Silver needle', quantity: 1, unit_amount: 2600 }],
      allowed_channels: ['alipay_qr', 'wechat_native'],
    });
    const first = await pay(created.id, 'alipay_qr');
    expect(first.status).toBe(201);
    // As when a second pay read the session before the first had recorded its payment: the
    // Alipay order stays payable while the WeChat one becomes the session's.
    await queryDb(`update checkout_sessions set payment_id = null where id = $1`, [created.id]);
    const second = await pay(created.id, 'wechat_native');
    expect(second.status).toBe(201);
    const replaced = await getPayment(first.body.payment.id);
    const current = await getPayment(second.body.payment.id);

    expect(await payAtProvider(replaced)).toBe(200);
    expect(await payAtProvider(current)).toBe(200);

    await eventually(
      async () => {
        expect(await getSession(created.id)).toMatchObject({ status: 'complete', payment: current.id });
        expect(await refundsOf(replaced.id)).toEqual([
          expect.objectContaining({ origin: 'duplicate_payment', amount: 2600, status: 'succeeded' }),
        ]);
      },
      { timeoutMs: 30_000 },
    );
    expect(await getPayment(replaced.id)).toMatchObject({ status: 'succeeded', amount_refunded: 2600 });
    expect(await getPayment(current.id)).toMatchObject({ status: 'succeeded', amount_refunded: 0 });
    expect(await refundsOf(current.id)).toEqual([]);
  });

  test('a pay and an expire at once: the session ends expired with nothing payable, or paid with one payment', async () => {
    const created = await session({
      line_items: [{ name: 'Tieguanyin', quantity: 1, unit_amount: 1500 }],
      allowed_channels: ['alipay_qr'],
    });
    const [paid, expired] = await Promise.all([
      pay(created.id, 'alipay_qr'),
      post<Session>(`/v1/checkout/sessions/${created.id}/expire`, {}),
    ]);
    expect(expired.status).toBe(200);
    expect((await getSession(created.id)).status).toBe('expired');
    if (paid.status === 201) {
      // The expire came second: the payment it found was canceled.
      await eventually(async () =>
        expect((await getPayment(paid.body.payment.id)).status).toMatch(/^(canceled|expired)$/),
      );
    } else {
      expect(paid.status).toBe(409);
    }
    const payments = await queryDb<{ id: string; status: string }>(
      'select id, status from payments where checkout_session_id = $1',
      [created.id],
    );
    expect(payments.every((payment) => payment.status === 'canceled' || payment.status === 'expired')).toBe(true);
  });
});

describe('a coupon with a redemption limit', () => {
  test('10 sessions racing for 3 redemptions: 3 are paid with it, 7 are refused at pay time naming the coupon', async () => {
    const code = `LAST3${Date.now()}`;
    expect((await post('/v1/coupons', { code, amount_off: 100, max_redemptions: 3 })).status).toBe(201);
    // All ten are made while none is redeemed yet.
    const sessions = await Promise.all(
      Array.from({ length: 10 }, () =>
        session({
          line_items: [{ name: 'Matcha', quantity: 1, unit_amount: 1000 }],
          discounts: [{ coupon: code }],
          allowed_channels: ['alipay_qr'],
        }),
      ),
    );
    const answers = await Promise.all(sessions.map((created) => pay(created.id, 'alipay_qr')));
    const accepted = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(accepted).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const answer of refused) {
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('coupon_used_up');
      expect(answer.body.error.message).toContain(code);
    }

    for (const answer of accepted) expect(await payAtProvider(await getPayment(answer.body.payment.id))).toBe(200);
    await eventually(
      async () => {
        const statuses = await Promise.all(sessions.map(async (created) => (await getSession(created.id)).status));
        expect(statuses.filter((status) => status === 'complete')).toHaveLength(3);
      },
      { timeoutMs: 30_000 },
    );
    const coupons = await apiFetch<{ data: { code: string; times_redeemed: number }[] }>(
      key,
      'GET',
      '/v1/coupons?limit=100',
    );
    expect(coupons.body.data.find((coupon) => coupon.code === code)?.times_redeemed).toBe(3);
  });

  test('a session that ends unpaid gives its redemption back', async () => {
    const code = `ONE${Date.now()}`;
    expect((await post('/v1/coupons', { code, amount_off: 100, max_redemptions: 1 })).status).toBe(201);
    const line = { name: 'Genmaicha', quantity: 1, unit_amount: 900 };
    const abandoned = await session({ line_items: [line], discounts: [{ coupon: code }] });
    const other = await session({ line_items: [line], discounts: [{ coupon: code }] });
    expect((await pay(abandoned.id, 'alipay_qr')).status).toBe(201);
    const refused = await pay(other.id, 'alipay_qr');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('coupon_used_up');

    expect((await post(`/v1/checkout/sessions/${abandoned.id}/expire`, {})).status).toBe(200);
    expect((await pay(other.id, 'alipay_qr')).status).toBe(201);
  });
});
