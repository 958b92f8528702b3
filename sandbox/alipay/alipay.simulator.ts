import { tradeDueHandler } from '../auto-pay';
import { ControlNotFoundError } from '../errors';
import type { ProviderSimulator, SimulatorContext } from '../simulator';
import type { StoredTrade } from '../trades';
import { AlipayAccounts } from './alipay.accounts';
import { AlipayApi } from './alipay.api';
import { AlipayBuyer, cashierUrl, qrUrl } from './alipay.buyer';
import { PROVIDER, yuan, type AlipaySimTrade } from './alipay.model';
import { alipayAcknowledges, AlipayNotifications } from './alipay.notifications';
import { alipayRoutes } from './alipay.routes';
import { AlipayTrades } from './alipay.trades';

/**
 * Alipay's OpenAPI (gateway.do, RSA2) for the trade APIs Tongbao uses, with the cashier and QR
 * pages a buyer would see, and Alipay's signed asynchronous notifications. Each concern has its
 * file: accounts, trades (expiry), notifications, the API methods, the buyer, and the routes.
 */
export function createAlipaySimulator(context: SimulatorContext): ProviderSimulator {
  const accounts = new AlipayAccounts(context);
  const notifications = new AlipayNotifications(context, accounts);
  const trades = new AlipayTrades(context, notifications);
  const api = new AlipayApi(context, trades, notifications);
  const buyer = new AlipayBuyer(context, trades, notifications);
  return {
    provider: PROVIDER,
    router: alipayRoutes({ context, accounts, trades, api, buyer }),
    createAccount: (options) => accounts.open(options),
    pay: (key, outcome) => buyer.pay(key, outcome),
    async settleRefundLate(key, refund) {
      const secrets = await accounts.get(key.accountId);
      if (!secrets) throw new ControlNotFoundError(`no ${PROVIDER} account ${key.accountId}`, 'account');
      await api.settleLate(secrets, key, refund);
    },
    onTradeDue: tradeDueHandler(context.trades, (key) => trades.expireIfDue(key), buyer),
    describeTrade: (stored) => describeAlipayTrade(context.publicUrl, stored as StoredTrade<AlipaySimTrade>),
    acknowledges: alipayAcknowledges,
  };
}

/** An Alipay trade as `GET /_control/trades/alipay/…` shows it. */
function describeAlipayTrade(publicUrl: string, trade: StoredTrade<AlipaySimTrade>): Record<string, unknown> {
  const t = trade.data;
  return {
    provider: PROVIDER,
    app_id: t.app_id,
    out_trade_no: t.out_trade_no,
    trade_no: t.trade_no,
    method: t.method,
    product_code: t.product_code,
    state: t.trade_status,
    trade_status: t.trade_status,
    buyer_opened: t.buyer_opened,
    close_reason: t.close_reason,
    failed_attempts: t.failed_attempts ?? [],
    currency: 'CNY',
    amount: t.total_fen,
    total_amount: yuan(t.total_fen),
    amount_refunded: t.refunded_fen,
    subject: t.subject,
    body: t.body,
    notify_url: t.notify_url,
    return_url: t.return_url,
    quit_url: t.quit_url,
    buyer_url:
      t.method === 'alipay.trade.precreate'
        ? qrUrl(publicUrl, trade.buyerToken)
        : cashierUrl(publicUrl, trade.buyerToken),
    buyer_logon_id: t.buyer_logon_id,
    created_at: t.gmt_create,
    paid_at: t.gmt_payment,
    closed_at: t.gmt_close,
    closes_at: trade.closesAt?.toISOString() ?? null,
    auto_pay_at: trade.autoPayAt?.toISOString() ?? null,
    refunds: t.refunds.map((r) => ({
      out_request_no: r.out_request_no,
      amount: r.refund_fen,
      refund_amount: yuan(r.refund_fen),
      reason: r.refund_reason,
      created_at: r.gmt_refund_pay,
    })),
  };
}
