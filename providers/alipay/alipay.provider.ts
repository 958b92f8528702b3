import { AlipaySdk } from 'alipay-sdk';
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
import { servedChannel } from '../channels';
import { refundNotFound, tradeNotFound } from '../not-found';
import { describeFirstIssue } from '../wire-issues';
import { alipayClientConfig } from './alipay.config';
import { classifyAlipayFailure, failureFromSdkError } from './alipay.errors';
import {
  amountFromAlipay,
  amountToAlipay,
  fromChinaTime,
  refundStatusFromAlipay,
  toChinaTime,
  tradeStatusFromAlipay,
} from './alipay.mapping';
import { parseAlipayTradeBill, readAlipayBillZip } from './alipay.statement';
import {
  alipayDataDataserviceBillDownloadurlQueryResponseSchema,
  alipayTradeCloseResponseSchema,
  alipayTradeFastpayRefundQueryResponseSchema,
  alipayTradePrecreateResponseSchema,
  alipayTradeQueryResponseSchema,
  alipayTradeRefundResponseSchema,
  alipayTradeStatusSyncNotificationSchema,
  type AlipayDataDataserviceBillDownloadurlQueryBizContent,
  type AlipayTradePagePayBizContent,
  type AlipayTradePrecreateBizContent,
  type AlipayTradeRefundBizContent,
} from './alipay.types';

const CHANNELS = ['alipay_pc', 'alipay_wap', 'alipay_qr'] as const satisfies readonly Channel[];

export interface AlipayProviderOptions {
  /** Per-call timeout; alipay-sdk's default is 5 s. */
  timeoutMs?: number;
  /** Timeout of a bill download, which can be far larger than an API answer; 60 s unless told. */
  billDownloadTimeoutMs?: number;
}

const SUCCESS = '10000';
const BILL_QUERY = 'alipay.data.dataservice.bill.downloadurl.query';

