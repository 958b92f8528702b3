// Refund stories, end to end (API, refund workflow, sandboxes). Over 400 lines on purpose: one
// file per capability, as the other stories are, sharing one merchant and the paid-payment helpers;
// split, each part would start those again.
import { Client, Connection } from '@temporalio/client';
import { PaymentIdKey, RefundIdKey, RefundStatusKey } from '../domain/search-attributes';
import {
  adminFetch,
  apiFetch,
  createTestMerchant,
  eventually,
  sandboxControl,
  testStack,
  testDataConverter,
} from './stack';
import { queryDb } from './db';

// Refunds through the API, the refund workflow and each provider's sandbox: partial and full,
// concurrent, stuck at the provider and retried by an admin; and a payment the provider completed
// after Tongbao had expired it.

interface Payment {
  id: string;
  status: string;
  provider: string;
  amount: number;
  amount_refunded: number;
  out_trade_no: string;
  next_action: {
    type: string;
    redirect_to_url?: { url: string; method: 'GET' | 'POST'; form: Record<string, string> | null };
  } | null;
}

interface Refund {
  id: string;
  object: 'refund';
  payment: string;
  amount: number;
  status: string;
  origin: string;
  out_refund_no: string;
  failure_reason: string | null;
}

interface ApiError {
  error: { type: string; code: string; param: string | null; message: string };
}

let key: string;

beforeAll(async () => {
  ({ secretKey: key } = await createTestMerchant());
});

const PAY_WITH = {
  alipay: { channel: 'alipay_qr' },
  wechatpay: { channel: 'wechat_native' },
  unionpay: { channel: 'unionpay_pc' },
} as const;

async function createPayment(
  provider: keyof typeof PAY_WITH,
  amount: number,
  extra: Record<string, unknown> = {},
): Promise<Payment> {
  const created = await apiFetch<Payment>(key, 'POST', '/v1/payments', {
    amount,
    currency: 'CNY',
    channel: PAY_WITH[provider].channel,
    description: 'Refund story',
    ...extra,
  });
  expect(created.status).toBe(201);
  const action = created.body.next_action?.redirect_to_url;
  if (action) {
    // UnionPay learns of the order when the shopper's browser posts the form.
    const opened = await fetch(action.url, {
      method: action.method,
      body: action.method === 'POST' ? new URLSearchParams(action.form ?? {}) : undefined,
    });
    expect(opened.status).toBe(200);
  }
  return created.body;
}

async function paidPayment(provider: keyof typeof PAY_WITH, amount: number): Promise<Payment> {
  const payment = await createPayment(provider, amount);
  expect(
    (
      await sandboxControl('POST', '/_control/pay', {
        provider,
        out_trade_no: payment.out_trade_no,
        outcome: 'success',
      })
    ).status,
  ).toBe(200);
  await eventually(async () =>
    expect((await apiFetch<Payment>(key, 'GET', `/v1/payments/${payment.id}`)).body.status).toBe('succeeded'),
  );
  return payment;
}

const refund = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  apiFetch<Refund & ApiError>(key, 'POST', '/v1/refunds', body, headers);
const getRefund = async (id: string) => (await apiFetch<Refund>(key, 'GET', `/v1/refunds/${id}`)).body;
const getPayment = async (id: string) => (await apiFetch<Payment>(key, 'GET', `/v1/payments/${id}`)).body;
const sandboxRefunded = async (provider: string, outTradeNo: string) =>
  (await sandboxControl<{ amount_refunded: number }>('GET', `/_control/trades/${provider}/${outTradeNo}`)).body
    .amount_refunded;

