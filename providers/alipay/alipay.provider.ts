import { assertNever } from '../../domain/assert-never';
import type { Channel } from '../../domain/payment';
import { ProviderUnavailableError } from '../errors';
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
import {
  ALIPAY_SUCCESS,
  createAlipayClient,
  failedAnswer,
  malformedAnswer,
  type AlipayClientOptions,
} from './alipay.client';
import { alipayClientConfig } from './alipay.config';
import {
  amountFromAlipay,
  amountToAlipay,
  fromChinaTime,
  refundStatusFromAlipay,
  toChinaTime,
  tradeStatusFromAlipay,
} from './alipay.mapping';
import { alipayNotificationAck, verifyAlipayNotification } from './alipay.notifications';
import { fetchAlipayStatement } from './alipay.statement-fetch';
import {
  alipayTradeCloseResponseSchema,
  alipayTradeFastpayRefundQueryResponseSchema,
  alipayTradePrecreateResponseSchema,
  alipayTradeQueryResponseSchema,
  alipayTradeRefundResponseSchema,
  type AlipayTradePagePayBizContent,
  type AlipayTradePrecreateBizContent,
  type AlipayTradeRefundBizContent,
} from './alipay.types';

// Alipay's adapter: payments (precreate, page.pay and wap.pay, queries, closing) and refunds, and
// what verified notifications report, on the signed client of alipay.client.ts; statements and the
// verifying of notifications come from files of their own.

const CHANNELS = ['alipay_pc', 'alipay_wap', 'alipay_qr'] as const satisfies readonly Channel[];

export type AlipayProviderOptions = AlipayClientOptions;

