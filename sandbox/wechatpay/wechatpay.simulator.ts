import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { z } from 'zod';
import { assertNever } from '../../domain/assert-never';
import { parseAccountOptions } from '../account-options';
import { autoPayIfDue } from '../auto-pay';
import { ControlBadRequestError, ControlConflictError, ControlNotFoundError } from '../errors';
import { newRsaKeyPair } from '../keys';
import { deliveryPlan, type NotificationAttempt } from '../notifier';
import { randomDigits } from '../random';
import type { ProviderSimulator, SimulatorContext } from '../simulator';
import type { PayOutcome, StoredTrade, TradeKey } from '../trades';
import {
  apiError,
  isPaid,
  noContent,
  ok,
  orderNotExist,
  paramError,
  refundedTotal,
  TRADE_STATE_DESC,
  type ApiAnswer,
  type WechatpaySandboxSecrets,
  type WechatpaySigningKey,
  type WechatpaySimRefund,
  type WechatpaySimTrade,
  type WechatpayTradeType,
  type WechatpayVerificationMode,
} from './wechatpay.model';
import {
  notificationHeaders,
  notificationSigning,
  WechatpayNotificationSigningError,
  wechatpayNotificationSigningSchema,
} from './wechatpay.notification';
import { newAppSecret, openidOfAnotherApp, WechatOauth } from './wechatpay.oauth';
import { wechatpayRoutes } from './wechatpay.routes';
import {
  aeadEncrypt,
  formatWechatTime,
  parseWechatTime,
  randomAlphanumeric,
  randomSerial,
  selfSignedPlatformCertificate,
} from './wechatpay.signature';

const PROVIDER = 'wechatpay';

/**
 * WeChat retries an unacknowledged notification after 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m,
 * 60m, 3h, 3h, 3h, 6h and 6h (24h4m in all). https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_3_5.shtml
 */
export const WECHATPAY_NOTIFY_RETRY_SECONDS = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
] as const;

/** Without time_expire, an unpaid order can be paid for 2 hours (prepay_id's validity). */
const DEFAULT_EXPIRY_MS = 2 * 3600_000;
/** How long a refund stays PROCESSING before it reaches the shopper's balance (time-scaled). */
export const REFUND_SETTLE_MS = 60_000;

const verificationSchema = z.enum(['public_key', 'platform_certificate', 'both']);
const accountOptionsSchema = z.strictObject({
  verification: verificationSchema.optional(),
  /** Give the new merchant the WeChat Pay keys and APIv3 key of an existing one. */
  share_provider_keys_with: z.string().min(1).optional(),
});

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

export function createWechatpaySimulator(context: SimulatorContext): WechatpaySimulator {
  return new WechatpaySimulator(context);
}

/**
 * WeChat Pay APIv3 for the Native, JSAPI and H5 orders Tongbao uses, refunds, platform
 * certificates, the pages a shopper would see, and WeChat's signed, encrypted notifications.
 */
export class WechatpaySimulator implements ProviderSimulator {
  readonly provider = PROVIDER;
  readonly router: Router;
  /** Web OAuth (网页授权) of each merchant's 公众号, for JSAPI's openid. */
  readonly oauth: WechatOauth;
  /** Which key signed each merchant's last notification, for accounts switching keys. */
  private readonly notificationKeyTurn = new Map<string, number>();

  constructor(readonly context: SimulatorContext) {
    this.oauth = new WechatOauth(context);
    this.router = wechatpayRoutes(this);
  }

  get baseUrl(): string {
    return `${this.context.publicUrl}/wechatpay`;
  }

  // ---- accounts ----------------------------------------------------------------------------

