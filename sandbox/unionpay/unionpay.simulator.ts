import { deliveryPlan } from '../notifier';
import type { Router } from 'express';
import { z } from 'zod';
import { randomToken } from '../../domain/ids';
import { parseAccountOptions } from '../account-options';
import { autoPayIfDue } from '../auto-pay';
import { ControlConflictError, ControlNotFoundError } from '../errors';
import { randomDigits } from '../random';
import type { ProviderSimulator, SimulatorContext } from '../simulator';
import type { PayOutcome, StoredTrade, TradeKey } from '../trades';
import { isHttpUrl } from '../urls';
import {
  PLATFORM_ACCOUNT_ID,
  respMsgOf,
  yuan,
  type GatewayRefusal,
  type UnionpayMerchantSecrets,
  type UnionpayPlatformSecrets,
  type UnionpaySimConsume,
  type UnionpaySimRecord,
  type UnionpaySimRefund,
  type UnionpaySimRefundRef,
} from './unionpay.model';
import { createPlatformPki, issueMerchantCertificate } from './unionpay.pki';
import { unionpayRoutes } from './unionpay.routes';
import { answerText, signFields, verifyFields } from './unionpay.signature';
import { fileTransfer } from './unionpay.statement';
import { formatSettleDate, formatTraceTime, formatTxnTime, parseTxnTime } from './unionpay.time';

const PROVIDER = 'unionpay';

/**
 * UnionPay sends a back notification again when the merchant's answer is not HTTP 200. The waits
 * here (1, 2, 4, 8, 16 minutes, ÷ the time scale: six tries in all) are the schedule commonly
 * given for ACP; UnionPay's published 5.1.0 pages we could read do not state it, so treat the
 * exact numbers as an assumption. What UnionPay does state is the fallback: query (queryTrans)
 * when no notification arrives.
 */
export const UNIONPAY_NOTIFY_RETRY_MINUTES = [1, 2, 4, 8, 16] as const;

/** Without payTimeout an unpaid order stops being payable after a day (time-scaled). */
const DEFAULT_PAY_WINDOW_MS = 86_400_000;
/** A refund UnionPay accepted settles this much later (time-scaled), then its notification goes out. */
const REFUND_SETTLE_MS = 10_000;
/** The test card UnionPay's own test environment documents; the cashier offers it. */
export const TEST_CARD_NO = '6216261000000000018';
/** What the Fail button answers: a decline from the card's bank. */
const DECLINE_CODE = '60';

const ORDER_ID = /^[0-9A-Za-z]{8,40}$/;
const MER_ID = /^[0-9A-Za-z]{15}$/;

const accountOptionsSchema = z.strictObject({
  /** UnionPay signs every merchant's messages with one certificate: this only checks the merchant exists. */
  share_provider_keys_with: z.string().min(1).optional(),
});

/** A request's fields, as the form carried them. */
export type Fields = Record<string, string>;

/** A frontTransReq either opens the cashier or shows UnionPay's error page. */
export type FrontOpening = { ok: true; token: string } | { ok: false; refusal: GatewayRefusal; fields: Fields };

/** The unsigned answer to a server-to-server request. */
export type Answer = Fields;

export function createUnionpaySimulator(context: SimulatorContext): UnionpaySimulator {
  return new UnionpaySimulator(context);
}

/**
 * UnionPay's ACP 5.1.0 gateway payment (网关支付) as Tongbao uses it: frontTransReq (the shopper's
 * browser brings a signed consume and gets a card page), backTransReq (refunds), queryTrans,
 * signed `k=v&…` answers carrying signPubKeyCert, and signed back notifications, retried.
 */
export class UnionpaySimulator implements ProviderSimulator {
  readonly provider = PROVIDER;
  readonly router: Router;
  private platformLoading: Promise<UnionpayPlatformSecrets> | null = null;

  constructor(readonly context: SimulatorContext) {
    this.router = unionpayRoutes(this);
  }

  url(path: 'frontTransReq' | 'backTransReq' | 'queryTrans' | 'fileTransRequest'): string {
    return `${this.context.publicUrl}/unionpay/gateway/api/${path}.do`;
  }

  cashierUrl(token: string): string {
    return `${this.context.publicUrl}/unionpay/cashier/${encodeURIComponent(token)}`;
  }

  /** UnionPay's CAs and signing key: made once, kept in the database, the same for every sandbox process. */
  platform(): Promise<UnionpayPlatformSecrets> {
    this.platformLoading ??= this.loadPlatform().catch((error: unknown) => {
      this.platformLoading = null;
      throw error;
    });
    return this.platformLoading;
  }

