import { isLastAttempt } from './stuck-activities';

// A refund request retried until the refund's deadline: scheduled at 0, 1 s doubling to 60 s, a day to close.
const requestUntilDeadline = {
  scheduledTimestampMs: 0,
  scheduleToCloseTimeoutMs: 86_400_000,
  retryPolicy: { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 60_000 },
};

describe('whether Temporal tries a failed activity again, so that a stuck one leaves the stuck list when it ends', () => {
  test.each([
    ['early in the day, the next try comes', { ...requestUntilDeadline, attempt: 3 }, 10_000, false],
    [
      'a minute before the deadline, the next try (a minute later) still comes',
      { ...requestUntilDeadline, attempt: 300 },
      86_400_000 - 60_001,
      false,
    ],
    [
      'less than a minute before the deadline, after the backoff reached a minute, none comes',
      { ...requestUntilDeadline, attempt: 300 },
      86_400_000 - 59_999,
      true,
    ],
    [
      'the third of three attempts is the last',
      { attempt: 3, scheduledTimestampMs: 0, scheduleToCloseTimeoutMs: 0, retryPolicy: { maximumAttempts: 3 } },
      1,
      true,
    ],
    [
      'without a deadline nor a maximum, an activity is retried for ever',
      {
        attempt: 1_000,
        scheduledTimestampMs: 0,
        scheduleToCloseTimeoutMs: 0,
        retryPolicy: { initialInterval: 200, maximumInterval: 10_000 },
      },
      1e12,
      false,
    ],
  ])('%s', (_story, info, now, last) => {
    expect(isLastAttempt(info, now)).toBe(last);
  });
});
