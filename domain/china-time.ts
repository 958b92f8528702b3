// The providers keep their books in China time (UTC+8, no daylight saving): a statement covers
// one China calendar day.
const CHINA_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/**
 * An instant as China's wall clock reads it, as a Date whose UTC fields are China's: format it
 * with `toISOString()` (without its `Z`) or read `getUTCHours()` and the like.
 */
export function inChinaTime(at: Date): Date {
  return new Date(at.getTime() + CHINA_OFFSET_MS);
}

/** The instant a China wall-clock reading names (month 1–12); out-of-range fields roll over, as with Date.UTC. */
export function chinaInstant(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Date {
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - CHINA_OFFSET_MS);
}

/** The China calendar day of an instant, `YYYY-MM-DD`. */
export function chinaDate(at: Date): string {
  return inChinaTime(at).toISOString().slice(0, 10);
}

/** The China calendar day before the one `at` falls on: the day a morning reconciliation covers. */
export function previousChinaDate(at: Date): string {
  return chinaDate(new Date(at.getTime() - DAY_MS));
}

/** The instants a China calendar day begins and ends (exclusive). */
export function chinaDayBounds(date: string): { start: Date; end: Date } {
  const start = new Date(Date.parse(`${date}T00:00:00+08:00`));
  return { start, end: new Date(start.getTime() + DAY_MS) };
}
