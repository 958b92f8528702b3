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
  createUnionpayClient,
  failedAnswer,
  malformedAnswer,
  type UnionpayCall,
  type UnionpayClientOptions,
} from './unionpay.client';
import { respClassOf } from './unionpay.errors';
import {
  amountFromUnionpay,
  amountToUnionpay,
  paidAtFromUnionpay,
  refundStatusFromUnionpay,
  toUnionpayTime,
  tradeStatusFromUnionpay,
} from './unionpay.mapping';
import { unionpayNotificationAck, verifyUnionpayNotification } from './unionpay.notifications';
import { fetchUnionpayStatement } from './unionpay.statement-fetch';
import {
  UNIONPAY_CNY,
  unionpayBackTransResponseSchema,
  unionpayQueryResponseSchema,
  type UnionpayChannelType,
  type UnionpayFrontConsumeRequest,
  type UnionpayQueryRequest,
  type UnionpayRefundRequest,
} from './unionpay.types';

// UnionPay's adapter: payments (the consume form, queries, closing by asking) and refunds, on the
// signed client of unionpay.client.ts; statements and notifications come from files of their own.

const CHANNELS = ['unionpay_pc', 'unionpay_wap'] as const satisfies readonly Channel[];

/** UnionPay's orderId: 8 to 40 letters and digits, no `-` or `_`. */
const ORDER_ID = /^[0-9A-Za-z]{8,40}$/;

export type UnionpayProviderOptions = UnionpayClientOptions;

/**
 * The adapter for one UnionPay merchant (merId), on a small ACP 5.1.0 client (unionpay.client.ts):
 * every request signed with the merchant's certificate, every answer and notification trusted only
 * once verified.
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
  const client = createUnionpayClient(account, env, options);

  function parseAmount(name: UnionpayCall, txnAmt: string | undefined): number | null {
    if (txnAmt === undefined) return null;
    try {
      return amountFromUnionpay(txnAmt);
    } catch {
      throw malformedAnswer(name, `txnAmt ${JSON.stringify(txnAmt)}`);
    }
  }

  function common(orderId: string, txnTime: string) {
    return { ...client.merchantFields(), orderId, txnTime } as const;
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
    const answer = await client.call('queryTrans', request, unionpayQueryResponseSchema);
    const cls = respClassOf(answer.respCode);
    if (cls === 'not_found') return null;
    if (cls !== 'ok') throw failedAnswer('queryTrans', answer);
    if (!answer.origRespCode) throw malformedAnswer('queryTrans', 'no origRespCode');
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
    const cfg = client.config();
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
    const form = client.signed(request);
    // The form goes to UnionPay from the shopper's browser (an auto-submitting POST), never from us.
    return {
      nextAction: { type: 'redirect_to_url', redirect_to_url: { url: cfg.urls.frontTransReq, method: 'POST', form } },
    };
  }

  return {
    name: 'unionpay',
    channels: CHANNELS,

    async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
      const channel = servedChannel(CHANNELS, input.channel, 'UnionPay');
      switch (channel) {
        case 'unionpay_pc':
          return frontConsume(input, '07');
        case 'unionpay_wap':
          return frontConsume(input, '08');
        default:
          return assertNever(channel);
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
      const answer = await client.call('backTransReq', request, unionpayBackTransResponseSchema);
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
      throw failedAnswer('backTransReq', answer);
    },

    queryRefund,

    fetchStatement: (date) => fetchUnionpayStatement(client, date),

    async verifyNotification(notification: RawNotification): Promise<VerifiedNotification> {
      const { notification: n, amountMinor } = verifyUnionpayNotification(client, notification);
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

    notificationAck: unionpayNotificationAck,
  };
}
