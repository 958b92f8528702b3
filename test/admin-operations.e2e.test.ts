import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chinaDate } from '../domain/china-time';
import { adminFetch, apiFetch, createTestMerchant, eventually, sandboxControl } from './stack';
import { queryDb } from './db';

// The admin console's operations, as an operator meets them: the overview counts what went wrong
// and links to its queue; the stuck refund shows what the provider answered; a discrepancy is
// resolved with a note; forged notifications are in the log. (End users and the audit log:
// test/admin-end-users.e2e.test.ts.) Counters are the platform's: other stories add to them, so
// each is asserted to count at least this story's own, and the queue behind it to hold it.

interface Payment {
  id: string;
  status: string;
  out_trade_no: string;
  succeeded_at: string | null;
}

interface Counter {
  count: number;
  since: string | null;
  url: string;
}

interface Overview {
  period: string;
  totals: { currency: string; count: number; succeeded: number; success_rate: number | null }[];
  by_provider: { provider: string; count: number; succeeded: number }[];
  by_channel: { provider: string; channel: string; count: number }[];
  counters: Record<string, Counter>;
}

interface AdminRefund {
  id: string;
  status: string;
  merchant: string;
  attempt: number;
  provider_requests: number;
  provider_answer: { code: string | null; message: string | null; at: string } | null;
  attention: { since: string; age_seconds: number } | null;
}

interface Notification {
  id: string;
  outcome: string;
  reason: string | null;
  merchant: string | null;
  body?: string;
}

interface Discrepancy {
  id: string;
  kind: string;
  out_trade_no: string;
  status: string;
  resolution_note: string | null;
  resolved_by: string | null;
}

interface ApiError {
  error: { type: string; code: string; param: string | null };
}

let merchantId: string;
let key: string;

beforeAll(async () => {
  ({ merchantId, secretKey: key } = await createTestMerchant());
});

async function paidPayment(amount: number, channel = 'wechat_native', provider = 'wechatpay'): Promise<Payment> {
  const created = await apiFetch<Payment>(key, 'POST', '/v1/payments', {
    amount,
    currency: 'CNY',
    channel,
    description: 'Admin operations story',
  });
  expect(created.status).toBe(201);
  const paid = await sandboxControl('POST', '/_control/pay', {
    provider,
    out_trade_no: created.body.out_trade_no,
    outcome: 'success',
  });
  expect(paid.status).toBe(200);
  return eventually(async () => {
    const payment = (await apiFetch<Payment>(key, 'GET', `/v1/payments/${created.body.id}`)).body;
    expect(payment.status).toBe('succeeded');
    return payment;
  });
}

const overview = async (query = '') => {
  const answer = await adminFetch<Overview>('GET', `/v1/admin/overview${query}`);
  expect(answer.status).toBe(200);
  return answer.body;
};

test("a refund the provider will not take: counted by the overview, in the stuck queue with the provider's answer", async () => {
  const payment = await paidPayment(700);
  const fault = await sandboxControl<{ id: string }>('POST', '/_control/faults', {
    provider: 'wechatpay',
    out_trade_no: payment.out_trade_no,
    api: { fail: 'system_error', methods: ['POST /v3/refund/domestic/refunds'] },
  });
  expect(fault.status).toBe(201);
  try {
    const created = await apiFetch<{ id: string }>(key, 'POST', '/v1/refunds', { payment: payment.id, amount: 300 });
    expect(created.status).toBe(201);
    const stuck = await eventually(
      async () => {
        const queue = await adminFetch<{ data: AdminRefund[] }>(
          'GET',
          `/v1/admin/refunds?status=requires_attention&merchant=${merchantId}&limit=100`,
        );
        expect(queue.status).toBe(200);
        const found = queue.body.data.find((refund) => refund.id === created.body.id);
        expect(found).toBeDefined();
        return found!;
      },
      { timeoutMs: 40_000 },
    );
    // WeChat Pay's "system busy" answer, asked again and again until the deadline.
    expect(stuck).toMatchObject({ merchant: merchantId, status: 'requires_attention', attempt: 1 });
    expect(stuck.provider_answer).toMatchObject({ code: 'SYSTEM_ERROR' });
    expect(stuck.provider_requests).toBeGreaterThanOrEqual(2);
    expect(stuck.attention).not.toBeNull();
    expect(stuck.attention!.age_seconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(stuck.attention!.since)).toBeLessThanOrEqual(Date.now());
    const one = await adminFetch<AdminRefund>('GET', `/v1/admin/refunds/${created.body.id}`);
    expect(one.body).toMatchObject({ id: created.body.id, provider_answer: { code: 'SYSTEM_ERROR' } });

    const { counters } = await overview('?period=1d');
    expect(counters.refunds_requires_attention.count).toBeGreaterThanOrEqual(1);
    expect(counters.refunds_requires_attention.url).toBe('/v1/admin/refunds?status=requires_attention');
    const linked = await adminFetch<{ data: AdminRefund[] }>(
      'GET',
      `${counters.refunds_requires_attention.url}&limit=100`,
    );
    expect(linked.body.data.map((refund) => refund.id)).toContain(created.body.id);
  } finally {
    await sandboxControl('DELETE', `/_control/faults/${fault.body.id}`);
  }
});

