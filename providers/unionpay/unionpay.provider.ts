import type { z } from 'zod';
import { assertNever } from '../../domain/assert-never';
import type { Channel } from '../../domain/payment';
import {
  NotificationRejectedError,
  ProviderDeclinedError,
  ProviderInvalidRequestError,
  ProviderUnavailableError,
} from '../errors';
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
import { checkSignerCertificate } from './unionpay.certificates';
import { unionpayClientConfig, type UnionpayClientConfig } from './unionpay.config';
import { classifyUnionpayFailure, respClassOf, type UnionpayFailure } from './unionpay.errors';
import {
  amountFromUnionpay,
  amountToUnionpay,
  paidAtFromUnionpay,
  refundStatusFromUnionpay,
  toUnionpayTime,
  tradeStatusFromUnionpay,
} from './unionpay.mapping';
import { convertResultStringToMap } from './unionpay.qstring';
import { SIGNATURE_FIELD, unionpaySign, unionpayVerify } from './unionpay.signature';
import {
  parseZmFile,
  settleDateOf,
  statementRecordsOf,
  UnionpayStatementError,
  unpackFileContent,
  zmFileNameOf,
  type UnionpayStatementRecord,
} from './unionpay.statement';
import {
  UNIONPAY_CNY,
  UNIONPAY_ENCODING,
  UNIONPAY_SIGN_METHOD,
  UNIONPAY_VERSION,
  unionpayBackTransResponseSchema,
  unionpayFileTransferResponseSchema,
  unionpayNotificationSchema,
  unionpayQueryResponseSchema,
  type UnionpayChannelType,
  type UnionpayFileTransferRequest,
  type UnionpayFrontConsumeRequest,
  type UnionpayQueryByIdRequest,
  type UnionpayQueryRequest,
  type UnionpayRefundRequest,
} from './unionpay.types';

const CHANNELS = ['unionpay_pc', 'unionpay_wap'] as const satisfies readonly Channel[];

/** UnionPay's orderId: 8 to 40 letters and digits, no `-` or `_`. */
const ORDER_ID = /^[0-9A-Za-z]{8,40}$/;

export interface UnionpayProviderOptions {
  /** Per-call timeout for backTransReq and queryTrans; 10 s unless told. */
  timeoutMs?: number;
  /** The clock that certificates are checked against, for tests. */
  now?: () => Date;
}

type UnionpayCall = 'frontTransReq' | 'backTransReq' | 'queryTrans' | 'fileTransRequest';

/**
 * The adapter for one UnionPay merchant (merId): a small ACP 5.1.0 client on node:crypto. Every
 * request is signed with the merchant's certificate (signMethod 01); every answer and
 * notification is trusted only once its signPubKeyCert chains to the configured root and middle
 * certificates, is in date, belongs to UnionPay, and its signature verifies.
 *
 * It keeps nothing about orders: each txnTime comes from the creation time the caller passes
 * (`createdAt`, `requestedAt`; see ProviderOrderRef), so any worker can query, close or refund
 * an order another one created.
 */
