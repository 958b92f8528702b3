import type { Channel, NextAction, ProviderName } from '../../domain/payment';

/**
 * The contract every payment provider adapter fulfils. The rest of Tongbao sees providers only
 * through this interface; wire types stay inside each provider's folder.
 *
 * An adapter is created for one provider account (one app id / mchid / merId) by the registry:
 *
 * ```ts
 * const provider = providerFor(account);            // account decrypted from provider_accounts
 * const created = await provider.createPayment({
 *   channel: 'alipay_qr', outTradeNo: 'pay3kTMd9', amountMinor: 1999, currency: 'CNY',
 *   description: 'Order 42', notifyUrl: 'https://api.example.com/notify/alipay/pa_…',
 *   returnUrl: null, expiresAt: new Date(Date.now() + 900_000), clientIp: null, openid: null,
 * });
 * created.nextAction; // { type: 'display_qr_code', display_qr_code: { data: 'https://qr…', … } }
 * ```
 *
 * Errors: adapters throw `ProviderDeclinedError` / `ProviderInvalidRequestError` for answers that
 * retrying cannot change, and `ProviderUnavailableError` for timeouts, 5xx and rate limits (see
 * ./errors.ts). Activities turn the first two into non-retryable Temporal failures.
 */
export interface PaymentProvider {
  readonly name: ProviderName;
  /** The channels this provider serves. */
  readonly channels: readonly Channel[];

  /** Creates the trade (or the signed request the shopper's browser will carry to the provider). */
  createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult>;

  /** The provider's view of a trade, by our order number. */
  queryPayment(input: { outTradeNo: string }): Promise<ProviderTrade>;

  /**
   * Closes an unpaid trade so that it can no longer be paid. Resolves `closed` when the trade is
   * closed or never existed at the provider, and `already_paid` when the shopper paid first.
   */
  closePayment(input: { outTradeNo: string }): Promise<CloseResult>;

  /** Asks for a refund; the same `outRefundNo` never refunds twice. */
  refund(input: RefundInput): Promise<ProviderRefund>;

  /** The provider's view of a refund. */
  queryRefund(input: { outTradeNo: string; outRefundNo: string }): Promise<ProviderRefund>;

  /**
   * Verifies a notification the provider sent to `/notify/<provider>/:account`, throwing
   * `NotificationRejectedError` when its signature or its app/merchant id does not match this
   * account. The caller still checks the amount against its own record.
   */
  verifyNotification(notification: RawNotification): Promise<VerifiedNotification>;

  /** The answer the provider expects once a notification was handled (`accepted`) or not. */
  notificationAck(outcome: 'accepted' | 'refused'): NotificationAck;
}

/** A provider account with its credentials decrypted; see `provider_accounts`. */
export interface ProviderAccount {
  /** `pa_…`; also the `:account` of the notify URL. */
  id: string;
  provider: ProviderName;
  livemode: boolean;
  /** The provider's id for the account: Alipay app_id, WeChat mchid, UnionPay merId. */
  externalId: string;
  /** Provider-specific; each adapter parses it with its own schema. */
  credentials: unknown;
}

/** Where test-mode accounts find their provider. */
export interface ProviderEnvironment {
  /** Base URL of the sandbox, e.g. `http://127.0.0.1:8090`; null when test mode is off. */
  sandboxUrl: string | null;
}

export interface CreatePaymentInput {
  channel: Channel;
  outTradeNo: string;
  amountMinor: number;
  currency: 'CNY';
  description: string;
  notifyUrl: string;
  returnUrl: string | null;
  expiresAt: Date;
  clientIp: string | null;
  openid: string | null;
}

export interface CreatePaymentResult {
  nextAction: NextAction;
}

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

export type CloseResult = 'closed' | 'already_paid';

export interface RefundInput {
  outTradeNo: string;
  outRefundNo: string;
  amountMinor: number;
  /** The payment's total, which some providers want repeated. */
  totalAmountMinor: number;
  reason: string | null;
  notifyUrl: string;
}

export type ProviderRefundStatus = 'pending' | 'succeeded' | 'failed' | 'not_found';

export interface ProviderRefund {
  outRefundNo: string;
  status: ProviderRefundStatus;
  providerRefundNo: string | null;
  amountMinor: number | null;
  failureReason: string | null;
}

/** A notification as the HTTP layer received it. */
export interface RawNotification {
  headers: Record<string, string | undefined>;
  /** The raw body, byte for byte: signatures are computed over it. */
  rawBody: Buffer;
  /** The body parsed as a form, for providers that post forms. */
  form: Record<string, string> | null;
}

export type VerifiedNotification =
  | { kind: 'payment'; trade: ProviderTrade }
  | { kind: 'refund'; outTradeNo: string; refund: ProviderRefund };

/** How to answer the provider once its notification has been handled (or refused). */
export interface NotificationAck {
  status: number;
  contentType: string;
  body: string;
}
