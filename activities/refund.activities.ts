import { ApplicationFailure } from '@temporalio/common';
import { newId } from '../domain/ids';
import type { Channel, PaymentStatus, ProviderName } from '../domain/payment';
import { RELEASED_REFUND_STATUSES, toRefundObject, type RefundDraft, type RefundStatus } from '../domain/refund';
import { duplicatePaymentRefundDraft, latePaymentRefundDraft } from '../domain/refund-draft';
import { PaymentSchema, RefundSchema } from '../db/entities';
import { loadProviderAccount } from '../db/provider-accounts.store';
import { REFUND_FAILURE_TYPES, type RefundExceedsPaymentDetails } from '../domain/failures';
import { classified } from './payment.activities';
import { type ActivityDeps } from './deps';
import type { PaymentProvider, RefundInput } from '../providers/provider';
import { ProviderError } from '../providers/errors';
import type { ProviderRefund } from '../domain/provider-reports';
import { providerFor } from '../providers/registry';

export interface OpenedRefund {
  amount: number;
  provider: ProviderName;
  channel: Channel;
}

export interface RefundTransitionInput {
  refundId: string;
  /** 1 for the first request, one more for each admin retry. */
  attempt: number;
  from: RefundStatus;
  to: RefundStatus;
  /** What caused it: `request`, `notification`, `poll`, `deadline`, `retry`. */
  source: string;
  at: string;
  providerRefundNo?: string | null;
  failureReason?: string | null;
}

const EVENT_FOR_STATUS: Partial<Record<RefundStatus, string>> = {
  succeeded: 'refund.succeeded',
  failed: 'refund.failed',
  requires_attention: 'refund.requires_attention',
};

/** The payment states a late payment's refund may start from: Tongbao had closed the payment. */
const CLOSED_UNPAID: readonly PaymentStatus[] = ['expired', 'canceled', 'failed'];

const yuan = (minor: number): string => `¥${(minor / 100).toFixed(2)}`;

/** A refund of more than remains: refused for good, saying what remains. */
function exceedsPayment(message: string, remainingMinor: number): ApplicationFailure {
  const details: RefundExceedsPaymentDetails = { remainingMinor };
  return ApplicationFailure.create({
    message,
    type: REFUND_FAILURE_TYPES.exceedsPayment,
    nonRetryable: true,
    details: [details],
  });
}

