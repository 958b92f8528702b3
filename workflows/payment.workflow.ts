import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  ActivityFailure,
  ParentClosePolicy,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ProviderTrade } from '../domain/provider-reports';
import { assertNever } from '../domain/assert-never';
import { isTerminal, type PaymentStatus } from '../domain/payment';
import {
  AmountMinorKey,
  ChannelKey,
  MerchantIdKey,
  PaymentIdKey,
  PaymentStatusKey,
  ProviderKey,
} from '../domain/search-attributes';
import {
  cancelPaymentUpdate,
  createPaymentUpdate,
  paymentStatusQuery,
  providerNotificationSignal,
  type PaymentView,
  type PaymentWorkflowInput,
} from './messages';
import { FAILURE_TYPES } from '../domain/failures';
import { PROVIDER_OPTIONS, STORE_OPTIONS, WAITED_FOR_OPTIONS } from './activity-options';
import { refundWorkflow } from './refund.workflow';
import { refundWorkflowId } from '../domain/workflow-ids';

const store = proxyActivities<Activities>(STORE_OPTIONS);
const creation = proxyLocalActivities<Activities>(WAITED_FOR_OPTIONS);
const provider = proxyActivities<Activities>(PROVIDER_OPTIONS);

/**
 * Gaps between queries to the provider, when its notification is late or lost: the providers
 * notify within seconds, so the first query waits a minute; then every 5 minutes at most.
 */
const POLL_DELAYS_SECONDS = [60, 120, 240, 300];
/** After a failed close at expiry, try again this much later. */
const CLOSE_RETRY_SECONDS = 60;

/**
 * One payment's whole life: create at the provider (answering the merchant's update), then wait
 * for the provider's notification, polling its query API as a fallback, and close the order when
 * it expires. The only writer of the payment's state.
 */
