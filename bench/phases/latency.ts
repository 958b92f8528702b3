/**
 * Creates in an open loop (requests leave on schedule whether or not earlier ones answered): at
 * half the measured capacity, the latency a merchant sees; at three times it, whether the API
 * sheds what it cannot take quickly and says when to retry, or lets requests hang.
 * The sandbox pays every trade, so that the phase leaves no open payments behind; the bench waits
 * for the accepted ones to succeed before the next phase.
 */
import type { BenchContext } from '../lib/context';
import { latencySummary, round } from '../lib/stats';
import { autoPaidMerchant, createPayment, openLoop, waitForSucceeded, type Answer } from '../lib/tongbao';
import { DRAIN_MS } from './throughput';

async function createsAt(ctx: BenchContext, rate: number, seconds: number, name: string): Promise<Answer[]> {
  const merchant = await autoPaidMerchant(ctx.stack, name);
  const answers: Answer[] = [];
  await openLoop(rate, seconds, async (i) => {
    answers.push(await createPayment(ctx.stack.api_url, merchant, i));
  });
  await waitForSucceeded(
    ctx.db,
    answers.filter((a) => a.status === 201).map((a) => a.json.id as string),
    DRAIN_MS,
  );
  return answers;
}

const byStatus = (answers: Answer[]) => {
  const counts: Record<string, number> = { '201': 0, '429': 0, '503': 0, other: 0 };
  for (const { status } of answers) {
    const key = status === 201 || status === 429 || status === 503 ? String(status) : 'other';
    counts[key]++;
  }
  return counts;
};

export async function createLatency(
  ctx: BenchContext,
  rate: number,
  seconds: number,
): Promise<Record<string, unknown>> {
  const answers = await createsAt(ctx, rate, seconds, 'latency');
  return {
    target_rate_per_second: round(rate),
    seconds,
    requests: answers.length,
    statuses: byStatus(answers),
    latency_ms: latencySummary(answers.filter((a) => a.status === 201).map((a) => a.ms)),
  };
}

/** A refusal should come this fast: before any work began, so that a retry is safe. */
const REFUSAL_GOAL_MS = 100;
/** No request, accepted or not, should take longer than this. */
const HANG_MS = 1000;

export async function overload(ctx: BenchContext, rate: number, seconds: number): Promise<Record<string, unknown>> {
  const answers = await createsAt(ctx, rate, seconds, 'overload');
  const refused = answers.filter((a) => a.status === 429 || a.status === 503);
  const other = answers.filter((a) => a.status !== 201 && a.status !== 429 && a.status !== 503);
  return {
    target_rate_per_second: round(rate),
    seconds,
    requests: answers.length,
    statuses: byStatus(answers),
    other_statuses: Object.fromEntries(
      [...new Set(other.map((a) => String(a.status)))].map((s) => [
        s,
        other.filter((a) => String(a.status) === s).length,
      ]),
    ),
    accepted_latency_ms: latencySummary(answers.filter((a) => a.status === 201).map((a) => a.ms)),
    refused_latency_ms: latencySummary(refused.map((a) => a.ms)),
    refused_within_100_ms: refused.filter((a) => a.ms <= REFUSAL_GOAL_MS).length,
    refused_without_retry_after: refused.filter((a) => a.retryAfter === null).length,
    every_refusal_had_retry_after: refused.every((a) => a.retryAfter !== null),
    requests_over_1_s: answers.filter((a) => a.ms > HANG_MS).length,
  };
}
