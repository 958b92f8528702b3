import type { Router } from 'express';
import type { Logger } from 'pino';
import type { AccountStore } from './accounts';
import type { FaultStore } from './faults';
import type { NotificationAttempt, Notifier } from './notifier';
import type { StatementEditStore } from './statements';
import type { TradeTimers } from './trade-timers';
import type { PayOutcome, StoredTrade, TradeKey, TradeStore } from './trades';

/**
 * What every provider simulator shares: storage, the notifier, the fault rules and where it is
 * reachable. A simulator keeps its provider's protocol to itself and uses these for the rest.
 */
export interface SimulatorContext {
  logger: Logger;
  /** The sandbox's base URL as browsers and SDKs reach it, e.g. `http://127.0.0.1:8090`. */
  publicUrl: string;
  /** Provider delays (notification retries, relative timeouts) are divided by this. */
  timeScale: number;
  accounts: AccountStore;
  trades: TradeStore;
  notifier: Notifier;
  faults: FaultStore;
  /** Call `wakeAt` after giving a trade a `closesAt` or `autoPayAt`, so that it fires on time. */
  timers: TradeTimers;
  /** Edits tests planted in daily statements; see statements.ts. */
  statementEdits: StatementEditStore;
}

/**
 * One provider's simulator. The control API (`/_control/…`) dispatches to it by the `provider`
 * field; its own routes (gateway, buyer pages) are mounted under `/<provider>`.
 *
 * Adding a provider: a folder `sandbox/<provider>/` whose factory returns this interface, and one
 * line in `sandbox.ts`'s list of simulators.
 */
export interface ProviderSimulator {
  readonly provider: string;

  /** The routes the provider's SDK and the shopper's browser reach, relative to `/<provider>`. */
  readonly router: Router;

  /**
   * Routes at the sandbox's root, for SDKs that post to `/` of their endpoint (Aliyun's RPC style:
   * `POST /` with `x-acs-action`). They must pass (`next('router')`) what is not theirs.
   */
  readonly rootRouter?: Router;

  /** Control routes of this provider's own, mounted under `/_control` (Aliyun's `/_control/messages`). */
  readonly controlRouter?: Router;

  /**
   * Opens a merchant account and returns what the provider's console would hand the merchant
   * (ids, the merchant's private key, the provider's public key…). `options` is the rest of the
   * control request's body, for provider-specific choices.
   */
  createAccount(options: Record<string, unknown>): Promise<Record<string, unknown>>;

  /**
   * The buyer pays (or the payment fails). Throws `ControlConflictError` when the trade cannot be
   * paid and `ControlNotFoundError` when the buyer could not have reached it yet.
   */
  pay(key: TradeKey, outcome: PayOutcome): Promise<void>;

  /**
   * The provider settles a refund it never had a request for, as if it had taken a request late
   * (one that timed out on the merchant's side): the refund is made on the trade and its success
   * is notified, as the provider's refund notifications are. Tests use it for a refund an admin
   * canceled believing the provider never took it. Throws `ControlConflictError` when the trade
   * is not paid, cannot give `amount` back, or already has the refund. Only providers that notify
   * refunds have it.
   */
  settleRefundLate?(key: TradeKey, refund: { outRefundNo: string; amount: number }): Promise<void>;

  /** Called when a trade's `closesAt` or `autoPayAt` has passed. */
  onTradeDue(key: TradeKey, due: { expired: boolean; autoPay: boolean }): Promise<void>;

  /** The simulator's record of a trade, as `GET /_control/trades/…` shows it (without notifications). */
  describeTrade(trade: StoredTrade): Record<string, unknown>;

  /** Whether the merchant's answer to a notification acknowledges it. */
  acknowledges(status: number, body: string): boolean;

  /**
   * Headers for one attempt at one of this provider's notifications, called by the notifier just
   * before each attempt, for providers that sign in headers rather than in the body. WeChat Pay
   * signs `timestamp\nnonce\nbody\n` into `Wechatpay-Signature` and receivers refuse a timestamp
   * more than 5 minutes off, so a retry hours later must be signed anew:
   *
   * ```ts
   * async notificationHeaders({ accountId, body, signing }) {
   *   const key = await this.keyFor(accountId, signing?.serial);   // decided when queued
   *   const timestamp = String(Math.floor(Date.now() / 1000));
   *   const nonce = randomAlphanumeric(32);
   *   return { 'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': nonce, 'Wechatpay-Serial': key.serial,
   *            'Wechatpay-Signature': rsaSign(`${timestamp}\n${nonce}\n${body}\n`, key.private_key) };
   * }
   * ```
   *
   * Whatever it must decide once per notification (which key; faults such as a forged signature)
   * goes into `OutboundNotification.signing` at `notifier.enqueue(…)` and comes back here as
   * `signing`, so that every retry is signed alike, after a restart too. Without this method the
   * notification is sent with its body and content type only (Alipay, UnionPay sign the body).
   */
  notificationHeaders?(notification: NotificationAttempt): Promise<Record<string, string>>;
}

export type SimulatorFactory = (context: SimulatorContext) => ProviderSimulator;
