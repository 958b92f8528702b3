import { ApplicationFailure } from '@temporalio/common';
import { NotFoundError, type EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../domain/ids';
import type { NextAction, PaymentDraft, PaymentStatus } from '../domain/payment';
import { toPaymentObject } from '../domain/payment-object';
import { PaymentSchema, type ProviderAccountRow } from '../db/entities';
import { ProviderError } from '../providers/errors';
import type { CloseResult, PaymentProvider, ProviderOrderRef } from '../providers/provider';
import type { ProviderTrade } from '../domain/provider-reports';
import { FAILURE_TYPES, type ProviderRefusalDetails } from '../domain/failures';
import type { ActivityDeps } from './deps';
import type { ProviderCache } from '../providers/provider-cache';

export interface TransitionInput {
  paymentId: string;
  from: PaymentStatus;
  to: PaymentStatus;
  /** What caused it: `notification`, `poll`, `expiry`, `cancel`, `create`. */
  source: string;
  at: string;
  providerTradeNo?: string | null;
  failureCode?: string | null;
  failureMessage?: string | null;
}

const EVENT_FOR_STATUS: Partial<Record<PaymentStatus, string>> = {
  succeeded: 'payment.succeeded',
  failed: 'payment.failed',
  canceled: 'payment.canceled',
  expired: 'payment.expired',
};

/** Postgres' unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** What closeAndCommitPayment did: committed the transition, or found the order paid (the provider's trade). */
export type ClosedAndCommitted =
  | { closed: 'closed'; recorded: { eventId: string | null; duplicatePayment?: boolean } }
  | { closed: 'already_paid'; trade: ProviderTrade };

/** Sets off what an event causes: webhook deliveries, receipts, alerts (activities/index.ts `dispatchEvent`). */
export type DispatchEvent = (input: { eventId: string }) => Promise<void>;

/** What providerForPayment reads of the payment's row. */
interface PaymentOrderRow {
  status: PaymentStatus;
  outTradeNo: string;
  orderCreatedAt: Date;
  providerAccountId: string;
  nextAction: NextAction | null;
}

export function createPaymentActivities(deps: ActivityDeps, dispatchEvent: DispatchEvent, providers: ProviderCache) {
  const { db } = deps;

  /**
   * The payment's adapter, and the order as the provider knows it. Both come from the payment's
   * row, never from this process: whichever worker runs the activity, after a restart or not,
   * names the same order (UnionPay finds it by its number and its creation time). One query for
   * both rows; the adapter is built once per account (provider-cache.ts).
   */
  async function providerForPayment(paymentId: string): Promise<{
    provider: PaymentProvider;
    order: ProviderOrderRef;
    status: PaymentStatus;
    nextAction: NextAction | null;
  }> {
    const [row] = await db.execute<(PaymentOrderRow & Partial<ProviderAccountRow>)[]>(
      `select p.status, p.out_trade_no as "outTradeNo", p.created_at as "orderCreatedAt", p.provider_account_id as "providerAccountId",
              p.next_action as "nextAction",
              a.id, a.merchant_id as "merchantId", a.provider, a.livemode, a.external_id as "externalId",
              a.credentials_encrypted as "credentialsEncrypted", a.created_at as "createdAt"
         from payments p left join provider_accounts a on a.id = p.provider_account_id where p.id = ?`,
      [paymentId],
    );
    if (!row) throw NotFoundError.findOneFailed('Payment', { id: paymentId });
    if (!row.id)
      throw ApplicationFailure.nonRetryable(
        `provider account ${row.providerAccountId} is gone`,
        'ProviderAccountMissingError',
      );
    return {
      provider: providers.providerOf(row as ProviderAccountRow),
      order: { outTradeNo: row.outTradeNo, createdAt: new Date(row.orderCreatedAt) },
      status: row.status,
      nextAction: row.nextAction,
    };
  }

  const activities = {
    /** Stores the new payment; a second payment with the same merchant_order_no is refused for good. */
    async openPayment(draft: PaymentDraft): Promise<void> {
      try {
        await db
          .fork()
          .createQueryBuilder(PaymentSchema)
          .insert({
            id: draft.id,
            merchantId: draft.merchantId,
            livemode: draft.livemode,
            providerAccountId: draft.providerAccountId,
            provider: draft.provider,
            channel: draft.channel,
            status: 'requires_action',
            amount: draft.amountMinor,
            amountRefunded: 0,
            currency: draft.currency,
            description: draft.description,
            merchantOrderNo: draft.merchantOrderNo,
            customerId: draft.customerId,
            returnUrl: draft.returnUrl,
            openid: draft.openid,
            clientIp: draft.clientIp,
            metadata: draft.metadata,
            nextAction: null,
            checkoutSessionId: draft.checkoutSessionId ?? null,
            checkoutUrl: draft.checkoutUrl ?? null,
            outTradeNo: draft.outTradeNo,
            expiresAt: new Date(draft.expiresAt),
            createdAt: new Date(draft.createdAt),
            updatedAt: new Date(draft.createdAt),
          })
          .onConflict('id')
          .ignore()
          .execute();
      } catch (error) {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
          throw ApplicationFailure.nonRetryable(
            `merchant_order_no ${draft.merchantOrderNo} is already used`,
            FAILURE_TYPES.merchantOrderNoTaken,
          );
        }
        throw error;
      }
      const inserted = await db.execute(
        `insert into payment_transitions (payment_id, from_status, to_status, source, at) values (?, null, 'requires_action', 'create', ?) on conflict do nothing returning id`,
        [draft.id, draft.createdAt],
      );
      if (inserted.length > 0)
        deps.metrics?.paymentStatus({ provider: draft.provider, channel: draft.channel, status: 'created' });
    },

    /**
     * Creates the order at the provider. The order number comes from the payment id, so retries
     * address one trade. Once a next action is recorded, the order exists and the shopper may hold
     * its QR code or link: a run after a worker died before its workflow task completed returns the
     * recorded one instead of creating again, which a provider refuses for an order paid meanwhile
     * (Alipay's ACQ.TRADE_HAS_SUCCESS) and which would fail a paid payment and refund it.
     */
    async createProviderPayment(draft: PaymentDraft): Promise<NextAction> {
      const { provider, order, nextAction } = await providerForPayment(draft.id);
      if (nextAction) return nextAction;
      const result = await classified(() =>
        provider.createPayment({
          channel: draft.channel,
          outTradeNo: draft.outTradeNo,
          amountMinor: draft.amountMinor,
          currency: draft.currency,
          description: draft.description,
          notifyUrl: `${deps.apiUrl}/notify/${draft.provider}/${draft.providerAccountId}`,
          returnUrl: draft.returnUrl,
          // The stored time, which later queries and closes name the order by.
          createdAt: order.createdAt,
          expiresAt: new Date(draft.expiresAt),
          clientIp: draft.clientIp,
          openid: draft.openid,
        }),
      );
      return result.nextAction;
    },

    async recordNextAction(input: { paymentId: string; nextAction: NextAction }): Promise<void> {
      await db.fork().nativeUpdate(PaymentSchema, { id: input.paymentId }, { nextAction: input.nextAction });
    },

    /**
     * createProviderPayment and recordNextAction as one local activity (one marker in the history,
     * one activation less). Both are safe to run again: the order number names one trade.
     */
    async createProviderOrder(draft: PaymentDraft): Promise<NextAction> {
      const nextAction = await activities.createProviderPayment(draft);
      await activities.recordNextAction({ paymentId: draft.id, nextAction });
      return nextAction;
    },

    async queryProviderPayment(input: { paymentId: string }): Promise<ProviderTrade> {
      const { provider, order } = await providerForPayment(input.paymentId);
      return classified(() => provider.queryPayment(order));
    },

    async closeProviderPayment(input: { paymentId: string }): Promise<CloseResult> {
      const { provider, order } = await providerForPayment(input.paymentId);
      return classified(() => provider.closePayment(order));
    },

    /**
     * Writes a status change, its history row and, for terminal states, its event, in one
     * transaction. Unique keys make a retried activity a no-op. Returns the event of the new state
     * (also on a retry, so that the caller still dispatches it), or null when the state has none,
     * and whether the payment succeeded as a duplicate of its checkout session's (to be refunded).
     */
    async recordPaymentTransition(
      input: TransitionInput,
    ): Promise<{ eventId: string | null; duplicatePayment?: boolean }> {
      const eventType = EVENT_FOR_STATUS[input.to];
      /** The payment's provider and channel when this call made a change that has an event, counted after the commit. */
      let changed: { provider: string; channel: string } | null = null;
      const eventId = await db.fork().transactional(async (tx): Promise<string | null> => {
        const at = new Date(input.at);
        const inserted = await tx.execute(
          `insert into payment_transitions (payment_id, from_status, to_status, source, at) values (?, ?, ?, ?, ?) on conflict do nothing returning id`,
          [input.paymentId, input.from, input.to, input.source, at],
        );
        if (inserted.length === 0) {
          // A retry of a transition that committed: its event exists, and the caller dispatches it again (idempotently).
          if (!eventType) return null;
          const [existing] = await tx.execute<{ id: string }[]>(
            `select id from events where object_id = ? and type = ?`,
            [input.paymentId, eventType],
          );
          return existing?.id ?? null;
        }
        await tx.nativeUpdate(
          PaymentSchema,
          { id: input.paymentId },
          {
            status: input.to,
            ...(input.providerTradeNo ? { providerTradeNo: input.providerTradeNo } : {}),
            ...(input.failureCode !== undefined ? { failureCode: input.failureCode } : {}),
            ...(input.failureMessage !== undefined ? { failureMessage: input.failureMessage } : {}),
            ...(input.to === 'succeeded' ? { succeededAt: at } : {}),
            ...(input.to === 'canceled' ? { canceledAt: at } : {}),
            ...(input.to === 'expired' ? { expiredAt: at } : {}),
            updatedAt: new Date(),
          },
        );
        if (input.to === 'succeeded') await completeCheckoutSession(tx, input.paymentId, at);
        if (!eventType) return null;
        const payment = await tx.findOneOrFail(PaymentSchema, { id: input.paymentId }, { refresh: true });
        // Counted from the row this reads anyway: a transition to a state without an event is not counted.
        changed = { provider: payment.provider, channel: payment.channel };
        const [created] = await tx.execute<{ id: string }[]>(
          `insert into events (id, merchant_id, livemode, type, object_id, data, created_at) values (?, ?, ?, ?, ?, ?, ?) on conflict (object_id, type, occurrence) do nothing returning id`,
          [
            newId('event'),
            payment.merchantId,
            payment.livemode,
            eventType,
            payment.id,
            JSON.stringify({ object: toPaymentObject(payment) }),
            at,
          ],
        );
        if (created) return created.id;
        const [existing] = await tx.execute<{ id: string }[]>(
          `select id from events where object_id = ? and type = ?`,
          [payment.id, eventType],
        );
        return existing?.id ?? null;
      });
      deps.logger.info(
        { paymentId: input.paymentId, from: input.from, to: input.to, source: input.source, eventId },
        'payment transition',
      );
      if (changed)
        deps.metrics?.paymentStatus({ ...(changed as { provider: string; channel: string }), status: input.to });
      if (input.to === 'succeeded' && (await isDuplicatePayment(db, input.paymentId)))
        return { eventId, duplicatePayment: true };
      return { eventId };
    },

    /**
     * recordPaymentTransition, then the dispatch of its event, as one local activity: one marker
     * instead of two activities with a workflow task each. A worker that dies between the two, or
     * before the marker is recorded, leaves the workflow task to time out; the next one runs this
     * again, and both halves are idempotent (the transition returns its existing event, a
     * delivery already started is not started again).
     */
    async commitPaymentTransition(
      input: TransitionInput,
    ): Promise<{ eventId: string | null; duplicatePayment?: boolean }> {
      const recorded = await activities.recordPaymentTransition(input);
      if (recorded.eventId) await dispatchEvent({ eventId: recorded.eventId });
      return recorded;
    },

    /**
     * The close at expiry as one local activity, in the workflow task its timer woke (issue 11):
     * closes the order at the provider and, when it closed, commits the transition and dispatches
     * its event (commitPaymentTransition). When the shopper paid first, nothing is written: the
     * provider's trade comes back for the workflow to apply. Run again after its workflow task was
     * lost (a signal came in as the workflow completed), it finds its own transition committed and
     * answers with it without asking the provider again, so the workflow decides as it did.
     */
    async closeAndCommitPayment(input: TransitionInput): Promise<ClosedAndCommitted> {
      const { provider, order, status } = await providerForPayment(input.paymentId);
      if (status !== input.to) {
        const closed = await classified(() => provider.closePayment(order));
        if (closed === 'already_paid') return { closed, trade: await classified(() => provider.queryPayment(order)) };
      }
      return { closed: 'closed', recorded: await activities.commitPaymentTransition(input) };
    },
  };
  return activities;
}