  private async loadPlatform(): Promise<UnionpayPlatformSecrets> {
    const stored = await this.context.accounts.get<UnionpayPlatformSecrets>(PROVIDER, PLATFORM_ACCOUNT_ID);
    if (stored) return stored.secrets;
    const made = await createPlatformPki();
    if (
      await this.context.accounts.insert({
        provider: PROVIDER,
        accountId: PLATFORM_ACCOUNT_ID,
        secrets: made,
        createdAt: new Date(),
      })
    ) {
      this.context.logger.info({ provider: PROVIDER }, 'sandbox UnionPay certificates created');
      return made;
    }
    // Another sandbox process made them first: use theirs, so that every process signs alike.
    const winner = await this.context.accounts.get<UnionpayPlatformSecrets>(PROVIDER, PLATFORM_ACCOUNT_ID);
    if (!winner) throw new Error('the sandbox UnionPay certificates vanished');
    return winner.secrets;
  }

  async createAccount(options: Record<string, unknown>): Promise<Record<string, unknown>> {
    const requested = parseAccountOptions(accountOptionsSchema, options);
    if (requested.share_provider_keys_with && !(await this.merchant(requested.share_provider_keys_with))) {
      throw new ControlNotFoundError('no such unionpay merchant to share keys with', 'share_provider_keys_with');
    }
    const platform = await this.platform();
    const password = randomToken(16);
    for (;;) {
      const merId = `777${randomDigits(12)}`;
      const cert = await issueMerchantCertificate(platform, merId, password);
      const secrets: UnionpayMerchantSecrets = { mer_id: merId, cert_id: cert.certId, cert_pem: cert.certPem };
      if (
        !(await this.context.accounts.insert({ provider: PROVIDER, accountId: merId, secrets, createdAt: new Date() }))
      )
        continue;
      this.context.logger.info({ provider: PROVIDER, mer_id: merId }, 'sandbox account opened');
      return {
        provider: PROVIDER,
        mer_id: merId,
        sign_cert_pfx: cert.pfxBase64,
        sign_cert_password: password,
        sign_cert_id: cert.certId,
        root_cert: platform.root_cert,
        middle_cert: platform.middle_cert,
        front_trans_url: this.url('frontTransReq'),
        back_trans_url: this.url('backTransReq'),
        query_trans_url: this.url('queryTrans'),
        file_trans_url: this.url('fileTransRequest'),
        version: '5.1.0',
        sign_method: '01',
      };
    }
  }

  async merchant(merId: string): Promise<UnionpayMerchantSecrets | null> {
    if (!MER_ID.test(merId)) return null;
    return (await this.context.accounts.get<UnionpayMerchantSecrets>(PROVIDER, merId))?.secrets ?? null;
  }

  // ---- what every request must satisfy -------------------------------------------------------

  /** The merchant who signed the request, or why UnionPay refuses it before reading further. */
  async authenticate(
    fields: Fields,
  ): Promise<{ ok: true; merchant: UnionpayMerchantSecrets } | { ok: false; refusal: GatewayRefusal }> {
    const refuse = (respCode: string, detail: string) => ({ ok: false as const, refusal: { respCode, detail } });
    for (const name of [
      'version',
      'encoding',
      'signMethod',
      'merId',
      'certId',
      'signature',
      'accessType',
      'txnType',
    ] as const) {
      if (!fields[name]) return refuse('13', `${name} 不能为空`);
    }
    if (fields.version !== '5.1.0') return refuse('10', 'version 应为 5.1.0');
    if (fields.encoding.toUpperCase() !== 'UTF-8') return refuse('10', 'encoding 应为 UTF-8');
    if (fields.signMethod !== '01') return refuse('10', 'signMethod 应为 01');
    if (fields.accessType !== '0') return refuse('32', '仅支持商户直连接入 accessType=0');
    const merchant = await this.merchant(fields.merId);
    if (!merchant) return refuse('31', `商户 ${fields.merId} 不存在`);
    if (fields.certId !== merchant.cert_id) return refuse('11', `certId ${fields.certId} 不是该商户的签名证书`);
    if (!verifyFields(fields, merchant.cert_pem)) {
      this.context.logger.info(
        { provider: PROVIDER, mer_id: merchant.mer_id, txnType: fields.txnType },
        'request signature refused',
      );
      return refuse('11', '签名与报文不符');
    }
    return { ok: true, merchant };
  }

