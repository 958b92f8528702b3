import { z } from 'zod';

// WeChat Pay APIv3's wire format, named as WeChat names it. The schemas check what the gateway
// answers (after wechatpay-axios-plugin verified its signature) and what the notifications carry
// once decrypted; unknown fields pass through.
// Reference (APIv3 wiki, the pages wechatpay-node-v3 links for each call):
// https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_4_1.shtml (Native order),
// chapter3_1_1 (JSAPI order), chapter3_3_1 (H5 order), chapter3_3_2 (query), chapter3_3_3 (close),
// chapter3_3_5 (payment notification), chapter3_2_9 (refund), chapter3_2_10 (refund query).

/** `trade_state` of a transaction. https://pay.weixin.qq.com/doc/v3/merchant/4013070356 */
export const WECHATPAY_TRADE_STATES = [
  'SUCCESS',
  'REFUND',
  'NOTPAY',
  'CLOSED',
  'REVOKED',
  'USERPAYING',
  'PAYERROR',
] as const;
export type WechatpayTradeState = (typeof WECHATPAY_TRADE_STATES)[number];

/** `status` of a refund (`refund_status` in refund notifications). https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_2_10.shtml */
export const WECHATPAY_REFUND_STATUSES = ['SUCCESS', 'CLOSED', 'PROCESSING', 'ABNORMAL'] as const;
export type WechatpayRefundStatus = (typeof WECHATPAY_REFUND_STATUSES)[number];

/** The notifications the adapter understands; `event_type` of the envelope. */
export const WECHATPAY_EVENT_TYPES = [
  'TRANSACTION.SUCCESS',
  'REFUND.SUCCESS',
  'REFUND.ABNORMAL',
  'REFUND.CLOSED',
] as const;
export type WechatpayEventType = (typeof WECHATPAY_EVENT_TYPES)[number];

/** Every error answer: `{"code":"PARAM_ERROR","message":"…","detail":{…}}`. https://pay.weixin.qq.com/doc/v3/merchant/4012556398 */
export const wechatpayErrorBodySchema = z.looseObject({
  code: z.string(),
  message: z.string().optional(),
  detail: z.unknown().optional(),
});
export type WechatpayErrorBody = z.infer<typeof wechatpayErrorBodySchema>;

export const wechatpayNativePrepayResponseSchema = z.looseObject({ code_url: z.string().min(1) });
export type WechatpayNativePrepayResponse = z.infer<typeof wechatpayNativePrepayResponseSchema>;

export const wechatpayJsapiPrepayResponseSchema = z.looseObject({ prepay_id: z.string().min(1) });
export type WechatpayJsapiPrepayResponse = z.infer<typeof wechatpayJsapiPrepayResponseSchema>;

export const wechatpayH5PrepayResponseSchema = z.looseObject({ h5_url: z.string().min(1) });
export type WechatpayH5PrepayResponse = z.infer<typeof wechatpayH5PrepayResponseSchema>;

/**
 * A transaction, as the query answers it and as TRANSACTION.SUCCESS carries it (decrypted).
 * `transaction_id`, `success_time` and `payer` appear once the shopper paid.
 */
export const wechatpayTransactionSchema = z.looseObject({
  appid: z.string().optional(),
  mchid: z.string(),
  out_trade_no: z.string(),
  transaction_id: z.string().optional(),
  trade_type: z.string().optional(),
  trade_state: z.enum(WECHATPAY_TRADE_STATES),
  trade_state_desc: z.string().optional(),
  bank_type: z.string().optional(),
  attach: z.string().optional(),
  /** RFC 3339 with an offset, e.g. `2018-06-08T10:34:56+08:00`. */
  success_time: z.string().optional(),
  payer: z.looseObject({ openid: z.string().optional() }).optional(),
  amount: z
    .looseObject({
      /** Fen. */
      total: z.int().min(0).optional(),
      payer_total: z.int().min(0).optional(),
      currency: z.string().optional(),
      payer_currency: z.string().optional(),
    })
    .optional(),
});
export type WechatpayTransaction = z.infer<typeof wechatpayTransactionSchema>;

