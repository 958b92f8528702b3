import type { StatementEntry } from '../../providers/provider';

/** A succeeded payment or refund of ours, as reconciliation compares it with a statement line. */
export interface LedgerEntry {
  kind: 'payment' | 'refund';
  outTradeNo: string;
  outRefundNo: string | null;
  amountMinor: number;
  paymentId: string;
  refundId: string | null;
  /** Our status of the payment or refund; only `succeeded` ones belong in a statement. */
  status: string;
}

export type DiscrepancyKind = 'missing_here' | 'missing_there' | 'amount_differs';

export interface Discrepancy {
  kind: DiscrepancyKind;
  objectType: 'payment' | 'refund';
  outTradeNo: string;
  outRefundNo: string | null;
  paymentId: string | null;
  refundId: string | null;
  ourAmount: number | null;
  providerAmount: number | null;
  note: string | null;
}

const keyOf = (entry: { kind: string; outTradeNo: string; outRefundNo: string | null }): string =>
  `${entry.kind}:${entry.outTradeNo}:${entry.kind === 'refund' ? (entry.outRefundNo ?? '') : ''}`;

/**
 * Matches a provider's statement of one day against our books.
 *
 * `ofTheDay` are our succeeded payments and refunds of that day: each must be on the statement
 * (else `missing_there`). `known` are our records of every order the statement names, whatever
 * their day or status: a line matching none of them, or one we do not hold as succeeded, is
 * `missing_here`. Looking the statement's lines up across days keeps a payment that completed at
 * the provider just before midnight and reached us just after from counting as missing here.
 */
export function matchStatement(
  statement: StatementEntry[],
  ofTheDay: LedgerEntry[],
  known: LedgerEntry[],
): { matched: number; discrepancies: Discrepancy[] } {
  const ours = new Map<string, LedgerEntry>();
  for (const entry of [...known, ...ofTheDay]) ours.set(keyOf(entry), entry);
  const onStatement = new Set<string>();
  const discrepancies: Discrepancy[] = [];
  let matched = 0;

  for (const line of statement) {
    const key = keyOf(line);
    onStatement.add(key);
    const entry = ours.get(key);
    const base = {
      objectType: line.kind,
      outTradeNo: line.outTradeNo,
      outRefundNo: line.outRefundNo,
      providerAmount: line.amountMinor,
    } as const;
    if (!entry) {
      discrepancies.push({
        ...base,
        kind: 'missing_here',
        paymentId: null,
        refundId: null,
        ourAmount: null,
        note: `no ${line.kind} of ours has this number`,
      });
      continue;
    }
    const ids = { paymentId: entry.paymentId, refundId: entry.refundId, ourAmount: entry.amountMinor };
    if (entry.status !== 'succeeded') {
      discrepancies.push({ ...base, ...ids, kind: 'missing_here', note: `the ${line.kind} is ${entry.status} here` });
    } else if (entry.amountMinor !== line.amountMinor) {
      discrepancies.push({ ...base, ...ids, kind: 'amount_differs', note: null });
    } else {
      matched += 1;
    }
  }

  for (const entry of ofTheDay) {
    if (onStatement.has(keyOf(entry))) continue;
    discrepancies.push({
      kind: 'missing_there',
      objectType: entry.kind,
      outTradeNo: entry.outTradeNo,
      outRefundNo: entry.outRefundNo,
      paymentId: entry.paymentId,
      refundId: entry.refundId,
      ourAmount: entry.amountMinor,
      providerAmount: null,
      note: null,
    });
  }
  return { matched, discrepancies };
}
