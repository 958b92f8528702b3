import { assertNever } from '../../domain/assert-never';
import type { Channel } from '../../domain/payment';
import { NotificationRejectedError, ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type {
  CloseResult,
  CreatePaymentInput,
  CreatePaymentResult,
  PaymentProvider,
  ProviderEnvironment,
  ProviderOrderRef,
  ProviderRefundRef,
  RawNotification,
  RefundInput,
  VerifiedNotification,
} from '../provider';
import type { ProviderRefund, ProviderTrade } from '../../domain/provider-reports';
import type { ProviderAccount } from '../../domain/provider-account';
import { servedChannel } from '../channels';
import { refundNotFound, tradeNotFound } from '../not-found';
import { describeFirstIssue } from '../wire-issues';
import {
  createWechatpayClient,
  isWechatpayCode,
  malformedAnswer,
  type WechatpayClientOptions,
  type WechatpayOperation,
} from './wechatpay.client';
import { wechatpayClientConfig } from './wechatpay.config';
import { jsapiPaySign, randomNonce } from './wechatpay.crypto';
import { classifyWechatpayFailure } from './wechatpay.errors';
import {
  amountToWechatpay,
  fromWechatpayTime,
  refundFromWechatpay,
  toWechatpayTime,
  tradeStatusFromWechatpay,
} from './wechatpay.mapping';
import { verifyWechatpayNotification, wechatpayNotificationAck } from './wechatpay.notifications';
import { fetchWechatpayStatement } from './wechatpay.statement-fetch';
import {
  wechatpayH5PrepayResponseSchema,
  wechatpayJsapiPrepayResponseSchema,
  wechatpayNativePrepayResponseSchema,
  wechatpayRefundNotificationResourceSchema,
  wechatpayRefundSchema,
  wechatpayTransactionSchema,
  type WechatpayPrepayRequest,
  type WechatpayRefundRequest,
  type WechatpayTransaction,
} from './wechatpay.types';

// WeChat Pay's adapter: payments (Native, JSAPI and H5 prepay, queries, closing) and refunds, and
// what verified notifications report, on the signed client of wechatpay.client.ts; statements and
// the verifying of notifications come from files of their own.

const CHANNELS = ['wechat_native', 'wechat_jsapi', 'wechat_h5'] as const satisfies readonly Channel[];

export interface WechatpayProviderOptions extends WechatpayClientOptions {
  /** Clock for the notification freshness check and JSAPI's timeStamp (tests). */
  now?: () => Date;
}

/** WeChat's `description` takes 127 characters. https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_4_1.shtml */
const DESCRIPTION_MAX = 127;
/** A refund's `reason` takes 80 characters. https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_2_9.shtml */
const REFUND_REASON_MAX = 80;

/** Codes meaning "no such order / refund" (v3 spelling, the older one, and the refund APIs'). */
export const NOT_FOUND_CODES = ['ORDER_NOT_EXIST', 'ORDERNOTEXIST', 'RESOURCE_NOT_EXISTS'];
const ALREADY_PAID_CODES = ['ORDER_PAID', 'ORDERPAID'];

/** The adapter for one WeChat Pay merchant (mchid), on wechatpay-axios-plugin: every answer's signature verified. */
export function createWechatpayProvider(
  account: ProviderAccount,
  env: ProviderEnvironment,
  options: WechatpayProviderOptions = {},
): PaymentProvider {
  const config = wechatpayClientConfig(account, env);
  const now = options.now ?? (() => new Date());
  const client = createWechatpayClient(config, options);

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
    const operation: WechatpayOperation = {
      name: 'query',
      method: 'GET',
      url: `v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}`,
      params: { mchid: config.mchid },
    };
    const answer = await client.send(operation);
    if (!answer.ok) {
      if (isWechatpayCode(answer.failure, NOT_FOUND_CODES)) {
        return tradeNotFound(outTradeNo);
      }
      throw classifyWechatpayFailure(answer.failure, operation.name);
    }
    const transaction = client.parse(operation.name, wechatpayTransactionSchema, answer.data);
    if (transaction.out_trade_no !== outTradeNo || transaction.mchid !== config.mchid) {
      throw malformedAnswer(operation.name, `answered for ${transaction.mchid}/${transaction.out_trade_no}`);
    }
    return tradeOf(outTradeNo, transaction);
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
      const channel = servedChannel(CHANNELS, input.channel, 'WeChat Pay');
      switch (channel) {
        case 'wechat_native': {
          const answer = await client.call(
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
          const answer = await client.call(
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
          const answer = await client.call(
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
        default:
          return assertNever(channel);
      }
    },

    queryPayment,

    async closePayment(order: ProviderOrderRef): Promise<CloseResult> {
      const { outTradeNo } = order;
      const operation: WechatpayOperation = {
        name: 'close',
        method: 'POST',
        url: `v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`,
        data: { mchid: config.mchid },
      };
      const answer = await client.send(operation);
      if (!answer.ok) {
        if (isWechatpayCode(answer.failure, ALREADY_PAID_CODES)) return 'already_paid';
        // Closed before (by us, or by WeChat at time_expire), or never created: nobody can pay it.
        if (isWechatpayCode(answer.failure, ['ORDER_CLOSED', ...NOT_FOUND_CODES])) return 'closed';
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
      const refund = await client.call(
        { name: 'refund', method: 'POST', url: 'v3/refund/domestic/refunds', data: body },
        wechatpayRefundSchema,
      );
      if (refund.out_refund_no !== input.outRefundNo) {
        throw malformedAnswer('refund', `answered for refund ${refund.out_refund_no}`);
      }
      return refundFromWechatpay(refund, refund.status);
    },

    async queryRefund({ outRefundNo }: ProviderRefundRef): Promise<ProviderRefund> {
      const operation: WechatpayOperation = {
        name: 'refund query',
        method: 'GET',
        url: `v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`,
      };
      const answer = await client.send(operation);
      if (!answer.ok) {
        if (isWechatpayCode(answer.failure, NOT_FOUND_CODES)) {
          return refundNotFound(outRefundNo);
        }
        throw classifyWechatpayFailure(answer.failure, operation.name);
      }
      const refund = client.parse(operation.name, wechatpayRefundSchema, answer.data);
      return refundFromWechatpay(refund, refund.status);
    },

    fetchStatement: (date) => fetchWechatpayStatement(client, config.mchid, date),

    async verifyNotification(notification: RawNotification): Promise<VerifiedNotification> {
      const { eventType, resource } = verifyWechatpayNotification(config, notification, now());
      if (eventType === 'TRANSACTION.SUCCESS') {
        const parsed = wechatpayTransactionSchema.safeParse(resource);
        if (!parsed.success)
          throw new NotificationRejectedError(`not a transaction: ${describeFirstIssue(parsed.error, 'resource')}`);
        // The mchid is the account's identity; an app id may be any of those bound to the merchant.
        if (parsed.data.mchid !== config.mchid) {
          throw new NotificationRejectedError(`notification is for mchid ${parsed.data.mchid}, not ${config.mchid}`);
        }
        return { kind: 'payment', trade: tradeOf(parsed.data.out_trade_no, parsed.data) };
      }
      if (eventType === 'REFUND.SUCCESS' || eventType === 'REFUND.ABNORMAL' || eventType === 'REFUND.CLOSED') {
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
      throw new NotificationRejectedError(`event_type ${eventType} is not one Tongbao subscribes to`);
    },

    notificationAck: wechatpayNotificationAck,
  };
}

/** The first `max` characters, never half of a surrogate pair. */
function cut(text: string, max: number): string {
  return Array.from(text).slice(0, max).join('');
}
