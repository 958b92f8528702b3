import type { SimulatorContext } from '../simulator';
import type { StoredTrade, TradeKey } from '../trades';
import { ControlConflictError } from '../errors';
import { randomDigits } from '../random';
import {
  isPaid,
  PROVIDER,
  refundedTotal,
  type WechatpayCloseReason,
  type WechatpaySimRefund,
  type WechatpaySimTrade,
} from './wechatpay.model';
import type { WechatpayNotifications } from './wechatpay.notifications';

/**
 * WeChat Pay's orders as time moves them: an unpaid order closes at its time_expire, and a
 * PROCESSING refund settles a (time-scaled) minute later and is notified. Both happen when
 * something looks at the order (and when the sandbox's timers fire): a paid order's `closesAt`
 * is when its next refund settles.
 */
export class WechatpayTrades {
  constructor(
    private readonly context: SimulatorContext,
    private readonly notifications: WechatpayNotifications,
  ) {}

  key(mchid: string, outTradeNo: string): TradeKey {
    return { provider: PROVIDER, accountId: mchid, outTradeNo };
  }

  /** The order a shopper page's token (its prepay_id) names, brought up to date. */
  async forToken(token: string): Promise<StoredTrade<WechatpaySimTrade> | null> {
    const trade = await this.context.trades.findByToken<WechatpaySimTrade>(PROVIDER, token);
    if (!trade) return null;
    await this.refresh(trade);
    return this.context.trades.findByToken<WechatpaySimTrade>(PROVIDER, token);
  }

  /** Closes the order if its time_expire passed unpaid, and settles refunds whose time came; true when it closed it. */
  async refresh(key: TradeKey): Promise<boolean> {
    const now = new Date();
    const outcome = await this.context.trades.change<
      WechatpaySimTrade,
      { expired: boolean; settled: WechatpaySimRefund[]; trade: WechatpaySimTrade | null }
    >(key, (current) => {
      const none = { next: null, result: { expired: false, settled: [], trade: null } };
      if (!current?.closesAt || current.closesAt.getTime() > now.getTime()) return none;
      const t = current.data;
      if (t.trade_state === 'NOTPAY' || t.trade_state === 'USERPAYING') {
        // WeChat does not notify merchants of closed orders.
        return { next: closed(current, now, 'expired'), result: { expired: true, settled: [], trade: null } };
      }
      const settled: WechatpaySimRefund[] = [];
      const refunds = t.refunds.map((r) => {
        if (r.status !== 'PROCESSING' || !r.settles_at || Date.parse(r.settles_at) > now.getTime()) return r;
        const abnormal = r.settles_as === 'ABNORMAL';
        const done: WechatpaySimRefund = {
          ...r,
          status: abnormal ? 'ABNORMAL' : 'SUCCESS',
          success_time: abnormal ? null : now.toISOString(),
          settles_at: null,
        };
        settled.push(done);
        return done;
      });
      const data = { ...t, refunds };
      return {
        next: { ...current, closesAt: nextSettlement(data), updatedAt: now, data },
        result: { expired: false, settled, trade: data },
      };
    });
    if (outcome.expired)
      this.context.logger.info({ provider: PROVIDER, out_trade_no: key.outTradeNo }, 'order expired');
    const trade = outcome.trade;
    if (!trade) return outcome.expired;
    for (const refund of outcome.settled) await this.notifications.notifyRefund(trade, refund);
    const next = nextSettlement(trade);
    if (next) this.context.timers.wakeAt(next);
    return false;
  }

  /**
   * A refund WeChat takes now although no request for it arrived (it was lost on the way, or
   * timed out on the merchant's side): made on the order, due at once, so `refresh` settles it
   * and sends REFUND.SUCCESS to the order's notify_url.
   */
  async settleLate(key: TradeKey, refund: { outRefundNo: string; amount: number }): Promise<void> {
    const now = new Date();
    const refused = await this.context.trades.change<WechatpaySimTrade, string | null>(key, (current) => {
      const refuse = (reason: string) => ({ next: null, result: reason });
      if (!current || !isPaid(current.data)) return refuse('the order is not paid');
      const t = current.data;
      if (t.refunds.some((r) => r.out_refund_no === refund.outRefundNo))
        return refuse(`the order already has refund ${refund.outRefundNo}`);
      if (refundedTotal(t) + refund.amount > t.total) return refuse('the amount is more than the order can give back');
      const late: WechatpaySimRefund = {
        out_refund_no: refund.outRefundNo,
        refund_id: `503${randomDigits(26)}`,
        refund: refund.amount,
        reason: null,
        notify_url: t.notify_url,
        status: 'PROCESSING',
        create_time: now.toISOString(),
        success_time: null,
        settles_at: now.toISOString(),
        settles_as: 'SUCCESS',
      };
      const data: WechatpaySimTrade = {
        ...t,
        trade_state: 'REFUND',
        refunds: [...t.refunds, late],
        [`refund:${late.out_refund_no}`]: late.out_refund_no,
      };
      return { next: { ...current, state: 'REFUND', closesAt: now, updatedAt: now, data }, result: null };
    });
    if (refused) throw new ControlConflictError(`${PROVIDER} cannot settle refund ${refund.outRefundNo}: ${refused}`);
    await this.refresh(key);
  }
}

/** The order, closed now (CLOSED) for `reason`: it can no longer be paid. */
export function closed(
  current: StoredTrade<WechatpaySimTrade>,
  now: Date,
  reason: WechatpayCloseReason,
): StoredTrade<WechatpaySimTrade> {
  return {
    ...current,
    state: 'CLOSED',
    closesAt: null,
    autoPayAt: null,
    autoPayOutcome: null,
    updatedAt: now,
    data: { ...current.data, trade_state: 'CLOSED', close_time: now.toISOString(), close_reason: reason },
  };
}

/** A paid order's `closesAt` is when its next refund settles: the shared timers keep one time per trade. */
export function nextSettlement(t: WechatpaySimTrade): Date | null {
  const times = t.refunds
    .filter((r) => r.status === 'PROCESSING' && r.settles_at)
    .map((r) => Date.parse(r.settles_at as string));
  return times.length > 0 ? new Date(Math.min(...times)) : null;
}
