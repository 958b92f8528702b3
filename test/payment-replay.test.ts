import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { apiFetch, createTestMerchant, eventually, sandboxControl, testStack, testDataConverter } from './stack';

// Guards determinism: histories recorded by the running worker must replay on the current workflow code.
describe('payment workflow histories replay on the current code', () => {
  beforeAll(() => {
    // The replayer's workers log every state change at INFO; only problems matter here.
    Runtime.install({ logger: new DefaultLogger('WARN') });
  });

  test('succeeded, canceled and expired payments replay without nondeterminism', async () => {
    const { secretKey } = await createTestMerchant();
    const create = async (extra: Record<string, unknown> = {}) =>
      (
        await apiFetch(secretKey, 'POST', '/v1/payments', {
          amount: 800,
          currency: 'CNY',
          channel: 'alipay_qr',
          description: 'Replay',
          ...extra,
        })
      ).body as { id: string; out_trade_no: string };
    const waitFor = (id: string, status: string) =>
      eventually(
        async () =>
          expect(((await apiFetch(secretKey, 'GET', `/v1/payments/${id}`)).body as { status: string }).status).toBe(
            status,
          ),
        { timeoutMs: 30_000 },
      );

    const paid = await create();
    await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: paid.out_trade_no,
      outcome: 'success',
    });
    const canceled = await create();
    await apiFetch(secretKey, 'POST', `/v1/payments/${canceled.id}/cancel`);
    const expired = await create({ expires_in: 60 });
    await Promise.all([
      waitFor(paid.id, 'succeeded'),
      waitFor(canceled.id, 'canceled'),
      waitFor(expired.id, 'expired'),
    ]);

    const connection = await Connection.connect({ address: testStack().temporal_address });
    try {
      const client = new Client({
        connection,
        namespace: testStack().temporal_namespace,
        dataConverter: testDataConverter(),
      });
      for (const id of [paid.id, canceled.id, expired.id]) {
        const handle = client.workflow.getHandle(`payment/${id}`);
        await handle.result();
        const history = await handle.fetchHistory();
        expect(history.events?.length).toBeGreaterThan(5);
        await Worker.runReplayHistory(
          // The history's payloads are encrypted (temporal/payload-codec.ts): the replayer decrypts them as the worker does.
          { workflowsPath: path.resolve(__dirname, '../workflows/index.ts'), dataConverter: testDataConverter() },
          history,
          `payment/${id}`,
        );
      }
    } finally {
      await connection.close();
    }
  }, 120_000);
});
