/**
 * End-to-end payment benchmark against a running stack (its stack.json is the first argument;
 * bench/run.mjs starts one and passes the Temporal store's name in BENCH_TEMPORAL). In one run, on
 * one Temporal server, in this order:
 *
 * 1. Baseline: a trivial one-activity workflow (bench/baseline/), the physical limit.
 * 2. Throughput: auto-paid payments in a closed loop; CPU per payment per component from /proc,
 *    peak RSS; then the history events and workflow tasks of a few of them. Ratio = 2 ÷ 1.
 * 3. Create latency, open loop at half the capacity 2 measured.
 * 4. Overload, open loop at 3× that capacity: statuses, Retry-After, latencies, hangs.
 * 5. Scaling: throughput with 1 and 2 workers, 1 and 2 API processes.
 * 6. Refunds and webhooks.
 * 7. Expiry: what closing one unpaid payment costs, CPU per component, on an otherwise idle stack.
 * 8. Abandonment: many unpaid payments left open, then throughput again; what one costs.
 *
 * Raw figures go to bench/results/payments-<store>-<time>.json; a table is printed at the end.
 * Sizes come from the environment (README "Benchmark"), so a quick run uses the same code, and
 * BENCH_PHASES (e.g. `throughput,latency`) runs only some phases, to compare one change back to back.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openContext } from './lib/context';
import { dropPercent, round } from './lib/stats';
import { readStack } from './lib/tongbao';
import { abandonedCost, abandonedTotals, abandonPayments, waitUntilClosed } from './phases/abandonment';
import { baseline } from './phases/baseline';
import { expiryCost } from './phases/expiry';
import { historiesPerPayment } from './phases/histories';
import { createLatency, overload } from './phases/latency';
import { refunds } from './phases/refunds';
import { scaling } from './phases/scaling';
import { throughput } from './phases/throughput';
import { webhooks } from './phases/webhooks';
import { summaryTable } from './report';

const size = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PAYMENTS = size('BENCH_PAYMENTS', 400);
const CONCURRENCY = size('BENCH_CONCURRENCY', 16);
const SIZES = {
  payments: PAYMENTS,
  concurrency: CONCURRENCY,
  baseline_workflows: size('BENCH_BASELINE_WORKFLOWS', PAYMENTS),
  histories: size('BENCH_HISTORIES', 5),
  latency_seconds: size('BENCH_SECONDS', 20),
  overload_seconds: size('BENCH_OVERLOAD_SECONDS', 20),
  scaling_payments: size('BENCH_SCALING_PAYMENTS', Math.ceil(PAYMENTS / 2)),
  refunds: size('BENCH_REFUNDS', 50),
  webhooks: size('BENCH_WEBHOOKS', 50),
  abandoned: size('BENCH_ABANDONED', 10_000),
  payments_with_abandoned: size('BENCH_PAYMENTS_WITH_ABANDONED', Math.ceil(PAYMENTS / 2)),
  // Created within the minute they expire in (at ~12/s), so that none expires before the last is created.
  expiring: size('BENCH_EXPIRING', 500),
};

const PHASE_NAMES = [
  'baseline',
  'throughput',
  'latency',
  'overload',
  'scaling',
  'refunds',
  'expiry',
  'abandonment',
] as const;
type Phase = (typeof PHASE_NAMES)[number];
const PHASES = new Set<Phase>(
  process.env.BENCH_PHASES
    ? process.env.BENCH_PHASES.split(',').map((name) => {
        if (!(PHASE_NAMES as readonly string[]).includes(name.trim()))
          throw new Error(`BENCH_PHASES: ${name} is not one of ${PHASE_NAMES.join(', ')}`);
        return name.trim() as Phase;
      })
    : PHASE_NAMES,
);

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

async function main(): Promise<void> {
  const stack = readStack(process.argv[2] ?? '.tongbao/stack.json');
  const store = process.env.BENCH_TEMPORAL ?? 'unknown';
  const ctx = await openContext(stack);
  const at = new Date().toISOString();
  const result: Record<string, unknown> = {
    benchmark: 'payments-end-to-end',
    at,
    temporal_store: store,
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model,
      memory_gib: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      load_average_at_start: os.loadavg().map(round),
    },
    sizes: SIZES,
  };
  try {
    let limit: Awaited<ReturnType<typeof baseline>> | undefined;
    if (PHASES.has('baseline')) {
      log(`baseline: ${SIZES.baseline_workflows} trivial workflows at concurrency ${CONCURRENCY}`);
      limit = await baseline(ctx, { workflows: SIZES.baseline_workflows, concurrency: CONCURRENCY });
      result.baseline = limit;
    }

    // The later phases' rates follow the capacity measured here; without this phase, BENCH_CAPACITY.
    let capacity = Number(process.env.BENCH_CAPACITY ?? 12);
    if (PHASES.has('throughput')) {
      log(`throughput: ${PAYMENTS} payments at concurrency ${CONCURRENCY}`);
      const measured = await throughput(ctx, {
        payments: PAYMENTS,
        concurrency: CONCURRENCY,
        apiUrls: [stack.api_url],
      });
      result.throughput = measured.result;
      capacity = measured.result.completed_payments_per_second;
      if (limit)
        result.ratio_to_baseline = Math.round((capacity / Number(limit.completed_workflows_per_second)) * 100) / 100;
      result.history_per_payment = await historiesPerPayment(ctx, measured.ids, SIZES.histories);
    }

    if (PHASES.has('latency')) {
      const half = Number(process.env.BENCH_RATE ?? Math.max(1, capacity / 2));
      log(`create latency: open loop at ${round(half)}/s for ${SIZES.latency_seconds} s`);
      result.create_latency = await createLatency(ctx, half, SIZES.latency_seconds);
    }
    if (PHASES.has('overload')) {
      log(`overload: open loop at ${round(capacity * 3)}/s for ${SIZES.overload_seconds} s`);
      result.overload = await overload(ctx, Math.max(3, capacity * 3), SIZES.overload_seconds);
    }

    if (PHASES.has('scaling')) {
      log(`scaling: ${SIZES.scaling_payments} payments each with 1/2 workers and 1/2 API processes`);
      result.scaling = await scaling(ctx, SIZES.scaling_payments, CONCURRENCY);
    }

    if (PHASES.has('refunds')) {
      log(`refunds (${SIZES.refunds}) and webhooks (${SIZES.webhooks})`);
      result.refunds = await refunds(ctx, SIZES.refunds);
      result.webhooks = await webhooks(ctx, SIZES.webhooks);
    }

    // Before the abandoned payments: on a stack they keep busy, it would not be idle.
    if (PHASES.has('expiry')) {
      log(`expiry: ${SIZES.expiring} unpaid payments expiring a minute after their create, on an idle stack`);
      result.expiry = await expiryCost(ctx, SIZES.expiring, CONCURRENCY);
    }

    if (PHASES.has('abandonment')) {
      log(`abandonment: ${SIZES.abandoned} unpaid payments, expiring over the next 15 minutes`);
      const { result: abandoned, payments: abandonedPayments } = await abandonPayments(
        ctx,
        SIZES.abandoned,
        CONCURRENCY,
      );
      log(`throughput with them open: ${SIZES.payments_with_abandoned} payments`);
      const withAbandoned = await throughput(ctx, {
        payments: SIZES.payments_with_abandoned,
        concurrency: CONCURRENCY,
        apiUrls: [stack.api_url],
      });
      // The first abandoned payment expires a minute after the phase began: its whole life is measurable.
      const [first, middle] = abandoned.samples;
      if (first) await waitUntilClosed(ctx, first.id, Math.max(0, Date.parse(first.expires_at) + 30_000 - Date.now()));
      result.abandonment = {
        ...abandoned,
        throughput_before: capacity,
        throughput_with_abandoned_open: withAbandoned.result.completed_payments_per_second,
        drop_percent: dropPercent(capacity, withAbandoned.result.completed_payments_per_second),
        throughput_with_abandoned_open_detail: withAbandoned.result,
        abandoned_payments: await Promise.all([first, middle].filter(Boolean).map((s) => abandonedCost(ctx, s))),
        all_abandoned_at_end: await abandonedTotals(ctx, abandonedPayments),
      };
    }
  } finally {
    (result.machine as Record<string, unknown>).load_average_at_end = os.loadavg().map(round);
    const dir = path.resolve(__dirname, '..', '..', 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `payments-${store}-${at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    await ctx.close();
    console.log(summaryTable(result));
    console.log(`raw figures: ${path.relative(process.cwd(), file)}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