/**
 * A payment made on the hosted checkout completes its session, and the session's coupon counts one
 * redemption, in the same transaction as the payment's success: once, however often it is retried.
 * The session's row is locked first, so that a pay or an expire on the page is decided before or
 * after this, never across it. Only the session's own payment completes it (also when the session
 * was expired as it was paid: the money came in for it); any other is a duplicate (see `isDuplicatePayment`).
 */
async function completeCheckoutSession(tx: EntityManager, paymentId: string, at: Date): Promise<void> {
  const [session] = await tx.execute<{ id: string; status: string; payment_id: string | null }[]>(
    `select s.id, s.status, s.payment_id from checkout_sessions s join payments p on s.id = p.checkout_session_id
      where p.id = ? for no key update of s`,
    [paymentId],
  );
  if (!session || session.payment_id !== paymentId || session.status === 'complete') return;
  // Sessions hold their redemption from their first pay; one paid by older code counts it now.
  const [completed] = await tx.execute<{ coupon_code: string | null; merchant_id: string; livemode: boolean }[]>(
    `update checkout_sessions set status = 'complete', completed_at = ?, expired_at = null where id = ?
     returning (case when coupon_redeemed then null else coupon_code end) as coupon_code, merchant_id, livemode`,
    [at, session.id],
  );
  if (completed?.coupon_code) {
    await tx.execute(
      `update coupons set times_redeemed = times_redeemed + 1 where merchant_id = ? and livemode = ? and code = ?`,
      [completed.merchant_id, completed.livemode, completed.coupon_code],
    );
  }
  await tx.execute(`update checkout_sessions set coupon_redeemed = true where id = ? and coupon_code is not null`, [
    session.id,
  ]);
}

/**
 * A payment that succeeded on a checkout session that is not its own any more: the session was
 * completed by another payment, or a later pay on the page replaced this one. Its money goes back.
 */
async function isDuplicatePayment(db: ActivityDeps['db'], paymentId: string): Promise<boolean> {
  const rows = await db.execute<{ id: string }[]>(
    `select p.id from payments p join checkout_sessions s on s.id = p.checkout_session_id
      where p.id = ? and p.status = 'succeeded' and s.payment_id is distinct from p.id`,
    [paymentId],
  );
  return rows.length > 0;
}

/**
 * Declines and invalid requests can never succeed on retry: they become non-retryable failures
 * whose type is the error's class name. Everything else is left for Temporal to retry.
 */
export async function classified<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ProviderError && !error.retryable) {
      const details: ProviderRefusalDetails = { providerCode: error.providerCode };
      throw ApplicationFailure.create({
        message: error.message,
        type: error.name,
        nonRetryable: true,
        details: [details],
      });
    }
    throw error;
  }
}
