import type { ProviderRefund, ProviderTrade } from '../domain/provider-reports';

/** The answer for a trade the provider does not know: never created, or not yet reached by the shopper. */
export function tradeNotFound(outTradeNo: string): ProviderTrade {
  return {
    outTradeNo,
    status: 'not_found',
    providerTradeNo: null,
    amountMinor: null,
    paidAt: null,
    failureCode: null,
    failureMessage: null,
  };
}

/** The answer for a refund the provider does not know. */
export function refundNotFound(outRefundNo: string): ProviderRefund {
  return { outRefundNo, status: 'not_found', providerRefundNo: null, amountMinor: null, failureReason: null };
}
