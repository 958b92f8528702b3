import { Connection, Client } from '@temporalio/client';
import { chinaDate } from '../domain/china-time';
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

// Daily reconciliation: each provider's sandbox serves its statement in the provider's own format;
// the planted differences are what reconciliation must find, and nothing else.

interface Payment {
  id: string;
  status: string;
  out_trade_no: string;
  succeeded_at: string | null;
  next_action: {
    redirect_to_url?: { url: string; method: 'GET' | 'POST'; form: Record<string, string> | null };
  } | null;
}

interface Discrepancy {
  kind: string;
  object_type: string;
  out_trade_no: string;
  out_refund_no: string | null;
  payment: string | null;
  our_amount: number | null;
  provider_amount: number | null;
}

const CHANNEL = { alipay: 'alipay_qr', wechatpay: 'wechat_native', unionpay: 'unionpay_pc' } as const;
type Provider = keyof typeof CHANNEL;

let merchantId: string;
let key: string;
let accounts: { id: string; provider: Provider; external_id: string }[];

beforeAll(async () => {
  ({ merchantId, secretKey: key } = await createTestMerchant());
  accounts = await queryDb('select id, provider, external_id from provider_accounts where merchant_id = $1', [
    merchantId,
  ]);
});

async function paid(provider: Provider, amount: number): Promise<Payment> {
  const created = await apiFetch<Payment>(key, 'POST', '/v1/payments', {
    amount,
    currency: 'CNY',
    channel: CHANNEL[provider],
    description: 'Reconciliation story',
  });
  expect(created.status).toBe(201);
  const form = created.body.next_action?.redirect_to_url;
  if (form)
    await fetch(form.url, {
      method: form.method,
      body: form.method === 'POST' ? new URLSearchParams(form.form ?? {}) : undefined,
    });
  expect(
    (
      await sandboxControl('POST', '/_control/pay', {
        provider,
        out_trade_no: created.body.out_trade_no,
        outcome: 'success',
      })
    ).status,
  ).toBe(200);
  return eventually(async () => {
    const payment = (await apiFetch<Payment>(key, 'GET', `/v1/payments/${created.body.id}`)).body;
    expect(payment.status).toBe('succeeded');
    return payment;
  });
}

test('every provider account of a new merchant is reconciled daily, at 10:30 China time', async () => {
  const connection = await Connection.connect({ address: testStack().temporal_address });
  try {
    const client = new Client({
      connection,
      namespace: testStack().temporal_namespace,
      dataConverter: testDataConverter(),
    });
    expect(accounts).toHaveLength(3);
    for (const account of accounts) {
      const schedule = await client.schedule.getHandle(`reconcile/${account.id}`).describe();
      expect(schedule.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'reconciliationWorkflow',
        args: [{ providerAccountId: account.id, date: null }],
      });
      expect(schedule.spec.calendars?.[0]).toMatchObject({
        hour: [{ start: 2, end: 2, step: 1 }],
        minute: [{ start: 30, end: 30, step: 1 }],
      });
    }
  } finally {
    await connection.close();
  }
});

describe.each(Object.keys(CHANNEL) as Provider[])('reconciling a day of %s', (provider) => {
  test('finds the planted differences: missing there, amount differs, missing here; and nothing else', async () => {
    const account = accounts.find((a) => a.provider === provider)!;
    const dropped = await paid(provider, 1100);
    const altered = await paid(provider, 2200);
    const intact = await paid(provider, 3300);
    const refund = await apiFetch<{ id: string; out_refund_no: string }>(key, 'POST', '/v1/refunds', {
      payment: intact.id,
      amount: 300,
    });
    expect(refund.status).toBe(201);
    await eventually(
      async () =>
        expect((await apiFetch<{ status: string }>(key, 'GET', `/v1/refunds/${refund.body.id}`)).body.status).toBe(
          'succeeded',
        ),
      { timeoutMs: 30_000 },
    );

    const date = chinaDate(new Date(intact.succeeded_at!));
    const unknownOrder = `ghost${Date.now()}`;
    for (const edit of [
      { edit: 'drop', out_trade_no: dropped.out_trade_no },
      { edit: 'amount', out_trade_no: altered.out_trade_no, amount: 2100 },
      { edit: 'add', out_trade_no: unknownOrder, amount: 4400 },
    ]) {
      expect(
        (
          await sandboxControl('POST', '/_control/statement_edits', {
            provider,
            account: account.external_id,
            date,
            ...edit,
          })
        ).status,
      ).toBe(201);
    }

    const run = await adminFetch<{ status: string; discrepancies: number; matched: number }>(
      'POST',
      '/v1/admin/reconciliation_runs',
      { provider_account: account.id, date },
    );
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ status: 'completed', discrepancies: 3 });
    // The intact payment and its refund, at least (other tests of this merchant may have paid the same day).
    expect(run.body.matched).toBeGreaterThanOrEqual(2);

    const found = await adminFetch<{ data: Discrepancy[] }>(
      'GET',
      `/v1/admin/reconciliation_discrepancies?provider_account=${account.id}&date=${date}&limit=100`,
    );
    expect(found.status).toBe(200);
    const byKind = Object.fromEntries(found.body.data.map((d) => [d.kind, d]));
    expect(found.body.data).toHaveLength(3);
    expect(byKind.missing_there).toMatchObject({
      object_type: 'payment',
      out_trade_no: dropped.out_trade_no,
      payment: dropped.id,
      our_amount: 1100,
      provider_amount: null,
    });
    expect(byKind.amount_differs).toMatchObject({
      out_trade_no: altered.out_trade_no,
      payment: altered.id,
      our_amount: 2200,
      provider_amount: 2100,
    });
    expect(byKind.missing_here).toMatchObject({
      out_trade_no: unknownOrder,
      payment: null,
      our_amount: null,
      provider_amount: 4400,
    });

    // Run again: the day's discrepancies are replaced, not added to.
    expect(
      (await adminFetch('POST', '/v1/admin/reconciliation_runs', { provider_account: account.id, date })).status,
    ).toBe(200);
    const [{ count }] = await queryDb<{ count: string }>(
      'select count(*) from reconciliation_discrepancies where provider_account_id = $1 and statement_date = $2',
      [account.id, date],
    );
    expect(Number(count)).toBe(3);
  });
});

test('a day without transactions reconciles clean', async () => {
  const account = accounts[0];
  const run = await adminFetch<{ status: string; statement_entries: number; discrepancies: number }>(
    'POST',
    '/v1/admin/reconciliation_runs',
    { provider_account: account.id, date: '2026-01-01' },
  );
  expect(run.status).toBe(200);
  expect(run.body).toMatchObject({ status: 'completed', statement_entries: 0, discrepancies: 0 });
});

test('bad input names the field', async () => {
  const noAccount = await adminFetch<{ error: { param: string } }>('POST', '/v1/admin/reconciliation_runs', {
    provider_account: 'pa_missing',
    date: '2026-01-01',
  });
  expect(noAccount.status).toBe(400);
  expect(noAccount.body.error.param).toBe('provider_account');
  const badDate = await adminFetch<{ error: { param: string } }>('POST', '/v1/admin/reconciliation_runs', {
    provider_account: accounts[0].id,
    date: '21/11/2026',
  });
  expect(badDate.status).toBe(400);
  expect(badDate.body.error.param).toBe('date');
  expect((await adminFetch('GET', '/v1/admin/reconciliation_discrepancies?kind=lost')).status).toBe(400);
});
