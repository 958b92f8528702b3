/**
 * What anyone can make the API store does not stay for ever: a daily Temporal Schedule purges
 * idempotency keys past their 24 hours, refused notifications past 30 days and payment exports past 7.
 */
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { queryDb } from './db';
import { createTestMerchant, eventually, testStack } from './stack';

let connection: Connection;
let client: Client;

beforeAll(async () => {
  connection = await Connection.connect({ address: testStack().temporal_address });
  client = new Client({ connection, namespace: testStack().temporal_namespace });
});

afterAll(async () => {
  await connection?.close();
});

test('the worker schedules the purge daily, at 03:30 UTC', async () => {
  const schedule = await eventually(() => client.schedule.getHandle('purge').describe());
  expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'purgeWorkflow' });
  expect(schedule.spec.calendars?.[0]).toMatchObject({
    hour: [{ start: 3, end: 3, step: 1 }],
    minute: [{ start: 30, end: 30, step: 1 }],
  });
});

test('a purge removes idempotency keys past 24 h and refused notifications past 30 days, and nothing else', async () => {
  const { merchantId } = await createTestMerchant();
  const key = (age: string) => ({ key: `purge-${randomUUID()}`, age });
  const keys = [key('25 hours'), key('23 hours')];
  for (const { key: name, age } of keys)
    await queryDb(
      `insert into idempotency_keys (merchant_id, livemode, key, request_method, request_path, request_hash, locked_until, created_at)
       values ($1, false, $2, 'POST', '/v1/payments', 'h', now(), now() - $3::interval)`,
      [merchantId, name, age],
    );
  const account = `pa_purge${randomUUID().replaceAll('-', '')}`;
  const notifications: [string, string][] = [
    ['refused', '31 days'],
    ['refused', '29 days'],
    ['signaled', '31 days'],
  ];
  for (const [outcome, age] of notifications)
    await queryDb(
      `insert into provider_notifications (provider, provider_account_id, outcome, body, received_at)
       values ('alipay', $1, $2, $3, now() - $4::interval)`,
      [account, outcome, age, age],
    );

  await client.schedule.getHandle('purge').trigger();

  await eventually(
    async () => {
      const remainingKeys = await queryDb<{ key: string }>(
        'select key from idempotency_keys where merchant_id = $1 order by created_at',
        [merchantId],
      );
      expect(remainingKeys.map((row) => row.key)).toEqual([keys[1].key]);
      const remaining = await queryDb<{ outcome: string; body: string }>(
        'select outcome, body from provider_notifications where provider_account_id = $1 order by id',
        [account],
      );
      expect(remaining).toEqual([
        { outcome: 'refused', body: '29 days' },
        { outcome: 'signaled', body: '31 days' },
      ]);
    },
    { timeoutMs: 30_000 },
  );
});

test('a purge removes payment exports past their week, with their files, and keeps newer ones', async () => {
  const { merchantId } = await createTestMerchant();
  const suffix = randomUUID().replaceAll('-', '');
  const exports: [string, string][] = [
    [`pexp_old${suffix}`, '8 days'],
    [`pexp_new${suffix}`, '6 days'],
  ];
  for (const [id, age] of exports) {
    await queryDb(
      `insert into payment_exports (id, merchant_id, livemode, status, filters, row_count, created_at)
       values ($1, $2, false, 'ready', '{}', 0, now() - $3::interval)`,
      [id, merchantId, age],
    );
    await queryDb(`insert into payment_export_chunks (export_id, number, row_count, csv) values ($1, 0, 0, 'id\r\n')`, [
      id,
    ]);
  }

  await client.schedule.getHandle('purge').trigger();

  await eventually(
    async () => {
      const remaining = await queryDb<{ id: string }>('select id from payment_exports where merchant_id = $1', [
        merchantId,
      ]);
      expect(remaining.map((row) => row.id)).toEqual([exports[1][0]]);
      const chunks = await queryDb<{ export_id: string }>(
        'select export_id from payment_export_chunks where export_id = any($1)',
        [exports.map(([id]) => id)],
      );
      expect(chunks.map((row) => row.export_id)).toEqual([exports[1][0]]);
    },
    { timeoutMs: 30_000 },
  );
});

test("a purge removes stuck activities' rows once their activity no longer runs: its workflow ended, or a day of silence", async () => {
  // Two workflows on a task queue nobody polls: one runs on, one is terminated while stuck.
  const taskQueue = `purge-nobody-polls-${randomUUID()}`;
  const start = (workflowId: string) =>
    client.workflow.start('purgeWorkflow', { workflowId, taskQueue, workflowExecutionTimeout: '10m' });
  const running = await start(`purge-test/running/${randomUUID()}`);
  const terminated = await start(`purge-test/terminated/${randomUUID()}`);
  await terminated.terminate('stuck; an operator gave up on it');
  const neverKnown = `purge-test/never-known/${randomUUID()}`;
  const rows: [string, string, string][] = [
    [running.workflowId, '1', '1 minute'],
    [running.workflowId, '2', '25 hours'],
    [terminated.workflowId, '1', '1 minute'],
    [neverKnown, '1', '1 minute'],
  ];
  for (const [workflowId, activityId, age] of rows)
    await queryDb(
      `insert into stuck_activities (workflow_id, activity_id, activity_type, attempt, last_failure, updated_at)
       values ($1, $2, 'storePayment', 7, 'Error: database unavailable', now() - $3::interval)`,
      [workflowId, activityId, age],
    );

  try {
    await client.schedule.getHandle('purge').trigger();
    await eventually(
      async () =>
        expect(
          await queryDb('select workflow_id, activity_id from stuck_activities where workflow_id = any($1)', [
            rows.map(([workflowId]) => workflowId),
          ]),
        ).toEqual([{ workflow_id: running.workflowId, activity_id: '1' }]),
      { timeoutMs: 30_000 },
    );
  } finally {
    await running.terminate('test over');
    await queryDb('delete from stuck_activities where workflow_id = $1', [running.workflowId]);
  }
});
