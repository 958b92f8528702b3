import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ReconciliationSummary } from '../domain/reconciliation-summary';
import { previousChinaDate } from '../domain/china-time';

export interface ReconciliationWorkflowInput {
  providerAccountId: string;
  /** The China business day to reconcile, `YYYY-MM-DD`; null (the daily schedule) means yesterday. */
  date: string | null;
}

// Statements are published in the morning and downloads fail now and then: retried for hours.
const reconcile = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  scheduleToCloseTimeout: '12h',
  retry: { initialInterval: '30s', maximumInterval: '30m' },
});

/** One provider account's statement of one day, matched against our books; started daily by its schedule. */
export async function reconciliationWorkflow(input: ReconciliationWorkflowInput): Promise<ReconciliationSummary> {
  // Workflow time is deterministic: a replay reconciles the same day.
  const date = input.date ?? previousChinaDate(new Date(Date.now()));
  return reconcile.reconcileDay({ providerAccountId: input.providerAccountId, date });
}