export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentView> {
  const { draft } = input;
  const scaled = (seconds: number): number => Math.max(1, Math.round((seconds * 1000) / input.timeScale));

  // Widened on purpose: handlers and helpers change it, which TypeScript's narrowing cannot see.
  let status = 'requires_action' as PaymentStatus;
  let created = false;
  let failureCode: string | null = null;
  let failureMessage: string | null = null;
  let creationFailure: ApplicationFailure | null = null;
  let cancelRequested = false;
  const notifications: ProviderTrade[] = [];

  const view = (): PaymentView => ({ id: draft.id, status, failureCode, failureMessage });

  setHandler(paymentStatusQuery, view);
  setHandler(providerNotificationSignal, (trade) => {
    notifications.push(trade);
  });
  setHandler(createPaymentUpdate, async () => {
    await condition(() => created || creationFailure !== null);
    if (creationFailure) throw creationFailure;
    return view();
  });
  setHandler(
    cancelPaymentUpdate,
    async () => {
      cancelRequested = true;
      await condition(() => isTerminal(status));
      return view();
    },
    {
      validator: () => {
        if (status === 'succeeded') {
          throw ApplicationFailure.nonRetryable(
            'the payment has already succeeded',
            FAILURE_TYPES.paymentAlreadySucceeded,
          );
        }
      },
    },
  );

  upsertSearchAttributes([
    { key: MerchantIdKey, value: draft.merchantId },
    { key: PaymentIdKey, value: draft.id },
    { key: ProviderKey, value: draft.provider },
    { key: ChannelKey, value: draft.channel },
    { key: AmountMinorKey, value: draft.amountMinor },
    { key: PaymentStatusKey, value: status },
  ]);

  async function transition(
    to: PaymentStatus,
    source: string,
    details: { providerTradeNo?: string | null; failureCode?: string | null; failureMessage?: string | null } = {},
  ): Promise<void> {
    if (to === status || isTerminal(status)) return;
    const recorded = await store.recordPaymentTransition({
      paymentId: draft.id,
      from: status,
      to,
      source,
      at: new Date().toISOString(),
      ...details,
    });
    status = to;
    if (details.failureCode !== undefined) failureCode = details.failureCode;
    if (details.failureMessage !== undefined) failureMessage = details.failureMessage;
    upsertSearchAttributes([{ key: PaymentStatusKey, value: status }]);
    // `?.`: histories recorded before transitions returned their event replay an undefined result.
    if (recorded?.eventId) await store.dispatchEvent({ eventId: recorded.eventId });
  }

  /** What the provider says, turned into our state. A notification and a poll go through the same door. */
  async function apply(trade: ProviderTrade, source: string): Promise<void> {
    if (trade.amountMinor !== null && trade.amountMinor !== draft.amountMinor) {
      log.warn('provider reports a different amount; ignored', {
        paymentId: draft.id,
        reported: trade.amountMinor,
        source,
      });
      return;
    }
    switch (trade.status) {
      case 'pending':
      case 'not_found':
        return;
      case 'processing':
        return transition('processing', source);
      case 'succeeded':
        return transition('succeeded', source, { providerTradeNo: trade.providerTradeNo });
      case 'failed':
        return transition('failed', source, {
          failureCode: trade.failureCode ?? 'payment_failed',
          failureMessage: trade.failureMessage,
        });
      case 'closed':
        // The provider closed the trade on its own: its time_expire passed before our timer did.
        return transition('expired', source);
      default:
        return assertNever(trade.status);
    }
  }

  /** Closes the order so nobody can pay it any more; the shopper may have paid just before. */
  async function closeThen(target: 'canceled' | 'expired'): Promise<void> {
    const result = await provider.closeProviderPayment({ paymentId: draft.id });
    if (result === 'already_paid') {
      await apply(
        await provider.queryProviderPayment({ paymentId: draft.id }),
        target === 'canceled' ? 'cancel' : 'expiry',
      );
      return;
    }
    await transition(target, target === 'canceled' ? 'cancel' : 'expiry');
  }

  // 1. Create: store the payment, create the order at the provider, answer the merchant.
  try {
    await creation.openPayment(draft);
    const nextAction = await creation.createProviderPayment(draft);
    await creation.recordNextAction({ paymentId: draft.id, nextAction });
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : error;
    if (cause instanceof ApplicationFailure && cause.type === FAILURE_TYPES.merchantOrderNoTaken) {
      creationFailure = cause;
      await condition(allHandlersFinished);
      return view();
    }
    const code =
      cause instanceof ApplicationFailure && cause.nonRetryable
        ? ((cause.details?.[0] as string | null) ?? cause.type ?? 'provider_error')
        : 'provider_unavailable';
    await transition('failed', 'create', {
      failureCode: code,
      failureMessage: cause instanceof Error ? cause.message : String(cause),
    });
  }
  created = true;

  // 2. Wait for the outcome.
  const startedAt = Date.now();
  const expiryDeadline = startedAt + scaled((Date.parse(draft.expiresAt) - Date.parse(draft.createdAt)) / 1000);
  let closeAttemptAt = expiryDeadline;
  let pollIndex = 0;
  let nextPollAt = startedAt + scaled(POLL_DELAYS_SECONDS[0]);

  while (!isTerminal(status)) {
    const wakeAt = Math.min(nextPollAt, closeAttemptAt);
    await condition(() => notifications.length > 0 || cancelRequested, Math.max(1, wakeAt - Date.now()));
    const notification = notifications.shift();
    if (notification) {
      await apply(notification, 'notification');
    } else if (cancelRequested) {
      await closeThen('canceled');
    } else if (Date.now() >= closeAttemptAt) {
      await closeThen('expired');
      closeAttemptAt = Date.now() + scaled(CLOSE_RETRY_SECONDS);
    } else if (Date.now() >= nextPollAt) {
      await apply(await provider.queryProviderPayment({ paymentId: draft.id }), 'poll');
      pollIndex = Math.min(pollIndex + 1, POLL_DELAYS_SECONDS.length - 1);
      nextPollAt = Date.now() + scaled(POLL_DELAYS_SECONDS[pollIndex]);
    }
  }

  // A notification that came in as the payment ended was not applied: a final state never
  // changes. If it says the shopper paid a payment we had closed, the money goes back to them.
  const paidAfterClosing =
    status !== 'succeeded' &&
    notifications.some((trade) => trade.status === 'succeeded' && trade.amountMinor === draft.amountMinor);
  if (paidAfterClosing) {
    const refund = await creation.draftLatePaymentRefund({ paymentId: draft.id });
    log.warn('payment completed at the provider after it was closed; refunding', {
      paymentId: draft.id,
      status,
      refundId: refund.id,
    });
    await startChild(refundWorkflow, {
      workflowId: refundWorkflowId(refund.id),
      args: [{ draft: refund, timeScale: input.timeScale, attentionAfterSeconds: input.refundAttentionAfterSeconds }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  }

  await condition(allHandlersFinished);
  return view();
}
