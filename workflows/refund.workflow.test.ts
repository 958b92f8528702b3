/**
 * The refund workflow's retry, cancel and attention branches, on a Temporal server of their own,
 * with the activities replaced by a small provider and books of the test's making: the workflow's
 * decisions are under test here; the real activities are covered by test/refunds.e2e.test.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { RefundTransitionInput } from '../activities/refund.activities';
import { REFUND_FAILURE_TYPES } from '../domain/failures';
import type { ProviderRefund } from '../domain/provider-reports';
import type { RefundStatus } from '../domain/refund';
import {
  cancelRefundUpdate,
  createRefundUpdate,
  refundStatusQuery,
  retryRefundUpdate,
  type RefundView,
  type RefundWorkflowInput,
} from './messages';
import type { refundWorkflow } from './refund.workflow';
import { eventually } from '../sandbox/sandbox.testing';
import { startTestTemporal } from './workflow.testing';

/** Real seconds become milliseconds: 30 s polls take 30 ms, a 1000 s deadline one second. */
const TIME_SCALE = 1000;
const TASK_QUEUE = 'refund-workflow-test';

/** One refund as the provider and our books see it; the test decides how the provider behaves. */
class RefundStory {
  /** False: every request fails as a provider's system error does (retryable). */
  providerAnswers = true;
  /** What the provider makes of a request it takes: settled at once, or still processing (with a reason when stuck). */
  takenAs: Pick<ProviderRefund, 'status' | 'failureReason'> = { status: 'succeeded', failureReason: null };
  /** What the provider holds: null until a request reached it. */
  held: Pick<ProviderRefund, 'status' | 'failureReason'> | null = null;
  /** How long the provider has to settle it: a second, at the test's time scale. */
  attentionAfterSeconds = 1000;
  /** How many queries still answer `not_found` whatever the provider holds: a provider slow to show a refund. */
  hiddenFromQueries = 0;
  /** When (Date.now()) the provider settles a refund it holds as still processing; null: never by itself. */
  settlesAt: number | null = null;
  requests = 0;
  queries = 0;
  readonly transitions: RefundTransitionInput[] = [];

  constructor(readonly id: string) {}

  report(): ProviderRefund {
    if (this.held && this.settlesAt !== null && Date.now() >= this.settlesAt)
      this.held = { status: 'succeeded', failureReason: null };
    const held = this.held ?? { status: 'not_found' as const, failureReason: null };
    return {
      outRefundNo: this.id.replace('_', ''),
      providerRefundNo: this.held ? `wx${this.id}` : null,
      amountMinor: this.held ? 500 : null,
      ...held,
    };
  }

  /** The recorded history, as test/refunds.e2e.test.ts reads refund_transitions. */
  steps(): { attempt: number; to: RefundStatus; source: string }[] {
    return this.transitions.map(({ attempt, to, source }) => ({ attempt, to, source }));
  }
}

const stories = new Map<string, RefundStory>();
const story = (refundId: string): RefundStory => {
  const found = stories.get(refundId);
  if (!found) throw new Error(`no story for ${refundId}`);
  return found;
};

type RefundActivities = Pick<
  Activities,
  'openRefund' | 'requestProviderRefund' | 'queryProviderRefund' | 'recordRefundTransition' | 'dispatchEvent'
>;

