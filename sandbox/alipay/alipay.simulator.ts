import { deliveryPlan } from '../notifier';
import type { Router } from 'express';
import { z } from 'zod';
import { fromDecimalString } from '../../domain/money';
import { randomToken } from '../../domain/ids';
import { parseAccountOptions } from '../account-options';
import { autoPayIfDue } from '../auto-pay';
import { ControlConflictError, ControlNotFoundError } from '../errors';
import { newRsaKeyPair } from '../keys';
import { randomDigits } from '../random';
import type { ProviderSimulator, SimulatorContext } from '../simulator';
import type { PayOutcome, StoredTrade, TradeKey } from '../trades';
import { isHttpUrl } from '../urls';
import { alipayRoutes } from './alipay.routes';
import {
  businessFailed,
  invalidParameter,
  isPaid,
  success,
  TRADE_NOT_EXIST,
  yuan,
  type AlipayCloseReason,
  type AlipaySandboxSecrets,
  type AlipaySimTrade,
  type AlipayTradeMethod,
} from './alipay.model';
import { notificationSignContent, rsa2Sign } from './alipay.signature';
import { formatChinaTime, formatChinaTimeMillis, parseChinaTime, parseTimeoutExpress } from './alipay.time';

const PROVIDER = 'alipay';
/** Alipay retries an unacknowledged notification after 4m, 10m, 10m, 1h, 2h, 6h and 15h. https://opendocs.alipay.com/open/270/105902 */
export const ALIPAY_NOTIFY_RETRY_MINUTES = [4, 10, 10, 60, 120, 360, 900] as const;

/** Without time_expire or timeout_express, an unpaid Alipay trade closes after 15 days. */
const DEFAULT_TIMEOUT_MS = 15 * 86_400_000;
const MAX_TOTAL_FEN = 10_000_000_000;

const accountOptionsSchema = z.strictObject({
  /** Give the new app the Alipay key pair of an existing one, as apps of one Alipay developer may share it. */
  share_provider_keys_with: z.string().min(1).optional(),
});

/** Business parameters (biz_content) as the gateway received them. */
export type BizContent = Record<string, unknown>;

/** What one gateway call answers: the inner object of `<method>_response`. */
export type GatewayAnswer = Record<string, unknown>;

/** A page.pay / wap.pay request either opens the cashier or shows Alipay's error page. */
export type PageOpening = { ok: true; token: string } | { ok: false; answer: GatewayAnswer };

interface RefundEvent {
  out_request_no: string;
  at: Date;
}

export function createAlipaySimulator(context: SimulatorContext): AlipaySimulator {
  return new AlipaySimulator(context);
}

/**
 * Alipay's OpenAPI (gateway.do, RSA2) for the trade APIs Tongbao uses, with the cashier and QR
 * pages a buyer would see, and Alipay's signed asynchronous notifications.
 */
export class AlipaySimulator implements ProviderSimulator {
  readonly provider = PROVIDER;
  readonly router: Router;

  constructor(readonly context: SimulatorContext) {
    this.router = alipayRoutes(this);
  }

  get gatewayUrl(): string {
    return `${this.context.publicUrl}/alipay/gateway.do`;
  }

