/**
 * A checkout session's totals, computed by the server (API.md "Hosted checkout"): per line,
 * subtotal, discount, tax and total, each rounded half up in minor units; then their sums.
 *
 * Order of work, as Stripe does it: the coupon comes off each line first (a percentage of each
 * line, rounded per line; a fixed amount shared across lines in proportion to their subtotals),
 * and tax is computed on what remains. Inclusive tax is already in the price and is only shown;
 * exclusive tax is added to the total.
 *
 * Percentages are exact decimals with at most 4 places; arithmetic is on integers (BigInt), so no
 * float ever decides a fen.
 */

export interface TaxRateTerms {
  /** e.g. 13 or 6.5; at most 4 decimal places. */
  percentage: number;
  inclusive: boolean;
}

export type CouponTerms = { percentOff: number; amountOff: null } | { percentOff: null; amountOff: number };

export interface LineInput {
  quantity: number;
  unitAmount: number;
  taxRate: TaxRateTerms | null;
}

export interface LineTotals {
  amountSubtotal: number;
  amountDiscount: number;
  amountTax: number;
  amountTotal: number;
}

export interface CheckoutTotals {
  lines: LineTotals[];
  amountSubtotal: number;
  amountDiscount: number;
  amountTax: number;
  amountTotal: number;
}

/** Percentages are carried as millionths of the whole: 13% → 130 000, 6.5% → 65 000. */
const MILLION = 1_000_000n;

export function percentageInMillionths(percentage: number): bigint {
  const scaled = Math.round(percentage * 10_000);
  if (
    !Number.isFinite(percentage) ||
    percentage < 0 ||
    percentage > 100 ||
    Math.abs(scaled - percentage * 10_000) > 1e-6
  ) {
    throw new RangeError(`a percentage is 0 to 100 with at most 4 decimal places, got ${percentage}`);
  }
  return BigInt(scaled);
}

/** numerator ÷ denominator, rounded half up; both non-negative. */
function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}

function percentOf(amount: bigint, millionths: bigint): bigint {
  return divideHalfUp(amount * millionths, MILLION);
}

/** A fixed discount shared across lines in proportion to their subtotals; the fen left over go to the largest remainders. */
function shareFixedDiscount(subtotals: bigint[], discount: bigint): bigint[] {
  const total = subtotals.reduce((sum, value) => sum + value, 0n);
  if (total === 0n) return subtotals.map(() => 0n);
  const capped = discount < total ? discount : total;
  const shares = subtotals.map((value) => (capped * value) / total);
  let left = capped - shares.reduce((sum, value) => sum + value, 0n);
  const byRemainder = subtotals
    .map((value, index) => ({ index, remainder: (capped * value) % total }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder) {
    if (left === 0n) break;
    shares[index] += 1n;
    left -= 1n;
  }
  return shares;
}

export function computeCheckoutTotals(lines: LineInput[], coupon: CouponTerms | null): CheckoutTotals {
  const subtotals = lines.map((line) => BigInt(line.quantity) * BigInt(line.unitAmount));
  const discounts =
    coupon === null
      ? subtotals.map(() => 0n)
      : coupon.percentOff !== null
        ? subtotals.map((subtotal) => percentOf(subtotal, percentageInMillionths(coupon.percentOff)))
        : shareFixedDiscount(subtotals, BigInt(coupon.amountOff));

  const lineTotals = lines.map((line, index): LineTotals => {
    const taxable = subtotals[index] - discounts[index];
    let tax = 0n;
    let total = taxable;
    if (line.taxRate) {
      const rate = percentageInMillionths(line.taxRate.percentage);
      if (line.taxRate.inclusive) {
        tax = taxable - divideHalfUp(taxable * MILLION, MILLION + rate);
      } else {
        tax = percentOf(taxable, rate);
        total = taxable + tax;
      }
    }
    return {
      amountSubtotal: Number(subtotals[index]),
      amountDiscount: Number(discounts[index]),
      amountTax: Number(tax),
      amountTotal: Number(total),
    };
  });

  const sum = (pick: (line: LineTotals) => number) => lineTotals.reduce((total, line) => total + pick(line), 0);
  return {
    lines: lineTotals,
    amountSubtotal: sum((line) => line.amountSubtotal),
    amountDiscount: sum((line) => line.amountDiscount),
    amountTax: sum((line) => line.amountTax),
    amountTotal: sum((line) => line.amountTotal),
  };
}