const refundAmountSchema = z.looseObject({
  /** The payment's total, fen. */
  total: z.int().min(0),
  /** This refund, fen. */
  refund: z.int().min(0),
  payer_total: z.int().min(0).optional(),
  payer_refund: z.int().min(0).optional(),
  currency: z.string().optional(),
});

/** What the refund request and the refund query answer. */
export const wechatpayRefundSchema = z.looseObject({
  refund_id: z.string(),
  out_refund_no: z.string(),
  transaction_id: z.string().optional(),
  out_trade_no: z.string(),
  channel: z.string().optional(),
  user_received_account: z.string().optional(),
  success_time: z.string().optional(),
  create_time: z.string().optional(),
  status: z.enum(WECHATPAY_REFUND_STATUSES),
  amount: refundAmountSchema,
});
export type WechatpayRefund = z.infer<typeof wechatpayRefundSchema>;

/** A refund notification's resource, decrypted: the status is `refund_status` here. */
export const wechatpayRefundNotificationResourceSchema = z.looseObject({
  mchid: z.string(),
  out_trade_no: z.string(),
  transaction_id: z.string().optional(),
  out_refund_no: z.string(),
  refund_id: z.string(),
  refund_status: z.enum(WECHATPAY_REFUND_STATUSES),
  success_time: z.string().optional(),
  user_received_account: z.string().optional(),
  amount: refundAmountSchema,
});
export type WechatpayRefundNotificationResource = z.infer<typeof wechatpayRefundNotificationResourceSchema>;

/** The encrypted `resource` of a notification (and of a certificate in /v3/certificates). */
export const wechatpayEncryptedResourceSchema = z.looseObject({
  algorithm: z.string(),
  ciphertext: z.string(),
  associated_data: z.string().optional(),
  original_type: z.string().optional(),
  nonce: z.string(),
});
export type WechatpayEncryptedResource = z.infer<typeof wechatpayEncryptedResourceSchema>;

/** The JSON WeChat posts to notify_url. https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_3_5.shtml */
export const wechatpayNotificationSchema = z.looseObject({
  id: z.string(),
  create_time: z.string(),
  event_type: z.string(),
  resource_type: z.string(),
  summary: z.string().optional(),
  resource: wechatpayEncryptedResourceSchema,
});
export type WechatpayNotification = z.infer<typeof wechatpayNotificationSchema>;

/**
 * The answer of GET /v3/bill/tradebill: where to download the day's bill, and the SHA1 it must
 * have (the download itself is not signed). https://pay.weixin.qq.com/doc/v3/merchant/4012556654
 */
export const wechatpayTradeBillSchema = z.looseObject({
  hash_type: z.literal('SHA1'),
  hash_value: z.string().regex(/^[0-9a-fA-F]{40}$/, 'a SHA1 in hex'),
  /** `https://api.mch.weixin.qq.com/v3/billdownload/file?token=…`, valid a few minutes. */
  download_url: z.string().min(1),
});
export type WechatpayTradeBill = z.infer<typeof wechatpayTradeBillSchema>;

/** Body of POST /v3/pay/transactions/{native,jsapi,h5}. */
export interface WechatpayPrepayRequest {
  appid: string;
  mchid: string;
  description: string;
  out_trade_no: string;
  time_expire: string;
  notify_url: string;
  amount: { total: number; currency: 'CNY' };
  payer?: { openid: string };
  scene_info?: { payer_client_ip: string; h5_info?: { type: 'Wap' } };
}

/** Body of POST /v3/refund/domestic/refunds. */
export interface WechatpayRefundRequest {
  out_trade_no: string;
  out_refund_no: string;
  reason?: string;
  notify_url: string;
  amount: { refund: number; total: number; currency: 'CNY' };
}
