import { heartbeat } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ActivityDeps } from './deps';

/** What the daily purge removed. */
export interface PurgeSummary {
  idempotencyKeys: number;
  refusedNotifications: number;
  /** Rows of `stuck_activities` whose activity no longer runs. */
  staleStuckActivities: number;
  /** CSV exports of payments past their week (their files with them). */
  paymentExports: number;
}

/**
 * How long what is purged is kept: API.md's 24 h of idempotency, 30 days of refused notifications
 * for support, and a stuck activity's row a day after its last attempt. A stuck activity writes its
 * row at every attempt, and no retry policy waits more than 30 minutes between attempts (plus a
 * 30-minute timeout: the purge's own), so a row silent for a day belongs to an activity that no
 * longer runs: its workflow was terminated or reset, or the activity was cancelled. A CSV export of
 * payments is kept a week: long enough to download it, and a copy of merchant data the merchant can
 * make again at any time.
 */
export const RETENTION = {
  idempotencyKeysHours: 24,
  refusedNotificationsDays: 30,
  silentStuckActivityHours: 24,
  paymentExportsDays: 7,
} as const;

/** Rows deleted per statement: short transactions, so that the purge never holds the tables for long. */
const BATCH = 5000;

export function createPurgeActivities(deps: ActivityDeps) {
  const { db } = deps;

  /** Deletes the rows `where` finds, batch by batch, until nothing is left; returns how many rows. */
  async function deleteInBatches(table: string, where: string, params: unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await db
        .fork()
        .execute<{ deleted: number }[]>(
          `delete from ${table} where ctid = any(array(select ctid from ${table} where ${where} limit ${BATCH})) returning 1 as deleted`,
          params,
        );
      total += deleted.length;
      heartbeat(total);
      if (deleted.length < BATCH) return total;
    }
  }

  /** Whether the workflow's latest run is still running; one that Temporal no longer knows is not. */
  async function isRunning(workflowId: string): Promise<boolean> {
    try {
      return (await deps.temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  /**
   * Removes the rows of stuck activities that no longer run, which nothing else removes (the row
   * goes when the activity completes or fails for good, and a terminated workflow's activity does
   * neither): those of a workflow that has ended, at once, asking Temporal once per workflow (the
   * table holds few), and any silent for a day (an activity cancelled in a running workflow). A
   * row removed while its activity runs after all comes back at its next attempt.
   */
  async function purgeStaleStuckActivities(): Promise<number> {
    let removed = await deleteInBatches('stuck_activities', `updated_at < now() - make_interval(hours => ?)`, [
      RETENTION.silentStuckActivityHours,
    ]);
    const workflows = await db
      .fork()
      .execute<{ workflow_id: string }[]>(`select distinct workflow_id from stuck_activities order by workflow_id`);
    for (const { workflow_id: workflowId } of workflows) {
      if (await isRunning(workflowId)) continue;
      const deleted = await db
        .fork()
        .execute(`delete from stuck_activities where workflow_id = ? returning 1 as deleted`, [workflowId]);
      removed += deleted.length;
      heartbeat(removed);
    }
    return removed;
  }

  return {
    /**
     * Removes idempotency keys past their 24 hours and refused notifications past 30 days: what
     * anyone can make the API store must not stay for ever; stuck activities' rows once their
     * activity no longer runs; payment exports past their week. Started daily by the `purge` schedule.
     */
    async purgeExpiredRecords(): Promise<PurgeSummary> {
      const idempotencyKeys = await deleteInBatches(
        'idempotency_keys',
        `created_at < now() - make_interval(hours => ?)`,
        [RETENTION.idempotencyKeysHours],
      );
      const refusedNotifications = await deleteInBatches(
        'provider_notifications',
        `outcome = 'refused' and received_at < now() - make_interval(days => ?)`,
        [RETENTION.refusedNotificationsDays],
      );
      const staleStuckActivities = await purgeStaleStuckActivities();
      // The files first, batch by batch, then their exports (whose chunks are gone by then).
      const oldExports = `select id from payment_exports where created_at < now() - make_interval(days => ?)`;
      await deleteInBatches('payment_export_chunks', `export_id in (${oldExports})`, [RETENTION.paymentExportsDays]);
      const paymentExports = await deleteInBatches('payment_exports', `id in (${oldExports})`, [
        RETENTION.paymentExportsDays,
      ]);
      deps.logger.info(
        { idempotencyKeys, refusedNotifications, staleStuckActivities, paymentExports },
        'purged expired records',
      );
      return { idempotencyKeys, refusedNotifications, staleStuckActivities, paymentExports };
    },
  };
}
