import { Wechatpay } from 'wechatpay-axios-plugin';
import type { z } from 'zod';
import { assertNever } from '../../domain/assert-never';
import type { Channel } from '../../domain/payment';
import { NotificationRejectedError, ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type {
  CloseResult,
  CreatePaymentInput,
  CreatePaymentResult,
  NotificationAck,
  PaymentProvider,
  ProviderEnvironment,
  ProviderOrderRef,
  ProviderRefundRef,
  RawNotification,
  RefundInput,
  StatementEntry,
  VerifiedNotification,
} from '../provider';
import type { ProviderRefund, ProviderTrade } from '../../domain/provider-reports';
import type { ProviderAccount } from '../../domain/provider-account';
import { refundNotFound, tradeNotFound } from '../not-found';
import { describeFirstIssue } from '../wire-issues';
import { wechatpayClientConfig } from './wechatpay.config';
import {
  decryptWechatpayResource,
  jsapiPaySign,
  randomNonce,
  verifyWechatpaySignature,
  wechatpaySignedMessage,
  WechatpayDecryptionError,
} from './wechatpay.crypto';
import { classifyWechatpayFailure, failureFromPluginError, type WechatpayFailure } from './wechatpay.errors';
import {
  amountToWechatpay,
  fromWechatpayTime,
  refundFromWechatpay,
  toWechatpayTime,
  tradeStatusFromWechatpay,
} from './wechatpay.mapping';
import { parseWechatpayTradeBill, wechatpayBillDigest, WechatpayBillFormatError } from './wechatpay.statement';
import {
  wechatpayH5PrepayResponseSchema,
  wechatpayJsapiPrepayResponseSchema,
  wechatpayNativePrepayResponseSchema,
  wechatpayNotificationSchema,
  wechatpayRefundNotificationResourceSchema,
  wechatpayRefundSchema,
  wechatpayTradeBillSchema,
  wechatpayTransactionSchema,
  type WechatpayPrepayRequest,
  type WechatpayRefundRequest,
  type WechatpayTransaction,
} from './wechatpay.types';

const CHANNELS = ['wechat_native', 'wechat_jsapi', 'wechat_h5'] as const satisfies readonly Channel[];

export interface WechatpayProviderOptions {
  /** Per-call timeout; 10 s unless told. */
  timeoutMs?: number;
  /** Clock for the notification freshness check (tests). */
  now?: () => Date;
}

/**
 * WeChat refuses notifications older than this on its side of the same rule; we refuse theirs.
 * https://wechatpay-api.gitbook.io/wechatpay-api-v3 (验证签名: 检查时间戳, 5 分钟)
 */
const NOTIFICATION_MAX_SKEW_SECONDS = 300;

/** WeChat's `description` takes 127 characters. https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_4_1.shtml */
const DESCRIPTION_MAX = 127;
/** A refund's `reason` takes 80 characters. https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_2_9.shtml */
const REFUND_REASON_MAX = 80;

/** Where WeChat's bill download lives; the plugin skips verifying a signature only for this path. */
const BILL_DOWNLOAD_PATH = 'v3/billdownload/file';

/** Codes meaning "no such order / refund" (v3 spelling, the older one, and the refund APIs'). */
const NOT_FOUND_CODES = ['ORDER_NOT_EXIST', 'ORDERNOTEXIST', 'RESOURCE_NOT_EXISTS'];
const ALREADY_PAID_CODES = ['ORDER_PAID', 'ORDERPAID'];

type Operation = { name: string; method: 'GET' | 'POST'; url: string; params?: Record<string, string>; data?: object };

/** The adapter for one WeChat Pay merchant (mchid), on wechatpay-axios-plugin: every answer's signature verified. */
export function createWechatpayProvider(
  account: ProviderAccount,
  env: ProviderEnvironment,
  options: WechatpayProviderOptions = {},
): PaymentProvider {
  const config = wechatpayClientConfig(account, env);
  const now = options.now ?? (() => new Date());
  const wxpay = new Wechatpay({
    mchid: config.mchid,
    serial: config.merchantSerialNo,
    privateKey: config.merchantPrivateKeyPem,
    certs: Object.fromEntries(config.verificationKeys),
    baseURL: config.baseUrl,
    timeout: options.timeoutMs ?? 10_000,
  });
  const http = wxpay.client.v3;

  /** One APIv3 call; a 2xx answer's signature was verified by the plugin, anything else becomes a WechatpayFailure. */
  async function send(
    operation: Operation,
  ): Promise<{ ok: true; status: number; data: unknown } | { ok: false; failure: WechatpayFailure }> {
    try {
      const response = await http.request({
        method: operation.method,
        url: operation.url,
        params: operation.params,
        data: operation.data,
        // During a switch to the WeChat Pay public key, WeChat signs its answer with the key the
        // request names. https://pay.weixin.qq.com/doc/v3/partner/4012925289
        headers: { 'Wechatpay-Serial': config.preferredSerial, Accept: 'application/json' },
      });
      return { ok: true, status: response.status, data: response.data as unknown };
    } catch (error) {
      return { ok: false, failure: failureFromPluginError(error) };
    }
  }

  async function call<S extends z.ZodType>(operation: Operation, schema: S): Promise<z.infer<S>> {
    const answer = await send(operation);
    if (!answer.ok) throw classifyWechatpayFailure(answer.failure, operation.name);
    return parse(operation.name, schema, answer.data);
  }

  function parse<S extends z.ZodType>(name: string, schema: S, data: unknown): z.infer<S> {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw classifyWechatpayFailure({ kind: 'malformed', message: describeFirstIssue(parsed.error, 'body') }, name);
    }
    return parsed.data;
  }

  const isCode = (failure: WechatpayFailure, codes: readonly string[]) =>
    failure.kind === 'response' && failure.code !== null && codes.includes(failure.code);

  function tradeOf(outTradeNo: string, transaction: WechatpayTransaction): ProviderTrade {
    const status = tradeStatusFromWechatpay(transaction.trade_state);
    return {
      outTradeNo,
      status,
      providerTradeNo: transaction.transaction_id || null,
      amountMinor: transaction.amount?.total ?? null,
      paidAt: fromWechatpayTime(transaction.success_time),
      failureCode: status === 'failed' ? transaction.trade_state : null,
      failureMessage: status === 'failed' ? (transaction.trade_state_desc ?? null) : null,
    };
  }

  // WeChat Pay finds an order by out_trade_no (a refund by out_refund_no) alone: the creation
  // times of ProviderOrderRef and ProviderRefundRef (which UnionPay needs) go unused here.
  async function queryPayment({ outTradeNo }: ProviderOrderRef): Promise<ProviderTrade> {
    const operation: Operation = {
      name: 'query',
      method: 'GET',
      url: `v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}`,
      params: { mchid: config.mchid },
    };
    const answer = await send(operation);
    if (!answer.ok) {
      if (isCode(answer.failure, NOT_FOUND_CODES)) {
        return tradeNotFound(outTradeNo);
      }
      throw classifyWechatpayFailure(answer.failure, operation.name);
    }
    const transaction = parse(operation.name, wechatpayTransactionSchema, answer.data);
    if (transaction.out_trade_no !== outTradeNo || transaction.mchid !== config.mchid) {
      throw classifyWechatpayFailure(
        { kind: 'malformed', message: `answered for ${transaction.mchid}/${transaction.out_trade_no}` },
        operation.name,
      );
    }
    return tradeOf(outTradeNo, transaction);
  }

  /**
   * Downloads a bill from `download_url` and checks it against the SHA1 of the signed answer that
   * gave the URL: WeChat does not sign downloads. https://pay.weixin.qq.com/doc/v3/merchant/4013071254
   */
  async function downloadBill(name: string, downloadUrl: string, sha1: string): Promise<Buffer> {
    let url: URL;
    try {
      url = new URL(downloadUrl);
    } catch {
      throw classifyWechatpayFailure({ kind: 'malformed', message: 'download_url is not a URL' }, name);
    }
    if (!url.pathname.endsWith(`/${BILL_DOWNLOAD_PATH}`)) {
      throw classifyWechatpayFailure(
        { kind: 'malformed', message: `download_url's path ${url.pathname} is not /${BILL_DOWNLOAD_PATH}` },
        name,
      );
    }
    let bytes: Buffer;
    try {
      // Sent to the gateway this account is configured with, whatever host download_url names: a
      // signed request goes only where we send the others. The path, not the URL, goes to the
      // plugin, which recognises downloads (and skips the signature they lack) by their path alone.
      const response = await http.request({
        method: 'GET',
        url: BILL_DOWNLOAD_PATH,
        params: Object.fromEntries(url.searchParams),
        responseType: 'arraybuffer',
      });
      bytes = Buffer.from(response.data as ArrayBuffer);
    } catch (error) {
      throw classifyWechatpayFailure(failureFromPluginError(error), name);
    }
    const digest = wechatpayBillDigest(bytes);
    if (digest !== sha1.toLowerCase()) {
      throw classifyWechatpayFailure(
        {
          kind: 'integrity',
          message: `its SHA1 is ${digest}, the signed hash_value ${sha1.toLowerCase()} (${bytes.length} bytes received)`,
        },
        name,
      );
    }
    return bytes;
  }

  async function fetchStatement(date: string): Promise<StatementEntry[]> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw new ProviderInvalidRequestError(`a statement's date is YYYY-MM-DD, not ${JSON.stringify(date)}`);
    const operation: Operation = {
      name: `trade bill of ${date}`,
      method: 'GET',
      url: 'v3/bill/tradebill',
      params: { bill_date: date, bill_type: 'ALL' },
    };
    const answer = await send(operation);
    if (!answer.ok) {
      // WeChat's answer for a day on which the merchant had no payment and no refund.
      // https://pay.weixin.qq.com/doc/v3/merchant/4013071254
      if (isCode(answer.failure, ['NO_STATEMENT_EXIST'])) return [];
      throw classifyWechatpayFailure(answer.failure, operation.name);
    }
    const bill = parse(operation.name, wechatpayTradeBillSchema, answer.data);
    const bytes = await downloadBill(operation.name, bill.download_url, bill.hash_value);
    try {
      return parseWechatpayTradeBill(bytes.toString('utf8'), config.mchid);
    } catch (error) {
      if (error instanceof WechatpayBillFormatError)
        throw classifyWechatpayFailure({ kind: 'malformed', message: error.message }, operation.name);
      throw error;
    }
  }

  function prepayBody(input: CreatePaymentInput): WechatpayPrepayRequest {
    return {
      appid: config.appid,
      mchid: config.mchid,
      description: cut(input.description, DESCRIPTION_MAX),
      out_trade_no: input.outTradeNo,
      time_expire: toWechatpayTime(input.expiresAt),
      notify_url: input.notifyUrl,
      amount: { total: amountToWechatpay(input.amountMinor), currency: input.currency },
    };
  }

  return {
    name: 'wechatpay',
    channels: CHANNELS,

    async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
      switch (input.channel) {
        case 'wechat_native': {
          const answer = await call(
            { name: 'native prepay', method: 'POST', url: 'v3/pay/transactions/native', data: prepayBody(input) },
            wechatpayNativePrepayResponseSchema,
          );
          return {
            nextAction: { type: 'display_qr_code', display_qr_code: { data: answer.code_url, image_svg_url: null } },
          };
        }
        case 'wechat_jsapi': {
          if (!input.openid)
            throw new ProviderInvalidRequestError('wechat_jsapi needs the payer’s openid', 'PARAM_ERROR');
          const answer = await call(
            {
              name: 'jsapi prepay',
              method: 'POST',
              url: 'v3/pay/transactions/jsapi',
              data: { ...prepayBody(input), payer: { openid: input.openid } },
            },
            wechatpayJsapiPrepayResponseSchema,
          );
          const parameters = {
            appId: config.appid,
            timeStamp: String(Math.floor(now().getTime() / 1000)),
            nonceStr: randomNonce(32),
            package: `prepay_id=${answer.prepay_id}`,
          };
          return {
            nextAction: {
              type: 'wechat_jsapi',
              wechat_jsapi: {
                ...parameters,
                signType: 'RSA',
                paySign: jsapiPaySign(parameters, config.merchantPrivateKey),
              },
            },
          };
        }
        case 'wechat_h5': {
          if (!input.clientIp)
            throw new ProviderInvalidRequestError('wechat_h5 needs the shopper’s client IP', 'PARAM_ERROR');
          const answer = await call(
            {
              name: 'h5 prepay',
              method: 'POST',
              url: 'v3/pay/transactions/h5',
              data: { ...prepayBody(input), scene_info: { payer_client_ip: input.clientIp, h5_info: { type: 'Wap' } } },
            },
            wechatpayH5PrepayResponseSchema,
          );
          // WeChat sends the shopper back to redirect_url, which the merchant appends, URL-encoded,
          // to h5_url (after paying, cancelling, or 5 s in the cashier: the return proves nothing).
          // https://pay.weixin.qq.com/wiki/doc/api/H5.php?chapter=15_4
          const url = input.returnUrl
            ? `${answer.h5_url}${answer.h5_url.includes('?') ? '&' : '?'}redirect_url=${encodeURIComponent(input.returnUrl)}`
            : answer.h5_url;
          return { nextAction: { type: 'redirect_to_url', redirect_to_url: { url, method: 'GET', form: null } } };
        }
        case 'alipay_pc':
        case 'alipay_wap':
        case 'alipay_qr':
        case 'unionpay_pc':
        case 'unionpay_wap':
          throw new ProviderInvalidRequestError(`WeChat Pay does not serve the ${input.channel} channel`);
        default:
          return assertNever(input.channel);
      }
    },

    queryPayment,

    async closePayment(order: ProviderOrderRef): Promise<CloseResult> {
      const { outTradeNo } = order;
      const operation: Operation = {
        name: 'close',
        method: 'POST',
        url: `v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`,
        data: { mchid: config.mchid },
      };
      const answer = await send(operation);
      if (!answer.ok) {
        if (isCode(answer.failure, ALREADY_PAID_CODES)) return 'already_paid';
        // Closed before (by us, or by WeChat at time_expire), or never created: nobody can pay it.
        if (isCode(answer.failure, ['ORDER_CLOSED', ...NOT_FOUND_CODES])) return 'closed';
        throw classifyWechatpayFailure(answer.failure, operation.name);
      }
      // 202 USER_PAYING: the shopper is entering a password; WeChat says to wait and ask again.
      // https://pay.weixin.qq.com/doc/v3/merchant/4012556398
      if (answer.status === 202)
        throw new ProviderUnavailableError(
          `WeChat Pay ${operation.name} of ${outTradeNo}: the shopper is paying`,
          'USER_PAYING',
        );
      // WeChat answers 204 even for an order number it does not know, so the answer alone proves
      // nothing: the query says whether the order is closed or was paid first.
      // https://developers.weixin.qq.com/community/pay/doc/000ac25b728328e60221a8d536b000
      const trade = await queryPayment(order);
      switch (trade.status) {
        case 'succeeded':
          return 'already_paid';
        case 'closed':
        case 'not_found':
        case 'failed':
          return 'closed';
        case 'pending':
        case 'processing':
          throw new ProviderUnavailableError(
            `WeChat Pay closed ${outTradeNo}, but still reports it ${trade.status}`,
            'close_not_effective',
          );
        default:
          return assertNever(trade.status);
      }
    },

    async refund(input: RefundInput): Promise<ProviderRefund> {
      const body: WechatpayRefundRequest = {
        out_trade_no: input.outTradeNo,
        out_refund_no: input.outRefundNo,
        notify_url: input.notifyUrl,
        amount: {
          refund: amountToWechatpay(input.amountMinor),
          total: amountToWechatpay(input.totalAmountMinor),
          currency: 'CNY',
        },
      };
      if (input.reason) body.reason = cut(input.reason, REFUND_REASON_MAX);
      // The same out_refund_no refunds once: WeChat answers a repeated request with that refund.
      const refund = await call(
        { name: 'refund', method: 'POST', url: 'v3/refund/domestic/refunds', data: body },
        wechatpayRefundSchema,
      );
      if (refund.out_refund_no !== input.outRefundNo) {
        throw classifyWechatpayFailure(
          { kind: 'malformed', message: `answered for refund ${refund.out_refund_no}` },
          'refund',
        );
      }
      return refundFromWechatpay(refund, refund.status);
    },

    async queryRefund({ outRefundNo }: ProviderRefundRef): Promise<ProviderRefund> {
      const operation: Operation = {
        name: 'refund query',
        method: 'GET',
        url: `v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`,
      };
      const answer = await send(operation);
      if (!answer.ok) {
        if (isCode(answer.failure, NOT_FOUND_CODES)) {
          return refundNotFound(outRefundNo);
        }
        throw classifyWechatpayFailure(answer.failure, operation.name);
      }
      const refund = parse(operation.name, wechatpayRefundSchema, answer.data);
      return refundFromWechatpay(refund, refund.status);
    },

    fetchStatement,

    async verifyNotification(notification: RawNotification): Promise<VerifiedNotification> {
      const header = (name: string): string | undefined => {
        const found = Object.entries(notification.headers).find(([key]) => key.toLowerCase() === name);
        return found?.[1]?.trim() || undefined;
      };
      const timestamp = header('wechatpay-timestamp');
      const nonce = header('wechatpay-nonce');
      const signature = header('wechatpay-signature');
      const serial = header('wechatpay-serial');
      if (!timestamp || !nonce || !signature || !serial) {
        throw new NotificationRejectedError('missing Wechatpay-Timestamp, -Nonce, -Signature or -Serial header');
      }
      if (!/^\d{1,12}$/.test(timestamp))
        throw new NotificationRejectedError(`Wechatpay-Timestamp ${JSON.stringify(timestamp)} is not a time`);
      const skew = Math.abs(Math.floor(now().getTime() / 1000) - Number(timestamp));
      if (skew > NOTIFICATION_MAX_SKEW_SECONDS) {
        throw new NotificationRejectedError(
          `Wechatpay-Timestamp is ${skew} s away from now (at most ${NOTIFICATION_MAX_SKEW_SECONDS} s): a replayed or delayed notification`,
        );
      }
      const key = config.verificationKeys.get(serial);
      if (!key) {
        throw new NotificationRejectedError(
          `signed with WeChat Pay key ${serial}, which mchid ${config.mchid} does not have (known: ${[...config.verificationKeys.keys()].join(', ')})`,
        );
      }
      const body = notification.rawBody.toString('utf8');
      if (!verifyWechatpaySignature(wechatpaySignedMessage(timestamp, nonce, body), signature, key)) {
        throw new NotificationRejectedError(`signature does not verify with WeChat Pay key ${serial}`);
      }

      let envelope;
      try {
        envelope = wechatpayNotificationSchema.parse(JSON.parse(body));
      } catch {
        throw new NotificationRejectedError('not a WeChat Pay notification (JSON with an encrypted resource)');
      }
      let plaintext: string;
      try {
        plaintext = decryptWechatpayResource(envelope.resource, config.apiV3Key);
      } catch (error) {
        if (error instanceof WechatpayDecryptionError)
          throw new NotificationRejectedError(`resource of ${envelope.event_type}: ${error.message}`);
        throw error;
      }
      const resource = parseJson(plaintext);

      if (envelope.event_type === 'TRANSACTION.SUCCESS') {
        const parsed = wechatpayTransactionSchema.safeParse(resource);
        if (!parsed.success)
          throw new NotificationRejectedError(`not a transaction: ${describeFirstIssue(parsed.error, 'resource')}`);
        // The mchid is the account's identity; an app id may be any of those bound to the merchant.
        if (parsed.data.mchid !== config.mchid) {
          throw new NotificationRejectedError(`notification is for mchid ${parsed.data.mchid}, not ${config.mchid}`);
        }
        return { kind: 'payment', trade: tradeOf(parsed.data.out_trade_no, parsed.data) };
      }
      if (
        envelope.event_type === 'REFUND.SUCCESS' ||
        envelope.event_type === 'REFUND.ABNORMAL' ||
        envelope.event_type === 'REFUND.CLOSED'
      ) {
        const parsed = wechatpayRefundNotificationResourceSchema.safeParse(resource);
        if (!parsed.success)
          throw new NotificationRejectedError(`not a refund: ${describeFirstIssue(parsed.error, 'resource')}`);
        if (parsed.data.mchid !== config.mchid) {
          throw new NotificationRejectedError(`notification is for mchid ${parsed.data.mchid}, not ${config.mchid}`);
        }
        return {
          kind: 'refund',
          outTradeNo: parsed.data.out_trade_no,
          refund: refundFromWechatpay(parsed.data, parsed.data.refund_status),
        };
      }
      throw new NotificationRejectedError(`event_type ${envelope.event_type} is not one Tongbao subscribes to`);
    },

    notificationAck(outcome: 'accepted' | 'refused'): NotificationAck {
      // WeChat reads the status: 200 or 204 with no body is received; 4xx/5xx with
      // {"code":"FAIL","message":…} is retried on its schedule (15s, 15s, 30s, 3m, 10m, …, 6h).
      // https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_3_5.shtml (通知应答)
      return outcome === 'accepted'
        ? { status: 204, contentType: 'application/json; charset=utf-8', body: '' }
        : {
            status: 400,
            contentType: 'application/json; charset=utf-8',
            body: JSON.stringify({ code: 'FAIL', message: '失败' }),
          };
    },
  };
}

/** The first `max` characters, never half of a surrogate pair. */
function cut(text: string, max: number): string {
  return Array.from(text).slice(0, max).join('');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new NotificationRejectedError('the decrypted resource is not JSON');
  }
}
