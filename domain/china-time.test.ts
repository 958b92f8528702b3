import { chinaDate, chinaDayBounds, previousChinaDate } from './china-time';

describe('China business days', () => {
  test.each([
    ['2026-11-21T15:59:59.999Z', '2026-11-21'],
    ['2026-11-21T16:00:00.000Z', '2026-11-22'],
    ['2026-12-31T16:30:00.000Z', '2027-01-01'],
  ])('%s falls on %s in China', (instant, day) => {
    expect(chinaDate(new Date(instant))).toBe(day);
  });

  test('a morning reconciliation covers the day before', () => {
    expect(previousChinaDate(new Date('2026-11-22T02:30:00Z'))).toBe('2026-11-21');
  });

  test('a day begins at 16:00 UTC the evening before and lasts 24 hours', () => {
    expect(chinaDayBounds('2026-11-21')).toEqual({
      start: new Date('2026-11-20T16:00:00Z'),
      end: new Date('2026-11-21T16:00:00Z'),
    });
  });
});
