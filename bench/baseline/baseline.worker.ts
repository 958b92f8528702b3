/**
 * The baseline's worker, in a process of its own on a task queue of its own, so that it shares only
 * the Temporal server with Tongbao. SDK defaults throughout: it is the yardstick, not a tuned rival.
 * Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, BASELINE_TASK_QUEUE.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './baseline.activities';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.BASELINE_TASK_QUEUE ?? 'bench-baseline',
    workflowsPath: require.resolve('./baseline.workflow'),
    activities,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  console.log('baseline worker running');
  await worker.run();
  await connection.close();
}

main().catch((error) => {
  console.error('baseline worker failed:', error);
  process.exit(1);
});
