import { tradeDueHandler } from '../auto-pay';
import type { ProviderSimulator, SimulatorContext } from '../simulator';
import type { StoredTrade } from '../trades';
import { UnionpayAccounts } from './unionpay.accounts';
import { UnionpayApi } from './unionpay.api';
import { cashierUrl, UnionpayBuyer } from './unionpay.buyer';
import { UnionpayMessages } from './unionpay.messages';
import { PROVIDER, yuan, type UnionpaySimRecord } from './unionpay.model';
import { unionpayAcknowledges, UnionpayNotifications } from './unionpay.notifications';
import { unionpayRoutes } from './unionpay.routes';
import { UnionpayTrades } from './unionpay.trades';

/**
 * UnionPay's ACP 5.1.0 gateway payment (网关支付) as Tongbao uses it: frontTransReq (the shopper's
 * browser brings a signed consume and gets a card page), backTransReq (refunds), queryTrans,
 * signed `k=v&…` answers carrying signPubKeyCert, and signed back notifications, retried. Each
 * concern has its file: accounts (and UnionPay's PKI), messages (envelope and signatures),
 * trades (expiry, refund settlement), notifications, the transactions (api), the shopper, the routes.
 */
export function createUnionpaySimulator(context: SimulatorContext): ProviderSimulator {
  const accounts = new UnionpayAccounts(context);
  const messages = new UnionpayMessages(context, accounts);
  const notifications = new UnionpayNotifications(context, accounts);
  const trades = new UnionpayTrades(context, notifications);
  const api = new UnionpayApi(context, messages, trades);
  const buyer = new UnionpayBuyer(context, trades, notifications);
  return {
    provider: PROVIDER,
    router: unionpayRoutes({ context, messages, trades, api, buyer, notifications }),
    createAccount: (options) => accounts.open(options),
    pay: (key, outcome) => buyer.pay(key, outcome),
    onTradeDue: tradeDueHandler(context.trades, (key) => trades.expireIfDue(key), buyer),
    describeTrade: (stored) => describeUnionpayTrade(context.publicUrl, stored as StoredTrade<UnionpaySimRecord>),
    acknowledges: unionpayAcknowledges,
  };
}

/** A consume, or a refund's own row, as `GET /_control/trades/unionpay/…` shows it. */
function describeUnionpayTrade(publicUrl: string, trade: StoredTrade<UnionpaySimRecord>): Record<string, unknown> {
  const t = trade.data;
  if (t.kind === 'refund') {
    return {
      provider: PROVIDER,
      kind: 'refund',
      mer_id: t.mer_id,
      order_id: t.order_id,
      out_trade_no: t.order_id,
      consume_order_id: t.consume_order_id,
      settles_at: trade.closesAt?.toISOString() ?? null,
    };
  }
  return {
    provider: PROVIDER,
    kind: 'consume',
    mer_id: t.mer_id,
    out_trade_no: t.order_id,
    order_id: t.order_id,
    txn_time: t.txn_time,
    state: t.state,
    channel_type: t.channel_type,
    currency: 'CNY',
    amount: t.txn_amt,
    txn_amt: String(t.txn_amt),
    total_amount: yuan(t.txn_amt),
    amount_refunded: t.refunded_fen,
    query_id: t.query_id,
    trade_no: t.query_id,
    trace_no: t.trace_no,
    acc_no: t.acc_no,
    orig_resp_code: t.orig_resp_code,
    notify_url: t.back_url,
    return_url: t.front_url,
    pay_timeout: t.pay_timeout,
    buyer_url: cashierUrl(publicUrl, trade.buyerToken),
    created_at: t.created_at,
    paid_at: t.paid_at,
    failed_at: t.failed_at,
    closed_at: t.closed_at,
    closes_at: trade.closesAt?.toISOString() ?? null,
    auto_pay_at: trade.autoPayAt?.toISOString() ?? null,
    refunds: t.refunds.map((r) => ({
      order_id: r.order_id,
      out_refund_no: r.order_id,
      txn_time: r.txn_time,
      amount: r.txn_amt,
      query_id: r.query_id,
      state: r.state,
      notify_url: r.back_url,
      created_at: r.created_at,
      settled_at: r.settled_at,
    })),
  };
}