test("the overview counts the platform's payments by provider and channel", async () => {
  const before = await overview('?period=1d&livemode=false');
  await paidPayment(1234, 'alipay_qr', 'alipay');
  const after = await overview('?period=1d&livemode=false');
  const alipay = (o: Overview) => o.by_channel.find((g) => g.channel === 'alipay_qr')?.count ?? 0;
  expect(alipay(after)).toBeGreaterThanOrEqual(alipay(before) + 1);
  const cny = after.totals.find((t) => t.currency === 'CNY')!;
  expect(cny.succeeded).toBeGreaterThanOrEqual(1);
  expect(cny.success_rate).not.toBeNull();
  expect(after.by_provider.map((g) => g.provider)).toContain('alipay');
  expect((await overview('?period=30d')).period).toBe('30d');
});

test('a forged notification is refused, counted, and in the log with its reason and body', async () => {
  const payment = await apiFetch<Payment>(key, 'POST', '/v1/payments', {
    amount: 1999,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Forged notification story',
  });
  const trade = (await sandboxControl('GET', `/_control/trades/alipay/${payment.body.out_trade_no}`)).body as {
    notify_url: string;
    app_id: string;
  };
  const forged = await fetch(trade.notify_url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      app_id: trade.app_id,
      out_trade_no: payment.body.out_trade_no,
      total_amount: '19.99',
      trade_status: 'TRADE_SUCCESS',
      notify_id: `forged-admin-${Date.now()}`,
      sign_type: 'RSA2',
      sign: Buffer.from('not a signature').toString('base64'),
    }),
  });
  expect(await forged.text()).not.toBe('success');

  const log = await adminFetch<{ data: Notification[] }>(
    'GET',
    `/v1/admin/provider_notifications?merchant=${merchantId}&outcome=refused&provider=alipay`,
  );
  expect(log.status).toBe(200);
  const refused = log.body.data[0];
  expect(refused).toMatchObject({ outcome: 'refused', merchant: merchantId });
  expect(refused.reason).toBeTruthy();
  expect(refused.body).toBeUndefined();
  const one = await adminFetch<Notification>('GET', `/v1/admin/provider_notifications/${refused.id}`);
  expect(one.body.body).toContain('forged-admin-');

  const { counters } = await overview();
  expect(counters.notifications_refused.count).toBeGreaterThanOrEqual(1);
  expect(counters.notifications_refused.since).not.toBeNull();
  const linked = await adminFetch<{ data: Notification[] }>('GET', counters.notifications_refused.url);
  expect(linked.status).toBe(200);
  expect(linked.body.data.every((n) => n.outcome === 'refused')).toBe(true);

  // The log's time range, both ends inclusive; a range the wrong way round names its upper bound.
  const none = await adminFetch<{ data: Notification[] }>(
    'GET',
    `/v1/admin/provider_notifications?merchant=${merchantId}&received[gte]=${Math.floor(Date.now() / 1000) + 3600}`,
  );
  expect(none.body.data).toEqual([]);
  const backwards = await adminFetch<ApiError>(
    'GET',
    '/v1/admin/provider_notifications?received[gte]=2026-12-02T00:00:00Z&received[lte]=2026-12-01T00:00:00Z',
  );
  expect(backwards.status).toBe(400);
  expect(backwards.body.error.param).toBe('received[lte]');
});

