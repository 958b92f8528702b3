import type { Info } from '@temporalio/activity';
import type { StuckActivity } from '../domain/stuck-activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Database } from '../db/orm';

/**
 * From which attempt an activity counts as stuck: with STORE_OPTIONS (200 ms doubling to 10 s)
 * the fifth attempt comes about 3 s after the first; a provider's, about 15 s.
 */
export const STUCK_FROM_ATTEMPT = 5;

/**
 * Makes every activity that keeps failing visible: from its STUCK_FROM_ATTEMPT-th attempt it has a
 * row in `stuck_activities` (the admin's `GET /v1/admin/stuck`, the `tongbao_stuck_activities`
 * metric), updated at each attempt with the last failure, and removed once it completes or fails
 * for good (then its workflow has it: a non-retryable failure, the last of its attempts, the last try
 * before its schedule-to-close deadline). Written at the start of an attempt too, so that an activity
 * that times out rather than throws is seen. A row that cannot be written (the database is what
 * fails) is only logged: the activity's own outcome never depends on it.
 */
export function stuckActivitiesInterceptor(db: Database, logger: Logger): ActivityInterceptorsFactory {
  return (ctx) => {
    const { attempt, activityId, activityType, workflowExecution } = ctx.info;
    const workflowId = workflowExecution?.workflowId ?? '(no workflow)';

    async function quietly(write: () => Promise<unknown>): Promise<void> {
      try {
        await write();
      } catch (error) {
        logger.warn({ err: error, workflowId, activityType, attempt }, 'could not record a stuck activity');
      }
    }
    const upsert = (lastFailure: string | null) =>
      quietly(() => recordStuckActivity(db, { workflowId, activityId, activityType, attempt, lastFailure }));
    const remove = () => quietly(() => clearStuckActivity(db, workflowId, activityId));

    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        // The attempt that fails STUCK_FROM_ATTEMPT - 1 times in a row is written when it fails.
        if (attempt >= STUCK_FROM_ATTEMPT) await upsert(null);
        try {
          const result = await next(input);
          if (attempt >= STUCK_FROM_ATTEMPT - 1) await remove();
          return result;
        } catch (error) {
          const final =
            (error instanceof ApplicationFailure && error.nonRetryable) || isLastAttempt(ctx.info, Date.now());
          if (final) {
            if (attempt >= STUCK_FROM_ATTEMPT - 1) await remove();
          } else if (attempt >= STUCK_FROM_ATTEMPT - 1) {
            await upsert(error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 2000) : String(error));
          }
          throw error;
        }
      },
    };
    return { inbound };
  };
}

/**
 * Whether Temporal tries an activity again after this attempt fails (retryably): not when its
 * maximum attempts are used, nor when the next try would start past its schedule-to-close deadline
 * (a refund request is retried until the refund's deadline). Temporal's backoff: the initial
 * interval, times the coefficient for each attempt after the first, at most the maximum interval.
 */
export function isLastAttempt(
  info: Pick<Info, 'attempt' | 'retryPolicy' | 'scheduledTimestampMs' | 'scheduleToCloseTimeoutMs'>,
  now: number,
): boolean {
  const policy = info.retryPolicy;
  if (policy?.maximumAttempts && info.attempt >= policy.maximumAttempts) return true;
  if (!info.scheduleToCloseTimeoutMs) return false;
  const initial = Number(policy?.initialInterval ?? 1000);
  const backoff = Math.min(
    initial * (policy?.backoffCoefficient ?? 2) ** (info.attempt - 1),
    Number(policy?.maximumInterval ?? initial * 100),
  );
  return now + backoff >= info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs;
}

export async function recordStuckActivity(db: Database, row: StuckActivity): Promise<void> {
  await db.fork().execute(
    `insert into stuck_activities (workflow_id, activity_id, activity_type, attempt, last_failure) values (?, ?, ?, ?, ?)
       on conflict (workflow_id, activity_id) do update set attempt = excluded.attempt, activity_type = excluded.activity_type,
         last_failure = coalesce(excluded.last_failure, stuck_activities.last_failure), updated_at = now()`,
    [row.workflowId, row.activityId, row.activityType, row.attempt, row.lastFailure],
  );
}

export async function clearStuckActivity(db: Database, workflowId: string, activityId: string): Promise<void> {
  await db
    .fork()
    .execute(`delete from stuck_activities where workflow_id = ? and activity_id = ?`, [workflowId, activityId]);
}
