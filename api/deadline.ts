import { isGrpcDeadlineError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import type { AppConfig } from '../runtime/config';
import type { StillRunningError } from './errors';

/**
 * How long the API waits on each update it sends a workflow before it answers 503 (the work goes
 * on). TONGBAO_API_DEADLINE_SECONDS, when set, shortens every one of them (runtime/config.ts).
 */
export const DEADLINES_MS = {
  /** For the provider's order (and its next_action). */
  createPayment: 30_000,
  /** For the provider to close the order. */
  cancelPayment: 15_000,
  /**
   * For the refund to be stored (or refused). Concurrent refunds of one payment are stored one at
   * a time, under the payment's row lock, so the last of many may wait a while; past this, the
   * worker is down.
   */
  createRefund: 30_000,
  /** For an admin's retry or cancel of a refund to be carried out. */
  adminRefundRequest: 30_000,
} as const;

export type Deadline = keyof typeof DEADLINES_MS;

/**
 * Runs `calls` to Temporal (an update, an update-with-start) with the `deadline` named: the API
 * never waits on a workflow without bound. Past it the calls in flight are cancelled, the workflow
 * carries on, and `stillRunning()` is thrown for the caller.
 */
export async function withDeadline<T>(
  deps: { temporal: Client; config: Pick<AppConfig, 'apiDeadlineSeconds'> },
  deadline: Deadline,
  calls: () => Promise<T>,
  stillRunning: () => StillRunningError,
): Promise<T> {
  const ms = Math.min(DEADLINES_MS[deadline], (deps.config.apiDeadlineSeconds ?? Infinity) * 1000);
  try {
    return await deps.temporal.withDeadline(Date.now() + ms, calls);
  } catch (error) {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(error)) throw stillRunning();
    throw error;
  }
}
