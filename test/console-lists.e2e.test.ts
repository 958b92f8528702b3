import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  cancel,
  createPayment,
  listedIds,
  pay,
  refund,
  type ErrorBody,
  type ListBody,
  type PaymentBody,
} from './console';
import { queryDb } from './db';
import { adminFetch, apiFetch, createTestMerchant, eventually } from './stack';

// Stories of the merchant console's lists and payment page, through the real API, Temporal,
// PostgreSQL and the sandbox: filters and search find exactly what they name, and the timeline
// tells a payment's whole life in one answer.

describe('the payments list, filtered and searched', () => {
  let key: string;
  let merchantId: string;
  let paid: PaymentBody;
  let open: PaymentBody;
  let wechat: PaymentBody;
  let customerId: string;

  beforeAll(async () => {
    ({ secretKey: key, merchantId } = await createTestMerchant());
    const customer = await apiFetch<{ id: string }>(key, 'POST', '/v1/customers', { email: 'li@example.cn' });
    expect(customer.status).toBe(201);
    customerId = customer.body.id;
    paid = await pay(
      key,
      await createPayment(key, { amount: 1000, merchant_order_no: 'order-paid', customer: customerId }),
    );
    open = await createPayment(key, { amount: 2000, merchant_order_no: 'order-open' });
    wechat = await createPayment(key, { amount: 3000, channel: 'wechat_native' });
  });

  test('each filter keeps exactly the payments it names, newest first', async () => {
    expect(await listedIds(key, 'status=succeeded')).toEqual([paid.id]);
    expect(await listedIds(key, 'status=requires_action')).toEqual([wechat.id, open.id]);
    expect(await listedIds(key, 'channel=wechat_native')).toEqual([wechat.id]);
    expect(await listedIds(key, 'provider=alipay')).toEqual([open.id, paid.id]);
    expect(await listedIds(key, 'provider=unionpay')).toEqual([]);
    expect(await listedIds(key, `customer=${customerId}`)).toEqual([paid.id]);
    expect(await listedIds(key, 'amount[gte]=2000')).toEqual([wechat.id, open.id]);
    expect(await listedIds(key, 'amount[lte]=2000')).toEqual([open.id, paid.id]);
    expect(await listedIds(key, 'amount[gte]=1500&amount[lte]=2500')).toEqual([open.id]);
    expect(await listedIds(key, 'provider=alipay&amount[gte]=1500')).toEqual([open.id]);
  });

  test('the created range takes ISO times and unix seconds, inclusive', async () => {
    const created = new Date(open.created_at);
    expect(await listedIds(key, `created[gte]=${encodeURIComponent(open.created_at)}`)).toEqual([wechat.id, open.id]);
    expect(await listedIds(key, `created[lte]=${encodeURIComponent(open.created_at)}`)).toEqual([open.id, paid.id]);
    const seconds = Math.floor(created.getTime() / 1000);
    expect(await listedIds(key, `created[gte]=${seconds - 3600}&created[lte]=${seconds + 3600}`)).toEqual([
      wechat.id,
      open.id,
      paid.id,
    ]);
    expect(await listedIds(key, `created[lte]=${seconds - 3600}`)).toEqual([]);
    expect(await listedIds(key, `created[gte]=${encodeURIComponent('2999-01-01T00:00:00+08:00')}`)).toEqual([]);
  });

  test('the search matches a payment id, merchant_order_no, out_trade_no, provider_trade_no or customer, exactly', async () => {
    expect(paid.provider_trade_no).toBeTruthy();
    for (const q of [paid.id, 'order-paid', paid.out_trade_no, paid.provider_trade_no!, customerId])
      expect({ q, found: await listedIds(key, `q=${encodeURIComponent(q)}`) }).toEqual({ q, found: [paid.id] });
    // Exact, not a prefix or a substring.
    expect(await listedIds(key, 'q=order')).toEqual([]);
    expect(await listedIds(key, `q=${paid.id.slice(0, -1)}`)).toEqual([]);
    // With the other filters: all must hold.
    expect(await listedIds(key, `q=order-paid&status=requires_action`)).toEqual([]);
  });

  test('a filtered list pages with starting_after like the plain one', async () => {
    const first = await apiFetch<ListBody<{ id: string }>>(key, 'GET', '/v1/payments?provider=alipay&limit=1');
    expect(first.body).toMatchObject({ has_more: true, data: [{ id: open.id }] });
    const second = await apiFetch<ListBody<{ id: string }>>(
      key,
      'GET',
      `/v1/payments?provider=alipay&limit=1&starting_after=${open.id}`,
    );
    expect(second.body).toMatchObject({ has_more: false, data: [{ id: paid.id }] });
  });

  test.each([
    ['amount[gte]=cheap', 'amount[gte]'],
    ['amount[lte]=-5', 'amount[lte]'],
    ['amount[gte]=10&amount[lte]=5', 'amount[lte]'],
    ['created[gte]=yesterday', 'created[gte]'],
    ['created[lte]=2026-12-03', 'created[lte]'],
    ['created[gte]=2026-12-03T00:00:00Z&created[lte]=2026-12-01T00:00:00Z', 'created[lte]'],
    ['status=paid', 'status'],
    ['provider=paypal', 'provider'],
    ['customer=li', 'customer'],
    ['q=', 'q'],
    ['amount_gte=5', 'amount_gte'],
    ['status=succeeded&status=failed', 'status'],
  ])('?%s is refused with a 400 naming %s', async (query, param) => {
    const refused = await apiFetch<ErrorBody>(key, 'GET', `/v1/payments?${query}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', param });
  });

  test('another merchant, or a live key of the same merchant, finds none of them', async () => {
    const other = await createTestMerchant();
    expect(await listedIds(other.secretKey, `q=${paid.id}`)).toEqual([]);
    expect(await listedIds(other.secretKey, '')).toEqual([]);
    const live = await adminFetch<{ secret: string }>('POST', `/v1/admin/merchants/${merchantId}/api_keys`, {
      livemode: true,
    });
    expect(live.status).toBe(201);
    expect(await listedIds(live.body.secret, '')).toEqual([]);
    expect(await listedIds(live.body.secret, `q=${paid.id}`)).toEqual([]);
    expect((await apiFetch(live.body.secret, 'GET', `/v1/payments/${paid.id}/timeline`)).status).toBe(404);
    expect((await apiFetch(other.secretKey, 'GET', `/v1/payments/${paid.id}/timeline`)).status).toBe(404);
  });

  test('the refunds list filters by status, payment and created range', async () => {
    const refunded = await refund(key, paid.id, 300);
    const list = async (query: string) =>
      (await apiFetch<ListBody<{ id: string }>>(key, 'GET', `/v1/refunds?${query}`)).body.data.map((r) => r.id);
    expect(await list(`payment=${paid.id}&status=succeeded`)).toEqual([refunded.id]);
    expect(await list('status=pending')).toEqual([]);
    expect(await list(`created[gte]=${Math.floor(Date.now() / 1000) - 600}`)).toEqual([refunded.id]);
    expect(await list(`created[lte]=${Math.floor(Date.now() / 1000) - 600}`)).toEqual([]);
    const refused = await apiFetch<ErrorBody>(key, 'GET', '/v1/refunds?created[gte]=soon');
    expect(refused.status).toBe(400);
    expect(refused.body.error.param).toBe('created[gte]');
  });
});

interface Timeline {
  object: string;
  workflow_id: string;
  payment: { id: string; status: string; amount_refunded: number };
  refunds: { id: string; status: string }[];
  entries: Array<{ at: string; kind: string; [field: string]: unknown }>;
}

describe("a payment's timeline", () => {
  const received: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.url ?? '');
      // The first delivery fails, so that an event shows two attempts.
      res.statusCode = received.length === 1 ? 500 : 200;
      res.end();
    });
  });

  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('tells every transition, notification, event with its webhook attempts, and refund, in time order', async () => {
    const { secretKey: key } = await createTestMerchant();
    const { port } = server.address() as AddressInfo;
    const endpoint = await apiFetch(key, 'POST', '/v1/webhook_endpoints', {
      url: `http://127.0.0.1:${port}/hooks`,
      enabled_events: ['payment.succeeded'],
    });
    expect(endpoint.status).toBe(201);
    const payment = await pay(key, await createPayment(key, { amount: 5000 }));
    const refunded = await refund(key, payment.id, 1200);

    const timeline = await eventually(
      async () => {
        const answer = await apiFetch<Timeline>(key, 'GET', `/v1/payments/${payment.id}/timeline`);
        expect(answer.status).toBe(200);
        const event = answer.body.entries.find((entry) => entry.kind === 'event' && entry.type === 'payment.succeeded');
        expect(event?.deliveries).toEqual([
          expect.objectContaining({ status: 'delivered', attempts: [expect.anything(), expect.anything()] }),
        ]);
        return answer.body;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(timeline).toMatchObject({
      object: 'payment_timeline',
      workflow_id: `payment/${payment.id}`,
      payment: { id: payment.id, status: 'succeeded', amount_refunded: 1200 },
      refunds: [{ id: refunded.id, status: 'succeeded' }],
    });
    const at = timeline.entries.map((entry) => entry.at);
    expect(at).toEqual([...at].sort());
    const summary = timeline.entries.map((entry) =>
      entry.kind === 'payment_transition' || entry.kind === 'refund_transition'
        ? `${entry.kind}:${String(entry.to)}`
        : entry.kind === 'event'
          ? `event:${String(entry.type)}`
          : `${entry.kind}:${String(entry.about)}:${String(entry.outcome)}`,
    );
    expect(summary.filter((line) => line.startsWith('payment_transition'))).toEqual([
      'payment_transition:requires_action',
      'payment_transition:succeeded',
    ]);
    expect(summary).toContain('provider_notification:payment:signaled');
    expect(summary).toContain('event:payment.succeeded');
    expect(summary).toContain('refund_transition:pending');
    expect(summary).toContain('refund_transition:succeeded');
    expect(summary).toContain('event:refund.succeeded');
    // The notification comes before the state it caused, and that state before its event.
    expect(summary.indexOf('provider_notification:payment:signaled')).toBeLessThan(
      summary.indexOf('payment_transition:succeeded'),
    );
    expect(summary.indexOf('payment_transition:succeeded')).toBeLessThan(summary.indexOf('event:payment.succeeded'));
    const attempts = (
      timeline.entries.find((entry) => entry.type === 'payment.succeeded')!.deliveries as {
        attempts: { status_code: number }[];
      }[]
    )[0].attempts.map((attempt) => attempt.status_code);
    expect(attempts).toEqual([500, 200]);
  });

  test('a notification refused for its amount shows with its outcome and reason', async () => {
    const { secretKey: key } = await createTestMerchant();
    const payment = await createPayment(key, { amount: 4321 });
    const [row] = await queryDb<{ provider_account_id: string }>(
      'select provider_account_id from payments where id = $1',
      [payment.id],
    );
    // As the notify route records one whose amount does not match (api/notifications.service.ts).
    await queryDb(
      `insert into provider_notifications (provider, provider_account_id, out_trade_no, payment_id, outcome, reason, body)
       values ('alipay', $1, $2, $3, 'refused', 'amount 1 does not match the payment''s 4321', 'x')`,
      [row.provider_account_id, payment.out_trade_no, payment.id],
    );
    await cancel(key, payment);
    const timeline = await apiFetch<Timeline>(key, 'GET', `/v1/payments/${payment.id}/timeline`);
    expect(timeline.body.entries.filter((entry) => entry.kind === 'provider_notification')).toEqual([
      expect.objectContaining({
        provider: 'alipay',
        about: 'payment',
        outcome: 'refused',
        reason: "amount 1 does not match the payment's 4321",
      }),
    ]);
    expect(timeline.body.entries.at(-1)).toMatchObject({ kind: 'event', type: 'payment.canceled' });
  });
});
