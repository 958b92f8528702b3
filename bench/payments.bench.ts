/**
 * End-to-end payment benchmark against a running stack (its stack.json is the first argument).
 *
 * 1. Create latency: POST /v1/payments at a fixed rate (open loop: requests leave on schedule
 *    whether or not earlier ones answered), p50/p90/p99/max.
 * 2. Throughput: the sandbox pays every new trade automatically; payments are created with fixed
 *    concurrency and we measure completed (succeeded) payments per second, create to succeeded.
 *
 * 3. Refunds: each of BENCH_REFUNDS paid payments refunded in full at fixed concurrency: the
 *    latency of POST /v1/refunds (it waits for Alipay's synchronous answer), and 20 refunds of one
 *    payment at once (they queue on the payment's row lock).
 * 4. Webhooks: from a payment's succeeded_at to its signed event reaching a local endpoint.
 *
 * Figures are written as JSON to bench/results/. Sizes come from the environment so a quick run
 * and a long one use the same code: BENCH_RATE, BENCH_SECONDS, BENCH_PAYMENTS, BENCH_CONCURRENCY.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

interface StackInfo {
  api_url: string;
  sandbox_url: string;
  admin_token: string;
}

const stack = JSON.parse(readFileSync(process.argv[2] ?? '.tongbao/stack.json', 'utf8')) as StackInfo;
const RATE = Number(process.env.BENCH_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REFUNDS = Number(process.env.BENCH_REFUNDS ?? 100);

async function post(
  url: string,
  token: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round = (ms: number) => Math.round(ms * 10) / 10;

async function newMerchant(): Promise<string> {
  const { status, json } = await post(`${stack.api_url}/v1/admin/merchants`, stack.admin_token, {
    name: `Bench ${Date.now()}`,
  });
  if (status !== 201) throw new Error(`could not create a merchant: ${status} ${JSON.stringify(json)}`);
  return json.test_secret_key as string;
}

const paymentBody = (i: number) => ({
  amount: 100 + (i % 900),
  currency: 'CNY',
  channel: 'alipay_qr',
  description: `Bench ${i}`,
});

async function createLatency(): Promise<Record<string, unknown>> {
  const key = await newMerchant();
  const total = RATE * SECONDS;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(
      (async () => {
        const t0 = performance.now();
        const { status } = await post(`${stack.api_url}/v1/payments`, key, paymentBody(i));
        if (status === 201) latencies.push(performance.now() - t0);
        else errors++;
      })().catch(() => {
        errors++;
      }),
    );
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  return {
    target_rate_per_second: RATE,
    duration_seconds: SECONDS,
    requests: total,
    errors,
    achieved_rate_per_second: round(total / ((performance.now() - started) / 1000)),
    latency_ms: {
      p50: round(percentile(latencies, 50)),
      p90: round(percentile(latencies, 90)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies[latencies.length - 1] ?? Number.NaN),
    },
  };
}

/** Every succeeded payment of the merchant, following the list's pages. */
async function succeededPayments(key: string): Promise<{ id: string; succeeded_at: string }[]> {
  const all: { id: string; succeeded_at: string }[] = [];
  let after = '';
  for (;;) {
    const response = await fetch(
      `${stack.api_url}/v1/payments?status=succeeded&limit=100${after ? `&starting_after=${after}` : ''}`,
      { headers: { authorization: `Bearer ${key}` } },
    );
    const page = (await response.json()) as { data: { id: string; succeeded_at: string }[]; has_more: boolean };
    all.push(...page.data);
    if (!page.has_more || page.data.length === 0) return all;
    after = page.data[page.data.length - 1].id;
  }
}

async function throughput(): Promise<Record<string, unknown>> {
  const key = await newMerchant();
  await autoPayAlipay(key);

  const ids: string[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const startedWall = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < PAYMENTS) {
        const i = next++;
        const { status, json } = await post(`${stack.api_url}/v1/payments`, key, paymentBody(i));
        if (status === 201) ids.push(json.id as string);
        else errors++;
      }
    }),
  );
  const created = performance.now();
  // Wait until every created payment has succeeded (or give up after two minutes). Completion is
  // the latest succeeded_at the API reports, so the polling interval does not blur the figure.
  const pending = new Set(ids);
  let lastSucceededAt = 0;
  const deadline = Date.now() + 120_000;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const payment of await succeededPayments(key)) {
      if (pending.delete(payment.id)) lastSucceededAt = Math.max(lastSucceededAt, Date.parse(payment.succeeded_at));
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const seconds = (lastSucceededAt - startedWall) / 1000;
  return {
    payments: PAYMENTS,
    concurrency: CONCURRENCY,
    create_errors: errors,
    succeeded: ids.length - pending.size,
    not_succeeded_in_time: pending.size,
    seconds_to_create_all: round((created - started) / 1000),
    seconds_to_complete_all: round(seconds),
    completed_payments_per_second: round((ids.length - pending.size) / seconds),
  };
}

