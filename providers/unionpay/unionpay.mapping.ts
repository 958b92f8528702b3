import { assertNever } from '../../domain/assert-never';
import type { ProviderRefundStatus, ProviderTradeStatus } from '../../domain/provider-reports';
import { chinaInstant, inChinaTime } from '../../domain/china-time';

/** The states a transaction UnionPay knows can be in (not_found is the absence of one). */
type KnownTradeStatus = Extract<ProviderTradeStatus, 'succeeded' | 'processing' | 'failed'>;
type KnownRefundStatus = Exclude<ProviderRefundStatus, 'not_found'>;

/** What an `origRespCode` (or a notification's respCode) says about the transaction it describes. */
export type UnionpayTxnOutcome = 'success' | 'in_progress' | 'failure';

/**
 * UnionPay's rule for reading a query (queryTrans, acpAPIId=757): 00 (and A6, success with a
 * defect) is final success; 03, 04 and 05 mean "not known yet, query again"; every other code is
 * a final failure. https://open.unionpay.com/tjweb/acproduct/APIList?acpAPIId=757&apiservId=448
 */
export function txnOutcomeOf(origRespCode: string): UnionpayTxnOutcome {
  if (origRespCode === '00' || origRespCode === 'A6') return 'success';
  if (origRespCode === '03' || origRespCode === '04' || origRespCode === '05') return 'in_progress';
  return 'failure';
}

/** A consume's state in Tongbao's words. */
export function tradeStatusFromUnionpay(origRespCode: string): KnownTradeStatus {
  const outcome = txnOutcomeOf(origRespCode);
  switch (outcome) {
    case 'success':
      return 'succeeded';
    case 'in_progress':
      return 'processing';
    case 'failure':
      return 'failed';
    default:
      return assertNever(outcome);
  }
}

/** A refund's state in Tongbao's words. */
export function refundStatusFromUnionpay(origRespCode: string): KnownRefundStatus {
  const outcome = txnOutcomeOf(origRespCode);
  switch (outcome) {
    case 'success':
      return 'succeeded';
    case 'in_progress':
      return 'pending';
    case 'failure':
      return 'failed';
    default:
      return assertNever(outcome);
  }
}

/** UnionPay's txnAmt: fen, digits only, at most 12 of them. */
const MAX_TXN_AMT = 999_999_999_999;

/** 1999 → "1999". */
export function amountToUnionpay(amountMinor: number): string {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0 || amountMinor > MAX_TXN_AMT) {
    throw new RangeError(`amount must be a whole number of fen from 0 to ${MAX_TXN_AMT}, got ${amountMinor}`);
  }
  return String(amountMinor);
}

/** "1999" → 1999; throws RangeError on anything that is not 1 to 12 digits. */
export function amountFromUnionpay(txnAmt: string): number {
  if (!/^\d{1,12}$/.test(txnAmt)) throw new RangeError(`not a UnionPay amount: ${JSON.stringify(txnAmt)}`);
  return Number(txnAmt);
}

/** A date as UnionPay reads txnTime and payTimeout: China time (UTC+8, no daylight saving), `yyyyMMddHHmmss`. */
export function toUnionpayTime(date: Date): string {
  return inChinaTime(date).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

/** `yyyyMMddHHmmss` China time → Date; null when it is not a real time. */
export function fromUnionpayTime(text: string | undefined): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text ?? '');
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const date = chinaInstant(year, month, day, hour, minute, second);
  // Date.UTC rolls 2024-02-31 over to March.
  return toUnionpayTime(date) === text ? date : null;
}

/**
 * When the card was charged, ISO 8601 UTC. UnionPay gives `traceTime` as `MMddHHmmss` (China
 * time, no year); the year is txnTime's, or the next one when the charge month comes before the
 * order's (an order sent on 31 December, paid on 1 January). Null when either is missing.
 */
export function paidAtFromUnionpay(txnTime: string | undefined, traceTime: string | undefined): string | null {
  const sent = fromUnionpayTime(txnTime);
  if (!sent || !traceTime || !/^\d{10}$/.test(traceTime)) return null;
  const sentYear = Number(txnTime?.slice(0, 4));
  const year = Number(traceTime.slice(0, 2)) < Number(txnTime?.slice(4, 6)) ? sentYear + 1 : sentYear;
  return fromUnionpayTime(`${year}${traceTime}`)?.toISOString() ?? null;
}
