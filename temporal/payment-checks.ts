import type { Client } from '@temporalio/client';
import { PAYMENT_CHECKS_WORKFLOW_ID } from '../domain/payment-checks';
import type { paymentChecksWorkflow } from '../workflows/payment-checks.workflow';

/**
 * Makes sure the open payments' sweep runs (one per namespace): the worker ensures it at start;
 * a sweep already running is left as it is.
 */
export async function ensurePaymentChecks(client: Client, taskQueue: string, timeScale: number): Promise<void> {
  await client.workflow.start<typeof paymentChecksWorkflow>('paymentChecksWorkflow', {
    workflowId: PAYMENT_CHECKS_WORKFLOW_ID,
    taskQueue,
    args: [{ timeScale }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
