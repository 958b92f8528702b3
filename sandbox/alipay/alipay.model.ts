import { toDecimalString } from '../../domain/money';

/** The simulator's name in the control API, its routes (`/alipay`) and its rows. */
export const PROVIDER = 'alipay';

/** The keys and ids the simulated Alipay keeps for one app (the merchant's private key is not among them). */
export interface AlipaySandboxSecrets {
  app_id: string;
  /** The merchant's partner id (PID), `2088…`, sent as `seller_id`. */
  seller_id: string;
  merchant_public_key: string;
  platform_private_key: string;
  platform_public_key: string;
}

export type AlipayTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

/** The API that created the trade. */
export type AlipayTradeMethod = 'alipay.trade.precreate' | 'alipay.trade.page.pay' | 'alipay.trade.wap.pay';

export type AlipayCloseReason = 'merchant' | 'expired' | 'refunded';

export interface AlipaySimRefund {
  out_request_no: string;
  refund_fen: number;
  refund_reason: string | null;
  /** ISO 8601. */
  gmt_refund_pay: string;
}

/** The simulator's record of one trade (the `data` of its `sandbox_trades` row). Times are ISO 8601. */
export interface AlipaySimTrade {
  app_id: string;
  out_trade_no: string;
  trade_no: string;
  method: AlipayTradeMethod;
  product_code: string | null;
  subject: string;
  body: string | null;
  total_fen: number;
  notify_url: string | null;
  return_url: string | null;
  quit_url: string | null;
  trade_status: AlipayTradeStatus;
  /**
   * Whether the buyer reached the trade: a precreated order only becomes a trade when the
   * buyer scans its QR code; until then query and close answer ACQ.TRADE_NOT_EXIST.
   */
  buyer_opened: boolean;
  buyer_id: string | null;
  buyer_logon_id: string | null;
  gmt_create: string;
  gmt_payment: string | null;
  gmt_close: string | null;
  close_reason: AlipayCloseReason | null;
  /**
   * Payment attempts that failed (`outcome: fail`). Alipay has no failed trade status: the
   * buyer is told at the cashier, the trade stays WAIT_BUYER_PAY and nobody is notified.
   */
  failed_attempts: string[];
  refunds: AlipaySimRefund[];
  refunded_fen: number;
}

export const yuan = (fen: number): string => toDecimalString(fen, 'CNY');

/** The inner object of a successful answer: code and msg first, as Alipay orders them. */
export function success(fields: Record<string, unknown>): Record<string, unknown> {
  return { code: '10000', msg: 'Success', ...fields };
}

/** A business failure (code 40004) with Alipay's sub_code. https://opendocs.alipay.com/common/02km9f */
export function businessFailed(
  subCode: string,
  subMsg: string,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg, ...fields };
}

export function missingArgument(subCode: string, subMsg: string): Record<string, unknown> {
  return { code: '40001', msg: 'Missing Required Arguments', sub_code: subCode, sub_msg: subMsg };
}

export function invalidArgument(subCode: string, subMsg: string): Record<string, unknown> {
  return { code: '40002', msg: 'Invalid Arguments', sub_code: subCode, sub_msg: subMsg };
}

export function systemError(): Record<string, unknown> {
  return { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: '系统繁忙' };
}

export function invalidParameter(detail: string): Record<string, unknown> {
  return businessFailed('ACQ.INVALID_PARAMETER', `参数无效: ${detail}`);
}

export const TRADE_NOT_EXIST = (outTradeNo: string | undefined): Record<string, unknown> =>
  businessFailed('ACQ.TRADE_NOT_EXIST', '交易不存在', outTradeNo ? { out_trade_no: outTradeNo } : {});

export const isPaid = (trade: AlipaySimTrade): boolean => trade.gmt_payment !== null;
