/**
 * Histories recorded by the workflows before their redesign (bc722d2), one of each shape that the
 * e2e tests and the workflow tests produce (each distinct order of activities, timers, signals,
 * updates and search attribute upserts), must replay on the current code: a change that would
 * break the workflows already running fails here, without the stack. test/payment-replay.test.ts
 * replays what the current code records; this replays what earlier code did.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { randomBytes } from 'node:crypto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { tongbaoDataConverter } from '../temporal/payload-codec';

const HISTORIES = path.join(__dirname, '..', 'test', 'histories');

test('payment, refund and webhook histories recorded before the redesign replay without nondeterminism', async () => {
  // Replays of histories whose workflows were still running end in a warning; only errors matter.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const files = fs.readdirSync(HISTORIES).filter((file) => file.endsWith('.json'));
  expect(files.length).toBeGreaterThan(30);
  const histories = files.map((file) => ({
    workflowId: file.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8'))),
  }));
  const failed: string[] = [];
  // With the worker's payload encryption: histories recorded in clear must still decode (they pass through).
  const dataConverter = tongbaoDataConverter(randomBytes(32).toString('base64'));
  for await (const result of Worker.runReplayHistories(
    { workflowsPath: require.resolve('./index'), dataConverter },
    histories,
  )) {
    if (result.error) failed.push(`${result.workflowId}: ${result.error.message.split('\n')[0]}`);
  }
  expect(failed).toEqual([]);
}, 120_000);
