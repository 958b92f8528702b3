import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** What an activity's failure says, as a workflow decides on it. */
export interface ActivityError {
  /**
   * The ApplicationFailure the activity raised, or null (a timeout, a crash). Non-retryable
   * ones are declines and broken rules, which asking again cannot change (STYLE.md 3, 4).
   */
  failure: ApplicationFailure | null;
  message: string;
}

/** Unwraps what an activity call threw: Temporal wraps the activity's own failure in an ActivityFailure. */
export function activityError(error: unknown): ActivityError {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return {
    failure: cause instanceof ApplicationFailure ? cause : null,
    message: cause instanceof Error ? cause.message : String(cause),
  };
}
