/** Summaries of measured values: nearest-rank percentiles, rounded for reading. */

/** The nearest-rank percentile `p` (0–100] of values sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** One decimal: the figures are milliseconds and payments per second, and more digits are noise. */
export const round = (value: number): number => Math.round(value * 10) / 10;

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Count, p50/p90/p99 and max of latencies in milliseconds, in any order. */
export function latencySummary(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

/** How much lower `after` is than `before`, in percent (negative when it rose). */
export function dropPercent(before: number, after: number): number {
  return before > 0 ? round(((before - after) / before) * 100) : Number.NaN;
}
