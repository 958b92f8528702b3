/** What one reconciliation run found: the activity's answer, the workflow's result, the API's object. */
export interface ReconciliationSummary {
  runId: string;
  providerAccountId: string;
  date: string;
  status: 'completed' | 'failed';
  statementEntries: number;
  matched: number;
  discrepancies: number;
  error: string | null;
}
