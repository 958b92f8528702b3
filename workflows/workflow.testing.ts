/**
 * For workflow tests: a Temporal dev server of their own, without the rest of the stack.
 *
 *   const env = await startTestTemporal();
 *   const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
 *
 * Time skipping needs Temporal's Java test server, which cannot be had here (no prebuilt binary
 * may be downloaded, and Maven is out of reach), so the tests run on the same Temporal CLI dev
 * server the stack uses, in real time, and make a workflow's days into seconds through its
 * `timeScale` input, as the stack's tests do.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../domain/search-attributes';

/** The stack's Temporal CLI (scripts/tools.mjs finds it, or builds it once from the Go module proxy). */
function temporalCli(): string {
  const out = execFileSync(process.execPath, [path.resolve(__dirname, '..', 'scripts', 'tools.mjs')], {
    encoding: 'utf8',
  });
  const found = /temporal: (\S+)/.exec(out)?.[1];
  if (!found) throw new Error(`scripts/tools.mjs did not name the Temporal CLI:\n${out}`);
  return found;
}

/** An in-memory dev server with Tongbao's search attributes; `teardown()` stops it. */
export function startTestTemporal(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli() },
      ip: '127.0.0.1',
      log: { format: 'pretty', level: 'error' },
      // The server fires a timer up to a second late by default; at a test's time scale a second is
      // days. Within 10 ms, a poll every few scaled hours is as the workflow asked for.
      extraArgs: ['--dynamic-config-value', 'history.timerProcessorMaxTimeShift="10ms"'],
      searchAttributes: ALL_SEARCH_ATTRIBUTE_KEYS,
    },
  });
}

/** One run's history, as `WorkflowHandle.fetchHistory()` answers it. */
export type RunHistory = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/**
 * The histories of a workflow's runs, first to newest: continue-as-new chains them, the start of
 * each run naming the run before it.
 */
export async function runHistories(client: Client, workflowId: string): Promise<RunHistory[]> {
  const histories: RunHistory[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return histories;
}

/** How many events each run's history holds, first to newest. */
export async function runLengths(client: Client, workflowId: string): Promise<number[]> {
  return (await runHistories(client, workflowId)).map((history) => history.events?.length ?? 0);
}

/**
 * With TONGBAO_RECORD_HISTORIES=<dir> (e.g. test/histories), writes each run's history to
 * `<dir>/<name>-run<N>.json`, for workflows/replay.test.ts to replay on later code. Stack traces
 * are left out: they name the directory that recorded them.
 */
export async function recordRuns(client: Client, workflowId: string, name: string): Promise<void> {
  const dir = process.env.TONGBAO_RECORD_HISTORIES;
  if (!dir) return;
  const histories = await runHistories(client, workflowId);
  histories.forEach((history, index) => {
    const json = JSON.parse(historyToJSON(history), (key, value: unknown) =>
      key === 'stackTrace' ? undefined : value,
    );
    fs.writeFileSync(path.join(dir, `${name}-run${index + 1}.json`), `${JSON.stringify(json, null, 2)}\n`);
  });
}
