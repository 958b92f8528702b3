import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { assertNever } from '../../domain/assert-never';
import { scheduledAutoPay } from '../auto-pay';
import { randomDigits } from '../random';
import type { SimulatorContext } from '../simulator';
import { newTrade, type StoredTrade } from '../trades';
import { codeUrl, h5Url } from './wechatpay.buyer';
import {
  apiError,
  isPaid,
  noContent,
  ok,
  orderNotExist,
  paramError,
  PROVIDER,
  refundedTotal,
  wechatpayBaseUrl,
  type ApiAnswer,
  type WechatpaySandboxSecrets,
  type WechatpaySimRefund,
  type WechatpaySimTrade,
  type WechatpayTradeType,
} from './wechatpay.model';
import { openidOfAnotherApp } from './wechatpay.oauth';
import { refundJson, transactionJson } from './wechatpay.resources';
import { aeadEncrypt, formatWechatTime, parseWechatTime, randomAlphanumeric } from './wechatpay.signature';
import { closed, nextSettlement, type WechatpayTrades } from './wechatpay.trades';

/** Without time_expire, an unpaid order can be paid for 2 hours (prepay_id's validity). */
const DEFAULT_EXPIRY_MS = 2 * 3600_000;
/** How long a refund stays PROCESSING before it reaches the shopper's balance (time-scaled). */
export const REFUND_SETTLE_MS = 60_000;

// Request bodies, checked as WeChat checks them (its own PARAM_ERROR for what does not fit).
const notifyUrlSchema = z
  .string()
  .max(256)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.search === '';
    } catch {
      return false;
    }
  }, 'notify_url 须为可访问的 URL，不能携带参数');

export const prepayBodySchema = z.looseObject({
  appid: z.string().min(1).max(32),
  mchid: z.string().min(1).max(32),
  description: z.string().min(1).max(127),
  out_trade_no: z.string().regex(/^[A-Za-z0-9_\-|*]{6,32}$/, 'out_trade_no 为 6-32 位数字、大小写字母 _-|*'),
  time_expire: z.string().optional(),
  attach: z.string().max(128).optional(),
  notify_url: notifyUrlSchema,
  amount: z.looseObject({ total: z.int().min(1).max(10_000_000_000), currency: z.literal('CNY').optional() }),
  payer: z.looseObject({ openid: z.string().min(1).max(128) }).optional(),
  scene_info: z
    .looseObject({
      payer_client_ip: z.string().min(1).max(45),
      h5_info: z.looseObject({ type: z.string().min(1) }).optional(),
    })
    .optional(),
});
export type PrepayBody = z.infer<typeof prepayBodySchema>;

export const closeBodySchema = z.looseObject({ mchid: z.string().min(1).max(32) });

export const refundBodySchema = z.looseObject({
  transaction_id: z.string().min(1).max(32).optional(),
  out_trade_no: z.string().min(1).max(32).optional(),
  out_refund_no: z.string().regex(/^[A-Za-z0-9_\-|*@]{1,64}$/, 'out_refund_no 为 1-64 位数字、大小写字母 _-|*@'),
  reason: z.string().max(80).optional(),
  notify_url: notifyUrlSchema.optional(),
  amount: z.looseObject({ refund: z.int().min(1), total: z.int().min(1), currency: z.literal('CNY') }),
});
export type RefundBody = z.infer<typeof refundBodySchema>;

/**
 * The APIv3 endpoints Tongbao uses, once the request's signature is checked: Native, JSAPI and
 * H5 orders, their query and close, refunds and their query, and the platform certificates.
 */
export class WechatpayApi {
  private readonly baseUrl: string;

  constructor(
    private readonly context: SimulatorContext,
    private readonly trades: WechatpayTrades,
  ) {
    this.baseUrl = wechatpayBaseUrl(context.publicUrl);
  }

