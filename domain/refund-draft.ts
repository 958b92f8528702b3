// Apart from refund.ts, which workflows import: ids need node:crypto, which the workflow sandbox has not.
import { newId } from './ids';
import type { PaymentRecord } from './payment';
import { outRefundNoFor, type RefundDraft } from './refund';

/** A new refund's draft: its id (a new one, unless an Idempotency-Key holds it), and the refund number derived from it. */
export function newRefundDraft(
  fields: Omit<RefundDraft, 'id' | 'outRefundNo' | 'createdAt'>,
  id: string = newId('refund'),
): RefundDraft {
  return { ...fields, id, outRefundNo: outRefundNoFor(id), createdAt: new Date().toISOString() };
}

/**
 * The refund Tongbao makes on its own when a provider reports a payment paid after Tongbao had
 * closed it (expired, canceled, failed): the whole amount goes back to the shopper. The refund
 * workflow refuses a second one, since nothing remains to refund.
 */
export function latePaymentRefundDraft(payment: PaymentRecord): RefundDraft {
  return newRefundDraft({
    merchantId: payment.merchantId,
    livemode: payment.livemode,
    paymentId: payment.id,
    origin: 'late_payment',
    amountMinor: null,
    reason: `Paid after the payment was ${payment.status}: refunded automatically`,
    metadata: {},
  });
}

/**
 * The refund Tongbao makes on its own when a checkout session's payment succeeds although the
 * session was completed by another payment, or had replaced this one with another: the session
 * keeps one payment, and this one's whole amount goes back to the shopper.
 */
export function duplicatePaymentRefundDraft(payment: PaymentRecord): RefundDraft {
  return newRefundDraft({
    merchantId: payment.merchantId,
    livemode: payment.livemode,
    paymentId: payment.id,
    origin: 'duplicate_payment',
    amountMinor: null,
    reason: `A second payment of checkout session ${payment.checkoutSessionId}: refunded automatically`,
    metadata: {},
  });
}
