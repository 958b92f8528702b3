/**
 * Scaling: the throughput phase again with 1 and 2 workers and 1 and 2 API processes (the load
 * split round-robin across the APIs). The extra processes join the running stack with stack.json's
 * environment, as an operator adds them; on one machine they share its cores, so this shows the
 * shape (stateless tiers), not a gain a second machine would give.
 */
import type { BenchContext } from '../lib/context';
import { startExtraApi, startExtraWorker } from '../lib/processes';
import { throughput } from './throughput';

export interface ScalingRow {
  workers: number;
  api_processes: number;
  completed_payments_per_second: number;
  succeeded: number;
  api_plus_worker_cpu_ms_per_payment: number;
  all_components_cpu_ms_per_payment: number;
}

export async function scaling(ctx: BenchContext, payments: number, concurrency: number): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  const measure = async (apiUrls: string[]) => {
    const { result } = await throughput(ctx, { payments, concurrency, apiUrls });
    rows.push({
      workers: result.workers,
      api_processes: result.api_processes,
      completed_payments_per_second: result.completed_payments_per_second,
      succeeded: result.succeeded,
      api_plus_worker_cpu_ms_per_payment: result.cpu_ms_per_payment.api_plus_worker,
      all_components_cpu_ms_per_payment: result.cpu_ms_per_payment.all_components,
    });
  };
  const own = ctx.stack.api_url;
  await measure([own]);
  const api = await startExtraApi(ctx.stack);
  ctx.extra.push(api);
  await measure([own, api.url]);
  const worker = await startExtraWorker(ctx.stack);
  ctx.extra.push(worker);
  await measure([own, api.url]);
  await stopExtra(ctx, api.name);
  await measure([own]);
  await stopExtra(ctx, worker.name);
  return rows;
}

async function stopExtra(ctx: BenchContext, name: string): Promise<void> {
  const index = ctx.extra.findIndex((process) => process.name === name);
  if (index < 0) return;
  const [process] = ctx.extra.splice(index, 1);
  await process.stop();
}
