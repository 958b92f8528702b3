import { toDecimalString } from '../../domain/money';

/** The simulator's name in the control API, its routes (`/unionpay`) and its rows. */
export const PROVIDER = 'unionpay';

/** A message's fields, as a form or an answer carries them. */
export type Fields = Record<string, string>;

/** The unsigned answer to a server-to-server request. */
export type Answer = Fields;

/**
 * UnionPay's own keys and certificates, made at the sandbox's first start and kept in
 * `sandbox_accounts` (account_id `platform`): a root CA, a middle CA under it, and the signing
 * certificate under the middle CA with which "UnionPay" signs every answer and notification, for
 * every merchant alike. Merchants' certificates come from the middle CA too.
 */
export interface UnionpayPlatformSecrets {
  root_cert: string;
  root_key: string;
  middle_cert: string;
  middle_key: string;
  sign_cert: string;
  sign_key: string;
}

/** The `sandbox_accounts` id under which the platform's secrets are kept (merIds are 15 characters). */
export const PLATFORM_ACCOUNT_ID = 'platform';

/** What the simulated UnionPay keeps for one merchant: its merId and the certificate it signs with (not the key). */
export interface UnionpayMerchantSecrets {
  mer_id: string;
  /** The merchant certificate's serial number, decimal: requests must name it as certId. */
  cert_id: string;
  cert_pem: string;
}

/** A consume's life in the simulator. UnionPay records an order only once the shopper's browser submits it. */
export type UnionpayConsumeState = 'UNPAID' | 'PAID' | 'FAILED' | 'EXPIRED';

export type UnionpayRefundState = 'PENDING' | 'SUCCEEDED';

export interface UnionpaySimRefund {
  order_id: string;
  txn_time: string;
  txn_amt: number;
  query_id: string;
  back_url: string;
  req_reserved: string | null;
  state: UnionpayRefundState;
  /** ISO 8601. */
  created_at: string;
  settled_at: string | null;
  trace_no: string | null;
  trace_time: string | null;
}

/** The simulator's record of a consume (the `data` of its `sandbox_trades` row, keyed by orderId). */
export interface UnionpaySimConsume {
  kind: 'consume';
  mer_id: string;
  order_id: string;
  txn_time: string;
  txn_amt: number;
  channel_type: string;
  back_url: string;
  front_url: string | null;
  pay_timeout: string | null;
  req_reserved: string | null;
  state: UnionpayConsumeState;
  /** UnionPay's number for the transaction, given when it is attempted; refunds name it as origQryId. */
  query_id: string | null;
  trace_no: string | null;
  /** `MMddHHmmss`, China time. */
  trace_time: string | null;
  settle_date: string | null;
  /** The card, masked as UnionPay returns it. */
  acc_no: string | null;
  /** The respCode of the attempt, once there was one. */
  orig_resp_code: string | null;
  created_at: string;
  paid_at: string | null;
  failed_at: string | null;
  closed_at: string | null;
  refunds: UnionpaySimRefund[];
  /** Refunds accepted, settled or not. */
  refunded_fen: number;
}

/**
 * A refund's own row, keyed by its orderId, so that queryTrans finds it the way it finds a
 * consume. It points at the consume that holds the refund; its closes_at is when it settles.
 */
export interface UnionpaySimRefundRef {
  kind: 'refund';
  mer_id: string;
  order_id: string;
  consume_order_id: string;
}

export type UnionpaySimRecord = UnionpaySimConsume | UnionpaySimRefundRef;

/** respMsg texts, as UnionPay words them (ACP 5.1.0 appendix; https://open.unionpay.com/ajweb/help/respCode/respCodeList). */
export const RESP_MSG: Record<string, string> = {
  '00': '成功[0000000]',
  '06': '系统繁忙，请稍后再试[0000006]',
  '10': '报文格式错误',
  '11': '验证签名失败',
  '12': '重复交易',
  '13': '报文交易要素缺失',
  '31': '商户状态不正确',
  '32': '无此交易权限',
  '33': '交易金额超限',
  '34': '查无此交易[2600000]',
  '35': '原交易不存在或状态不正确',
  '60': '交易失败，详情请咨询您的发卡行',
  '61': '输入的卡号无效，请确认后输入',
  '98': '文件不存在',
};

/** A refused request: respCode and the detail that goes after UnionPay's message. */
export interface GatewayRefusal {
  respCode: string;
  detail?: string;
}

export const respMsgOf = (refusal: GatewayRefusal): string =>
  `${RESP_MSG[refusal.respCode] ?? '交易失败'}${refusal.detail ? `: ${refusal.detail}` : ''}`;

/** An answer's common fields: the request's own, echoed, and UnionPay's respCode. */
export function answerFields(
  request: Fields,
  respCode: string,
  detail: string | undefined,
  extra: Fields = {},
): Answer {
  const echo: Fields = {};
  for (const name of [
    'bizType',
    'txnType',
    'txnSubType',
    'accessType',
    'merId',
    'orderId',
    'txnTime',
    'reqReserved',
  ] as const) {
    if (request[name]) echo[name] = request[name];
  }
  return {
    version: '5.1.0',
    encoding: 'UTF-8',
    signMethod: '01',
    ...echo,
    respCode,
    respMsg: respMsgOf({ respCode, detail }),
    ...extra,
  };
}

export const yuan = (fen: number): string => toDecimalString(fen, 'CNY');
