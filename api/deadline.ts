import { isGrpcDeadlineError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import type { StillRunningError } from './errors';

/**
 * Runs `calls` to Temporal (an update, an update-with-start) with a deadline of `ms`: the API never
 * waits on a workflow without bound. Past the deadline the calls in flight are cancelled, the
 * workflow carries on, and `stillRunning()` is thrown for the merchant.
 */
export async function withDeadline<T>(
  client: Client,
  ms: number,
  calls: () => Promise<T>,
  stillRunning: () => StillRunningError,
): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + ms, calls);
  } catch (error) {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(error)) throw stillRunning();
    throw error;
  }
}
