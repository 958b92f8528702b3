import { z } from 'zod';

// UnionPay's ACP 5.1.0 wire format, named as UnionPay names it. Every value on the wire is a string.
// Reference (gateway payment product, "网关支付"): https://open.unionpay.com/tjweb/acproduct/APIList?apiservId=448
// consume (frontTransReq), refund (backTransReq, acpAPIId=755), transaction query (queryTrans,
// acpAPIId=757), and the response code list: https://open.unionpay.com/ajweb/help/respCode/respCodeList

export const UNIONPAY_VERSION = '5.1.0';
export const UNIONPAY_ENCODING = 'UTF-8';
/** RSA certificate signature (see unionpay.signature.ts); 11 and 12 are hash schemes for other products. */
export const UNIONPAY_SIGN_METHOD = '01';
/** ISO 4217 numeric code of CNY. */
export const UNIONPAY_CNY = '156';

/** `txnType`: 01 consume, 04 refund (退货), 00 query, 76 file transfer. */
export type UnionpayTxnType = '01' | '04' | '00' | '76';
/** `channelType`: 07 internet (PC), 08 mobile. */
export type UnionpayChannelType = '07' | '08';

/** Fields every request carries before it is signed. */
export interface UnionpaySignedRequest {
  version: typeof UNIONPAY_VERSION;
  encoding: typeof UNIONPAY_ENCODING;
  signMethod: typeof UNIONPAY_SIGN_METHOD;
  /** The signing certificate's serial number in decimal. */
  certId: string;
  /** 0: the merchant connects directly. */
  accessType: '0';
  merId: string;
}

/** …and those of every request about one transaction. */
interface UnionpayCommonRequest extends UnionpaySignedRequest {
  /** 8–40 letters and digits; merId + orderId + txnTime identify a transaction. */
  orderId: string;
  /** When the order was sent, `yyyyMMddHHmmss`, China time. */
  txnTime: string;
}

/** The consume request the shopper's browser carries to frontTransReq.do. */
export interface UnionpayFrontConsumeRequest extends UnionpayCommonRequest {
  txnType: '01';
  txnSubType: '01';
  /** 000201: B2C gateway payment. */
  bizType: '000201';
  channelType: UnionpayChannelType;
  /** Fen, digits only. */
  txnAmt: string;
  currencyCode: typeof UNIONPAY_CNY;
  backUrl: string;
  frontUrl?: string;
  /** `yyyyMMddHHmmss`, China time: after it UnionPay refuses to take the payment. */
  payTimeout: string;
}

/** The refund (退货) request to backTransReq.do. */
export interface UnionpayRefundRequest extends UnionpayCommonRequest {
  txnType: '04';
  txnSubType: '00';
  bizType: '000201';
  channelType: UnionpayChannelType;
  txnAmt: string;
  backUrl: string;
  /** The `queryId` of the consume being refunded. */
  origQryId: string;
  /** Returned as sent in the answer and the notification: we put the consume's orderId here. */
  reqReserved?: string;
}

/** The transaction status query to queryTrans.do. */
export interface UnionpayQueryRequest extends UnionpayCommonRequest {
  txnType: '00';
  txnSubType: '00';
  bizType: '000000';
}

/**
 * A query by UnionPay's number for the transaction instead of orderId + txnTime ("orderId +
 * txnTime、queryId二者必送其一"; txnSubType 02 流水号查询):
 * https://open.unionpay.com/tjweb/acproduct/APIList?acpAPIId=901&apiservId=455&version=V2.4&bussType=0
 */
export interface UnionpayQueryByIdRequest extends UnionpaySignedRequest {
  txnType: '00';
  txnSubType: '02';
  bizType: '000000';
  queryId: string;
}

/**
 * The file transfer (文件传输类交易) asking for the merchant's statement of one day:
 * https://open.unionpay.com/tjweb/acproduct/APIList?acpAPIId=791
 */
export interface UnionpayFileTransferRequest extends UnionpaySignedRequest {
  txnType: '76';
  /** 01: 对账文件下载. */
  txnSubType: '01';
  bizType: '000000';
  /** When the request was sent, `yyyyMMddHHmmss`, China time. */
  txnTime: string;
  /** 00: the merchant's statement (商户对账文件). */
  fileType: '00';
  /** The day, `MMDD`: UnionPay's settlement day carries no year. */
  settleDate: string;
}

/** What every signed answer and notification carries (after its signature was verified). */
const signedMessage = {
  version: z.string(),
  signMethod: z.string(),
  signPubKeyCert: z.string(),
  signature: z.string(),
  respCode: z.string(),
  respMsg: z.string().optional(),
  merId: z.string().optional(),
  orderId: z.string().optional(),
  txnTime: z.string().optional(),
  txnType: z.string().optional(),
  txnSubType: z.string().optional(),
};

/** queryTrans.do's answer; orig* describe the queried transaction. */
export const unionpayQueryResponseSchema = z.looseObject({
  ...signedMessage,
  origRespCode: z.string().optional(),
  origRespMsg: z.string().optional(),
  queryId: z.string().optional(),
  txnAmt: z.string().optional(),
  traceNo: z.string().optional(),
  /** `MMddHHmmss`, China time, when the card was charged. */
  traceTime: z.string().optional(),
  settleAmt: z.string().optional(),
  settleDate: z.string().optional(),
  reqReserved: z.string().optional(),
});
export type UnionpayQueryResponse = z.infer<typeof unionpayQueryResponseSchema>;

/** backTransReq.do's answer: respCode 00 means accepted; the refund settles later. */
export const unionpayBackTransResponseSchema = z.looseObject({
  ...signedMessage,
  queryId: z.string().optional(),
  txnAmt: z.string().optional(),
  origQryId: z.string().optional(),
  reqReserved: z.string().optional(),
});
export type UnionpayBackTransResponse = z.infer<typeof unionpayBackTransResponseSchema>;

/** The file transfer's answer: respCode 00 with the zipped files, or 98 when the day has none. */
export const unionpayFileTransferResponseSchema = z.looseObject({
  ...signedMessage,
  settleDate: z.string().optional(),
  fileType: z.string().optional(),
  /** The zip's name, e.g. `777290058110048_20261121.zip`. */
  fileName: z.string().optional(),
  /** base64 of the zip, DEFLATE-compressed (zlib wrapper). */
  fileContent: z.string().optional(),
});
export type UnionpayFileTransferResponse = z.infer<typeof unionpayFileTransferResponseSchema>;

/** The form UnionPay posts to backUrl (and the browser carries to frontUrl). */
export const unionpayNotificationSchema = z.looseObject({
  ...signedMessage,
  merId: z.string(),
  orderId: z.string(),
  txnTime: z.string(),
  txnType: z.string(),
  txnAmt: z.string(),
  queryId: z.string().optional(),
  origQryId: z.string().optional(),
  traceNo: z.string().optional(),
  traceTime: z.string().optional(),
  settleDate: z.string().optional(),
  reqReserved: z.string().optional(),
});
export type UnionpayNotification = z.infer<typeof unionpayNotificationSchema>;
