import type { ReconciliationSummary } from '../domain/reconciliation-summary';
import { ApplicationFailure } from '@temporalio/common';
import { chinaDayBounds } from '../domain/china-time';
import { newId } from '../domain/ids';
import { loadProviderAccount } from '../db/provider-accounts.store';
import { ProviderError } from '../providers/errors';
import type { StatementEntry } from '../providers/provider';
import { providerFor } from '../providers/registry';
import { matchStatement, type LedgerEntry } from './reconciliation/match-statement';
import type { ActivityDeps } from './deps';

interface LedgerRow {
  kind: 'payment' | 'refund';
  out_trade_no: string;
  out_refund_no: string | null;
  amount: string;
  payment_id: string;
  refund_id: string | null;
  status: string;
}

/** A finding of the day's previous run, with the admin's resolution if it has one. */
interface Resolution {
  kind: string;
  out_trade_no: string;
  out_refund_no: string | null;
  our_amount: string | null;
  provider_amount: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution_note: string | null;
}

const toLedger = (row: LedgerRow): LedgerEntry => ({
  kind: row.kind,
  outTradeNo: row.out_trade_no,
  outRefundNo: row.out_refund_no,
  amountMinor: Number(row.amount),
  paymentId: row.payment_id,
  refundId: row.refund_id,
  status: row.status,
});

const PAYMENTS = `select 'payment' as kind, p.out_trade_no, null as out_refund_no, p.amount, p.id as payment_id, null as refund_id, p.status from payments p`;
const REFUNDS = `select 'refund' as kind, p.out_trade_no, r.out_refund_no, r.amount, p.id as payment_id, r.id as refund_id, r.status from refunds r join payments p on p.id = r.payment_id`;

export function createReconciliationActivities(deps: ActivityDeps) {
  const { db } = deps;

  /** Our succeeded payments and refunds of one provider account and day, and our records of every order the statement names. */
  async function ledger(
    accountId: string,
    date: string,
    statement: StatementEntry[],
  ): Promise<{ ofTheDay: LedgerEntry[]; known: LedgerEntry[] }> {
    const { start, end } = chinaDayBounds(date);
    const ofTheDay = await db.fork().execute<LedgerRow[]>(
      `${PAYMENTS} where p.provider_account_id = ? and p.status = 'succeeded' and p.succeeded_at >= ? and p.succeeded_at < ?
       union all
       ${REFUNDS} where p.provider_account_id = ? and r.status = 'succeeded' and r.succeeded_at >= ? and r.succeeded_at < ?`,
      [accountId, start, end, accountId, start, end],
    );
    const orders = [...new Set(statement.map((line) => line.outTradeNo))];
    const known = orders.length
      ? await db.fork().execute<LedgerRow[]>(
          `${PAYMENTS} where p.provider_account_id = ? and p.out_trade_no in (?)
           union all
           ${REFUNDS} where p.provider_account_id = ? and p.out_trade_no in (?)`,
          [accountId, orders, accountId, orders],
        )
      : [];
    return { ofTheDay: ofTheDay.map(toLedger), known: known.map(toLedger) };
  }

  return {
    /**
     * Fetches one provider account's statement of one China business day, matches it against our
     * payments and refunds, and records the run and what differs. A second run of the same day
     * replaces the first one's discrepancies. The statement never passes through the workflow's
     * history: a busy day's file can be large.
     */
    async reconcileDay(input: { providerAccountId: string; date: string }): Promise<ReconciliationSummary> {
      const account = await loadProviderAccount(db.fork(), deps.secretBox, input.providerAccountId);
      if (!account)
        throw ApplicationFailure.nonRetryable(
          `provider account ${input.providerAccountId} is gone`,
          'ProviderAccountMissingError',
        );
      const [{ merchant_id: merchantId }] = await db
        .fork()
        .execute<{ merchant_id: string }[]>(`select merchant_id from provider_accounts where id = ?`, [account.id]);
      const runId = newId('reconciliationRun');
      const summary = (fields: Partial<ReconciliationSummary>): ReconciliationSummary => ({
        runId,
        providerAccountId: account.id,
        date: input.date,
        status: 'completed',
        statementEntries: 0,
        matched: 0,
        discrepancies: 0,
        error: null,
        ...fields,
      });

      let statement: StatementEntry[];
      try {
        statement = await providerFor(account, deps.providerEnv).fetchStatement(input.date);
      } catch (error) {
        // A provider that cannot answer now is retried by Temporal; one that refuses is recorded.
        if (!(error instanceof ProviderError) || error.retryable) throw error;
        await db
          .fork()
          .execute(
            `insert into reconciliation_runs (id, provider_account_id, statement_date, status, error, finished_at) values (?, ?, ?, 'failed', ?, now())`,
            [runId, account.id, input.date, error.message],
          );
        return summary({ status: 'failed', error: error.message });
      }

      const { ofTheDay, known } = await ledger(account.id, input.date, statement);
      const { matched, discrepancies } = matchStatement(statement, ofTheDay, known);
      await db.fork().transactional(async (tx) => {
        await tx.execute(
          `insert into reconciliation_runs (id, provider_account_id, statement_date, status, statement_entries, matched, discrepancies, finished_at) values (?, ?, ?, 'completed', ?, ?, ?, now())`,
          [runId, account.id, input.date, statement.length, matched, discrepancies.length],
        );
        // An admin's resolution stays with its finding: the same kind, order, refund and amounts found again.
        const resolved = await tx.execute<Resolution[]>(
          `delete from reconciliation_discrepancies where provider_account_id = ? and statement_date = ?
           returning kind, out_trade_no, out_refund_no, our_amount::text, provider_amount::text, resolved_at, resolved_by, resolution_note`,
          [account.id, input.date],
        );
        const resolutionOf = (found: (typeof discrepancies)[number]) =>
          resolved.find(
            (row) =>
              row.resolved_at !== null &&
              row.kind === found.kind &&
              row.out_trade_no === found.outTradeNo &&
              row.out_refund_no === found.outRefundNo &&
              row.our_amount === (found.ourAmount === null ? null : String(found.ourAmount)) &&
              row.provider_amount === (found.providerAmount === null ? null : String(found.providerAmount)),
          );
        for (const found of discrepancies) {
          const resolution = resolutionOf(found);
          await tx.execute(
            `insert into reconciliation_discrepancies (run_id, provider_account_id, merchant_id, statement_date, kind, object_type, out_trade_no, out_refund_no, payment_id, refund_id, our_amount, provider_amount, note, resolved_at, resolved_by, resolution_note)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              runId,
              account.id,
              merchantId,
              input.date,
              found.kind,
              found.objectType,
              found.outTradeNo,
              found.outRefundNo,
              found.paymentId,
              found.refundId,
              found.ourAmount,
              found.providerAmount,
              found.note,
              resolution?.resolved_at ?? null,
              resolution?.resolved_by ?? null,
              resolution?.resolution_note ?? null,
            ],
          );
        }
      });
      deps.logger.info(
        {
          providerAccountId: account.id,
          date: input.date,
          entries: statement.length,
          matched,
          discrepancies: discrepancies.length,
        },
        'reconciled',
      );
      return summary({ statementEntries: statement.length, matched, discrepancies: discrepancies.length });
    },
  };
}
