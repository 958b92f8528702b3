/**
 * The physical limit: a trivial one-activity workflow (bench/baseline/) on the same Temporal
 * server, run the way the throughput phase runs payments (a closed loop at the same concurrency),
 * each workflow started and waited for. Its completed workflows/s is what Tongbao is a share of.
 */
import { performance } from 'node:perf_hooks';
import type { baselineWorkflow } from '../baseline/baseline.workflow';
import type { BenchContext } from '../lib/context';
import { cpuBetween, cpuSnapshot } from '../lib/proc';
import { startNode } from '../lib/processes';
import { round } from '../lib/stats';
import { closedLoop } from '../lib/tongbao';

const TASK_QUEUE = 'bench-baseline';

export async function baseline(
  ctx: BenchContext,
  { workflows, concurrency }: { workflows: number; concurrency: number },
): Promise<Record<string, unknown>> {
  const worker = await startNode(
    ctx.stack,
    'baseline-worker',
    'dist/bench/baseline/baseline.worker.js',
    {
      TEMPORAL_ADDRESS: ctx.stack.temporal_address,
      TEMPORAL_NAMESPACE: ctx.stack.temporal_namespace,
      BASELINE_TASK_QUEUE: TASK_QUEUE,
    },
    { line: 'baseline worker running' },
  );
  try {
    const groups = { temporal: [ctx.stack.processes.temporal], baseline_worker: [worker.pid] };
    const run = Date.now().toString(36);
    let completed = 0;
    let failed = 0;
    const cpuStart = cpuSnapshot(groups);
    const started = performance.now();
    await closedLoop(workflows, concurrency, async (i) => {
      try {
        // By name: the workflow module is for the worker's bundle, not for Node.
        await ctx.temporal.workflow.execute<typeof baselineWorkflow>('baselineWorkflow', {
          taskQueue: TASK_QUEUE,
          workflowId: `bench-baseline/${run}/${i}`,
          args: [i],
        });
        completed++;
      } catch {
        failed++;
      }
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuBetween(cpuStart, cpuSnapshot(groups));
    return {
      method: 'closed loop: each of `concurrency` callers starts a workflow and waits for its result, then the next',
      workflows,
      concurrency,
      completed,
      failed,
      seconds: round(seconds),
      completed_workflows_per_second: round(completed / seconds),
      cpu_ms_per_workflow: Object.fromEntries(
        Object.entries(cpu).map(([name, ms]) => [name, round(ms / Math.max(1, completed))]),
      ),
    };
  } finally {
    await worker.stop();
  }
}
