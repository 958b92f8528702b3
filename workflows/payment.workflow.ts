import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  ParentClosePolicy,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ProviderTrade } from '../domain/provider-reports';
import type { RefundDraft } from '../domain/refund';
import { assertNever } from '../domain/assert-never';
import { isTerminal, paidAfterClosing, type PaymentStatus } from '../domain/payment';
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
  providerQueriedSignal,
  type ContinuedPayment,
  type PaymentView,
  type PaymentWorkflowInput,
} from './messages';
import { FAILURE_TYPES, providerRefusalDetails } from '../domain/failures';
import {
  CLOSE_LOCAL_OPTIONS,
  PROVIDER_OPTIONS,
  STORE_LOCAL_OPTIONS,
  STORE_OPTIONS,
  WAITED_FOR_OPTIONS,
} from './activity-options';
import { activityError } from './failures';
import { refundWorkflow } from './refund.workflow';
import { refundWorkflowId } from '../domain/workflow-ids';
import { scaledClock } from './time';
import { historyIsLong } from './continue-as-new';

// The activities, by role. While the merchant waits for the answer (and when a late payment's
// refund is drafted), local activities: one round trip to the server instead of one per call.
const {
  openPayment,
  createProviderOrder,
  createProviderPayment,
  recordNextAction,
  draftLatePaymentRefund,
  draftDuplicatePaymentRefund,
} = proxyLocalActivities<Activities>(WAITED_FOR_OPTIONS);
// Our books: retried until they work; local, in the workflow task that decided the transition.
const { commitPaymentTransition } = proxyLocalActivities<Activities>(STORE_LOCAL_OPTIONS);
// The close at expiry, in the workflow task its timer woke (LOCAL_EXPIRY_PATCH).
const { closeAndCommitPayment } = proxyLocalActivities<Activities>(CLOSE_LOCAL_OPTIONS);
// Our books as workflows that ran before ROUND_TRIPS_PATCH wrote them.
const { recordPaymentTransition, dispatchEvent } = proxyActivities<Activities>(STORE_OPTIONS);
// The provider, in the background: retried with backoff for as long as it takes.
const { queryProviderPayment, closeProviderPayment } = proxyActivities<Activities>(PROVIDER_OPTIONS);

/**
 * Gaps between queries to the provider, when its notification is late or lost: the providers
 * notify within seconds, so the first query waits a minute; then every 5 minutes at most.
 */
const POLL_DELAYS_SECONDS = [60, 120, 240, 300];
/** After a failed close at expiry, try again this much later (before CLOSE_BACKOFF_PATCH). */
const CLOSE_RETRY_SECONDS = 60;
/**
 * After a close that left the payment open (the shopper paid as it closed, and the provider does
 * not say so yet), close again this much later, then longer: a cancel used to close again at once,
 * round after round.
 */
const CLOSE_RETRY_DELAYS_SECONDS = [10, 30, 60, 120, 300];
/** Workflows that ran before the backoff replay as they ran: they close again at once after a cancel, a minute after expiry. */
const CLOSE_BACKOFF_PATCH = 'close-backoff';
/**
 * Fewer round trips (issue 11): the order created and its next action stored in one local activity;
 * a transition and its event's dispatch in another (commitPaymentTransition), instead of two
 * activities and three workflow tasks; no polls of its own (the open payments' sweep checks the
 * provider and signals news). Workflows that ran before replay as they ran. One patch for all:
 * each patch adds a marker and a search attribute upsert to the history.
 */
const ROUND_TRIPS_PATCH = 'payment-round-trips';
/**
 * A cheaper expiry (issue 11, goal 8): the order closed at the provider, the transition committed
 * and its event dispatched as one local activity in the workflow task the expiry timer woke,
 * instead of an activity and a second workflow task. Its side effects then happen in a workflow
 * task the server may refuse (a signal came in as the workflow completed): run again, that task
 * must decide as it did, so a due expiry comes before waiting notifications (the close asks the
 * provider, which knows if the shopper paid), and the activity answers with the transition it
 * already committed. Asked only when an expiry is due: paid payments carry no marker.
 */
const LOCAL_EXPIRY_PATCH = 'payment-local-expiry';

/** What the provider said, and how it came: its notification, or the open payments' sweep (a `poll`). */
interface ProviderReport {
  trade: ProviderTrade;
  source: 'notification' | 'poll';
}

/**
 * How far the workflow is: `creating` the payment and its order at the provider while the merchant
 * waits, `refused` (the merchant's order number is taken), or `created` (then the payment's status
 * says the rest: it may have failed at the provider already).
 */