test('an operator resolves a discrepancy with a note; it stays resolved when its day is reconciled again', async () => {
  const [account] = await queryDb<{ id: string; external_id: string }>(
    "select id, external_id from provider_accounts where merchant_id = $1 and provider = 'alipay'",
    [merchantId],
  );
  const payment = await paidPayment(2500, 'alipay_qr', 'alipay');
  const date = chinaDate(new Date(payment.succeeded_at!));
  const ghost = `ghost${Date.now()}`;
  const edit = await sandboxControl('POST', '/_control/statement_edits', {
    provider: 'alipay',
    account: account.external_id,
    date,
    edit: 'add',
    out_trade_no: ghost,
    amount: 4400,
  });
  expect(edit.status).toBe(201);
  const reconcile = () => adminFetch('POST', '/v1/admin/reconciliation_runs', { provider_account: account.id, date });
  expect((await reconcile()).status).toBe(200);

  const open = await adminFetch<{ data: Discrepancy[] }>(
    'GET',
    `/v1/admin/reconciliation_discrepancies?provider_account=${account.id}&date=${date}&status=open&limit=100`,
  );
  const found = open.body.data.find((d) => d.out_trade_no === ghost)!;
  expect(found).toMatchObject({ kind: 'missing_here', status: 'open' });

  const noNote = await adminFetch<ApiError>('POST', `/v1/admin/reconciliation_discrepancies/${found.id}/resolve`, {});
  expect(noNote.status).toBe(400);
  expect(noNote.body.error.param).toBe('note');

  const note = 'Not ours: the provider booked another shop’s order to this account; ticket 4411.';
  const resolved = await adminFetch<Discrepancy>('POST', `/v1/admin/reconciliation_discrepancies/${found.id}/resolve`, {
    note,
  });
  expect(resolved.status).toBe(200);
  expect(resolved.body).toMatchObject({ id: found.id, status: 'resolved', resolution_note: note });
  expect(resolved.body.resolved_by).toBe('admin_token:admin');
  const again = await adminFetch<Discrepancy>('POST', `/v1/admin/reconciliation_discrepancies/${found.id}/resolve`, {
    note: 'a second note',
  });
  expect(again.body).toEqual(resolved.body);

  expect((await reconcile()).status).toBe(200);
  const afterRerun = await adminFetch<{ data: Discrepancy[] }>(
    'GET',
    `/v1/admin/reconciliation_discrepancies?provider_account=${account.id}&date=${date}&status=resolved&limit=100`,
  );
  expect(afterRerun.body.data.find((d) => d.out_trade_no === ghost)).toMatchObject({
    status: 'resolved',
    resolution_note: note,
  });
  const stillOpen = await adminFetch<{ data: Discrepancy[] }>(
    'GET',
    `/v1/admin/reconciliation_discrepancies?provider_account=${account.id}&date=${date}&status=open&limit=100`,
  );
  expect(stillOpen.body.data.map((d) => d.out_trade_no)).not.toContain(ghost);

  const runs = await adminFetch<{ data: { provider_account: string; date: string }[] }>(
    'GET',
    `/v1/admin/reconciliation_runs?provider_account=${account.id}&date=${date}`,
  );
  expect(runs.body.data.length).toBeGreaterThanOrEqual(2);
  expect(runs.body.data.every((run) => run.provider_account === account.id && run.date === date)).toBe(true);

  const { counters } = await overview();
  expect(counters.discrepancies_open.url).toBe('/v1/admin/reconciliation_discrepancies?status=open');
  expect(
    (await adminFetch<ApiError>('POST', '/v1/admin/reconciliation_discrepancies/abc/resolve', { note })).body.error
      .param,
  ).toBe('id');
  expect(
    (await adminFetch('POST', '/v1/admin/reconciliation_discrepancies/999999999999/resolve', { note })).status,
  ).toBe(404);
});

