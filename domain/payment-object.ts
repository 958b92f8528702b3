import type { NextAction, PaymentRecord, PaymentStatus, Channel, ProviderName } from './payment';

/** The payment object of API.md, as merchants, webhooks and events see it. */
export interface PaymentObject {
  id: string;
  object: 'payment';
  livemode: boolean;
  status: PaymentStatus;
  amount: number;
  amount_refunded: number;
  currency: string;
  channel: Channel;
  provider: ProviderName;
  description: string;
  merchant_order_no: string | null;
  customer: string | null;
  metadata: Record<string, string>;
  next_action: NextAction | null;
  return_url: string | null;
  checkout_url: string | null;
  out_trade_no: string;
  provider_trade_no: string | null;
  failure_code: string | null;
  failure_message: string | null;
  expires_at: string;
  created_at: string;
  succeeded_at: string | null;
  canceled_at: string | null;
  expired_at: string | null;
}

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

export function toPaymentObject(payment: PaymentRecord): PaymentObject {
  return {
    id: payment.id,
    object: 'payment',
    livemode: payment.livemode,
    status: payment.status,
    amount: payment.amount,
    amount_refunded: payment.amountRefunded,
    currency: payment.currency,
    channel: payment.channel,
    provider: payment.provider,
    description: payment.description,
    merchant_order_no: payment.merchantOrderNo,
    customer: payment.customerId,
    metadata: payment.metadata,
    // Only a shopper who still has to act needs directions.
    next_action: payment.status === 'requires_action' ? payment.nextAction : null,
    return_url: payment.returnUrl,
    // Only payments made on the hosted checkout have a page to send the shopper back to.
    checkout_url: payment.checkoutUrl,
    out_trade_no: payment.outTradeNo,
    provider_trade_no: payment.providerTradeNo,
    failure_code: payment.failureCode,
    failure_message: payment.failureMessage,
    expires_at: iso(payment.expiresAt)!,
    created_at: iso(payment.createdAt)!,
    succeeded_at: iso(payment.succeededAt),
    canceled_at: iso(payment.canceledAt),
    expired_at: iso(payment.expiredAt),
  };
}
