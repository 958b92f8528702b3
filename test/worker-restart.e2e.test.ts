import type { ChildProcess } from 'node:child_process';
import { createTestMerchant, eventually, sandboxControl } from './stack';
import { queryDb } from './db';
import { callApi, startOwnApi, startOwnWorker, stopProcess } from './processes';

// This story kills a worker, so it runs its own API and worker on a task queue of its own:
// the other test files keep theirs.
describe('when the worker is killed in the middle of a payment and started again', () => {
  const taskQueue = `restart-${process.pid}`;
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
  const call = (key: string, method: string, urlPath: string, body?: unknown) =>
    callApi(apiUrl, key, method, urlPath, body);

  test('then the payment completes', async () => {
    const { secretKey } = await createTestMerchant();
    const created = await call(secretKey, 'POST', '/v1/payments', {
      amount: 5000,
      currency: 'CNY',
      channel: 'alipay_qr',
      description: 'Porcelain cup',
    });
    expect(created.status).toBe(201);
    const payment = created.body as { id: string; out_trade_no: string };

    await stopProcess(worker, 'SIGKILL');
    await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      outcome: 'success',
    });
    // Temporal accepts the notification's signal although no worker runs; nothing moves yet.
    await eventually(async () => {
      const rows = await queryDb<{ outcome: string }>(
        'select outcome from provider_notifications where out_trade_no = $1',
        [payment.out_trade_no],
      );
      expect(rows.map((row) => row.outcome)).toContain('signaled');
    });
    expect(((await call(secretKey, 'GET', `/v1/payments/${payment.id}`)).body as { status: string }).status).toBe(
      'requires_action',
    );

    worker = await startOwnWorker(taskQueue);
    await eventually(
      async () => {
        const current = (await call(secretKey, 'GET', `/v1/payments/${payment.id}`)).body as { status: string };
        expect(current.status).toBe('succeeded');
      },
      { timeoutMs: 30_000 },
    );
    const transitions = await queryDb('select to_status from payment_transitions where payment_id = $1', [payment.id]);
    expect(transitions).toEqual([{ to_status: 'requires_action' }, { to_status: 'succeeded' }]);
  });

  test('a UnionPay payment whose notification is lost is settled by query in a worker that never saw its create', async () => {
    const { secretKey } = await createTestMerchant();
    const created = await call(secretKey, 'POST', '/v1/payments', {
      amount: 5000,
      currency: 'CNY',
      channel: 'unionpay_pc',
      description: 'Porcelain cup',
      return_url: 'https://shop.example/done',
      // Two hours (two minutes at ×60): a worker that restarts slowly on a busy machine must still
      // find the payment open, or its expiry, not a poll, settles it.
      expires_in: 7200,
    });
    expect(created.status).toBe(201);
    const payment = created.body as {
      id: string;
      out_trade_no: string;
      next_action: { redirect_to_url: { url: string; form: Record<string, string> } };
    };
    const { url, form } = payment.next_action.redirect_to_url;
    expect((await fetch(url, { method: 'POST', body: new URLSearchParams(form) })).status).toBe(200);
    expect(
      (
        await sandboxControl('POST', '/_control/faults', {
          provider: 'unionpay',
          out_trade_no: payment.out_trade_no,
          notifications: 'drop',
        })
      ).status,
    ).toBe(201);

    await stopProcess(worker, 'SIGKILL');
    expect(
      (
        await sandboxControl('POST', '/_control/pay', {
          provider: 'unionpay',
          out_trade_no: payment.out_trade_no,
          outcome: 'success',
        })
      ).status,
    ).toBe(200);
    worker = await startOwnWorker(taskQueue);
    await eventually(
      async () => {
        const current = (await call(secretKey, 'GET', `/v1/payments/${payment.id}`)).body as { status: string };
        expect(current.status).toBe('succeeded');
      },
      { timeoutMs: 60_000 },
    );
    const sources = await queryDb<{ source: string }>(
      'select source from payment_transitions where payment_id = $1 order by id',
      [payment.id],
    );
    expect(sources.map((r) => r.source)).toEqual(['create', 'poll']);
  });
});