test("a merchant's webhook endpoint that answers only 500 is counted as failing and listed in its queue", async () => {
  const server = createServer((_req, res) => res.writeHead(500).end('down'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const endpoint = await apiFetch<{ id: string }>(key, 'POST', '/v1/webhook_endpoints', {
      url: `http://127.0.0.1:${port}/hooks`,
      enabled_events: ['payment.succeeded'],
    });
    expect(endpoint.status).toBe(201);
    await paidPayment(990);
    const failing = await eventually(
      async () => {
        const queue = await adminFetch<{ data: { webhook_endpoint: string; last_status_code: number | null }[] }>(
          'GET',
          '/v1/admin/failing_webhook_endpoints',
        );
        const found = queue.body.data.find((row) => row.webhook_endpoint === endpoint.body.id);
        expect(found).toBeDefined();
        return found!;
      },
      { timeoutMs: 30_000 },
    );
    expect(failing).toMatchObject({ merchant: merchantId, last_status_code: 500 });
    const { counters } = await overview();
    expect(counters.webhook_endpoints_failing.count).toBeGreaterThanOrEqual(1);
    expect(counters.webhook_endpoints_failing.url).toBe('/v1/admin/failing_webhook_endpoints');

    // The merchant deletes it: a deleted endpoint is nobody's problem any more.
    expect((await apiFetch(key, 'DELETE', `/v1/webhook_endpoints/${endpoint.body.id}`)).status).toBe(200);
    const after = await adminFetch<{ data: { webhook_endpoint: string }[] }>(
      'GET',
      '/v1/admin/failing_webhook_endpoints',
    );
    expect(after.body.data.map((row) => row.webhook_endpoint)).not.toContain(endpoint.body.id);
  } finally {
    server.close();
  }
});

test('a payment of any merchant, found by the search, with its timeline', async () => {
  const payment = await paidPayment(880);
  const found = await adminFetch<{ data: { id: string; merchant: string }[] }>(
    'GET',
    `/v1/admin/payments?merchant=${merchantId}&q=${payment.out_trade_no}`,
  );
  expect(found.body.data).toEqual([expect.objectContaining({ id: payment.id, merchant: merchantId })]);
  const other = await adminFetch<{ data: unknown[] }>('GET', `/v1/admin/payments?merchant=mer_nobody&q=${payment.id}`);
  expect(other.body.data).toEqual([]);
  const timeline = await adminFetch<{ merchant: string; payment: { id: string }; entries: { kind: string }[] }>(
    'GET',
    `/v1/admin/payments/${payment.id}`,
  );
  expect(timeline.status).toBe(200);
  expect(timeline.body).toMatchObject({ merchant: merchantId, payment: { id: payment.id } });
  expect(timeline.body.entries.map((entry) => entry.kind)).toContain('payment_transition');
});

test.each([
  ['/v1/admin/overview?period=2d', 'period'],
  ['/v1/admin/overview?livemode=yes', 'livemode'],
  ['/v1/admin/payments?merchant=acme', 'merchant'],
  ['/v1/admin/refunds?status=stuck', 'status'],
  ['/v1/admin/refunds?created[gte]=2026-12-02T00:00:00Z&created[lte]=2026-12-01T00:00:00Z', 'created[lte]'],
  ['/v1/admin/provider_notifications?outcome=forged', 'outcome'],
  ['/v1/admin/provider_notifications/pn_1', 'id'],
  ['/v1/admin/reconciliation_discrepancies?status=closed', 'status'],
  ['/v1/admin/stuck?failing_for=-1', 'failing_for'],
  ['/v1/admin/failing_webhook_endpoints?limit=5', 'limit'],
])('bad input is refused by name: %s', async (url, param) => {
  const answer = await adminFetch<ApiError>('GET', url);
  expect(answer.status).toBe(400);
  expect(answer.body.error.param).toBe(param);
});
