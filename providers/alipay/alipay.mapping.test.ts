import {
  amountFromAlipay,
  amountToAlipay,
  fromChinaTime,
  refundStatusFromAlipay,
  toChinaTime,
  tradeStatusFromAlipay,
} from './alipay.mapping';
import { ALIPAY_TRADE_STATUSES, type AlipayTradeStatus } from './alipay.types';
import type { ProviderTradeStatus } from '../../domain/provider-reports';

describe('Alipay trade status', () => {
  const table: Array<[AlipayTradeStatus, boolean, ProviderTradeStatus]> = [
    ['WAIT_BUYER_PAY', false, 'pending'],
    ['TRADE_SUCCESS', true, 'succeeded'],
    ['TRADE_FINISHED', true, 'succeeded'],
    ['TRADE_CLOSED', false, 'closed'],
    // Fully refunded: closed, but it was paid.
    ['TRADE_CLOSED', true, 'succeeded'],
  ];

  test.each(table)('%s (paid: %p) is %s', (status, paid, expected) => {
    expect(tradeStatusFromAlipay(status, paid)).toBe(expected);
  });

  test('the table covers every status Alipay defines', () => {
    expect(new Set(table.map(([status]) => status))).toEqual(new Set(ALIPAY_TRADE_STATUSES));
  });

  test('an unknown status is never guessed', () => {
    expect(() => tradeStatusFromAlipay('TRADE_PENDING' as AlipayTradeStatus, false)).toThrow(/Unexpected value/);
  });
});

describe('Alipay refund status', () => {
  test.each([
    ['REFUND_SUCCESS', 'succeeded'],
    [undefined, 'succeeded'],
  ] as const)('%s is %s', (status, expected) => {
    expect(refundStatusFromAlipay(status)).toBe(expected);
  });
});

describe('amounts', () => {
  test.each([
    [1, '0.01'],
    [10, '0.10'],
    [1999, '19.99'],
    [100000, '1000.00'],
    [10_000_000_000, '100000000.00'],
  ])('%i fen is "%s" yuan, both ways', (minor, yuan) => {
    expect(amountToAlipay(minor)).toBe(yuan);
    expect(amountFromAlipay(yuan)).toBe(minor);
  });

  test.each([
    ['0.1', 10],
    ['20', 2000],
    ['0.00', 0],
  ])('Alipay may write "%s": %i fen', (yuan, minor) => {
    expect(amountFromAlipay(yuan)).toBe(minor);
  });

  test.each(['19.999', '-1.00', '1e3', '', 'abc', '1,000.00'])('"%s" is refused, never rounded', (yuan) => {
    expect(() => amountFromAlipay(yuan)).toThrow(RangeError);
  });

  test.each([-1, 1.5, Number.NaN])('%p fen cannot be sent', (minor) => {
    expect(() => amountToAlipay(minor)).toThrow(RangeError);
  });
});

describe('China time', () => {
  test.each([
    ['2024-01-01T00:00:00.000Z', '2024-01-01 08:00:00'],
    ['2024-06-30T18:15:30.000Z', '2024-07-01 02:15:30'],
  ])('%s is %s in Beijing', (iso, china) => {
    expect(toChinaTime(new Date(iso))).toBe(china);
    expect(fromChinaTime(china)).toBe(iso);
  });

  test('milliseconds (gmt_refund) are read and dropped', () => {
    expect(fromChinaTime('2024-01-01 08:00:00.320')).toBe('2024-01-01T00:00:00.000Z');
  });

  test.each([undefined, '', '2024/01/01 08:00:00'])('%p is no time', (text) => {
    expect(fromChinaTime(text)).toBeNull();
  });
});