  async createAccount(options: Record<string, unknown>): Promise<Record<string, unknown>> {
    const requested = parseAccountOptions(accountOptionsSchema, options);
    let platform: { privateKey: string; publicKey: string };
    if (requested.share_provider_keys_with) {
      const other = await this.account(requested.share_provider_keys_with);
      if (!other)
        throw new ControlNotFoundError('no such alipay app to share its key with', 'share_provider_keys_with');
      platform = { privateKey: other.platform_private_key, publicKey: other.platform_public_key };
    } else {
      platform = await newRsaKeyPair('pkcs1');
    }
    const merchant = await newRsaKeyPair('pkcs1');
    for (;;) {
      const secrets: AlipaySandboxSecrets = {
        app_id: `2021${randomDigits(12)}`,
        seller_id: `2088${randomDigits(12)}`,
        merchant_public_key: merchant.publicKey,
        platform_private_key: platform.privateKey,
        platform_public_key: platform.publicKey,
      };
      const inserted = await this.context.accounts.insert({
        provider: PROVIDER,
        accountId: secrets.app_id,
        secrets,
        createdAt: new Date(),
      });
      if (!inserted) continue;
      this.context.logger.info({ provider: PROVIDER, app_id: secrets.app_id }, 'sandbox account opened');
      return {
        provider: PROVIDER,
        app_id: secrets.app_id,
        seller_id: secrets.seller_id,
        merchant_private_key: merchant.privateKey,
        merchant_public_key: merchant.publicKey,
        alipay_public_key: platform.publicKey,
        gateway: this.gatewayUrl,
        sign_type: 'RSA2',
      };
    }
  }

  async account(appId: string): Promise<AlipaySandboxSecrets | null> {
    const account = await this.context.accounts.get<AlipaySandboxSecrets>(PROVIDER, appId);
    return account?.secrets ?? null;
  }

  // ---- gateway methods -------------------------------------------------------------------

  /** alipay.trade.precreate: an order the buyer pays by scanning `qr_code`. */
  async precreate(
    secrets: AlipaySandboxSecrets,
    common: Record<string, string>,
    biz: BizContent,
  ): Promise<GatewayAnswer> {
    const created = await this.createTrade(secrets, 'alipay.trade.precreate', common, biz);
    if (!created.ok) return created.answer;
    return success({
      out_trade_no: created.trade.outTradeNo,
      qr_code: `${this.context.publicUrl}/alipay/qr/${created.trade.buyerToken}`,
    });
  }

  /** alipay.trade.page.pay / wap.pay, reached by the shopper's browser: the trade exists once the cashier opens. */
  async openPage(
    secrets: AlipaySandboxSecrets,
    method: 'alipay.trade.page.pay' | 'alipay.trade.wap.pay',
    common: Record<string, string>,
    biz: BizContent,
  ): Promise<PageOpening> {
    const created = await this.createTrade(secrets, method, common, biz);
    return created.ok ? { ok: true, token: created.trade.buyerToken } : { ok: false, answer: created.answer };
  }

  async query(secrets: AlipaySandboxSecrets, biz: BizContent): Promise<GatewayAnswer> {
    const trade = await this.findForApi(secrets, biz);
    if (!trade) return TRADE_NOT_EXIST(text(biz.out_trade_no));
    const t = trade.data;
    const paid = isPaid(t);
    const fields: Record<string, unknown> = {
      trade_no: t.trade_no,
      out_trade_no: t.out_trade_no,
      trade_status: t.trade_status,
      total_amount: yuan(t.total_fen),
      buyer_pay_amount: paid ? yuan(t.total_fen) : '0.00',
      point_amount: '0.00',
      invoice_amount: paid ? yuan(t.total_fen) : '0.00',
      receipt_amount: paid ? yuan(t.total_fen) : '0.00',
    };
    if (t.buyer_logon_id) fields.buyer_logon_id = t.buyer_logon_id;
    if (t.buyer_id) {
      fields.buyer_user_id = t.buyer_id;
      fields.buyer_user_type = 'PRIVATE';
    }
    if (t.gmt_payment) {
      fields.send_pay_date = formatChinaTime(new Date(t.gmt_payment));
      fields.fund_bill_list = [{ fund_channel: 'ALIPAYACCOUNT', amount: yuan(t.total_fen) }];
    }
    return success(fields);
  }