  /** An answer's common fields: the request's own, echoed, and UnionPay's respCode. */
  answer(request: Fields, respCode: string, detail: string | undefined, extra: Fields = {}): Answer {
    const echo: Fields = {};
    for (const name of [
      'bizType',
      'txnType',
      'txnSubType',
      'accessType',
      'merId',
      'orderId',
      'txnTime',
      'reqReserved',
    ] as const) {
      if (request[name]) echo[name] = request[name];
    }
    return {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      ...echo,
      respCode,
      respMsg: respMsgOf({ respCode, detail }),
      ...extra,
    };
  }

  /** The text UnionPay answers with: signed by its signing certificate, which travels along; `tamper` alters it afterwards. */
  async answerBody(fields: Answer, tamper = false): Promise<string> {
    const platform = await this.platform();
    const signed = signFields({ ...fields, signPubKeyCert: platform.sign_cert }, platform.sign_key);
    if (tamper) {
      if (signed.txnAmt) signed.txnAmt = String(Number(signed.txnAmt) + 100);
      else signed.sandboxTampered = 'true';
    }
    return answerText(signed);
  }

  // ---- frontTransReq: the shopper's browser ----------------------------------------------------

  async frontConsume(fields: Fields): Promise<FrontOpening> {
    const refuse = (respCode: string, detail: string): FrontOpening => ({
      ok: false,
      refusal: { respCode, detail },
      fields,
    });
    const auth = await this.authenticate(fields);
    if (!auth.ok) return { ok: false, refusal: auth.refusal, fields };
    if (fields.txnType !== '01' || fields.txnSubType !== '01')
      return refuse('10', 'frontTransReq 仅受理消费 txnType=01 txnSubType=01');
    if (fields.bizType !== '000201')
      return refuse('32', `bizType ${fields.bizType ?? ''} 无此交易权限，网关支付为 000201`);
    if (fields.channelType !== '07' && fields.channelType !== '08') return refuse('10', 'channelType 应为 07 或 08');
    if (fields.currencyCode !== '156') return refuse('10', 'currencyCode 应为 156');
    const txnAmt = parseTxnAmt(fields.txnAmt);
    if (txnAmt === null) return refuse('10', 'txnAmt 应为 1 至 12 位数字（分），且大于 0');
    if (!ORDER_ID.test(fields.orderId ?? '')) return refuse('10', 'orderId 应为 8 至 40 位字母或数字');
    if (!fields.txnTime || !parseTxnTime(fields.txnTime)) return refuse('10', 'txnTime 格式应为 yyyyMMddHHmmss');
    if (!fields.backUrl) return refuse('13', 'backUrl 不能为空');
    for (const name of ['backUrl', 'frontUrl'] as const) {
      if (fields[name] && !isHttpUrl(fields[name])) return refuse('10', `${name} 不是合法的 URL`);
    }
    const now = new Date();
    let closesAt = new Date(now.getTime() + DEFAULT_PAY_WINDOW_MS / this.context.timeScale);
    if (fields.payTimeout) {
      const at = parseTxnTime(fields.payTimeout);
      if (!at) return refuse('10', 'payTimeout 格式应为 yyyyMMddHHmmss');
      if (at.getTime() <= now.getTime()) return refuse('10', 'payTimeout 已过，订单已超时');
      closesAt = at;
    }
    const merId = auth.merchant.mer_id;
    const key: TradeKey = { provider: PROVIDER, accountId: merId, outTradeNo: fields.orderId };
    await this.expireIfDue(key);
    const autoPay = this.context.faults.autoPay({ provider: PROVIDER, accountId: merId, outTradeNo: fields.orderId });
    const result = await this.context.trades.change<UnionpaySimRecord, FrontOpening & { trade?: StoredTrade }>(
      key,
      (current) => {
        if (current) {
          const t = current.data;
          // The shopper came back with the same form (reload, back button): the same order.
          if (t.kind === 'consume' && t.state === 'UNPAID' && t.txn_time === fields.txnTime && t.txn_amt === txnAmt) {
            return { next: null, result: { ok: true, token: current.buyerToken } };
          }
          // merId + orderId may be used once a day; the sandbox keeps it for good.
          return { next: null, result: refuse('12', `orderId ${fields.orderId} 已使用`) };
        }
        const trade: StoredTrade<UnionpaySimConsume> = {
          ...key,
          state: 'UNPAID',
          buyerToken: randomToken(24),
          closesAt,
          autoPayAt: autoPay ? new Date(now.getTime() + autoPay.afterMs) : null,
          autoPayOutcome: autoPay?.outcome ?? null,
          createdAt: now,
          updatedAt: now,
          data: {
            kind: 'consume',
            mer_id: merId,
            order_id: fields.orderId,
            txn_time: fields.txnTime,
            txn_amt: txnAmt,
            channel_type: fields.channelType,
            back_url: fields.backUrl,
            front_url: fields.frontUrl || null,
            pay_timeout: fields.payTimeout || null,
            req_reserved: fields.reqReserved || null,
            state: 'UNPAID',
            query_id: null,
            trace_no: null,
            trace_time: null,
            settle_date: null,
            acc_no: null,
            orig_resp_code: null,
            created_at: now.toISOString(),
            paid_at: null,
            failed_at: null,
            closed_at: null,
            refunds: [],
            refunded_fen: 0,
          },
        };
        return { next: trade, result: { ok: true, token: trade.buyerToken, trade } };
      },
    );
    if (result.ok && result.trade) {
      if (result.trade.closesAt) this.context.timers.wakeAt(result.trade.closesAt);
      if (result.trade.autoPayAt) this.context.timers.wakeAt(result.trade.autoPayAt);
    }
    return result.ok ? { ok: true, token: result.token } : result;
  }

