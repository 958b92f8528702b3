/**
 * The payment workflow's edges that the stack cannot produce on demand, on a Temporal server of
 * their own with the activities replaced by a small provider and books of the test's making: a
 * provider that declines the order, and a shopper who pays in the instant the order is closed.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { TransitionInput } from '../activities/payment.activities';
import type { ProviderRefusalDetails } from '../domain/failures';
import type { PaymentDraft } from '../domain/payment';
import type { ProviderTrade } from '../domain/provider-reports';
import type { RefundDraft } from '../domain/refund';
import { eventually } from '../sandbox/sandbox.testing';
import {
  cancelPaymentUpdate,
  createPaymentUpdate,
  paymentStatusQuery,
  providerNotificationSignal,
  providerQueriedSignal,
  type PaymentWorkflowInput,
} from './messages';
import type { paymentWorkflow } from './payment.workflow';
import type { refundWorkflow } from './refund.workflow';
import { recordRuns, runLengths, startTestTemporal } from './workflow.testing';

/** Real seconds become milliseconds: a payment that expires in a minute expires in 60 ms. */
const TIME_SCALE = 1000;
const TASK_QUEUE = 'payment-workflow-test';

/** One payment as the provider and our books see it; the test decides how the provider behaves. */
class PaymentStory {
  /** Set: the provider refuses to create the order (a non-retryable failure, as the adapters raise it). */
  declinedWith: ApplicationFailure | null = null;
  /** Set: our books refuse the payment for good (a permanent store error, activities/store-failures.ts). */
  storeRefusedWith: ApplicationFailure | null = null;
  /** Called while the provider closes the order: the test's chance to let the shopper pay just then. */
  onClose: () => Promise<void> = async () => {};
  /** Closes that fail in the worker before one works (a provider down for a moment). */
  closeFailures = 0;
  /** What the provider answers a close with: 'already_paid' when the shopper paid just before. */
  closeResult: 'closed' | 'already_paid' = 'closed';
  /** What the provider's query says of the trade. */
  queried: ProviderTrade['status'] = 'pending';
  /** How many times the workflow asked the provider about the trade. */
  queries = 0;
  /** When (real time, ms) each close reached the provider. */
  readonly closedAt: number[] = [];
  readonly transitions: TransitionInput[] = [];
  readonly lateRefunds: RefundDraft[] = [];

  constructor(readonly draft: PaymentDraft) {}

  trade(status: ProviderTrade['status']): ProviderTrade {
    return {
      outTradeNo: this.draft.outTradeNo,
      status,
      providerTradeNo: status === 'succeeded' ? `2026${this.draft.id}` : null,
      amountMinor: this.draft.amountMinor,
      paidAt: null,
      failureCode: null,
      failureMessage: null,
    };
  }

  steps(): { to: string; source: string; failureCode?: string | null }[] {
    return this.transitions.map(({ to, source, failureCode }) =>
      failureCode === undefined ? { to, source } : { to, source, failureCode },
    );
  }
}

const stories = new Map<string, PaymentStory>();
const story = (paymentId: string): PaymentStory => {
  const found = stories.get(paymentId);
  if (!found) throw new Error(`no story for ${paymentId}`);
  return found;
};

type PaymentActivities = Pick<
  Activities,
  | 'openPayment'
  | 'createProviderPayment'
  | 'recordNextAction'
  | 'createProviderOrder'
  | 'commitPaymentTransition'
  | 'queryProviderPayment'
  | 'closeProviderPayment'
  | 'closeAndCommitPayment'
  | 'recordPaymentTransition'
  | 'dispatchEvent'
  | 'draftLatePaymentRefund'
>;

