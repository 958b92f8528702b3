/** Refunds: statuses, the stored record, and what the refund workflow is started with. */

export const REFUND_STATUSES = ['pending', 'succeeded', 'failed', 'requires_attention', 'canceled'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Refunds in these states hold no part of the payment: their amount may be refunded again. */
export const RELEASED_REFUND_STATUSES: readonly RefundStatus[] = ['failed', 'canceled'];

export function isFinalRefundStatus(status: RefundStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled';
}

/**
 * Why a refund exists: the merchant asked (`POST /v1/refunds`), or the provider reported a
 * payment as paid after Tongbao had closed it (expired, canceled or failed) and Tongbao gives the
 * shopper's money back on its own (see README "Late and unknown notifications"), or
 * (`duplicate_payment`) a second payment of one checkout session succeeded: the session keeps one.
 */
export const REFUND_ORIGINS = ['merchant', 'late_payment', 'duplicate_payment'] as const;
export type RefundOrigin = (typeof REFUND_ORIGINS)[number];

/** Everything the refund workflow needs to open a refund; fixed when it is asked for. */
export interface RefundDraft {
  id: string;
  merchantId: string;
  livemode: boolean;
  paymentId: string;
  origin: RefundOrigin;
  /** Minor units; null refunds whatever remains of the payment when the refund is opened. */
  amountMinor: number | null;
  reason: string | null;
  metadata: Record<string, string>;
  outRefundNo: string;
  createdAt: string;
}

/** A refund as stored; its workflow is the only writer of its state. */
export interface RefundRecord {
  id: string;
  merchantId: string;
  livemode: boolean;
  paymentId: string;
  origin: RefundOrigin;
  amount: number;
  currency: string;
  status: RefundStatus;
  reason: string | null;
  metadata: Record<string, string>;
  outRefundNo: string;
  providerRefundNo: string | null;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  succeededAt: Date | null;
}

/**
 * The refund number sent to the provider, derived from the refund id like a payment's order
 * number: a retried request names the same refund, so the provider refunds once. Alipay's
 * out_request_no and WeChat's out_refund_no take 64 characters, UnionPay's orderId 8–40 letters
 * and digits: `re` + 22 characters fits all three.
 */
export function outRefundNoFor(refundId: string): string {
  return refundId.replace('_', '');
}

/** The refund object of API.md, as merchants, webhooks and events see it. */
export interface RefundObject {
  id: string;
  object: 'refund';
  livemode: boolean;
  payment: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  reason: string | null;
  metadata: Record<string, string>;
  /**
   * `merchant`; `late_payment` for a refund Tongbao made of a payment completed after it was closed;
   * `duplicate_payment` for one of a payment that succeeded on a checkout session paid by another.
   */
  origin: RefundOrigin;
  out_refund_no: string;
  provider_refund_no: string | null;
  failure_reason: string | null;
  created_at: string;
  succeeded_at: string | null;
}

export function toRefundObject(refund: RefundRecord): RefundObject {
  return {
    id: refund.id,
    object: 'refund',
    livemode: refund.livemode,
    payment: refund.paymentId,
    amount: refund.amount,
    currency: refund.currency,
    status: refund.status,
    reason: refund.reason,
    metadata: refund.metadata,
    origin: refund.origin,
    out_refund_no: refund.outRefundNo,
    provider_refund_no: refund.providerRefundNo,
    failure_reason: refund.failureReason,
    created_at: new Date(refund.createdAt).toISOString(),
    succeeded_at: refund.succeededAt ? new Date(refund.succeededAt).toISOString() : null,
  };
}