  // ---- queryTrans --------------------------------------------------------------------------

  async query(merchant: UnionpayMerchantSecrets, fields: Fields): Promise<Answer> {
    if (fields.txnType !== '00') return this.answer(fields, '10', 'queryTrans 的 txnType 应为 00');
    let orderId = fields.orderId;
    if (!(orderId && fields.txnTime)) {
      if (!fields.queryId) return this.answer(fields, '13', 'orderId + txnTime 与 queryId 二者必送其一');
      const byQueryId = await this.consumeByQueryId(merchant.mer_id, fields.queryId);
      if (!byQueryId) return this.answer(fields, '34', undefined);
      orderId = byQueryId.outTradeNo;
    }
    const key: TradeKey = { provider: PROVIDER, accountId: merchant.mer_id, outTradeNo: orderId };
    await this.expireIfDue(key);
    const found = await this.context.trades.get<UnionpaySimRecord>(key);
    if (!found) return this.answer(fields, '34', undefined);
    const record = found.data;
    if (record.kind === 'refund') {
      const consume = await this.context.trades.get<UnionpaySimRecord>({ ...key, outTradeNo: record.consume_order_id });
      const refund =
        consume?.data.kind === 'consume' ? consume.data.refunds.find((r) => r.order_id === record.order_id) : undefined;
      if (
        !consume ||
        consume.data.kind !== 'consume' ||
        !refund ||
        (fields.txnTime && refund.txn_time !== fields.txnTime)
      ) {
        return this.answer(fields, '34', undefined);
      }
      return this.answer(fields, '00', undefined, {
        orderId: record.order_id,
        txnType: '04',
        txnSubType: '00',
        txnTime: refund.txn_time,
        origRespCode: refund.state === 'SUCCEEDED' ? '00' : '05',
        origRespMsg: refund.state === 'SUCCEEDED' ? '成功[0000000]' : '交易已受理，请稍后查询交易结果',
        queryId: refund.query_id,
        origQryId: consume.data.query_id ?? '',
        txnAmt: String(refund.txn_amt),
        currencyCode: '156',
        ...(refund.req_reserved ? { reqReserved: refund.req_reserved } : {}),
        ...(refund.trace_no && refund.trace_time
          ? {
              traceNo: refund.trace_no,
              traceTime: refund.trace_time,
              settleAmt: String(refund.txn_amt),
              settleCurrencyCode: '156',
            }
          : {}),
      });
    }
    if (fields.txnTime && record.txn_time !== fields.txnTime) return this.answer(fields, '34', undefined);
    // UnionPay records a consume once it is attempted: an order only opened, or left to expire, is not found.
    if (record.state === 'UNPAID' || record.state === 'EXPIRED' || !record.query_id)
      return this.answer(fields, '34', undefined);
    return this.answer(fields, '00', undefined, {
      orderId: record.order_id,
      txnType: '01',
      txnSubType: '01',
      bizType: '000201',
      txnTime: record.txn_time,
      origRespCode: record.orig_resp_code ?? '00',
      origRespMsg: respMsgOf({ respCode: record.orig_resp_code ?? '00' }),
      queryId: record.query_id,
      txnAmt: String(record.txn_amt),
      currencyCode: '156',
      ...(record.req_reserved ? { reqReserved: record.req_reserved } : {}),
      ...(record.state === 'PAID'
        ? {
            traceNo: record.trace_no ?? '',
            traceTime: record.trace_time ?? '',
            settleAmt: String(record.txn_amt),
            settleCurrencyCode: '156',
            settleDate: record.settle_date ?? '',
            accNo: record.acc_no ?? '',
            payCardType: '01',
            payType: '0001',
          }
        : {}),
    });
  }

  // ---- fileTransRequest: the daily statement (unionpay.statement.ts) ------------------------

