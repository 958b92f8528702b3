import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  patched,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ProviderRefund } from '../domain/provider-reports';
import { assertNever } from '../domain/assert-never';
import { isFinalRefundStatus, type RefundStatus } from '../domain/refund';
import {
  AmountMinorKey,
  ChannelKey,
  MerchantIdKey,
  PaymentIdKey,
  ProviderKey,
  RefundIdKey,
  RefundStatusKey,
} from '../domain/search-attributes';
import {
  cancelRefundUpdate,
  createRefundUpdate,
  providerRefundSignal,
  refundStatusQuery,
  retryRefundUpdate,
  type ContinuedRefund,
  type RefundView,
  type RefundWorkflowInput,
  type ReopenedRefund,
} from './messages';
import { REFUND_FAILURE_TYPES } from '../domain/failures';
import {
  dispatchEvent,
  openRefund,
  queryBeforeAttention,
  queryProviderRefund,
  recordRefundTransition,
  recordWhileMerchantWaits,
  requestAFewTimes,
  requestWhileMerchantWaits,
} from './refund-activities';
import { activityError } from './failures';
import { scaledClock } from './time';
import type { AdminRequest, Stage, Step } from './refund-steps';
import { notStuck, refundedMeanwhile, takenByProvider } from './refund-refusals';
import {
  ASK_BEFORE_ATTENTION_PATCH,
  ATTENTION_POLL_BACKOFF_PATCH,
  ATTENTION_POLL_DELAYS_SECONDS,
  CANCEL_RECHECK_SECONDS,
  POLL_DELAYS_SECONDS,
  REQUEST_RETRY_POLICY_PATCH,
  REQUEST_RETRY_SECONDS,
} from './refund-schedule';
import { historyIsLong } from './continue-as-new';

/**
 * One refund's whole life: stored if the payment can give it (concurrent refunds of a payment are
 * decided one at a time under the payment's row lock), asked of the provider, then followed by
 * its notifications and queries until it settles. When the provider has not settled it by the
 * deadline it becomes `requires_attention`, and stays open for an admin's retry, which asks the
 * provider again with the same refund number, or cancel. The only writer of the refund's state.
 */
