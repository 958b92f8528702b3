import { ActivityFailure, proxyActivities, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MessageStatus, MessageWorkflowInput } from '../domain/message';
import { DeliveryStatusKey } from '../domain/search-attributes';
import { STORE_OPTIONS } from './activity-options';
import { scaledClock } from './time';

/** After a provider error (isp.SYSTEM_ERROR, 5xx, a timeout): send again after these many seconds. */
export const SEND_RETRY_SECONDS = [10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400];
/** After a rate limit (isv.BUSINESS_LIMIT_CONTROL, Throttling.User): longer, as Aliyun's windows are a minute, an hour, a day. */
export const THROTTLED_RETRY_SECONDS = [60, 300, 900, 1800, 3600, 7200, 14_400];
/** An SMS's delivery receipt is asked for after these many seconds each: a little over three days in all. */
export const RECEIPT_QUERY_SECONDS = [
  5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 10_800, 21_600, 43_200, 43_200, 86_400, 86_400,
];

const { prepareMessage, queryMessageReceipt, giveUpMessage, messageStatus } =
  proxyActivities<Activities>(STORE_OPTIONS);

/**
 * One send is tried once per activity: a send that dies without an answer must not be sent again
 * blindly, so the workflow, not Temporal's retry, decides (and the next attempt asks Aliyun first).
 */
const { attemptMessageSend } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 1 },
});

/**
 * `message/<msg_id>`: one SMS or e-mail, from its rendered text to its delivery. Sends, retries a
 * provider's trouble on one schedule and its rate limits on a longer one, until the message's send
 * window closes (15 minutes for a code, a day otherwise); then, for an SMS, asks for its receipt
 * until the carrier says delivered or not. Ends delivered, failed or undeliverable; the row says why.
 */
export async function messageWorkflow(input: MessageWorkflowInput): Promise<MessageStatus> {
  const clock = scaledClock(input.timeScale);
  const { messageId } = input;
  const prepared = await prepareMessage({ messageId });
  let status = prepared.status;
  /** Reads the status the activities wrote, for the search attribute support staff filter on. */
  const report = async () => {
    status = await messageStatus({ messageId });
    upsertSearchAttributes([{ key: DeliveryStatusKey, value: status }]);
  };
  if (status !== 'pending') await report();

  let number = prepared.attemptCount;
  let waitedSeconds = 0;
  let retries = 0;
  let throttles = 0;
  let answerLost = false;
  while (status === 'pending') {
    number += 1;
    let outcome: Awaited<ReturnType<typeof attemptMessageSend>>;
    try {
      outcome = await attemptMessageSend({ messageId, number, checkFirst: answerLost });
      answerLost = false;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      outcome = { kind: 'retryable', code: 'no_answer', message: 'the send timed out or its worker stopped' };
      answerLost = true;
    }
    if (outcome.kind === 'sent' || outcome.kind === 'final') {
      await report();
      break;
    }
    const delay = outcome.kind === 'throttled' ? THROTTLED_RETRY_SECONDS[throttles++] : SEND_RETRY_SECONDS[retries++];
    if (delay === undefined || waitedSeconds + delay > prepared.sendWindowSeconds) {
      await giveUpMessage({
        messageId,
        status: 'failed',
        code: outcome.code,
        reason: `Not sent within ${prepared.sendWindowSeconds} s: ${outcome.message}`,
      });
      await report();
      break;
    }
    waitedSeconds += delay;
    await sleep(clock.ms(delay));
  }

  if (status === 'sent') {
    for (const delay of RECEIPT_QUERY_SECONDS) {
      await sleep(clock.ms(delay));
      if ((await queryMessageReceipt({ messageId })) !== 'waiting') break;
    }
    if ((await messageStatus({ messageId })) === 'sent')
      await giveUpMessage({
        messageId,
        status: 'undeliverable',
        code: 'no_receipt',
        reason: 'Aliyun reported no delivery in three days.',
      });
    await report();
  }
  return status;
}
