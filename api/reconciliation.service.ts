import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { ReconciliationSummary } from '../domain/reconciliation-summary';
import { ProviderAccountSchema } from '../db/entities';
import { reconciliationWorkflowId } from '../domain/workflow-ids';
import { MerchantIdKey, ProviderKey } from '../domain/search-attributes';
import type { reconciliationWorkflow } from '../workflows/reconciliation.workflow';
import type { ApiDeps } from './deps';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors';
import { pageOf, type Page } from './pagination';

export interface RunRow {
  id: string;
  provider_account_id: string;
  statement_date: string;
  status: string;
  statement_entries: number | null;
  matched: number | null;
  discrepancies: number | null;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
}

export interface DiscrepancyRow {
  id: string;
  run_id: string;
  provider_account_id: string;
  merchant_id: string;
  statement_date: string;
  kind: string;
  object_type: string;
  out_trade_no: string;
  out_refund_no: string | null;
  payment_id: string | null;
  refund_id: string | null;
  our_amount: string | null;
  provider_amount: string | null;
  note: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution_note: string | null;
  created_at: Date;
}

export interface DiscrepancyFilter {
  limit: number;
  starting_after?: string;
  provider_account?: string;
  merchant?: string;
  date?: string;
  kind?: string;
  status?: 'open' | 'resolved';
}

const DISCREPANCY_SELECT = `select id::text, run_id, provider_account_id, merchant_id, to_char(statement_date, 'YYYY-MM-DD') as statement_date, kind, object_type, out_trade_no, out_refund_no,
         payment_id, refund_id, our_amount, provider_amount, note, resolved_at, resolved_by, resolution_note, created_at
    from reconciliation_discrepancies`;

/** How long `POST /v1/admin/reconciliation_runs` waits for the run before answering that it goes on. */
const RUN_WAIT_MS = 60_000;

export function createReconciliationService(deps: ApiDeps) {
  const { db } = deps;

  return {
    /** Reconciles one account's day now (the schedule does it daily); null when it is still running after a minute. */
    async run(providerAccountId: string, date: string): Promise<ReconciliationSummary | null> {
      const account = await db.fork().findOne(ProviderAccountSchema, { id: providerAccountId });
      if (!account)
        throw new InvalidRequestError(
          'resource_missing',
          `No such provider account: '${providerAccountId}'`,
          'provider_account',
        );
      let handle;
      try {
        handle = await deps.temporal.workflow.start<typeof reconciliationWorkflow>('reconciliationWorkflow', {
          workflowId: reconciliationWorkflowId(providerAccountId, date),
          taskQueue: deps.temporalSettings.taskQueue,
          args: [{ providerAccountId, date }],
          workflowIdConflictPolicy: 'FAIL',
          typedSearchAttributes: [
            { key: MerchantIdKey, value: account.merchantId },
            { key: ProviderKey, value: account.provider },
          ],
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError)
          throw new ConflictError(
            'reconciliation_running',
            `The ${date} statement of ${providerAccountId} is being reconciled already.`,
          );
        throw error;
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), RUN_WAIT_MS);
      });
      try {
        return await Promise.race([handle.result(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },

    /** Runs, the latest first; per account and day with both filters (a day may be run again). */
    async runs(params: { limit: number; provider_account?: string; date?: string }): Promise<RunRow[]> {
      return db.fork().execute<RunRow[]>(
        `select id, provider_account_id, to_char(statement_date, 'YYYY-MM-DD') as statement_date, status, statement_entries, matched, discrepancies, error, started_at, finished_at
           from reconciliation_runs where (?::text is null or provider_account_id = ?) and (?::date is null or statement_date = ?::date)
          order by started_at desc, id desc limit ?`,
        [
          params.provider_account ?? null,
          params.provider_account ?? null,
          params.date ?? null,
          params.date ?? null,
          params.limit,
        ],
      );
    },

    /**
     * Marks a discrepancy resolved with an admin's note. Resolving one already resolved answers it
     * as it is (the first note stays); 404 for an id that names none (a re-run replaced it: its
     * finding carries the resolution, under a new id).
     */
    async resolve(id: string, note: string, by: string): Promise<DiscrepancyRow> {
      const em = db.fork();
      await em.execute(
        `update reconciliation_discrepancies set resolved_at = now(), resolved_by = ?, resolution_note = ? where id = ?::bigint and resolved_at is null`,
        [by, note, id],
      );
      const [row] = await em.execute<DiscrepancyRow[]>(`${DISCREPANCY_SELECT} where id = ?::bigint`, [id]);
      if (!row) throw new NotFoundError('reconciliation discrepancy', id);
      return row;
    },

    async discrepancies(filter: DiscrepancyFilter): Promise<Page<DiscrepancyRow>> {
      const rows = await db.fork().execute<DiscrepancyRow[]>(
        `${DISCREPANCY_SELECT}
          where (?::text is null or (resolved_at is null) = (?::text = 'open'))
            and (?::text is null or provider_account_id = ?) and (?::text is null or merchant_id = ?)
            and (?::date is null or statement_date = ?::date) and (?::text is null or kind = ?)
            and (?::bigint is null or id < ?::bigint)
          order by id desc limit ?`,
        [
          filter.status ?? null,
          filter.status ?? null,
          filter.provider_account ?? null,
          filter.provider_account ?? null,
          filter.merchant ?? null,
          filter.merchant ?? null,
          filter.date ?? null,
          filter.date ?? null,
          filter.kind ?? null,
          filter.kind ?? null,
          filter.starting_after ?? null,
          filter.starting_after ?? null,
          filter.limit + 1,
        ],
      );
      return pageOf(rows, filter.limit);
    },
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;