const latencySummary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
};

/** Has the sandbox pay every Alipay trade of the merchant (learning its app id from a first trade). */
async function autoPayAlipay(key: string): Promise<void> {
  const probe = await post(`${stack.api_url}/v1/payments`, key, paymentBody(0));
  const trade = (await (
    await fetch(`${stack.sandbox_url}/_control/trades/alipay/${probe.json.out_trade_no}`)
  ).json()) as { app_id: string };
  const fault = await fetch(`${stack.sandbox_url}/_control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'alipay', account: trade.app_id, auto_pay: { outcome: 'success', after_ms: 0 } }),
  });
  if (!fault.ok) throw new Error(`sandbox refused auto_pay: ${fault.status}`);
}

/** A merchant whose Alipay trades the sandbox pays at once, and `count` of its payments, succeeded. */
async function paidPayments(count: number): Promise<{ key: string; ids: string[] }> {
  const key = await newMerchant();
  await autoPayAlipay(key);
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push((await post(`${stack.api_url}/v1/payments`, key, paymentBody(i))).json.id as string);
  const deadline = Date.now() + 120_000;
  while ((await succeededPayments(key)).filter((p) => ids.includes(p.id)).length < ids.length && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 250));
  return { key, ids };
}

async function refunds(): Promise<Record<string, unknown>> {
  const { key, ids } = await paidPayments(REFUNDS + 1);
  const [contended, ...others] = ids;
  // One at a time first: the latency a merchant sees on a quiet system.
  const alone = others.slice(0, 20);
  const aloneLatencies: number[] = [];
  for (const id of alone) {
    const t0 = performance.now();
    await post(`${stack.api_url}/v1/refunds`, key, { payment: id });
    aloneLatencies.push(performance.now() - t0);
  }
  const rest = others.slice(alone.length);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, 8) }, async () => {
      while (next < rest.length) {
        const id = rest[next++];
        const t0 = performance.now();
        const { status, json } = await post(`${stack.api_url}/v1/refunds`, key, { payment: id });
        latencies.push(performance.now() - t0);
        const outcome = status === 201 ? String(json.status) : `http_${status}`;
        statuses[outcome] = (statuses[outcome] ?? 0) + 1;
      }
    }),
  );
  // 20 refunds of one payment at once: a tenth of the amount each, so every one fits.
  const payment = (await (
    await fetch(`${stack.api_url}/v1/payments/${contended}`, { headers: { authorization: `Bearer ${key}` } })
  ).json()) as { amount: number };
  const share = Math.floor(payment.amount / 20);
  const burst: number[] = [];
  const t0 = performance.now();
  const answers = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const started = performance.now();
      const answer = await post(`${stack.api_url}/v1/refunds`, key, { payment: contended, amount: share });
      burst.push(performance.now() - started);
      return answer.status;
    }),
  );
  return {
    one_at_a_time_latency_ms: latencySummary(aloneLatencies),
    refunds: rest.length,
    concurrency: Math.min(CONCURRENCY, 8),
    outcomes: statuses,
    create_latency_ms: latencySummary(latencies),
    twenty_at_once_on_one_payment: {
      accepted: answers.filter((s) => s === 201).length,
      wall_ms: round(performance.now() - t0),
      latency_ms: latencySummary(burst),
    },
  };
}

async function webhooks(): Promise<Record<string, unknown>> {
  const received = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const event = JSON.parse(body) as { data: { object: { id: string } } };
      received.set(event.data.object.id, Date.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const key = await newMerchant();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    const endpoint = await post(`${stack.api_url}/v1/webhook_endpoints`, key, {
      url,
      enabled_events: ['payment.succeeded'],
    });
    if (endpoint.status !== 201) throw new Error(`could not register the endpoint: ${endpoint.status}`);
    const count = Math.min(PAYMENTS, 100);
    await autoPayAlipay(key);
    for (let i = 0; i < count; i++) await post(`${stack.api_url}/v1/payments`, key, paymentBody(i));
    const deadline = Date.now() + 120_000;
    let paid: { id: string; succeeded_at: string }[] = [];
    while (Date.now() < deadline) {
      paid = await succeededPayments(key);
      if (paid.length >= count && paid.every((p) => received.has(p.id))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const delays = paid.filter((p) => received.has(p.id)).map((p) => received.get(p.id)! - Date.parse(p.succeeded_at));
    return { payments: paid.length, delivered: delays.length, succeeded_to_delivered_ms: latencySummary(delays) };
  } finally {
    server.close();
  }
}

async function main(): Promise<void> {
  const result = {
    benchmark: 'payments-end-to-end',
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model,
      memory_gib: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    create_latency: await createLatency(),
    throughput: await throughput(),
    refunds: await refunds(),
    webhooks: await webhooks(),
  };
  const dir = path.resolve(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `payments-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
  console.log(`written to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