const activities: PaymentActivities = {
  async openPayment(draft) {
    const refused = story(draft.id).storeRefusedWith;
    if (refused) throw refused;
  },
  async createProviderPayment(draft) {
    const declined = story(draft.id).declinedWith;
    if (declined) throw declined;
    return {
      type: 'display_qr_code',
      display_qr_code: { data: `https://qr.example/${draft.id}`, image_svg_url: null },
    };
  },
  async recordNextAction() {},
  async createProviderOrder(draft) {
    return activities.createProviderPayment(draft);
  },
  async queryProviderPayment({ paymentId }) {
    story(paymentId).queries++;
    return story(paymentId).trade(story(paymentId).queried);
  },
  async closeProviderPayment({ paymentId }) {
    if (story(paymentId).closeFailures > 0) {
      story(paymentId).closeFailures--;
      throw new Error('the provider timed out');
    }
    story(paymentId).closedAt.push(Date.now());
    await story(paymentId).onClose();
    return story(paymentId).closeResult;
  },
  async closeAndCommitPayment(input) {
    const payment = story(input.paymentId);
    // As our books do: a transition already committed (by an earlier run of this activity) is not closed again.
    if (!payment.transitions.some(({ to }) => to === input.to)) {
      const closed = await activities.closeProviderPayment(input);
      if (closed === 'already_paid') return { closed, trade: await activities.queryProviderPayment(input) };
    }
    return { closed: 'closed', recorded: await activities.commitPaymentTransition(input) };
  },
  async recordPaymentTransition(input) {
    // As the unique (payment_id, to_status) of payment_transitions: a retry writes nothing new.
    if (!story(input.paymentId).transitions.some(({ to }) => to === input.to))
      story(input.paymentId).transitions.push(input);
    return { eventId: null };
  },
  async dispatchEvent() {},
  async commitPaymentTransition(input) {
    return activities.recordPaymentTransition(input);
  },
  async draftLatePaymentRefund({ paymentId }) {
    const refund: RefundDraft = {
      id: `re_late${paymentId.slice(4)}`,
      merchantId: 'mer_test',
      livemode: false,
      paymentId,
      origin: 'late_payment',
      amountMinor: null,
      reason: 'Paid after the payment was expired: refunded automatically',
      metadata: {},
      outRefundNo: `relate${paymentId.slice(4)}`,
      createdAt: new Date().toISOString(),
    };
    story(paymentId).lateRefunds.push(refund);
    return refund;
  },
};

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let sequence = 0;

