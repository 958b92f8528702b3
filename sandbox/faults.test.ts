import { FaultStore, faultRuleInputSchema } from './faults';

const scope = (accountId: string | null, outTradeNo: string | null) => ({ provider: 'alipay', accountId, outTradeNo });

describe('fault rules', () => {
  test('without rules nothing is faulted', () => {
    const faults = new FaultStore();
    expect(faults.notifications(scope('A', 'T'))).toEqual({ mode: 'normal', duplicateCount: 2, delayMs: 0 });
    expect(faults.api(scope('A', 'T'), 'alipay.trade.query')).toEqual({ fail: null, slowMs: 0, tamperResponse: false });
    expect(faults.autoPay(scope('A', 'T'))).toBeNull();
  });

  test('for each field the most specific rule that sets it wins: order and app, order, app, provider', () => {
    const faults = new FaultStore();
    faults.set({ provider: 'alipay', notifications: 'drop', delay_ms: 5 });
    faults.set({ provider: 'alipay', account: 'A', notifications: 'duplicate', duplicate_count: 4 });
    faults.set({ provider: 'alipay', out_trade_no: 'T', notifications: 'tamper_amount' });
    faults.set({ provider: 'alipay', account: 'A', out_trade_no: 'T', notifications: 'tamper_signature' });

    expect(faults.notifications(scope('A', 'T'))).toEqual({ mode: 'tamper_signature', duplicateCount: 4, delayMs: 5 });
    expect(faults.notifications(scope('B', 'T')).mode).toBe('tamper_amount');
    expect(faults.notifications(scope('A', 'U')).mode).toBe('duplicate');
    expect(faults.notifications(scope('B', 'U')).mode).toBe('drop');
    expect(faults.notifications({ provider: 'wechatpay', accountId: 'A', outTradeNo: 'T' }).mode).toBe('normal');
  });

  test('a rule for the same scope replaces the previous one', () => {
    const faults = new FaultStore();
    faults.set({ provider: 'alipay', account: 'A', notifications: 'drop' });
    faults.set({ provider: 'alipay', account: 'A', delay_ms: 10 });
    expect(faults.list()).toHaveLength(1);
    expect(faults.notifications(scope('A', 'T'))).toMatchObject({ mode: 'normal', delayMs: 10 });
  });

  test('api: null at a narrower scope switches a wider api fault off', () => {
    const faults = new FaultStore();
    faults.set({ provider: 'alipay', api: { fail: 'http_500' } });
    faults.set({ provider: 'alipay', out_trade_no: 'T', api: null });
    expect(faults.api(scope('A', 'T'), 'alipay.trade.query').fail).toBeNull();
    expect(faults.api(scope('A', 'U'), 'alipay.trade.query').fail).toBe('http_500');
  });

  test('api faults limited to methods fall through to wider rules for other methods', () => {
    const faults = new FaultStore();
    faults.set({ provider: 'alipay', account: 'A', api: { fail: 'system_error' } });
    faults.set({ provider: 'alipay', out_trade_no: 'T', api: { fail: 'http_500', methods: ['alipay.trade.close'] } });
    expect(faults.api(scope('A', 'T'), 'alipay.trade.close').fail).toBe('http_500');
    expect(faults.api(scope('A', 'T'), 'alipay.trade.query').fail).toBe('system_error');
  });

  test('times counts the calls a rule affects, then it stops', () => {
    const faults = new FaultStore();
    const rule = faults.set({ provider: 'alipay', api: { fail: 'system_error', slow_ms: 3, times: 2 } });
    expect(rule.api_times_left).toBe(2);
    expect(faults.api(scope('A', 'T'), 'm')).toEqual({ fail: 'system_error', slowMs: 3, tamperResponse: false });
    expect(faults.api(scope('A', 'T'), 'm').fail).toBe('system_error');
    expect(faults.api(scope('A', 'T'), 'm').fail).toBeNull();
    expect(faults.list()[0].api_times_left).toBe(0);
  });

  /** A random source that answers `draws` in turn. */
  const drawing =
    (...draws: number[]) =>
    () =>
      draws.shift() ?? Number.NaN;

  test('a notification mix gives each fault its share of the draws, the rest normal', () => {
    const faults = new FaultStore(drawing(0, 0.29, 0.3, 0.49, 0.5, 0.99));
    faults.set({ provider: 'alipay', account: 'A', notifications: { drop: 0.3, duplicate: 0.2 }, duplicate_count: 3 });
    const modes = Array.from({ length: 6 }, () => faults.notifications(scope('A', 'T')).mode);
    expect(modes).toEqual(['drop', 'drop', 'duplicate', 'duplicate', 'normal', 'normal']);
  });

  test('a notification mix is drawn once per notification, with the real random source too', () => {
    const faults = new FaultStore();
    faults.set({ provider: 'alipay', notifications: { drop: 0.3, duplicate: 0.2 } });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 4000; i++) {
      const { mode } = faults.notifications(scope('A', `T${i}`));
      counts[mode] = (counts[mode] ?? 0) + 1;
    }
    // 4,000 draws: each share is within 3 points of its fraction with overwhelming probability.
    expect(Math.abs(counts.drop / 4000 - 0.3)).toBeLessThan(0.03);
    expect(Math.abs(counts.duplicate / 4000 - 0.2)).toBeLessThan(0.03);
    expect(Math.abs(counts.normal / 4000 - 0.5)).toBeLessThan(0.03);
  });

  test('api.rate fails that fraction of the calls; a spared call neither fails nor uses up times', () => {
    const faults = new FaultStore(drawing(0.04, 0.05, 0.5, 0.01, 0.01));
    faults.set({ provider: 'alipay', account: 'A', api: { fail: 'http_500', rate: 0.05, times: 2 } });
    const fails = Array.from({ length: 5 }, () => faults.api(scope('A', 'T'), 'alipay.trade.query').fail);
    expect(fails).toEqual(['http_500', null, null, 'http_500', null]);
    expect(faults.list()[0].api_times_left).toBe(0);
  });

  test('auto_pay: null at a narrower scope switches auto-pay off', () => {
    const faults = new FaultStore();
    faults.set({ provider: 'alipay', account: 'A', auto_pay: { outcome: 'success', after_ms: 0 } });
    faults.set({ provider: 'alipay', account: 'A', out_trade_no: 'T', auto_pay: null });
    expect(faults.autoPay(scope('A', 'U'))).toEqual({ outcome: 'success', afterMs: 0 });
    expect(faults.autoPay(scope('A', 'T'))).toBeNull();
  });

  test('remove and clear', () => {
    const faults = new FaultStore();
    const a = faults.set({ provider: 'alipay', account: 'A', notifications: 'drop' });
    faults.set({ provider: 'alipay', account: 'B', notifications: 'drop' });
    expect(faults.remove(a.id)).toBe(true);
    expect(faults.remove(a.id)).toBe(false);
    expect(faults.clear()).toBe(1);
    expect(faults.list()).toEqual([]);
  });

  test.each([
    [{ provider: 'alipay', notifications: 'lose' }, 'notifications'],
    [{ provider: 'alipay', api: { fail: 'timeout' } }, 'api.fail'],
    [{ provider: 'alipay', api: { times: 0 } }, 'api.times'],
    [{ provider: 'alipay', api: { fail: 'http_500', rate: 1.5 } }, 'api.rate'],
    [{ provider: 'alipay', notifications: { drop: 0.7, duplicate: 0.4 } }, 'notifications'],
    [{ provider: 'alipay', notifications: { lose: 0.1 } }, 'notifications'],
    [{ provider: 'alipay', delay_ms: -1 }, 'delay_ms'],
    [{ provider: 'alipay', auto_pay: { outcome: 'success' } }, 'auto_pay.after_ms'],
  ])('the input schema refuses %j at %s', (input, path) => {
    const result = faultRuleInputSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path.join('.')).toBe(path);
  });

  test('the input schema refuses unknown fields', () => {
    expect(faultRuleInputSchema.safeParse({ provider: 'alipay', everything: true }).success).toBe(false);
  });
});
