import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { CHECK_SWEEP_EVERY_SECONDS } from '../domain/payment-checks';
import { historyIsLong } from './continue-as-new';
import { scaledClock } from './time';

export interface PaymentChecksInput {
  /** Divides the sweep's interval, like the payments' timers (1 in production). */
  timeScale: number;
}

// A sweep that fails (the database is down) is tried again until it works; its checks never throw.
const { checkOpenPayments } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

/**
 * Checks the open payments at their providers, every CHECK_SWEEP_EVERY_SECONDS, for ever: one
 * activity and one timer per sweep, however many payments are open (domain/payment-checks.ts).
 * The worker starts it; its history is kept short by going on in a new run.
 */
export async function paymentChecksWorkflow(input: PaymentChecksInput): Promise<void> {
  const clock = scaledClock(input.timeScale);
  for (;;) {
    await checkOpenPayments();
    if (historyIsLong()) await continueAsNew<typeof paymentChecksWorkflow>(input);
    await sleep(clock.ms(CHECK_SWEEP_EVERY_SECONDS));
  }
}