beforeAll(async () => {
  // Activities failing on purpose are logged as warnings; only worse matters here.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  env = await startTestTemporal();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    // All of them: a late payment starts a refund's workflow.
    workflowsPath: require.resolve('./index'),
    activities,
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

/** Creates a payment of 800 that expires in a minute, as the API does, and waits for its answer. */
async function pay(
  setup: (payment: PaymentStory) => void,
  timeScale = TIME_SCALE,
): Promise<{ story: PaymentStory; handle: WorkflowHandle<typeof paymentWorkflow> }> {
  const id = `pay_test${Date.now().toString(36)}${++sequence}`;
  const createdAt = new Date();
  const paymentStory = new PaymentStory({
    id,
    merchantId: 'mer_test',
    livemode: false,
    providerAccountId: 'pa_test',
    provider: 'unionpay',
    channel: 'unionpay_pc',
    amountMinor: 800,
    currency: 'CNY',
    description: 'Workflow test',
    merchantOrderNo: null,
    customerId: null,
    returnUrl: null,
    openid: null,
    clientIp: null,
    metadata: {},
    outTradeNo: id.replace('_', ''),
    createdAt: createdAt.toISOString(),
    expiresAt: new Date(createdAt.getTime() + 60_000).toISOString(),
  });
  setup(paymentStory);
  stories.set(id, paymentStory);
  const input: PaymentWorkflowInput = {
    draft: paymentStory.draft,
    timeScale,
    refundAttentionAfterSeconds: 1000,
  };
  const operation = new WithStartWorkflowOperation<typeof paymentWorkflow>('paymentWorkflow', {
    workflowId: `payment/${id}`,
    taskQueue: TASK_QUEUE,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
  });
  await env.client.workflow.executeUpdateWithStart(createPaymentUpdate, { startWorkflowOperation: operation });
  return { story: paymentStory, handle: await operation.workflowHandle() };
}

test("when the provider declines the order, the payment fails with the provider's code", async () => {
  const { story, handle } = await pay((p) => {
    p.declinedWith = providerDecline('the merchant may not use this channel', 'NO_AUTH');
  });
  expect(await handle.result()).toEqual({
    id: story.draft.id,
    status: 'failed',
    failureCode: 'NO_AUTH',
    failureMessage: 'the merchant may not use this channel',
  });
  expect(story.steps()).toEqual([{ to: 'failed', source: 'create', failureCode: 'NO_AUTH' }]);
});

test('when the provider declines without a code of its own, the failure is named by its type', async () => {
  const { handle } = await pay((p) => {
    p.declinedWith = providerDecline('bad parameters', null);
  });
  expect(await handle.result()).toMatchObject({ status: 'failed', failureCode: 'ProviderDeclinedError' });
});

test('when our books refuse the payment for good, it fails at once with a code, and no transition is written for a row that does not exist', async () => {
  const { story, handle } = await pay((p) => {
    // What PostgreSQL said of a NUL in the description (22021), as permanentStoreFailure raises it.
    p.storeRefusedWith = ApplicationFailure.create({
      message: 'invalid byte sequence for encoding "UTF8": 0x00',
      type: 'StoreInvalidDataError',
      nonRetryable: true,
    });
  });
  expect(await handle.result()).toEqual({
    id: story.draft.id,
    status: 'failed',
    failureCode: 'StoreInvalidDataError',
    failureMessage: 'invalid byte sequence for encoding "UTF8": 0x00',
  });
  expect(story.steps()).toEqual([]);
});

test('when the shopper pays as the order is closed, the payment stays expired and its whole amount is refunded', async () => {
  const { story, handle } = await pay((p) => {
    p.onClose = () =>
      env.client.workflow.getHandle(`payment/${p.draft.id}`).signal(providerNotificationSignal, p.trade('succeeded'));
  });
  expect(await handle.result()).toMatchObject({ status: 'expired' });
  expect(story.steps()).toEqual([{ to: 'expired', source: 'expiry' }]);
  expect(story.lateRefunds).toHaveLength(1);
  const [refund] = story.lateRefunds;
  const child = env.client.workflow.getHandle<typeof refundWorkflow>(`refund/${refund.id}`);
  const started = await eventually(() => child.describe(), { timeoutMs: 10_000 });
  expect(started.type).toBe('refundWorkflow');
  // The refund's own story is refund.workflow.test.ts's; here, only that it was asked for.
  await child.terminate('test over').catch(() => undefined);
});

test('a notification that the payment succeeded, arriving in time, is no late payment: nothing is refunded', async () => {
  const { story, handle } = await pay((p) => {
    // A day: it cannot expire before the notification is in.
    p.draft.expiresAt = new Date(Date.parse(p.draft.createdAt) + 86_400_000).toISOString();
  });
  await handle.signal(providerNotificationSignal, story.trade('succeeded'));
  expect(await handle.result()).toMatchObject({ status: 'succeeded' });
  expect(story.steps()).toEqual([{ to: 'succeeded', source: 'notification' }]);
  expect(story.lateRefunds).toEqual([]);
});

test('an abandoned payment never asks the provider itself (the open payments sweep does): it only closes the order at expiry', async () => {
  // 15 minutes, 0.9 s at ×1000: the workflow's own polls used to come at 1, 3, 7 and 12.
  const { story, handle } = await pay((p) => {
    p.draft.expiresAt = new Date(Date.parse(p.draft.createdAt) + 900_000).toISOString();
  });
  expect(await handle.result()).toMatchObject({ status: 'expired' });
  expect(story.closedAt).toHaveLength(1);
  expect(story.queries).toBe(0);
  expect(story.steps()).toEqual([{ to: 'expired', source: 'expiry' }]);
  await recordRuns(env.client, handle.workflowId, `payment-${story.draft.id}`);
});

test('an expiry costs one workflow task after its timer: the close, the transition and its event are one local activity, no activity', async () => {
  const { story, handle } = await pay(() => {});
  expect(await handle.result()).toMatchObject({ status: 'expired' });
  expect(story.closedAt).toHaveLength(1);
  const { events } = await handle.fetchHistory();
  const fired = events!.findIndex((e) => e.timerFiredEventAttributes);
  expect(fired).toBeGreaterThan(0);
  const after = events!.slice(fired);
  expect(after.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
  expect(after.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
  expect(after.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(1);
  await recordRuns(env.client, handle.workflowId, `payment-${story.draft.id}`);
});

test('when the close at expiry keeps failing in the workflow task, the order is closed in the background and the payment still expires', async () => {
  // Its three tries in the workflow task fail; the background activity's first try fails too, then it closes.
  const { story, handle } = await pay((p) => {
    p.closeFailures = 4;
  });
  expect(await handle.result()).toMatchObject({ status: 'expired' });
  expect(story.closedAt).toHaveLength(1);
  expect(story.steps()).toEqual([{ to: 'expired', source: 'expiry' }]);
  const { events } = await handle.fetchHistory();
  const scheduled = events!.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(scheduled).toEqual(['closeProviderPayment']);
  await recordRuns(env.client, handle.workflowId, `payment-${story.draft.id}`);
}, 30_000);

test('when the shopper paid just before the expiry, the close finds it paid and the payment succeeds, nothing refunded', async () => {
  const { story, handle } = await pay((p) => {
    p.closeResult = 'already_paid';
    p.queried = 'succeeded';
  });
  expect(await handle.result()).toMatchObject({ status: 'succeeded' });
  expect(story.closedAt).toHaveLength(1);
  expect(story.queries).toBe(1);
  expect(story.steps()).toEqual([{ to: 'succeeded', source: 'expiry' }]);
  expect(story.lateRefunds).toEqual([]);
  await recordRuns(env.client, handle.workflowId, `payment-${story.draft.id}`);
});

test('news the open payments sweep found (a lost notification) settles the payment as a poll', async () => {
  const { story, handle } = await pay((p) => {
    p.draft.expiresAt = new Date(Date.parse(p.draft.createdAt) + 86_400_000).toISOString();
  });
  await handle.signal(providerQueriedSignal, story.trade('succeeded'));
  expect(await handle.result()).toMatchObject({ status: 'succeeded' });
  expect(story.steps()).toEqual([{ to: 'succeeded', source: 'poll' }]);
  expect(story.lateRefunds).toEqual([]);
  await recordRuns(env.client, handle.workflowId, `payment-${story.draft.id}`);
});

test('when a cancel finds the order already paid and the provider does not say so yet, it closes again later, not at once', async () => {
  // ×20: the closes after the first wait 0.5 s, then 1.5 s.
  const { story, handle } = await pay((p) => {
    p.closeResult = 'already_paid';
    p.queried = 'processing';
    p.draft.expiresAt = new Date(Date.parse(p.draft.createdAt) + 86_400_000).toISOString();
  }, 20);
  const canceling = handle.executeUpdate(cancelPaymentUpdate);
  await eventually(() => expect(story.closedAt.length).toBeGreaterThanOrEqual(3), { timeoutMs: 15_000 });
  const [first, second, third] = story.closedAt;
  expect(second - first).toBeGreaterThanOrEqual(400);
  expect(third - second).toBeGreaterThanOrEqual(1_200);

  await handle.signal(providerNotificationSignal, story.trade('succeeded'));
  expect(await canceling).toMatchObject({ status: 'succeeded' });
  expect(await handle.result()).toMatchObject({ status: 'succeeded' });
  expect(story.steps()).toEqual([
    { to: 'processing', source: 'cancel' },
    { to: 'succeeded', source: 'notification' },
  ]);
}, 30_000);

test('a cancel whose close the provider answers "already paid" for days, its query "processing", closes again and again in runs of under 2,000 events each; the cancel waiting is told it goes on', async () => {
  // A day is a second: the closes every 5 minutes come as fast as this machine runs them.
  const { story } = await pay((p) => {
    p.closeResult = 'already_paid';
    p.queried = 'processing';
    p.draft.expiresAt = new Date(Date.parse(p.draft.createdAt) + 86_400_000).toISOString();
  }, 86_400);
  // The API's handle: the workflow id alone, which reaches the newest run.
  const handle = env.client.workflow.getHandle<typeof paymentWorkflow>(`payment/${story.draft.id}`);
  const canceling = handle.executeUpdate(cancelPaymentUpdate).then(
    () => null,
    (error: unknown) => error,
  );
  // Long enough that a single run would hold more than 2,000 events.
  const lengths = await eventually(
    async () => {
      const found = await runLengths(env.client, handle.workflowId);
      expect(found.reduce((sum, length) => sum + length, 0)).toBeGreaterThan(2_200);
      return found;
    },
    { timeoutMs: 150_000, intervalMs: 1_000 },
  );
  console.log(`${story.closedAt.length} closes: runs of ${lengths.join(', ')} events`);
  for (const length of lengths) expect(length).toBeLessThan(2_000);

  // The cancel that waited in the first run is answered that it is still being carried out (the API's 503).
  const refused = await canceling;
  expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'PaymentCancelPendingError' });
  // The newest run still closes it as canceled, once the provider lets it.
  expect(await handle.query(paymentStatusQuery)).toMatchObject({ status: 'processing' });
  story.closeResult = 'closed';
  expect(await handle.result()).toMatchObject({ status: 'canceled' });
  expect(story.steps()).toEqual([
    // Whichever asked the provider first: a poll, or the cancel's query after its close.
    { to: 'processing', source: expect.stringMatching(/^(poll|cancel)$/) },
    { to: 'canceled', source: 'cancel' },
  ]);
  await recordRuns(env.client, handle.workflowId, `payment-${story.draft.id}`);
}, 180_000);

/** A provider's refusal as the activities raise it (activities/payment.activities.ts, `classified`). */
function providerDecline(message: string, providerCode: string | null): ApplicationFailure {
  const details: ProviderRefusalDetails = { providerCode };
  return ApplicationFailure.create({ message, type: 'ProviderDeclinedError', nonRetryable: true, details: [details] });
}
