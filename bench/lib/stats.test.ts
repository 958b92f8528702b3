import { dropPercent, latencySummary, percentile } from './stats';

describe('summaries', () => {
  it('takes the nearest-rank percentile', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes latencies given in any order', () => {
    expect(latencySummary([30, 10, 20])).toEqual({ count: 3, p50: 20, p90: 30, p99: 30, max: 30 });
  });

  it('says how much a figure dropped, in percent', () => {
    expect(dropPercent(40, 30)).toBe(25);
    expect(dropPercent(40, 44)).toBe(-10);
  });
});
