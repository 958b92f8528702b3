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

/** What operators watch: activities retrying without end, as a list (admins) and as metrics (Prometheus). */
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

    /**
     * The metrics in Prometheus' text format (0.0.4). Read from the table the workers write, so
     * that any API process answers for every worker.
     */
    async metricsText(): Promise<string> {
      const rows = await deps.db
        .fork()
        .execute<{ activity_type: string; count: string; max_attempt: number }[]>(
          `select activity_type, count(*) as count, max(attempt) as max_attempt from stuck_activities group by activity_type order by activity_type`,
        );
      const label = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
      const lines = [
        '# HELP tongbao_stuck_activities Activities failing attempt after attempt (see GET /v1/admin/stuck).',
        '# TYPE tongbao_stuck_activities gauge',
        ...rows.map(
          (row) => `tongbao_stuck_activities{activity_type="${label(row.activity_type)}"} ${Number(row.count)}`,
        ),
        '# HELP tongbao_stuck_activities_total Stuck activities of every type.',
        '# TYPE tongbao_stuck_activities_total gauge',
        `tongbao_stuck_activities_total ${rows.reduce((sum, row) => sum + Number(row.count), 0)}`,
        '# HELP tongbao_stuck_activity_max_attempt The highest attempt of a stuck activity, per type.',
        '# TYPE tongbao_stuck_activity_max_attempt gauge',
        ...rows.map(
          (row) =>
            `tongbao_stuck_activity_max_attempt{activity_type="${label(row.activity_type)}"} ${Number(row.max_attempt)}`,
        ),
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}

export type OperationsService = ReturnType<typeof createOperationsService>;
