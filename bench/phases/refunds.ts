/**
 * Refunds: paid payments refunded in full, first one at a time (the latency a merchant sees on a
 * quiet system), then at concurrency 8 (POST /v1/refunds waits for Alipay's synchronous answer),
 * and 20 refunds of one payment at once (they queue on the payment's row lock).
 */
import { performance } from 'node:perf_hooks';
import type { BenchContext } from '../lib/context';
import { latencySummary, round } from '../lib/stats';
import { autoPaidMerchant, closedLoop, createPayment, request, waitForSucceeded, type Merchant } from '../lib/tongbao';
import { DRAIN_MS } from './throughput';

/** A merchant whose Alipay trades the sandbox pays at once, and `count` of its payments, succeeded. */
async function paidPayments(ctx: BenchContext, count: number): Promise<{ merchant: Merchant; ids: string[] }> {
  const merchant = await autoPaidMerchant(ctx.stack, 'refunds');
  const ids: string[] = [];
  await closedLoop(count, 8, async (i) => {
    const answer = await createPayment(ctx.stack.api_url, merchant, i);
    if (answer.status === 201) ids.push(answer.json.id as string);
  });
  await waitForSucceeded(ctx.db, ids, DRAIN_MS);
  return { merchant, ids };
}

export async function refunds(ctx: BenchContext, count: number): Promise<Record<string, unknown>> {
  const api = ctx.stack.api_url;
  const { merchant, ids } = await paidPayments(ctx, count + 1);
  const refund = (body: Record<string, unknown>) => request('POST', `${api}/v1/refunds`, merchant.key, body);
  const [contended, ...others] = ids;
  const alone = others.slice(0, Math.min(20, Math.floor(others.length / 2)));
  const aloneLatencies: number[] = [];
  for (const id of alone) aloneLatencies.push((await refund({ payment: id })).ms);
  const rest = others.slice(alone.length);
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  await closedLoop(rest.length, 8, async (i) => {
    const answer = await refund({ payment: rest[i] });
    latencies.push(answer.ms);
    const outcome = answer.status === 201 ? String(answer.json.status) : `http_${answer.status}`;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  });
  // 20 refunds of one payment at once: a twentieth of the amount each, so every one fits.
  const payment = await request('GET', `${api}/v1/payments/${contended}`, merchant.key);
  const share = Math.floor(Number(payment.json.amount) / 20);
  const t0 = performance.now();
  const burst = await Promise.all(Array.from({ length: 20 }, () => refund({ payment: contended, amount: share })));
  return {
    one_at_a_time_latency_ms: latencySummary(aloneLatencies),
    refunds: rest.length,
    concurrency: 8,
    outcomes,
    create_latency_ms: latencySummary(latencies),
    twenty_at_once_on_one_payment: {
      accepted: burst.filter((a) => a.status === 201).length,
      wall_ms: round(performance.now() - t0),
      latency_ms: latencySummary(burst.map((a) => a.ms)),
    },
  };
}
