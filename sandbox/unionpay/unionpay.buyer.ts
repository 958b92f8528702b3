import { ControlConflictError, ControlNotFoundError } from '../errors';
import { randomDigits } from '../random';
import type { SimulatorContext } from '../simulator';
import type { PayOutcome, StoredTrade, TradeKey } from '../trades';
import { PROVIDER, type UnionpaySimConsume, type UnionpaySimRecord } from './unionpay.model';
import type { UnionpayNotifications } from './unionpay.notifications';
import { formatSettleDate, formatTraceTime } from './unionpay.time';
import { newQueryId, type UnionpayTrades } from './unionpay.trades';

/** The test card UnionPay's own test environment documents; the cashier offers it. */
export const TEST_CARD_NO = '6216261000000000018';
/** What the Fail button answers: a decline from the card's bank. */
const DECLINE_CODE = '60';

/** The card page frontTransReq sends the shopper's browser to. */
export const cashierUrl = (publicUrl: string, token: string): string =>
  `${publicUrl}/unionpay/cashier/${encodeURIComponent(token)}`;

/** The shopper at UnionPay's card page: paying with a card, or declined by its bank. */
export class UnionpayBuyer {
  constructor(
    private readonly context: SimulatorContext,
    private readonly trades: UnionpayTrades,
    private readonly notifications: UnionpayNotifications,
  ) {}

  async pay(key: TradeKey, outcome: PayOutcome): Promise<void> {
    await this.attempt(key, outcome, TEST_CARD_NO);
  }

  /** The shopper pays (or the bank declines) with card `cardNo`; a success is notified to backUrl. */
  async attempt(key: TradeKey, outcome: PayOutcome, cardNo: string): Promise<StoredTrade<UnionpaySimConsume>> {
    await this.trades.expireIfDue(key);
    const now = new Date();
    const attempted = await this.context.trades.change<UnionpaySimRecord, StoredTrade<UnionpaySimConsume>>(
      key,
      (current) => {
        if (!current) throw new ControlNotFoundError(`no unionpay order ${key.outTradeNo}`, 'out_trade_no');
        if (current.data.kind !== 'consume')
          throw new ControlConflictError(`${key.outTradeNo} is a refund, not a consume`, 'out_trade_no');
        const t = current.data;
        if (t.state !== 'UNPAID')
          throw new ControlConflictError(`order ${key.outTradeNo} is ${t.state}, it cannot be paid`, 'out_trade_no');
        const common = { query_id: newQueryId(now), acc_no: maskCard(cardNo) };
        const next: StoredTrade<UnionpaySimConsume> =
          outcome === 'success'
            ? {
                ...(current as StoredTrade<UnionpaySimConsume>),
                state: 'PAID',
                closesAt: null,
                autoPayAt: null,
                autoPayOutcome: null,
                updatedAt: now,
                data: {
                  ...t,
                  ...common,
                  state: 'PAID',
                  orig_resp_code: '00',
                  trace_no: randomDigits(6),
                  trace_time: formatTraceTime(now),
                  settle_date: formatSettleDate(now),
                  paid_at: now.toISOString(),
                },
              }
            : {
                ...(current as StoredTrade<UnionpaySimConsume>),
                state: 'FAILED',
                closesAt: null,
                autoPayAt: null,
                autoPayOutcome: null,
                updatedAt: now,
                data: { ...t, ...common, state: 'FAILED', orig_resp_code: DECLINE_CODE, failed_at: now.toISOString() },
              };
        return { next, result: next };
      },
    );
    this.context.logger.info({ provider: PROVIDER, order_id: key.outTradeNo, outcome }, 'shopper paid');
    // UnionPay sends back notifications for successes only; a declined shopper is told on the page.
    if (outcome === 'success') await this.notifications.notifyConsume(attempted);
    return attempted;
  }
}

/** `6216261000000000018` → `621626*********0018`, as UnionPay masks accNo. */
function maskCard(cardNo: string): string {
  return cardNo.length <= 10 ? cardNo : `${cardNo.slice(0, 6)}${'*'.repeat(cardNo.length - 10)}${cardNo.slice(-4)}`;
}
