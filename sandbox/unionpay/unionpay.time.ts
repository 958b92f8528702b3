// The simulator keeps its own copy of these helpers instead of importing the adapter's: the
// conformance tests are worth more when the two sides do not share code that could be wrong in the same way.
import { chinaInstant, inChinaTime } from '../../domain/china-time';

const china = (date: Date): string => inChinaTime(date).toISOString();

/** txnTime / payTimeout: `yyyyMMddHHmmss`, China time. */
export function formatTxnTime(date: Date): string {
  const iso = china(date);
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** traceTime: `MMddHHmmss`, China time. */
export function formatTraceTime(date: Date): string {
  return formatTxnTime(date).slice(4);
}

/** settleDate: `MMdd`, China time. */
export function formatSettleDate(date: Date): string {
  return formatTxnTime(date).slice(4, 8);
}

/** `yyyyMMddHHmmss` in China time → Date; null when malformed or not a real time. */
export function parseTxnTime(text: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const date = chinaInstant(year, month, day, hour, minute, second);
  return formatTxnTime(date) === text ? date : null;
}
