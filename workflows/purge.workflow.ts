import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PurgeSummary } from '../activities/purge.activities';

// A purge deletes in batches and heartbeats after each; a failed one is tried again the same day.
const { purgeExpiredRecords } = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  scheduleToCloseTimeout: '6h',
  retry: { initialInterval: '1m', maximumInterval: '30m' },
});

/**
 * Removes expired idempotency keys, old refused notifications and the rows of stuck activities that
 * no longer run; started daily by the `purge` schedule.
 */
export async function purgeWorkflow(): Promise<PurgeSummary> {
  return purgeExpiredRecords();
}
