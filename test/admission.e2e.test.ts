import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createTestMerchant, eventually } from './stack';
import { queryDb } from './db';
import { callApi, startOwnApi, startOwnWorker, stopProcess } from './processes';

// Admission control (api/admission.ts): past its bounds the API refuses a create at once, before
// its Idempotency-Key is claimed or any workflow starts, and says which bound it hit; the same
// create retried with its key later makes exactly one payment. The story runs its own API with
// small bounds (two creates in flight per process, one per merchant), on a task queue no worker
// polls at first, so that admitted creates stay in flight as long as the story needs them to.
const DEADLINE_SECONDS = 10;
/** A refusal is answered at once; the bound is loose because the test machine is shared. */
const AT_ONCE_MS = 1_000;

describe('when the API is at its bounds, creates are refused at once, and their retries are safe', () => {
  const taskQueue = `admission-${process.pid}`;
  let api: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  let apiUrl: string;
  const keys: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

  beforeAll(async () => {
    ({ api, apiUrl } = await startOwnApi(taskQueue, {
      TONGBAO_API_MAX_IN_FLIGHT: '2',
      TONGBAO_API_MAX_IN_FLIGHT_PER_MERCHANT: '1',
      TONGBAO_API_MAX_QUEUE_MS: '50',
      // Admitted creates wait on a workflow no worker runs: their slowness must not lower the limit.
      TONGBAO_API_TARGET_LATENCY_MS: String(3_600_000),
      TONGBAO_API_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
    }));
    for (const name of ['a', 'b', 'c'] as const) keys[name] = (await createTestMerchant()).secretKey;
  }, 120_000);

  afterAll(async () => {
    await stopProcess(api);
    await stopProcess(worker);
  });

  const create = (merchant: 'a' | 'b' | 'c', idempotencyKey: string) =>
    callApi(
      apiUrl,
      keys[merchant],
      'POST',
      '/v1/payments',
      { amount: 100, currency: 'CNY', channel: 'alipay_qr', description: `Admission ${idempotencyKey}` },
      idempotencyKey,
    );
  const claimedKeys = async (idempotencyKey: string) =>
    (await queryDb('select 1 from idempotency_keys where key = $1', [idempotencyKey])).length;
  const paymentsOf = (idempotencyKey: string) =>
    queryDb<{ id: string }>('select id from payments where description = $1', [`Admission ${idempotencyKey}`]);

  const sent: Record<string, ReturnType<typeof create>> = {};

  /** Sends a create and waits until it has been admitted (it claimed its key), leaving it in flight. */
  async function inFlight(merchant: 'a' | 'b' | 'c', idempotencyKey: string): Promise<void> {
    sent[idempotencyKey] = create(merchant, idempotencyKey);
    await eventually(async () => expect(await claimedKeys(idempotencyKey)).toBe(1));
  }

  const ids = { a1: randomUUID(), a2: randomUUID(), b1: randomUUID(), c1: randomUUID() };

  test("past a merchant's bound its create is answered 429 at once, with Retry-After, and nothing of it is kept", async () => {
    await inFlight('a', ids.a1);

    const startedAt = Date.now();
    const refused = await create('a', ids.a2);
    expect(Date.now() - startedAt).toBeLessThan(AT_ONCE_MS);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('1');
    expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', code: 'concurrency_limit_exceeded' });
    expect(String((refused.body.error as { message: string }).message)).toMatch(/in flight for this merchant/);
    expect(await claimedKeys(ids.a2)).toBe(0);
    expect(await paymentsOf(ids.a2)).toEqual([]);
  });

  test("past the process's bound a create is answered 503 at once, with Retry-After, and nothing of it is kept", async () => {
    await inFlight('b', ids.b1);

    const startedAt = Date.now();
    const refused = await create('c', ids.c1);
    expect(Date.now() - startedAt).toBeLessThan(AT_ONCE_MS);
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe('1');
    expect(refused.body.error).toMatchObject({ type: 'api_error', code: 'api_overloaded' });
    expect(String((refused.body.error as { message: string }).message)).toMatch(/at capacity/);
    expect(await claimedKeys(ids.c1)).toBe(0);
    expect(await paymentsOf(ids.c1)).toEqual([]);
  });

  test('once a worker runs, the admitted creates succeed, and each refused one retried with its key makes exactly one payment', async () => {
    worker = await startOwnWorker(taskQueue);
    // The admitted ones answer once the worker has made their orders, or 503 at their deadline if it came later.
    for (const key of [ids.a1, ids.b1]) expect([201, 503]).toContain((await sent[key]).status);

    const merchantOf = { [ids.a1]: 'a', [ids.a2]: 'a', [ids.b1]: 'b', [ids.c1]: 'c' } as const;
    const answers: Record<string, string> = {};
    for (const key of [ids.a1, ids.a2, ids.b1, ids.c1]) {
      // As a client told Retry-After would: again while refused, or while an earlier create of the merchant is in flight.
      const created = await eventually(
        async () => {
          const answer = await create(merchantOf[key], key);
          expect(answer.status).toBe(201);
          return answer;
        },
        { timeoutMs: 90_000, intervalMs: 1_000 },
      );
      answers[key] = String(created.body.id);
    }
    for (const key of [ids.a1, ids.a2, ids.b1, ids.c1]) {
      expect((await paymentsOf(key)).map((payment) => payment.id)).toEqual([answers[key]]);
      const again = await create(merchantOf[key], key);
      expect(again.body.id).toBe(answers[key]);
    }
  }, 180_000);
});
