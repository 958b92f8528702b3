/** The simulator's name in the control API, its routes (`/wechatpay`) and its rows. */
export const PROVIDER = 'wechatpay';

/** Where the simulator is mounted: APIv3 under `<it>/v3`, the shopper's pages beside it. */
export const wechatpayBaseUrl = (publicUrl: string): string => `${publicUrl}/wechatpay`;

/** Which of WeChat Pay's verification modes an account is in. */
export type WechatpayVerificationMode =
  /** WeChat Pay public key (`PUB_KEY_ID_…`): the default for merchants since 2024. */
  | 'public_key'
  /** Platform certificates, downloaded from /v3/certificates. */
  | 'platform_certificate'
  /** Switching from the certificate to the public key: notifications come signed by either. */
  | 'both';

/** One key pair WeChat signs with for an account. */
export interface WechatpaySigningKey {
  kind: 'public_key' | 'platform_certificate';
  /** `PUB_KEY_ID_…`, or the certificate's serial (upper-case hex). */
  serial: string;
  private_key: string;
  public_key: string;
  /** PEM, for platform certificates. */
  certificate: string | null;
  effective_time: string;
  expire_time: string | null;
}

/** The keys and ids the simulated WeChat Pay keeps for one merchant (the merchant's private key is not among them). */
export interface WechatpaySandboxSecrets {
  mchid: string;
  appid: string;
  merchant_serial_no: string;
  /** Checks the signature of the merchant's requests and of JSAPI paySign. */
  merchant_public_key: string;
  api_v3_key: string;
  /**
   * SHA-256 (hex) of the 公众号's AppSecret, which the merchant got once, in the account's answer:
   * all `/sns/oauth2/access_token` needs is to recognise it. Absent for accounts opened before the
   * sandbox had web OAuth; their exchanges answer 40125 invalid appsecret.
   */
  app_secret_sha256?: string;
  verification: WechatpayVerificationMode;
  /** The public key first when there is one; the certificate signs answers to requests that name no key. */
  signing_keys: WechatpaySigningKey[];
}

export const WECHATPAY_SIM_TRADE_STATES = ['NOTPAY', 'USERPAYING', 'SUCCESS', 'REFUND', 'PAYERROR', 'CLOSED'] as const;
export type WechatpaySimTradeState = (typeof WECHATPAY_SIM_TRADE_STATES)[number];

export type WechatpayTradeType = 'NATIVE' | 'JSAPI' | 'MWEB';

export type WechatpayCloseReason = 'merchant' | 'expired';

export type WechatpaySimRefundStatus = 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';

export interface WechatpaySimRefund {
  out_refund_no: string;
  refund_id: string;
  /** Fen. */
  refund: number;
  reason: string | null;
  notify_url: string | null;
  status: WechatpaySimRefundStatus;
  create_time: string;
  success_time: string | null;
  /** When a PROCESSING refund settles (ISO 8601). */
  settles_at: string | null;
  /** How it settles: SUCCESS, or ABNORMAL under the `refunds: abnormal` fault; absent in older records (SUCCESS). */
  settles_as?: 'SUCCESS' | 'ABNORMAL';
}

/** The simulator's record of one order (the `data` of its `sandbox_trades` row). Times are ISO 8601. */
export interface WechatpaySimTrade {
  mchid: string;
  appid: string;
  out_trade_no: string;
  trade_type: WechatpayTradeType;
  /** Also the buyer pages' token. */
  prepay_id: string;
  /** WeChat's order number, given when the shopper pays. */
  transaction_id: string | null;
  description: string;
  attach: string | null;
  /** Fen. */
  total: number;
  notify_url: string;
  payer_openid: string | null;
  payer_client_ip: string | null;
  h5_type: string | null;
  trade_state: WechatpaySimTradeState;
  create_time: string;
  time_expire: string;
  success_time: string | null;
  close_time: string | null;
  close_reason: WechatpayCloseReason | null;
  failed_attempts: string[];
  refunds: WechatpaySimRefund[];
  /**
   * `refund:<out_refund_no>` → out_refund_no, one per refund: the refund query names only the
   * refund, and the trade store finds trades by a top-level field of this record.
   */
  [refundIndex: `refund:${string}`]: string;
}

export const TRADE_STATE_DESC: Record<WechatpaySimTradeState, string> = {
  NOTPAY: '订单未支付',
  USERPAYING: '用户支付中',
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  PAYERROR: '支付失败，请重新下单支付',
  CLOSED: '订单已关闭',
};

export const isPaid = (trade: WechatpaySimTrade): boolean => trade.success_time !== null;

/** Fen refunded or being refunded: every refund but the closed ones counts against the total. */
export const refundedTotal = (trade: WechatpaySimTrade): number =>
  trade.refunds.filter((r) => r.status !== 'CLOSED').reduce((sum, r) => sum + r.refund, 0);

/** An APIv3 answer before it is signed: status and JSON body (null for 204). */
export interface ApiAnswer {
  status: number;
  body: Record<string, unknown> | null;
  /** A downloaded file (a bill), written as is and, as WeChat does, without a signature; `body` is then null. */
  file?: { contentType: string; bytes: Buffer };
}

export const ok = (body: Record<string, unknown>): ApiAnswer => ({ status: 200, body });
export const noContent = (): ApiAnswer => ({ status: 204, body: null });

/** An error answer: `{"code","message"}`, with `detail` for parameter errors. https://pay.weixin.qq.com/doc/v3/merchant/4012556398 */
export function apiError(status: number, code: string, message: string, detail?: Record<string, unknown>): ApiAnswer {
  return { status, body: detail ? { code, message, detail } : { code, message } };
}

/** PARAM_ERROR naming the field as WeChat does (`/amount/total`, in the body). */
export function paramError(field: string, issue: string, location: 'body' | 'path' | 'query' = 'body'): ApiAnswer {
  return apiError(400, 'PARAM_ERROR', `输入源“/${location}${field}”映射到字段校验失败: ${issue}`, {
    field,
    location,
    issue,
  });
}

export const systemError = (): ApiAnswer => apiError(500, 'SYSTEM_ERROR', '系统异常，请稍后重试');
export const orderNotExist = (): ApiAnswer => apiError(404, 'ORDER_NOT_EXIST', '订单不存在');
