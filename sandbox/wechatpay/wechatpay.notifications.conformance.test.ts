import { eventually, newOutTradeNo, startTestSandbox, type TestSandbox } from '../sandbox.testing';
import {
  nativeBody,
  notifyUrl,
  openNotification,
  paidOrder,
  pay,
  pluginFor,
  received,
  responders,
  sandbox,
  settle,
  TIME_SCALE,
  tradeRecord,
  useConformanceSandbox,
} from './wechatpay.conformance.testing';
import { openWechatpayAccount } from './wechatpay.testing';

// WeChat Pay's notifications as a merchant using wechatpay-axios-plugin's helpers receives them:
// encrypted resources, Wechatpay-* signatures made afresh at each attempt, WeChat's retry
// schedule (time-scaled), and the faults. (See wechatpay.conformance.test.ts for the whole set.)

useConformanceSandbox();

describe('notifications', () => {
  test('TRANSACTION.SUCCESS: JSON with a resource encrypted under the APIv3 key, signed in the Wechatpay-* headers', async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = await paidOrder(account, 1234);
    const [notification] = await eventually(() => {
      expect(received(`/notify/${outTradeNo}`)).toHaveLength(1);
      return received(`/notify/${outTradeNo}`);
    });
    expect(notification.headers['content-type']).toBe('application/json');
    expect(notification.headers['wechatpay-serial']).toBe(account.wechatpay_public_key_id);
    expect(notification.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(Math.abs(Number(notification.headers['wechatpay-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    const opened = openNotification(notification, account);
    expect(opened.verified).toBe(true);
    expect(opened.body).toMatchObject({
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      summary: '支付成功',
      resource: { algorithm: 'AEAD_AES_256_GCM', original_type: 'transaction', associated_data: 'transaction' },
    });
    expect(opened.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(opened.resource).toMatchObject({
      mchid: account.mchid,
      appid: account.appid,
      out_trade_no: outTradeNo,
      trade_state: 'SUCCESS',
      trade_type: 'NATIVE',
      amount: { total: 1234, payer_total: 1234, currency: 'CNY' },
    });
    // Another merchant's APIv3 key does not open it.
    const stranger = await openWechatpayAccount(sandbox);
    expect(() => openNotification(notification, { ...account, api_v3_key: stranger.api_v3_key })).toThrow();
    await eventually(async () => {
      const [record] = (await tradeRecord(outTradeNo)).notifications;
      expect(record).toMatchObject({ kind: 'TRANSACTION.SUCCESS', state: 'delivered' });
      expect(record.url).toBe(notifyUrl(outTradeNo));
    });
  });

  test("an unacknowledged notification is retried on WeChat's schedule (time-scaled), each attempt signed afresh", async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = newOutTradeNo('W');
    responders.set(`/notify/${outTradeNo}`, (index) =>
      index < 3
        ? { status: index === 1 ? 400 : 500, body: JSON.stringify({ code: 'FAIL', message: '失败' }) }
        : { status: 200, body: '' },
    );
    await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    await pay(account, outTradeNo);
    const attempts = await eventually(() => {
      expect(received(`/notify/${outTradeNo}`)).toHaveLength(4);
      return received(`/notify/${outTradeNo}`);
    });
    const gaps = attempts.slice(1).map((attempt, i) => attempt.at - attempts[i].at);
    const expected = [15, 15, 30].map((seconds) => (seconds * 1000) / TIME_SCALE); // 250, 250, 500 ms
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i] - 10);
      expect(gap).toBeLessThan(expected[i] * 2.5);
    });
    expect(new Set(attempts.map((a) => a.rawBody)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.headers['wechatpay-nonce'])).size).toBe(4);
    for (const attempt of attempts) expect(openNotification(attempt, account).verified).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(received(`/notify/${outTradeNo}`)).toHaveLength(4);
    const [record] = (await tradeRecord(outTradeNo)).notifications;
    expect(record).toMatchObject({ state: 'delivered', next_attempt_at: null });
    expect((record.attempts as Array<{ status: number }>).map((a) => a.status)).toEqual([500, 400, 500, 200]);
  });

  test.each([
    ['tamper_signature', false, 1999],
    ['tamper_amount', false, 2099],
    ['signed_wrong_amount', true, 2099],
  ] as const)('%s: the signature verifies: %p; the amount inside is %p', async (fault, verifies, amount) => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = newOutTradeNo('W');
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      out_trade_no: outTradeNo,
      notifications: fault,
    });
    await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    await pay(account, outTradeNo);
    const [notification] = await eventually(() => {
      expect(received(`/notify/${outTradeNo}`).length).toBeGreaterThan(0);
      return received(`/notify/${outTradeNo}`);
    });
    const opened = openNotification(notification, account);
    expect(opened.verified).toBe(verifies);
    expect(opened.resource).toMatchObject({ amount: { total: amount } });
  });

  test('stale_timestamp signs correctly, 10 minutes in the past', async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = newOutTradeNo('W');
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      out_trade_no: outTradeNo,
      notifications: 'stale_timestamp',
    });
    await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    await pay(account, outTradeNo);
    const [notification] = await eventually(() => {
      expect(received(`/notify/${outTradeNo}`).length).toBeGreaterThan(0);
      return received(`/notify/${outTradeNo}`);
    });
    expect(openNotification(notification, account).verified).toBe(true);
    expect(Date.now() / 1000 - Number(notification.headers['wechatpay-timestamp'])).toBeGreaterThan(590);
  });

  test('an account switching keys gets notifications signed by either key, turn by turn', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'both' });
    const orders = [await paidOrder(account), await paidOrder(account)];
    const notifications = await eventually(() =>
      orders.map((outTradeNo) => {
        const [request] = received(`/notify/${outTradeNo}`);
        expect(request).toBeDefined();
        return request;
      }),
    );
    expect(new Set(notifications.map((n) => n.headers['wechatpay-serial']))).toEqual(
      new Set([account.wechatpay_public_key_id, account.platform_certificates?.[0].serial_no]),
    );
    for (const notification of notifications) expect(openNotification(notification, account).verified).toBe(true);
  });

  test('when the first attempt is refused and the sandbox restarts on another port, then the retry is signed afresh by the same key and goes to the real notify_url', async () => {
    // Its own sandboxes, slower than the file's: WeChat's first retry (15 s) comes 1.5 s later, so
    // the retry's timestamp (whole seconds) is later than the first attempt's.
    const before = await startTestSandbox({ timeScale: 10 });
    let after: TestSandbox | undefined;
    try {
      const account = await openWechatpayAccount(before);
      const outTradeNo = newOutTradeNo('W');
      responders.set(`/notify/${outTradeNo}`, (index) =>
        index === 0 ? { status: 500, body: '{"code":"FAIL","message":"失败"}' } : { status: 204, body: '' },
      );
      expect(
        (await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)))).status,
      ).toBe(200);
      await before.control('POST', '/_control/pay', {
        provider: 'wechatpay',
        out_trade_no: outTradeNo,
        account: account.mchid,
        outcome: 'success',
      });
      await eventually(async () => {
        const record = (
          await before.control<{ notifications: Array<{ attempts: unknown[] }> }>(
            'GET',
            `/_control/trades/wechatpay/${outTradeNo}`,
          )
        ).body;
        expect(record.notifications[0].attempts).toHaveLength(1);
      });
      await before.close();
      after = await startTestSandbox({ timeScale: 10 });

      const [first, retry] = await eventually(
        () => {
          expect(received(`/notify/${outTradeNo}`)).toHaveLength(2);
          return received(`/notify/${outTradeNo}`);
        },
        { timeoutMs: 15_000 },
      );
      expect(retry.rawBody).toBe(first.rawBody);
      expect(retry.headers['wechatpay-serial']).toBe(first.headers['wechatpay-serial']);
      expect(retry.headers['wechatpay-nonce']).not.toBe(first.headers['wechatpay-nonce']);
      expect(Number(retry.headers['wechatpay-timestamp'])).toBeGreaterThan(
        Number(first.headers['wechatpay-timestamp']),
      );
      expect(Math.abs(Number(retry.headers['wechatpay-timestamp']) - retry.at / 1000)).toBeLessThan(2);
      expect(openNotification(first, account).verified).toBe(true);
      expect(openNotification(retry, account).verified).toBe(true);
      await eventually(async () => {
        const record = (
          await after?.control<{ notifications: Array<Record<string, unknown>> }>(
            'GET',
            `/_control/trades/wechatpay/${outTradeNo}`,
          )
        )?.body;
        expect(record?.notifications).toEqual([
          expect.objectContaining({
            url: notifyUrl(outTradeNo),
            state: 'delivered',
            attempts: [expect.objectContaining({ status: 500 }), expect.objectContaining({ status: 204 })],
          }),
        ]);
      });
    } finally {
      await before.close();
      await after?.close();
    }
  });

  test.each([
    ['tamper_signature', false, 0],
    ['stale_timestamp', true, 600],
  ] as const)(
    '%s is decided when the notification is queued: every retry is signed the same way, even once the rule is gone',
    async (fault, verifies, secondsOld) => {
      const account = await openWechatpayAccount(sandbox);
      const outTradeNo = newOutTradeNo('W');
      responders.set(`/notify/${outTradeNo}`, (index) =>
        index < 2 ? { status: 401, body: '{"code":"FAIL","message":"签名错误"}' } : { status: 204, body: '' },
      );
      const rule = await sandbox.control<{ id: string }>('POST', '/_control/faults', {
        provider: 'wechatpay',
        out_trade_no: outTradeNo,
        notifications: fault,
      });
      await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
      await pay(account, outTradeNo);
      await eventually(() => expect(received(`/notify/${outTradeNo}`).length).toBeGreaterThan(0));
      expect((await sandbox.control('DELETE', `/_control/faults/${rule.body.id}`)).status).toBe(200);
      const attempts = await eventually(() => {
        expect(received(`/notify/${outTradeNo}`)).toHaveLength(3);
        return received(`/notify/${outTradeNo}`);
      });
      for (const attempt of attempts) {
        expect(openNotification(attempt, account).verified).toBe(verifies);
        expect(Math.abs(attempt.at / 1000 - secondsOld - Number(attempt.headers['wechatpay-timestamp']))).toBeLessThan(
          2,
        );
      }
    },
  );
});