/** The adapter for one Alipay app, on the official alipay-sdk, every answer's signature verified. */
export function createAlipayProvider(
  account: ProviderAccount,
  env: ProviderEnvironment,
  options: AlipayProviderOptions = {},
): PaymentProvider {
  const config = alipayClientConfig(account, env);
  const sdk = new AlipaySdk({
    appId: config.appId,
    privateKey: config.privateKeyPem,
    keyType: 'PKCS1',
    alipayPublicKey: config.alipayPublicKeyPem,
    gateway: config.gateway,
    signType: 'RSA2',
    // Keep Alipay's snake_case names, so that answers match the wire types in alipay.types.ts.
    camelcase: false,
    timeout: options.timeoutMs ?? 5000,
  });

  /** One gateway call; anything but a verified, well-formed answer becomes a ProviderError. */
  async function call<S extends z.ZodType<{ code: string; sub_code?: string; sub_msg?: string }>>(
    method: string,
    bizContent: object,
    schema: S,
    params: Record<string, string> = {},
  ): Promise<z.infer<S>> {
    let answer: unknown;
    try {
      answer = await sdk.exec(method, { ...params, bizContent }, { validateSign: true });
    } catch (error) {
      throw classifyAlipayFailure(failureFromSdkError(error), method);
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success) {
      throw classifyAlipayFailure({ kind: 'malformed', message: describeFirstIssue(parsed.error) }, method);
    }
    return parsed.data;
  }

  function failed(method: string, answer: { code: string; sub_code?: string; sub_msg?: string }) {
    return classifyAlipayFailure(
      { kind: 'response', code: answer.code, subCode: answer.sub_code ?? null, subMsg: answer.sub_msg ?? null },
      method,
    );
  }

  function parseAmount(method: string, amount: string | undefined): number | null {
    if (amount === undefined) return null;
    try {
      return amountFromAlipay(amount);
    } catch {
      throw classifyAlipayFailure({ kind: 'malformed', message: `amount ${JSON.stringify(amount)}` }, method);
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
    return sdk.pageExecute(method, 'GET', params);
  }

  // Alipay finds a trade by out_trade_no alone: the creation times of ProviderOrderRef and
  // ProviderRefundRef (which UnionPay needs) go unused here.
  async function queryPayment({ outTradeNo }: ProviderOrderRef): Promise<ProviderTrade> {
    const method = 'alipay.trade.query';
    const answer = await call(method, { out_trade_no: outTradeNo }, alipayTradeQueryResponseSchema);
    if (answer.code !== SUCCESS) {
      if (answer.sub_code === 'ACQ.TRADE_NOT_EXIST') {
        // Also the answer for a precreated order nobody has scanned yet.
        return tradeNotFound(outTradeNo);
      }
      throw failed(method, answer);
    }
    if (!answer.trade_status) throw classifyAlipayFailure({ kind: 'malformed', message: 'no trade_status' }, method);
    if (answer.out_trade_no !== undefined && answer.out_trade_no !== outTradeNo) {
      throw classifyAlipayFailure({ kind: 'malformed', message: `answered for ${answer.out_trade_no}` }, method);
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

  /**
   * The bill's zip, fetched as it is: the link came in a signed answer, and the zip's CRCs show
   * whether it arrived whole. The link carries a token, so errors name only its origin and path.
   */
  async function downloadBill(url: string): Promise<Buffer> {
    let where: string;
    try {
      const parsed = new URL(url);
      where = `${parsed.origin}${parsed.pathname}`;
    } catch {
      throw classifyAlipayFailure({ kind: 'malformed', message: 'bill_download_url is not a URL' }, BILL_QUERY);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(options.billDownloadTimeoutMs ?? 60_000) });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        // The link lives 30 s: whatever went wrong, the next attempt asks for a new one.
        throw new ProviderUnavailableError(
          `Alipay bill download from ${where} answered HTTP ${response.status}`,
          `http_${response.status}`,
        );
      }
      return Buffer.from(await response.arrayBuffer());
    } catch (error) {
      if (error instanceof ProviderUnavailableError) throw error;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new ProviderUnavailableError(`Alipay bill download from ${where} failed: ${reason}`, 'network_error');
    }
  }

  async function queryRefund({ outTradeNo, outRefundNo }: ProviderRefundRef): Promise<ProviderRefund> {
    const method = 'alipay.trade.fastpay.refund.query';
    const answer = await call(
      method,
      { out_trade_no: outTradeNo, out_request_no: outRefundNo, query_options: ['gmt_refund_pay'] },
      alipayTradeFastpayRefundQueryResponseSchema,
    );
    const notFound = refundNotFound(outRefundNo);
    if (answer.code !== SUCCESS) {
      if (answer.sub_code === 'ACQ.TRADE_NOT_EXIST') return notFound;
      throw failed(method, answer);
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
          const answer = await call(method, bizContent, alipayTradePrecreateResponseSchema, {
            notify_url: input.notifyUrl,
          });
          if (answer.code !== SUCCESS) throw failed(method, answer);
          if (!answer.qr_code) throw classifyAlipayFailure({ kind: 'malformed', message: 'no qr_code' }, method);
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
      const answer = await call(method, { out_trade_no: outTradeNo }, alipayTradeCloseResponseSchema);
      if (answer.code === SUCCESS) return 'closed';
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
      throw failed(method, answer);
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
      const answer = await call(method, bizContent, alipayTradeRefundResponseSchema);
      if (answer.code !== SUCCESS) throw failed(method, answer);
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

    async fetchStatement(date: string): Promise<StatementEntry[]> {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
        throw new ProviderInvalidRequestError(`a statement date is YYYY-MM-DD, not ${JSON.stringify(date)}`);
      // `trade` is the bill of what Alipay acquired through the trade APIs, the orders Tongbao made.
      const bizContent: AlipayDataDataserviceBillDownloadurlQueryBizContent = { bill_type: 'trade', bill_date: date };
      const answer = await call(BILL_QUERY, bizContent, alipayDataDataserviceBillDownloadurlQueryResponseSchema);
      if (answer.code !== SUCCESS) {
        // Alipay's answer for a day without a bill: no trades that day. (It says the same before
        // the bill is generated, about 09:00 the next day, China time.)
        if (answer.sub_code === 'isp.bill_not_exist') return [];
        throw failed(BILL_QUERY, answer);
      }
      if (!answer.bill_download_url)
        throw classifyAlipayFailure({ kind: 'malformed', message: 'no bill_download_url' }, BILL_QUERY);
      const zip = await downloadBill(answer.bill_download_url);
      return parseAlipayTradeBill(readAlipayBillZip(zip), date);
    },

    async verifyNotification(notification: RawNotification): Promise<VerifiedNotification> {
      const form = notification.form;
      if (!form)
        throw new NotificationRejectedError('Alipay notifications are forms (application/x-www-form-urlencoded)');
      let signed = false;
      try {
        signed = sdk.checkNotifySignV2(form);
      } catch {
        signed = false;
      }
      if (!signed)
        throw new NotificationRejectedError(
          `signature does not verify with the Alipay public key of app ${config.appId}`,
        );
      if (form.app_id !== config.appId) {
        throw new NotificationRejectedError(`notification is for app ${form.app_id ?? '(none)'}, not ${config.appId}`);
      }
      const parsed = alipayTradeStatusSyncNotificationSchema.safeParse(form);
      if (!parsed.success) {
        throw new NotificationRejectedError(
          `not a trade_status_sync notification: ${describeFirstIssue(parsed.error)}`,
        );
      }
      const n = parsed.data;
      let amountMinor: number;
      try {
        amountMinor = amountFromAlipay(n.total_amount);
      } catch {
        throw new NotificationRejectedError(`total_amount ${JSON.stringify(n.total_amount)} is not an amount`);
      }
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

    notificationAck(outcome: 'accepted' | 'refused'): NotificationAck {
      // Alipay reads only the body: anything but `success` is a failure it retries on its
      // schedule (4m, 10m, 10m, 1h, 2h, 6h, 15h). The status is for our own logs and metrics,
      // where a refused notification should not look like a delivered one.
      // https://opendocs.alipay.com/open/270/105902
      return outcome === 'accepted'
        ? { status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' }
        : { status: 400, contentType: 'text/plain; charset=utf-8', body: 'fail' };
    },
  };
}
