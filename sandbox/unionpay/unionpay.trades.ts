import { randomDigits } from '../random';
import type { SimulatorContext } from '../simulator';
import type { StoredTrade, TradeKey } from '../trades';
import {
  PROVIDER,
  type UnionpaySimConsume,
  type UnionpaySimRecord,
  type UnionpaySimRefund,
  type UnionpaySimRefundRef,
} from './unionpay.model';
import type { UnionpayNotifications } from './unionpay.notifications';
import { formatTraceTime, formatTxnTime } from './unionpay.time';

/**
 * UnionPay's orders as time moves them: an unpaid consume expires at its payTimeout, and an
 * accepted refund settles a little later and is notified. Both happen when something looks at the
 * order (and when the sandbox's timers fire): a refund's own row carries its settling time.
 */
export class UnionpayTrades {
  constructor(
    private readonly context: SimulatorContext,
    private readonly notifications: UnionpayNotifications,
  ) {}

  key(merId: string, orderId: string): TradeKey {
    return { provider: PROVIDER, accountId: merId, outTradeNo: orderId };
  }

  /** The consume a cashier page's token names, expired first if its time has passed. */
  async forToken(token: string): Promise<StoredTrade<UnionpaySimConsume> | null> {
    let trade = await this.context.trades.findByToken<UnionpaySimRecord>(PROVIDER, token);
    if (trade && (await this.expireIfDue(trade)))
      trade = await this.context.trades.findByToken<UnionpaySimRecord>(PROVIDER, token);
    return trade?.data.kind === 'consume' ? (trade as StoredTrade<UnionpaySimConsume>) : null;
  }

  /** The consume a refund names by origQryId. */
  async consumeByQueryId(merId: string, queryId: string | undefined): Promise<StoredTrade<UnionpaySimConsume> | null> {
    if (!queryId) return null;
    const found = await this.context.trades.findByDataField<UnionpaySimRecord>(PROVIDER, merId, 'query_id', queryId);
    return found?.data.kind === 'consume' ? (found as StoredTrade<UnionpaySimConsume>) : null;
  }

  /** Expires an unpaid consume, or settles a refund, whose time has come; true when it did. */
  async expireIfDue(key: TradeKey): Promise<boolean> {
    const now = new Date();
    const current = await this.context.trades.get<UnionpaySimRecord>(key);
    if (!current?.closesAt || current.closesAt.getTime() > now.getTime()) return false;
    if (current.data.kind === 'refund')
      return this.settleRefund(current as StoredTrade<UnionpaySimRecord> & { data: UnionpaySimRefundRef });
    const expired = await this.context.trades.change<UnionpaySimRecord, boolean>(key, (row) => {
      if (!row?.closesAt || row.closesAt.getTime() > now.getTime() || row.data.kind !== 'consume')
        return { next: null, result: false };
      if (row.data.state !== 'UNPAID') return { next: { ...row, closesAt: null }, result: false };
      return {
        next: {
          ...row,
          state: 'EXPIRED',
          closesAt: null,
          autoPayAt: null,
          autoPayOutcome: null,
          updatedAt: now,
          data: { ...row.data, state: 'EXPIRED', closed_at: now.toISOString() },
        },
        result: true,
      };
    });
    if (expired)
      this.context.logger.info({ provider: PROVIDER, order_id: key.outTradeNo }, 'order expired (payTimeout)');
    return expired;
  }

  /** A refund UnionPay accepted succeeds, and its notification goes to the refund's backUrl. */
  private async settleRefund(ref: StoredTrade<UnionpaySimRecord> & { data: UnionpaySimRefundRef }): Promise<boolean> {
    const now = new Date();
    const consumeKey = this.key(ref.accountId, ref.data.consume_order_id);
    const settled = await this.context.trades.change<
      UnionpaySimRecord,
      { consume: UnionpaySimConsume; refund: UnionpaySimRefund } | null
    >(consumeKey, (current) => {
      if (!current || current.data.kind !== 'consume') return { next: null, result: null };
      const t = current.data;
      const refund = t.refunds.find((r) => r.order_id === ref.data.order_id);
      if (!refund || refund.state !== 'PENDING') return { next: null, result: null };
      const done: UnionpaySimRefund = {
        ...refund,
        state: 'SUCCEEDED',
        settled_at: now.toISOString(),
        trace_no: randomDigits(6),
        trace_time: formatTraceTime(now),
      };
      const data: UnionpaySimConsume = {
        ...t,
        refunds: t.refunds.map((r) => (r.order_id === done.order_id ? done : r)),
      };
      return { next: { ...current, updatedAt: now, data }, result: { consume: data, refund: done } };
    });
    await this.context.trades.change<UnionpaySimRecord, void>(ref, (current) => ({
      next: current ? { ...current, closesAt: null, updatedAt: now } : null,
      result: undefined,
    }));
    if (!settled) return false;
    this.context.logger.info({ provider: PROVIDER, refund: settled.refund.order_id }, 'refund settled');
    await this.notifications.notifyRefund(settled.consume, settled.refund);
    return true;
  }
}

/** UnionPay's queryId: 21 digits, starting with the China-time date and time. */
export function newQueryId(now: Date): string {
  return `${formatTxnTime(now).slice(2)}${randomDigits(9)}`;
}