  /** POST /v3/pay/transactions/{native,jsapi,h5}. */
  async prepay(secrets: WechatpaySandboxSecrets, tradeType: WechatpayTradeType, body: PrepayBody): Promise<ApiAnswer> {
    if (body.mchid !== secrets.mchid) return apiError(400, 'INVALID_REQUEST', 'mchid 与请求签名中的商户号不一致');
    if (body.appid !== secrets.appid) return apiError(400, 'APPID_MCHID_NOT_MATCH', 'AppID和mch_id不匹配');
    if (tradeType === 'JSAPI' && !body.payer?.openid) return paramError('/payer/openid', 'JSAPI 下单须传 payer.openid');
    // An openid exists under one app only; WeChat answers another app's with this (as merchants report it).
    if (tradeType === 'JSAPI' && body.payer?.openid && openidOfAnotherApp(body.payer.openid, secrets.appid)) {
      return apiError(400, 'PARAM_ERROR', 'appid和openid不匹配');
    }
    if (tradeType === 'MWEB' && !body.scene_info?.h5_info?.type)
      return paramError('/scene_info/h5_info/type', 'H5 下单须传 scene_info.h5_info');
    if (tradeType === 'MWEB' && !body.scene_info?.payer_client_ip)
      return paramError('/scene_info/payer_client_ip', 'H5 下单须传用户终端IP');
    const now = new Date();
    let closesAt = new Date(now.getTime() + DEFAULT_EXPIRY_MS / this.context.timeScale);
    if (body.time_expire !== undefined) {
      const at = parseWechatTime(body.time_expire);
      if (!at) return paramError('/time_expire', 'time_expire 须为 rfc3339 格式，如 2018-06-08T10:34:56+08:00');
      closesAt = at;
    }
    const key = this.trades.key(secrets.mchid, body.out_trade_no);
    await this.trades.refresh(key);
    const autoPay = scheduledAutoPay(this.context.faults, key, now);
    const answer = (trade: WechatpaySimTrade) => ok(this.prepayAnswer(trade));

    const result = await this.context.trades.change<
      WechatpaySimTrade,
      { answer: ApiAnswer; trade: StoredTrade<WechatpaySimTrade> | null }
    >(key, (current) => {
      const refuse = (refusal: ApiAnswer) => ({ next: null, result: { answer: refusal, trade: null } });
      if (current) {
        const t = current.data;
        if (isPaid(t)) return refuse(apiError(400, 'ORDER_PAID', '该订单已支付'));
        if (t.trade_state === 'CLOSED') return refuse(apiError(400, 'ORDER_CLOSED', '订单已关闭'));
        // The same order sent again while unpaid is the same order: WeChat answers its prepay again.
        if (
          t.trade_state !== 'PAYERROR' &&
          t.trade_type === tradeType &&
          t.total === body.amount.total &&
          t.description === body.description
        ) {
          return { next: null, result: { answer: answer(t), trade: current } };
        }
        return refuse(apiError(400, 'OUT_TRADE_NO_USED', '商户订单号重复'));
      }
      const prepayId = newPrepayId(now);
      const trade = newTrade<WechatpaySimTrade>(key, now, {
        state: 'NOTPAY',
        buyerToken: prepayId,
        closesAt,
        ...autoPay,
        data: {
          mchid: secrets.mchid,
          appid: secrets.appid,
          out_trade_no: body.out_trade_no,
          trade_type: tradeType,
          prepay_id: prepayId,
          transaction_id: null,
          description: body.description,
          attach: body.attach ?? null,
          total: body.amount.total,
          notify_url: body.notify_url,
          payer_openid: tradeType === 'JSAPI' ? (body.payer?.openid ?? null) : null,
          payer_client_ip: body.scene_info?.payer_client_ip ?? null,
          h5_type: body.scene_info?.h5_info?.type ?? null,
          trade_state: 'NOTPAY',
          create_time: now.toISOString(),
          time_expire: closesAt.toISOString(),
          success_time: null,
          close_time: null,
          close_reason: null,
          failed_attempts: [],
          refunds: [],
        },
      });
      return { next: trade, result: { answer: answer(trade.data), trade } };
    });
    if (result.trade) this.context.timers.wakeFor(result.trade);
    return result.answer;
  }

  /** The shopper's entry point each order type answers with. */
  prepayAnswer(t: WechatpaySimTrade): Record<string, unknown> {
    switch (t.trade_type) {
      case 'NATIVE':
        return { code_url: codeUrl(this.baseUrl, t) };
      case 'JSAPI':
        return { prepay_id: t.prepay_id };
      case 'MWEB':
        return { h5_url: h5Url(this.baseUrl, t) };
      default:
        return assertNever(t.trade_type);
    }
  }

