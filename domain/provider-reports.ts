// What a provider reports about a trade or a refund, in Tongbao's words: adapters produce these,
// notifications carry them to the workflows (signals), and the workflows decide on them.

/** A provider's trade state in Tongbao's words. */
export type ProviderTradeStatus =
  /** Known at the provider, not paid yet. */
  | 'pending'
  /** The provider says the payment is in progress (e.g. a bank is confirming it). */
  | 'processing'
  | 'succeeded'
  /** Payment attempted and refused. */
  | 'failed'
  /** Closed unpaid, or fully refunded after success is not this: see `succeeded` + refunds. */
  | 'closed'
  /** The provider has no such trade yet (the shopper has not opened the cashier). */
  | 'not_found';

export interface ProviderTrade {
  outTradeNo: string;
  status: ProviderTradeStatus;
  /** The provider's own trade number, once it has one. */
  providerTradeNo: string | null;
  /** The amount the provider holds for this trade, when it says. */
  amountMinor: number | null;
  paidAt: string | null;
  failureCode: string | null;
  failureMessage: string | null;
}

export type ProviderRefundStatus = 'pending' | 'succeeded' | 'failed' | 'not_found';

export interface ProviderRefund {
  outRefundNo: string;
  status: ProviderRefundStatus;
  providerRefundNo: string | null;
  amountMinor: number | null;
  failureReason: string | null;
}
