import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ReconciliationSummary } from '../domain/reconciliation-summary';
import type { DiscrepancyRow, ReconciliationService, RunRow } from './reconciliation.service';
import { numericPathId } from './admin-filters';
import { listObject } from './pagination';
import { actorOf } from './request-context';
import { sendJson } from './respond';
import { listQuerySchema, parse, text } from './validation';

const accountId = text().regex(/^pa_[0-9A-Za-z]{1,64}$/, 'must be a provider account id (pa_…)');

export const runSchema = z.strictObject({ provider_account: accountId, date: z.iso.date() });
export const runsQuerySchema = z.strictObject({
  limit: listQuerySchema.limit,
  provider_account: accountId.optional(),
  date: z.iso.date().optional(),
});
export const discrepanciesQuerySchema = z.strictObject({
  limit: listQuerySchema.limit,
  starting_after: text()
    .regex(/^\d{1,18}$/, 'must be a discrepancy id')
    .optional(),
  provider_account: accountId.optional(),
  merchant: text().startsWith('mer_').max(64).optional(),
  date: z.iso.date().optional(),
  kind: z.enum(['missing_here', 'missing_there', 'amount_differs']).optional(),
  status: z.enum(['open', 'resolved']).optional(),
});

export const resolveSchema = z.strictObject({
  note: text('free_text').trim().min(1).max(2000).describe('What was found and done; required.'),
});

const iso = (date: Date | null) => (date ? new Date(date).toISOString() : null);
const amount = (value: string | null) => (value === null ? null : Number(value));

export function runObject(row: RunRow) {
  return {
    id: row.id,
    object: 'reconciliation_run' as const,
    provider_account: row.provider_account_id,
    date: row.statement_date,
    status: row.status,
    statement_entries: row.statement_entries,
    matched: row.matched,
    discrepancies: row.discrepancies,
    error: row.error,
    started_at: new Date(row.started_at).toISOString(),
    finished_at: iso(row.finished_at),
  };
}

export function summaryObject(summary: ReconciliationSummary) {
  return {
    id: summary.runId,
    object: 'reconciliation_run' as const,
    provider_account: summary.providerAccountId,
    date: summary.date,
    status: summary.status,
    statement_entries: summary.statementEntries,
    matched: summary.matched,
    discrepancies: summary.discrepancies,
    error: summary.error,
  };
}

export function discrepancyObject(row: DiscrepancyRow) {
  return {
    id: row.id,
    object: 'reconciliation_discrepancy' as const,
    run: row.run_id,
    provider_account: row.provider_account_id,
    merchant: row.merchant_id,
    date: row.statement_date,
    kind: row.kind,
    object_type: row.object_type,
    out_trade_no: row.out_trade_no,
    out_refund_no: row.out_refund_no,
    payment: row.payment_id,
    refund: row.refund_id,
    our_amount: amount(row.our_amount),
    provider_amount: amount(row.provider_amount),
    note: row.note,
    status: row.resolved_at ? ('resolved' as const) : ('open' as const),
    resolved_at: iso(row.resolved_at),
    resolved_by: row.resolved_by,
    resolution_note: row.resolution_note,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/** `/v1/admin/reconciliation_*`: runs (daily by schedule, or now) and what they found. */
export function reconciliationRoutes(reconciliation: ReconciliationService): Router {
  const router = Router();

  router.post('/reconciliation_runs', async (req: Request, res: Response) => {
    const params = parse(runSchema, req.body);
    const summary = await reconciliation.run(params.provider_account, params.date);
    if (!summary) {
      await sendJson(req, res, 202, {
        object: 'reconciliation_run',
        provider_account: params.provider_account,
        date: params.date,
        status: 'running',
      });
      return;
    }
    await sendJson(req, res, 200, summaryObject(summary));
  });

  router.get('/reconciliation_runs', async (req: Request, res: Response) => {
    const query = parse(runsQuerySchema, req.query, 'query');
    const rows = await reconciliation.runs(query);
    await sendJson(req, res, 200, listObject('/v1/admin/reconciliation_runs', rows.map(runObject), false));
  });

  router.get('/reconciliation_discrepancies', async (req: Request, res: Response) => {
    const query = parse(discrepanciesQuerySchema, req.query, 'query');
    const { data, hasMore } = await reconciliation.discrepancies(query);
    await sendJson(
      req,
      res,
      200,
      listObject('/v1/admin/reconciliation_discrepancies', data.map(discrepancyObject), hasMore),
    );
  });

  router.post('/reconciliation_discrepancies/:id/resolve', async (req: Request, res: Response) => {
    const id = numericPathId(req.params.id, 'reconciliation discrepancy');
    const { note } = parse(resolveSchema, req.body);
    const actor = actorOf(req);
    const row = await reconciliation.resolve(id, note, actor.email ?? `${actor.type}:${actor.id}`);
    await sendJson(req, res, 200, discrepancyObject(row));
  });

  return router;
}