  fileTransfer(merchant: UnionpayMerchantSecrets, fields: Fields): Promise<Answer> {
    return fileTransfer(this, merchant, fields);
  }

  // ---- backTransReq: refunds ----------------------------------------------------------------

  async backTrans(
    merchant: UnionpayMerchantSecrets,
    fields: Fields,
    consume: StoredTrade<UnionpaySimConsume> | null,
  ): Promise<Answer> {
    if (fields.txnType !== '04') return this.answer(fields, '32', '沙箱的 backTransReq 仅受理退货 txnType=04');
    if (fields.txnSubType !== '00' || fields.bizType !== '000201')
      return this.answer(fields, '10', '退货的 txnSubType 应为 00，bizType 应为 000201');
    if (!ORDER_ID.test(fields.orderId ?? '')) return this.answer(fields, '10', 'orderId 应为 8 至 40 位字母或数字');
    if (!fields.txnTime || !parseTxnTime(fields.txnTime))
      return this.answer(fields, '10', 'txnTime 格式应为 yyyyMMddHHmmss');
    const txnAmt = parseTxnAmt(fields.txnAmt);
    if (txnAmt === null) return this.answer(fields, '10', 'txnAmt 应为 1 至 12 位数字（分），且大于 0');
    if (!fields.origQryId) return this.answer(fields, '13', 'origQryId 不能为空');
    if (!fields.backUrl) return this.answer(fields, '13', 'backUrl 不能为空');
    if (!isHttpUrl(fields.backUrl)) return this.answer(fields, '10', 'backUrl 不是合法的 URL');
    if (!consume) return this.answer(fields, '35', `origQryId ${fields.origQryId} 对应的原交易不存在`);
    const refundKey: TradeKey = { provider: PROVIDER, accountId: merchant.mer_id, outTradeNo: fields.orderId };
    if (await this.context.trades.get(refundKey)) return this.answer(fields, '12', `orderId ${fields.orderId} 已使用`);

    const now = new Date();
    const refund: UnionpaySimRefund = {
      order_id: fields.orderId,
      txn_time: fields.txnTime,
      txn_amt: txnAmt,
      query_id: newQueryId(now),
      back_url: fields.backUrl,
      req_reserved: fields.reqReserved || null,
      state: 'PENDING',
      created_at: now.toISOString(),
      settled_at: null,
      trace_no: null,
      trace_time: null,
    };
    const outcome = await this.context.trades.change<UnionpaySimRecord, Answer>(consume, (current) => {
      const refuse = (respCode: string, detail: string) => ({
        next: null,
        result: this.answer(fields, respCode, detail),
      });
      if (!current || current.data.kind !== 'consume') return refuse('35', '原交易不存在');
      const t = current.data;
      if (t.state !== 'PAID') return refuse('35', `原交易状态为 ${t.state}，不可退货`);
      if (t.refunds.some((r) => r.order_id === refund.order_id))
        return refuse('12', `orderId ${refund.order_id} 已使用`);
      if (t.refunded_fen + txnAmt > t.txn_amt)
        return refuse('33', `退货金额超限：可退 ${t.txn_amt - t.refunded_fen} 分`);
      const next: StoredTrade<UnionpaySimConsume> = {
        ...(current as StoredTrade<UnionpaySimConsume>),
        updatedAt: now,
        data: { ...t, refunds: [...t.refunds, refund], refunded_fen: t.refunded_fen + txnAmt },
      };
      return {
        next,
        result: this.answer(fields, '00', undefined, {
          queryId: refund.query_id,
          origQryId: fields.origQryId,
          txnAmt: String(txnAmt),
        }),
      };
    });
    if (outcome.respCode !== '00') return outcome;
    // The refund's own row, so that queryTrans finds it by its orderId; it settles at closes_at.
    const settlesAt = new Date(now.getTime() + REFUND_SETTLE_MS / this.context.timeScale);
    await this.context.trades.change<UnionpaySimRecord, void>(refundKey, (current) => ({
      next: current
        ? null
        : {
            ...refundKey,
            state: 'REFUND',
            buyerToken: randomToken(24),
            closesAt: settlesAt,
            autoPayAt: null,
            autoPayOutcome: null,
            createdAt: now,
            updatedAt: now,
            data: {
              kind: 'refund',
              mer_id: merchant.mer_id,
              order_id: refund.order_id,
              consume_order_id: consume.outTradeNo,
            } satisfies UnionpaySimRefundRef,
          },
      result: undefined,
    }));
    this.context.timers.wakeAt(settlesAt);
    this.context.logger.info(
      { provider: PROVIDER, order_id: consume.outTradeNo, refund: refund.order_id, txnAmt },
      'refund accepted',
    );
    return outcome;
  }