  async createAccount(options: Record<string, unknown>): Promise<Record<string, unknown>> {
    const requested = parseAccountOptions(accountOptionsSchema, options);
    const merchant = await newRsaKeyPair('pkcs8');
    const mchid = `1${randomDigits(9)}`;
    let shared: WechatpaySandboxSecrets | null = null;
    if (requested.share_provider_keys_with) {
      shared = await this.account(requested.share_provider_keys_with);
      if (!shared)
        throw new ControlNotFoundError('no such wechatpay merchant to share its keys with', 'share_provider_keys_with');
      if (requested.verification && requested.verification !== shared.verification) {
        throw new ControlBadRequestError(
          `verification: ${shared.mchid} is in ${shared.verification} mode`,
          'verification',
        );
      }
    }
    const verification = shared?.verification ?? requested.verification ?? 'public_key';
    // The 公众号's AppSecret, for web OAuth: the merchant gets it now; the sandbox keeps its digest.
    const appSecret = newAppSecret();
    for (;;) {
      const secrets: WechatpaySandboxSecrets = {
        mchid,
        appid: `wx${randomBytes(8).toString('hex')}`,
        merchant_serial_no: randomSerial(40),
        merchant_public_key: merchant.publicKey,
        // A merchant sets the same APIv3 key on several mchids if it likes: sharing it makes the
        // other merchant's notifications decrypt, so that only the mchid tells them apart.
        api_v3_key: shared?.api_v3_key ?? randomAlphanumeric(32),
        app_secret_sha256: appSecret.sha256,
        verification,
        signing_keys: shared?.signing_keys ?? (await newSigningKeys(verification, mchid)),
      };
      const inserted = await this.context.accounts.insert({
        provider: PROVIDER,
        accountId: secrets.mchid,
        secrets,
        createdAt: new Date(),
      });
      if (!inserted) continue;
      this.context.logger.info({ provider: PROVIDER, mchid: secrets.mchid, verification }, 'sandbox account opened');
      const publicKey = secrets.signing_keys.find((key) => key.kind === 'public_key');
      const certificates = secrets.signing_keys.filter((key) => key.kind === 'platform_certificate');
      return {
        provider: PROVIDER,
        mchid: secrets.mchid,
        appid: secrets.appid,
        app_secret: appSecret.secret,
        merchant_serial_no: secrets.merchant_serial_no,
        merchant_private_key: merchant.privateKey,
        merchant_public_key: merchant.publicKey,
        api_v3_key: secrets.api_v3_key,
        verification,
        ...(publicKey ? { wechatpay_public_key_id: publicKey.serial, wechatpay_public_key: publicKey.public_key } : {}),
        ...(certificates.length > 0
          ? {
              platform_certificates: certificates.map((key) => ({
                serial_no: key.serial,
                certificate: key.certificate,
              })),
            }
          : {}),
        base_url: this.baseUrl,
      };
    }
  }

  async account(mchid: string): Promise<WechatpaySandboxSecrets | null> {
    const account = await this.context.accounts.get<WechatpaySandboxSecrets>(PROVIDER, mchid);
    return account?.secrets ?? null;
  }

  /**
   * The key WeChat signs an answer with: the one the request's `Wechatpay-Serial` names, else the
   * account's usual one (the certificate while switching: answers follow the request's header).
   * https://pay.weixin.qq.com/doc/v3/partner/4012925289
   */
  answerKey(secrets: WechatpaySandboxSecrets, requestedSerial?: string): WechatpaySigningKey {
    const named = requestedSerial ? secrets.signing_keys.find((key) => key.serial === requestedSerial) : undefined;
    if (named) return named;
    const preferred = secrets.verification === 'public_key' ? 'public_key' : 'platform_certificate';
    return secrets.signing_keys.find((key) => key.kind === preferred) ?? secrets.signing_keys[0];
  }

  /** Notifications of an account switching keys come signed by either, turn by turn (WeChat: at random). */
  private notificationKey(secrets: WechatpaySandboxSecrets): WechatpaySigningKey {
    const turn = this.notificationKeyTurn.get(secrets.mchid) ?? 0;
    this.notificationKeyTurn.set(secrets.mchid, turn + 1);
    if (secrets.verification !== 'both') return this.answerKey(secrets);
    return secrets.signing_keys[turn % secrets.signing_keys.length];
  }

