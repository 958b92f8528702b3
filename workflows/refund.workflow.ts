import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  proxyActivities,
  proxyLocalActivities,
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
  type RefundView,
  type RefundWorkflowInput,
} from './messages';
import { REFUND_FAILURE_TYPES } from '../domain/failures';
import { PROVIDER_OPTIONS, STORE_OPTIONS, WAITED_FOR_OPTIONS } from './activity-options';

const store = proxyActivities<Activities>(STORE_OPTIONS);
const creation = proxyLocalActivities<Activities>(WAITED_FOR_OPTIONS);
const provider = proxyActivities<Activities>(PROVIDER_OPTIONS);

// A refund request is retried a few times at once; after that the workflow keeps asking, every
// REQUEST_RETRY_SECONDS, until the refund's deadline, and then asks for an admin.
const requesting = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 3 },
});
const REQUEST_RETRY_SECONDS = 60;

/** Refund queries while the provider works on it; refunds to a wallet settle in minutes, to a card in days. */
const POLL_DELAYS_SECONDS = [30, 60, 120, 300, 600];
/** Once an admin has been asked to look, the provider is still asked now and then, in case it settles. */
const ATTENTION_POLL_SECONDS = 3600;

/**
 * One refund's whole life: stored if the payment can give it (concurrent refunds of a payment are
 * decided one at a time under the payment's row lock), asked of the provider, then followed by
 * its notifications and queries until it settles. When the provider has not settled it by the
 * deadline it becomes `requires_attention`, and stays open for an admin's retry, which asks the
 * provider again with the same refund number. The only writer of the refund's state.
 */
