/**
 * The refund workflow's retry, cancel and attention branches, on a Temporal server of their own,
 * with the activities replaced by a small provider and books of the test's making: the workflow's
 * decisions are under test here; the real activities are covered by test/refunds.e2e.test.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type WorkflowHandle,
} from '@temporalio/client';
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
import { recordRuns, runHistories, runLengths, startTestTemporal } from './workflow.testing';
import { AmountMinorKey, ProviderKey, RefundStatusKey } from '../domain/search-attributes';

/** Real seconds become milliseconds: 30 s polls take 30 ms, a 1000 s deadline one second. */
const TIME_SCALE = 1000;
/**
 * For the long waits: a day is two seconds, 30 days pass in a minute. Faster, a poll every scaled
 * hour would come quicker than this machine runs a workflow task and an activity (about 0.2 s).
 */
const A_DAY_IN_TWO_SECONDS = 43_200;
const TASK_QUEUE = 'refund-workflow-test';

// These stories run real workflows and real retries on a shared 2-core machine: a test that took
// 60 s under a full parallel run was slow, not wrong (speed is measured in bench/, not here), and
// its timeout left its client's retries to throw into the next test file of the jest worker.
jest.setTimeout(180_000);

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
  timeScale = TIME_SCALE;
  /** From this request on (1 is the first), the provider refuses the refund for good; null: never. */
  refusedFrom: number | null = null;
  /** How many queries still answer `not_found` whatever the provider holds: a provider slow to show a refund. */
  hiddenFromQueries = 0;
  /** When (Date.now()) the provider settles a refund it holds as still processing; null: never by itself. */
  settlesAt: number | null = null;
  /** From now on, a request settles the refund the provider holds: a retry the provider takes at once. */
  settlesOnRequest = false;
  /** While set, each query waits for it before it answers: a query the test holds in flight. */
  queryHeld: Promise<void> | null = null;
  queriesInFlight = 0;
  /** While set, the record of the refund requiring attention is written, then waits for it: a worker slow (or dead) just after the write. */
  attentionRecordHeld: Promise<void> | null = null;
  attentionRecordsInFlight = 0;
  requests = 0;
  queries = 0;
  /** When (real time, ms) the provider was last queried. */
  lastQueryAt = 0;
  /** When the merchant asked for it (the draft's createdAt). */
  createdAt = '';
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
    if (refund.refusedFrom !== null && refund.requests >= refund.refusedFrom)
      throw ApplicationFailure.nonRetryable('NOT_ENOUGH: the merchant account lacks funds', 'ProviderDeclinedError');
    if (!refund.providerAnswers)
      throw ApplicationFailure.retryable('SYSTEM_ERROR: try again', 'ProviderUnavailableError');
    refund.held = refund.settlesOnRequest
      ? { status: 'succeeded', failureReason: null }
      : (refund.held ?? refund.takenAs);
    return refund.report();
  },
  async queryProviderRefund({ refundId }) {
    const refund = story(refundId);
    refund.queries += 1;
    refund.lastQueryAt = Date.now();
    if (refund.queryHeld) {
      refund.queriesInFlight += 1;
      await refund.queryHeld;
      refund.queriesInFlight -= 1;
    }
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
    const refund = story(input.refundId);
    // As the real books: a retried record (its worker slow, or dead after the write) is written once.
    if (!refund.transitions.some(({ attempt, to }) => attempt === input.attempt && to === input.to))
      refund.transitions.push(input);
    if (input.to === 'requires_attention' && refund.attentionRecordHeld) {
      refund.attentionRecordsInFlight += 1;
      await refund.attentionRecordHeld;
      refund.attentionRecordsInFlight -= 1;
    }
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
  const draft = draftOf(id);
  refundStory.createdAt = draft.createdAt;
  const input: RefundWorkflowInput = {
    draft,
    timeScale: refundStory.timeScale,
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
async function reached(
  handle: WorkflowHandle<typeof refundWorkflow>,
  status: RefundStatus,
  timeoutMs = 20_000,
): Promise<RefundView> {
  return eventually(
    async () => {
      const view = await handle.query(refundStatusQuery);
      expect(view.status).toBe(status);
      return view;
    },
    { timeoutMs },
  );
}

/**
 * Resolves once the poll that follows the deadline (30 scaled seconds later) is over and the
 * workflow sleeps until the next one. A refund the provider never took is not found by that poll,
 * which asks the provider again a few times (about 3 s real): a story that changes the provider
 * meanwhile would race that request, so it waits here first.
 */
async function pollAfterDeadlineDone(story: RefundStory, handle: WorkflowHandle<typeof refundWorkflow>): Promise<void> {
  await eventually(
    async () => {
      expect(story.queries).toBeGreaterThan(0);
      const [{ raw }, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
      expect(raw.pendingActivities ?? []).toEqual([]);
      expect(history.events?.at(-1)?.timerStartedEventAttributes).toBeTruthy();
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
  await pollAfterDeadlineDone(story, handle);
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

test('a cancel sent once the books show the refund requiring attention, while the workflow still records it, is carried out', async () => {
  // As in CI (test/deadlines.e2e, 2026-12-04): a worker wrote the record and died before its
  // workflow task completed; the next worker records it again, and the admin's cancel reached the
  // workflow first, where the refund was still pending.
  let release = () => {};
  let story: RefundStory | undefined;
  const answered = refund((r) => {
    story = r;
    r.providerAnswers = false;
    r.attentionRecordHeld = new Promise<void>((resolve) => (release = resolve));
  });
  try {
    await eventually(async () => expect(story?.attentionRecordsInFlight).toBe(1), { timeoutMs: 20_000 });
    const held = story as RefundStory;
    expect(held.steps()).toEqual([{ attempt: 1, to: 'requires_attention', source: 'deadline' }]);
    const handle = env.client.workflow.getHandle<typeof refundWorkflow>(`refund/${held.id}`);
    expect((await handle.query(refundStatusQuery)).status).toBe('pending');

    // Refused before ("this one is pending", a 409); now accepted, and carried out once the record is done.
    const cancel = await handle.startUpdate(cancelRefundUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED });
    release();
    expect((await answered).answer.status).toBe('requires_attention');
    expect(await cancel.result()).toMatchObject({
      status: 'canceled',
      failureReason: expect.stringMatching(/never took/),
    });
    expect(held.steps()).toEqual([
      { attempt: 1, to: 'requires_attention', source: 'deadline' },
      { attempt: 1, to: 'canceled', source: 'cancel' },
    ]);
    expect(await handle.result()).toMatchObject({ status: 'canceled' });
  } finally {
    release();
  }
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
  await pollAfterDeadlineDone(story, handle);
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

describe("an admin's request accepted while a poll settles the refund", () => {
  /**
   * A refund in front of an admin whose provider has refunded it meanwhile, with a poll in flight
   * that will say so; the admin's request is accepted before that poll answers.
   */
  async function requestDuringSettlingPoll(
    update: typeof retryRefundUpdate | typeof cancelRefundUpdate,
  ): Promise<{ story: RefundStory; handle: WorkflowHandle<typeof refundWorkflow>; outcome: Promise<RefundView> }> {
    const { story, handle } = await refund((r) => {
      r.takenAs = { status: 'pending', failureReason: null };
    });
    await reached(handle, 'requires_attention');
    let release = (): void => undefined;
    story.queryHeld = new Promise((resolve) => (release = resolve));
    story.held = { status: 'succeeded', failureReason: null };
    // The polls of a refund in front of an admin come every scaled hour: 3.6 s here.
    await eventually(() => expect(story.queriesInFlight).toBe(1), { timeoutMs: 15_000, intervalMs: 50 });
    const accepted = await handle.startUpdate(update, { waitForStage: WorkflowUpdateStage.ACCEPTED });
    story.queryHeld = null;
    release();
    return { story, handle, outcome: accepted.result() };
  }

  test('a retry is answered with the refund the poll settled, and the workflow ends', async () => {
    const { story, handle, outcome } = await requestDuringSettlingPoll(retryRefundUpdate);
    expect(await outcome).toEqual({ id: story.id, status: 'succeeded', amount: 500, failureReason: null });
    expect(await handle.result()).toMatchObject({ status: 'succeeded' });
    // Nothing asked again: the poll's answer settled it.
    expect(story.steps()).toEqual([
      { attempt: 1, to: 'requires_attention', source: 'deadline' },
      { attempt: 1, to: 'succeeded', source: 'poll' },
    ]);
    expect(story.requests).toBe(1);
  }, 60_000);

  test('a cancel is refused, the provider having refunded it meanwhile, and the workflow ends', async () => {
    const { story, handle, outcome } = await requestDuringSettlingPoll(cancelRefundUpdate);
    const refused = await refusal(outcome);
    expect(refused.type).toBe(REFUND_FAILURE_TYPES.notCancelable);
    expect(refused.message).toMatch(/refunded it meanwhile/);
    expect(await handle.result()).toMatchObject({ status: 'succeeded' });
    expect(story.steps()).toEqual([
      { attempt: 1, to: 'requires_attention', source: 'deadline' },
      { attempt: 1, to: 'succeeded', source: 'poll' },
    ]);
  }, 60_000);
});

describe('long waits keep every run of the history short', () => {
  test('a refund the provider never settles waits 30 days in front of an admin in runs of under 2,000 events each; an admin retry then settles it', async () => {
    const { story } = await refund((r) => {
      r.takenAs = { status: 'pending', failureReason: null };
      r.timeScale = A_DAY_IN_TWO_SECONDS;
      r.attentionAfterSeconds = 86_400;
    });
    const startedAt = Date.now();
    // The API's handle: the workflow id alone, which reaches the newest run.
    const handle = env.client.workflow.getHandle<typeof refundWorkflow>(`refund/${story.id}`);
    await reached(handle, 'requires_attention');
    // 30 days later, the provider is still asked now and then.
    await eventually(() => expect(story.lastQueryAt).toBeGreaterThan(startedAt + 30 * 2_000), {
      timeoutMs: 120_000,
      intervalMs: 250,
    });

    const lengths = await runLengths(env.client, handle.workflowId);
    console.log(`30 days, ${story.queries} provider queries: runs of ${lengths.join(', ')} events`);
    for (const length of lengths) expect(length).toBeLessThan(2_000);
    // It went on in a new run when its history grew long.
    expect(lengths.length).toBeGreaterThan(1);

    // The newest run holds the refund as it was: the query, the admin's retry and the search attributes.
    expect(await handle.query(refundStatusQuery)).toEqual({
      id: story.id,
      status: 'requires_attention',
      amount: 500,
      failureReason: 'The provider has not settled the refund in time.',
    });
    // The retry's request settles it; a poll meanwhile still finds it pending.
    story.settlesOnRequest = true;
    expect(await handle.executeUpdate(retryRefundUpdate)).toMatchObject({ status: 'succeeded' });
    expect(await handle.result()).toEqual({ id: story.id, status: 'succeeded', amount: 500, failureReason: null });
    expect(story.steps()).toEqual([
      { attempt: 1, to: 'requires_attention', source: 'deadline' },
      { attempt: 2, to: 'pending', source: 'retry' },
      { attempt: 2, to: 'succeeded', source: 'request' },
    ]);
    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(RefundStatusKey)).toBe('succeeded');
    expect(typedSearchAttributes.get(ProviderKey)).toBe('wechatpay');
    expect(typedSearchAttributes.get(AmountMinorKey)).toBe(500);
    await recordRuns(env.client, handle.workflowId, `refund-${story.id}`);
  }, 240_000);

  test('a refund the provider has taken but not settled is followed across runs until its deadline, which they carry', async () => {
    const { story } = await refund((r) => {
      r.takenAs = { status: 'pending', failureReason: null };
      // Three days are 43.2 s; its polls every 10 minutes come as fast as this machine runs them
      // (about 90, a run's worth, in 20 s).
      r.timeScale = 6_000;
      r.attentionAfterSeconds = 3 * 86_400;
    });
    const handle = env.client.workflow.getHandle<typeof refundWorkflow>(`refund/${story.id}`);
    await reached(handle, 'requires_attention', 90_000);

    const lengths = await runLengths(env.client, handle.workflowId);
    console.log(`3 days pending, ${story.queries} provider queries: runs of ${lengths.join(', ')} events`);
    for (const length of lengths) expect(length).toBeLessThan(2_000);
    expect(lengths.length).toBeGreaterThan(1);
    // At the deadline set in the first run: neither lost (at once) nor set again by a later run (later).
    expect(story.steps()).toEqual([{ attempt: 1, to: 'requires_attention', source: 'deadline' }]);
    const waited = Date.parse(story.transitions[0].at) - Date.parse(story.createdAt);
    expect(waited).toBeGreaterThanOrEqual(43_200);
    expect(waited).toBeLessThan(43_200 + 10_000);
    await handle.terminate('test over');
  }, 120_000);

  test('a provider down until the deadline is asked again and again by one retried activity: the refund requires attention, its history short', async () => {
    const { story, handle } = await refund((r) => {
      r.providerAnswers = false;
      // Ten seconds, asked every 60 ms at most.
      r.attentionAfterSeconds = 10_000;
    });
    // The last attempt's failure, or the timeout when the deadline fell during an attempt or a backoff.
    expect((await reached(handle, 'requires_attention')).failureReason).toMatch(
      /^The provider did not accept the refund in time: (SYSTEM_ERROR: try again|activity ScheduleToClose timeout)$/,
    );
    await pollAfterDeadlineDone(story, handle);
    const [history] = await runHistories(env.client, handle.workflowId);
    const scheduled = history.events?.filter((event) => event.activityTaskScheduledEventAttributes) ?? [];
    console.log(
      `provider down 10 s: ${story.requests} requests, ${history.events?.length} events, ${scheduled.length} activities`,
    );
    expect(story.requests).toBeGreaterThan(20);
    // The first requests are the local ones the merchant waited for; then one activity, retried by
    // Temporal (no timer and new activity each minute); then the first poll of a refund in front of
    // an admin, which finds nothing at the provider and asks again, a few tries in one activity.
    expect(scheduled.map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name)).toEqual([
      'requestProviderRefund',
      'queryProviderRefund',
      'requestProviderRefund',
    ]);
    await handle.terminate('test over');
  }, 60_000);

  test('a provider that refuses the refund while it is asked again fails it, as a refusal at the first request does', async () => {
    const { story, handle } = await refund((r) => {
      r.providerAnswers = false;
      // After the 4 tries the merchant waits for, 2 more.
      r.refusedFrom = 7;
      r.attentionAfterSeconds = 60_000;
    });
    await reached(handle, 'failed');
    expect(await handle.result()).toEqual({
      id: story.id,
      status: 'failed',
      amount: 500,
      failureReason: 'NOT_ENOUGH: the merchant account lacks funds',
    });
    expect(story.requests).toBe(7);
    expect(story.steps()).toEqual([{ attempt: 1, to: 'failed', source: 'request' }]);
  });
});
