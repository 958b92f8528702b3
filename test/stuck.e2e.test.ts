/**
 * Nothing retries for ever unseen: an activity that keeps failing shows up in the admins' stuck
 * list and in the metrics, and leaves both once it works again.
 */
import { adminFetch, apiFetch, createTestMerchant, eventually, sandboxControl, testStack } from './stack';

interface Stuck {
  workflow_id: string;
  activity_type: string;
  attempt: number;
  last_failure: string | null;
}

test('when the provider keeps failing its queries, the payment is listed as stuck, with a metric, until it answers again', async () => {
  const { secretKey: key } = await createTestMerchant();
  const created = await apiFetch<{ id: string; out_trade_no: string }>(key, 'POST', '/v1/payments', {
    amount: 100,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Stuck tea',
  });
  expect(created.status).toBe(201);
  const payment = created.body;
  const fault = { provider: 'alipay', out_trade_no: payment.out_trade_no };
  await sandboxControl('POST', '/_control/faults', {
    ...fault,
    api: { fail: 'http_500', methods: ['alipay.trade.query'] },
  });

  // The sweep's first check is a second away at the tests' time scale (domain/payment-checks.ts);
  // the fourth failed check in a row, ~10 s later, lists the payment as stuck.
  const stuck = await eventually(
    async () => {
      const listed = await adminFetch<{ data: Stuck[] }>('GET', '/v1/admin/stuck?min_attempt=4');
      expect(listed.status).toBe(200);
      const found = listed.body.data.find((row) => row.workflow_id === `payment/${payment.id}`);
      expect(found).toMatchObject({ activity_type: 'queryProviderPayment' });
      return found!;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  expect(stuck.attempt).toBeGreaterThanOrEqual(4);
  expect(stuck.last_failure).toBeTruthy();

  const metrics = await fetch(`${testStack().api_url}/metrics`, {
    headers: { authorization: `Bearer ${testStack().admin_token}` },
  });
  expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await metrics.text();
  expect(text).toMatch(/^tongbao_stuck_activities\{activity_type="queryProviderPayment"\} [1-9]\d*$/m);
  expect(text).toMatch(/^# TYPE tongbao_stuck_activities gauge$/m);
  expect((await fetch(`${testStack().api_url}/metrics`)).status).toBe(401);

  await sandboxControl('POST', '/_control/faults', { ...fault, api: null });
  await eventually(
    async () => {
      const listed = await adminFetch<{ data: Stuck[] }>('GET', '/v1/admin/stuck');
      expect(listed.body.data.map((row) => row.workflow_id)).not.toContain(`payment/${payment.id}`);
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
  await apiFetch(key, 'POST', `/v1/payments/${payment.id}/cancel`);
}, 180_000);