export async function refundWorkflow(input: RefundWorkflowInput): Promise<RefundView> {
  const { draft } = input;
  const scaled = (seconds: number): number => Math.max(1, Math.round((seconds * 1000) / input.timeScale));

  // Widened on purpose: the handlers and helpers below change it, which TypeScript's narrowing cannot see.
  let status = 'pending' as RefundStatus;
  let amount: number | null = draft.amountMinor;
  let failureReason: string | null = null;
  let openFailure: ApplicationFailure | null = null;
  let firstAnswerIn = false;
  let attempt = 1;
  let retryRequested = false;
  let cancelRequested = false;
  let cancelRefusal: ApplicationFailure | null = null;
  const notifications: ProviderRefund[] = [];
  const undispatched: string[] = [];

  const view = (): RefundView => ({ id: draft.id, status, amount, failureReason });

  setHandler(refundStatusQuery, view);
  setHandler(providerRefundSignal, (refund) => {
    notifications.push(refund);
  });
  setHandler(createRefundUpdate, async () => {
    await condition(() => firstAnswerIn || openFailure !== null);
    if (openFailure) throw openFailure;
    return view();
  });
  setHandler(
    retryRefundUpdate,
    async () => {
      retryRequested = true;
      await condition(() => !retryRequested);
      return view();
    },
    {
      validator: () => {
        if (status !== 'requires_attention' || retryRequested || cancelRequested) {
          throw ApplicationFailure.nonRetryable(
            `only a refund that requires attention can be retried; this one is ${status}`,
            REFUND_FAILURE_TYPES.notRetryable,
          );
        }
      },
    },
  );
  setHandler(
    cancelRefundUpdate,
    async () => {
      cancelRequested = true;
      await condition(() => !cancelRequested);
      if (cancelRefusal) throw cancelRefusal;
      return view();
    },
    {
      validator: () => {
        if (status !== 'requires_attention' || retryRequested || cancelRequested) {
          throw ApplicationFailure.nonRetryable(
            `only a refund that requires attention can be canceled; this one is ${status}`,
            REFUND_FAILURE_TYPES.notCancelable,
          );
        }
      },
    },
  );

  upsertSearchAttributes([
    { key: MerchantIdKey, value: draft.merchantId },
    { key: PaymentIdKey, value: draft.paymentId },
    { key: RefundIdKey, value: draft.id },
    { key: RefundStatusKey, value: status },
  ]);

  async function transition(
    to: RefundStatus,
    source: string,
    details: { providerRefundNo?: string | null; failureReason?: string | null } = {},
  ): Promise<void> {
    if (to === status || isFinalRefundStatus(status)) return;
    // While the merchant waits for the first answer, the write is a local activity and the event
    // waits until the answer is out: one server round trip instead of three.
    const recorder = firstAnswerIn ? store : creation;
    const { eventId } = await recorder.recordRefundTransition({
      refundId: draft.id,
      attempt,
      from: status,
      to,
      source,
      at: new Date().toISOString(),
      ...details,
    });
    status = to;
    if (details.failureReason !== undefined) failureReason = details.failureReason;
    upsertSearchAttributes([{ key: RefundStatusKey, value: status }]);
    if (eventId && firstAnswerIn) await store.dispatchEvent({ eventId });
    else if (eventId) undispatched.push(eventId);
  }

  /** What the provider says of the refund. A notification, a query and a request's answer go through the same door. */
  async function apply(refund: ProviderRefund, source: string): Promise<void> {
    if (refund.amountMinor !== null && refund.amountMinor !== amount) {
      log.warn('provider reports a different refund amount; ignored', {
        refundId: draft.id,
        reported: refund.amountMinor,
        source,
      });
      return;
    }
    switch (refund.status) {
      case 'succeeded':
        return transition('succeeded', source, { providerRefundNo: refund.providerRefundNo, failureReason: null });
      case 'failed':
        return transition('failed', source, {
          providerRefundNo: refund.providerRefundNo,
          failureReason: refund.failureReason ?? 'The provider refused the refund.',
        });
      case 'pending':
        // A pending refund with a reason is stuck at the provider (WeChat Pay's ABNORMAL: the
        // shopper's card was closed): waiting longer will not help, a person must look.
        if (refund.failureReason)
          return transition('requires_attention', source, {
            providerRefundNo: refund.providerRefundNo,
            failureReason: refund.failureReason,
          });
        return;
      case 'not_found':
        // Our request never reached the provider (or was lost): ask again, with the same number.
        if (source === 'poll') await request();
        return;
      default:
        return assertNever(refund.status);
    }
  }

  let deadline = 0;

  /**
   * Asks the provider for the refund, again and again while it cannot answer, until the deadline.
   * The merchant waits for the first answer, so the first try is a local activity (no round trip
   * through the server), as a payment's create is.
   */
  async function request(): Promise<void> {
    for (let tries = 0; ; tries++) {
      try {
        const caller = tries === 0 && !firstAnswerIn ? creation : requesting;
        await apply(await caller.requestProviderRefund({ refundId: draft.id }), 'request');
        return;
      } catch (error) {
        const cause = error instanceof ActivityFailure ? error.cause : error;
        const message = cause instanceof Error ? cause.message : String(cause);
        if (cause instanceof ApplicationFailure && cause.nonRetryable)
          return transition('failed', 'request', { failureReason: message });
        if (Date.now() >= deadline) {
          return transition('requires_attention', 'deadline', {
            failureReason: `The provider did not accept the refund in time: ${message}`,
          });
        }
        await sleep(Math.min(scaled(REQUEST_RETRY_SECONDS), Math.max(1, deadline - Date.now())));
      }
    }
  }

  /** An admin's cancel: what the provider says decides whether the refund can still be given up. */
  async function cancel(): Promise<void> {
    const known = await provider.queryProviderRefund({ refundId: draft.id });
    if (known.status === 'not_found') {
      await transition('canceled', 'cancel', {
        failureReason: 'Canceled by an admin; the provider never took this refund.',
      });
      return;
    }
    await apply(known, 'cancel');
    if (status === 'succeeded') {
      cancelRefusal = ApplicationFailure.nonRetryable(
        'the provider has refunded it meanwhile',
        REFUND_FAILURE_TYPES.notCancelable,
      );
    } else if (status === 'requires_attention') {
      cancelRefusal = ApplicationFailure.nonRetryable(
        `the provider has taken this refund (${known.failureReason ?? 'still processing'}); settle it at the provider, then retry it here`,
        REFUND_FAILURE_TYPES.notCancelable,
      );
    }
  }

  // 1. Open: store the refund, or refuse it (more than remains, payment not refundable).
  try {
    const opened = await creation.openRefund(draft);
    amount = opened.amount;
    upsertSearchAttributes([
      { key: ProviderKey, value: opened.provider },
      { key: ChannelKey, value: opened.channel },
      { key: AmountMinorKey, value: opened.amount },
    ]);
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : error;
    openFailure =
      cause instanceof ApplicationFailure && cause.nonRetryable
        ? cause
        : ApplicationFailure.nonRetryable(
            `the refund could not be stored: ${cause instanceof Error ? cause.message : String(cause)}`,
            REFUND_FAILURE_TYPES.notOpened,
          );
    status = 'failed';
    await condition(allHandlersFinished);
    return view();
  }

  // 2. Ask the provider, then follow the refund until it settles.
  deadline = Date.now() + scaled(input.attentionAfterSeconds);
  await request();
  firstAnswerIn = true;
  for (const eventId of undispatched.splice(0)) await store.dispatchEvent({ eventId });

  let pollIndex = 0;
  let nextPollAt = Date.now() + scaled(POLL_DELAYS_SECONDS[0]);
  while (!isFinalRefundStatus(status)) {
    const attention = status === 'requires_attention';
    const wakeAt = attention ? nextPollAt : Math.min(nextPollAt, deadline);
    await condition(
      () => notifications.length > 0 || retryRequested || cancelRequested,
      Math.max(1, wakeAt - Date.now()),
    );
    const notification = notifications.shift();
    if (notification) {
      await apply(notification, 'notification');
    } else if (retryRequested) {
      attempt += 1;
      deadline = Date.now() + scaled(input.attentionAfterSeconds);
      await transition('pending', 'retry', { failureReason: null });
      await request();
      retryRequested = false;
      pollIndex = 0;
      nextPollAt = Date.now() + scaled(POLL_DELAYS_SECONDS[0]);
    } else if (cancelRequested) {
      await cancel();
      cancelRequested = false;
    } else if (!attention && Date.now() >= deadline) {
      await transition('requires_attention', 'deadline', {
        failureReason: 'The provider has not settled the refund in time.',
      });
      nextPollAt = Date.now() + scaled(ATTENTION_POLL_SECONDS);
    } else if (Date.now() >= nextPollAt) {
      await apply(await provider.queryProviderRefund({ refundId: draft.id }), 'poll');
      pollIndex = Math.min(pollIndex + 1, POLL_DELAYS_SECONDS.length - 1);
      nextPollAt =
        Date.now() + scaled(status === 'requires_attention' ? ATTENTION_POLL_SECONDS : POLL_DELAYS_SECONDS[pollIndex]);
    }
  }

  await condition(allHandlersFinished);
  return view();
}
