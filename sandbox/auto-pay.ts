import { ControlConflictError } from './errors';
import type { ProviderSimulator } from './simulator';
import type { TradeKey, TradeStore } from './trades';

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
