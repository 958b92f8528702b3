import type { Router } from 'express';
import type { Logger } from 'pino';
import type { AccountStore } from './accounts';
import type { FaultStore } from './faults';
import type { Notifier } from './notifier';
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

  /** Called when a trade's `closesAt` or `autoPayAt` has passed. */
  onTradeDue(key: TradeKey, due: { expired: boolean; autoPay: boolean }): Promise<void>;

  /** The simulator's record of a trade, as `GET /_control/trades/…` shows it (without notifications). */
  describeTrade(trade: StoredTrade): Record<string, unknown>;

  /** Whether the merchant's answer to a notification acknowledges it. */
  acknowledges(status: number, body: string): boolean;
}

export type SimulatorFactory = (context: SimulatorContext) => ProviderSimulator;
