/**
 * Throughput: payments created in a closed loop at fixed concurrency, each paid at once by the
 * sandbox, and completed (succeeded) payments per second from the first create to the last success.
 * Around it: the CPU each component spent (from /proc, start to end of the phase) per completed
 * payment, and each one's peak resident memory during the load.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from '../lib/context';
import { cpuBetween, cpuSnapshot, sampleRssPeaks } from '../lib/proc';
import { latencySummary, round } from '../lib/stats';
import { autoPaidMerchant, closedLoop, createPayment, sleep, waitForSucceeded } from '../lib/tongbao';

/** How long the bench waits for payments to succeed after the last create. */
export const DRAIN_MS = Number(process.env.BENCH_DRAIN_SECONDS ?? 180) * 1000;

export interface ThroughputResult {
  payments: number;
  concurrency: number;
  api_processes: number;
  workers: number;
  create_refused: Record<string, number>;
  succeeded: number;
  not_succeeded_in_time: number;
  seconds_to_create_all: number;
  seconds_to_complete_all: number;
  completed_payments_per_second: number;
  create_latency_ms: ReturnType<typeof latencySummary>;
  /** CPU ms per completed payment: per component, API + worker, every component, and the bench itself. */
  cpu_ms_per_payment: Record<string, number>;
  peak_rss_mb: Record<string, number>;
}

export async function throughput(
  ctx: BenchContext,
  { payments, concurrency, apiUrls }: { payments: number; concurrency: number; apiUrls: string[] },
): Promise<{ result: ThroughputResult; ids: string[] }> {
  const merchant = await autoPaidMerchant(ctx.stack, 'throughput');
  const groups = await ctx.groups();
  const rss = sampleRssPeaks({
    api: groups.api,
    worker: groups.worker,
    worker_plus_api: [...groups.worker, ...groups.api],
    temporal: groups.temporal,
  });
  const ids: string[] = [];
  const refused: Record<string, number> = {};
  const latencies: number[] = [];
  const cpuStart = cpuSnapshot(groups);
  const benchCpuStart = process.cpuUsage();
  const startedAt = Date.now();
  const started = performance.now();
  await closedLoop(payments, concurrency, async (i) => {
    // A refusal (429, 503) did nothing and says when to come back: the loop does, as a client
    // should (for as long as the bench waits for payments to drain), so that past what the API
    // admits the phase still measures completed payments, not how fast refusals come (admission
    // keeps fewer than 16 in flight when they would wait past its target latency).
    const idempotencyKey = randomUUID();
    for (;;) {
      const answer = await createPayment(apiUrls[i % apiUrls.length], merchant, i, {}, idempotencyKey);
      if (answer.status === 201) {
        ids.push(answer.json.id as string);
        latencies.push(answer.ms);
        return;
      }
      refused[answer.status] = (refused[answer.status] ?? 0) + 1;
      const retryAfter = Number(answer.retryAfter);
      const refusal = (answer.status === 429 || answer.status === 503) && retryAfter >= 0;
      if (!refusal || performance.now() - started + retryAfter * 1000 > DRAIN_MS) return;
      await sleep(retryAfter * 1000);
    }
  });
  const createdSeconds = (performance.now() - started) / 1000;
  const done = await waitForSucceeded(ctx.db, ids, DRAIN_MS);
  // A payment's workflow still closes after it succeeded: that work is the payment's too.
  await sleep(1000);
  const cpu = cpuBetween(cpuStart, cpuSnapshot(await ctx.groups()));
  const benchCpu = process.cpuUsage(benchCpuStart);
  const peaks = rss.stop();
  const seconds = (done.lastAt - startedAt) / 1000;
  const perPayment = (ms: number) => round(ms / Math.max(1, done.count));
  const total = Object.values(cpu).reduce((sum, ms) => sum + ms, 0);
  return {
    ids,
    result: {
      payments,
      concurrency,
      api_processes: groups.api.length,
      workers: groups.worker.length,
      create_refused: refused,
      succeeded: done.count,
      not_succeeded_in_time: ids.length - done.count,
      seconds_to_create_all: round(createdSeconds),
      seconds_to_complete_all: round(seconds),
      completed_payments_per_second: done.count > 0 ? round(done.count / seconds) : 0,
      create_latency_ms: latencySummary(latencies),
      cpu_ms_per_payment: {
        ...Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, perPayment(ms)])),
        api_plus_worker: perPayment((cpu.api ?? 0) + (cpu.worker ?? 0)),
        all_components: perPayment(total),
        bench_client: perPayment((benchCpu.user + benchCpu.system) / 1000),
      },
      peak_rss_mb: peaks,
    },
  };
}
