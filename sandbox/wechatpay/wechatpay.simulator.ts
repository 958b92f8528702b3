import { tradeDueHandler } from '../auto-pay';
import type { ProviderSimulator, SimulatorContext } from '../simulator';
import type { StoredTrade } from '../trades';
import { WechatpayAccounts } from './wechatpay.accounts';
import { WechatpayApi } from './wechatpay.api';
import { codeUrl, h5Url, jsapiUrl, WechatpayBuyer } from './wechatpay.buyer';
import {
  isPaid,
  PROVIDER,
  refundedTotal,
  TRADE_STATE_DESC,
  wechatpayBaseUrl,
  type WechatpaySimTrade,
} from './wechatpay.model';
import { wechatpayAcknowledges, WechatpayNotifications } from './wechatpay.notifications';
import { WechatOauth } from './wechatpay.oauth';
import { wechatpayRoutes } from './wechatpay.routes';
import { WechatpayTrades } from './wechatpay.trades';

/**
 * WeChat Pay APIv3 for the Native, JSAPI and H5 orders Tongbao uses, refunds, platform
 * certificates, the pages a shopper would see, and WeChat's signed, encrypted notifications.
 * Each concern has its file: accounts (and their signing keys), trades (expiry, refund
 * settlement), notifications, the API's endpoints, the shopper, web OAuth, and the routes.
 */
export function createWechatpaySimulator(context: SimulatorContext): ProviderSimulator {
  const accounts = new WechatpayAccounts(context);
  const notifications = new WechatpayNotifications(context, accounts);
  const trades = new WechatpayTrades(context, notifications);
  const api = new WechatpayApi(context, trades);
  const buyer = new WechatpayBuyer(context, trades, notifications);
  const oauth = new WechatOauth(context);
  return {
    provider: PROVIDER,
    router: wechatpayRoutes({ context, accounts, trades, api, buyer, oauth }),
    createAccount: (options) => accounts.open(options),
    pay: (key, outcome) => buyer.pay(key, outcome),
    settleRefundLate: (key, refund) => trades.settleLate(key, refund),
    onTradeDue: tradeDueHandler(context.trades, (key) => trades.refresh(key), buyer),
    describeTrade: (stored) => describeWechatpayTrade(context.publicUrl, stored as StoredTrade<WechatpaySimTrade>),
    acknowledges: wechatpayAcknowledges,
    notificationHeaders: (attempt) => notifications.headers(attempt),
  };
}

/** An order as `GET /_control/trades/wechatpay/…` shows it. */
function describeWechatpayTrade(publicUrl: string, trade: StoredTrade<WechatpaySimTrade>): Record<string, unknown> {
  const t = trade.data;
  const baseUrl = wechatpayBaseUrl(publicUrl);
  const buyerUrl = { NATIVE: codeUrl, MWEB: h5Url, JSAPI: jsapiUrl }[t.trade_type](baseUrl, t);
  return {
    provider: PROVIDER,
    mchid: t.mchid,
    appid: t.appid,
    out_trade_no: t.out_trade_no,
    transaction_id: t.transaction_id,
    prepay_id: t.prepay_id,
    trade_type: t.trade_type,
    state: t.trade_state,
    trade_state: t.trade_state,
    trade_state_desc: TRADE_STATE_DESC[t.trade_state],
    close_reason: t.close_reason,
    failed_attempts: t.failed_attempts,
    currency: 'CNY',
    amount: t.total,
    amount_refunded: refundedTotal(t),
    description: t.description,
    notify_url: t.notify_url,
    buyer_url: buyerUrl,
    payer_openid: t.payer_openid,
    payer_client_ip: t.payer_client_ip,
    created_at: t.create_time,
    time_expire: t.time_expire,
    paid_at: t.success_time,
    closed_at: t.close_time,
    closes_at: isPaid(t) ? null : (trade.closesAt?.toISOString() ?? null),
    auto_pay_at: trade.autoPayAt?.toISOString() ?? null,
    refunds: t.refunds.map((r) => ({
      out_refund_no: r.out_refund_no,
      refund_id: r.refund_id,
      amount: r.refund,
      status: r.status,
      reason: r.reason,
      notify_url: r.notify_url,
      created_at: r.create_time,
      success_time: r.success_time,
      settles_at: r.status === 'PROCESSING' ? r.settles_at : null,
    })),
  };
}
