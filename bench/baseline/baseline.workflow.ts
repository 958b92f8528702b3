/**
 * The physical limit the bench compares Tongbao to: the least a workflow can be (start, one
 * activity, complete) on the same Temporal server. Bundled by bench/baseline/baseline.worker.ts only.
 */
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './baseline.activities';

const { echo } = proxyActivities<typeof activities>({ startToCloseTimeout: '30 seconds' });

export async function baselineWorkflow(n: number): Promise<number> {
  return await echo(n);
}
