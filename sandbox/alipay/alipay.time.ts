// The simulator keeps its own copy of these formats instead of importing the adapter's: the
// conformance tests are worth more when the two sides do not share code that could be wrong in the
// same way. Only China's offset itself (domain/china-time.ts) is shared.
import { chinaInstant, inChinaTime } from '../../domain/china-time';

/** A date as Alipay writes it: China time, `yyyy-MM-dd HH:mm:ss`. */
export function formatChinaTime(date: Date): string {
  return inChinaTime(date).toISOString().slice(0, 19).replace('T', ' ');
}

/** `gmt_refund` carries milliseconds: `yyyy-MM-dd HH:mm:ss.SSS`. */
export function formatChinaTimeMillis(date: Date): string {
  return inChinaTime(date).toISOString().slice(0, 23).replace('T', ' ');
}

/** `yyyy-MM-dd HH:mm:ss` in China time → Date; null when malformed or not a real date. */
export function parseChinaTime(text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const ms = chinaInstant(year, month, day, hour, minute, second).getTime();
  const date = new Date(ms);
  // Date.UTC rolls 2024-02-31 over to March; Alipay refuses such dates.
  if (formatChinaTime(date) !== text) return null;
  return date;
}

/**
 * `timeout_express` ("90m", "2h", "1d", "1c") → milliseconds, or null when malformed.
 * https://opendocs.alipay.com/open/02ekfg — range 1m..15d; "1c" closes at the next midnight, China time.
 */
export function parseTimeoutExpress(text: string, now: Date): number | null {
  if (text === '1c') {
    const china = inChinaTime(now);
    const midnight = chinaInstant(china.getUTCFullYear(), china.getUTCMonth() + 1, china.getUTCDate() + 1).getTime();
    return midnight - now.getTime();
  }
  const match = /^([1-9]\d*)([mhd])$/.exec(text);
  if (!match) return null;
  const unit = { m: 60_000, h: 3600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  return ms <= 15 * 86_400_000 ? ms : null;
}
