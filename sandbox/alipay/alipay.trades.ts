import type { SimulatorContext } from '../simulator';
import type { StoredTrade, TradeKey } from '../trades';
import { PROVIDER, type AlipayCloseReason, type AlipaySimTrade } from './alipay.model';
import type { AlipayNotifications } from './alipay.notifications';

/**
 * Alipay's trades as time moves them: a trade is closed once its time_expire has passed unpaid,
 * checked whenever something looks at it (and by the sandbox's timers).
 */
export class AlipayTrades {
  constructor(
    private readonly context: SimulatorContext,
    private readonly notifications: AlipayNotifications,
  ) {}

  key(appId: string, outTradeNo: string): TradeKey {
    return { provider: PROVIDER, accountId: appId, outTradeNo };
  }

  /** The trade a buyer page's token names, expired first if its time has passed. */
  async forToken(token: string): Promise<StoredTrade<AlipaySimTrade> | null> {
    const trade = await this.context.trades.findByToken<AlipaySimTrade>(PROVIDER, token);
    if (trade && (await this.expireIfDue(trade)))
      return this.context.trades.findByToken<AlipaySimTrade>(PROVIDER, token);
    return trade;
  }

  /** Closes the trade if its time has passed and it is still unpaid; true when it did. */
  async expireIfDue(key: TradeKey): Promise<boolean> {
    const now = new Date();
    const expired = await this.context.trades.change<AlipaySimTrade, StoredTrade<AlipaySimTrade> | null>(
      key,
      (current) => {
        if (!current?.closesAt || current.closesAt.getTime() > now.getTime()) return { next: null, result: null };
        if (current.data.trade_status !== 'WAIT_BUYER_PAY') {
          return { next: { ...current, closesAt: null }, result: null };
        }
        const next = closed(current, now, 'expired');
        return { next, result: next };
      },
    );
    if (!expired) return false;
    this.context.logger.info({ provider: PROVIDER, out_trade_no: key.outTradeNo }, 'trade expired');
    // A precreated order nobody scanned never became a trade, so nobody is told it closed.
    if (expired.data.buyer_opened) await this.notifications.notify(expired);
    return true;
  }
}

/** The trade, closed now (TRADE_CLOSED) for `reason`: it can no longer be paid. */
export function closed(
  current: StoredTrade<AlipaySimTrade>,
  now: Date,
  reason: AlipayCloseReason,
): StoredTrade<AlipaySimTrade> {
  return {
    ...current,
    state: 'TRADE_CLOSED',
    closesAt: null,
    autoPayAt: null,
    autoPayOutcome: null,
    updatedAt: now,
    data: { ...current.data, trade_status: 'TRADE_CLOSED', gmt_close: now.toISOString(), close_reason: reason },
  };
}
