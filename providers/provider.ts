import type { Channel, NextAction, ProviderName } from '../domain/payment';
import type { ProviderAccount } from '../domain/provider-account';
import type { ProviderRefund, ProviderTrade } from '../domain/provider-reports';
import type { CredentialsForm } from './credentials-input';

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
 *   returnUrl: null, createdAt: payment.createdAt, expiresAt: payment.expiresAt, clientIp: null, openid: null,
 * });
 * created.nextAction; // { type: 'display_qr_code', display_qr_code: { data: 'https://qr…', … } }
 *
 * // Later, in whichever worker process runs the activity: the order is named by its number
 * // and the time it was created, both read from the payment's row.
 * const trade = await provider.queryPayment({ outTradeNo: payment.outTradeNo, createdAt: payment.createdAt });
 * ```
 *
 * Adapters remember nothing about orders between calls: everything a call needs comes in its
 * input or from the provider's answers, so any worker (one started after a restart, one that never
 * saw the create) can carry on any order. That is why the order's creation time is part of this
 * contract: see `ProviderOrderRef`.
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

  /** The provider's view of a trade, by our order number and its creation time. */
  queryPayment(order: ProviderOrderRef): Promise<ProviderTrade>;

  /**
   * Closes an unpaid trade so that it can no longer be paid. Resolves `closed` when the trade is
   * closed or never existed at the provider, and `already_paid` when the shopper paid first.
   */
  closePayment(order: ProviderOrderRef): Promise<CloseResult>;

  /** Asks for a refund; the same `outRefundNo` never refunds twice (retries carry the same `requestedAt`). */
  refund(input: RefundInput): Promise<ProviderRefund>;

  /** The provider's view of a refund, by its number and its creation time. */
  queryRefund(refund: ProviderRefundRef): Promise<ProviderRefund>;

  /**
   * The provider's statement (对账单) of one business day, `YYYY-MM-DD` in China time: every
   * payment and refund it completed that day, in Tongbao's words. A day without transactions
   * (the providers answer "no bill" in their own ways) resolves to an empty list. Reconciliation
   * matches it against our payments and refunds.
   *
   * ```ts
   * const entries = await provider.fetchStatement('2026-11-21');
   * // [{ kind: 'payment', outTradeNo: 'pay3kTMd9', outRefundNo: null, providerTradeNo: '2026…', amountMinor: 1999, at: … }, …]
   * ```
   */
  fetchStatement(date: string): Promise<StatementEntry[]>;

  /**
   * Verifies a notification the provider sent to `/notify/<provider>/:account`, throwing
   * `NotificationRejectedError` when its signature or its app/merchant id does not match this
   * account. The caller still checks the amount against its own record.
   */
  verifyNotification(notification: RawNotification): Promise<VerifiedNotification>;

  /** The answer the provider expects once a notification was handled (`accepted`) or not. */
  notificationAck(outcome: 'accepted' | 'refused'): NotificationAck;
}

/**
 * Optional capability: the provider identifies the shopper inside its own app, for channels that
 * pay as a known user of it. WeChat Pay's JSAPI needs the shopper's openid under the merchant's
 * 公众号, which WeChat's web OAuth (`snsapi_base`, no consent screen) gives in two steps:
 *
 * ```ts
 * const identification = shopperIdentificationFor(account, env); // null: the provider has none
 * // 1. Send the shopper's browser away; it comes back to redirectUri?code=…&state=…
 * res.redirect(identification.authorizeUrl({ redirectUri: `${base}/pay/${id}`, state: id }));
 * // 2. Check state, then turn the code into the shopper's id at the provider.
 * const openid = await identification.shopperIdFromCode(String(req.query.code));
 * ```
 *
 * Errors as elsewhere: `ProviderInvalidRequestError` when the code is refused or the account lacks
 * what the exchange needs (send the shopper through `authorizeUrl` again, or fix the account),
 * `ProviderUnavailableError` when the provider could not be reached.
 */
export interface ShopperIdentification {
  /** Where the shopper's browser goes to be identified; it comes back to `redirectUri` with `code` and `state`. */
  authorizeUrl(request: { redirectUri: string; state: string }): string;
  /** The shopper's id at the provider (WeChat's openid) for the code the provider brought back. */
  shopperIdFromCode(code: string): Promise<string>;
}

/**
 * What a provider's folder gives the registry (`<provider>.module.ts`): how to make its adapter for
 * an account, how to read a sandbox account, and the optional capabilities it has.
 */
export interface ProviderModule {
  create(account: ProviderAccount, env: ProviderEnvironment): PaymentProvider;
  /** Turns the sandbox's `POST /_control/accounts` answer into what a stored account holds. */
  fromSandboxAccount(answer: unknown): { externalId: string; credentials: unknown };
  /** The account's credentials as an admin uploads them, checked, and described by fingerprints (credentials-input.ts). */
  credentialsForm: CredentialsForm;
  /**
   * Optional: "test credentials" (the admin console's button) for a provider whose adapter takes
   * some answer of `queryPayment` about an unknown order unverified. Asks the provider about
   * `outTradeNo`, which cannot exist, and resolves with its answer once its signature verified;
   * throws a ProviderError otherwise. Without it, the registry uses `queryPayment` itself.
   */
  checkCredentials?(
    account: ProviderAccount,
    env: ProviderEnvironment,
    outTradeNo: string,
  ): Promise<CredentialsCheckAnswer>;
  /** Present when the provider identifies shoppers itself; see `ShopperIdentification`. */
  shopperIdentification?(account: ProviderAccount, env: ProviderEnvironment): ShopperIdentification;
}

/** The provider's verified answer to a credentials check, in its words: `ACQ.TRADE_NOT_EXIST 交易不存在`. */
export interface CredentialsCheckAnswer {
  code: string;
  message: string;
}

/** Where test-mode accounts find their provider, and what watches the calls made to it. */
export interface ProviderEnvironment {
  /** Base URL of the sandbox, e.g. `http://127.0.0.1:8090`; null when test mode is off. */
  sandboxUrl: string | null;
  /**
   * Runs around every call that reaches the provider (`PROVIDER_OPERATIONS`): the worker times it
   * and counts its errors (metrics), and traces it. Absent: calls go straight to the adapter.
   */
  instrument?: ProviderCallInstrument;
}

