import { heartbeat } from '@temporalio/activity';
import type { ActivityDeps } from './deps';

/** What the daily purge removed. */
export interface PurgeSummary {
  idempotencyKeys: number;
  refusedNotifications: number;
}

/** How long what is purged is kept: API.md's 24 h of idempotency, and 30 days of refused notifications for support. */
export const RETENTION = { idempotencyKeysHours: 24, refusedNotificationsDays: 30 } as const;

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

  return {
    /**
     * Removes idempotency keys past their 24 hours and refused notifications past 30 days: what
     * anyone can make the API store must not stay for ever. Started daily by the `purge` schedule.
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
      deps.logger.info({ idempotencyKeys, refusedNotifications }, 'purged expired records');
      return { idempotencyKeys, refusedNotifications };
    },
  };
}
