/**
 * Abandonment: many unpaid payments left open (a merchant whose trades nobody pays), expiring over
 * the next 15 minutes, as shoppers who never scan the code leave them; then throughput again, with
 * them open. And what one abandoned payment has cost so far: its history, and its provider calls.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { paymentWorkflowId } from '../../domain/workflow-ids';
import type { BenchContext } from '../lib/context';
import { cpuBetween, cpuSnapshot } from '../lib/proc';
import { round } from '../lib/stats';
import { closedLoop, createPayment, newMerchant, request, sleep } from '../lib/tongbao';
import { paymentHistory } from './histories';

/** Expiries are spread from 1 minute (the API's shortest) to 15 minutes after the phase began. */
const FIRST_EXPIRY_S = 60;
const LAST_EXPIRY_S = 15 * 60;
/** Attempts per payment when the API refuses it with 429/503 (each after its Retry-After). */
const MAX_ATTEMPTS = 20;

export interface Abandoned {
  created: number;
  failed: number;
  /** What the given-up creates were last answered: a status, `timeout` or `error`. */
  failed_last_answers: Record<string, number>;
  retried_after_refusal: number;
  seconds: number;
  creates_per_second: number;
  /** CPU ms per abandoned payment created, per component, while they were being created. */
  create_cpu_ms_per_payment: Record<string, number>;
  /** The first one created (earliest expiry) and one from the middle: id and when it expires. */
  samples: AbandonedPayment[];
}

export interface AbandonedPayment {
  id: string;
  out_trade_no: string;
  expires_at: string;
}

export async function abandonPayments(
  ctx: BenchContext,
  count: number,
  concurrency: number,
): Promise<{ result: Abandoned; payments: AbandonedPayment[] }> {
  const merchant = await newMerchant(ctx.stack, 'abandoned');
  const began = Date.now();
  const created: AbandonedPayment[] = [];
  const groups = await ctx.groups();
  const cpuStart = cpuSnapshot(groups);
  let failed = 0;
  const failedLastAnswers: Record<string, number> = {};
  let retried = 0;
  const started = performance.now();
  await closedLoop(count, concurrency, async (i) => {
    const expiresAt = began + (FIRST_EXPIRY_S + (i * (LAST_EXPIRY_S - FIRST_EXPIRY_S)) / Math.max(1, count - 1)) * 1000;
    const idempotencyKey = randomUUID();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const expiresIn = Math.max(FIRST_EXPIRY_S, Math.round((expiresAt - Date.now()) / 1000));
      const answer = await createPayment(ctx.stack.api_url, merchant, i, { expires_in: expiresIn }, idempotencyKey);
      if (answer.status === 201) {
        created[i] = {
          id: answer.json.id as string,
          out_trade_no: answer.json.out_trade_no as string,
          expires_at: answer.json.expires_at as string,
        };
        return;
      }
      if ((answer.status !== 429 && answer.status !== 503) || attempt === MAX_ATTEMPTS) {
        failedLastAnswers[answer.status] = (failedLastAnswers[answer.status] ?? 0) + 1;
        break;
      }
      retried++;
      await sleep(Math.max(100, Number(answer.retryAfter ?? 1) * 1000));
    }
    failed++;
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuBetween(cpuStart, cpuSnapshot(await ctx.groups()));
  const done = created.filter(Boolean);
  return {
    payments: done,
    result: {
      created: done.length,
      failed,
      failed_last_answers: failedLastAnswers,
      retried_after_refusal: retried,
      seconds: round(seconds),
      creates_per_second: round(done.length / seconds),
      create_cpu_ms_per_payment: Object.fromEntries(
        Object.entries(cpu).map(([name, ms]) => [name, round(ms / Math.max(1, done.length))]),
      ),
      samples: [done[0], done[Math.floor(done.length / 2)]].filter(Boolean),
    },
  };
}

/**
 * All the abandoned payments at the end of the run: how many are in each status, and the provider
 * queries the sandbox answered for them so far (its sandbox_trades.queries, read from its database).
 */
export async function abandonedTotals(
  ctx: BenchContext,
  payments: AbandonedPayment[],
): Promise<Record<string, unknown>> {
  const { rows: statuses } = await ctx.db.query<{ status: string; count: number }>(
    'select status, count(*)::int as count from payments where id = any($1::text[]) group by status',
    [payments.map((p) => p.id)],
  );
  const sandbox = new Pool({ connectionString: ctx.stack.env.SANDBOX_DATABASE_URL, max: 1 });
  try {
    const { rows } = await sandbox.query<{ trades: number; queries: number }>(
      `select count(*)::int as trades, coalesce(sum(queries), 0)::int as queries
         from sandbox_trades where provider = 'alipay' and out_trade_no = any($1::text[])`,
      [payments.map((p) => p.out_trade_no)],
    );
    return {
      statuses: Object.fromEntries(statuses.map((row) => [row.status, row.count])),
      sandbox_trades: rows[0].trades,
      provider_queries_answered: rows[0].queries,
      provider_queries_per_payment: round(rows[0].queries / Math.max(1, payments.length)),
    };
  } finally {
    await sandbox.end();
  }
}

/**
 * What an abandoned payment has cost so far: its history, and its calls to the provider: the
 * precreate (once), the queries the sandbox answered for its trade (`queries`: the sweep's checks
 * run outside the payment's history, so only the sandbox sees them), and the attempts of its close
 * (an activity in the history).
 */
export async function abandonedCost(ctx: BenchContext, sample: AbandonedPayment): Promise<Record<string, unknown>> {
  const history = await paymentHistory(ctx, sample.id);
  const trade = (await request('GET', `${ctx.stack.sandbox_url}/_control/trades/alipay/${sample.out_trade_no}`, null))
    .json;
  const { rows } = await ctx.db.query<{ status: string; created_at: Date }>(
    'select status, created_at from payments where id = $1',
    [sample.id],
  );
  const closeAttempts = Object.entries(history.activity_attempts)
    .filter(([type]) => /close/i.test(type))
    .reduce((sum, [, attempts]) => sum + attempts, 0);
  return {
    payment: sample.id,
    expires_at: sample.expires_at,
    age_seconds: rows[0] ? round((Date.now() - rows[0].created_at.getTime()) / 1000) : null,
    status: rows[0]?.status,
    history,
    provider_calls: {
      total: 1 + Number(trade.queries) + closeAttempts,
      queries: Number(trade.queries),
      closes: closeAttempts,
    },
    sandbox_trade: { queries_answered: trade.queries, state: trade.trade_status, close_reason: trade.close_reason },
  };
}

/** Waits (at most `maxMs`) until the payment's workflow has closed, so that its whole cost shows. */
export async function waitUntilClosed(ctx: BenchContext, paymentId: string, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  const handle = ctx.temporal.workflow.getHandle(paymentWorkflowId(paymentId));
  while (Date.now() < deadline && (await handle.describe()).status.name === 'RUNNING') await sleep(2000);
}