  /** The consume a refund names by origQryId. */
  async consumeByQueryId(merId: string, queryId: string | undefined): Promise<StoredTrade<UnionpaySimConsume> | null> {
    if (!queryId) return null;
    const found = await this.context.trades.findByDataField<UnionpaySimRecord>(PROVIDER, merId, 'query_id', queryId);
    return found?.data.kind === 'consume' ? (found as StoredTrade<UnionpaySimConsume>) : null;
  }

  // ---- the shopper ---------------------------------------------------------------------------

  async tradeForToken(token: string): Promise<StoredTrade<UnionpaySimConsume> | null> {
    let trade = await this.context.trades.findByToken<UnionpaySimRecord>(PROVIDER, token);
    if (trade && (await this.expireIfDue(trade)))
      trade = await this.context.trades.findByToken<UnionpaySimRecord>(PROVIDER, token);
    return trade?.data.kind === 'consume' ? (trade as StoredTrade<UnionpaySimConsume>) : null;
  }

  async pay(key: TradeKey, outcome: PayOutcome): Promise<void> {
    await this.attempt(key, outcome, TEST_CARD_NO);
  }

  /** The shopper pays (or the bank declines) with card `cardNo`; a success is notified to backUrl. */
  async attempt(key: TradeKey, outcome: PayOutcome, cardNo: string): Promise<StoredTrade<UnionpaySimConsume>> {
    await this.expireIfDue(key);
    const now = new Date();
    const attempted = await this.context.trades.change<UnionpaySimRecord, StoredTrade<UnionpaySimConsume>>(
      key,
      (current) => {
        if (!current) throw new ControlNotFoundError(`no unionpay order ${key.outTradeNo}`, 'out_trade_no');
        if (current.data.kind !== 'consume')
          throw new ControlConflictError(`${key.outTradeNo} is a refund, not a consume`, 'out_trade_no');
        const t = current.data;
        if (t.state !== 'UNPAID')
          throw new ControlConflictError(`order ${key.outTradeNo} is ${t.state}, it cannot be paid`, 'out_trade_no');
        const common = { query_id: newQueryId(now), acc_no: maskCard(cardNo) };
        const next: StoredTrade<UnionpaySimConsume> =
          outcome === 'success'
            ? {
                ...(current as StoredTrade<UnionpaySimConsume>),
                state: 'PAID',
                closesAt: null,
                autoPayAt: null,
                autoPayOutcome: null,
                updatedAt: now,
                data: {
                  ...t,
                  ...common,
                  state: 'PAID',
                  orig_resp_code: '00',
                  trace_no: randomDigits(6),
                  trace_time: formatTraceTime(now),
                  settle_date: formatSettleDate(now),
                  paid_at: now.toISOString(),
                },
              }
            : {
                ...(current as StoredTrade<UnionpaySimConsume>),
                state: 'FAILED',
                closesAt: null,
                autoPayAt: null,
                autoPayOutcome: null,
                updatedAt: now,
                data: { ...t, ...common, state: 'FAILED', orig_resp_code: DECLINE_CODE, failed_at: now.toISOString() },
              };
        return { next, result: next };
      },
    );
    this.context.logger.info({ provider: PROVIDER, order_id: key.outTradeNo, outcome }, 'shopper paid');
    // UnionPay sends back notifications for successes only; a declined shopper is told on the page.
    if (outcome === 'success') await this.notifyConsume(attempted);
    return attempted;
  }

  /** The signed fields the shopper's browser carries back to frontUrl after paying. */
  async frontNotification(trade: StoredTrade<UnionpaySimConsume>): Promise<Fields> {
    const platform = await this.platform();
    return signFields(
      { ...consumeNotificationFields(trade.data), signPubKeyCert: platform.sign_cert },
      platform.sign_key,
    );
  }

  async onTradeDue(key: TradeKey, due: { expired: boolean; autoPay: boolean }): Promise<void> {
    if (await this.expireIfDue(key)) return;
    if (due.autoPay) await autoPayIfDue(this.context.trades, this, key);
  }

