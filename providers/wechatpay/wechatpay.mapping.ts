import { assertNever } from '../../domain/assert-never';
import type { ProviderRefund, ProviderRefundStatus, ProviderTradeStatus } from '../../domain/provider-reports';
import type { WechatpayRefund, WechatpayRefundStatus, WechatpayTradeState } from './wechatpay.types';
import { inChinaTime } from '../../domain/china-time';

/** WeChat's `trade_state` in Tongbao's words. https://pay.weixin.qq.com/doc/v3/merchant/4013070356 */
export function tradeStatusFromWechatpay(state: WechatpayTradeState): ProviderTradeStatus {
  switch (state) {
    case 'SUCCESS':
      return 'succeeded';
    // 转入退款: paid, then (partly) refunded. Refunds are tracked on their own; the payment stays succeeded.
    case 'REFUND':
      return 'succeeded';
    case 'NOTPAY':
      return 'pending';
    case 'CLOSED':
      return 'closed';
    // 已撤销: a payment-code (付款码) order revoked by the merchant; nobody can pay it any more.
    case 'REVOKED':
      return 'closed';
    // 用户支付中: the shopper is entering a password or the bank is confirming.
    case 'USERPAYING':
      return 'processing';
    case 'PAYERROR':
      return 'failed';
    default:
      return assertNever(state);
  }
}

/**
 * A refund as WeChat reports it, in Tongbao's words: the refund and refund query answers carry its
 * status as `status`, a refund notification's resource as `refund_status`.
 */
export function refundFromWechatpay(
  refund: Pick<WechatpayRefund, 'out_refund_no' | 'refund_id' | 'amount'>,
  status: WechatpayRefundStatus,
): ProviderRefund {
  const outcome = refundOutcomeFromWechatpay(status);
  return {
    outRefundNo: refund.out_refund_no,
    status: outcome.status,
    providerRefundNo: refund.refund_id,
    amountMinor: refund.amount.refund,
    failureReason: outcome.failureReason,
  };
}

/** A refund's `status` (or a notification's `refund_status`) in Tongbao's words. */
export function refundStatusFromWechatpay(status: WechatpayRefundStatus): ProviderRefundStatus {
  return refundOutcomeFromWechatpay(status).status;
}

/** The status, and WeChat's own word as the reason while the money has not reached the shopper. */
function refundOutcomeFromWechatpay(status: WechatpayRefundStatus): Pick<ProviderRefund, 'status' | 'failureReason'> {
  switch (status) {
    case 'SUCCESS':
      return { status: 'succeeded', failureReason: null };
    case 'PROCESSING':
      return { status: 'pending', failureReason: null };
    // 退款关闭: nothing was refunded.
    case 'CLOSED':
      return { status: 'failed', failureReason: status };
    // 退款异常: the money could not reach the shopper (e.g. the card was closed) and waits at WeChat
    // for the merchant to re-route it in the merchant platform. It is not refundable again, so it
    // stays pending (and ends as requires_attention) instead of failing.
    // https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_2_10.shtml
    case 'ABNORMAL':
      return { status: 'pending', failureReason: status };
    default:
      return assertNever(status);
  }
}

/** WeChat amounts are integers of fen already: this only refuses what is not one. */
export function amountToWechatpay(amountMinor: number): number {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    throw new RangeError(`amount must be a non-negative integer of fen, got ${amountMinor}`);
  }
  return amountMinor;
}

/** A date as WeChat reads `time_expire`: RFC 3339 in China time, `2018-06-08T10:34:56+08:00`. */
export function toWechatpayTime(date: Date): string {
  return `${inChinaTime(date).toISOString().slice(0, 19)}+08:00`;
}

/** An RFC 3339 time with an offset (`success_time`) → ISO 8601 UTC; null when it is not one. */
export function fromWechatpayTime(text: string | undefined): string | null {
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