  // ---- APIv3 -------------------------------------------------------------------------------

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
    const key: TradeKey = { provider: PROVIDER, accountId: secrets.mchid, outTradeNo: body.out_trade_no };
    await this.refresh(key);
    const autoPay = this.context.faults.autoPay({
      provider: PROVIDER,
      accountId: secrets.mchid,
      outTradeNo: body.out_trade_no,
    });
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
      const trade: StoredTrade<WechatpaySimTrade> = {
        ...key,
        state: 'NOTPAY',
        buyerToken: prepayId,
        closesAt,
        autoPayAt: autoPay ? new Date(now.getTime() + autoPay.afterMs) : null,
        autoPayOutcome: autoPay?.outcome ?? null,
        createdAt: now,
        updatedAt: now,
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
      };
      return { next: trade, result: { answer: answer(trade.data), trade } };
    });
    if (result.trade?.closesAt) this.context.timers.wakeAt(result.trade.closesAt);
    if (result.trade?.autoPayAt) this.context.timers.wakeAt(result.trade.autoPayAt);
    return result.answer;
  }

  /** The shopper's entry point each order type answers with. */
  prepayAnswer(t: WechatpaySimTrade): Record<string, unknown> {
    switch (t.trade_type) {
      case 'NATIVE':
        return { code_url: this.codeUrl(t) };
      case 'JSAPI':
        return { prepay_id: t.prepay_id };
      case 'MWEB':
        return { h5_url: this.h5Url(t) };
      default:
        return assertNever(t.trade_type);
    }
  }

  /** WeChat's is `weixin://wxpay/bizpayurl?pr=…`, which no browser opens: the sandbox's is its scan page. */
  codeUrl(t: WechatpaySimTrade): string {
    return `${this.baseUrl}/scan/${encodeURIComponent(t.prepay_id)}`;
  }

  /** WeChat's is `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=…&package=…`. */
  h5Url(t: WechatpaySimTrade): string {
    const pkg =
      Number.parseInt(createHash('sha256').update(t.prepay_id).digest('hex').slice(0, 8), 16) % 10_000_000_000;
    return `${this.baseUrl}/checkmweb?prepay_id=${encodeURIComponent(t.prepay_id)}&package=${pkg}`;
  }

  async queryByOutTradeNo(secrets: WechatpaySandboxSecrets, outTradeNo: string): Promise<ApiAnswer> {
    const key: TradeKey = { provider: PROVIDER, accountId: secrets.mchid, outTradeNo };
    await this.refresh(key);
    const trade = await this.context.trades.get<WechatpaySimTrade>(key);
    return trade ? ok(transactionJson(trade.data)) : orderNotExist();
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
    const key: TradeKey = { provider: PROVIDER, accountId: secrets.mchid, outTradeNo };
    await this.refresh(key);
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
      found = await this.context.trades.get<WechatpaySimTrade>({
        provider: PROVIDER,
        accountId: secrets.mchid,
        outTradeNo: body.out_trade_no,
      });
    } else {
      return paramError('/out_trade_no', 'transaction_id 与 out_trade_no 须二选一');
    }
    // Until it is paid there is no transaction to refund: WeChat says the order does not exist.
    const notFound = apiError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    if (!found) return notFound;
    await this.refresh(found);
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
    await this.refresh(before);
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

  // ---- the shopper ---------------------------------------------------------------------------

  async tradeForToken(token: string): Promise<StoredTrade<WechatpaySimTrade> | null> {
    const trade = await this.context.trades.findByToken<WechatpaySimTrade>(PROVIDER, token);
    if (!trade) return null;
    await this.refresh(trade);
    return this.context.trades.findByToken<WechatpaySimTrade>(PROVIDER, token);
  }

  async pay(key: TradeKey, outcome: PayOutcome): Promise<void> {
    await this.refresh(key);
    const now = new Date();
    const paid = await this.context.trades.change<WechatpaySimTrade, StoredTrade<WechatpaySimTrade>>(key, (current) => {
      if (!current) throw new ControlNotFoundError(`no wechatpay order ${key.outTradeNo}`, 'out_trade_no');
      const t = current.data;
      if (t.trade_state !== 'NOTPAY' && t.trade_state !== 'USERPAYING') {
        throw new ControlConflictError(
          `order ${key.outTradeNo} is ${t.trade_state}${t.close_reason ? ` (${t.close_reason})` : ''}, it cannot be paid`,
          'out_trade_no',
        );
      }
      const settled = { ...current, closesAt: null, autoPayAt: null, autoPayOutcome: null, updatedAt: now };
      if (outcome === 'fail') {
        const next: StoredTrade<WechatpaySimTrade> = {
          ...settled,
          state: 'PAYERROR',
          data: { ...t, trade_state: 'PAYERROR', failed_attempts: [...t.failed_attempts, now.toISOString()] },
        };
        return { next, result: next };
      }
      const next: StoredTrade<WechatpaySimTrade> = {
        ...settled,
        state: 'SUCCESS',
        data: {
          ...t,
          trade_state: 'SUCCESS',
          transaction_id: newTransactionId(now),
          payer_openid: t.payer_openid ?? `o${randomAlphanumeric(27)}`,
          success_time: now.toISOString(),
        },
      };
      return { next, result: next };
    });
    this.context.logger.info({ provider: PROVIDER, out_trade_no: key.outTradeNo, outcome }, 'buyer paid');
    // WeChat tells the merchant only of successful payments.
    if (outcome === 'success') await this.notifyPayment(paid);
  }

  /** The shopper opened the password prompt: USERPAYING until they pay or fail. */
  async startPaying(key: TradeKey): Promise<void> {
    await this.refresh(key);
    await this.context.trades.change<WechatpaySimTrade, void>(key, (current) => {
      if (!current) throw new ControlNotFoundError(`no wechatpay order ${key.outTradeNo}`, 'out_trade_no');
      if (current.data.trade_state !== 'NOTPAY') {
        throw new ControlConflictError(`order ${key.outTradeNo} is ${current.data.trade_state}`, 'out_trade_no');
      }
      return {
        next: {
          ...current,
          state: 'USERPAYING',
          updatedAt: new Date(),
          data: { ...current.data, trade_state: 'USERPAYING' },
        },
        result: undefined,
      };
    });
  }

  async onTradeDue(key: TradeKey, due: { expired: boolean; autoPay: boolean }): Promise<void> {
    await this.refresh(key);
    if (due.autoPay) await autoPayIfDue(this.context.trades, this, key);
  }

  describeTrade(stored: StoredTrade): Record<string, unknown> {
    const trade = stored as StoredTrade<WechatpaySimTrade>;
    const t = trade.data;
    const buyerUrl = {
      NATIVE: this.codeUrl(t),
      MWEB: this.h5Url(t),
      JSAPI: `${this.baseUrl}/jsapi/${encodeURIComponent(t.prepay_id)}`,
    }[t.trade_type];
    return {
      provider: PROVIDER,
      mchid: t.mchid,
      appid: t.appid,
      out_trade_no: t.out_trade_no,
      transaction_id: t.transaction_id,
      prepay_id: t.prepay_id,
      trade_type: t.trade_type,
      state: t.trade_state,
      trade_state: t.trade_state,
      trade_state_desc: TRADE_STATE_DESC[t.trade_state],
      close_reason: t.close_reason,
      failed_attempts: t.failed_attempts,
      currency: 'CNY',
      amount: t.total,
      amount_refunded: refundedTotal(t),
      description: t.description,
      notify_url: t.notify_url,
      buyer_url: buyerUrl,
      payer_openid: t.payer_openid,
      payer_client_ip: t.payer_client_ip,
      created_at: t.create_time,
      time_expire: t.time_expire,
      paid_at: t.success_time,
      closed_at: t.close_time,
      closes_at: isPaid(t) ? null : (trade.closesAt?.toISOString() ?? null),
      auto_pay_at: trade.autoPayAt?.toISOString() ?? null,
      refunds: t.refunds.map((r) => ({
        out_refund_no: r.out_refund_no,
        refund_id: r.refund_id,
        amount: r.refund,
        status: r.status,
        reason: r.reason,
        notify_url: r.notify_url,
        created_at: r.create_time,
        success_time: r.success_time,
        settles_at: r.status === 'PROCESSING' ? r.settles_at : null,
      })),
    };
  }

  /** Received is any 2xx (WeChat names 200 and 204); anything else is retried. https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_3_5.shtml */
  acknowledges(status: number): boolean {
    return status >= 200 && status < 300;
  }

  // ---- notifications -----------------------------------------------------------------------

  /**
   * Signs each attempt afresh, with the key and the fault decided when it was queued: WeChat
   * signs every retry anew, so a retry a day later still has a recent timestamp.
   */
  async notificationHeaders(n: NotificationAttempt): Promise<Record<string, string>> {
    const signing = wechatpayNotificationSigningSchema.safeParse(n.signing);
    if (!signing.success) {
      throw new WechatpayNotificationSigningError(
        `notification ${n.kind} of ${n.outTradeNo} has no signing decision it can read`,
      );
    }
    const secrets = await this.account(n.accountId);
    if (!secrets) throw new WechatpayNotificationSigningError(`merchant ${n.accountId} no longer exists`);
    const key = secrets.signing_keys.find((candidate) => candidate.serial === signing.data.serial);
    if (!key) throw new WechatpayNotificationSigningError(`merchant ${n.accountId} has no key ${signing.data.serial}`);
    return notificationHeaders(n.body, key, signing.data.mode);
  }

  private async notifyPayment(trade: StoredTrade<WechatpaySimTrade>): Promise<void> {
    const t = trade.data;
    const faults = this.context.faults.notifications({
      provider: PROVIDER,
      accountId: t.mchid,
      outTradeNo: t.out_trade_no,
    });
    const resource = (total: number) => ({
      ...transactionJson({ ...t, trade_state: 'SUCCESS' }),
      amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
    });
    await this.enqueue(t, {
      url: t.notify_url,
      eventType: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      originalType: 'transaction',
      resource: resource(t.total),
      // A genuine, correctly signed notification that disagrees with the merchant's order: only
      // the receiver's own amount check can catch it.
      wrongAmountResource: resource(t.total + 100),
      kind: 'TRANSACTION.SUCCESS',
      faults,
    });
  }

  private async notifyRefund(t: WechatpaySimTrade, refund: WechatpaySimRefund): Promise<void> {
    // Without notify_url WeChat uses the one set in the merchant platform; the sandbox has none.
    if (!refund.notify_url || !t.transaction_id) return;
    const faults = this.context.faults.notifications({
      provider: PROVIDER,
      accountId: t.mchid,
      outTradeNo: t.out_trade_no,
    });
    const eventType = `REFUND.${refund.status}`;
    const resource = (amount: number) => ({
      mchid: t.mchid,
      out_trade_no: t.out_trade_no,
      transaction_id: t.transaction_id,
      out_refund_no: refund.out_refund_no,
      refund_id: refund.refund_id,
      refund_status: refund.status,
      success_time: refund.success_time ? formatWechatTime(new Date(refund.success_time)) : undefined,
      user_received_account: '支付用户零钱',
      amount: { total: t.total, refund: amount, payer_total: t.total, payer_refund: amount },
    });
    await this.enqueue(t, {
      url: refund.notify_url,
      eventType,
      summary: { SUCCESS: '退款成功', ABNORMAL: '退款异常', CLOSED: '退款关闭', PROCESSING: '退款处理中' }[
        refund.status
      ],
      originalType: 'refund',
      resource: resource(refund.refund),
      wrongAmountResource: resource(refund.refund + 100),
      kind: `${eventType}:${refund.out_refund_no}`,
      faults,
    });
  }

  private async enqueue(
    t: WechatpaySimTrade,
    n: {
      url: string;
      eventType: string;
      summary: string;
      originalType: 'transaction' | 'refund';
      resource: Record<string, unknown>;
      wrongAmountResource: Record<string, unknown>;
      kind: string;
      faults: ReturnType<SimulatorContext['faults']['notifications']>;
    },
  ): Promise<void> {
    const secrets = await this.account(t.mchid);
    if (!secrets) return;
    const { mode } = n.faults;
    const plaintext = mode === 'signed_wrong_amount' || mode === 'tamper_amount' ? n.wrongAmountResource : n.resource;
    const nonce = randomAlphanumeric(12);
    const body = JSON.stringify({
      id: randomUUID(),
      create_time: formatWechatTime(new Date()),
      resource_type: 'encrypt-resource',
      event_type: n.eventType,
      summary: n.summary,
      resource: {
        original_type: n.originalType,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: aeadEncrypt(JSON.stringify(plaintext), secrets.api_v3_key, nonce, n.originalType),
        associated_data: n.originalType,
        nonce,
      },
    });
    await this.context.notifier.enqueue(
      {
        provider: PROVIDER,
        accountId: t.mchid,
        outTradeNo: t.out_trade_no,
        kind: n.kind,
        url: n.url,
        contentType: 'application/json',
        body,
        // Signed at each attempt by notificationHeaders; what must stay the same across retries is decided now.
        signing: notificationSigning(mode, this.notificationKey(secrets)),
      },
      deliveryPlan(
        n.faults,
        WECHATPAY_NOTIFY_RETRY_SECONDS.map((seconds) => seconds * 1000),
        this.context.timeScale,
      ),
    );
  }

  // ---- time ----------------------------------------------------------------------------------

  /** Closes the order if its time_expire passed unpaid, and settles refunds whose time came. */
  async refresh(key: TradeKey): Promise<void> {
    const now = new Date();
    const outcome = await this.context.trades.change<
      WechatpaySimTrade,
      { expired: boolean; settled: WechatpaySimRefund[]; trade: WechatpaySimTrade | null }
    >(key, (current) => {
      const none = { next: null, result: { expired: false, settled: [], trade: null } };
      if (!current?.closesAt || current.closesAt.getTime() > now.getTime()) return none;
      const t = current.data;
      if (t.trade_state === 'NOTPAY' || t.trade_state === 'USERPAYING') {
        // WeChat does not notify merchants of closed orders.
        return { next: closed(current, now, 'expired'), result: { expired: true, settled: [], trade: null } };
      }
      const settled: WechatpaySimRefund[] = [];
      const refunds = t.refunds.map((r) => {
        if (r.status !== 'PROCESSING' || !r.settles_at || Date.parse(r.settles_at) > now.getTime()) return r;
        const abnormal = r.settles_as === 'ABNORMAL';
        const done: WechatpaySimRefund = {
          ...r,
          status: abnormal ? 'ABNORMAL' : 'SUCCESS',
          success_time: abnormal ? null : now.toISOString(),
          settles_at: null,
        };
        settled.push(done);
        return done;
      });
      const data = { ...t, refunds };
      return {
        next: { ...current, closesAt: nextSettlement(data), updatedAt: now, data },
        result: { expired: false, settled, trade: data },
      };
    });
    if (outcome.expired)
      this.context.logger.info({ provider: PROVIDER, out_trade_no: key.outTradeNo }, 'order expired');
    const trade = outcome.trade;
    if (!trade) return;
    for (const refund of outcome.settled) await this.notifyRefund(trade, refund);
    const next = nextSettlement(trade);
    if (next) this.context.timers.wakeAt(next);
  }
}

