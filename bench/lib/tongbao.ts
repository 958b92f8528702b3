/**
 * The bench's view of a running stack: its stack.json, HTTP calls to the API and the sandbox, and
 * the application database, read directly to learn when payments succeeded (polling the API's list
 * would add API and database work to the very CPU figures the bench measures).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';

/** The parts of stack.json (scripts/stack.mjs) the bench uses. */
export interface StackInfo {
  api_url: string;
  sandbox_url: string;
  admin_token: string;
  temporal_address: string;
  temporal_namespace: string;
  database_url: string;
  processes: Record<string, number>;
  logs_dir: string | null;
  /** What every app process gets: a second worker or API process is started with it. */
  env: Record<string, string>;
}

export function readStack(file: string): StackInfo {
  return JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
}

/** One HTTP answer as the bench records it: `status` is 'timeout' or 'error' when none came. */
export interface Answer {
  status: number | 'timeout' | 'error';
  ms: number;
  json: Record<string, unknown>;
  retryAfter: string | null;
}

/** A request no answer came to within this long counts as hung ('timeout'). */
export const REQUEST_TIMEOUT_MS = Number(process.env.BENCH_REQUEST_TIMEOUT_MS ?? 30_000);

export async function request(
  method: 'GET' | 'POST',
  url: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { body: text.slice(0, 200) };
    }
    return {
      status: response.status,
      ms: performance.now() - started,
      json,
      retryAfter: response.headers.get('retry-after'),
    };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { status: timedOut ? 'timeout' : 'error', ms: performance.now() - started, json: {}, retryAfter: null };
  }
}

export interface Merchant {
  id: string;
  key: string;
}

export async function newMerchant(stack: StackInfo, name: string): Promise<Merchant> {
  const answer = await request('POST', `${stack.api_url}/v1/admin/merchants`, stack.admin_token, {
    name: `Bench ${name} ${Date.now()}`,
  });
  if (answer.status !== 201)
    throw new Error(`could not create a merchant: ${answer.status} ${JSON.stringify(answer.json)}`);
  return { id: answer.json.id as string, key: answer.json.test_secret_key as string };
}

export const paymentBody = (i: number, extra: Record<string, unknown> = {}) => ({
  amount: 100 + (i % 900),
  currency: 'CNY',
  channel: 'alipay_qr',
  description: `Bench ${i}`,
  ...extra,
});

/**
 * Creates one payment on `apiUrl`; its id when the API answered 201. `idempotencyKey`: the key a
 * client sends again with each retry of one create, as API.md asks (the phases that retry refused
 * creates give one; admission lets a refused key's retry wait for a turn ahead of fresh requests).
 */
export async function createPayment(
  apiUrl: string,
  merchant: Merchant,
  i: number,
  extra = {},
  idempotencyKey: string | null = null,
): Promise<Answer> {
  const headers: Record<string, string> = idempotencyKey ? { 'idempotency-key': idempotencyKey } : {};
  return request('POST', `${apiUrl}/v1/payments`, merchant.key, paymentBody(i, extra), headers);
}

/**
 * A merchant whose Alipay trades the sandbox pays at once. The sandbox's rule is per app id, which
 * a first trade tells; that probe is paid by hand, so that it does not stay open as an abandoned order.
 */
export async function autoPaidMerchant(stack: StackInfo, name: string): Promise<Merchant> {
  const merchant = await newMerchant(stack, name);
  const probe = await createPayment(stack.api_url, merchant, 0);
  if (probe.status !== 201)
    throw new Error(`could not create a probe payment: ${probe.status} ${JSON.stringify(probe.json)}`);
  const outTradeNo = probe.json.out_trade_no as string;
  const trade = await request('GET', `${stack.sandbox_url}/_control/trades/alipay/${outTradeNo}`, null);
  const fault = await request('POST', `${stack.sandbox_url}/_control/faults`, null, {
    provider: 'alipay',
    account: trade.json.app_id,
    auto_pay: { outcome: 'success', after_ms: 0 },
  });
  if (fault.status !== 201) throw new Error(`sandbox refused auto_pay: ${fault.status}`);
  await request('POST', `${stack.sandbox_url}/_control/pay`, null, {
    provider: 'alipay',
    out_trade_no: outTradeNo,
    outcome: 'success',
  });
  return merchant;
}

/**
 * The application database, read by the bench: one connection, kept open for the whole run, so its
 * own queries are one backend (left out of PostgreSQL's CPU) and a server short of connections
 * cannot refuse it halfway.
 */
export function openAppDatabase(stack: StackInfo): Pool {
  return new Pool({ connectionString: stack.database_url, max: 1, idleTimeoutMillis: 0 });
}

/** How many of the payments have succeeded, and when the last of those did (ms since the epoch). */
export async function succeeded(db: Pool, ids: readonly string[]): Promise<{ count: number; lastAt: number }> {
  const { rows } = await db.query<{ count: number; last: Date | null }>(
    `select count(*)::int as count, max(succeeded_at) as last from payments where id = any($1::text[]) and status = 'succeeded'`,
    [ids],
  );
  return { count: rows[0].count, lastAt: rows[0].last?.getTime() ?? 0 };
}

/** Waits until every payment has succeeded or `timeoutMs` passed; polled twice a second. */
export async function waitForSucceeded(
  db: Pool,
  ids: readonly string[],
  timeoutMs: number,
): Promise<{ count: number; lastAt: number }> {
  const deadline = Date.now() + timeoutMs;
  let state = { count: 0, lastAt: 0 };
  for (;;) {
    try {
      state = await succeeded(db, ids);
    } catch (error) {
      // A shared server may be out of connections for a moment; the deadline still bounds the wait.
      if (Date.now() >= deadline) throw error;
    }
    if (state.count >= ids.length || Date.now() >= deadline) return state;
    await sleep(500);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work(i)` for i in [0, count) with `concurrency` at once (closed loop). */
export async function closedLoop(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** Starts `work(i)` at `rate` per second for `seconds`, whether or not earlier ones finished (open loop). */
export async function openLoop(rate: number, seconds: number, work: (i: number) => Promise<void>): Promise<number> {
  const total = Math.max(1, Math.round(rate * seconds));
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(work(i));
  }
  await Promise.all(inFlight);
  return total;
}