  describeTrade(stored: StoredTrade): Record<string, unknown> {
    const trade = stored as StoredTrade<UnionpaySimRecord>;
    const t = trade.data;
    if (t.kind === 'refund') {
      return {
        provider: PROVIDER,
        kind: 'refund',
        mer_id: t.mer_id,
        order_id: t.order_id,
        out_trade_no: t.order_id,
        consume_order_id: t.consume_order_id,
        settles_at: trade.closesAt?.toISOString() ?? null,
      };
    }
    return {
      provider: PROVIDER,
      kind: 'consume',
      mer_id: t.mer_id,
      out_trade_no: t.order_id,
      order_id: t.order_id,
      txn_time: t.txn_time,
      state: t.state,
      channel_type: t.channel_type,
      currency: 'CNY',
      amount: t.txn_amt,
      txn_amt: String(t.txn_amt),
      total_amount: yuan(t.txn_amt),
      amount_refunded: t.refunded_fen,
      query_id: t.query_id,
      trade_no: t.query_id,
      trace_no: t.trace_no,
      acc_no: t.acc_no,
      orig_resp_code: t.orig_resp_code,
      notify_url: t.back_url,
      return_url: t.front_url,
      pay_timeout: t.pay_timeout,
      buyer_url: this.cashierUrl(trade.buyerToken),
      created_at: t.created_at,
      paid_at: t.paid_at,
      failed_at: t.failed_at,
      closed_at: t.closed_at,
      closes_at: trade.closesAt?.toISOString() ?? null,
      auto_pay_at: trade.autoPayAt?.toISOString() ?? null,
      refunds: t.refunds.map((r) => ({
        order_id: r.order_id,
        out_refund_no: r.order_id,
        txn_time: r.txn_time,
        amount: r.txn_amt,
        query_id: r.query_id,
        state: r.state,
        notify_url: r.back_url,
        created_at: r.created_at,
        settled_at: r.settled_at,
      })),
    };
  }

  /** UnionPay stops sending a notification only when the answer is HTTP 200, whatever its body. */
  acknowledges(status: number): boolean {
    return status === 200;
  }

  // ---- internals ---------------------------------------------------------------------------

  /** Expires an unpaid consume, or settles a refund, whose time has come; true when it did. */
  private async expireIfDue(key: TradeKey): Promise<boolean> {
    const now = new Date();
    const current = await this.context.trades.get<UnionpaySimRecord>(key);
    if (!current?.closesAt || current.closesAt.getTime() > now.getTime()) return false;
    if (current.data.kind === 'refund')
      return this.settleRefund(current as StoredTrade<UnionpaySimRecord> & { data: UnionpaySimRefundRef });
    const expired = await this.context.trades.change<UnionpaySimRecord, boolean>(key, (row) => {
      if (!row?.closesAt || row.closesAt.getTime() > now.getTime() || row.data.kind !== 'consume')
        return { next: null, result: false };
      if (row.data.state !== 'UNPAID') return { next: { ...row, closesAt: null }, result: false };
      return {
        next: {
          ...row,
          state: 'EXPIRED',
          closesAt: null,
          autoPayAt: null,
          autoPayOutcome: null,
          updatedAt: now,
          data: { ...row.data, state: 'EXPIRED', closed_at: now.toISOString() },
        },
        result: true,
      };
    });
    if (expired)
      this.context.logger.info({ provider: PROVIDER, order_id: key.outTradeNo }, 'order expired (payTimeout)');
    return expired;
  }

  /** A refund UnionPay accepted succeeds, and its notification goes to the refund's backUrl. */
  private async settleRefund(ref: StoredTrade<UnionpaySimRecord> & { data: UnionpaySimRefundRef }): Promise<boolean> {
    const now = new Date();
    const consumeKey: TradeKey = {
      provider: PROVIDER,
      accountId: ref.accountId,
      outTradeNo: ref.data.consume_order_id,
    };
    const settled = await this.context.trades.change<
      UnionpaySimRecord,
      { consume: UnionpaySimConsume; refund: UnionpaySimRefund } | null
    >(consumeKey, (current) => {
      if (!current || current.data.kind !== 'consume') return { next: null, result: null };
      const t = current.data;
      const refund = t.refunds.find((r) => r.order_id === ref.data.order_id);
      if (!refund || refund.state !== 'PENDING') return { next: null, result: null };
      const done: UnionpaySimRefund = {
        ...refund,
        state: 'SUCCEEDED',
        settled_at: now.toISOString(),
        trace_no: randomDigits(6),
        trace_time: formatTraceTime(now),
      };
      const data: UnionpaySimConsume = {
        ...t,
        refunds: t.refunds.map((r) => (r.order_id === done.order_id ? done : r)),
      };
      return { next: { ...current, updatedAt: now, data }, result: { consume: data, refund: done } };
    });
    await this.context.trades.change<UnionpaySimRecord, void>(ref, (current) => ({
      next: current ? { ...current, closesAt: null, updatedAt: now } : null,
      result: undefined,
    }));
    if (!settled) return false;
    this.context.logger.info({ provider: PROVIDER, refund: settled.refund.order_id }, 'refund settled');
    await this.notifyRefund(settled.consume, settled.refund);
    return true;
  }

