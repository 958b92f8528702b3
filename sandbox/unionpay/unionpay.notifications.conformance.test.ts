import { eventually } from '../sandbox.testing';
import {
  consume,
  openCashier,
  openMerchant,
  received,
  responders,
  sandbox,
  tradeRecord,
  useConformanceSandbox,
} from './unionpay.conformance.testing';

// UnionPay's back notifications as a merchant receives them: retried until HTTP 200 on UnionPay's
// schedule (time-scaled), and the faults. (See unionpay.conformance.test.ts for the whole set.)

useConformanceSandbox();

describe('notifications', () => {
  test('are sent again after 1, 2, 4… minutes (÷ time scale) until the answer is HTTP 200, whatever its body', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    responders.set(form.orderId, (index) =>
      index < 2 ? { status: 500, body: 'try later' } : { status: 200, body: 'anything' },
    );
    await openCashier(form);
    await sandbox.control('POST', '/_control/pay', {
      provider: 'unionpay',
      out_trade_no: form.orderId,
      outcome: 'success',
    });
    await eventually(async () => expect((await tradeRecord(form.orderId)).notifications[0].state).toBe('delivered'));
    const attempts = received(form.orderId).map((r) => r.at);
    expect(attempts).toHaveLength(3);
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(90);
    expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(190);
  });

  test('stop after the first try and five more', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    responders.set(form.orderId, () => ({ status: 503, body: '' }));
    await openCashier(form);
    await sandbox.control('POST', '/_control/pay', {
      provider: 'unionpay',
      out_trade_no: form.orderId,
      outcome: 'success',
    });
    await eventually(async () => expect((await tradeRecord(form.orderId)).notifications[0].state).toBe('exhausted'), {
      timeoutMs: 15_000,
    });
    expect(received(form.orderId)).toHaveLength(6);
  });

  test('faults: drop sends nothing, duplicate sends copies, auto_pay pays by itself', async () => {
    const merchant = await openMerchant();
    const dropped = consume(merchant);
    const duplicated = consume(merchant);
    const auto = consume(merchant);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      out_trade_no: dropped.orderId,
      notifications: 'drop',
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      out_trade_no: duplicated.orderId,
      notifications: 'duplicate',
      duplicate_count: 3,
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      out_trade_no: auto.orderId,
      auto_pay: { outcome: 'success', after_ms: 100 },
    });
    for (const form of [dropped, duplicated]) {
      await openCashier(form);
      await sandbox.control('POST', '/_control/pay', {
        provider: 'unionpay',
        out_trade_no: form.orderId,
        outcome: 'success',
      });
    }
    await openCashier(auto);
    await eventually(() => expect(received(duplicated.orderId)).toHaveLength(3));
    await eventually(() => expect(received(auto.orderId)).toHaveLength(1));
    expect(await tradeRecord(auto.orderId)).toMatchObject({ state: 'PAID' });
    expect((await tradeRecord(dropped.orderId)).notifications[0].state).toBe('dropped');
    expect(received(dropped.orderId)).toHaveLength(0);
  });
});
