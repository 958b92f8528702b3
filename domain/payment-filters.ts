import type { Channel, PaymentStatus, ProviderName } from './payment';

/**
 * Which of a merchant's payments a list or an export takes (GET /v1/payments, POST
 * /v1/payment_exports). Every filter is optional; all given must hold. Times are ISO 8601 strings,
 * so that the filters travel as they are in a workflow's input and an export's stored row.
 */
export interface PaymentFilters {
  status?: PaymentStatus;
  channel?: Channel;
  provider?: ProviderName;
  merchantOrderNo?: string;
  customer?: string;
  /** Inclusive bounds, in minor units. */
  amountGte?: number;
  amountLte?: number;
  /** Inclusive bounds of `created_at`. */
  createdGte?: string;
  createdLte?: string;
  /**
   * One value matched exactly (never as a prefix or substring) against the payment's id,
   * merchant_order_no, out_trade_no, provider_trade_no and customer id: what support staff paste.
   */
  q?: string;
}
