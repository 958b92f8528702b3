/**
 * Expiry: what closing one unpaid payment costs the stack. Payments with the API's shortest expiry
 * (a minute) are created as fast as the stack takes them and left unpaid; a minute later they
 * expire at about the rate they were created. The CPU each component spends between the last
 * create and the last expiry, less what it spends idle over as long (measured just before), divided
 * by the expiries in that window, is the CPU of one expiry. With a one-minute expiry the sweep never
 * checks them (its first check falls due as they expire): this is the close alone.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from '../lib/context';
import { cpuBetween, cpuSnapshot } from '../lib/proc';
import { round } from '../lib/stats';
import { closedLoop, createPayment, newMerchant, request, sleep } from '../lib/tongbao';
import { abandonedCost, type AbandonedPayment } from './abandonment';

/** The API's shortest expiry, in seconds. */
const EXPIRES_IN_S = 60;
/** Creates refused later than this are given up: the first payments expire a minute after they began. */
const CREATE_WINDOW_MS = 50_000;
/** How long the stack's idle CPU is measured for (a sweep runs every 30 s: one falls in it). */
const IDLE_MS = 30_000;
/** After the last expiry, the stack finishes what it started (a webhook, the sweep's pass). */
const SETTLE_MS = 3_000;

export interface ExpiryCost {
  created: number;
  /** Creates refused (429/503) and sent again after their Retry-After. */
  create_refusals_retried: number;
  create_seconds: number;
  /** Expiries inside the measured window (those that expired while others were still being created are left out). */
  expiries_measured: number;
  window_seconds: number;
  /** Expiries per second inside the window: about the rate they were created at, when the stack keeps up. */
  expiries_per_second: number;
  /** CPU ms per expiry per component, the idle CPU over the window taken off. */
  cpu_ms_per_expiry: Record<string, number>;
  cpu_ms_per_expiry_total: number;
  /** What the idle stack spent per second, per component (taken off the above). */
  idle_cpu_ms_per_second: Record<string, number>;
  /** One expired payment's history and provider calls. */
  sample: Record<string, unknown>;
}

async function countExpired(ctx: BenchContext, ids: readonly string[]): Promise<number> {
  const { rows } = await ctx.db.query<{ count: number }>(
    `select count(*)::int as count from payments where id = any($1::text[]) and status = 'expired'`,
    [ids],
  );
  return rows[0].count;
}

export async function expiryCost(ctx: BenchContext, count: number, concurrency: number): Promise<ExpiryCost> {
  const merchant = await newMerchant(ctx.stack, 'expiring');
  const idleStart = cpuSnapshot(await ctx.groups());
  const idleBegan = performance.now();
  await sleep(IDLE_MS);
  const idle = cpuBetween(idleStart, cpuSnapshot(await ctx.groups()));
  const idleSeconds = (performance.now() - idleBegan) / 1000;
  const idlePerSecond = Object.fromEntries(Object.entries(idle).map(([name, ms]) => [name, ms / idleSeconds]));

  const created: AbandonedPayment[] = [];
  const began = performance.now();
  let refusals = 0;
  await closedLoop(count, concurrency, async (i) => {
    // Refused creates (429/503: admission keeps fewer in flight than the loop's concurrency) come
    // back after their Retry-After, as a client would: otherwise most of them would be lost and the
    // phase would measure a handful of expiries.
    const idempotencyKey = randomUUID();
    for (;;) {
      const answer = await createPayment(ctx.stack.api_url, merchant, i, { expires_in: EXPIRES_IN_S }, idempotencyKey);
      if (answer.status === 201) {
        created.push({
          id: answer.json.id as string,
          out_trade_no: answer.json.out_trade_no as string,
          expires_at: answer.json.expires_at as string,
        });
        return;
      }
      if ((answer.status !== 429 && answer.status !== 503) || performance.now() - began > CREATE_WINDOW_MS) return;
      refusals++;
      await sleep(Math.max(100, Number(answer.retryAfter ?? 1) * 1000));
    }
  });
  const createSeconds = (performance.now() - began) / 1000;
  const ids = created.map((p) => p.id);

  const start = cpuSnapshot(await ctx.groups());
  const windowBegan = performance.now();
  const expiredBefore = await countExpired(ctx, ids);
  const lastExpiry = Math.max(...created.map((p) => Date.parse(p.expires_at)));
  const deadline = lastExpiry + 5 * 60_000;
  let expired = expiredBefore;
  while (expired < ids.length && Date.now() < deadline) {
    await sleep(1000);
    expired = await countExpired(ctx, ids);
  }
  await sleep(SETTLE_MS);
  const spent = cpuBetween(start, cpuSnapshot(await ctx.groups()));
  const windowSeconds = (performance.now() - windowBegan) / 1000;
  const measured = Math.max(1, expired - expiredBefore);
  const perExpiry = Object.fromEntries(
    Object.entries(spent).map(([name, ms]) => [
      name,
      round(Math.max(0, ms - (idlePerSecond[name] ?? 0) * windowSeconds) / measured),
    ]),
  );
  // The expiries' own span: from the first expiry inside the window to the last.
  const firstInWindow = Math.max(
    Date.now() - windowSeconds * 1000,
    Math.min(...created.map((p) => Date.parse(p.expires_at))),
  );
  const sample = created[Math.floor(created.length / 2)];
  const trade = sample
    ? (await request('GET', `${ctx.stack.sandbox_url}/_control/trades/alipay/${sample.out_trade_no}`, null)).json
    : null;
  return {
    created: created.length,
    create_refusals_retried: refusals,
    create_seconds: round(createSeconds),
    expiries_measured: expired - expiredBefore,
    window_seconds: round(windowSeconds),
    expiries_per_second: round((expired - expiredBefore) / Math.max(1, (lastExpiry - firstInWindow) / 1000)),
    cpu_ms_per_expiry: perExpiry,
    cpu_ms_per_expiry_total: round(Object.values(perExpiry).reduce((sum, ms) => sum + ms, 0)),
    idle_cpu_ms_per_second: Object.fromEntries(Object.entries(idlePerSecond).map(([name, ms]) => [name, round(ms)])),
    sample: sample ? { ...(await abandonedCost(ctx, sample)), sandbox_trade_state: trade?.trade_status } : {},
  };
}