export function createRefundActivities(deps: ActivityDeps) {
  const { db } = deps;

  async function providerForRefund(refundId: string): Promise<{ provider: PaymentProvider; input: RefundInput }> {
    const refund = await db.fork().findOneOrFail(RefundSchema, { id: refundId });
    const payment = await db.fork().findOneOrFail(PaymentSchema, { id: refund.paymentId });
    const account = await loadProviderAccount(db.fork(), deps.secretBox, payment.providerAccountId);
    if (!account)
      throw ApplicationFailure.nonRetryable(
        `provider account ${payment.providerAccountId} is gone`,
        'ProviderAccountMissingError',
      );
    return {
      provider: providerFor(account, deps.providerEnv),
      input: {
        outTradeNo: payment.outTradeNo,
        paymentCreatedAt: payment.createdAt,
        outRefundNo: refund.outRefundNo,
        // The stored time: UnionPay names the refund by it, so every retry is the same refund.
        requestedAt: refund.createdAt,
        amountMinor: refund.amount,
        totalAmountMinor: payment.amount,
        reason: refund.reason,
        notifyUrl: `${deps.apiUrl}/notify/${payment.provider}/${payment.providerAccountId}`,
      },
    };
  }

  /**
   * Keeps what the provider answered this request (its code and message, or what failed on the
   * way: a timeout, a refused connection) and counts it, for the admins' stuck refunds queue. Each
   * Temporal retry of the request is an attempt of its own. A row that cannot be written is only
   * logged: the request's outcome never depends on it.
   */
  async function answerRecorded(refundId: string, request: () => Promise<ProviderRefund>): Promise<ProviderRefund> {
    const record = async (code: string | null, message: string | null) => {
      try {
        await db
          .fork()
          .execute(
            `update refunds set provider_requests = provider_requests + 1, provider_answer_code = ?, provider_answer_message = ?, provider_answered_at = now() where id = ?`,
            [code, message?.slice(0, 2000) ?? null, refundId],
          );
      } catch (error) {
        deps.logger.warn({ err: error, refundId }, "could not record the provider's answer to a refund request");
      }
    };
    try {
      const answer = await request();
      await record(null, `${answer.status}${answer.failureReason ? `: ${answer.failureReason}` : ''}`);
      return answer;
    } catch (error) {
      await record(
        error instanceof ProviderError ? error.providerCode : null,
        error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      );
      throw error;
    }
  }

  return {
    /**
     * Stores the refund if the payment can give it: the payment's row is locked while the refunds
     * that still hold part of it are added up, so concurrent refunds of one payment are decided
     * one after the other and their sum never exceeds the amount paid.
     */
    async openRefund(draft: RefundDraft): Promise<OpenedRefund> {
      return db.fork().transactional(async (tx) => {
        const [payment] = await tx.execute<
          {
            amount: string;
            status: PaymentStatus;
            provider: ProviderName;
            channel: Channel;
            currency: string;
            merchant_id: string;
            livemode: boolean;
          }[]
        >(
          `select amount, status, provider, channel, currency, merchant_id, livemode from payments where id = ? for update`,
          [draft.paymentId],
        );
        if (!payment || payment.merchant_id !== draft.merchantId || payment.livemode !== draft.livemode) {
          throw ApplicationFailure.nonRetryable(
            `No such payment: '${draft.paymentId}'`,
            REFUND_FAILURE_TYPES.paymentNotRefundable,
          );
        }
        const opened = (amount: number): OpenedRefund => ({
          amount,
          provider: payment.provider,
          channel: payment.channel,
        });
        // A retried activity finds its own refund already stored.
        const existing = await tx.findOne(RefundSchema, { id: draft.id });
        if (existing) return opened(existing.amount);

        const refundable =
          draft.origin === 'late_payment' ? CLOSED_UNPAID.includes(payment.status) : payment.status === 'succeeded';
        if (!refundable) {
          throw ApplicationFailure.nonRetryable(
            `This payment is ${payment.status}; only a succeeded payment can be refunded.`,
            REFUND_FAILURE_TYPES.paymentNotRefundable,
          );
        }
        const [{ held }] = await tx.execute<{ held: string }[]>(
          `select coalesce(sum(amount), 0) as held from refunds where payment_id = ? and status not in (?)`,
          [draft.paymentId, [...RELEASED_REFUND_STATUSES]],
        );
        const remaining = Number(payment.amount) - Number(held);
        const amount = draft.amountMinor ?? remaining;
        if (remaining <= 0) {
          throw exceedsPayment(
            `This payment has already been refunded in full (${yuan(Number(payment.amount))}).`,
            remaining,
          );
        }
        if (amount > remaining) {
          throw exceedsPayment(
            `Refund amount ${yuan(amount)} is greater than the ${yuan(remaining)} that remains refundable on this payment.`,
            remaining,
          );
        }
        const createdAt = new Date(draft.createdAt);
        await tx.execute(
          `insert into refunds (id, merchant_id, livemode, payment_id, origin, amount, currency, status, reason, metadata, out_refund_no, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
          [
            draft.id,
            draft.merchantId,
            draft.livemode,
            draft.paymentId,
            draft.origin,
            amount,
            payment.currency,
            draft.reason,
            JSON.stringify(draft.metadata),
            draft.outRefundNo,
            createdAt,
            createdAt,
          ],
        );
        await tx.execute(
          `insert into refund_transitions (refund_id, attempt, from_status, to_status, source, at) values (?, 1, null, 'pending', 'create', ?)`,
          [draft.id, createdAt],
        );
        return opened(amount);
      });
    },

    /** The refund of a payment the provider completed after its workflow had closed it; see `latePaymentRefundDraft`. */
    async draftLatePaymentRefund(input: { paymentId: string }): Promise<RefundDraft> {
      return latePaymentRefundDraft(await db.fork().findOneOrFail(PaymentSchema, { id: input.paymentId }));
    },

    /** The refund of a checkout payment that succeeded after its session was paid or moved on; see `duplicatePaymentRefundDraft`. */
    async draftDuplicatePaymentRefund(input: { paymentId: string }): Promise<RefundDraft> {
      return duplicatePaymentRefundDraft(await db.fork().findOneOrFail(PaymentSchema, { id: input.paymentId }));
    },

    /** Asks the provider for the refund; the refund number and time come from its row, so a retry refunds once. */
    async requestProviderRefund(input: { refundId: string }): Promise<ProviderRefund> {
      const { provider, input: refund } = await providerForRefund(input.refundId);
      return classified(() => answerRecorded(input.refundId, () => provider.refund(refund)));
    },

    async queryProviderRefund(input: { refundId: string }): Promise<ProviderRefund> {
      const { provider, input: refund } = await providerForRefund(input.refundId);
      return classified(() =>
        provider.queryRefund({
          outTradeNo: refund.outTradeNo,
          outRefundNo: refund.outRefundNo,
          requestedAt: refund.requestedAt,
        }),
      );
    },

    /**
     * Writes a refund's status change, its history row, the payment's refunded total and the
     * event, in one transaction. Returns the event to deliver, also when a retried call finds
     * the change already written.
     */
    async recordRefundTransition(input: RefundTransitionInput): Promise<{ eventId: string | null }> {
      const eventType = EVENT_FOR_STATUS[input.to];
      const eventId = await db.fork().transactional(async (tx) => {
        const at = new Date(input.at);
        if (input.to === 'succeeded') {
          // Refunds of one payment settle concurrently: holding the payment's row makes each
          // recount below see the refunds that settled before it.
          await tx.execute(
            `select 1 from payments where id = (select payment_id from refunds where id = ?) for update`,
            [input.refundId],
          );
        }
        const inserted = await tx.execute(
          `insert into refund_transitions (refund_id, attempt, from_status, to_status, source, at) values (?, ?, ?, ?, ?, ?) on conflict do nothing returning id`,
          [input.refundId, input.attempt, input.from, input.to, input.source, at],
        );
        if (inserted.length > 0) {
          await tx.nativeUpdate(
            RefundSchema,
            { id: input.refundId },
            {
              status: input.to,
              ...(input.providerRefundNo ? { providerRefundNo: input.providerRefundNo } : {}),
              ...(input.failureReason !== undefined ? { failureReason: input.failureReason } : {}),
              ...(input.to === 'succeeded' ? { succeededAt: at } : {}),
              updatedAt: new Date(),
            },
          );
          if (input.to === 'requires_attention')
            await tx.execute(`update refunds set attention_at = ? where id = ?`, [at, input.refundId]);
          if (input.to === 'failed')
            await tx.execute(`update refunds set failed_at = ? where id = ?`, [at, input.refundId]);
          if (input.to === 'succeeded') {
            // The payment's refunded total is derived from its refunds, so a replay cannot count one twice.
            await tx.execute(
              `update payments set amount_refunded = (select coalesce(sum(amount), 0) from refunds where payment_id = payments.id and status = 'succeeded'), updated_at = now()
                where id = (select payment_id from refunds where id = ?)`,
              [input.refundId],
            );
          }
        }
        if (!eventType) return null;
        // A refund reopened after a cancel is announced again: the next occurrence of its event.
        const [{ occurrences }] = await tx.execute<{ occurrences: number }[]>(
          `select count(*)::int as occurrences from events where object_id = ? and type = ?`,
          [input.refundId, eventType],
        );
        if (inserted.length === 0 || input.source !== 'reopened' || occurrences === 0) {
          const [existing] = await tx.execute<{ id: string }[]>(
            `select id from events where object_id = ? and type = ? order by occurrence desc limit 1`,
            [input.refundId, eventType],
          );
          if (existing) return existing.id;
        }
        const refund = await tx.findOneOrFail(RefundSchema, { id: input.refundId }, { refresh: true });
        const [created] = await tx.execute<{ id: string }[]>(
          `insert into events (id, merchant_id, livemode, type, object_id, data, created_at, occurrence) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (object_id, type, occurrence) do nothing returning id`,
          [
            newId('event'),
            refund.merchantId,
            refund.livemode,
            eventType,
            refund.id,
            JSON.stringify({ object: toRefundObject(refund) }),
            at,
            input.source === 'reopened' ? occurrences + 1 : 1,
          ],
        );
        if (created) return created.id;
        const [existing] = await tx.execute<{ id: string }[]>(
          `select id from events where object_id = ? and type = ? order by occurrence desc limit 1`,
          [refund.id, eventType],
        );
        return existing?.id ?? null;
      });
      deps.logger.info(
        { refundId: input.refundId, from: input.from, to: input.to, source: input.source },
        'refund transition',
      );
      return { eventId };
    },
  };
}