describe.each(['alipay', 'wechatpay', 'unionpay'] as const)('refunding a %s payment', (provider) => {
  test('in two parts: a partial refund, then what remains; a third finds nothing left', async () => {
    const payment = await paidPayment(provider, 1000);

    const first = await refund({
      payment: payment.id,
      amount: 300,
      reason: 'one item returned',
      metadata: { rma: '42' },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ object: 'refund', payment: payment.id, amount: 300, origin: 'merchant' });
    await eventually(async () => expect((await getRefund(first.body.id)).status).toBe('succeeded'), {
      timeoutMs: 30_000,
    });

    const rest = await refund({ payment: payment.id });
    expect(rest.status).toBe(201);
    expect(rest.body.amount).toBe(700);
    await eventually(async () => expect((await getRefund(rest.body.id)).status).toBe('succeeded'), {
      timeoutMs: 30_000,
    });

    expect(await getPayment(payment.id)).toMatchObject({ status: 'succeeded', amount_refunded: 1000 });
    expect(await sandboxRefunded(provider, payment.out_trade_no)).toBe(1000);

    const third = await refund({ payment: payment.id, amount: 1 });
    expect(third.status).toBe(400);
    expect(third.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'amount_too_large',
      param: 'amount',
    });

    const listed = await apiFetch<{ data: Refund[] }>(key, 'GET', `/v1/refunds?payment=${payment.id}`);
    expect(listed.body.data.map((r) => r.id)).toEqual([rest.body.id, first.body.id]);
    const events = await queryDb<{ type: string; object_id: string }>(
      `select type, object_id from events where object_id = any($1) order by type`,
      [[first.body.id, rest.body.id]],
    );
    expect(events).toHaveLength(2);
    expect(events.every((event) => event.type === 'refund.succeeded')).toBe(true);
  });
});

test('20 refund requests at once never refund more than was paid', async () => {
  const payment = await paidPayment('alipay', 1000);
  // The requests queue on the payment's row lock, so admission may count them as a crowd and refuse
  // some with 503 and Retry-After before doing anything (API.md, "Overload"): each is sent again
  // after it, as a client would, with the same Idempotency-Key. What is checked is the outcome.
  const refundAdmitted = async (key: string) => {
    for (;;) {
      const answer = await refund({ payment: payment.id, amount: 100 }, { 'Idempotency-Key': key });
      if (answer.status !== 503 && answer.status !== 429) return answer;
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      await new Promise((resolve) => setTimeout(resolve, Number(answer.headers.get('retry-after')) * 1000));
    }
  };
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => refundAdmitted(`${payment.id}-at-once-${i}`)));
  const accepted = answers.filter((answer) => answer.status === 201);
  const refused = answers.filter((answer) => answer.status !== 201);
  expect(accepted).toHaveLength(10);
  expect(refused.every((answer) => answer.status === 400 && answer.body.error.code === 'amount_too_large')).toBe(true);
  await eventually(async () => expect((await getPayment(payment.id)).amount_refunded).toBe(1000), {
    timeoutMs: 30_000,
  });
  expect(await sandboxRefunded('alipay', payment.out_trade_no)).toBe(1000);
  const [{ total }] = await queryDb<{ total: string }>(
    `select sum(amount) as total from refunds where payment_id = $1 and status not in ('failed', 'canceled')`,
    [payment.id],
  );
  expect(Number(total)).toBe(1000);
});

