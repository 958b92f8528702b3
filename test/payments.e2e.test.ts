import { generateKeyPairSync, createSign } from 'node:crypto';
import { apiFetch, createTestMerchant, eventually, sandboxControl, testStack, testDataConverter } from './stack';
import { queryDb } from './db';

// Stories of one Alipay payment's life, through the real API, Temporal, PostgreSQL and the sandbox.

interface PaymentBody {
  id: string;
  status: string;
  out_trade_no: string;
  provider_trade_no: string | null;
  next_action: {
    type: string;
    display_qr_code?: { data: string };
    redirect_to_url?: { url: string; method: string };
  } | null;
  [key: string]: unknown;
}

async function createPayment(key: string, body: Record<string, unknown> = {}): Promise<PaymentBody> {
  const response = await apiFetch(key, 'POST', '/v1/payments', {
    amount: 1999,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Tea set',
    ...body,
  });
  expect(response.status).toBe(201);
  return response.body as PaymentBody;
}

async function paymentOf(key: string, id: string): Promise<PaymentBody> {
  const response = await apiFetch(key, 'GET', `/v1/payments/${id}`);
  expect(response.status).toBe(200);
  return response.body as PaymentBody;
}

/** How many times the sandbox's Alipay answered alipay.trade.query about the trade. */
async function queriesAbout(outTradeNo: string): Promise<number> {
  const trade = await sandboxControl<{ queries: number }>('GET', `/_control/trades/alipay/${outTradeNo}`);
  expect(trade.status).toBe(200);
  return trade.body.queries;
}

async function transitionsOf(paymentId: string) {
  return queryDb<{ to_status: string; source: string }>(
    'select to_status, source from payment_transitions where payment_id = $1 order by id',
    [paymentId],
  );
}

async function eventsOf(paymentId: string) {
  return queryDb<{ type: string }>('select type from events where object_id = $1', [paymentId]);
}

