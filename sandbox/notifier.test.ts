import type { Pool } from 'pg';
import pino from 'pino';
import { openDatabase } from './db';
import { Notifier, type NotificationAttempt, type NotificationHeadersHook } from './notifier';
import { eventually, newOutTradeNo, SANDBOX_TEST_DATABASE_URL, startReceiver, type Receiver } from './sandbox.testing';

// The notifier against real PostgreSQL, in a database of its own: sandboxes of other test files
// share theirs, and their notifiers would claim these notifications for providers they do not know.

function testDatabase(name: string): string {
  const url = new URL(SANDBOX_TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

let pool: Pool;
let receiver: Receiver;
let notifier: Notifier;
const hooks = new Map<string, NotificationHeadersHook>();

beforeAll(async () => {
  pool = await openDatabase(testDatabase('tongbao_sandbox_notifier_unit'));
  await pool.query('TRUNCATE sandbox_notifications');
  receiver = await startReceiver();
  receiver.respond = (request) =>
    request.path.endsWith('-refuse-first') && receiver.requests.filter((r) => r.path === request.path).length === 1
      ? { status: 500, body: 'busy' }
      : { status: 200, body: 'ok' };
  notifier = new Notifier(
    pool,
    pino({ level: 'silent' }),
    () => (status) => status === 200,
    (provider) => hooks.get(provider),
  );
  notifier.start();
});

afterAll(async () => {
  await notifier?.stop();
  await receiver?.close();
  await pool?.end();
});

const plan = { copies: 1, drop: false, delayMs: 0, retryScheduleMs: [100, 100] };

const notification = (provider: string, outTradeNo: string, signing?: Record<string, string>) => ({
  provider,
  accountId: 'acct_1',
  outTradeNo,
  kind: 'PAID',
  url: `${receiver.url}/${outTradeNo}`,
  contentType: 'application/json',
  body: `{"out_trade_no":"${outTradeNo}"}`,
  ...(signing ? { signing } : {}),
});

test('a database made before the signing column gets it when opened, and opening it again changes nothing', async () => {
  // A database of its own again: dropping the column under a running notifier would break its polls.
  const older = await openDatabase(testDatabase('tongbao_sandbox_notifier_schema_unit'));
  const columns = async () =>
    (
      await older.query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'sandbox_notifications'",
      )
    ).rows.map((row) => row.column_name);
  try {
    await older.query('ALTER TABLE sandbox_notifications DROP COLUMN IF EXISTS signing');
    expect(await columns()).not.toContain('signing');
    // Opening the database again is what upgrades it: twice, to see it is idempotent.
    for (let i = 0; i < 2; i++) await (await openDatabase(testDatabase('tongbao_sandbox_notifier_schema_unit'))).end();
    expect((await columns()).filter((name) => name === 'signing')).toHaveLength(1);
  } finally {
    await older.end();
  }
});

test('when the first attempt is refused, then the provider hook is asked again for the retry, with the signing stored at enqueue', async () => {
  const seen: NotificationAttempt[] = [];
  hooks.set('hooked', async (attempt) => {
    seen.push(attempt);
    return { 'X-Attempt': String(attempt.attempt), 'X-Mode': String(attempt.signing?.mode) };
  });
  const outTradeNo = `${newOutTradeNo('N')}-refuse-first`;
  await notifier.enqueue(notification('hooked', outTradeNo, { mode: 'tamper', serial: 'K1' }), plan);
  const requests = await eventually(() => {
    const mine = receiver.requests.filter((r) => r.path.endsWith(outTradeNo));
    expect(mine).toHaveLength(2);
    return mine;
  });
  expect(requests.map((r) => [r.headers['x-attempt'], r.headers['x-mode'], r.headers['content-type']])).toEqual([
    ['1', 'tamper', 'application/json'],
    ['2', 'tamper', 'application/json'],
  ]);
  expect(seen).toEqual(
    [1, 2].map((attempt) => ({
      accountId: 'acct_1',
      outTradeNo,
      kind: 'PAID',
      body: `{"out_trade_no":"${outTradeNo}"}`,
      attempt,
      signing: { mode: 'tamper', serial: 'K1' },
    })),
  );
  await eventually(async () => {
    const [record] = await notifier.listFor('hooked', 'acct_1', outTradeNo);
    expect(record).toMatchObject({ state: 'delivered', attempts: [{ status: 500 }, { status: 200 }] });
  });
});

test('a hook that fails fails that attempt only: it is recorded with the cause and retried', async () => {
  let calls = 0;
  hooks.set('flaky', () => {
    calls += 1;
    return calls === 1 ? Promise.reject(new Error('key store unreachable')) : Promise.resolve({ 'X-Signed': 'yes' });
  });
  const outTradeNo = newOutTradeNo('N');
  await notifier.enqueue(notification('flaky', outTradeNo), plan);
  await eventually(async () => {
    const [record] = await notifier.listFor('flaky', 'acct_1', outTradeNo);
    expect(record).toMatchObject({ state: 'delivered', attempts: [{ status: null }, { status: 200 }] });
    expect(record.attempts[0].error).toBe(
      "NotificationHeadersError: flaky could not make this attempt's headers (Error: key store unreachable)",
    );
  });
  const mine = receiver.requests.filter((r) => r.path.endsWith(outTradeNo));
  expect(mine).toHaveLength(1);
  expect(mine[0].headers['x-signed']).toBe('yes');
});

test('a provider without a hook sends its body and content type only', async () => {
  const outTradeNo = newOutTradeNo('N');
  await notifier.enqueue(
    { ...notification('plain', outTradeNo), contentType: 'application/x-www-form-urlencoded' },
    plan,
  );
  const [request] = await eventually(() => {
    const mine = receiver.requests.filter((r) => r.path.endsWith(outTradeNo));
    expect(mine).toHaveLength(1);
    return mine;
  });
  expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
  expect(Object.keys(request.headers).filter((name) => name.startsWith('x-') || name.startsWith('wechatpay-'))).toEqual(
    [],
  );
});
