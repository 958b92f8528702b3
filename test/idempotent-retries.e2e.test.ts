import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createTestMerchant, eventually, sandboxControl, testStack } from './stack';
import { queryDb } from './db';
import { callApi, startOwnApi, startOwnWorker, stopProcess } from './processes';

// A merchant retries a create that answered 503, with the same Idempotency-Key, as API.md tells
// them to: the money moves once. This story stops a worker, so it runs its own API and worker on a
// task queue of its own (as worker-restart.e2e.test.ts does): the other test files keep theirs.
describe('when the worker is down and the merchant retries its creates with the same Idempotency-Key', () => {
  const taskQueue = `idempotent-retries-${process.pid}`;
  let api: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  let apiUrl: string;

  beforeAll(async () => {
    worker = await startOwnWorker(taskQueue);
    ({ api, apiUrl } = await startOwnApi(taskQueue));
  });

  afterAll(async () => {
    await stopProcess(api);
    await stopProcess(worker);
  });

  /** The API of this story, not the shared one. */
  const call = (key: string, method: string, urlPath: string, body?: unknown, idempotencyKey?: string) =>
    callApi(apiUrl, key, method, urlPath, body, idempotencyKey);

  /** The first request and three retries, one after the other, as a merchant's client sends them. */
  async function sendFourTimes(send: () => ReturnType<typeof call>) {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await send());
    return answers;
  }

  /** The object an answer names: its id, or the id its 503 says is still being created. */
  const named = (answer: { body: Record<string, unknown> }): string | undefined =>
    typeof answer.body.id === 'string'
      ? answer.body.id
      : /\b(?:pay|re)_[0-9A-Za-z]+/.exec(String((answer.body.error as { message?: string })?.message))?.[0];

  test('then exactly one refund and one payment are made, at Tongbao and at the provider', async () => {
    const { merchantId, secretKey } = await createTestMerchant();
    const created = await call(secretKey, 'POST', '/v1/payments', {
      amount: 1000,
      currency: 'CNY',
      channel: 'alipay_qr',
      description: 'Tea set',
    });
    expect(created.status).toBe(201);
    const paid = created.body as { id: string; out_trade_no: string };
    await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: paid.out_trade_no,
      outcome: 'success',
    });
    await eventually(async () =>
      expect((await call(secretKey, 'GET', `/v1/payments/${paid.id}`)).body.status).toBe('succeeded'),
    );

    await stopProcess(worker, 'SIGKILL');
    const refundKey = randomUUID();
    const paymentKey = randomUUID();
    const refundBody = { payment: paid.id, amount: 100 };
    const paymentBody = { amount: 2300, currency: 'CNY', channel: 'alipay_qr', description: 'Teapot' };
    const [refundAnswers, paymentAnswers] = await Promise.all([
      sendFourTimes(() => call(secretKey, 'POST', '/v1/refunds', refundBody, refundKey)),
      sendFourTimes(() => call(secretKey, 'POST', '/v1/payments', paymentBody, paymentKey)),
    ]);
    // Nothing can be created without a worker: every answer says so, and names the same object.
    expect(refundAnswers.map((answer) => answer.status)).toEqual([503, 503, 503, 503]);
    expect(paymentAnswers.map((answer) => answer.status)).toEqual([503, 503, 503, 503]);
    // …and says when to come back.
    expect([...refundAnswers, ...paymentAnswers].every((answer) => answer.retryAfter === '5')).toBe(true);
    const refundIds = new Set(refundAnswers.map(named));
    const paymentIds = new Set(paymentAnswers.map(named));
    expect(refundIds.size).toBe(1);
    expect(paymentIds.size).toBe(1);

    worker = await startOwnWorker(taskQueue);
    const refund = await call(secretKey, 'POST', '/v1/refunds', refundBody, refundKey);
    expect(refund.status).toBe(201);
    expect(refundIds).toEqual(new Set([refund.body.id]));
    const payment = await call(secretKey, 'POST', '/v1/payments', paymentBody, paymentKey);
    expect(payment.status).toBe(201);
    expect(paymentIds).toEqual(new Set([payment.body.id]));
    expect(payment.body).toMatchObject({ status: 'requires_action', next_action: { type: 'display_qr_code' } });
    // The answer is kept now, and replayed.
    const replayed = await call(secretKey, 'POST', '/v1/payments', paymentBody, paymentKey);
    expect(replayed).toEqual(payment);

    await eventually(
      async () =>
        expect((await call(secretKey, 'GET', `/v1/refunds/${String(refund.body.id)}`)).body.status).toBe('succeeded'),
      { timeoutMs: 30_000 },
    );
    const trade = await sandboxControl<{ amount_refunded: number; refunds: unknown[] }>(
      'GET',
      `/_control/trades/alipay/${paid.out_trade_no}`,
    );
    expect(trade.body).toMatchObject({ amount_refunded: 100 });
    expect(trade.body.refunds).toHaveLength(1);
    expect(await queryDb('select id from refunds where payment_id = $1', [paid.id])).toEqual([{ id: refund.body.id }]);

    const payments = await queryDb<{ id: string; out_trade_no: string }>(
      'select id, out_trade_no from payments where merchant_id = $1 and amount = 2300',
      [merchantId],
    );
    expect(payments.map((row) => row.id)).toEqual([payment.body.id]);
    const order = await sandboxControl<{ amount?: number }>(
      'GET',
      `/_control/trades/alipay/${payments[0].out_trade_no}`,
    );
    expect(order.status).toBe(200);

    // And one workflow each: no second refund or payment was ever started.
    const connection = await Connection.connect({ address: testStack().temporal_address });
    try {
      const client = new Client({ connection, namespace: testStack().temporal_namespace });
      await eventually(async () => {
        const workflowIds: string[] = [];
        for await (const execution of client.workflow.list({ query: `MerchantId = '${merchantId}'` }))
          workflowIds.push(execution.workflowId);
        expect(workflowIds.sort()).toEqual(
          [`payment/${paid.id}`, `payment/${String(payment.body.id)}`, `refund/${String(refund.body.id)}`].sort(),
        );
      });
    } finally {
      await connection.close();
    }
  }, 300_000);
});