test('a refund the provider will not take becomes requires_attention; an admin retries it and it succeeds', async () => {
  const payment = await paidPayment('wechatpay', 800);
  const fault = await sandboxControl<{ id: string }>('POST', '/_control/faults', {
    provider: 'wechatpay',
    out_trade_no: payment.out_trade_no,
    api: { fail: 'system_error', methods: ['POST /v3/refund/domestic/refunds'] },
  });
  expect(fault.status).toBe(201);

  const created = await refund({ payment: payment.id, amount: 500 });
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('pending');
  const stuck = await eventually(
    async () => {
      const current = await getRefund(created.body.id);
      expect(current.status).toBe('requires_attention');
      return current;
    },
    { timeoutMs: 40_000 },
  );
  expect(stuck.failure_reason).toMatch(/in time/);
  const attention = await adminFetch<{ data: Refund[] }>(
    'GET',
    '/v1/admin/refunds?status=requires_attention&limit=100',
  );
  expect(attention.body.data.map((r) => r.id)).toContain(created.body.id);
  expect(await queryDb('select type from events where object_id = $1', [created.body.id])).toEqual([
    { type: 'refund.requires_attention' },
  ]);

  // The provider is back: the admin's retry asks again with the same out_refund_no.
  expect((await sandboxControl('DELETE', `/_control/faults/${fault.body.id}`)).status).toBe(200);
  const retried = await adminFetch<Refund>('POST', `/v1/admin/refunds/${created.body.id}/retry`, {
    reason: 'operator decision',
  });
  expect(retried.status).toBe(200);
  expect(['pending', 'succeeded']).toContain(retried.body.status);
  await eventually(async () => expect((await getRefund(created.body.id)).status).toBe('succeeded'), {
    timeoutMs: 30_000,
  });
  expect(await sandboxRefunded('wechatpay', payment.out_trade_no)).toBe(500);
  expect((await getPayment(payment.id)).amount_refunded).toBe(500);

  const again = await adminFetch<ApiError>('POST', `/v1/admin/refunds/${created.body.id}/retry`, {
    reason: 'operator decision',
  });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('refund_not_retryable');
  const transitions = await queryDb<{ attempt: number; to_status: string }>(
    'select attempt, to_status from refund_transitions where refund_id = $1 order by id',
    [created.body.id],
  );
  expect(transitions).toEqual([
    { attempt: 1, to_status: 'pending' },
    { attempt: 1, to_status: 'requires_attention' },
    { attempt: 2, to_status: 'pending' },
    { attempt: 2, to_status: 'succeeded' },
  ]);
});

test("support finds a refund's workflow by its search attributes", async () => {
  const payment = await paidPayment('alipay', 900);
  const created = await refund({ payment: payment.id, amount: 900 });
  await eventually(async () => expect((await getRefund(created.body.id)).status).toBe('succeeded'), {
    timeoutMs: 30_000,
  });
  const connection = await Connection.connect({ address: testStack().temporal_address });
  try {
    const client = new Client({
      connection,
      namespace: testStack().temporal_namespace,
      dataConverter: testDataConverter(),
    });
    const described = await client.workflow.getHandle(`refund/${created.body.id}`).describe();
    expect(described.typedSearchAttributes.get(RefundIdKey)).toBe(created.body.id);
    expect(described.typedSearchAttributes.get(PaymentIdKey)).toBe(payment.id);
    expect(described.typedSearchAttributes.get(RefundStatusKey)).toBe('succeeded');
    await eventually(async () => {
      const found = [];
      for await (const execution of client.workflow.list({
        query: `PaymentId="${payment.id}" AND RefundStatus="succeeded"`,
      }))
        found.push(execution.workflowId);
      expect(found).toEqual([`refund/${created.body.id}`]);
    });
  } finally {
    await connection.close();
  }
});