const activities: RefundActivities = {
  async openRefund(draft) {
    return { amount: draft.amountMinor ?? 500, provider: 'wechatpay', channel: 'wechat_native' };
  },
  async requestProviderRefund({ refundId }) {
    const refund = story(refundId);
    refund.requests += 1;
    if (!refund.providerAnswers)
      throw ApplicationFailure.retryable('SYSTEM_ERROR: try again', 'ProviderUnavailableError');
    refund.held = refund.held ?? refund.takenAs;
    return refund.report();
  },
  async queryProviderRefund({ refundId }) {
    const refund = story(refundId);
    refund.queries += 1;
    if (refund.hiddenFromQueries > 0) {
      refund.hiddenFromQueries -= 1;
      return {
        ...refund.report(),
        status: 'not_found',
        providerRefundNo: null,
        amountMinor: null,
        failureReason: null,
      };
    }
    return refund.report();
  },
  async recordRefundTransition(input) {
    story(input.refundId).transitions.push(input);
    return { eventId: null };
  },
  async dispatchEvent() {},
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
    workflowsPath: require.resolve('./refund.workflow'),
    activities,
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

/** Asks for a refund of 500 as the API does: starts its workflow and waits for the first answer. */
/** The refund's draft, as the API makes it. */
const draftOf = (id: string): RefundWorkflowInput['draft'] => ({
  id,
  merchantId: 'mer_test',
  livemode: false,
  paymentId: 'pay_test',
  origin: 'merchant',
  amountMinor: 500,
  reason: null,
  metadata: {},
  outRefundNo: id.replace('_', ''),
  createdAt: new Date().toISOString(),
});

async function refund(
  setup: (refund: RefundStory) => void,
): Promise<{ story: RefundStory; handle: WorkflowHandle<typeof refundWorkflow>; answer: RefundView }> {
  const id = `re_test${Date.now().toString(36)}${++sequence}`;
  const refundStory = new RefundStory(id);
  setup(refundStory);
  stories.set(id, refundStory);
  const input: RefundWorkflowInput = {
    draft: draftOf(id),
    timeScale: TIME_SCALE,
    attentionAfterSeconds: refundStory.attentionAfterSeconds,
  };
  const operation = new WithStartWorkflowOperation<typeof refundWorkflow>('refundWorkflow', {
    workflowId: `refund/${id}`,
    taskQueue: TASK_QUEUE,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
  });
  const answer = await env.client.workflow.executeUpdateWithStart(createRefundUpdate, {
    startWorkflowOperation: operation,
  });
  return { story: refundStory, handle: await operation.workflowHandle(), answer };
}

/** Resolves once the workflow holds the refund in `status` (the deadline is a second away). */
async function reached(handle: WorkflowHandle<typeof refundWorkflow>, status: RefundStatus): Promise<RefundView> {
  return eventually(
    async () => {
      const view = await handle.query(refundStatusQuery);
      expect(view.status).toBe(status);
      return view;
    },
    { timeoutMs: 20_000 },
  );
}

/** The update's refusal: the ApplicationFailure the workflow threw, as the API receives it. */
async function refusal(update: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await update.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

test('when the provider takes the refund but never settles it, it requires attention after the deadline', async () => {
  const { story, handle, answer } = await refund((r) => {
    r.takenAs = { status: 'pending', failureReason: null };
    // Five seconds, time enough for polls however slow the machine.
    r.attentionAfterSeconds = 5000;
  });
  expect(answer.status).toBe('pending');

  const stuck = await reached(handle, 'requires_attention');
  // The workflow kept asking the provider until the deadline, and then gave up waiting.
  expect(story.queries).toBeGreaterThan(0);
  expect(story.steps()).toEqual([{ attempt: 1, to: 'requires_attention', source: 'deadline' }]);
  expect(stuck).toEqual({
    id: story.id,
    status: 'requires_attention',
    amount: 500,
    failureReason: 'The provider has not settled the refund in time.',
  });
  await handle.terminate('test over');
});

test('a refund the provider settled while no poll looked (a worker down) is asked about at the deadline: it succeeds, no admin needed', async () => {
  const { story, handle } = await refund((r) => {
    r.takenAs = { status: 'pending', failureReason: null };
    // Settled when the deadline (2.9 s) falls due, between two polls (at 2.31 and 2.91 s of the
    // schedule): only a question asked at the deadline sees it in time; without one the refund
    // requires attention, and the next poll, an hour later, finds it settled.
    r.attentionAfterSeconds = 2900;
    r.settlesAt = Date.now() + r.attentionAfterSeconds * (1000 / TIME_SCALE);
  });
  expect(await reached(handle, 'succeeded')).toMatchObject({ status: 'succeeded' });
  // The polls before the deadline ran, and saw it processing.
  expect(story.queries).toBeGreaterThanOrEqual(2);
  expect(story.steps()).toEqual([{ attempt: 1, to: 'succeeded', source: 'poll' }]);
});

test('when the provider is down past the deadline, the refund requires attention; an admin retry then succeeds', async () => {
  const { story, handle } = await refund((r) => {
    r.providerAnswers = false;
  });
  expect((await reached(handle, 'requires_attention')).failureReason).toMatch(/did not accept the refund in time/);
  const requestsWhileDown = story.requests;
  expect(requestsWhileDown).toBeGreaterThan(0);

  story.providerAnswers = true;
  const retried = await handle.executeUpdate(retryRefundUpdate);
  expect(retried.status).toBe('succeeded');
  expect(await handle.result()).toEqual({ id: story.id, status: 'succeeded', amount: 500, failureReason: null });
  expect(story.requests).toBe(requestsWhileDown + 1);
  expect(story.steps()).toEqual([
    { attempt: 1, to: 'requires_attention', source: 'deadline' },
    { attempt: 2, to: 'pending', source: 'retry' },
    { attempt: 2, to: 'succeeded', source: 'request' },
  ]);
});

test('an admin cancels a refund the provider never took: it is canceled, and the workflow ends', async () => {
  const { story, handle } = await refund((r) => {
    r.providerAnswers = false;
  });
  await reached(handle, 'requires_attention');

  const canceled = await handle.executeUpdate(cancelRefundUpdate);
  expect(canceled).toMatchObject({ status: 'canceled', failureReason: expect.stringMatching(/never took/) });
  expect(await handle.result()).toMatchObject({ status: 'canceled' });
  expect(story.held).toBeNull();
  expect(story.steps()).toEqual([
    { attempt: 1, to: 'requires_attention', source: 'deadline' },
    { attempt: 1, to: 'canceled', source: 'cancel' },
  ]);
});

test('a cancel is refused when the provider has the refund (ABNORMAL): it stays with the admin', async () => {
  const { story, handle, answer } = await refund((r) => {
    r.takenAs = { status: 'pending', failureReason: 'ABNORMAL' };
  });
  expect(answer.status).toBe('requires_attention');
  expect(answer.failureReason).toBe('ABNORMAL');

  const refused = await refusal(handle.executeUpdate(cancelRefundUpdate));
  expect(refused.type).toBe(REFUND_FAILURE_TYPES.notCancelable);
  expect(refused.message).toMatch(/has taken this refund \(ABNORMAL\)/);
  expect(story.queries).toBeGreaterThan(0);
  expect(await handle.query(refundStatusQuery)).toMatchObject({ status: 'requires_attention' });
  expect(story.steps()).toEqual([{ attempt: 1, to: 'requires_attention', source: 'request' }]);

  // Still the admin's: a retry is accepted (and finds the provider still stuck).
  expect(await handle.executeUpdate(retryRefundUpdate)).toMatchObject({ status: 'requires_attention' });
  await handle.terminate('test over');
});

test('a refund that does not require attention can be neither retried nor canceled', async () => {
  const { story, handle } = await refund((r) => {
    r.takenAs = { status: 'pending', failureReason: null };
    // A day: it stays pending throughout the test.
    r.attentionAfterSeconds = 86_400;
  });
  const retry = await refusal(handle.executeUpdate(retryRefundUpdate));
  expect(retry.type).toBe(REFUND_FAILURE_TYPES.notRetryable);
  expect(retry.message).toMatch(/this one is pending/);
  const cancel = await refusal(handle.executeUpdate(cancelRefundUpdate));
  expect(cancel.type).toBe(REFUND_FAILURE_TYPES.notCancelable);
  expect(story.steps()).toEqual([]);
  await handle.terminate('test over');
});

test('an admin cancel asks the provider once more, a while later, before giving the refund up: a refund that shows late is not canceled', async () => {
  const { story, handle } = await refund((r) => {
    r.providerAnswers = false;
  });
  await reached(handle, 'requires_attention');
  // The last request reached the provider after all, which settles it but does not show it at once.
  story.held = { status: 'succeeded', failureReason: null };
  story.hiddenFromQueries = 1;
  const queriesBefore = story.queries;

  const refused = await refusal(handle.executeUpdate(cancelRefundUpdate));
  expect(refused.type).toBe(REFUND_FAILURE_TYPES.notCancelable);
  expect(refused.message).toMatch(/refunded it meanwhile/);
  expect(story.queries).toBe(queriesBefore + 2);
  expect(await handle.result()).toMatchObject({ status: 'succeeded' });
  expect(story.steps()).toEqual([
    { attempt: 1, to: 'requires_attention', source: 'deadline' },
    { attempt: 1, to: 'succeeded', source: 'cancel' },
  ]);
});

test('a canceled refund the provider refunded after all is reopened: it requires attention again as a new attempt, and a retry settles it', async () => {
  const id = `re_test${Date.now().toString(36)}${++sequence}`;
  const reopened = new RefundStory(id);
  reopened.held = { status: 'succeeded', failureReason: null };
  stories.set(id, reopened);
  const handle = await env.client.workflow.start<typeof refundWorkflow>('refundWorkflow', {
    workflowId: `refund/${id}`,
    taskQueue: TASK_QUEUE,
    args: [
      {
        draft: draftOf(id),
        timeScale: TIME_SCALE,
        attentionAfterSeconds: reopened.attentionAfterSeconds,
        reopened: { amount: 500, attempt: 1, reason: 'refunded after it was canceled' },
      },
    ],
  });
  expect(await reached(handle, 'requires_attention')).toEqual({
    id,
    status: 'requires_attention',
    amount: 500,
    failureReason: 'refunded after it was canceled',
  });
  expect(reopened.steps()).toEqual([{ attempt: 2, to: 'requires_attention', source: 'reopened' }]);

  expect(await handle.executeUpdate(retryRefundUpdate)).toMatchObject({ status: 'succeeded' });
  expect(reopened.steps()).toEqual([
    { attempt: 2, to: 'requires_attention', source: 'reopened' },
    { attempt: 3, to: 'pending', source: 'retry' },
    { attempt: 3, to: 'succeeded', source: 'request' },
  ]);
});
