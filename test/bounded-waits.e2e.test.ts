import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { apiFetch, createTestMerchant, eventually, sandboxControl, testStack } from './stack';

// The API waits on a workflow only so long: a cancel the provider cannot carry out answers 503
// (and a retry with its key answers the outcome), and a refund stuck behind others on the
// payment's row lock is answered once stored, not with a 503.

interface Payment {
  id: string;
  status: string;
  out_trade_no: string;
}

interface ApiError {
  error: { type: string; code: string; message: string };
}

let key: string;

beforeAll(async () => {
  ({ secretKey: key } = await createTestMerchant());
});

async function createPayment(amount: number): Promise<Payment> {
  const created = await apiFetch<Payment>(key, 'POST', '/v1/payments', {
    amount,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Bounded waits',
  });
  expect(created.status).toBe(201);
  return created.body;
}

const getPayment = async (id: string) => (await apiFetch<Payment>(key, 'GET', `/v1/payments/${id}`)).body;

test('when the provider cannot close the order, the cancel answers 503 in time, and its retry answers canceled', async () => {
  const payment = await createPayment(800);
  // The close fails until the fault is lifted: the workflow retries it with backoff, past the API's wait.
  const fault = await sandboxControl<{ id: string }>('POST', '/_control/faults', {
    provider: 'alipay',
    out_trade_no: payment.out_trade_no,
    api: { fail: 'http_500', methods: ['alipay.trade.close'] },
  });
  expect(fault.status).toBe(201);
  const cancelKey = randomUUID();
  const cancel = () =>
    apiFetch<Payment & ApiError>(key, 'POST', `/v1/payments/${payment.id}/cancel`, undefined, {
      'idempotency-key': cancelKey,
    });

  const first = await cancel();
  expect(first.status).toBe(503);
  expect(first.body.error).toMatchObject({ type: 'api_error', code: 'payment_cancel_pending' });
  expect(first.headers.get('retry-after')).toBe('5');
  expect((await getPayment(payment.id)).status).toBe('requires_action');
  expect((await sandboxControl('DELETE', `/_control/faults/${fault.body.id}`)).status).toBe(200);
  await eventually(async () => expect((await getPayment(payment.id)).status).toBe('canceled'), {
    timeoutMs: 60_000,
  });
  const retried = await cancel();
  expect(retried.status).toBe(200);
  expect(retried.body).toMatchObject({ id: payment.id, status: 'canceled' });
}, 120_000);

test('refunds waiting longer than 5 s behind the payment row lock are answered 201, not 503', async () => {
  const payment = await createPayment(1000);
  await sandboxControl('POST', '/_control/pay', {
    provider: 'alipay',
    out_trade_no: payment.out_trade_no,
    outcome: 'success',
  });
  await eventually(async () => expect((await getPayment(payment.id)).status).toBe('succeeded'));

  // Someone else holds the payment's row (as 20 refunds at once do, one after the other) for 7 s.
  const db = new PgClient({ connectionString: testStack().database_url });
  await db.connect();
  try {
    await db.query('begin');
    await db.query('select id from payments where id = $1 for update', [payment.id]);
    const answers = Promise.all(
      [100, 200, 300].map((amount) => apiFetch<ApiError>(key, 'POST', '/v1/refunds', { payment: payment.id, amount })),
    );
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    await db.query('commit');
    expect((await answers).map((answer) => answer.status)).toEqual([201, 201, 201]);
  } finally {
    await db.end();
  }
  await eventually(
    async () =>
      expect(((await getPayment(payment.id)) as Payment & { amount_refunded: number }).amount_refunded).toBe(600),
    { timeoutMs: 30_000 },
  );
}, 120_000);
