import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { purgeWorkflow } from '../workflows/purge.workflow';

/** The one schedule (and workflow id) of the daily purge. */
export const PURGE_SCHEDULE_ID = 'purge';

/**
 * Makes sure expired idempotency keys and old refused notifications are purged daily, at 03:30
 * UTC (11:30 in China), after the reconciliations. The worker ensures it at start; creating it
 * again changes nothing.
 */
export async function ensurePurgeSchedule(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.create<typeof purgeWorkflow>({
      scheduleId: PURGE_SCHEDULE_ID,
      spec: {
        calendars: [{ hour: 3, minute: 30, comment: 'purge expired idempotency keys and refused notifications' }],
      },
      action: {
        type: 'startWorkflow',
        workflowType: 'purgeWorkflow',
        workflowId: PURGE_SCHEDULE_ID,
        taskQueue,
        args: [],
      },
      // A day missed while the cluster was down is purged when it comes back.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
