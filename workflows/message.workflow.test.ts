/**
 * The message workflow's schedules, on a Temporal server of its own, with the activities replaced by
 * an Aliyun of the test's making: the workflow's decisions are under test here (when to send again,
 * when to give up, when to ask Aliyun first); the real activities, SDKs and sandbox are covered by
 * test/receipts.e2e.test.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { PreparedMessage, SendOutcome } from '../activities/message.activities';
import type { MessageStatus } from '../domain/message';
import { DeliveryStatusKey } from '../domain/search-attributes';
import {
  RECEIPT_QUERY_SECONDS,
  SEND_RETRY_SECONDS,
  THROTTLED_RETRY_SECONDS,
  type messageWorkflow,
} from './message.workflow';
import { startTestTemporal } from './workflow.testing';

/** A day in two seconds: the three days of receipt queries take about seven. */
const TIME_SCALE = 43_200;
const TASK_QUEUE = 'message-workflow-test';

/** One message as Aliyun and our books see it; the test decides how Aliyun behaves. */
class MessageStory {
  status: MessageStatus = 'pending';
  /** What each send answers, in turn; past the end, the last again. 'lost': the call dies without an answer. */
  sends: (SendOutcome | 'lost')[] = [{ kind: 'sent' }];
  /** Whether Aliyun holds the SMS of an earlier attempt whose answer was lost. */
  heldEarlier = false;
  /** Receipts answered before the carrier says delivered; Infinity: never. */
  receiptAfter = 0;
  readonly attempts: { number: number; checkFirst: boolean }[] = [];
  receiptQueries = 0;
  gaveUp: { status: string; code: string } | null = null;

  constructor(
    readonly channel: 'sms' | 'email',
    readonly sendWindowSeconds: number,
  ) {}
}

const stories = new Map<string, MessageStory>();
const story = (id: string): MessageStory => {
  const found = stories.get(id);
  if (!found) throw new Error(`no story for ${id}`);
  return found;
};

type MessageActivities = Pick<
  Activities,
  'prepareMessage' | 'attemptMessageSend' | 'queryMessageReceipt' | 'giveUpMessage' | 'messageStatus'
>;

const activities: MessageActivities = {
  async prepareMessage({ messageId }): Promise<PreparedMessage> {
    const message = story(messageId);
    return {
      channel: message.channel,
      status: message.status,
      attemptCount: 0,
      sendWindowSeconds: message.sendWindowSeconds,
    };
  },
  async attemptMessageSend({ messageId, number, checkFirst }) {
    const message = story(messageId);
    message.attempts.push({ number, checkFirst });
    if (checkFirst && message.heldEarlier) {
      message.status = 'sent';
      return { kind: 'sent' };
    }
    const answer = message.sends[Math.min(message.attempts.length - 1, message.sends.length - 1)];
    if (answer === 'lost') throw ApplicationFailure.nonRetryable('the worker died mid-call', 'Timeout');
    if (answer.kind === 'sent') message.status = message.channel === 'sms' ? 'sent' : 'delivered';
    if (answer.kind === 'final') message.status = 'failed';
    return answer;
  },
  async queryMessageReceipt({ messageId }) {
    const message = story(messageId);
    message.receiptQueries += 1;
    if (message.receiptQueries <= message.receiptAfter) return 'waiting';
    message.status = 'delivered';
    return 'delivered';
  },
  async giveUpMessage({ messageId, status, code }) {
    const message = story(messageId);
    if (message.status === 'pending' || message.status === 'sent') {
      message.status = status;
      message.gaveUp = { status, code };
    }
  },
  async messageStatus({ messageId }) {
    return story(messageId).status;
  },
};

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let count = 0;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await startTestTemporal();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./message.workflow'),
    activities,
  });
  running = worker.run();
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

async function run(
  message: MessageStory,
  timeScale = TIME_SCALE,
): Promise<{ status: MessageStatus; searched: unknown; timersMs: number[] }> {
  const id = `msg_test${process.pid}x${++count}`;
  stories.set(id, message);
  const handle = await env.client.workflow.start<typeof messageWorkflow>('messageWorkflow', {
    workflowId: `message/${id}`,
    taskQueue: TASK_QUEUE,
    args: [{ messageId: id, timeScale }],
  });
  const status = await handle.result();
  const searched = (await handle.describe()).typedSearchAttributes.get(DeliveryStatusKey);
  const timersMs = ((await handle.fetchHistory()).events ?? []).flatMap((event) => {
    const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
    return timeout ? [Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6)] : [];
  });
  return { status, searched, timersMs };
}