/** The calls of `PaymentProvider` that go over the network to the provider. */
export const PROVIDER_OPERATIONS = [
  'createPayment',
  'queryPayment',
  'closePayment',
  'refund',
  'queryRefund',
  'fetchStatement',
] as const;
export type ProviderOperation = (typeof PROVIDER_OPERATIONS)[number];

/**
 * Wraps one provider call: must call `run` once and return (or throw) what it does.
 *
 * ```ts
 * const instrument: ProviderCallInstrument = async (call, run) => {
 *   const started = performance.now();
 *   try { return await run(); } finally { observe(call.provider, call.operation, performance.now() - started); }
 * };
 * ```
 */
export type ProviderCallInstrument = <T>(
  call: { provider: ProviderName; operation: ProviderOperation },
  run: () => Promise<T>,
) => Promise<T>;

export interface CreatePaymentInput {
  channel: Channel;
  outTradeNo: string;
  amountMinor: number;
  currency: 'CNY';
  description: string;
  notifyUrl: string;
  returnUrl: string | null;
  /**
   * When the payment was created (`payments.created_at`), the same instant on every retry and in
   * every later `ProviderOrderRef` of this order. UnionPay's txnTime is derived from it, so a
   * retried create sends the same order; Alipay and WeChat Pay ignore it.
   */
  createdAt: Date;
  expiresAt: Date;
  clientIp: string | null;
  openid: string | null;
}

export interface CreatePaymentResult {
  nextAction: NextAction;
}

export type CloseResult = 'closed' | 'already_paid';

/**
 * One of our orders as a provider knows it: its order number and when we created it.
 *
 * Why the time: UnionPay (ACP 5.1.0) identifies a transaction by merId + orderId + txnTime
 * ("商户代码merId、商户订单号orderId、订单发送时间txnTime三要素唯一确定一笔交易"), and its query needs all
 * three: https://open.unionpay.com/tjweb/acproduct/APIList?acpAPIId=757&apiservId=448
 * Its adapter derives txnTime (China time, to the second) from `createdAt`, so every worker names
 * the same transaction without having seen the create. Alipay and WeChat Pay find a trade by its
 * number alone and ignore `createdAt`.
 *
 * `createdAt` must be the instant given to `createPayment` (read it from the payment's row, never
 * from a clock): with another time UnionPay finds no such order and the query says `not_found`.
 *
 * ```ts
 * await provider.closePayment({ outTradeNo: payment.outTradeNo, createdAt: payment.createdAt });
 * ```
 */
export interface ProviderOrderRef {
  outTradeNo: string;
  /** The payment's creation time, as given to `createPayment`. */
  createdAt: Date;
}

/**
 * One refund as a provider knows it. As with `ProviderOrderRef`, the time is UnionPay's: a refund
 * is a transaction of its own, found by merId + its orderId (`outRefundNo`) + its txnTime, which
 * the adapter derives from `requestedAt`. Alipay and WeChat Pay ignore it.
 */
export interface ProviderRefundRef {
  /** The payment's order number. */
  outTradeNo: string;
  outRefundNo: string;
  /** When the refund was created, as given to `refund`; the same instant on every retry. */
  requestedAt: Date;
}

/**
 * A refund to ask for; retried, the same input refunds once.
 *
 * ```ts
 * await provider.refund({
 *   outTradeNo: payment.outTradeNo, paymentCreatedAt: payment.createdAt,
 *   outRefundNo: 're3kTMd9', requestedAt: refund.createdAt,
 *   amountMinor: 500, totalAmountMinor: 1999, reason: null, notifyUrl: 'https://api.example.com/notify/…',
 * });
 * ```
 */
export interface RefundInput extends ProviderRefundRef {
  /**
   * The payment's creation time, as given to `createPayment`: UnionPay's refund must name the paid
   * consume by its queryId, which the adapter asks for by the consume's orderId and txnTime.
   */
  paymentCreatedAt: Date;
  amountMinor: number;
  /** The payment's total, which some providers want repeated. */
  totalAmountMinor: number;
  reason: string | null;
  notifyUrl: string;
}

/** One line of a provider's daily statement: a payment or a refund it completed. */
export interface StatementEntry {
  kind: 'payment' | 'refund';
  /** Our order number of the payment (for a refund line, of the payment refunded). */
  outTradeNo: string;
  /** Our refund number, for refund lines; null for payments. */
  outRefundNo: string | null;
  /** The provider's own number for the trade (or refund), when the statement carries it. */
  providerTradeNo: string | null;
  /** The amount paid, or refunded, in minor units (always positive). */
  amountMinor: number;
  /** When the provider completed it. */
  at: Date;
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
  { kind: 'payment'; trade: ProviderTrade } | { kind: 'refund'; outTradeNo: string; refund: ProviderRefund };

/** How to answer the provider once its notification has been handled (or refused). */
export interface NotificationAck {
  status: number;
  contentType: string;
  body: string;
}