/** The adapter for one Alipay app, on the official alipay-sdk, every answer's signature verified. */
export function createAlipayProvider(
  account: ProviderAccount,
  env: ProviderEnvironment,
  options: AlipayProviderOptions = {},
): PaymentProvider {
  const config = alipayClientConfig(account, env);
  const client = createAlipayClient(config, options);

  function parseAmount(method: string, amount: string | undefined): number | null {
    if (amount === undefined) return null;
    try {
      return amountFromAlipay(amount);
    } catch {
      throw malformedAnswer(method, `amount ${JSON.stringify(amount)}`);
    }
  }

  function pageUrl(method: 'alipay.trade.page.pay' | 'alipay.trade.wap.pay', input: CreatePaymentInput): string {
    const bizContent: AlipayTradePagePayBizContent = {
      out_trade_no: input.outTradeNo,
      total_amount: amountToAlipay(input.amountMinor),
      subject: input.description,
      product_code: method === 'alipay.trade.page.pay' ? 'FAST_INSTANT_TRADE_PAY' : 'QUICK_WAP_WAY',
      time_expire: toChinaTime(input.expiresAt),
    };
    // wap.pay sends a shopper who gives up to quit_url; without one, Alipay's page offers no way back.
    if (method === 'alipay.trade.wap.pay' && input.returnUrl) bizContent.quit_url = input.returnUrl;
    // alipay-sdk signs every key it is given, undefined ones included, so absent values are left out.
    const params: Record<string, unknown> = { bizContent, notify_url: input.notifyUrl };
    if (input.returnUrl) params.return_url = input.returnUrl;
    return client.pageUrl(method, params);
  }

  // Alipay finds a trade by out_trade_no alone: the creation times of ProviderOrderRef and
  // ProviderRefundRef (which UnionPay needs) go unused here.
  async function queryPayment({ outTradeNo }: ProviderOrderRef): Promise<ProviderTrade> {
    const method = 'alipay.trade.query';
    const answer = await client.call(method, { out_trade_no: outTradeNo }, alipayTradeQueryResponseSchema);
    if (answer.code !== ALIPAY_SUCCESS) {
      if (answer.sub_code === 'ACQ.TRADE_NOT_EXIST') {
        // Also the answer for a precreated order nobody has scanned yet.
        return tradeNotFound(outTradeNo);
      }
      throw failedAnswer(method, answer);
    }
    if (!answer.trade_status) throw malformedAnswer(method, 'no trade_status');
    if (answer.out_trade_no !== undefined && answer.out_trade_no !== outTradeNo) {
      throw malformedAnswer(method, `answered for ${answer.out_trade_no}`);
    }
    const paidAt = fromChinaTime(answer.send_pay_date);
    return {
      outTradeNo,
      status: tradeStatusFromAlipay(answer.trade_status, paidAt !== null),
      providerTradeNo: answer.trade_no ?? null,
      amountMinor: parseAmount(method, answer.total_amount),
      paidAt,
      failureCode: null,
      failureMessage: null,
    };
  }

  async function queryRefund({ outTradeNo, outRefundNo }: ProviderRefundRef): Promise<ProviderRefund> {
    const method = 'alipay.trade.fastpay.refund.query';
    const answer = await client.call(
      method,
      { out_trade_no: outTradeNo, out_request_no: outRefundNo, query_options: ['gmt_refund_pay'] },
      alipayTradeFastpayRefundQueryResponseSchema,
    );
    const notFound = refundNotFound(outRefundNo);
    if (answer.code !== ALIPAY_SUCCESS) {
      if (answer.sub_code === 'ACQ.TRADE_NOT_EXIST') return notFound;
      throw failedAnswer(method, answer);
    }
    // A successful answer without refund_amount means Alipay has no such refund.
    // https://opendocs.alipay.com/open/02ekfl
    if (answer.refund_amount === undefined) return notFound;
    return {
      outRefundNo,
      status: refundStatusFromAlipay(answer.refund_status),
      // Alipay gives refunds no number of their own: out_request_no is how its console finds them.
      providerRefundNo: null,
      amountMinor: parseAmount(method, answer.refund_amount),
      failureReason: null,
    };
  }

  return {
    name: 'alipay',
    channels: CHANNELS,

    async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
      const channel = servedChannel(CHANNELS, input.channel, 'Alipay');
      switch (channel) {
        case 'alipay_qr': {
          const method = 'alipay.trade.precreate';
          const bizContent: AlipayTradePrecreateBizContent = {
            out_trade_no: input.outTradeNo,
            total_amount: amountToAlipay(input.amountMinor),
            subject: input.description,
            time_expire: toChinaTime(input.expiresAt),
          };
          const answer = await client.call(method, bizContent, alipayTradePrecreateResponseSchema, {
            notify_url: input.notifyUrl,
          });
          if (answer.code !== ALIPAY_SUCCESS) throw failedAnswer(method, answer);
          if (!answer.qr_code) throw malformedAnswer(method, 'no qr_code');
          return {
            nextAction: { type: 'display_qr_code', display_qr_code: { data: answer.qr_code, image_svg_url: null } },
          };
        }
        case 'alipay_pc':
          return {
            nextAction: {
              type: 'redirect_to_url',
              redirect_to_url: { url: pageUrl('alipay.trade.page.pay', input), method: 'GET', form: null },
            },
          };
        case 'alipay_wap':
          return {
            nextAction: {
              type: 'redirect_to_url',
              redirect_to_url: { url: pageUrl('alipay.trade.wap.pay', input), method: 'GET', form: null },
            },
          };
        default:
          return assertNever(channel);
      }
    },

    queryPayment,

    async closePayment(order: ProviderOrderRef): Promise<CloseResult> {
      const { outTradeNo } = order;
      const method = 'alipay.trade.close';
      const answer = await client.call(method, { out_trade_no: outTradeNo }, alipayTradeCloseResponseSchema);
      if (answer.code === ALIPAY_SUCCESS) return 'closed';
      // Never created (the shopper never opened the cashier or scanned the code): nothing can pay it.
      if (answer.sub_code === 'ACQ.TRADE_NOT_EXIST') return 'closed';
      if (answer.sub_code === 'ACQ.TRADE_STATUS_ERROR' || answer.sub_code === 'ACQ.TRADE_HAS_SUCCESS') {
        // Alipay answers TRADE_STATUS_ERROR both for a paid trade and one closed already: ask which.
        const trade = await queryPayment(order);
        if (trade.status === 'succeeded') return 'already_paid';
        if (trade.status === 'closed' || trade.status === 'not_found') return 'closed';
        throw new ProviderUnavailableError(
          `Alipay refused to close ${outTradeNo} but reports it ${trade.status}`,
          answer.sub_code,
        );
      }
      throw failedAnswer(method, answer);
    },

    async refund(input: RefundInput): Promise<ProviderRefund> {
      const method = 'alipay.trade.refund';
      // Alipay sends refund notifications to the trade's notify_url; this call takes none.
      const bizContent: AlipayTradeRefundBizContent = {
        out_trade_no: input.outTradeNo,
        refund_amount: amountToAlipay(input.amountMinor),
        out_request_no: input.outRefundNo,
      };
      if (input.reason) bizContent.refund_reason = input.reason;
      const answer = await client.call(method, bizContent, alipayTradeRefundResponseSchema);
      if (answer.code !== ALIPAY_SUCCESS) throw failedAnswer(method, answer);
      if (answer.fund_change === 'Y') {
        return {
          outRefundNo: input.outRefundNo,
          status: 'succeeded',
          providerRefundNo: null,
          amountMinor: input.amountMinor,
          failureReason: null,
        };
      }
      // fund_change=N: no money moved by this call, either because it was made before (same
      // out_request_no) or not at all. Alipay says to ask the refund query which. https://opendocs.alipay.com/open/02ekfk
      return queryRefund(input);
    },

    queryRefund,

    fetchStatement: (date) => fetchAlipayStatement(client, date),

    async verifyNotification(notification: RawNotification): Promise<VerifiedNotification> {
      const { notification: n, amountMinor } = verifyAlipayNotification(client, config, notification);
      if (n.out_biz_no !== undefined && n.refund_fee !== undefined) {
        // A refund notification: refund_fee is the trade's refunded total, not this refund's amount.
        return {
          kind: 'refund',
          outTradeNo: n.out_trade_no,
          refund: {
            outRefundNo: n.out_biz_no,
            status: 'succeeded',
            providerRefundNo: null,
            amountMinor: null,
            failureReason: null,
          },
        };
      }
      const paidAt = fromChinaTime(n.gmt_payment);
      return {
        kind: 'payment',
        trade: {
          outTradeNo: n.out_trade_no,
          status: tradeStatusFromAlipay(n.trade_status, paidAt !== null),
          providerTradeNo: n.trade_no,
          amountMinor,
          paidAt,
          failureCode: null,
          failureMessage: null,
        },
      };
    },

    notificationAck: alipayNotificationAck,
  };
}
