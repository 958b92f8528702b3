/**
 * An activity that keeps failing, as the worker records it in `stuck_activities` (from the
 * STUCK_FROM_ATTEMPT-th attempt, or a payment's as many failed checks) and admins list it.
 */
export interface StuckActivity {
  workflowId: string;
  activityId: string;
  activityType: string;
  attempt: number;
  /** Null keeps the failure already recorded (an attempt that has only started). */
  lastFailure: string | null;
}