const sum = (seconds: number[]) => seconds.reduce((a, b) => a + b, 0);

test('an e-mail Direct Mail takes is delivered after one attempt', async () => {
  const message = new MessageStory('email', 86_400);
  expect(await run(message)).toMatchObject({ status: 'delivered', searched: 'delivered' });
  expect(message.attempts).toEqual([{ number: 1, checkFirst: false }]);
  expect(message.receiptQueries).toBe(0);
});

test('when Aliyun keeps failing, a code is tried on the schedule until its 15 minutes are gone, then fails', async () => {
  const message = new MessageStory('sms', 900);
  message.sends = [{ kind: 'retryable', code: 'isp.SYSTEM_ERROR', message: 'system error' }];
  expect(await run(message)).toMatchObject({ status: 'failed', searched: 'failed' });
  // Every delay that still fits in the window, and one attempt after each, plus the first.
  const fitting = SEND_RETRY_SECONDS.filter((_, index) => sum(SEND_RETRY_SECONDS.slice(0, index + 1)) <= 900);
  expect(message.attempts).toHaveLength(fitting.length + 1);
  expect(message.gaveUp).toEqual({ status: 'failed', code: 'isp.SYSTEM_ERROR' });
});

test('a rate limit waits longer than a system error before the next send, and the SMS then goes out', async () => {
  const throttled = new MessageStory('sms', 86_400);
  throttled.sends = [{ kind: 'throttled', code: 'isv.BUSINESS_LIMIT_CONTROL', message: 'limit' }, { kind: 'sent' }];
  const failing = new MessageStory('sms', 86_400);
  failing.sends = [{ kind: 'retryable', code: 'isp.SYSTEM_ERROR', message: 'system error' }, { kind: 'sent' }];
  // At the stack's scale (60), where a minute is a second: the timers are as the workflow asked.
  const [afterLimit, afterError] = await Promise.all([run(throttled, 60), run(failing, 60)]);
  expect([afterLimit.status, afterError.status]).toEqual(['delivered', 'delivered']);
  expect(throttled.attempts.map((attempt) => attempt.number)).toEqual([1, 2]);
  // The first timer is the wait before the second send; the rest are receipt queries.
  expect(afterLimit.timersMs[0]).toBe((THROTTLED_RETRY_SECONDS[0] * 1000) / 60);
  expect(afterError.timersMs[0]).toBe(Math.round((SEND_RETRY_SECONDS[0] * 1000) / 60));
  expect(afterLimit.timersMs[0]).toBeGreaterThan(afterError.timersMs[0]);
});

test('a final refusal (a wrong AccessKey secret) ends the message failed at once, without another send', async () => {
  const message = new MessageStory('email', 86_400);
  message.sends = [{ kind: 'final', code: 'SignatureDoesNotMatch', message: 'the signature does not match' }];
  expect(await run(message)).toMatchObject({ status: 'failed', searched: 'failed' });
  expect(message.attempts).toHaveLength(1);
});

test('after a send whose answer was lost, the next attempt asks Aliyun first, and a held SMS is not sent again', async () => {
  const message = new MessageStory('sms', 86_400);
  message.sends = ['lost'];
  message.heldEarlier = true;
  expect((await run(message)).status).toBe('delivered');
  expect(message.attempts).toEqual([
    { number: 1, checkFirst: false },
    { number: 2, checkFirst: true },
  ]);
});

test('an SMS whose receipt never comes is asked about for three days, then ends undeliverable', async () => {
  const message = new MessageStory('sms', 86_400);
  message.receiptAfter = Infinity;
  expect(await run(message)).toMatchObject({ status: 'undeliverable', searched: 'undeliverable' });
  expect(message.receiptQueries).toBe(RECEIPT_QUERY_SECONDS.length);
  expect(sum(RECEIPT_QUERY_SECONDS)).toBeGreaterThanOrEqual(3 * 86_400);
  expect(message.gaveUp).toEqual({ status: 'undeliverable', code: 'no_receipt' });
}, 30_000);