type Stage = 'creating' | 'refused' | 'created';

/** What the workflow does next, decided in one place (`nextStep`) from what arrived and what is due. */
type Step =
  | { kind: 'notification'; report: ProviderReport }
  | { kind: 'cancel' }
  | { kind: 'expiry' }
  | { kind: 'poll' }
  | { kind: 'nothing_due' };

/**
 * One payment's whole life: create at the provider (answering the merchant's update), then wait
 * for the provider's notification, or the news the open payments' sweep found by querying the
 * provider (domain/payment-checks.ts; workflows from before it poll on their own), and close the
 * order when it expires. The only writer of the payment's state.
 */
export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentView> {
  const { draft, continued } = input;
  const clock = scaledClock(input.timeScale);

  // The payment as this workflow holds it; only the steps below change it.
  const payment = {
    // Widened on purpose: the steps change it, which TypeScript's narrowing cannot see.
    status: continued?.status ?? ('requires_action' as PaymentStatus),
    failureCode: continued?.failureCode ?? null,
    failureMessage: continued?.failureMessage ?? null,
  };
  // A continued payment was created in the first run.
  let stage = (continued ? 'created' : 'creating') as Stage;
  /** Set when this run is about to go on in a new one: a cancel waiting here is answered that it goes on there. */
  let continuing = false;
  /** Set when the payment succeeded on a checkout session that another payment has (see `isDuplicatePayment`). */
  let duplicateOfSession = false;
  /** Why the payment could not be created: the merchant's answer. */
  let refusal: ApplicationFailure | null = null;

  // What arrived. The handlers only record it; the loop at the bottom acts on it.
  const inbox = { notifications: [] as ProviderReport[], cancelRequested: continued?.cancelRequested ?? false };

  const view = (): PaymentView => ({
    id: draft.id,
    status: payment.status,
    failureCode: payment.failureCode,
    failureMessage: payment.failureMessage,
  });

  setHandler(paymentStatusQuery, view);
  setHandler(providerNotificationSignal, (trade) => {
    inbox.notifications.push({ trade, source: 'notification' });
  });
  setHandler(providerQueriedSignal, (trade) => {
    inbox.notifications.push({ trade, source: 'poll' });
  });
  setHandler(createPaymentUpdate, async () => {
    await condition(() => stage !== 'creating');
    if (refusal) throw refusal;
    return view();
  });
  setHandler(
    cancelPaymentUpdate,
    async () => {
      inbox.cancelRequested = true;
      await condition(() => isTerminal(payment.status) || continuing);
      if (!isTerminal(payment.status)) {
        throw ApplicationFailure.nonRetryable(
          'the provider has not closed the order yet; the payment is still being canceled',
          FAILURE_TYPES.paymentCancelPending,
        );
      }
      return view();
    },
    {
      validator: () => {
        if (payment.status === 'succeeded') {
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
    { key: PaymentStatusKey, value: payment.status },
  ]);

  async function transition(
    to: PaymentStatus,
    source: string,
    details: { providerTradeNo?: string | null; failureCode?: string | null; failureMessage?: string | null } = {},
  ): Promise<void> {
    if (to === payment.status || isTerminal(payment.status)) return;
    const input = { paymentId: draft.id, from: payment.status, to, source, at: new Date().toISOString(), ...details };
    const local = patched(ROUND_TRIPS_PATCH);
    const recorded = local ? await commitPaymentTransition(input) : await recordPaymentTransition(input);
    payment.status = to;
    if (recorded?.duplicatePayment) duplicateOfSession = true;
    if (details.failureCode !== undefined) payment.failureCode = details.failureCode;
    if (details.failureMessage !== undefined) payment.failureMessage = details.failureMessage;
    upsertSearchAttributes([{ key: PaymentStatusKey, value: payment.status }]);
    // `?.`: histories recorded before transitions returned their event replay an undefined result.
    if (!local && recorded?.eventId) await dispatchEvent({ eventId: recorded.eventId });
  }

  /** A payment that never reached our books fails in the workflow's state only. */
  function failUnstored(failureCode: string, failureMessage: string): void {
    log.error('the payment could not be stored; it fails without a row', { paymentId: draft.id, failureCode });
    payment.status = 'failed';
    payment.failureCode = failureCode;
    payment.failureMessage = failureMessage;
    upsertSearchAttributes([{ key: PaymentStatusKey, value: payment.status }]);
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

  /** Gives the shopper's money back on Tongbao's own account: the refund lives on when this workflow ends. */
  async function startRefund(refund: RefundDraft): Promise<void> {
    await startChild(refundWorkflow, {
      workflowId: refundWorkflowId(refund.id),
      args: [{ draft: refund, timeScale: input.timeScale, attentionAfterSeconds: input.refundAttentionAfterSeconds }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  }

  /**
   * The close as one local activity (LOCAL_EXPIRY_PATCH); false when the provider kept failing
   * through its few tries: then the close goes on in the background, as before the patch.
   */
  async function closeAndCommit(target: 'expired', source: string): Promise<boolean> {
    const input = { paymentId: draft.id, from: payment.status, to: target, source, at: new Date().toISOString() };
    let result: Awaited<ReturnType<typeof closeAndCommitPayment>>;
    try {
      result = await closeAndCommitPayment(input);
    } catch (error) {
      // A local activity's failure comes as the activity raised it, not wrapped in an ActivityFailure.
      if (!(error instanceof ActivityFailure || error instanceof ApplicationFailure)) throw error;
      log.warn('the close at expiry failed in the workflow task; closing in the background', {
        paymentId: draft.id,
        error: activityError(error).message,
      });
      return false;
    }
    if (result.closed === 'already_paid') {
      await apply(result.trade, source);
      return true;
    }
    payment.status = target;
    upsertSearchAttributes([{ key: PaymentStatusKey, value: payment.status }]);
    return true;
  }

  /** Closes the order so nobody can pay it any more; the shopper may have paid just before. */
  async function closeThen(target: 'canceled' | 'expired'): Promise<void> {
    const source = target === 'canceled' ? 'cancel' : 'expiry';
    if (target === 'expired' && sweptChecks && patched(LOCAL_EXPIRY_PATCH) && (await closeAndCommit(target, source)))
      return;
    const result = await closeProviderPayment({ paymentId: draft.id });
    if (result === 'already_paid') {
      await apply(await queryProviderPayment({ paymentId: draft.id }), source);
      return;
    }
    await transition(target, source);
  }

  /** Creates the payment and its order at the provider, or fails it; false when the merchant's order number is taken. */
  async function create(): Promise<boolean> {
    /** Whether the payment's row is known to exist: a transition can only be written for it then. */
    let opened = false;
    try {
      await openPayment(draft);
      opened = true;
      if (patched(ROUND_TRIPS_PATCH)) await createProviderOrder(draft);
      else await recordNextAction({ paymentId: draft.id, nextAction: await createProviderPayment(draft) });
    } catch (error) {
      const { failure, message } = activityError(error);
      if (failure?.type === FAILURE_TYPES.merchantOrderNoTaken) {
        refusal = failure;
        stage = 'refused';
        await condition(allHandlersFinished);
        return false;
      }
      if (!opened && failure?.nonRetryable) {
        // Our books refused the payment for good (STORE_FAILURE_TYPES): there is no row to write a
        // transition for, so the workflow ends `failed` on its own, for the merchant and the Web UI.
        failUnstored(failure.type ?? 'store_error', message);
      } else {
        const code = failure?.nonRetryable
          ? (providerRefusalDetails(failure).providerCode ?? failure.type ?? 'provider_error')
          : 'provider_unavailable';
        await transition('failed', 'create', { failureCode: code, failureMessage: message });
      }
    }
    return true;
  }

  // 1. Create: store the payment, create the order at the provider, answer the merchant.
  if (!continued) {
    if (!(await create())) return view();
    stage = 'created';
  }

  // 2. Wait for the outcome: for something to arrive or fall due, then act on it.
  /** Whether the sweep checks the provider for this payment (see ROUND_TRIPS_PATCH); before it, the workflow polled. */
  const sweptChecks = patched(ROUND_TRIPS_PATCH);
  /** When to close the order: at expiry, and again a while after a close that did not end the payment. */
  let closeAt = continued?.closeAt ?? clock.after((Date.parse(draft.expiresAt) - Date.parse(draft.createdAt)) / 1000);
  const polls = continued ? { ...continued.polls } : { index: 0, nextAt: clock.after(POLL_DELAYS_SECONDS[0]) };
  /** Closes that left the payment open, and when a cancel's close is tried again (0: at once). */
  const reclosing = continued ? { ...continued.reclosing } : { count: 0, cancelAt: 0 };
  const closeAgainAt = (): number =>
    clock.after(CLOSE_RETRY_DELAYS_SECONDS[Math.min(reclosing.count++, CLOSE_RETRY_DELAYS_SECONDS.length - 1)]);
  const cancelDue = (): boolean => inbox.cancelRequested && clock.reached(reclosing.cancelAt);
  const expiryDue = (): boolean => !inbox.cancelRequested && clock.reached(closeAt);

  /** The one place that decides what to do next: what arrived first, then what is due. */
  function nextStep(): Step {
    if (sweptChecks && expiryDue() && patched(LOCAL_EXPIRY_PATCH)) return { kind: 'expiry' };
    const report = inbox.notifications.shift();
    if (report) return { kind: 'notification', report };
    // Once the merchant has asked, the order is closed as canceled, never as expired.
    if (inbox.cancelRequested) {
      if (cancelDue()) return { kind: 'cancel' };
    } else if (expiryDue()) return { kind: 'expiry' };
    if (!sweptChecks && clock.reached(polls.nextAt)) return { kind: 'poll' };
    return { kind: 'nothing_due' };
  }

  /** When the next close (or, before the sweep, poll) falls due. */
  const nextDue = (): number => {
    const closeDue = inbox.cancelRequested && reclosing.cancelAt > 0 ? reclosing.cancelAt : closeAt;
    return sweptChecks ? closeDue : Math.min(polls.nextAt, closeDue);
  };

  /**
   * Goes on in a new run when this one's history is long (a provider that answers a close with
   * "already paid" for days), at a quiet moment: nothing arrived and not yet acted on. A cancel
   * waiting here is answered that it is still being carried out; the new run carries it on.
   */
  async function continueIfLong(): Promise<void> {
    if (!historyIsLong() || inbox.notifications.length > 0) return;
    continuing = true;
    await condition(allHandlersFinished);
    if (inbox.notifications.length > 0) {
      continuing = false;
      return;
    }
    const state: ContinuedPayment = {
      status: payment.status,
      failureCode: payment.failureCode,
      failureMessage: payment.failureMessage,
      cancelRequested: inbox.cancelRequested,
      closeAt,
      polls: { ...polls },
      reclosing: { ...reclosing },
    };
    await continueAsNew<typeof paymentWorkflow>({ ...input, continued: state });
  }

  while (!isTerminal(payment.status)) {
    await continueIfLong();
    await condition(() => inbox.notifications.length > 0 || cancelDue(), clock.until(nextDue()));
    const step = nextStep();
    switch (step.kind) {
      case 'notification':
        await apply(step.report.trade, step.report.source);
        break;
      case 'cancel':
        await closeThen('canceled');
        if (!isTerminal(payment.status) && patched(CLOSE_BACKOFF_PATCH)) reclosing.cancelAt = closeAgainAt();
        break;
      case 'expiry':
        await closeThen('expired');
        closeAt =
          !isTerminal(payment.status) && patched(CLOSE_BACKOFF_PATCH)
            ? closeAgainAt()
            : clock.after(CLOSE_RETRY_SECONDS);
        break;
      case 'poll':
        await apply(await queryProviderPayment({ paymentId: draft.id }), 'poll');
        polls.index = Math.min(polls.index + 1, POLL_DELAYS_SECONDS.length - 1);
        polls.nextAt = clock.after(POLL_DELAYS_SECONDS[polls.index]);
        break;
      case 'nothing_due':
        break;
      default:
        assertNever(step);
    }
  }

  // A notification that came in as the payment ended was not applied: a final state never
  // changes. If it says the shopper paid a payment we had closed, the money goes back to them.
  const closedPayment = { status: payment.status, amountMinor: draft.amountMinor };
  if (inbox.notifications.some(({ trade }) => paidAfterClosing(closedPayment, trade))) {
    const refund = await draftLatePaymentRefund({ paymentId: draft.id });
    log.warn('payment completed at the provider after it was closed; refunding', {
      paymentId: draft.id,
      status: payment.status,
      refundId: refund.id,
    });
    await startRefund(refund);
  }

  // A checkout session keeps one payment: a second one that succeeded goes back to the shopper.
  if (duplicateOfSession && patched('refund-duplicate-checkout-payment')) {
    const refund = await draftDuplicatePaymentRefund({ paymentId: draft.id });
    log.warn('payment succeeded on a checkout session paid by another payment; refunding', {
      paymentId: draft.id,
      checkoutSessionId: draft.checkoutSessionId,
      refundId: refund.id,
    });
    await startRefund(refund);
  }

  await condition(allHandlersFinished);
  return view();
}
