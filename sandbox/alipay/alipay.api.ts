import { fromDecimalString } from '../../domain/money';
import { scheduledAutoPay } from '../auto-pay';
import { ControlConflictError } from '../errors';
import { randomDigits } from '../random';
import type { SimulatorContext } from '../simulator';
import { newTrade, type StoredTrade, type TradeKey } from '../trades';
import { isHttpUrl } from '../urls';
import { qrUrl } from './alipay.buyer';
import {
  businessFailed,
  invalidParameter,
  isPaid,
  PROVIDER,
  success,
  TRADE_NOT_EXIST,
  yuan,
  type AlipaySandboxSecrets,
  type AlipaySimTrade,
  type AlipayTradeMethod,
} from './alipay.model';
import type { AlipayNotifications } from './alipay.notifications';
import { formatChinaTime, parseChinaTime, parseTimeoutExpress } from './alipay.time';
import { closed, type AlipayTrades } from './alipay.trades';

/** Without time_expire or timeout_express, an unpaid Alipay trade closes after 15 days. */
const DEFAULT_TIMEOUT_MS = 15 * 86_400_000;
const MAX_TOTAL_FEN = 10_000_000_000;

/** Business parameters (biz_content) as the gateway received them. */
export type BizContent = Record<string, unknown>;

/** What one gateway call answers: the inner object of `<method>_response`. */
export type GatewayAnswer = Record<string, unknown>;

/** A page.pay / wap.pay request either opens the cashier or shows Alipay's error page. */
export type PageOpening = { ok: true; token: string } | { ok: false; answer: GatewayAnswer };

type Created = { ok: true; trade: StoredTrade<AlipaySimTrade> } | { ok: false; answer: GatewayAnswer };

/**
 * The trade methods of Alipay's OpenAPI, once gateway.do has checked the request's signature:
 * precreate, page.pay / wap.pay (reached by the shopper's browser), query, close, refund and
 * fastpay.refund.query, answering the inner object of `<method>_response`.
 */
export class AlipayApi {
  constructor(
    private readonly context: SimulatorContext,
    private readonly trades: AlipayTrades,
    private readonly notifications: AlipayNotifications,
  ) {}

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
      qr_code: qrUrl(this.context.publicUrl, created.trade.buyerToken),
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
    const trade = await this.findForApi(secrets, biz, { includeUnopened: true });
    // Counted whatever the answer: a precreated order nobody scanned is still the one asked about.
    if (trade) await this.context.trades.countQuery(trade);
    if (!trade?.data.buyer_opened) return TRADE_NOT_EXIST(text(biz.out_trade_no));
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
    if (outcome.closed) await this.notifications.notify(outcome.closed);
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
    if (outcome.refunded) await this.notifications.notify(outcome.refunded, { out_request_no: outRequestNo, at: now });
    return outcome.answer;
  }

  /**
   * A refund Alipay takes now although no request for it arrived (it timed out on the merchant's
   * side): made as `alipay.trade.refund` makes one, and so notified to the trade's notify_url.
   */
  async settleLate(
    secrets: AlipaySandboxSecrets,
    key: TradeKey,
    refund: { outRefundNo: string; amount: number },
  ): Promise<void> {
    const answer = await this.refund(secrets, {
      out_trade_no: key.outTradeNo,
      out_request_no: refund.outRefundNo,
      refund_amount: yuan(refund.amount),
    });
    if (answer.code !== '10000' || answer.fund_change !== 'Y') {
      throw new ControlConflictError(
        `${PROVIDER} cannot settle refund ${refund.outRefundNo}: ${String(answer.sub_msg ?? 'it has it already')}`,
      );
    }
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

  /** precreate, page.pay and wap.pay: the trade, new or the same one sent again, or why Alipay refuses it. */
  private async createTrade(
    secrets: AlipaySandboxSecrets,
    method: AlipayTradeMethod,
    common: Record<string, string>,
    biz: BizContent,
  ): Promise<Created> {
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
    const key = this.trades.key(secrets.app_id, outTradeNo);
    await this.trades.expireIfDue(key);
    const autoPay = scheduledAutoPay(this.context.faults, key, now);
    const opened = method !== 'alipay.trade.precreate';

    const result = await this.context.trades.change<AlipaySimTrade, Created>(key, (current) => {
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
      const trade = newTrade<AlipaySimTrade>(key, now, {
        state: 'WAIT_BUYER_PAY',
        closesAt,
        ...autoPay,
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
      });
      return { next: trade, result: { ok: true, trade } };
    });
    if (result.ok) this.context.timers.wakeFor(result.trade);
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
      if (outTradeNo) return this.context.trades.get<AlipaySimTrade>(this.trades.key(secrets.app_id, outTradeNo));
      const tradeNo = text(biz.trade_no);
      if (tradeNo)
        return this.context.trades.findByDataField<AlipaySimTrade>(PROVIDER, secrets.app_id, 'trade_no', tradeNo);
      return Promise.resolve(null);
    };
    let trade = await lookup();
    if (trade && (await this.trades.expireIfDue(trade))) trade = await lookup();
    if (!trade || (!trade.data.buyer_opened && !options.includeUnopened)) return null;
    return trade;
  }
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
