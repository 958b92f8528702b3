import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiFetch, adminFetch, createTestMerchant, eventually, sandboxControl } from './stack';
import { queryDb } from './db';

// An admin cancels a stuck refund because the provider never took it; then the provider settles
// it after all (it had taken the request late) and says so. The refund must come back in front of
// an admin, holding its amount again, so that the money cannot go back twice unseen. The
// sandbox's control API plays the late provider (`POST /_control/late_refunds`).

interface Refund {
  id: string;
  status: string;
  out_refund_no: string;
}

/** The providers whose sandbox can settle a refund late (UnionPay's cannot yet: README of sandbox/). */
const STUCK_REFUND_FAULT = {
  alipay: { channel: 'alipay_qr', refundMethod: 'alipay.trade.refund', fail: 'http_500' },
  wechatpay: { channel: 'wechat_native', refundMethod: 'POST /v3/refund/domestic/refunds', fail: 'system_error' },
} as const;

let key: string;
const received: { type: string; id: string }[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; type: string; data: unknown };
    received.push({ type: event.type, id: event.id });
    res.end();
  });
});

beforeAll(async () => {
  ({ secretKey: key } = await createTestMerchant());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = await apiFetch(key, 'POST', '/v1/webhook_endpoints', {
    url: `http://127.0.0.1:${port}/hooks`,
    enabled_events: ['refund.requires_attention'],
  });
  expect(endpoint.status).toBe(201);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** What the payment's refunds hold of it: the refunds neither failed nor canceled. */
async function held(paymentId: string): Promise<number> {
  const [{ total }] = await queryDb<{ total: string | null }>(
    `select sum(amount) as total from refunds where payment_id = $1 and status not in ('failed', 'canceled')`,
    [paymentId],
  );
  return Number(total ?? 0);
}

const getRefund = async (id: string) => (await apiFetch<Refund>(key, 'GET', `/v1/refunds/${id}`)).body;
const deliveredFor = (refundId: string, eventIds: Set<string>) =>
  received.filter((event) => event.type === 'refund.requires_attention' && eventIds.has(event.id));

describe.each(Object.keys(STUCK_REFUND_FAULT) as (keyof typeof STUCK_REFUND_FAULT)[])('with %s', (provider) => {
  const { channel, refundMethod, fail } = STUCK_REFUND_FAULT[provider];

  test('a success for a refund an admin canceled reopens it: requires_attention, its amount held, announced again', async () => {
    const created = await apiFetch<{ id: string; out_trade_no: string }>(key, 'POST', '/v1/payments', {
      amount: 900,
      currency: 'CNY',
      channel,
      description: 'Reopened refund story',
    });
    expect(created.status).toBe(201);
    const payment = created.body;
    await sandboxControl('POST', '/_control/pay', { provider, out_trade_no: payment.out_trade_no, outcome: 'success' });
    await eventually(async () =>
      expect((await apiFetch<{ status: string }>(key, 'GET', `/v1/payments/${payment.id}`)).body.status).toBe(
        'succeeded',
      ),
    );

    // The provider does not take the refund until its deadline: it requires attention.
    const fault = await sandboxControl<{ id: string }>('POST', '/_control/faults', {
      provider,
      out_trade_no: payment.out_trade_no,
      api: { fail, methods: [refundMethod] },
    });
    expect(fault.status).toBe(201);
    const refund = (await apiFetch<Refund>(key, 'POST', '/v1/refunds', { payment: payment.id })).body;
    await eventually(async () => expect((await getRefund(refund.id)).status).toBe('requires_attention'), {
      timeoutMs: 40_000,
    });
    expect((await sandboxControl('DELETE', `/_control/faults/${fault.body.id}`)).status).toBe(200);

    // An admin gives it up: the provider does not know it, so its amount is free again.
    const canceled = await adminFetch<Refund>('POST', `/v1/admin/refunds/${refund.id}/cancel`, {
      reason: 'operator decision',
    });
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect(await held(payment.id)).toBe(0);

    // The provider had taken it after all, and says it succeeded.
    const late = await sandboxControl<{ refunds: unknown[] }>('POST', '/_control/late_refunds', {
      provider,
      out_trade_no: payment.out_trade_no,
      out_refund_no: refund.out_refund_no,
      amount: 900,
    });
    expect(late.status).toBe(200);
    expect(late.body.refunds).toHaveLength(1);

    await eventually(async () => expect((await getRefund(refund.id)).status).toBe('requires_attention'), {
      timeoutMs: 30_000,
    });
    expect(await held(payment.id)).toBe(900);
    const another = await apiFetch<{ error: { code: string } }>(key, 'POST', '/v1/refunds', { payment: payment.id });
    expect(another.status).toBe(400);
    expect(another.body.error.code).toBe('amount_too_large');

    const events = await queryDb<{ id: string; type: string; occurrence: number }>(
      'select id, type, occurrence from events where object_id = $1 order by occurrence',
      [refund.id],
    );
    expect(events.map(({ type, occurrence }) => ({ type, occurrence }))).toEqual([
      { type: 'refund.requires_attention', occurrence: 1 },
      { type: 'refund.requires_attention', occurrence: 2 },
    ]);
    const eventIds = new Set(events.map((event) => event.id));
    await eventually(() =>
      expect(
        deliveredFor(refund.id, eventIds)
          .map((event) => event.id)
          .sort(),
      ).toEqual([...eventIds].sort()),
    );
    expect(
      await queryDb('select outcome from provider_notifications where out_refund_no = $1 order by id', [
        refund.out_refund_no,
      ]),
    ).toContainEqual({ outcome: 'canceled_refund_reopened' });
    // (Its hourly query of the provider will settle it `succeeded` later: the provider's word.)
    const transitions = await queryDb<{ to_status: string }>(
      'select to_status from refund_transitions where refund_id = $1 order by id',
      [refund.id],
    );
    expect(transitions.slice(0, 4)).toEqual([
      { to_status: 'pending' },
      { to_status: 'requires_attention' },
      { to_status: 'canceled' },
      { to_status: 'requires_attention' },
    ]);
  }, 120_000);
});
