import { WorkflowNotFoundError } from '@temporalio/client';
import {
  FIRST_CHECK_AFTER_SECONDS,
  MAX_CHECK_GAP_SECONDS,
  MIN_CHECK_GAP_SECONDS,
  PROVIDER_QUERIED_SIGNAL,
} from '../domain/payment-checks';
import type { PaymentStatus } from '../domain/payment';
import type { ProviderTrade } from '../domain/provider-reports';
import { paymentWorkflowId } from '../domain/workflow-ids';
import { ProviderAccountSchema } from '../db/entities';
import type { PaymentProvider } from '../providers/provider';
import type { ActivityDeps } from './deps';
import type { ProviderCache } from '../providers/provider-cache';
import { clearStuckActivity, recordStuckActivity, STUCK_FROM_ATTEMPT } from './stuck-activities';

/** Checks claimed at a time; a sweep claims batches until none is due or its time is up. */
const CHECK_BATCH = 200;
/** Provider queries in flight at once, across accounts: the sweep must not flood a provider. */
const CHECK_CONCURRENCY = 8;
/**
 * A sweep starts no check after this long; the next sweep goes on. Its activity times out at 2
 * minutes: a provider that hangs (adapters give up after their HTTP timeout) cannot hold it past.
 */
const SWEEP_BUDGET_MS = 60_000;
/** How a payment's failed checks appear in `stuck_activities`, beside its workflow's own activities. */
const STUCK_CHECK = { activityId: 'check', activityType: 'queryProviderPayment' };

/** A payment whose check the sweep claimed. */
interface DueCheck {
  id: string;
  providerAccountId: string;
  outTradeNo: string;
  createdAt: Date;
  status: PaymentStatus;
  failedChecks: number;
}

export interface SweepSummary {
  checked: number;
  /** Payments whose workflow was signaled: the provider had news. */
  news: number;
  failed: number;
}

export function createPaymentCheckActivities(deps: ActivityDeps, providers: ProviderCache) {
  const { db } = deps;
  const scale = deps.timeScale;

  /**
   * Claims up to CHECK_BATCH open payments whose check is due and sets their next check, in one
   * statement: `skip locked` lets several sweeps (workers) share the work, and a check that dies
   * half-way is simply due again later.
   */
  async function claimDueChecks(): Promise<DueCheck[]> {
    return db.fork().execute<DueCheck[]>(
      `with due as (
         select id from payments
          where status in ('requires_action', 'processing') and expires_at > now()
            and coalesce(next_check_at, created_at + make_interval(secs => ?)) <= now()
          order by coalesce(next_check_at, created_at)
          limit ? for update skip locked)
       update payments p
          set next_check_at = now() + make_interval(secs => least(?, greatest(?, extract(epoch from now() - p.created_at) * ?)) / ?)
         from due where p.id = due.id
       returning p.id, p.provider_account_id as "providerAccountId", p.out_trade_no as "outTradeNo",
                 p.created_at as "createdAt", p.status, p.failed_checks as "failedChecks"`,
      [FIRST_CHECK_AFTER_SECONDS / scale, CHECK_BATCH, MAX_CHECK_GAP_SECONDS, MIN_CHECK_GAP_SECONDS, scale, scale],
    );
  }

  /** Whether the provider says something the payment's workflow does not know yet. */
  function isNews(payment: DueCheck, trade: ProviderTrade): boolean {
    if (trade.status === 'pending' || trade.status === 'not_found') return false;
    return !(trade.status === 'processing' && payment.status === 'processing');
  }

  async function checkOne(
    payment: DueCheck,
    providerOf: (accountId: string) => Promise<PaymentProvider>,
  ): Promise<'news' | 'quiet'> {
    const workflowId = paymentWorkflowId(payment.id);
    const provider = await providerOf(payment.providerAccountId);
    const trade = await provider.queryPayment({
      outTradeNo: payment.outTradeNo,
      createdAt: new Date(payment.createdAt),
    });
    const news = isNews(payment, trade);
    if (news) {
      try {
        await deps.temporal.workflow.getHandle(workflowId).signal<[ProviderTrade]>(PROVIDER_QUERIED_SIGNAL, trade);
      } catch (error) {
        // The workflow ended meanwhile (expired, canceled): it settled the payment itself.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    if (payment.failedChecks > 0) {
      await db.fork().execute(`update payments set failed_checks = 0 where id = ?`, [payment.id]);
      await clearStuckActivity(db, workflowId, STUCK_CHECK.activityId);
    }
    return news ? 'news' : 'quiet';
  }

  /** A failed check is tried again at the next one; past a few in a row, the payment is listed as stuck. */
  async function checkFailed(payment: DueCheck, error: unknown): Promise<void> {
    const failures = payment.failedChecks + 1;
    await db.fork().execute(`update payments set failed_checks = ? where id = ?`, [failures, payment.id]);
    deps.logger.warn({ err: error, paymentId: payment.id, failures }, 'provider check failed');
    if (failures < STUCK_FROM_ATTEMPT - 1) return;
    await recordStuckActivity(db, {
      workflowId: paymentWorkflowId(payment.id),
      ...STUCK_CHECK,
      attempt: failures,
      lastFailure: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 2000) : String(error),
    });
  }

  return {
    /**
     * One sweep of the open payments whose check is due: asks each one's provider (at most
     * CHECK_CONCURRENCY at once, each account loaded once per batch) and signals the payment's
     * workflow when the provider has news. A check that fails is counted on its payment, never
     * thrown: one provider's outage must not hold up the others' checks.
     */
    async checkOpenPayments(): Promise<SweepSummary> {
      const summary: SweepSummary = { checked: 0, news: 0, failed: 0 };
      const started = Date.now();
      // Payments whose failed checks stopped mattering (they closed) leave the stuck list.
      await db.fork().execute(
        `delete from stuck_activities s where s.activity_id = ? and not exists
           (select 1 from payments p where s.workflow_id = 'payment/' || p.id and p.status in ('requires_action', 'processing'))`,
        [STUCK_CHECK.activityId],
      );
      for (;;) {
        const due = await claimDueChecks();
        // Each account read once per batch: its adapter is kept across sweeps (provider-cache.ts).
        const accounts = new Map<string, Promise<PaymentProvider>>();
        const providerOf = (accountId: string): Promise<PaymentProvider> => {
          let found = accounts.get(accountId);
          if (!found) {
            found = db
              .fork()
              .findOneOrFail(ProviderAccountSchema, { id: accountId })
              .then((row) => providers.providerOf(row));
            accounts.set(accountId, found);
          }
          return found;
        };
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(CHECK_CONCURRENCY, due.length) }, async () => {
            // Past the budget, the claimed rest waits for its next check: the activity must end in time.
            while (next < due.length && Date.now() - started < SWEEP_BUDGET_MS) {
              const payment = due[next++];
              summary.checked++;
              try {
                if ((await checkOne(payment, providerOf)) === 'news') summary.news++;
              } catch (error) {
                summary.failed++;
                await checkFailed(payment, error);
              }
            }
          }),
        );
        if (due.length < CHECK_BATCH || Date.now() - started > SWEEP_BUDGET_MS) break;
      }
      if (summary.checked > 0) deps.logger.info(summary, 'open payments checked at their providers');
      return summary;
    },
  };
}