async function newSigningKeys(mode: WechatpayVerificationMode, mchid: string): Promise<WechatpaySigningKey[]> {
  const now = new Date();
  const keys: WechatpaySigningKey[] = [];
  if (mode === 'public_key' || mode === 'both') {
    const pair = await newRsaKeyPair('pkcs8');
    keys.push({
      kind: 'public_key',
      serial: `PUB_KEY_ID_01${`${mchid}${formatWechatTime(now).slice(0, 10).replaceAll('-', '')}${randomDigits(32)}`.slice(0, 32)}`,
      private_key: pair.privateKey,
      public_key: pair.publicKey,
      certificate: null,
      effective_time: now.toISOString(),
      expire_time: null,
    });
  }
  if (mode === 'platform_certificate' || mode === 'both') {
    const pair = await newRsaKeyPair('pkcs8');
    const serial = randomSerial(40);
    keys.push({
      kind: 'platform_certificate',
      serial,
      private_key: pair.privateKey,
      public_key: pair.publicKey,
      certificate: selfSignedPlatformCertificate(pair, serial, mchid, now),
      effective_time: new Date(now.getTime() - 86_400_000).toISOString(),
      expire_time: new Date(now.getTime() + 5 * 365 * 86_400_000).toISOString(),
    });
  }
  return keys;
}

