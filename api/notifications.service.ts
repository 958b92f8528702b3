import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { paidAfterClosing, type PaymentRecord, type ProviderName } from '../domain/payment';
import type { ProviderRefund, ProviderTrade } from '../domain/provider-reports';
import { paymentWorkflowId, refundWorkflowId } from '../domain/workflow-ids';
import { PaymentSchema, RefundSchema } from '../db/entities';
import type { VerifiedNotification } from '../providers/provider';
import type { RefundRecord } from '../domain/refund';
import { providerNotificationSignal, providerRefundSignal, type RefundWorkflowInput } from '../workflows/messages';
import type { refundWorkflow } from '../workflows/refund.workflow';
import type { ApiDeps } from './deps';
import type { RefundsService } from './refunds.service';
import { countNotification } from './metrics';

/**
 * What became of a notification; every one is stored with its outcome (`provider_notifications`).
 * - `signaled`: handed to the payment's or refund's workflow.
 * - `refused`: forged, another account's, or an amount that does not match; the provider may send it again.
 * - `unknown_order`: verified, but for an order or refund Tongbao never made; acknowledged, kept for admins.
 * - `late`: for a payment or refund whose workflow has ended; acknowledged, nothing changes.
 * - `late_payment_refunded`: the provider says a payment Tongbao had closed was paid after all;
 *   the shopper's money is refunded automatically (README "Late and unknown notifications").
 * - `canceled_refund_reopened`: the provider settled a refund an admin had canceled; it requires
 *   attention again (see `reopenCanceledRefund`).
 */
export type NotificationOutcome =
  'signaled' | 'refused' | 'unknown_order' | 'late' | 'late_payment_refunded' | 'canceled_refund_reopened';

/** A notification as it reached `POST /notify/<provider>/:account`, kept whole in the record. */
export interface ReceivedNotification {
  provider: ProviderName;
  accountId: string;
  body: Buffer;
}

/** What a payment notification needs of the payment it names. */
type NotifiedPayment = Pick<PaymentRecord, 'id' | 'amount' | 'status'>;

interface Recorded {
  outTradeNo?: string;
  outRefundNo?: string;
  paymentId?: string;
  reason?: string;
}

interface Decided {
  outcome: NotificationOutcome;
  details: Recorded;
}

/**
 * How much of a refused notification's body is kept. Anyone can post to /notify (the account id
 * is in page-pay URLs): a refused body is kept for support as its SHA-256, its size and this
 * much of its beginning, so that junk cannot fill the database.
 */
export const REFUSED_BODY_BYTES = 2048;

/**
 * A body as text for its `text` column: at most `limit` bytes (a character cut in two becomes
 * U+FFFD), and NUL, which PostgreSQL's text refuses, as U+FFFD too; the hash keeps the exact bytes.
 */
export function storedBody(body: Buffer, limit: number | null): string {
  const kept = limit === null ? body : body.subarray(0, limit);
  return kept.toString('utf8').replaceAll('\u0000', '\uFFFD');
}

/**
 * What a provider's notification means, once its provider has verified it (signature, account):
 * the payment or refund it names, whether its amount is that one's, and who hears of it (the
 * workflow, while it runs; after, nobody, unless the shopper paid a payment that had closed).
 * The notify route only verifies and hands over; every notification is recorded here.
 */