export async function refundWorkflow(input: RefundWorkflowInput): Promise<RefundView> {
  const { draft, continued } = input;
  const clock = scaledClock(input.timeScale);

  // The refund as this workflow holds it; only the steps below change it.
  const refund = {
    // Widened on purpose: the steps change it, which TypeScript's narrowing cannot see.
    status: continued?.status ?? ('pending' as RefundStatus),
    /** Null until the refund is opened (a draft without an amount refunds what remains). */
    amount: continued ? continued.amount : (draft.amountMinor as number | null),
    failureReason: continued?.failureReason ?? null,
    /** 1 for the first request, one more for each admin retry. */
    attempt: continued?.attempt ?? 1,
  };
  // A continued refund is followed from where its previous run left it.
  let stage = (continued ? 'following' : 'opening') as Stage;
  /** Why the refund could not be opened: the merchant's answer. */
  let refusal: ApplicationFailure | null = null;
  /** Events of changes made while the merchant waits: dispatched once the answer is out. */
  const eventsAfterAnswer: string[] = [];
  /** When the provider must have settled the refund; later, an admin is asked. */
  let deadline = continued?.deadline ?? 0;
  const polls = continued ? { ...continued.polls } : { index: 0, nextAt: 0 };

  // What arrived. The handlers only record it; the loop at the bottom acts on it.
  const inbox = { notifications: [] as ProviderRefund[], admin: null as AdminRequest | null };

  const view = (): RefundView => ({
    id: draft.id,
    status: refund.status,
    amount: refund.amount,
    failureReason: refund.failureReason,
  });
  const merchantWaits = (): boolean => stage !== 'following';

  setHandler(refundStatusQuery, view);
  setHandler(providerRefundSignal, (report) => {
    inbox.notifications.push(report);
  });
  setHandler(createRefundUpdate, async () => {
    await condition(() => stage === 'following' || stage === 'refused');
    if (refusal) throw refusal;
    return view();
  });
  /** An admin's request: recorded, then answered once the loop has carried it out. */
  const adminRequest = (kind: AdminRequest['kind']) => async (): Promise<RefundView> => {
    const request: AdminRequest = { kind, refusal: null };
    inbox.admin = request;
    await condition(() => inbox.admin !== request);
    if (request.refusal) throw request.refusal;
    return view();
  };
  /**
   * The status a transition is recording, until the record is written: the books (and the admin
   * console that reads them) may show it already. A worker that dies just after the write leaves
   * the next one to record it again, which an admin's request can reach first (CI, 2026-12-04).
   */
  let recording: RefundStatus | null = null;
  /**
   * Only a refund that requires attention, or is being recorded so, and no other admin request at a
   * time. One accepted while the record is written is carried out once it is (the loop acts on it next).
   */
  const onlyWhenStuck = (verb: 'retried' | 'canceled') => (): void => {
    const stuck = refund.status === 'requires_attention' || recording === 'requires_attention';
    if (!stuck || inbox.admin !== null) throw notStuck(verb, refund.status);
  };
  setHandler(retryRefundUpdate, adminRequest('retry'), {
    validator: onlyWhenStuck('retried'),
  });
  setHandler(cancelRefundUpdate, adminRequest('cancel'), {
    validator: onlyWhenStuck('canceled'),
  });

  upsertSearchAttributes([
    { key: MerchantIdKey, value: draft.merchantId },
    { key: PaymentIdKey, value: draft.paymentId },
    { key: RefundIdKey, value: draft.id },
    { key: RefundStatusKey, value: refund.status },
  ]);

  async function transition(
    to: RefundStatus,
    source: string,
    details: { providerRefundNo?: string | null; failureReason?: string | null } = {},
  ): Promise<void> {
    if (to === refund.status || isFinalRefundStatus(refund.status)) return;
    const record = merchantWaits() ? recordWhileMerchantWaits : recordRefundTransition;
    recording = to;
    const { eventId } = await record({
      refundId: draft.id,
      attempt: refund.attempt,
      from: refund.status,
      to,
      source,
      at: new Date().toISOString(),
      ...details,
    }).finally(() => (recording = null));
    refund.status = to;
    if (details.failureReason !== undefined) refund.failureReason = details.failureReason;
    upsertSearchAttributes([{ key: RefundStatusKey, value: refund.status }]);
    if (eventId && merchantWaits()) eventsAfterAnswer.push(eventId);
    else if (eventId) await dispatchEvent({ eventId });
  }

  /** What the provider says of the refund. A notification, a query and a request's answer go through the same door. */
  async function apply(report: ProviderRefund, source: string): Promise<void> {
    if (report.amountMinor !== null && report.amountMinor !== refund.amount) {
      log.warn('provider reports a different refund amount; ignored', {
        refundId: draft.id,
        reported: report.amountMinor,
        source,
      });
      return;
    }
    switch (report.status) {
      case 'succeeded':
        return transition('succeeded', source, { providerRefundNo: report.providerRefundNo, failureReason: null });
      case 'failed':
        return transition('failed', source, {
          providerRefundNo: report.providerRefundNo,
          failureReason: report.failureReason ?? 'The provider refused the refund.',
        });
      case 'pending':
        // A pending refund with a reason is stuck at the provider (WeChat Pay's ABNORMAL: the
        // shopper's card was closed): waiting longer will not help, a person must look.
        if (report.failureReason)
          return transition('requires_attention', source, {
            providerRefundNo: report.providerRefundNo,
            failureReason: report.failureReason,
          });
        return;
      case 'not_found':
        // Our request never reached the provider (or was lost): ask again, with the same number.
        if (source === 'poll') await askProvider();
        return;
      default:
        return assertNever(report.status);
    }
  }

  /**
   * Asks the provider for the refund, again and again while it cannot answer, until the deadline;
   * a refusal fails the refund, the deadline puts it in front of an admin. The merchant waits for
   * the first answer, so the first try is a local activity (no round trip through the server), as a
   * payment's create is; Temporal retries the next one with backoff until the deadline.
   */
  async function askProvider(): Promise<void> {
    if (!patched(REQUEST_RETRY_POLICY_PATCH)) return askProviderEveryMinute();
    try {
      if (merchantWaits()) {
        try {
          return await apply(await requestWhileMerchantWaits({ refundId: draft.id }), 'request');
        } catch (error) {
          if (activityError(error).failure?.nonRetryable) throw error;
        }
      }
      const request = clock.reached(deadline) ? requestAFewTimes : requestUntil(deadline);
      await apply(await request({ refundId: draft.id }), 'request');
    } catch (error) {
      const { failure, message } = activityError(error);
      if (failure?.nonRetryable) return transition('failed', 'request', { failureReason: message });
      // Temporal gave up retrying at the deadline (or a last few tries after it failed).
      return transition('requires_attention', 'deadline', {
        failureReason: `The provider did not accept the refund in time: ${message}`,
      });
    }
  }

  /** The request, retried by Temporal until `at` (workflow time). */
  function requestUntil(at: number): Activities['requestProviderRefund'] {
    return proxyActivities<Activities>({
      startToCloseTimeout: '15s',
      scheduleToCloseTimeout: clock.until(at),
      retry: { initialInterval: clock.ms(1), maximumInterval: clock.ms(REQUEST_RETRY_SECONDS) },
    }).requestProviderRefund;
  }

  /** askProvider as it was before REQUEST_RETRY_POLICY_PATCH: the workflow retried, a timer and an activity each minute. */
  async function askProviderEveryMinute(): Promise<void> {
    for (let tries = 0; ; tries++) {
      try {
        const request = tries === 0 && merchantWaits() ? requestWhileMerchantWaits : requestAFewTimes;
        await apply(await request({ refundId: draft.id }), 'request');
        return;
      } catch (error) {
        const { failure, message } = activityError(error);
        if (failure?.nonRetryable) return transition('failed', 'request', { failureReason: message });
        if (clock.reached(deadline)) {
          return transition('requires_attention', 'deadline', {
            failureReason: `The provider did not accept the refund in time: ${message}`,
          });
        }
        await sleep(Math.min(clock.ms(REQUEST_RETRY_SECONDS), clock.until(deadline)));
      }
    }
  }

  /** An admin's retry: a new attempt with a deadline of its own, asking with the same refund number. */
  async function retry(): Promise<void> {
    refund.attempt += 1;
    deadline = clock.after(input.attentionAfterSeconds);
    await transition('pending', 'retry', { failureReason: null });
    await askProvider();
  }

  /** An admin's cancel: what the provider says decides whether the refund can still be given up. */
  async function cancel(request: AdminRequest): Promise<void> {
    let known = await queryProviderRefund({ refundId: draft.id });
    // A request sent just before may not show yet: ask once more, a while later, before giving up on it.
    if (known.status === 'not_found' && patched('recheck-refund-before-cancel')) {
      await sleep(clock.ms(CANCEL_RECHECK_SECONDS));
      known = await queryProviderRefund({ refundId: draft.id });
    }
    if (known.status === 'not_found') {
      await transition('canceled', 'cancel', {
        failureReason: 'Canceled by an admin; the provider never took this refund.',
      });
      return;
    }
    await apply(known, 'cancel');
    if (refund.status === 'succeeded') {
      request.refusal = refundedMeanwhile();
    } else if (refund.status === 'requires_attention') {
      request.refusal = takenByProvider(known.failureReason);
    }
  }

  /**
   * An admin's request accepted while a poll or a notification was settling the refund: the loop
   * that carries requests out has ended, so it is answered here with how the refund ended. A retry
   * has nothing left to do; a cancel comes too late for a refund the provider has made.
   */
  function answerAfterSettling(request: AdminRequest): void {
    if (request.kind === 'cancel' && refund.status === 'succeeded') request.refusal = refundedMeanwhile();
    inbox.admin = null;
  }

  /** Asks the provider how the refund stands, and when to ask next. */
  async function poll(): Promise<void> {
    const before = refund.status;
    await apply(await queryProviderRefund({ refundId: draft.id }), 'poll');
    // Each phase (the provider working on it, an admin asked to look) backs off from its first delay.
    polls.index = refund.status === before ? polls.index + 1 : 0;
    polls.nextAt = clock.after(pollDelaySeconds());
  }

  /** The delay before the next poll, `polls.index` polls into the refund's phase. */
  function pollDelaySeconds(): number {
    const nth = (delays: number[]): number => delays[Math.min(polls.index, delays.length - 1)];
    if (refund.status !== 'requires_attention') return nth(POLL_DELAYS_SECONDS);
    return patched(ATTENTION_POLL_BACKOFF_PATCH)
      ? nth(ATTENTION_POLL_DELAYS_SECONDS)
      : ATTENTION_POLL_DELAYS_SECONDS[0];
  }

  /** Polls start again from the first delay of the refund's phase. */
  function restartPolls(): void {
    polls.index = 0;
    polls.nextAt = clock.after(pollDelaySeconds());
  }

  /**
   * Goes on in a new run when this one's history is long, at a quiet moment: no admin's request
   * being carried out, nothing arrived and not yet acted on. The new run starts from the refund's state.
   */
  async function continueIfLong(): Promise<void> {
    const quiet = (): boolean => inbox.notifications.length === 0 && inbox.admin === null;
    if (!historyIsLong()) return;
    // Handlers answering what the loop has done finish now; one that waits for the loop is acted on first.
    await condition(() => allHandlersFinished() || !quiet());
    if (!quiet()) return;
    const state: ContinuedRefund = {
      status: refund.status,
      amount: refund.amount,
      failureReason: refund.failureReason,
      attempt: refund.attempt,
      deadline,
      polls: { ...polls },
    };
    await continueAsNew<typeof refundWorkflow>({ ...input, reopened: undefined, continued: state });
  }

  /** Asks the provider once more at the deadline; true when that settled the refund or changed its state. */
  async function settledAtLastQuestion(): Promise<boolean> {
    try {
      const report = await queryBeforeAttention({ refundId: draft.id });
      // `not_found` here would send the request again (apply's poll branch): past the deadline, an admin decides that.
      if (report.status !== 'not_found') await apply(report, 'poll');
    } catch {
      // The provider could not answer in time: the admin it is, as before.
    }
    return refund.status !== 'pending';
  }

  /** Stores the refund, or refuses it (more than remains, payment not refundable); false when refused. */
  async function open(): Promise<boolean> {
    try {
      const opened = await openRefund(draft);
      refund.amount = opened.amount;
      upsertSearchAttributes([
        { key: ProviderKey, value: opened.provider },
        { key: ChannelKey, value: opened.channel },
        { key: AmountMinorKey, value: opened.amount },
      ]);
      return true;
    } catch (error) {
      const { failure, message } = activityError(error);
      refusal = failure?.nonRetryable
        ? failure
        : ApplicationFailure.nonRetryable(`the refund could not be stored: ${message}`, REFUND_FAILURE_TYPES.notOpened);
      refund.status = 'failed';
      stage = 'refused';
      await condition(allHandlersFinished);
      return false;
    }
  }

  /**
   * An admin canceled the refund and the provider refunded it after all: it is back in front of an
   * admin (who may have had the amount refunded again meanwhile), holding its amount again, as the
   * next attempt. The provider's word settles it later, or an admin's retry or cancel.
   */
  async function reopen(reopened: ReopenedRefund): Promise<void> {
    stage = 'following';
    refund.status = 'canceled';
    refund.amount = reopened.amount;
    refund.attempt = reopened.attempt + 1;
    const { eventId } = await recordRefundTransition({
      refundId: draft.id,
      attempt: refund.attempt,
      from: 'canceled',
      to: 'requires_attention',
      source: 'reopened',
      at: new Date().toISOString(),
      failureReason: reopened.reason,
    });
    refund.status = 'requires_attention';
    refund.failureReason = reopened.reason;
    upsertSearchAttributes([{ key: RefundStatusKey, value: refund.status }]);
    if (eventId) await dispatchEvent({ eventId });
  }

  /** The one place that decides what to do next: what arrived first, then what is due. */
  function nextStep(): Step {
    const report = inbox.notifications.shift();
    if (report) return { kind: 'notification', report };
    if (inbox.admin?.kind === 'retry') return { kind: 'retry' };
    if (inbox.admin?.kind === 'cancel') return { kind: 'cancel', request: inbox.admin };
    if (refund.status === 'pending' && clock.reached(deadline)) return { kind: 'deadline' };
    if (clock.reached(polls.nextAt)) return { kind: 'poll' };
    return { kind: 'nothing_due' };
  }

  /** When something falls due: the next poll, and while the refund is pending, its deadline. */
  const nextDue = (): number =>
    refund.status === 'requires_attention' ? polls.nextAt : Math.min(polls.nextAt, deadline);

  if (continued) {
    // Opened, asked and followed in the runs before this one.
  } else if (input.reopened) {
    await reopen(input.reopened);
    restartPolls();
  } else {
    // 1. Open: store the refund, or refuse it (more than remains, payment not refundable).
    if (!(await open())) return view();

    // 2. Ask the provider while the merchant waits for its answer.
    stage = 'first_request';
    deadline = clock.after(input.attentionAfterSeconds);
    await askProvider();
    stage = 'following';
    for (const eventId of eventsAfterAnswer.splice(0)) await dispatchEvent({ eventId });
    polls.nextAt = clock.after(POLL_DELAYS_SECONDS[0]);
  }

  // 3. Follow the refund until it settles: wait for something to arrive or fall due, then act on it.
  while (!isFinalRefundStatus(refund.status)) {
    await continueIfLong();
    await condition(() => inbox.notifications.length > 0 || inbox.admin !== null, clock.until(nextDue()));
    const step = nextStep();
    switch (step.kind) {
      case 'notification':
        await apply(step.report, 'notification');
        break;
      case 'retry':
        await retry();
        inbox.admin = null;
        // Soon after a retry, whatever it found.
        polls.index = 0;
        polls.nextAt = clock.after(POLL_DELAYS_SECONDS[0]);
        break;
      case 'cancel':
        await cancel(step.request);
        inbox.admin = null;
        break;
      case 'deadline':
        if (patched(ASK_BEFORE_ATTENTION_PATCH) && (await settledAtLastQuestion())) break;
        await transition('requires_attention', 'deadline', {
          failureReason: 'The provider has not settled the refund in time.',
        });
        restartPolls();
        break;
      case 'poll':
        await poll();
        break;
      case 'nothing_due':
        break;
      default:
        assertNever(step);
    }
  }

  if (inbox.admin) answerAfterSettling(inbox.admin);
  await condition(allHandlersFinished);
  return view();
}