function closed(
  current: StoredTrade<WechatpaySimTrade>,
  now: Date,
  reason: 'merchant' | 'expired',
): StoredTrade<WechatpaySimTrade> {
  return {
    ...current,
    state: 'CLOSED',
    closesAt: null,
    autoPayAt: null,
    autoPayOutcome: null,
    updatedAt: now,
    data: { ...current.data, trade_state: 'CLOSED', close_time: now.toISOString(), close_reason: reason },
  };
}

/** A paid order's `closesAt` is when its next refund settles: the shared timers keep one time per trade. */
function nextSettlement(t: WechatpaySimTrade): Date | null {
  const times = t.refunds
    .filter((r) => r.status === 'PROCESSING' && r.settles_at)
    .map((r) => Date.parse(r.settles_at as string));
  return times.length > 0 ? new Date(Math.min(...times)) : null;
}

/** The transaction as the query answers it (and TRANSACTION.SUCCESS carries it). */
export function transactionJson(t: WechatpaySimTrade): Record<string, unknown> {
  const paid = isPaid(t);
  return {
    appid: t.appid,
    mchid: t.mchid,
    out_trade_no: t.out_trade_no,
    ...(t.transaction_id ? { transaction_id: t.transaction_id } : {}),
    ...(paid ? { trade_type: t.trade_type, bank_type: 'OTHERS' } : {}),
    trade_state: t.trade_state,
    trade_state_desc: TRADE_STATE_DESC[t.trade_state],
    attach: t.attach ?? '',
    ...(t.success_time ? { success_time: formatWechatTime(new Date(t.success_time)) } : {}),
    ...(paid && t.payer_openid ? { payer: { openid: t.payer_openid } } : {}),
    amount: paid
      ? { total: t.total, payer_total: t.total, currency: 'CNY', payer_currency: 'CNY' }
      : { total: t.total, currency: 'CNY', payer_currency: 'CNY' },
    promotion_detail: [],
  };
}

function refundJson(t: WechatpaySimTrade, r: WechatpaySimRefund): Record<string, unknown> {
  return {
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: t.transaction_id,
    out_trade_no: t.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(r.success_time ? { success_time: formatWechatTime(new Date(r.success_time)) } : {}),
    create_time: formatWechatTime(new Date(r.create_time)),
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: t.total,
      refund: r.refund,
      from: [],
      payer_total: t.total,
      payer_refund: r.refund,
      settlement_refund: r.refund,
      settlement_total: t.total,
      discount_refund: 0,
      currency: 'CNY',
      refund_fee: 0,
    },
    promotion_detail: [],
  };
}

/** `wx` + China time to the second + 20 hex digits + `0000`: WeChat's shape, unguessable (it is the buyer pages' token). */
function newPrepayId(now: Date): string {
  return `wx${formatWechatTime(now).slice(0, 19).replace(/\D/g, '')}${randomBytes(10).toString('hex')}0000`;
}

/** WeChat transaction ids are 28 digits: 4200, a channel code, the date, a sequence. */
function newTransactionId(now: Date): string {
  return `420000${randomDigits(4)}${formatWechatTime(now).slice(0, 10).replaceAll('-', '')}${randomDigits(10)}`;
}
