import type { StuckActivity } from '../domain/stuck-activity';
import type { ApiDeps } from './deps';

/** A stuck activity as listed for admins: the worker's record, and since when it fails. */
export interface ListedStuckActivity extends StuckActivity {
  firstFailedAt: Date;
  updatedAt: Date;
}

interface StuckRow {
  workflow_id: string;
  activity_id: string;
  activity_type: string;
  attempt: number;
  last_failure: string | null;
  first_failed_at: Date;
  updated_at: Date;
}

/** What operators watch: activities retrying without end, listed for admins (counted for Prometheus in api/metrics.ts). */
export function createOperationsService(deps: ApiDeps) {
  return {
    /** Stuck activities, the most recently retried first; `minAttempt` filters out the younger ones. */
    async listStuck(params: {
      limit: number;
      minAttempt: number;
      /** Only activities failing for at least this long. */
      failingForSeconds?: number;
    }): Promise<ListedStuckActivity[]> {
      const rows = await deps.db.fork().execute<StuckRow[]>(
        `select * from stuck_activities where attempt >= ? and first_failed_at <= now() - make_interval(secs => ?)
            order by updated_at desc, workflow_id limit ?`,
        [params.minAttempt, params.failingForSeconds ?? 0, params.limit],
      );
      return rows.map((row) => ({
        workflowId: row.workflow_id,
        activityId: row.activity_id,
        activityType: row.activity_type,
        attempt: Number(row.attempt),
        lastFailure: row.last_failure,
        firstFailedAt: new Date(row.first_failed_at),
        updatedAt: new Date(row.updated_at),
      }));
    },
  };
}

export type OperationsService = ReturnType<typeof createOperationsService>;