  private async notifyConsume(trade: StoredTrade<UnionpaySimConsume>): Promise<void> {
    const t = trade.data;
    await this.send(t.mer_id, t.order_id, `consume:${t.state}`, t.back_url, consumeNotificationFields(t), 'txnAmt');
  }

  private async notifyRefund(consume: UnionpaySimConsume, refund: UnionpaySimRefund): Promise<void> {
    const fields: Fields = {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      bizType: '000201',
      txnType: '04',
      txnSubType: '00',
      accessType: '0',
      merId: consume.mer_id,
      orderId: refund.order_id,
      txnTime: refund.txn_time,
      txnAmt: String(refund.txn_amt),
      currencyCode: '156',
      queryId: refund.query_id,
      origQryId: consume.query_id ?? '',
      respCode: '00',
      respMsg: 'Success!',
      settleAmt: String(refund.txn_amt),
      settleCurrencyCode: '156',
      settleDate: formatSettleDate(new Date(refund.settled_at ?? Date.now())),
      traceNo: refund.trace_no ?? '',
      traceTime: refund.trace_time ?? '',
      ...(refund.req_reserved ? { reqReserved: refund.req_reserved } : {}),
    };
    await this.send(consume.mer_id, consume.order_id, `refund:${refund.order_id}`, refund.back_url, fields, 'txnAmt');
  }

  /** Signs a back notification with UnionPay's certificate, applies the faults, and queues it. */
  private async send(
    merId: string,
    orderId: string,
    kind: string,
    url: string,
    fields: Fields,
    amountField: 'txnAmt',
  ): Promise<void> {
    const platform = await this.platform();
    const faults = this.context.faults.notifications({ provider: PROVIDER, accountId: merId, outTradeNo: orderId });
    const unsigned: Fields = { ...fields, signPubKeyCert: platform.sign_cert };
    const raised = String(Number(unsigned[amountField]) + 100);
    // A genuine, correctly signed notification that disagrees with the merchant's order: only
    // the receiver's own amount check can catch it.
    if (faults.mode === 'signed_wrong_amount') unsigned[amountField] = raised;
    const signed = signFields(unsigned, platform.sign_key);
    if (faults.mode === 'tamper_signature')
      signed.signature = signFields({ ...unsigned, tampered: 'true' }, platform.sign_key).signature;
    if (faults.mode === 'tamper_amount') signed[amountField] = raised;
    await this.context.notifier.enqueue(
      {
        provider: PROVIDER,
        accountId: merId,
        outTradeNo: orderId,
        kind,
        url,
        contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
        body: new URLSearchParams(signed).toString(),
      },
      deliveryPlan(
        faults,
        UNIONPAY_NOTIFY_RETRY_MINUTES.map((minutes) => minutes * 60_000),
        this.context.timeScale,
      ),
    );
  }
}

/** What UnionPay tells backUrl (and, through the browser, frontUrl) about a paid consume. */
function consumeNotificationFields(t: UnionpaySimConsume): Fields {
  return {
    version: '5.1.0',
    encoding: 'UTF-8',
    signMethod: '01',
    bizType: '000201',
    txnType: '01',
    txnSubType: '01',
    accessType: '0',
    merId: t.mer_id,
    orderId: t.order_id,
    txnTime: t.txn_time,
    txnAmt: String(t.txn_amt),
    currencyCode: '156',
    queryId: t.query_id ?? '',
    respCode: '00',
    respMsg: 'Success!',
    settleAmt: String(t.txn_amt),
    settleCurrencyCode: '156',
    settleDate: t.settle_date ?? '',
    traceNo: t.trace_no ?? '',
    traceTime: t.trace_time ?? '',
    accNo: t.acc_no ?? '',
    payCardType: '01',
    payType: '0001',
    ...(t.req_reserved ? { reqReserved: t.req_reserved } : {}),
  };
}

/** txnAmt: 1 to 12 digits of fen, more than 0. */
function parseTxnAmt(value: string | undefined): number | null {
  if (!value || !/^\d{1,12}$/.test(value)) return null;
  const fen = Number(value);
  return fen > 0 ? fen : null;
}

/** UnionPay's queryId: 21 digits, starting with the China-time date and time. */
function newQueryId(now: Date): string {
  return `${formatTxnTime(now).slice(2)}${randomDigits(9)}`;
}

/** `6216261000000000018` → `621626*********0018`, as UnionPay masks accNo. */
function maskCard(cardNo: string): string {
  return cardNo.length <= 10 ? cardNo : `${cardNo.slice(0, 6)}${'*'.repeat(cardNo.length - 10)}${cardNo.slice(-4)}`;
}
