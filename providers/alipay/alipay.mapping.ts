import { assertNever } from '../../domain/assert-never';
import { fromDecimalString, toDecimalString } from '../../domain/money';
import type { ProviderRefundStatus, ProviderTradeStatus } from '../../domain/provider-reports';
import type { AlipayRefundStatus, AlipayTradeStatus } from './alipay.types';
import { chinaInstant, inChinaTime } from '../../domain/china-time';

/**
 * Alipay's trade status in Tongbao's words. `paid` says whether Alipay reported a payment date:
 * a fully refunded trade is TRADE_CLOSED too, but it was paid, and the payment stays succeeded.
 * https://opendocs.alipay.com/open/02ekfh
 */
export function tradeStatusFromAlipay(status: AlipayTradeStatus, paid: boolean): ProviderTradeStatus {
  switch (status) {
    case 'WAIT_BUYER_PAY':
      return 'pending';
    case 'TRADE_SUCCESS':
      return 'succeeded';
    // Paid, and past its refund period (or a product that allows no refund).
    case 'TRADE_FINISHED':
      return 'succeeded';
    case 'TRADE_CLOSED':
      return paid ? 'succeeded' : 'closed';
    default:
      return assertNever(status);
  }
}

/** `refund_status` of alipay.trade.fastpay.refund.query; older answers left it out on success. */
export function refundStatusFromAlipay(status: AlipayRefundStatus | undefined): ProviderRefundStatus {
  if (status === undefined) return 'succeeded';
  switch (status) {
    case 'REFUND_SUCCESS':
      return 'succeeded';
    default:
      return assertNever(status);
  }
}

/** 1999 → "19.99": Alipay amounts are yuan with two decimals. */
export function amountToAlipay(amountMinor: number): string {
  return toDecimalString(amountMinor, 'CNY');
}

/** "19.99" → 1999; throws RangeError on anything that is not a CNY amount. */
export function amountFromAlipay(amount: string): number {
  return fromDecimalString(amount, 'CNY');
}

/** A date as Alipay reads it: China time (UTC+8, no daylight saving), `yyyy-MM-dd HH:mm:ss`. */
export function toChinaTime(date: Date): string {
  return inChinaTime(date).toISOString().slice(0, 19).replace('T', ' ');
}

/** Alipay's `yyyy-MM-dd HH:mm:ss` China time → ISO 8601 UTC; null when it is not such a time. */
export function fromChinaTime(text: string | undefined): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(text ?? '');
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  return chinaInstant(year, month, day, hour, minute, second).toISOString();
}
