import { eventually, newOutTradeNo, openAlipayAccount } from '../sandbox.testing';
import {
  paidTrade,
  pay,
  precreate,
  received,
  receiver,
  responders,
  sandbox,
  sdkFor,
  TIME_SCALE,
  tradeRecord,
  useConformanceSandbox,
} from './alipay.conformance.testing';

// Alipay's notifications as a merchant checking them with alipay-sdk's checkNotifySignV2 receives
// them: their fields, forged and altered ones, Alipay's retry schedule (time-scaled), copies and
// drops. (See alipay.conformance.test.ts for the whole set.)

useConformanceSandbox();

describe('notifications', () => {
  test('are signed so that checkNotifySignV2 accepts them, and carry Alipay’s fields', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = await paidTrade(sdk, '12.34');
    const [notification] = await eventually(() => {
      expect(received(outTradeNo)).toHaveLength(1);
      return received(outTradeNo);
    });
    expect(notification.method).toBe('POST');
    expect(notification.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(notification.form).toMatchObject({
      notify_type: 'trade_status_sync',
      app_id: account.app_id,
      auth_app_id: account.app_id,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      out_trade_no: outTradeNo,
      trade_status: 'TRADE_SUCCESS',
      total_amount: '12.34',
      receipt_amount: '12.34',
      buyer_pay_amount: '12.34',
      subject: '茶具 Tea set',
      seller_id: account.seller_id,
    });
    for (const field of ['notify_time', 'notify_id', 'trade_no', 'gmt_create', 'gmt_payment', 'buyer_id', 'sign']) {
      expect(notification.form[field]).toBeTruthy();
    }
    expect(sdk.checkNotifySignV2(notification.form)).toBe(true);
    // Another app's Alipay key does not verify it.
    expect(sdkFor(await openAlipayAccount(sandbox)).checkNotifySignV2(notification.form)).toBe(false);

    await eventually(async () => {
      const [record] = (await tradeRecord(outTradeNo)).notifications;
      expect(record).toMatchObject({ state: 'delivered', url: receiver.url });
      expect(record.attempts).toEqual([expect.objectContaining({ status: 200, body: 'success' })]);
    });
  });

  test.each(['tamper_signature', 'tamper_amount'] as const)(
    '%s sends a notification that checkNotifySignV2 refuses',
    async (fault) => {
      const account = await openAlipayAccount(sandbox);
      const sdk = sdkFor(account);
      const outTradeNo = newOutTradeNo();
      await precreate(sdk, outTradeNo, '19.99');
      await sandbox.control('POST', '/_control/faults', {
        provider: 'alipay',
        out_trade_no: outTradeNo,
        notifications: fault,
      });
      await pay(outTradeNo);
      const [notification] = await eventually(() => {
        expect(received(outTradeNo).length).toBeGreaterThan(0);
        return received(outTradeNo);
      });
      expect(notification.form.total_amount).toBe(fault === 'tamper_amount' ? '20.99' : '19.99');
      expect(sdk.checkNotifySignV2(notification.form)).toBe(false);
    },
  );

  test('signed_wrong_amount sends a genuinely signed notification whose amount disagrees with the trade', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = newOutTradeNo();
    await precreate(sdk, outTradeNo, '19.99');
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: outTradeNo,
      notifications: 'signed_wrong_amount',
    });
    await pay(outTradeNo);
    const [notification] = await eventually(() => {
      expect(received(outTradeNo).length).toBeGreaterThan(0);
      return received(outTradeNo);
    });
    expect(notification.form.total_amount).toBe('20.99');
    expect(sdk.checkNotifySignV2(notification.form)).toBe(true);
  });

  test('an unacknowledged notification is retried on Alipay’s schedule, time-scaled, until the answer is success', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    responders.set(outTradeNo, (_request, index) =>
      index < 3 ? { status: index === 1 ? 500 : 200, body: 'fail' } : { status: 200, body: 'success' },
    );
    await precreate(sdk, outTradeNo);
    await pay(outTradeNo);

    const attempts = await eventually(
      () => {
        expect(received(outTradeNo)).toHaveLength(4);
        return received(outTradeNo);
      },
      { timeoutMs: 10_000 },
    );
    const gaps = attempts.slice(1).map((attempt, i) => attempt.at - attempts[i].at);
    const expected = [4, 10, 10].map((minutes) => (minutes * 60_000) / TIME_SCALE); // 400, 1000, 1000 ms
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i] - 10);
      // Well short of the next slot in the schedule, with room for a loaded machine.
      expect(gap).toBeLessThan(expected[i] * 2.2);
    });
    expect(new Set(attempts.map((a) => a.rawBody)).size).toBe(1);

    // Acknowledged: nothing more is scheduled.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received(outTradeNo)).toHaveLength(4);
    const [record] = (await tradeRecord(outTradeNo)).notifications;
    expect(record).toMatchObject({ state: 'delivered', next_attempt_at: null });
    expect((record.attempts as Array<{ status: number; body: string }>).map((a) => [a.status, a.body])).toEqual([
      [200, 'fail'],
      [500, 'fail'],
      [200, 'fail'],
      [200, 'success'],
    ]);
  });

  test('duplicate sends identical copies; drop sends nothing but records it; delay_ms holds the first attempt back', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const [dup, dropped, delayed] = [newOutTradeNo(), newOutTradeNo(), newOutTradeNo()];
    for (const order of [dup, dropped, delayed]) await precreate(sdk, order);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: dup,
      notifications: 'duplicate',
      duplicate_count: 3,
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: dropped,
      notifications: 'drop',
    });
    await sandbox.control('POST', '/_control/faults', { provider: 'alipay', out_trade_no: delayed, delay_ms: 400 });

    const paidAt = Date.now();
    await Promise.all([pay(dup), pay(dropped), pay(delayed)]);

    await eventually(() => expect(received(dup)).toHaveLength(3));
    expect(new Set(received(dup).map((r) => r.form.notify_id)).size).toBe(1);
    await eventually(() => expect(received(delayed)).toHaveLength(1));
    expect(received(delayed)[0].at - paidAt).toBeGreaterThanOrEqual(390);
    expect(received(dropped)).toHaveLength(0);
    const [record] = (await tradeRecord(dropped)).notifications;
    expect(record).toMatchObject({ state: 'dropped', attempts: [] });
  });
});