test('an admin cancels a stuck refund the provider never took; its amount can then be refunded again', async () => {
  const payment = await paidPayment('wechatpay', 900);
  const fault = await sandboxControl<{ id: string }>('POST', '/_control/faults', {
    provider: 'wechatpay',
    out_trade_no: payment.out_trade_no,
    api: { fail: 'system_error', methods: ['POST /v3/refund/domestic/refunds'] },
  });
  const stuck = await refund({ payment: payment.id, amount: 900 });
  await eventually(async () => expect((await getRefund(stuck.body.id)).status).toBe('requires_attention'), {
    timeoutMs: 40_000,
  });

  const canceled = await adminFetch<Refund>('POST', `/v1/admin/refunds/${stuck.body.id}/cancel`, {
    reason: 'operator decision',
  });
  expect(canceled.status).toBe(200);
  expect(canceled.body).toMatchObject({ status: 'canceled', failure_reason: expect.stringMatching(/never took/) });
  expect(
    (await adminFetch<ApiError>('POST', `/v1/admin/refunds/${stuck.body.id}/cancel`, { reason: 'operator decision' }))
      .status,
  ).toBe(409);
  expect(
    (await adminFetch<ApiError>('POST', `/v1/admin/refunds/${stuck.body.id}/retry`, { reason: 'operator decision' }))
      .status,
  ).toBe(409);

  expect((await sandboxControl('DELETE', `/_control/faults/${fault.body.id}`)).status).toBe(200);
  const again = await refund({ payment: payment.id });
  expect(again.status).toBe(201);
  expect(again.body.amount).toBe(900);
  await eventually(async () => expect((await getRefund(again.body.id)).status).toBe('succeeded'), {
    timeoutMs: 30_000,
  });
  expect(await sandboxRefunded('wechatpay', payment.out_trade_no)).toBe(900);
});

test('a refund the provider has taken cannot be canceled: ABNORMAL stays with the admin', async () => {
  const payment = await paidPayment('wechatpay', 650);
  expect(
    (
      await sandboxControl('POST', '/_control/faults', {
        provider: 'wechatpay',
        out_trade_no: payment.out_trade_no,
        refunds: 'abnormal',
      })
    ).status,
  ).toBe(201);
  const created = await refund({ payment: payment.id });
  await eventually(async () => expect((await getRefund(created.body.id)).status).toBe('requires_attention'));
  const refused = await adminFetch<ApiError>('POST', `/v1/admin/refunds/${created.body.id}/cancel`, {
    reason: 'operator decision',
  });
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatchObject({ code: 'refund_not_cancelable' });
  expect(refused.body.error.message).toMatch(/ABNORMAL/);
  expect((await getRefund(created.body.id)).status).toBe('requires_attention');
});

test("WeChat Pay's REFUND.ABNORMAL (the shopper's card was closed) puts the refund in front of an admin at once", async () => {
  const payment = await paidPayment('wechatpay', 700);
  expect(
    (
      await sandboxControl('POST', '/_control/faults', {
        provider: 'wechatpay',
        out_trade_no: payment.out_trade_no,
        refunds: 'abnormal',
      })
    ).status,
  ).toBe(201);
  const created = await refund({ payment: payment.id, amount: 700 });
  expect(created.status).toBe(201);
  const stuck = await eventually(async () => {
    const current = await getRefund(created.body.id);
    expect(current.status).toBe('requires_attention');
    return current;
  });
  expect(stuck.failure_reason).toBe('ABNORMAL');
  expect((await getPayment(payment.id)).amount_refunded).toBe(0);
  const sources = await queryDb<{ source: string }>(
    `select source from refund_transitions where refund_id = $1 and to_status = 'requires_attention'`,
    [created.body.id],
  );
  expect(['notification', 'poll']).toContain(sources[0].source);
});

test("WeChat Pay's refund notification settles the refund, and is recorded against it", async () => {
  const payment = await paidPayment('wechatpay', 600);
  // The refund's first poll comes half a second after the request (×60): slowed down, it cannot
  // settle the refund and end the workflow before the notification is in, which would make it late.
  const slowQueries = await sandboxControl('POST', '/_control/faults', {
    provider: 'wechatpay',
    out_trade_no: payment.out_trade_no,
    api: { slow_ms: 3_000, methods: ['GET /v3/refund/domestic/refunds/{out_refund_no}'] },
  });
  expect(slowQueries.status).toBe(201);
  const created = await refund({ payment: payment.id, amount: 600 });
  expect(created.status).toBe(201);
  await eventually(async () => expect((await getRefund(created.body.id)).status).toBe('succeeded'), {
    timeoutMs: 30_000,
  });
  await eventually(async () => {
    const rows = await queryDb<{ outcome: string }>(
      'select outcome from provider_notifications where out_refund_no = $1',
      [created.body.out_refund_no],
    );
    expect(rows.map((row) => row.outcome)).toContain('signaled');
  });
});