export function createNotificationsService(deps: ApiDeps, refunds: RefundsService) {
  /**
   * `receivedAt` is when the notification arrived, before it was handled: a payment's timeline
   * shows it before the transition it caused, which its workflow records meanwhile.
   */
  async function record(
    received: ReceivedNotification,
    outcome: NotificationOutcome,
    details: Recorded,
    receivedAt = new Date(),
  ): Promise<void> {
    await deps.db.execute(
      `insert into provider_notifications (provider, provider_account_id, out_trade_no, out_refund_no, payment_id, outcome, reason, body, body_sha256, body_bytes, received_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        received.provider,
        received.accountId,
        details.outTradeNo ?? null,
        details.outRefundNo ?? null,
        details.paymentId ?? null,
        outcome,
        details.reason ?? null,
        storedBody(received.body, outcome === 'refused' ? REFUSED_BODY_BYTES : null),
        createHash('sha256').update(received.body).digest('hex'),
        received.body.length,
        receivedAt,
      ],
    );
  }

  /** Signals a workflow; false when it has already ended. */
  async function signalIfRunning(send: () => Promise<void>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async function paymentNotification(accountId: string, trade: ProviderTrade): Promise<Decided> {
    // A plain query of the three fields used: the ORM's findOne cost more CPU than the query, on every notification.
    const [row] = await deps.db.execute<(Omit<NotifiedPayment, 'amount'> & { amount: string })[]>(
      `select id, amount, status from payments where out_trade_no = ? and provider_account_id = ?`,
      [trade.outTradeNo, accountId],
    );
    // bigint comes as text; amounts are at most Number.MAX_SAFE_INTEGER (the API checks them).
    const payment: NotifiedPayment | null = row ? { ...row, amount: Number(row.amount) } : null;
    if (!payment)
      return {
        outcome: 'unknown_order',
        details: { outTradeNo: trade.outTradeNo, reason: 'no payment with this order number' },
      };
    const details: Recorded = { outTradeNo: trade.outTradeNo, paymentId: payment.id };
    if (trade.amountMinor !== payment.amount) {
      return {
        outcome: 'refused',
        details: { ...details, reason: `amount ${trade.amountMinor} does not match the payment's ${payment.amount}` },
      };
    }
    if (
      await signalIfRunning(() =>
        deps.temporal.workflow.getHandle(paymentWorkflowId(payment.id)).signal(providerNotificationSignal, trade),
      )
    ) {
      return { outcome: 'signaled', details };
    }
    return latePayment(payment, trade, details);
  }

  /**
   * The payment's workflow has ended, so its state is final. Only one late word matters: the
   * provider took the shopper's money for a payment we had closed. Then the money goes back.
   */
  async function latePayment(payment: NotifiedPayment, trade: ProviderTrade, details: Recorded): Promise<Decided> {
    if (!paidAfterClosing({ status: payment.status, amountMinor: payment.amount }, trade))
      return {
        outcome: 'late',
        details: { ...details, reason: `payment is ${payment.status}; the provider says ${trade.status}` },
      };
    const refund = await refunds.refundLatePayment(payment.id);
    deps.logger.warn(
      { paymentId: payment.id, status: payment.status, refundId: refund?.id ?? null },
      'payment completed at the provider after it was closed; refunded',
    );
    return {
      outcome: 'late_payment_refunded',
      details: {
        ...details,
        reason: refund
          ? `paid after it was ${payment.status}; refunded by ${refund.id}`
          : `paid after it was ${payment.status}; already refunded`,
      },
    };
  }

  async function refundNotification(accountId: string, outTradeNo: string, reported: ProviderRefund): Promise<Decided> {
    const refund = await deps.db.fork().findOne(RefundSchema, { outRefundNo: reported.outRefundNo });
    const payment = refund
      ? await deps.db.fork().findOne(PaymentSchema, { id: refund.paymentId, providerAccountId: accountId })
      : null;
    const base: Recorded = { outTradeNo, outRefundNo: reported.outRefundNo };
    if (!refund || !payment || payment.outTradeNo !== outTradeNo)
      return { outcome: 'unknown_order', details: { ...base, reason: 'no refund with this number for this order' } };
    const details: Recorded = { ...base, paymentId: payment.id };
    if (reported.amountMinor !== null && reported.amountMinor !== refund.amount) {
      return {
        outcome: 'refused',
        details: {
          ...details,
          reason: `refund amount ${reported.amountMinor} does not match the refund's ${refund.amount}`,
        },
      };
    }
    if (
      await signalIfRunning(() =>
        deps.temporal.workflow.getHandle(refundWorkflowId(refund.id)).signal(providerRefundSignal, reported),
      )
    ) {
      return { outcome: 'signaled', details };
    }
    if (refund.status === 'canceled' && reported.status === 'succeeded') return reopenCanceledRefund(refund, details);
    return {
      outcome: 'late',
      details: { ...details, reason: `refund is ${refund.status}; the provider says ${reported.status}` },
    };
  }

  /**
   * An admin canceled the refund, and so released its amount, yet the provider refunded it: the
   * amount may go back twice. Its workflow starts again and puts it in front of an admin
   * (`requires_attention`, holding its amount again); a duplicate of this notification finds it running.
   */
  async function reopenCanceledRefund(refund: RefundRecord, details: Recorded): Promise<Decided> {
    const [{ attempt }] = await deps.db.execute<{ attempt: number }[]>(
      `select coalesce(max(attempt), 1)::int as attempt from refund_transitions where refund_id = ?`,
      [refund.id],
    );
    const input: RefundWorkflowInput = {
      draft: {
        id: refund.id,
        merchantId: refund.merchantId,
        livemode: refund.livemode,
        paymentId: refund.paymentId,
        origin: refund.origin,
        amountMinor: refund.amount,
        reason: refund.reason,
        metadata: refund.metadata,
        outRefundNo: refund.outRefundNo,
        createdAt: new Date(refund.createdAt).toISOString(),
      },
      timeScale: deps.config.timeScale,
      attentionAfterSeconds: deps.config.refundAttentionAfterSeconds,
      reopened: {
        amount: refund.amount,
        attempt,
        reason:
          'The provider refunded this refund after an admin canceled it; check the payment was not refunded twice.',
      },
    };
    try {
      await deps.temporal.workflow.start<typeof refundWorkflow>('refundWorkflow', {
        workflowId: refundWorkflowId(refund.id),
        taskQueue: deps.temporalSettings.taskQueue,
        args: [input],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
    } catch (error) {
      // Another delivery of this notification reopened it a moment ago.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    deps.logger.warn({ refundId: refund.id }, 'canceled refund settled by the provider; back to requires_attention');
    return {
      outcome: 'canceled_refund_reopened',
      details: { ...details, reason: `refund ${refund.id} was canceled; the provider says succeeded` },
    };
  }

  return {
    /** A notification its provider refused to verify (forged, another account's): recorded, never applied. */
    async refuse(received: ReceivedNotification, reason: string): Promise<void> {
      deps.logger.warn({ provider: received.provider, accountId: received.accountId, reason }, 'notification refused');
      await record(received, 'refused', { reason });
      countNotification(received.provider, 'refused_signature');
    },

    /**
     * Applies a verified notification and records what became of it. Only a `refused` one should
     * be answered as refused: for anything else, sending it again cannot change the outcome.
     */
    async handle(received: ReceivedNotification, verified: VerifiedNotification): Promise<NotificationOutcome> {
      const receivedAt = new Date();
      const { outcome, details } =
        verified.kind === 'payment'
          ? await paymentNotification(received.accountId, verified.trade)
          : await refundNotification(received.accountId, verified.outTradeNo, verified.refund);
      if (outcome === 'refused' || outcome === 'unknown_order')
        deps.logger.warn(
          { provider: received.provider, accountId: received.accountId, outcome, ...details },
          'notification not applied',
        );
      await record(received, outcome, details, receivedAt);
      // A verified notification is refused only for its amount (the signature was checked first).
      countNotification(received.provider, outcome === 'refused' ? 'refused_amount' : outcome);
      return outcome;
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
