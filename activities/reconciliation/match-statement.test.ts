import type { StatementEntry } from '../../providers/provider';
import { matchStatement, type LedgerEntry } from './match-statement';

const at = new Date('2026-11-21T04:00:00Z');
const line = (
  kind: 'payment' | 'refund',
  outTradeNo: string,
  amountMinor: number,
  outRefundNo: string | null = null,
): StatementEntry => ({ kind, outTradeNo, outRefundNo, providerTradeNo: null, amountMinor, at });
const ours = (
  kind: 'payment' | 'refund',
  outTradeNo: string,
  amountMinor: number,
  outRefundNo: string | null = null,
  status = 'succeeded',
): LedgerEntry => ({
  kind,
  outTradeNo,
  outRefundNo,
  amountMinor,
  paymentId: `pay_${outTradeNo}`,
  refundId: outRefundNo ? `re_${outRefundNo}` : null,
  status,
});

describe('matching a statement against our books', () => {
  test('when both sides agree, everything matches and nothing is reported', () => {
    const day = [ours('payment', 'A', 100), ours('refund', 'A', 40, 'R1')];
    expect(matchStatement([line('payment', 'A', 100), line('refund', 'A', 40, 'R1')], day, day)).toEqual({
      matched: 2,
      discrepancies: [],
    });
  });

  test('a line we have no record of is missing here', () => {
    const result = matchStatement([line('payment', 'X', 999)], [], []);
    expect(result.discrepancies).toEqual([
      expect.objectContaining({
        kind: 'missing_here',
        outTradeNo: 'X',
        providerAmount: 999,
        ourAmount: null,
        paymentId: null,
      }),
    ]);
  });

  test('a payment of ours the provider does not list is missing there', () => {
    const result = matchStatement([], [ours('payment', 'B', 250)], []);
    expect(result.discrepancies).toEqual([
      expect.objectContaining({
        kind: 'missing_there',
        outTradeNo: 'B',
        ourAmount: 250,
        providerAmount: null,
        paymentId: 'pay_B',
      }),
    ]);
  });

  test('the same order with another amount differs in amount', () => {
    const day = [ours('payment', 'C', 500)];
    const result = matchStatement([line('payment', 'C', 499)], day, day);
    expect(result).toEqual({
      matched: 0,
      discrepancies: [expect.objectContaining({ kind: 'amount_differs', ourAmount: 500, providerAmount: 499 })],
    });
  });

  test('a payment the provider completed but we hold as expired is missing here, with a note', () => {
    const result = matchStatement([line('payment', 'D', 300)], [], [ours('payment', 'D', 300, null, 'expired')]);
    expect(result.discrepancies).toEqual([
      expect.objectContaining({ kind: 'missing_here', paymentId: 'pay_D', note: 'the payment is expired here' }),
    ]);
  });

  test("a payment of ours from the day before, on this day's statement, matches", () => {
    const result = matchStatement([line('payment', 'E', 700)], [], [ours('payment', 'E', 700)]);
    expect(result).toEqual({ matched: 1, discrepancies: [] });
  });

  test('refunds are told apart by their refund number, not only the order', () => {
    const day = [ours('refund', 'F', 10, 'R1'), ours('refund', 'F', 20, 'R2')];
    const result = matchStatement([line('refund', 'F', 10, 'R1')], day, day);
    expect(result.matched).toBe(1);
    expect(result.discrepancies).toEqual([
      expect.objectContaining({ kind: 'missing_there', outRefundNo: 'R2', refundId: 're_R2' }),
    ]);
  });
});
