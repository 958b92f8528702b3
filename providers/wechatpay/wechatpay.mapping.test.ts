import type { ProviderRefundStatus, ProviderTradeStatus } from '../../domain/provider-reports';
import {
  amountToWechatpay,
  fromWechatpayTime,
  refundFromWechatpay,
  refundStatusFromWechatpay,
  toWechatpayTime,
  tradeStatusFromWechatpay,
} from './wechatpay.mapping';
import {
  WECHATPAY_REFUND_STATUSES,
  WECHATPAY_TRADE_STATES,
  type WechatpayRefundStatus,
  type WechatpayTradeState,
} from './wechatpay.types';

describe('WeChat trade_state', () => {
  const table: Array<[WechatpayTradeState, ProviderTradeStatus]> = [
    ['SUCCESS', 'succeeded'],
    // Refunded after paying: the payment stays succeeded; refunds are tracked on their own.
    ['REFUND', 'succeeded'],
    ['NOTPAY', 'pending'],
    ['CLOSED', 'closed'],
    ['REVOKED', 'closed'],
    ['USERPAYING', 'processing'],
    ['PAYERROR', 'failed'],
  ];

  test.each(table)('%s is %s', (state, expected) => {
    expect(tradeStatusFromWechatpay(state)).toBe(expected);
  });

  test('the table covers every state WeChat defines', () => {
    expect(new Set(table.map(([state]) => state))).toEqual(new Set(WECHATPAY_TRADE_STATES));
  });

  test('an unknown state is never guessed', () => {
    expect(() => tradeStatusFromWechatpay('ACCEPT' as WechatpayTradeState)).toThrow(/Unexpected value/);
  });
});

describe('WeChat refund status', () => {
  const table: Array<[WechatpayRefundStatus, ProviderRefundStatus]> = [
    ['SUCCESS', 'succeeded'],
    ['PROCESSING', 'pending'],
    ['CLOSED', 'failed'],
    // Stuck at WeChat until the merchant re-routes it: not refundable again, so not failed.
    ['ABNORMAL', 'pending'],
  ];

  test.each(table)('%s is %s', (status, expected) => {
    expect(refundStatusFromWechatpay(status)).toBe(expected);
  });

  test('the table covers every status WeChat defines', () => {
    expect(new Set(table.map(([status]) => status))).toEqual(new Set(WECHATPAY_REFUND_STATUSES));
  });

  test('an unknown status is never guessed', () => {
    expect(() => refundStatusFromWechatpay('DONE' as WechatpayRefundStatus)).toThrow(/Unexpected value/);
  });

  test.each<[WechatpayRefundStatus, string | null]>([
    ['SUCCESS', null],
    ['PROCESSING', null],
    ['CLOSED', 'CLOSED'],
    ['ABNORMAL', 'ABNORMAL'],
  ])('a refund reported %s has %p as its failure reason', (status, reason) => {
    const refund = { out_refund_no: 're1', refund_id: '50300', amount: { total: 1999, refund: 500 } };
    expect(refundFromWechatpay(refund, status)).toEqual({
      outRefundNo: 're1',
      status: refundStatusFromWechatpay(status),
      providerRefundNo: '50300',
      amountMinor: 500,
      failureReason: reason,
    });
  });
});

describe('amounts', () => {
  test.each([1, 1999, 10_000_000_000])('%i fen is sent as %i: WeChat counts in fen', (minor) => {
    expect(amountToWechatpay(minor)).toBe(minor);
  });

  test.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('%p fen cannot be sent', (minor) => {
    expect(() => amountToWechatpay(minor)).toThrow(RangeError);
  });
});

describe('times', () => {
  test.each([
    ['2024-01-01T00:00:00.000Z', '2024-01-01T08:00:00+08:00'],
    ['2024-06-30T18:15:30.999Z', '2024-07-01T02:15:30+08:00'],
  ])('time_expire of %s is %s (RFC 3339, China time, whole seconds)', (iso, wechat) => {
    expect(toWechatpayTime(new Date(iso))).toBe(wechat);
  });

  test.each([
    ['2024-01-01T08:00:00+08:00', '2024-01-01T00:00:00.000Z'],
    ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z'],
    ['2024-01-01T08:00:00.5+08:00', '2024-01-01T00:00:00.500Z'],
  ])('success_time %s is %s', (wechat, iso) => {
    expect(fromWechatpayTime(wechat)).toBe(iso);
  });

  test.each([undefined, '', '2024-01-01 08:00:00', '2024-01-01T08:00:00'])('%p is no time', (text) => {
    expect(fromWechatpayTime(text)).toBeNull();
  });
});
