/**
 * `--temporal=postgres`: Temporal as production runs it, the standalone server on PostgreSQL, started
 * the way the stack starts it (`node scripts/temporal.mjs`, which runs only Temporal and its Web UI
 * from a test-mode config of its own, so this file needs no test stack). The first run on a machine
 * builds temporal-server, its schema tool and the UI server (a few minutes; progress is printed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pg from 'pg';
import type { PurgeSummary } from '../activities/purge.activities';
import { ALL_SEARCH_ATTRIBUTE_KEYS, AmountMinorKey, PaymentIdKey } from '../domain/search-attributes';
import { eventually } from '../sandbox/sandbox.testing';

const ROOT = path.resolve(__dirname, '..');
/** Its databases are tongbao_<NAME>_temporal and …_visibility, apart from every test stack's. */
const NAME = `${process.env.TONGBAO_TEST_STACK_NAME ?? 'test'}_pg`;
const FIRST_BUILD_MS = 15 * 60_000;
interface Ready {
  address: string;
  namespace: string;
  ui_url: string;
  store: string;
}

let temporal: ChildProcess | undefined;
let ready: Ready;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const child = spawn(process.execPath, ['scripts/temporal.mjs', '--temporal=postgres', '--name', NAME], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  temporal = child;
  const output: string[] = [];
  ready = await new Promise<Ready>((resolve, reject) => {
    const onLine = (line: string) => {
      output.push(line);
      // A first build takes minutes: say so as it goes.
      if (/building/.test(line)) process.stdout.write(`${line}\n`);
      if (line.startsWith('temporal ready ')) resolve(JSON.parse(line.slice('temporal ready '.length)) as Ready);
    };
    readline.createInterface({ input: child.stdout! }).on('line', onLine);
    readline.createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) => reject(new Error(`scripts/temporal.mjs exited with ${code}:\n${output.join('\n')}`)));
  });
}, FIRST_BUILD_MS);

afterAll(async () => {
  if (!temporal || temporal.exitCode !== null) return;
  const exited = new Promise((resolve) => temporal!.once('exit', resolve));
  temporal.kill('SIGTERM');
  await exited;
}, 30_000);

test('on PostgreSQL, the namespace has every search attribute, a workflow completes, its history is in PostgreSQL and a search attribute finds it', async () => {
  expect(ready.store).toBe('postgres');
  const connection = await Connection.connect({ address: ready.address });
  const workerConnection = await NativeConnection.connect({ address: ready.address });
  try {
    const { namespace } = ready;
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    expect(listed.customAttributes).toMatchObject(
      Object.fromEntries(
        ALL_SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)]),
      ),
    );

    // The purge workflow is the smallest of Tongbao's: one activity, whose result it returns.
    const summary: PurgeSummary = {
      idempotencyKeys: 1,
      refusedNotifications: 2,
      staleStuckActivities: 3,
      paymentExports: 4,
    };
    const taskQueue = 'postgres-store-test';
    const workflowId = `purge/postgres-store-${Date.now()}`;
    const paymentId = `pay_pg_${Date.now()}`;
    const client = new Client({ connection, namespace });
    const worker = await Worker.create({
      connection: workerConnection,
      namespace,
      taskQueue,
      workflowsPath: require.resolve('../workflows/purge.workflow'),
      activities: { purgeExpiredRecords: async () => summary },
    });
    const result = await worker.runUntil(
      client.workflow.execute('purgeWorkflow', {
        taskQueue,
        workflowId,
        typedSearchAttributes: [
          { key: PaymentIdKey, value: paymentId },
          { key: AmountMinorKey, value: 100 },
        ],
      }),
    );
    expect(result).toEqual(summary);

    const server = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/tongbao');
    server.pathname = `/tongbao_${NAME}_temporal`;
    const db = new pg.Client({ connectionString: server.toString() });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM executions WHERE workflow_id = $1', [workflowId]);
      expect(rows[0].n).toBe(1);
    } finally {
      await db.end();
    }

    // Visibility is written asynchronously, after the workflow closes.
    await eventually(async () => {
      const found = [];
      for await (const execution of client.workflow.list({
        query: `PaymentId = "${paymentId}" AND AmountMinor = 100`,
      })) {
        found.push(execution);
      }
      expect(found.map((execution) => [execution.workflowId, execution.status.name])).toEqual([
        [workflowId, 'COMPLETED'],
      ]);
    });
  } finally {
    await connection.close();
    await workerConnection.close();
  }
});

test('the Web UI is served and reaches the server: its API lists the namespace', async () => {
  const page = await fetch(ready.ui_url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<html');
  const api = await fetch(`${ready.ui_url}/api/v1/namespaces`);
  expect(api.status).toBe(200);
  const body = (await api.json()) as { namespaces: { namespaceInfo: { name: string } }[] };
  expect(body.namespaces.map((entry) => entry.namespaceInfo.name)).toContain(ready.namespace);
});
