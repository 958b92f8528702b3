import { hasPrefix, newId, randomToken } from './ids';
import { outTradeNoFor } from './payment';

describe('ids', () => {
  test('carry their type prefix and 22 base62 characters', () => {
    const id = newId('payment');
    expect(id).toMatch(/^pay_[0-9A-Za-z]{22}$/);
    expect(hasPrefix(id, 'payment')).toBe(true);
    expect(hasPrefix(id, 'refund')).toBe(false);
  });

  test('do not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => randomToken()));
    expect(ids.size).toBe(10_000);
  });

  test("the provider order number derived from a payment id fits every provider's rules", () => {
    for (let i = 0; i < 100; i++) {
      const outTradeNo = outTradeNoFor(newId('payment'));
      // WeChat Pay: 6-32 of [0-9A-Za-z_-|*]; UnionPay: 8-40 letters and digits; Alipay: up to 64.
      expect(outTradeNo).toMatch(/^[0-9A-Za-z]{8,32}$/);
    }
    expect(outTradeNoFor('pay_abc')).toBe('payabc');
  });
});