describe('refusals', () => {
  test('an unpaid payment cannot be refunded', async () => {
    const payment = await createPayment('alipay', 500);
    const answer = await refund({ payment: payment.id });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({
      type: 'conflict_error',
      code: 'payment_not_refundable',
      param: 'payment',
    });
  });

  test.each([
    [{}, 'payment'],
    [{ payment: 'pay_x', amount: -5 }, 'amount'],
    [{ payment: 'pay_x', amount: 1.5 }, 'amount'],
    [{ payment: 'ch_123' }, 'payment'],
    [{ payment: 'pay_x', metadata: { a: 1 } }, 'metadata[a]'],
    [{ payment: 'pay_x', colour: 'red' }, 'colour'],
  ])('bad input %j → 400 naming %s', async (body, param) => {
    const answer = await refund(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', param });
  });

  test("another merchant's payment is as good as missing", async () => {
    const payment = await paidPayment('alipay', 300);
    const other = await createTestMerchant();
    const answer = await apiFetch<ApiError>(other.secretKey, 'POST', '/v1/refunds', { payment: payment.id });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'resource_missing', param: 'payment' });
    const created = await refund({ payment: payment.id, amount: 100 });
    expect((await apiFetch(other.secretKey, 'GET', `/v1/refunds/${created.body.id}`)).status).toBe(404);
  });

  test('the same Idempotency-Key replays the refund instead of refunding twice', async () => {
    const payment = await paidPayment('alipay', 400);
    const headers = { 'Idempotency-Key': `refund-${payment.id}` };
    const first = await refund({ payment: payment.id, amount: 150 }, headers);
    const second = await refund({ payment: payment.id, amount: 150 }, headers);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    expect(await queryDb('select id from refunds where payment_id = $1', [payment.id])).toHaveLength(1);
  });
});

test('paid after it expired (UnionPay has no close): the payment stays expired and the money goes back, once', async () => {
  const payment = await createPayment('unionpay', 1200, { expires_in: 60 });
  await eventually(async () => expect((await getPayment(payment.id)).status).toBe('expired'), { timeoutMs: 30_000 });

  // UnionPay's order lapses at its own payTimeout; the shopper pays before it does, after our expiry.
  expect(
    (
      await sandboxControl('POST', '/_control/faults', {
        provider: 'unionpay',
        out_trade_no: payment.out_trade_no,
        notifications: 'duplicate',
        duplicate_count: 3,
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await sandboxControl('POST', '/_control/pay', {
        provider: 'unionpay',
        out_trade_no: payment.out_trade_no,
        outcome: 'success',
      })
    ).status,
  ).toBe(200);

  const refunds = await eventually(
    async () => {
      const listed = (await apiFetch<{ data: Refund[] }>(key, 'GET', `/v1/refunds?payment=${payment.id}`)).body.data;
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ origin: 'late_payment', amount: 1200, status: 'succeeded' });
      return listed;
    },
    { timeoutMs: 30_000 },
  );
  await eventually(async () => {
    // The payment's three notifications; the refund's own (duplicated by the same fault) name its refund number.
    const outcomes = await queryDb<{ outcome: string }>(
      'select outcome from provider_notifications where out_trade_no = $1 and out_refund_no is null',
      [payment.out_trade_no],
    );
    expect(outcomes).toHaveLength(3);
    expect(outcomes.every((row) => row.outcome === 'late_payment_refunded')).toBe(true);
  });
  expect(await getPayment(payment.id)).toMatchObject({ status: 'expired', amount_refunded: 1200 });
  expect(await sandboxRefunded('unionpay', payment.out_trade_no)).toBe(1200);
  expect(await queryDb('select type from events where object_id = $1', [refunds[0].id])).toEqual([
    { type: 'refund.succeeded' },
  ]);
});
