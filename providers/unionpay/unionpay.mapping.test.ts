import {
  amountFromUnionpay,
  amountToUnionpay,
  fromUnionpayTime,
  paidAtFromUnionpay,
  refundStatusFromUnionpay,
  toUnionpayTime,
  tradeStatusFromUnionpay,
  txnOutcomeOf,
} from './unionpay.mapping';

describe('what a query’s origRespCode says', () => {
  test.each([
    ['00', 'success', 'succeeded', 'succeeded'],
    ['A6', 'success', 'succeeded', 'succeeded'],
    ['03', 'in_progress', 'processing', 'pending'],
    ['04', 'in_progress', 'processing', 'pending'],
    ['05', 'in_progress', 'processing', 'pending'],
    ['01', 'failure', 'failed', 'failed'],
    ['60', 'failure', 'failed', 'failed'],
    ['64', 'failure', 'failed', 'failed'],
    ['42', 'failure', 'failed', 'failed'],
    // Anything else is final: UnionPay's rule, never a guess of "pending".
    ['ZZ', 'failure', 'failed', 'failed'],
    ['', 'failure', 'failed', 'failed'],
  ])('%p is %s: a consume %s, a refund %s', (code, outcome, trade, refund) => {
    expect(txnOutcomeOf(code)).toBe(outcome);
    expect(tradeStatusFromUnionpay(code)).toBe(trade);
    expect(refundStatusFromUnionpay(code)).toBe(refund);
  });
});

describe('amounts', () => {
  test.each([
    [1, '1'],
    [1999, '1999'],
    [100000, '100000'],
    [999_999_999_999, '999999999999'],
  ])('%i fen is txnAmt "%s", both ways', (minor, txnAmt) => {
    expect(amountToUnionpay(minor)).toBe(txnAmt);
    expect(amountFromUnionpay(txnAmt)).toBe(minor);
  });

  test('leading zeros are read', () => {
    expect(amountFromUnionpay('000000001999')).toBe(1999);
  });

  test.each(['19.99', '-1', '1e3', '', ' 1', '1 ', '1,000', '1000000000000'])(
    'txnAmt %p is refused, never rounded',
    (text) => {
      expect(() => amountFromUnionpay(text)).toThrow(RangeError);
    },
  );

  test.each([-1, 1.5, Number.NaN, 1_000_000_000_000])('%p fen cannot be sent', (minor) => {
    expect(() => amountToUnionpay(minor)).toThrow(RangeError);
  });
});

describe('China time', () => {
  test.each([
    ['2024-01-01T00:00:00.000Z', '20240101080000'],
    ['2024-06-30T18:15:30.000Z', '20240701021530'],
    ['2024-12-31T16:00:00.000Z', '20250101000000'],
  ])('%s is %s in Beijing', (iso, text) => {
    expect(toUnionpayTime(new Date(iso))).toBe(text);
    expect(fromUnionpayTime(text)?.toISOString()).toBe(iso);
  });

  test.each([undefined, '', '2024010108000', '20240231080000', '20241301080000', '2024-01-01 08:00'])(
    '%p is no time',
    (text) => {
      expect(fromUnionpayTime(text)).toBeNull();
    },
  );
});

describe('when the card was charged', () => {
  test.each([
    ['20240515101010', '0515101530', '2024-05-15T02:15:30.000Z'],
    // Sent on New Year's Eve, paid after midnight: traceTime has no year.
    ['20241231235900', '0101000130', '2024-12-31T16:01:30.000Z'],
  ])('txnTime %s, traceTime %s → %s', (txnTime, traceTime, iso) => {
    expect(paidAtFromUnionpay(txnTime, traceTime)).toBe(iso);
  });

  test.each([
    [undefined, '0515101530'],
    ['20240515101010', undefined],
    ['20240515101010', '515101530'],
    ['nonsense', '0515101530'],
    ['20240515101010', '1345101530'],
  ])('txnTime %p with traceTime %p gives no time', (txnTime, traceTime) => {
    expect(paidAtFromUnionpay(txnTime, traceTime)).toBeNull();
  });
});
