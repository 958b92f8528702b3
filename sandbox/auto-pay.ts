import { ControlConflictError } from './errors';
import type { FaultStore } from './faults';
import type { ProviderSimulator } from './simulator';
import type { StoredTrade, TradeKey, TradeStore } from './trades';

/** The auto-pay a trade created now gets from the `auto_pay` fault in force: when, and how it ends. */
export function scheduledAutoPay(
  faults: FaultStore,
  key: TradeKey,
  now: Date,
): Pick<StoredTrade, 'autoPayAt' | 'autoPayOutcome'> {
  const autoPay = faults.autoPay({ provider: key.provider, accountId: key.accountId, outTradeNo: key.outTradeNo });
  return {
    autoPayAt: autoPay ? new Date(now.getTime() + autoPay.afterMs) : null,
    autoPayOutcome: autoPay?.outcome ?? null,
  };
}

/**
 * The auto-pay half of `ProviderSimulator.onTradeDue`: once the trade's `autoPayAt` has passed,
 * the buyer pays with the outcome the `auto_pay` fault chose. A trade that was paid or closed
 * meanwhile only loses its pending auto-pay.
 */
export async function autoPayIfDue(
  trades: TradeStore,
  simulator: Pick<ProviderSimulator, 'pay'>,
  key: TradeKey,
): Promise<void> {
  const trade = await trades.get(key);
  if (!trade?.autoPayAt || !trade.autoPayOutcome || trade.autoPayAt.getTime() > Date.now()) return;
  try {
    await simulator.pay(key, trade.autoPayOutcome);
  } catch (error) {
    if (!(error instanceof ControlConflictError)) throw error;
    await trades.change<unknown, void>(key, (current) => ({
      next: current ? { ...current, autoPayAt: null, autoPayOutcome: null } : null,
      result: undefined,
    }));
  }
}

/**
 * `ProviderSimulator.onTradeDue`, the same for every simulator: first what time does to the trade
 * (`expire` answers whether it closed it, which also drops its auto-pay), then the auto-pay if due.
 */
export function tradeDueHandler(
  trades: TradeStore,
  expire: (key: TradeKey) => Promise<boolean>,
  buyer: Pick<ProviderSimulator, 'pay'>,
): ProviderSimulator['onTradeDue'] {
  return async (key, due) => {
    if (await expire(key)) return;
    if (due.autoPay) await autoPayIfDue(trades, buyer, key);
  };
}