describe('an Alipay payment, end to end', () => {
  let key: string;
  let merchantId: string;

  beforeAll(async () => {
    ({ secretKey: key, merchantId } = await createTestMerchant());
  });

  test('when the shopper pays a QR payment, the notification makes it succeeded', async () => {
    const payment = await createPayment(key);
    expect(payment).toMatchObject({
      object: 'payment',
      status: 'requires_action',
      livemode: false,
      provider: 'alipay',
      channel: 'alipay_qr',
      amount: 1999,
    });
    expect(payment.next_action?.type).toBe('display_qr_code');
    expect(payment.next_action?.display_qr_code?.data).toContain(testStack().sandbox_url);

    const paid = await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      outcome: 'success',
    });
    expect(paid.status).toBe(200);

    const succeeded = await eventually(async () => {
      const current = await paymentOf(key, payment.id);
      expect(current.status).toBe('succeeded');
      return current;
    });
    expect(succeeded.provider_trade_no).toBeTruthy();
    expect(succeeded.succeeded_at).toBeTruthy();
    expect(succeeded.next_action).toBeNull();
    expect(await transitionsOf(payment.id)).toEqual([
      { to_status: 'requires_action', source: 'create' },
      { to_status: 'succeeded', source: 'notification' },
    ]);
    expect(await eventsOf(payment.id)).toEqual([{ type: 'payment.succeeded' }]);
  });

  test('when the shopper pays on the desktop cashier page, the payment succeeds', async () => {
    const payment = await createPayment(key, { channel: 'alipay_pc', return_url: 'https://shop.example/return' });
    expect(payment.next_action?.type).toBe('redirect_to_url');
    const redirect = payment.next_action!.redirect_to_url!;
    expect(redirect.method).toBe('GET');

    // The shopper's browser follows the redirect to the (sandbox) gateway's cashier page.
    const cashier = await fetch(redirect.url);
    expect(cashier.status).toBe(200);
    const html = await cashier.text();
    expect(html).toContain('19.99');

    // The cashier's pay button is a form; submit it as the browser would.
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
    expect(form).not.toBeNull();
    const fields = new URLSearchParams();
    for (const input of form![2].matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g))
      fields.set(input[1], input[2]);
    const action = new URL(form![1].replace(/&amp;/g, '&'), redirect.url);
    const submitted = await fetch(action, { method: 'POST', body: fields, redirect: 'manual' });
    expect([200, 302, 303]).toContain(submitted.status);

    await eventually(async () => expect((await paymentOf(key, payment.id)).status).toBe('succeeded'));
  });

  test('when the notification is lost, the query fallback still finds the payment succeeded', async () => {
    const payment = await createPayment(key);
    await sandboxControl('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      notifications: 'drop',
    });
    await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      outcome: 'success',
    });

    await eventually(async () => expect((await paymentOf(key, payment.id)).status).toBe('succeeded'), {
      timeoutMs: 30_000,
    });
    expect((await transitionsOf(payment.id)).map((t) => t.source)).toEqual(['create', 'poll']);
    expect(
      await queryDb('select 1 from provider_notifications where out_trade_no = $1', [payment.out_trade_no]),
    ).toHaveLength(0);
  });

  test('when the notification arrives 10 times, the payment succeeds once, with one event', async () => {
    const payment = await createPayment(key);
    await sandboxControl('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      notifications: 'duplicate',
      duplicate_count: 10,
    });
    await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      outcome: 'success',
    });

    await eventually(async () => {
      const delivered = await queryDb('select outcome from provider_notifications where out_trade_no = $1', [
        payment.out_trade_no,
      ]);
      expect(delivered).toHaveLength(10);
    });
    expect((await paymentOf(key, payment.id)).status).toBe('succeeded');
    expect((await transitionsOf(payment.id)).filter((t) => t.to_status === 'succeeded')).toHaveLength(1);
    expect(await eventsOf(payment.id)).toEqual([{ type: 'payment.succeeded' }]);
  });

  test('a notification with a forged signature is refused and changes nothing', async () => {
    const payment = await createPayment(key);
    const trade = (await sandboxControl('GET', `/_control/trades/alipay/${payment.out_trade_no}`)).body as {
      notify_url: string;
      app_id: string;
    };
    // Signed with a key that is not Alipay's.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fields: Record<string, string> = {
      app_id: trade.app_id,
      charset: 'utf-8',
      notify_id: 'forged-1',
      notify_time: '2026-11-22 10:00:00',
      notify_type: 'trade_status_sync',
      out_trade_no: payment.out_trade_no,
      total_amount: '19.99',
      trade_no: '2026112222001400000000000001',
      trade_status: 'TRADE_SUCCESS',
      version: '1.0',
    };
    const content = Object.keys(fields)
      .sort()
      .map((k) => `${k}=${fields[k]}`)
      .join('&');
    const sign = createSign('RSA-SHA256').update(content).sign(privateKey, 'base64');
    const response = await fetch(trade.notify_url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, sign, sign_type: 'RSA2' }),
    });
    expect(await response.text()).not.toBe('success');

    const stored = await queryDb<{ outcome: string }>(
      'select outcome from provider_notifications where out_trade_no is null or out_trade_no = $1 order by id desc limit 1',
      [payment.out_trade_no],
    );
    expect(stored[0].outcome).toBe('refused');
    expect((await paymentOf(key, payment.id)).status).toBe('requires_action');
    expect(await transitionsOf(payment.id)).toHaveLength(1);
  });

  test('a correctly signed notification with the wrong amount is refused; only the query settles the payment', async () => {
    const payment = await createPayment(key);
    await sandboxControl('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      notifications: 'signed_wrong_amount',
    });
    await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      outcome: 'success',
    });

    await eventually(async () => {
      const refused = await queryDb<{ outcome: string; reason: string }>(
        'select outcome, reason from provider_notifications where out_trade_no = $1',
        [payment.out_trade_no],
      );
      expect(refused[0]).toMatchObject({ outcome: 'refused' });
      expect(refused[0].reason).toMatch(/amount/);
    });
    // The trade really was paid for 19.99, so the query fallback finds it; the forged amount never counted.
    await eventually(async () => expect((await paymentOf(key, payment.id)).status).toBe('succeeded'), {
      timeoutMs: 30_000,
    });
    expect((await transitionsOf(payment.id)).map((t) => t.source)).toEqual(['create', 'poll']);
  });

  test('when nobody pays, the payment expires and the trade is closed at the provider', async () => {
    const payment = await createPayment(key, { expires_in: 60 });
    await eventually(async () => expect((await paymentOf(key, payment.id)).status).toBe('expired'), {
      timeoutMs: 30_000,
    });
    const trade = (await sandboxControl('GET', `/_control/trades/alipay/${payment.out_trade_no}`)).body as {
      trade_status: string;
    };
    expect(trade.trade_status).toBe('TRADE_CLOSED');
    expect(await eventsOf(payment.id)).toEqual([{ type: 'payment.expired' }]);
  });

  test("an abandoned payment costs its workflow no polls: the open payments' sweep asks the provider, the expiry closes the trade", async () => {
    // The default expiry, 15 minutes (15 s at ×60): the sweep checks at about 1, 3, 6 and 11.
    const payment = await createPayment(key);
    await eventually(async () => expect((await paymentOf(key, payment.id)).status).toBe('expired'), {
      timeoutMs: 40_000,
    });
    const trade = await sandboxControl<{ trade_status: string; queries: number }>(
      'GET',
      `/_control/trades/alipay/${payment.out_trade_no}`,
    );
    expect(trade.body.trade_status).toBe('TRADE_CLOSED');
    expect(trade.body.queries).toBeGreaterThanOrEqual(2);

    const { Client, Connection } = await import('@temporalio/client');
    const connection = await Connection.connect({ address: testStack().temporal_address });
    try {
      const client = new Client({ connection, namespace: testStack().temporal_namespace });
      const history = await client.workflow.getHandle(`payment/${payment.id}`).fetchHistory();
      const activities = (history.events ?? []).flatMap(
        (event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
      );
      // Its queries left no trace in its history, and its close at expiry is a local activity in
      // the workflow task its timer woke: no activity at all.
      expect(activities).toEqual([]);
      const closes = (history.events ?? []).filter((event) =>
        Buffer.from(event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data ?? []).includes(
          'closeAndCommitPayment',
        ),
      );
      expect(closes).toHaveLength(1);
      expect(history.events?.length).toBeLessThanOrEqual(21);
    } finally {
      await connection.close();
    }
  });

  test('a merchant cancels an unpaid payment; a succeeded one cannot be canceled', async () => {
    const unpaid = await createPayment(key);
    const canceled = await apiFetch(key, 'POST', `/v1/payments/${unpaid.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ id: unpaid.id, status: 'canceled' });
    const trade = (await sandboxControl('GET', `/_control/trades/alipay/${unpaid.out_trade_no}`)).body as {
      trade_status: string;
    };
    expect(trade.trade_status).toBe('TRADE_CLOSED');

    const paid = await createPayment(key);
    await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: paid.out_trade_no,
      outcome: 'success',
    });
    await eventually(async () => expect((await paymentOf(key, paid.id)).status).toBe('succeeded'));
    const refused = await apiFetch(key, 'POST', `/v1/payments/${paid.id}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { type: 'conflict_error', code: 'payment_already_succeeded' } });
  });

  test('cancels sent at once, in rounds, each answer the canceled payment (none lost to the workflow ending under it)', async () => {
    // One cancel closes the order and ends the workflow; the others reach it as it ends, or after.
    // Found by the fuzzer: an update aborted by the closing workflow was a 500.
    for (let round = 0; round < 8; round++) {
      const payment = await createPayment(key);
      // Staggered, so that some arrive while the workflow is completing.
      const answers = await Promise.all(
        Array.from({ length: 16 }, async (_, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * 10));
          return apiFetch(key, 'POST', `/v1/payments/${payment.id}/cancel`);
        }),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ id: payment.id, status: 'canceled' });
      }
    }
  });

  test("when the shopper's attempt fails, the payment keeps waiting (Alipay has no failed trade), and a later attempt succeeds", async () => {
    const payment = await createPayment(key);
    const failed = await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      outcome: 'fail',
    });
    expect(failed.status).toBe(200);
    const trade = (await sandboxControl('GET', `/_control/trades/alipay/${payment.out_trade_no}`)).body as {
      trade_status: string;
      failed_attempts: string[];
      queries: number;
    };
    expect(trade).toMatchObject({ trade_status: 'WAIT_BUYER_PAY', failed_attempts: [expect.any(String)] });
    // The open payments' checks (the first one scaled minute after the create) find the trade still
    // waiting: no news, nothing signaled, nothing changes. Two queries answered since the failed
    // attempt prove that a check looked after it, and then again.
    await eventually(
      async () => expect(await queriesAbout(payment.out_trade_no)).toBeGreaterThanOrEqual(trade.queries + 2),
      { timeoutMs: 30_000 },
    );
    expect((await paymentOf(key, payment.id)).status).toBe('requires_action');

    await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      outcome: 'success',
    });
    await eventually(async () => expect((await paymentOf(key, payment.id)).status).toBe('succeeded'));
  });

  test("the payment's workflow is found in Temporal by its search attributes", async () => {
    const payment = await createPayment(key, { amount: 4321 });
    await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      outcome: 'success',
    });
    await eventually(async () => expect((await paymentOf(key, payment.id)).status).toBe('succeeded'));

    const { Client, Connection } = await import('@temporalio/client');
    const connection = await Connection.connect({ address: testStack().temporal_address });
    try {
      const client = new Client({
        connection,
        namespace: testStack().temporal_namespace,
        dataConverter: testDataConverter(),
      });
      const found = await eventually(async () => {
        const ids: string[] = [];
        for await (const workflow of client.workflow.list({
          query: `MerchantId="${merchantId}" AND PaymentStatus="succeeded" AND AmountMinor=4321 AND Channel="alipay_qr" AND Provider="alipay"`,
        }))
          ids.push(workflow.workflowId);
        expect(ids).toEqual([`payment/${payment.id}`]);
        return ids;
      });
      expect(found).toHaveLength(1);
    } finally {
      await connection.close();
    }
  });
});
