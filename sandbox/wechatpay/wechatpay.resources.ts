import { isPaid, TRADE_STATE_DESC, type WechatpaySimRefund, type WechatpaySimTrade } from './wechatpay.model';
import { formatWechatTime } from './wechatpay.signature';

// The transaction and the refund as WeChat's JSON shows them: in query answers, and (encrypted)
// in notifications.

/** The transaction as the query answers it (and TRANSACTION.SUCCESS carries it). */
export function transactionJson(t: WechatpaySimTrade): Record<string, unknown> {
  const paid = isPaid(t);
  return {
    appid: t.appid,
    mchid: t.mchid,
    out_trade_no: t.out_trade_no,
    ...(t.transaction_id ? { transaction_id: t.transaction_id } : {}),
    ...(paid ? { trade_type: t.trade_type, bank_type: 'OTHERS' } : {}),
    trade_state: t.trade_state,
    trade_state_desc: TRADE_STATE_DESC[t.trade_state],
    attach: t.attach ?? '',
    ...(t.success_time ? { success_time: formatWechatTime(new Date(t.success_time)) } : {}),
    ...(paid && t.payer_openid ? { payer: { openid: t.payer_openid } } : {}),
    amount: paid
      ? { total: t.total, payer_total: t.total, currency: 'CNY', payer_currency: 'CNY' }
      : { total: t.total, currency: 'CNY', payer_currency: 'CNY' },
    promotion_detail: [],
  };
}

/** A refund as the refund API and its query answer it. */
export function refundJson(t: WechatpaySimTrade, r: WechatpaySimRefund): Record<string, unknown> {
  return {
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: t.transaction_id,
    out_trade_no: t.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(r.success_time ? { success_time: formatWechatTime(new Date(r.success_time)) } : {}),
    create_time: formatWechatTime(new Date(r.create_time)),
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: t.total,
      refund: r.refund,
      from: [],
      payer_total: t.total,
      payer_refund: r.refund,
      settlement_refund: r.refund,
      settlement_total: t.total,
      discount_refund: 0,
      currency: 'CNY',
      refund_fee: 0,
    },
    promotion_detail: [],
  };
}