  async queryByOutTradeNo(secrets: WechatpaySandboxSecrets, outTradeNo: string): Promise<ApiAnswer> {
    const key = this.trades.key(secrets.mchid, outTradeNo);
    await this.trades.refresh(key);
    const trade = await this.context.trades.get<WechatpaySimTrade>(key);
    if (!trade) return orderNotExist();
    await this.context.trades.countQuery(key);
    return ok(transactionJson(trade.data));
  }

  async queryByTransactionId(secrets: WechatpaySandboxSecrets, transactionId: string): Promise<ApiAnswer> {
    const trade = await this.context.trades.findByDataField<WechatpaySimTrade>(
      PROVIDER,
      secrets.mchid,
      'transaction_id',
      transactionId,
    );
    if (!trade) return orderNotExist();
    return this.queryByOutTradeNo(secrets, trade.outTradeNo);
  }

  /** POST …/out-trade-no/{no}/close. */
  async close(secrets: WechatpaySandboxSecrets, outTradeNo: string): Promise<ApiAnswer> {
    const key = this.trades.key(secrets.mchid, outTradeNo);
    await this.trades.refresh(key);
    const now = new Date();
    return this.context.trades.change<WechatpaySimTrade, ApiAnswer>(key, (current) => {
      // WeChat answers 204 for an order number it does not know, too (merchants must query to be sure).
      // https://developers.weixin.qq.com/community/pay/doc/000ac25b728328e60221a8d536b000
      if (!current) return { next: null, result: noContent() };
      const t = current.data;
      if (isPaid(t)) return { next: null, result: apiError(400, 'ORDER_PAID', '订单已支付') };
      if (t.trade_state === 'USERPAYING')
        return {
          next: null,
          result: { status: 202, body: { code: 'USER_PAYING', message: '用户支付中，需要输入密码' } },
        };
      if (t.trade_state === 'CLOSED') return { next: null, result: noContent() };
      return { next: closed(current, now, 'merchant'), result: noContent() };
    });
  }

