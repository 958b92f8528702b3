import { scheduledAutoPay } from '../auto-pay';
import type { SimulatorContext } from '../simulator';
import { newTrade, type StoredTrade } from '../trades';
import { isHttpUrl } from '../urls';
import type { UnionpayMessages } from './unionpay.messages';
import {
  answerFields,
  PROVIDER,
  respMsgOf,
  type Answer,
  type Fields,
  type GatewayRefusal,
  type UnionpayMerchantSecrets,
  type UnionpaySimConsume,
  type UnionpaySimRecord,
  type UnionpaySimRefund,
  type UnionpaySimRefundRef,
} from './unionpay.model';
import { parseTxnTime } from './unionpay.time';
import { newQueryId, type UnionpayTrades } from './unionpay.trades';

/** Without payTimeout an unpaid order stops being payable after a day (time-scaled). */
const DEFAULT_PAY_WINDOW_MS = 86_400_000;
/** A refund UnionPay accepted settles this much later (time-scaled), then its notification goes out. */
const REFUND_SETTLE_MS = 10_000;

const ORDER_ID = /^[0-9A-Za-z]{8,40}$/;

/** A frontTransReq either opens the cashier or shows UnionPay's error page. */
export type FrontOpening = { ok: true; token: string } | { ok: false; refusal: GatewayRefusal; fields: Fields };

/**
 * UnionPay's gateway payment (网关支付) transactions, once the request's envelope is read:
 * the consume the shopper's browser brings to frontTransReq, queryTrans, and refunds (backTransReq).
 * The daily statement (fileTransRequest) is unionpay.statement.ts.
 */
export class UnionpayApi {
  constructor(
    private readonly context: SimulatorContext,
    private readonly messages: UnionpayMessages,
    private readonly trades: UnionpayTrades,
  ) {}

  /** frontTransReq: the shopper's browser brings the merchant's signed consume; the order is recorded now. */
  async frontConsume(fields: Fields): Promise<FrontOpening> {
    const refuse = (respCode: string, detail: string): FrontOpening => ({
      ok: false,
      refusal: { respCode, detail },
      fields,
    });
    const auth = await this.messages.authenticate(fields);
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
    const key = this.trades.key(merId, fields.orderId);
    await this.trades.expireIfDue(key);
    const autoPay = scheduledAutoPay(this.context.faults, key, now);
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
        const trade = newTrade<UnionpaySimConsume>(key, now, {
          state: 'UNPAID',
          closesAt,
          ...autoPay,
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
        });
        return { next: trade, result: { ok: true, token: trade.buyerToken, trade } };
      },
    );
    if (result.ok && result.trade) this.context.timers.wakeFor(result.trade);
    return result.ok ? { ok: true, token: result.token } : result;
  }

  /** queryTrans: a consume or a refund, by orderId + txnTime or by queryId. */
  async query(merchant: UnionpayMerchantSecrets, fields: Fields): Promise<Answer> {
    if (fields.txnType !== '00') return answerFields(fields, '10', 'queryTrans 的 txnType 应为 00');
    let orderId = fields.orderId;
    if (!(orderId && fields.txnTime)) {
      if (!fields.queryId) return answerFields(fields, '13', 'orderId + txnTime 与 queryId 二者必送其一');
      const byQueryId = await this.trades.consumeByQueryId(merchant.mer_id, fields.queryId);
      if (!byQueryId) return answerFields(fields, '34', undefined);
      orderId = byQueryId.outTradeNo;
    }
    const key = this.trades.key(merchant.mer_id, orderId);
    await this.trades.expireIfDue(key);
    const found = await this.context.trades.get<UnionpaySimRecord>(key);
    if (!found) return answerFields(fields, '34', undefined);
    // Counted whatever the answer: an order only opened is still the one asked about.
    await this.context.trades.countQuery(key);
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
        return answerFields(fields, '34', undefined);
      }
      return answerFields(fields, '00', undefined, {
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
    if (fields.txnTime && record.txn_time !== fields.txnTime) return answerFields(fields, '34', undefined);
    // UnionPay records a consume once it is attempted: an order only opened, or left to expire, is not found.
    if (record.state === 'UNPAID' || record.state === 'EXPIRED' || !record.query_id)
      return answerFields(fields, '34', undefined);
    return answerFields(fields, '00', undefined, {
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

  /** backTransReq: a refund (退货) of a paid consume, named by origQryId; it settles later (unionpay.trades.ts). */
  async backTrans(
    merchant: UnionpayMerchantSecrets,
    fields: Fields,
    consume: StoredTrade<UnionpaySimConsume> | null,
  ): Promise<Answer> {
    if (fields.txnType !== '04') return answerFields(fields, '32', '沙箱的 backTransReq 仅受理退货 txnType=04');
    if (fields.txnSubType !== '00' || fields.bizType !== '000201')
      return answerFields(fields, '10', '退货的 txnSubType 应为 00，bizType 应为 000201');
    if (!ORDER_ID.test(fields.orderId ?? '')) return answerFields(fields, '10', 'orderId 应为 8 至 40 位字母或数字');
    if (!fields.txnTime || !parseTxnTime(fields.txnTime))
      return answerFields(fields, '10', 'txnTime 格式应为 yyyyMMddHHmmss');
    const txnAmt = parseTxnAmt(fields.txnAmt);
    if (txnAmt === null) return answerFields(fields, '10', 'txnAmt 应为 1 至 12 位数字（分），且大于 0');
    if (!fields.origQryId) return answerFields(fields, '13', 'origQryId 不能为空');
    if (!fields.backUrl) return answerFields(fields, '13', 'backUrl 不能为空');
    if (!isHttpUrl(fields.backUrl)) return answerFields(fields, '10', 'backUrl 不是合法的 URL');
    if (!consume) return answerFields(fields, '35', `origQryId ${fields.origQryId} 对应的原交易不存在`);
    const refundKey = this.trades.key(merchant.mer_id, fields.orderId);
    if (await this.context.trades.get(refundKey)) return answerFields(fields, '12', `orderId ${fields.orderId} 已使用`);

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
        result: answerFields(fields, respCode, detail),
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
        result: answerFields(fields, '00', undefined, {
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
        : newTrade<UnionpaySimRecord>(refundKey, now, {
            state: 'REFUND',
            closesAt: settlesAt,
            data: {
              kind: 'refund',
              mer_id: merchant.mer_id,
              order_id: refund.order_id,
              consume_order_id: consume.outTradeNo,
            } satisfies UnionpaySimRefundRef,
          }),
      result: undefined,
    }));
    this.context.timers.wakeAt(settlesAt);
    this.context.logger.info(
      { provider: PROVIDER, order_id: consume.outTradeNo, refund: refund.order_id, txnAmt },
      'refund accepted',
    );
    return outcome;
  }
}

/** txnAmt: 1 to 12 digits of fen, more than 0. */
function parseTxnAmt(value: string | undefined): number | null {
  if (!value || !/^\d{1,12}$/.test(value)) return null;
  const fen = Number(value);
  return fen > 0 ? fen : null;
}
