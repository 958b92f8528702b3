import { DELIVERY_WINDOW_SECONDS, deliveryScheduleSeconds } from './webhook-schedule';

describe('the webhook retry schedule', () => {
  const schedule = deliveryScheduleSeconds();

  test('tries at once, then backs off quickly: 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h apart', () => {
    const gaps = schedule.slice(1, 8).map((offset, i) => offset - schedule[i]);
    expect(schedule[0]).toBe(0);
    expect(gaps).toEqual([30, 120, 600, 1800, 3600, 7200, 14400]);
  });

  test('then every 8 hours, until 3 days have passed since the first attempt, and no later', () => {
    const later = schedule.slice(8).map((offset, i) => offset - schedule[7 + i]);
    expect(later.length).toBeGreaterThan(0);
    expect(new Set(later)).toEqual(new Set([8 * 3600]));
    const last = schedule[schedule.length - 1];
    expect(last).toBeLessThanOrEqual(DELIVERY_WINDOW_SECONDS);
    expect(last + 8 * 3600).toBeGreaterThan(DELIVERY_WINDOW_SECONDS);
    expect(last).toBe(71 * 3600 + 42 * 60 + 30);
    expect(schedule).toHaveLength(16);
  });
});