  async close(secrets: AlipaySandboxSecrets, biz: BizContent): Promise<GatewayAnswer> {
    const found = await this.findForApi(secrets, biz, { includeUnopened: true });
    if (!found) return TRADE_NOT_EXIST(text(biz.out_trade_no));
    const now = new Date();
    const outcome = await this.context.trades.change<
      AlipaySimTrade,
      { answer: GatewayAnswer; closed: StoredTrade<AlipaySimTrade> | null }
    >(found, (current) => {
      if (!current) return { next: null, result: { answer: TRADE_NOT_EXIST(found.outTradeNo), closed: null } };
      if (current.data.trade_status !== 'WAIT_BUYER_PAY') {
        const answer = current.data.buyer_opened
          ? businessFailed('ACQ.TRADE_STATUS_ERROR', '交易状态不合法')
          : TRADE_NOT_EXIST(found.outTradeNo);
        return { next: null, result: { answer, closed: null } };
      }
      const next = closed(current, now, 'merchant');
      // A precreated order nobody scanned is not a trade yet: Alipay answers that it does not exist.
      const answer = current.data.buyer_opened
        ? success({ trade_no: current.data.trade_no, out_trade_no: current.outTradeNo })
        : TRADE_NOT_EXIST(found.outTradeNo);
      return { next, result: { answer, closed: current.data.buyer_opened ? next : null } };
    });
    if (outcome.closed) await this.notify(outcome.closed);
    return outcome.answer;
  }

