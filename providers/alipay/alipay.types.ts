import { z } from 'zod';

// Alipay's wire format, named as Alipay names it. The schemas check what the gateway answers
// (after alipay-sdk verified its signature); unknown fields pass through.
// Reference: https://opendocs.alipay.com/open/02ekfg (precreate), 02ekfh (query), 02ekfi (close),
// 02ekfk (refund), 02ekfl (fastpay.refund.query), 270/105902 (notifications), 02e7gr (bill download URL).

/** https://opendocs.alipay.com/open/02ekfh — `trade_status`. */
export const ALIPAY_TRADE_STATUSES = ['WAIT_BUYER_PAY', 'TRADE_CLOSED', 'TRADE_SUCCESS', 'TRADE_FINISHED'] as const;
export type AlipayTradeStatus = (typeof ALIPAY_TRADE_STATUSES)[number];

/** `refund_status` of alipay.trade.fastpay.refund.query; absent on older answers, which meant success. */
export const ALIPAY_REFUND_STATUSES = ['REFUND_SUCCESS'] as const;
export type AlipayRefundStatus = (typeof ALIPAY_REFUND_STATUSES)[number];

/** Every `<method>_response` has these. https://opendocs.alipay.com/common/02km9f */
const commonResponse = {
  code: z.string(),
  msg: z.string(),
  sub_code: z.string().optional(),
  sub_msg: z.string().optional(),
};

export const alipayTradePrecreateResponseSchema = z.looseObject({
  ...commonResponse,
  out_trade_no: z.string().optional(),
  qr_code: z.string().optional(),
});
export type AlipayTradePrecreateResponse = z.infer<typeof alipayTradePrecreateResponseSchema>;

export const alipayTradeQueryResponseSchema = z.looseObject({
  ...commonResponse,
  trade_no: z.string().optional(),
  out_trade_no: z.string().optional(),
  buyer_logon_id: z.string().optional(),
  trade_status: z.enum(ALIPAY_TRADE_STATUSES).optional(),
  total_amount: z.string().optional(),
  buyer_pay_amount: z.string().optional(),
  receipt_amount: z.string().optional(),
  /** When the money reached the merchant, China time; present once paid. */
  send_pay_date: z.string().optional(),
});
export type AlipayTradeQueryResponse = z.infer<typeof alipayTradeQueryResponseSchema>;

export const alipayTradeCloseResponseSchema = z.looseObject({
  ...commonResponse,
  trade_no: z.string().optional(),
  out_trade_no: z.string().optional(),
});
export type AlipayTradeCloseResponse = z.infer<typeof alipayTradeCloseResponseSchema>;

export const alipayTradeRefundResponseSchema = z.looseObject({
  ...commonResponse,
  trade_no: z.string().optional(),
  out_trade_no: z.string().optional(),
  buyer_logon_id: z.string().optional(),
  /** `Y` when this call moved money; `N` when the refund had already been made (same out_request_no). */
  fund_change: z.enum(['Y', 'N']).optional(),
  /** The trade's refunded total so far, not this refund's amount. */
  refund_fee: z.string().optional(),
  gmt_refund_pay: z.string().optional(),
});
export type AlipayTradeRefundResponse = z.infer<typeof alipayTradeRefundResponseSchema>;

export const alipayTradeFastpayRefundQueryResponseSchema = z.looseObject({
  ...commonResponse,
  trade_no: z.string().optional(),
  out_trade_no: z.string().optional(),
  out_request_no: z.string().optional(),
  total_amount: z.string().optional(),
  refund_amount: z.string().optional(),
  refund_status: z.enum(ALIPAY_REFUND_STATUSES).optional(),
  gmt_refund_pay: z.string().optional(),
});
export type AlipayTradeFastpayRefundQueryResponse = z.infer<typeof alipayTradeFastpayRefundQueryResponseSchema>;

/**
 * alipay.data.dataservice.bill.downloadurl.query. https://opendocs.alipay.com/open/02e7gr
 * `bill_download_url` expires 30 seconds after it is issued.
 */
export const alipayDataDataserviceBillDownloadurlQueryResponseSchema = z.looseObject({
  ...commonResponse,
  bill_download_url: z.string().optional(),
});
export type AlipayDataDataserviceBillDownloadurlQueryResponse = z.infer<
  typeof alipayDataDataserviceBillDownloadurlQueryResponseSchema
>;

/** The form Alipay posts to notify_url (`notify_type=trade_status_sync`). https://opendocs.alipay.com/open/270/105902 */
export const alipayTradeStatusSyncNotificationSchema = z.looseObject({
  notify_time: z.string(),
  notify_type: z.literal('trade_status_sync'),
  notify_id: z.string(),
  app_id: z.string(),
  sign: z.string(),
  trade_no: z.string(),
  out_trade_no: z.string(),
  trade_status: z.enum(ALIPAY_TRADE_STATUSES),
  total_amount: z.string(),
  gmt_payment: z.string().optional(),
  gmt_close: z.string().optional(),
  /** Refund notifications: our out_request_no, the trade's refunded total, when. */
  out_biz_no: z.string().optional(),
  refund_fee: z.string().optional(),
  gmt_refund: z.string().optional(),
});
export type AlipayTradeStatusSyncNotification = z.infer<typeof alipayTradeStatusSyncNotificationSchema>;

/** biz_content of alipay.trade.precreate. */
export interface AlipayTradePrecreateBizContent {
  out_trade_no: string;
  total_amount: string;
  subject: string;
  time_expire: string;
}

/** biz_content of alipay.trade.page.pay and alipay.trade.wap.pay. */
export interface AlipayTradePagePayBizContent {
  out_trade_no: string;
  total_amount: string;
  subject: string;
  product_code: 'FAST_INSTANT_TRADE_PAY' | 'QUICK_WAP_WAY';
  time_expire: string;
  quit_url?: string;
}

/** biz_content of alipay.trade.refund. */
export interface AlipayTradeRefundBizContent {
  out_trade_no: string;
  refund_amount: string;
  out_request_no: string;
  refund_reason?: string;
}

/** biz_content of alipay.data.dataservice.bill.downloadurl.query: `trade` is the bill of the trades Alipay acquired through the APIs. */
export interface AlipayDataDataserviceBillDownloadurlQueryBizContent {
  bill_type: 'trade';
  /** `yyyy-MM-dd` for a day's bill (China time), available from about 09:00 the next day. */
  bill_date: string;
}