export function createUnionpayProvider(
  account: ProviderAccount,
  env: ProviderEnvironment,
  options: UnionpayProviderOptions = {},
): PaymentProvider {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 10_000;
  let resolved: UnionpayClientConfig | null = null;
  // Read on first use, not here: broken credentials then fail each call with a non-retryable
  // ProviderInvalidRequestError instead of failing whoever asked for the adapter.
  const config = (): UnionpayClientConfig => (resolved ??= unionpayClientConfig(account, env, now()));

  const fail = (failure: UnionpayFailure, call: UnionpayCall) => classifyUnionpayFailure(failure, call);

  /** The request as UnionPay's SDK submits it: blank fields dropped, values trimmed (SDKUtil.filterBlank), then signed. */
  function signed(request: object): Record<string, string> {
    const cfg = config();
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(request)) {
      if (typeof value === 'string' && value.trim() !== '') fields[name] = value.trim();
    }
    fields.certId = cfg.signing.certId;
    fields[SIGNATURE_FIELD] = unionpaySign(fields, cfg.signing.privateKey);
    return fields;
  }

  /** Whether a message (answer or notification) is UnionPay's own; the reason when it is not. */
  function verifyMessage(fields: Record<string, string>): { ok: true } | { ok: false; reason: string } {
    if (fields.version !== UNIONPAY_VERSION)
      return { ok: false, reason: `version ${JSON.stringify(fields.version ?? null)} is not ${UNIONPAY_VERSION}` };
    if (fields.signMethod !== UNIONPAY_SIGN_METHOD)
      return { ok: false, reason: `signMethod ${JSON.stringify(fields.signMethod ?? null)} is not 01` };
    if (!fields[SIGNATURE_FIELD]) return { ok: false, reason: 'it carries no signature' };
    if (!fields.signPubKeyCert) return { ok: false, reason: 'it carries no signPubKeyCert' };
    const check = checkSignerCertificate(fields.signPubKeyCert, config().trust, now());
    if (!check.ok) return check;
    if (!unionpayVerify(fields, check.certificate.publicKey))
      return { ok: false, reason: 'the signature does not match the message' };
    return { ok: true };
  }

  /** One server-to-server call; anything but a verified, well-formed answer becomes a ProviderError. */
  async function call<S extends z.ZodType<{ respCode: string; respMsg?: string; merId?: string; orderId?: string }>>(
    name: Exclude<UnionpayCall, 'frontTransReq'>,
    request: UnionpayRefundRequest | UnionpayQueryRequest | UnionpayQueryByIdRequest | UnionpayFileTransferRequest,
    schema: S,
  ): Promise<z.infer<S>> {
    const cfg = config();
    const body = new URLSearchParams(signed(request)).toString();
    let status: number;
    let text: string;
    try {
      const response = await fetch(cfg.urls[name], {
        method: 'POST',
        headers: { 'content-type': `application/x-www-form-urlencoded;charset=${UNIONPAY_ENCODING}` },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw fail({ kind: 'transport', message: describeError(error) }, name);
    }
    if (status !== 200) throw fail({ kind: 'http', status }, name);
    let fields: Record<string, string> | null;
    try {
      fields = convertResultStringToMap(text);
    } catch (error) {
      throw fail({ kind: 'malformed', message: `${(error as Error).message}: ${truncate(text)}` }, name);
    }
    if (!fields) throw fail({ kind: 'malformed', message: 'an empty answer' }, name);
    const verified = verifyMessage(fields);
    if (!verified.ok) throw fail({ kind: 'signature', message: verified.reason }, name);
    const parsed = schema.safeParse(fields);
    if (!parsed.success) {
      throw fail({ kind: 'malformed', message: describeFirstIssue(parsed.error) }, name);
    }
    const answer = parsed.data;
    // Signed by UnionPay, but for someone else's request (a confused proxy, a replayed answer).
    if (answer.merId !== undefined && answer.merId !== cfg.merId)
      throw fail({ kind: 'malformed', message: `answered for merId ${answer.merId}` }, name);
    // Requests that name no order (a query by queryId, a file) get answers that may name one.
    if ('orderId' in request && answer.orderId !== undefined && answer.orderId !== request.orderId) {
      throw fail({ kind: 'malformed', message: `answered for orderId ${answer.orderId}` }, name);
    }
    return answer;
  }

  const failed = (name: UnionpayCall, answer: { respCode: string; respMsg?: string }) =>
    fail({ kind: 'response', respCode: answer.respCode, respMsg: answer.respMsg ?? null }, name);

  function parseAmount(name: UnionpayCall, txnAmt: string | undefined): number | null {
    if (txnAmt === undefined) return null;
    try {
      return amountFromUnionpay(txnAmt);
    } catch {
      throw fail({ kind: 'malformed', message: `txnAmt ${JSON.stringify(txnAmt)}` }, name);
    }
  }

  function merchantFields() {
    return {
      version: UNIONPAY_VERSION,
      encoding: UNIONPAY_ENCODING,
      signMethod: UNIONPAY_SIGN_METHOD,
      certId: config().signing.certId,
      accessType: '0',
      merId: config().merId,
    } as const;
  }

  function common(orderId: string, txnTime: string) {
    return { ...merchantFields(), orderId, txnTime } as const;
  }

  /**
   * The txnTime of an order of ours: its creation time in China time. merId + orderId + txnTime
   * is how UnionPay identifies a transaction ("三要素唯一确定一笔交易"), and queryTrans needs all three:
   * https://open.unionpay.com/tjweb/acproduct/APIList?acpAPIId=757&apiservId=448
   */
  function txnTimeOf(name: string, at: Date): string {
    if (!(at instanceof Date) || Number.isNaN(at.getTime()))
      throw new ProviderInvalidRequestError(`UnionPay needs ${name} as a time, got ${String(at)}`);
    return toUnionpayTime(at);
  }

  /** queryTrans for one order; null when UnionPay has no such transaction (respCode 34). */
  async function query(orderId: string, txnTime: string) {
    const request: UnionpayQueryRequest = {
      ...common(orderId, txnTime),
      txnType: '00',
      txnSubType: '00',
      bizType: '000000',
    };
    const answer = await call('queryTrans', request, unionpayQueryResponseSchema);
    const cls = respClassOf(answer.respCode);
    if (cls === 'not_found') return null;
    if (cls !== 'ok') throw failed('queryTrans', answer);
    if (!answer.origRespCode) throw fail({ kind: 'malformed', message: 'no origRespCode' }, 'queryTrans');
    return { ...answer, origRespCode: answer.origRespCode };
  }

  async function queryPayment({ outTradeNo, createdAt }: ProviderOrderRef): Promise<ProviderTrade> {
    const txnTime = txnTimeOf('createdAt', createdAt);
    const answer = await query(outTradeNo, txnTime);
    if (!answer) {
      // Also the answer for an order whose form the shopper has not submitted, or submitted
      // without trying to pay: UnionPay records a consume only when it is attempted.
      return tradeNotFound(outTradeNo);
    }
    const status = tradeStatusFromUnionpay(answer.origRespCode);
    return {
      outTradeNo,
      status,
      providerTradeNo: answer.queryId ?? null,
      amountMinor: parseAmount('queryTrans', answer.txnAmt),
      paidAt: status === 'succeeded' ? paidAtFromUnionpay(answer.txnTime ?? txnTime, answer.traceTime) : null,
      failureCode: status === 'failed' ? answer.origRespCode : null,
      failureMessage: status === 'failed' ? (answer.origRespMsg ?? null) : null,
    };
  }

  async function queryRefund({ outRefundNo, requestedAt }: ProviderRefundRef): Promise<ProviderRefund> {
    // A refund is a transaction of its own: its orderId is outRefundNo, its txnTime the refund's creation time.
    const answer = await query(outRefundNo, txnTimeOf('requestedAt', requestedAt));
    if (!answer) return refundNotFound(outRefundNo);
    const status = refundStatusFromUnionpay(answer.origRespCode);
    return {
      outRefundNo,
      status,
      providerRefundNo: answer.queryId ?? null,
      amountMinor: parseAmount('queryTrans', answer.txnAmt),
      failureReason: status === 'failed' ? `${answer.origRespCode} ${answer.origRespMsg ?? ''}`.trim() : null,
    };
  }

  /**
   * The orderId of the consume UnionPay numbered `queryId`, asked by that number (txnSubType 02,
   * 流水号查询; acpAPIId=901), for a refund whose statement record does not name its consume.
   */
  async function orderIdOfQueryId(queryId: string): Promise<string> {
    const request: UnionpayQueryByIdRequest = {
      ...merchantFields(),
      txnType: '00',
      txnSubType: '02',
      bizType: '000000',
      queryId,
    };
    const answer = await call('queryTrans', request, unionpayQueryResponseSchema);
    if (respClassOf(answer.respCode) === 'not_found') {
      throw fail(
        {
          kind: 'malformed',
          message: `a refund in the statement names consume queryId ${queryId}, which UnionPay does not find`,
        },
        'queryTrans',
      );
    }
    if (respClassOf(answer.respCode) !== 'ok') throw failed('queryTrans', answer);
    if (!answer.orderId || (answer.queryId !== undefined && answer.queryId !== queryId)) {
      throw fail(
        {
          kind: 'malformed',
          message: `the query for queryId ${queryId} answered orderId ${answer.orderId ?? '(none)'}, queryId ${answer.queryId ?? '(none)'}`,
        },
        'queryTrans',
      );
    }
    return answer.orderId;
  }

  /**
   * The statement's records of the day, or null when UnionPay has no file for it. settleDate is
   * MMDD: UnionPay resolves it to the latest such day, and we check that the zip holds the file
   * named for our full date (INN<yymmdd>88ZM_<merId>), so a year-old file cannot pass for it.
   */
  async function statementRecords(date: string): Promise<UnionpayStatementRecord[] | null> {
    const settleDate = settleDateOf(date);
    if (!settleDate)
      throw new ProviderInvalidRequestError(`a statement's date is YYYY-MM-DD, got ${JSON.stringify(date)}`);
    const cfg = config();
    const request: UnionpayFileTransferRequest = {
      ...merchantFields(),
      txnType: '76',
      txnSubType: '01',
      bizType: '000000',
      txnTime: toUnionpayTime(now()),
      fileType: '00',
      settleDate,
    };
    const answer = await call('fileTransRequest', request, unionpayFileTransferResponseSchema);
    // 98 文件不存在: UnionPay makes no file for a day without transactions.
    if (answer.respCode === '98') return null;
    if (respClassOf(answer.respCode) !== 'ok') throw failed('fileTransRequest', answer);
    if (answer.settleDate !== undefined && answer.settleDate !== settleDate) {
      throw fail(
        { kind: 'malformed', message: `answered with the file of settleDate ${answer.settleDate}, not ${settleDate}` },
        'fileTransRequest',
      );
    }
    if (!answer.fileContent)
      throw fail({ kind: 'malformed', message: 'respCode 00 without fileContent' }, 'fileTransRequest');
    try {
      const files = unpackFileContent(answer.fileContent);
      const name = zmFileNameOf(date, cfg.merId);
      const detail = Object.entries(files).find(([path]) => path.split('/').pop() === name)?.[1];
      if (!detail)
        throw new UnionpayStatementError(
          `the zip holds no ${name}, only ${Object.keys(files).join(', ') || 'nothing'}`,
        );
      return statementRecordsOf(parseZmFile(detail), { merId: cfg.merId, date });
    } catch (error) {
      if (error instanceof UnionpayStatementError)
        throw fail({ kind: 'malformed', message: error.message }, 'fileTransRequest');
      throw error;
    }
  }

  function requireOrderId(name: string, value: string): void {
    if (!ORDER_ID.test(value))
      throw new ProviderInvalidRequestError(
        `UnionPay ${name} must be 8 to 40 letters and digits, got ${JSON.stringify(value)}`,
      );
  }

  function requireAmount(amountMinor: number): string {
    if (!Number.isSafeInteger(amountMinor) || amountMinor < 1) {
      throw new ProviderInvalidRequestError(`UnionPay amounts are at least 1 fen, got ${amountMinor}`);
    }
    try {
      return amountToUnionpay(amountMinor);
    } catch (error) {
      throw new ProviderInvalidRequestError((error as Error).message);
    }
  }

  async function frontConsume(
    input: CreatePaymentInput,
    channelType: UnionpayChannelType,
  ): Promise<CreatePaymentResult> {
    const cfg = config();
    if (input.currency !== 'CNY')
      throw new ProviderInvalidRequestError(`UnionPay gateway payments are in CNY, not ${String(input.currency)}`);
    const txnAmt = requireAmount(input.amountMinor);
    requireOrderId('orderId (outTradeNo)', input.outTradeNo);
    // From the payment's creation time, not the clock: a retried create (on any worker) sends the
    // same order, same txnTime, rather than a second one, and queries later name it the same way.
    const txnTime = txnTimeOf('createdAt', input.createdAt);
    const payTimeout = toUnionpayTime(input.expiresAt);
    if (payTimeout <= txnTime)
      throw new ProviderInvalidRequestError(`expiresAt ${input.expiresAt.toISOString()} is not after the order's time`);
    const request: UnionpayFrontConsumeRequest = {
      ...common(input.outTradeNo, txnTime),
      txnType: '01',
      txnSubType: '01',
      bizType: '000201',
      channelType,
      txnAmt,
      currencyCode: UNIONPAY_CNY,
      backUrl: input.notifyUrl,
      // Without frontUrl UnionPay's page keeps the shopper after paying; with it, it sends them back.
      ...(input.returnUrl ? { frontUrl: input.returnUrl } : {}),
      // UnionPay has no close: payTimeout is what stops an unpaid order from being paid.
      payTimeout,
    };
    const form = signed(request);
    // The form goes to UnionPay from the shopper's browser (an auto-submitting POST), never from us.
    return {
      nextAction: { type: 'redirect_to_url', redirect_to_url: { url: cfg.urls.frontTransReq, method: 'POST', form } },
    };
  }

  return {
    name: 'unionpay',
    channels: CHANNELS,

    async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
      switch (input.channel) {
        case 'unionpay_pc':
          return frontConsume(input, '07');
        case 'unionpay_wap':
          return frontConsume(input, '08');
        case 'alipay_pc':
        case 'alipay_wap':
        case 'alipay_qr':
        case 'wechat_native':
        case 'wechat_jsapi':
        case 'wechat_h5':
          throw new ProviderInvalidRequestError(`UnionPay does not serve the ${input.channel} channel`);
        default:
          return assertNever(input.channel);
      }
    },

    queryPayment,

    /**
     * UnionPay has no way to close a gateway order: an unpaid one simply stops being payable at its
     * payTimeout, which createPayment set to expiresAt (consume, "payTimeout", and the query rules
     * of acpAPIId=757: https://open.unionpay.com/tjweb/acproduct/APIList?acpAPIId=757&apiservId=448).
     * So closing is asking: paid means already_paid; an attempt still in progress is asked about
     * again; anything else is closed. A shopper still holding the form could pay until payTimeout.
     */
    async closePayment(order: ProviderOrderRef): Promise<CloseResult> {
      const trade = await queryPayment(order);
      switch (trade.status) {
        case 'succeeded':
          return 'already_paid';
        case 'processing':
          throw new ProviderUnavailableError(
            `UnionPay is still processing a payment of ${order.outTradeNo}; ask again`,
            'in_progress',
          );
        case 'pending':
        case 'failed':
        case 'closed':
        case 'not_found':
          return 'closed';
        default:
          return assertNever(trade.status);
      }
    },

    async refund(input: RefundInput): Promise<ProviderRefund> {
      const txnAmt = requireAmount(input.amountMinor);
      requireOrderId('orderId (outRefundNo)', input.outRefundNo);
      // From the refund's creation time: a retry after a timeout sends the very same refund.
      const txnTime = txnTimeOf('requestedAt', input.requestedAt);
      // The refund names the consume by its queryId (origQryId), which only the consume's query tells.
      const payment = await queryPayment({ outTradeNo: input.outTradeNo, createdAt: input.paymentCreatedAt });
      if (payment.status === 'not_found') {
        throw new ProviderInvalidRequestError(`UnionPay has no consume ${input.outTradeNo} to refund`, '34');
      }
      if (payment.status !== 'succeeded' || !payment.providerTradeNo) {
        // What UnionPay itself answers for a refund of an unpaid consume.
        throw new ProviderDeclinedError(
          `UnionPay consume ${input.outTradeNo} is ${payment.status}; only a paid one can be refunded`,
          '35',
        );
      }
      const request: UnionpayRefundRequest = {
        ...common(input.outRefundNo, txnTime),
        txnType: '04',
        txnSubType: '00',
        bizType: '000201',
        channelType: '07',
        txnAmt,
        backUrl: input.notifyUrl,
        origQryId: payment.providerTradeNo,
        // Returned in the refund's notification, which otherwise names only origQryId.
        reqReserved: input.outTradeNo,
      };
      const answer = await call('backTransReq', request, unionpayBackTransResponseSchema);
      const cls = respClassOf(answer.respCode);
      if (cls === 'ok' || cls === 'in_progress') {
        // 00 means accepted: the refund settles later, told by notification or query (退货 is
        // "后台资金类交易，有同步应答和后台通知应答").
        return {
          outRefundNo: input.outRefundNo,
          status: 'pending',
          providerRefundNo: answer.queryId ?? null,
          amountMinor: input.amountMinor,
          failureReason: null,
        };
      }
      if (answer.respCode === '12') {
        // 重复交易: this orderId was sent before; the query (by this refund's txnTime) tells how that
        // refund went. One sent with another txnTime is not found, and the 12 stands.
        const earlier = await queryRefund(input);
        if (earlier.status !== 'not_found') return earlier;
      }
      throw failed('backTransReq', answer);
    },

    queryRefund,

    async fetchStatement(date: string): Promise<StatementEntry[]> {
      const records = await statementRecords(date);
      if (!records) return [];
      // A refund record names its consume by 原始交易订单号; files of the older layout lack it and
      // name it only by queryId (原交易查询流水号): the consume's record of the same day says which
      // order that is, and for an older consume queryTrans does.
      const consumes = new Map(records.filter((r) => r.kind === 'payment').map((r) => [r.queryId, r.orderId]));
      const entries: StatementEntry[] = [];
      for (const record of records) {
        const common = { providerTradeNo: record.queryId, amountMinor: record.amountMinor, at: record.at };
        if (record.kind === 'payment') {
          entries.push({ kind: 'payment', outTradeNo: record.orderId, outRefundNo: null, ...common });
          continue;
        }
        let outTradeNo = record.origOrderId ?? (record.origQryId ? consumes.get(record.origQryId) : undefined);
        if (!outTradeNo && record.origQryId) outTradeNo = await orderIdOfQueryId(record.origQryId);
        if (!outTradeNo)
          throw fail(
            { kind: 'malformed', message: `refund ${record.orderId} in the statement names no original transaction` },
            'fileTransRequest',
          );
        entries.push({ kind: 'refund', outTradeNo, outRefundNo: record.orderId, ...common });
      }
      return entries;
    },

    async verifyNotification(notification: RawNotification): Promise<VerifiedNotification> {
      const form = notification.form;
      if (!form)
        throw new NotificationRejectedError('UnionPay notifications are forms (application/x-www-form-urlencoded)');
      const cfg = config();
      const verified = verifyMessage(form);
      if (!verified.ok) throw new NotificationRejectedError(`not signed by UnionPay: ${verified.reason}`);
      if (form.merId !== cfg.merId)
        throw new NotificationRejectedError(`notification is for merId ${form.merId ?? '(none)'}, not ${cfg.merId}`);
      const parsed = unionpayNotificationSchema.safeParse(form);
      if (!parsed.success) {
        throw new NotificationRejectedError(
          `not a UnionPay transaction notification: ${describeFirstIssue(parsed.error)}`,
        );
      }
      const n = parsed.data;
      let amountMinor: number;
      try {
        amountMinor = amountFromUnionpay(n.txnAmt);
      } catch {
        throw new NotificationRejectedError(`txnAmt ${JSON.stringify(n.txnAmt)} is not an amount`);
      }
      switch (n.txnType) {
        case '01': {
          const status = tradeStatusFromUnionpay(n.respCode);
          return {
            kind: 'payment',
            trade: {
              outTradeNo: n.orderId,
              status,
              providerTradeNo: n.queryId ?? null,
              amountMinor,
              paidAt: status === 'succeeded' ? paidAtFromUnionpay(n.txnTime, n.traceTime) : null,
              failureCode: status === 'failed' ? n.respCode : null,
              failureMessage: status === 'failed' ? (n.respMsg ?? null) : null,
            },
          };
        }
        case '04': {
          if (!n.reqReserved)
            throw new NotificationRejectedError(
              `refund notification ${n.orderId} carries no reqReserved naming its consume`,
            );
          const status = refundStatusFromUnionpay(n.respCode);
          return {
            kind: 'refund',
            outTradeNo: n.reqReserved,
            refund: {
              outRefundNo: n.orderId,
              status,
              providerRefundNo: n.queryId ?? null,
              amountMinor,
              failureReason: status === 'failed' ? `${n.respCode} ${n.respMsg ?? ''}`.trim() : null,
            },
          };
        }
        default:
          throw new NotificationRejectedError(`txnType ${n.txnType} is neither a consume (01) nor a refund (04)`);
      }
    },

    notificationAck(outcome: 'accepted' | 'refused'): NotificationAck {
      // UnionPay reads only the status: anything but HTTP 200 is a failure it sends again later.
      return outcome === 'accepted'
        ? { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' }
        : { status: 400, contentType: 'text/plain; charset=utf-8', body: 'fail' };
    },
  };
}

const truncate = (text: string, max = 200): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** "TypeError: fetch failed" says nothing; the cause (refused, timed out) is what an operator needs. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const text = `${error.name}: ${error.message}`;
  return error.cause === undefined ? text : `${text} (${describeError(error.cause)})`;
}