  async refund(secrets: AlipaySandboxSecrets, biz: BizContent): Promise<GatewayAnswer> {
    const found = await this.findForApi(secrets, biz);
    if (!found) return TRADE_NOT_EXIST(text(biz.out_trade_no));
    const amountText = text(biz.refund_amount);
    if (amountText === undefined) return invalidParameter('refund_amount 不能为空');
    const refundFen = parseFen(amountText);
    if (refundFen === null) return invalidParameter('refund_amount 格式错误');
    const outRequestNo = text(biz.out_request_no) ?? found.outTradeNo;
    if (outRequestNo.length > 64) return invalidParameter('out_request_no 过长');
    const reason = text(biz.refund_reason) ?? null;
    const now = new Date();

    const outcome = await this.context.trades.change<
      AlipaySimTrade,
      { answer: GatewayAnswer; refunded: StoredTrade<AlipaySimTrade> | null }
    >(found, (current) => {
      const answer = (value: GatewayAnswer) => ({ next: null, result: { answer: value, refunded: null } });
      if (!current) return answer(TRADE_NOT_EXIST(found.outTradeNo));
      const t = current.data;
      const repeated = t.refunds.find((r) => r.out_request_no === outRequestNo);
      if (repeated) {
        // The same out_request_no is the same refund: Alipay answers it again without moving money.
        if (repeated.refund_fen !== refundFen) {
          return answer(businessFailed('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息与之前请求不一致'));
        }
        return answer(refundAnswer(t, 'N', new Date(repeated.gmt_refund_pay), repeated.refund_fen));
      }
      if (!isPaid(t)) return answer(businessFailed('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
      if (t.trade_status === 'TRADE_FINISHED') return answer(businessFailed('ACQ.TRADE_HAS_FINISHED', '交易已完结'));
      if (t.refunded_fen + refundFen > t.total_fen) {
        return answer(businessFailed('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限'));
      }
      const refunds = [
        ...t.refunds,
        {
          out_request_no: outRequestNo,
          refund_fen: refundFen,
          refund_reason: reason,
          gmt_refund_pay: now.toISOString(),
        },
      ];
      let next: StoredTrade<AlipaySimTrade> = {
        ...current,
        updatedAt: now,
        data: { ...t, refunds, refunded_fen: t.refunded_fen + refundFen },
      };
      // A fully refunded trade closes (TRADE_CLOSED), and keeps its payment date.
      if (next.data.refunded_fen === t.total_fen) next = closed(next, now, 'refunded');
      return { next, result: { answer: refundAnswer(next.data, 'Y', now, refundFen), refunded: next } };
    });
    if (outcome.refunded) await this.notify(outcome.refunded, { out_request_no: outRequestNo, at: now });
    return outcome.answer;
  }

  async refundQuery(secrets: AlipaySandboxSecrets, biz: BizContent): Promise<GatewayAnswer> {
    const trade = await this.findForApi(secrets, biz);
    if (!trade) return TRADE_NOT_EXIST(text(biz.out_trade_no));
    const outRequestNo = text(biz.out_request_no);
    if (!outRequestNo) return invalidParameter('out_request_no 不能为空');
    const refund = trade.data.refunds.find((r) => r.out_request_no === outRequestNo);
    // An unknown refund is not an error: the answer simply carries no refund.
    if (!refund) return success({ trade_no: trade.data.trade_no, out_trade_no: trade.outTradeNo });
    return success({
      trade_no: trade.data.trade_no,
      out_trade_no: trade.outTradeNo,
      out_request_no: refund.out_request_no,
      total_amount: yuan(trade.data.total_fen),
      refund_amount: yuan(refund.refund_fen),
      refund_status: 'REFUND_SUCCESS',
      gmt_refund_pay: formatChinaTime(new Date(refund.gmt_refund_pay)),
      ...(refund.refund_reason ? { refund_reason: refund.refund_reason } : {}),
    });
  }

  // ---- the buyer ---------------------------------------------------------------------------

  async tradeForToken(token: string): Promise<StoredTrade<AlipaySimTrade> | null> {
    const trade = await this.context.trades.findByToken<AlipaySimTrade>(PROVIDER, token);
    if (trade && (await this.expireIfDue(trade)))
      return this.context.trades.findByToken<AlipaySimTrade>(PROVIDER, token);
    return trade;
  }

  /** The buyer scanned the QR code: from now on the trade exists for query and close. */
  async scan(trade: StoredTrade<AlipaySimTrade>): Promise<StoredTrade<AlipaySimTrade>> {
    if (trade.data.buyer_opened) return trade;
    const now = new Date();
    return this.context.trades.change<AlipaySimTrade, StoredTrade<AlipaySimTrade>>(trade, (current) => {
      if (!current) throw new ControlNotFoundError('trade vanished');
      if (current.data.buyer_opened || current.data.trade_status !== 'WAIT_BUYER_PAY')
        return { next: null, result: current };
      const next = { ...current, updatedAt: now, data: { ...current.data, buyer_opened: true } };
      return { next, result: next };
    });
  }

  async pay(key: TradeKey, outcome: PayOutcome): Promise<void> {
    await this.expireIfDue(key);
    const now = new Date();
    const paid = await this.context.trades.change<AlipaySimTrade, StoredTrade<AlipaySimTrade>>(key, (current) => {
      if (!current) throw new ControlNotFoundError(`no alipay trade ${key.outTradeNo}`, 'out_trade_no');
      if (current.data.trade_status !== 'WAIT_BUYER_PAY') {
        throw new ControlConflictError(
          `trade ${key.outTradeNo} is ${current.data.trade_status}` +
            (current.data.close_reason ? ` (${current.data.close_reason})` : '') +
            ', it cannot be paid',
          'out_trade_no',
        );
      }
      if (outcome === 'fail') {
        const next: StoredTrade<AlipaySimTrade> = {
          ...current,
          autoPayAt: null,
          autoPayOutcome: null,
          updatedAt: now,
          data: {
            ...current.data,
            buyer_opened: true,
            failed_attempts: [...(current.data.failed_attempts ?? []), now.toISOString()],
          },
        };
        return { next, result: next };
      }
      const next: StoredTrade<AlipaySimTrade> = {
        ...current,
        state: 'TRADE_SUCCESS',
        closesAt: null,
        autoPayAt: null,
        autoPayOutcome: null,
        updatedAt: now,
        data: {
          ...current.data,
          trade_status: 'TRADE_SUCCESS',
          buyer_opened: true,
          buyer_id: `2088${randomDigits(12)}`,
          buyer_logon_id: `sbx***@sandbox.tongbao.dev`,
          gmt_payment: now.toISOString(),
        },
      };
      return { next, result: next };
    });
    this.context.logger.info({ provider: PROVIDER, out_trade_no: key.outTradeNo, outcome }, 'buyer paid');
    if (outcome === 'success') await this.notify(paid);
  }

  async onTradeDue(key: TradeKey, due: { expired: boolean; autoPay: boolean }): Promise<void> {
    if (await this.expireIfDue(key)) return;
    if (due.autoPay) await autoPayIfDue(this.context.trades, this, key);
  }

  /** The synchronous return: the shopper's browser is sent to return_url with Alipay's signed parameters. */
  returnUrl(trade: StoredTrade<AlipaySimTrade>, secrets: AlipaySandboxSecrets): string | null {
    const t = trade.data;
    if (!t.return_url || t.trade_status !== 'TRADE_SUCCESS') return null;
    const params: Record<string, string> = {
      charset: 'utf-8',
      out_trade_no: t.out_trade_no,
      method: `${t.method}.return`,
      total_amount: yuan(t.total_fen),
      trade_no: t.trade_no,
      auth_app_id: t.app_id,
      version: '1.0',
      app_id: t.app_id,
      sign_type: 'RSA2',
      seller_id: secrets.seller_id,
      timestamp: formatChinaTime(new Date()),
    };
    params.sign = rsa2Sign(notificationSignContent(params), secrets.platform_private_key);
    const url = new URL(t.return_url);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.toString();
  }

  describeTrade(stored: StoredTrade): Record<string, unknown> {
    const trade = stored as StoredTrade<AlipaySimTrade>;
    const t = trade.data;
    return {
      provider: PROVIDER,
      app_id: t.app_id,
      out_trade_no: t.out_trade_no,
      trade_no: t.trade_no,
      method: t.method,
      product_code: t.product_code,
      state: t.trade_status,
      trade_status: t.trade_status,
      buyer_opened: t.buyer_opened,
      close_reason: t.close_reason,
      failed_attempts: t.failed_attempts ?? [],
      currency: 'CNY',
      amount: t.total_fen,
      total_amount: yuan(t.total_fen),
      amount_refunded: t.refunded_fen,
      subject: t.subject,
      body: t.body,
      notify_url: t.notify_url,
      return_url: t.return_url,
      quit_url: t.quit_url,
      buyer_url: `${this.context.publicUrl}/alipay/${t.method === 'alipay.trade.precreate' ? 'qr' : 'cashier'}/${trade.buyerToken}`,
      buyer_logon_id: t.buyer_logon_id,
      created_at: t.gmt_create,
      paid_at: t.gmt_payment,
      closed_at: t.gmt_close,
      closes_at: trade.closesAt?.toISOString() ?? null,
      auto_pay_at: trade.autoPayAt?.toISOString() ?? null,
      refunds: t.refunds.map((r) => ({
        out_request_no: r.out_request_no,
        amount: r.refund_fen,
        refund_amount: yuan(r.refund_fen),
        reason: r.refund_reason,
        created_at: r.gmt_refund_pay,
      })),
    };
  }

  /** Alipay stops retrying only when the answer's body is `success`. https://opendocs.alipay.com/open/270/105902 */
  acknowledges(status: number, body: string): boolean {
    return status >= 200 && status < 300 && body.trim() === 'success';
  }

  // ---- internals ---------------------------------------------------------------------------

  private async createTrade(
    secrets: AlipaySandboxSecrets,
    method: AlipayTradeMethod,
    common: Record<string, string>,
    biz: BizContent,
  ): Promise<{ ok: true; trade: StoredTrade<AlipaySimTrade> } | { ok: false; answer: GatewayAnswer }> {
    const fail = (answer: GatewayAnswer) => ({ ok: false as const, answer });
    const outTradeNo = text(biz.out_trade_no);
    if (!outTradeNo) return fail(invalidParameter('out_trade_no 不能为空'));
    if (!/^[A-Za-z0-9_]{1,64}$/.test(outTradeNo))
      return fail(invalidParameter('out_trade_no 只能包含字母、数字、下划线，最长 64 位'));
    const amountText = text(biz.total_amount);
    if (amountText === undefined) return fail(invalidParameter('total_amount 不能为空'));
    const totalFen = parseFen(amountText);
    if (totalFen === null) return fail(invalidParameter('total_amount 格式错误，取值范围 [0.01,100000000]'));
    const subject = text(biz.subject);
    if (!subject) return fail(invalidParameter('subject 不能为空'));
    if (subject.length > 256) return fail(invalidParameter('subject 过长'));
    const productCode = text(biz.product_code) ?? null;
    const expectedProduct = {
      'alipay.trade.page.pay': 'FAST_INSTANT_TRADE_PAY',
      'alipay.trade.wap.pay': 'QUICK_WAP_WAY',
      'alipay.trade.precreate': null,
    }[method];
    if (expectedProduct && productCode && productCode !== expectedProduct) {
      return fail(businessFailed('ACQ.PRODUCT_CODE_ERROR', `product_code 应为 ${expectedProduct}`));
    }
    const now = new Date();
    let closesAt: Date;
    const timeExpire = text(biz.time_expire);
    const timeoutExpress = text(biz.timeout_express);
    if (timeExpire !== undefined) {
      const at = parseChinaTime(timeExpire);
      if (!at) return fail(invalidParameter('time_expire 格式应为 yyyy-MM-dd HH:mm:ss'));
      closesAt = at;
    } else if (timeoutExpress !== undefined) {
      const ms = parseTimeoutExpress(timeoutExpress, now);
      if (ms === null) return fail(invalidParameter('timeout_express 取值范围 1m～15d'));
      closesAt = new Date(now.getTime() + ms / this.context.timeScale);
    } else {
      closesAt = new Date(now.getTime() + DEFAULT_TIMEOUT_MS / this.context.timeScale);
    }
    const notifyUrl = common.notify_url || null;
    const returnUrl = method === 'alipay.trade.precreate' ? null : common.return_url || null;
    for (const [name, value] of [
      ['notify_url', notifyUrl],
      ['return_url', returnUrl],
    ] as const) {
      if (value && !isHttpUrl(value)) return fail(invalidParameter(`${name} 不是合法的 URL`));
    }
    const key: TradeKey = { provider: PROVIDER, accountId: secrets.app_id, outTradeNo };
    await this.expireIfDue(key);
    const autoPay = this.context.faults.autoPay({ provider: PROVIDER, accountId: secrets.app_id, outTradeNo });
    const opened = method !== 'alipay.trade.precreate';

    const result = await this.context.trades.change<
      AlipaySimTrade,
      { ok: true; trade: StoredTrade<AlipaySimTrade> } | { ok: false; answer: GatewayAnswer }
    >(key, (current) => {
      if (current) {
        const t = current.data;
        if (isPaid(t)) return { next: null, result: fail(businessFailed('ACQ.TRADE_HAS_SUCCESS', '交易已被支付')) };
        if (t.trade_status === 'TRADE_CLOSED')
          return { next: null, result: fail(businessFailed('ACQ.TRADE_HAS_CLOSE', '交易已经关闭')) };
        if (t.total_fen !== totalFen || t.subject !== subject || t.method !== method) {
          return { next: null, result: fail(businessFailed('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改')) };
        }
        // The same order sent again while unpaid is the same trade (the shopper reopened the cashier).
        if (opened && !t.buyer_opened) {
          const next = { ...current, updatedAt: now, data: { ...t, buyer_opened: true } };
          return { next, result: { ok: true, trade: next } };
        }
        return { next: null, result: { ok: true, trade: current } };
      }
      const trade: StoredTrade<AlipaySimTrade> = {
        ...key,
        state: 'WAIT_BUYER_PAY',
        buyerToken: randomToken(24),
        closesAt,
        autoPayAt: autoPay ? new Date(now.getTime() + autoPay.afterMs) : null,
        autoPayOutcome: autoPay?.outcome ?? null,
        createdAt: now,
        updatedAt: now,
        data: {
          app_id: secrets.app_id,
          out_trade_no: outTradeNo,
          trade_no: newTradeNo(now),
          method,
          product_code: productCode ?? expectedProduct,
          subject,
          body: text(biz.body) ?? null,
          total_fen: totalFen,
          notify_url: notifyUrl,
          return_url: returnUrl,
          quit_url: text(biz.quit_url) ?? null,
          trade_status: 'WAIT_BUYER_PAY',
          buyer_opened: opened,
          buyer_id: null,
          buyer_logon_id: null,
          gmt_create: now.toISOString(),
          gmt_payment: null,
          gmt_close: null,
          close_reason: null,
          failed_attempts: [],
          refunds: [],
          refunded_fen: 0,
        },
      };
      return { next: trade, result: { ok: true, trade } };
    });
    if (result.ok) {
      if (result.trade.closesAt) this.context.timers.wakeAt(result.trade.closesAt);
      if (result.trade.autoPayAt) this.context.timers.wakeAt(result.trade.autoPayAt);
    }
    return result;
  }

  /** The trade a gateway call names by out_trade_no or trade_no, as Alipay would see it (expired ones closed first). */
  private async findForApi(
    secrets: AlipaySandboxSecrets,
    biz: BizContent,
    options: { includeUnopened?: boolean } = {},
  ): Promise<StoredTrade<AlipaySimTrade> | null> {
    const lookup = () => {
      const outTradeNo = text(biz.out_trade_no);
      if (outTradeNo)
        return this.context.trades.get<AlipaySimTrade>({ provider: PROVIDER, accountId: secrets.app_id, outTradeNo });
      const tradeNo = text(biz.trade_no);
      if (tradeNo)
        return this.context.trades.findByDataField<AlipaySimTrade>(PROVIDER, secrets.app_id, 'trade_no', tradeNo);
      return Promise.resolve(null);
    };
    let trade = await lookup();
    if (trade && (await this.expireIfDue(trade))) trade = await lookup();
    if (!trade || (!trade.data.buyer_opened && !options.includeUnopened)) return null;
    return trade;
  }

  /** Closes the trade if its time has passed and it is still unpaid; true when it did. */
  private async expireIfDue(key: TradeKey): Promise<boolean> {
    const now = new Date();
    const expired = await this.context.trades.change<AlipaySimTrade, StoredTrade<AlipaySimTrade> | null>(
      key,
      (current) => {
        if (!current?.closesAt || current.closesAt.getTime() > now.getTime()) return { next: null, result: null };
        if (current.data.trade_status !== 'WAIT_BUYER_PAY') {
          return { next: { ...current, closesAt: null }, result: null };
        }
        const next = closed(current, now, 'expired');
        return { next, result: next };
      },
    );
    if (!expired) return false;
    this.context.logger.info({ provider: PROVIDER, out_trade_no: key.outTradeNo }, 'trade expired');
    // A precreated order nobody scanned never became a trade, so nobody is told it closed.
    if (expired.data.buyer_opened) await this.notify(expired);
    return true;
  }

  /** Sends trade_status_sync to the trade's notify_url, signed with the app's Alipay key, faults applied. */
  private async notify(trade: StoredTrade<AlipaySimTrade>, refund?: RefundEvent): Promise<void> {
    const t = trade.data;
    if (!t.notify_url) return;
    const secrets = await this.account(t.app_id);
    if (!secrets) return;
    const now = new Date();
    const fields: Record<string, string> = {
      notify_time: formatChinaTime(now),
      notify_type: 'trade_status_sync',
      notify_id: `${formatChinaTime(now).slice(0, 10).replaceAll('-', '')}00222${randomDigits(21)}`,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      app_id: t.app_id,
      auth_app_id: t.app_id,
      trade_no: t.trade_no,
      out_trade_no: t.out_trade_no,
      trade_status: t.trade_status,
      total_amount: yuan(t.total_fen),
      subject: t.subject,
      gmt_create: formatChinaTime(new Date(t.gmt_create)),
      seller_id: secrets.seller_id,
    };
    if (t.body) fields.body = t.body;
    if (t.gmt_payment) {
      Object.assign(fields, {
        buyer_id: t.buyer_id ?? '',
        buyer_logon_id: t.buyer_logon_id ?? '',
        receipt_amount: yuan(t.total_fen),
        invoice_amount: yuan(t.total_fen),
        buyer_pay_amount: yuan(t.total_fen),
        point_amount: '0.00',
        gmt_payment: formatChinaTime(new Date(t.gmt_payment)),
        fund_bill_list: JSON.stringify([{ amount: yuan(t.total_fen), fundChannel: 'ALIPAYACCOUNT' }]),
      });
    }
    if (t.gmt_close) fields.gmt_close = formatChinaTime(new Date(t.gmt_close));
    if (refund) {
      fields.out_biz_no = refund.out_request_no;
      fields.refund_fee = yuan(t.refunded_fen);
      fields.gmt_refund = formatChinaTimeMillis(refund.at);
    }
    const faults = this.context.faults.notifications({
      provider: PROVIDER,
      accountId: t.app_id,
      outTradeNo: t.out_trade_no,
    });
    // A genuine, correctly signed notification that disagrees with the merchant's order: only
    // the receiver's own amount check can catch it.
    if (faults.mode === 'signed_wrong_amount') fields.total_amount = yuan(t.total_fen + 100);
    const content = notificationSignContent(fields);
    fields.sign = rsa2Sign(content, secrets.platform_private_key);
    if (faults.mode === 'tamper_signature')
      fields.sign = rsa2Sign(`${content}&tampered=true`, secrets.platform_private_key);
    if (faults.mode === 'tamper_amount') fields.total_amount = yuan(t.total_fen + 100);
    await this.context.notifier.enqueue(
      {
        provider: PROVIDER,
        accountId: t.app_id,
        outTradeNo: t.out_trade_no,
        kind: `trade_status_sync:${t.trade_status}${refund ? `:refund:${refund.out_request_no}` : ''}`,
        url: t.notify_url,
        contentType: 'application/x-www-form-urlencoded; charset=utf-8',
        body: new URLSearchParams(fields).toString(),
      },
      deliveryPlan(
        faults,
        ALIPAY_NOTIFY_RETRY_MINUTES.map((minutes) => minutes * 60_000),
        this.context.timeScale,
      ),
    );
  }
}

function closed(
  current: StoredTrade<AlipaySimTrade>,
  now: Date,
  reason: AlipayCloseReason,
): StoredTrade<AlipaySimTrade> {
  return {
    ...current,
    state: 'TRADE_CLOSED',
    closesAt: null,
    autoPayAt: null,
    autoPayOutcome: null,
    updatedAt: now,
    data: { ...current.data, trade_status: 'TRADE_CLOSED', gmt_close: now.toISOString(), close_reason: reason },
  };
}

function refundAnswer(t: AlipaySimTrade, fundChange: 'Y' | 'N', at: Date, refundFen: number): GatewayAnswer {
  return success({
    trade_no: t.trade_no,
    out_trade_no: t.out_trade_no,
    buyer_logon_id: t.buyer_logon_id ?? '',
    fund_change: fundChange,
    refund_fee: yuan(t.refunded_fen),
    gmt_refund_pay: formatChinaTime(at),
    buyer_user_id: t.buyer_id ?? '',
    send_back_fee: yuan(refundFen),
  });
}

/** Alipay amounts: yuan with at most two decimals, 0.01 to 100000000. */
function parseFen(value: string): number | null {
  if (!/^\d+(\.\d{1,2})?$/.test(value)) return null;
  const fen = fromDecimalString(value, 'CNY');
  return fen >= 1 && fen <= MAX_TOTAL_FEN ? fen : null;
}

/** A biz_content field as text; merchants send numbers for amounts too. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Alipay trade numbers are 28 digits, starting with the date. */
function newTradeNo(now: Date): string {
  return `${formatChinaTime(now).slice(0, 10).replaceAll('-', '')}22001${randomDigits(15)}`;
}
