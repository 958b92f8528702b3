import { setTimeout as sleep } from 'node:timers/promises';
import type { Response } from 'express';
import { assertNever } from '../domain/assert-never';
import type { ApiFaults } from './faults';

/** A fault's slowness; it never keeps a stopping process alive. */
export const pause = (ms: number): Promise<void> => (ms > 0 ? sleep(ms, undefined, { ref: false }) : Promise.resolve());

/** What a load balancer in front of a provider answers when the provider is down: HTML, unsigned. */
const HTTP_500_PAGE = '<html><body><h1>500 Internal Server Error</h1></body></html>';

/**
 * Answers a call that an `api` fault fails, after the fault's slowness and before any work is
 * done: `http_500` as the provider's front door would, `system_error` with the provider's own
 * "busy, try again" answer, which `sendSystemError` writes, `throttling` with its rate-limit answer. False when the fault fails nothing.
 */
export async function answerApiFailure(
  res: Response,
  faults: ApiFaults,
  sendSystemError: () => unknown,
  /** The provider's rate-limit answer; without one, `throttling` is answered as the system error. */
  sendThrottled: () => unknown = sendSystemError,
): Promise<boolean> {
  const failure = faults.fail;
  if (failure === null) return false;
  await pause(faults.slowMs);
  switch (failure) {
    case 'http_500':
      res.status(500).type('html').send(HTTP_500_PAGE);
      return true;
    case 'system_error':
      await sendSystemError();
      return true;
    case 'throttling':
      await sendThrottled();
      return true;
    default:
      return assertNever(failure);
  }
}