  /** POST /v3/refund/domestic/refunds: accepted PROCESSING, settled a (time-scaled) minute later. */
  async refund(secrets: WechatpaySandboxSecrets, body: RefundBody): Promise<ApiAnswer> {
    let found: StoredTrade<WechatpaySimTrade> | null = null;
    if (body.transaction_id) {
      found = await this.context.trades.findByDataField<WechatpaySimTrade>(
        PROVIDER,
        secrets.mchid,
        'transaction_id',
        body.transaction_id,
      );
    } else if (body.out_trade_no) {
      found = await this.context.trades.get<WechatpaySimTrade>(this.trades.key(secrets.mchid, body.out_trade_no));
    } else {
      return paramError('/out_trade_no', 'transaction_id 与 out_trade_no 须二选一');
    }
    // Until it is paid there is no transaction to refund: WeChat says the order does not exist.
    const notFound = apiError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    if (!found) return notFound;
    await this.trades.refresh(found);
    const now = new Date();
    const outcome = await this.context.trades.change<
      WechatpaySimTrade,
      { answer: ApiAnswer; created: boolean; trade: StoredTrade<WechatpaySimTrade> | null }
    >(found, (current) => {
      const answer = (value: ApiAnswer) => ({ next: null, result: { answer: value, created: false, trade: null } });
      if (!current || !isPaid(current.data)) return answer(notFound);
      const t = current.data;
      const repeated = t.refunds.find((r) => r.out_refund_no === body.out_refund_no);
      if (repeated) {
        // The same out_refund_no is the same refund: answered again, never refunded twice.
        if (repeated.refund !== body.amount.refund)
          return answer(apiError(400, 'INVALID_REQUEST', '退款单号已存在，且退款金额与原请求不一致'));
        return answer(ok(refundJson(t, repeated)));
      }
      if (body.amount.total !== t.total)
        return answer(paramError('/amount/total', `原订单金额为 ${t.total}，与 amount.total 不一致`));
      // https://developers.weixin.qq.com/community/pay/doc/000c86698204e078e252aef9561000
      if (refundedTotal(t) + body.amount.refund > t.total)
        return answer(apiError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额'));
      if (t.refunds.length >= 50) return answer(apiError(403, 'RULE_LIMIT', '每个支付订单的部分退款次数不能超过50次'));
      const settlesAt = new Date(now.getTime() + REFUND_SETTLE_MS / this.context.timeScale);
      const refund: WechatpaySimRefund = {
        out_refund_no: body.out_refund_no,
        refund_id: `503${randomDigits(26)}`,
        refund: body.amount.refund,
        reason: body.reason ?? null,
        notify_url: body.notify_url ?? null,
        status: 'PROCESSING',
        create_time: now.toISOString(),
        success_time: null,
        settles_at: settlesAt.toISOString(),
        settles_as:
          this.context.faults.refundOutcome({
            provider: PROVIDER,
            accountId: secrets.mchid,
            outTradeNo: current.outTradeNo,
          }) === 'abnormal'
            ? 'ABNORMAL'
            : 'SUCCESS',
      };
      const data: WechatpaySimTrade = {
        ...t,
        trade_state: 'REFUND',
        refunds: [...t.refunds, refund],
        [`refund:${refund.out_refund_no}`]: refund.out_refund_no,
      };
      const next: StoredTrade<WechatpaySimTrade> = {
        ...current,
        state: 'REFUND',
        closesAt: nextSettlement(data),
        updatedAt: now,
        data,
      };
      return { next, result: { answer: ok(refundJson(data, refund)), created: true, trade: next } };
    });
    if (outcome.trade?.closesAt) this.context.timers.wakeAt(outcome.trade.closesAt);
    return outcome.answer;
  }

  /** GET /v3/refund/domestic/refunds/{out_refund_no}. */
  async refundQuery(secrets: WechatpaySandboxSecrets, outRefundNo: string): Promise<ApiAnswer> {
    const lookup = () =>
      this.context.trades.findByDataField<WechatpaySimTrade>(
        PROVIDER,
        secrets.mchid,
        `refund:${outRefundNo}`,
        outRefundNo,
      );
    const before = await lookup();
    if (!before) return apiError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    await this.trades.refresh(before);
    const trade = (await lookup()) as StoredTrade<WechatpaySimTrade>;
    const refund = trade.data.refunds.find((r) => r.out_refund_no === outRefundNo) as WechatpaySimRefund;
    return ok(refundJson(trade.data, refund));
  }

  /** The trade a refund query names, for fault scoping. */
  async tradeOfRefund(mchid: string, outRefundNo: string): Promise<string | null> {
    const trade = await this.context.trades.findByDataField<WechatpaySimTrade>(
      PROVIDER,
      mchid,
      `refund:${outRefundNo}`,
      outRefundNo,
    );
    return trade?.outTradeNo ?? null;
  }

  /**
   * GET /v3/certificates: the account's platform certificates, each encrypted with the APIv3 key.
   * https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay5_1.shtml
   */
  certificates(secrets: WechatpaySandboxSecrets): ApiAnswer {
    const certificates = secrets.signing_keys.filter((key) => key.kind === 'platform_certificate');
    if (certificates.length === 0) {
      return apiError(404, 'RESOURCE_NOT_EXISTS', '商户未使用平台证书，请使用微信支付公钥验签');
    }
    return ok({
      data: certificates.map((key) => {
        const nonce = randomAlphanumeric(12);
        return {
          serial_no: key.serial,
          effective_time: formatWechatTime(new Date(key.effective_time)),
          expire_time: key.expire_time ? formatWechatTime(new Date(key.expire_time)) : null,
          encrypt_certificate: {
            algorithm: 'AEAD_AES_256_GCM',
            nonce,
            associated_data: 'certificate',
            ciphertext: aeadEncrypt(key.certificate ?? '', secrets.api_v3_key, nonce, 'certificate'),
          },
        };
      }),
    });
  }
}

/** `wx` + China time to the second + 20 hex digits + `0000`: WeChat's shape, unguessable (it is the buyer pages' token). */
function newPrepayId(now: Date): string {
  return `wx${formatWechatTime(now).slice(0, 19).replace(/\D/g, '')}${randomBytes(10).toString('hex')}0000`;
}
