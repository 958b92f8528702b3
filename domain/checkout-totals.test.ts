import { computeCheckoutTotals, percentageInMillionths, type LineInput } from './checkout-totals';

const line = (quantity: number, unitAmount: number, taxRate: LineInput['taxRate'] = null): LineInput => ({
  quantity,
  unitAmount,
  taxRate,
});
const vat13 = { percentage: 13, inclusive: false };
const vat13Inclusive = { percentage: 13, inclusive: true };

describe('checkout totals', () => {
  test('without tax or coupon the total is the sum of the lines', () => {
    expect(computeCheckoutTotals([line(2, 1500), line(1, 999)], null)).toMatchObject({
      amountSubtotal: 3999,
      amountDiscount: 0,
      amountTax: 0,
      amountTotal: 3999,
    });
  });

  test.each([
    // quantity × unit, rate, exclusive tax (half up), total
    [1, 1000, 13, 130, 1130],
    [1, 1005, 13, 131, 1136], // 130.65 → 131
    [1, 50, 13, 7, 57], // 6.5 → 7: half up, not half even
    [3, 333, 6.5, 65, 1064], // 999 × 6.5% = 64.935 → 65
    [1, 1, 0, 0, 1],
  ])('exclusive tax: %i × %i at %d%% adds %i, total %i', (quantity, unit, percentage, tax, total) => {
    const totals = computeCheckoutTotals([line(quantity, unit, { percentage, inclusive: false })], null);
    expect(totals).toMatchObject({ amountTax: tax, amountTotal: total });
  });

  test.each([
    // price including tax, rate, tax within it
    [1130, 13, 130],
    [1000, 13, 115], // 1000 − 1000/1.13 = 115.04 → 115
    [113, 13, 13],
    [57, 13, 7], // 57 − 50.44 = 6.56 → 57 − 50 = 7
  ])('inclusive tax: ¥%i at %d%% contains %i and adds nothing', (price, percentage, tax) => {
    const totals = computeCheckoutTotals([line(1, price, { percentage, inclusive: true })], null);
    expect(totals).toMatchObject({ amountTax: tax, amountTotal: price });
  });

  test('a percentage coupon comes off each line, rounded per line, before tax', () => {
    // 333 × 15% = 49.95 → 50 on each line; taxable 283 → 13% = 36.79 → 37
    const totals = computeCheckoutTotals([line(1, 333, vat13), line(1, 333, vat13)], {
      percentOff: 15,
      amountOff: null,
    });
    expect(totals.lines).toEqual([
      { amountSubtotal: 333, amountDiscount: 50, amountTax: 37, amountTotal: 320 },
      { amountSubtotal: 333, amountDiscount: 50, amountTax: 37, amountTotal: 320 },
    ]);
    expect(totals).toMatchObject({ amountSubtotal: 666, amountDiscount: 100, amountTax: 74, amountTotal: 640 });
  });

  test('a fixed coupon is shared in proportion, the odd fen to the largest remainder, and never exceeds the order', () => {
    const shared = computeCheckoutTotals([line(1, 100), line(1, 200)], { percentOff: null, amountOff: 100 });
    expect(shared.lines.map((l) => l.amountDiscount)).toEqual([33, 67]);
    expect(shared.amountTotal).toBe(200);
    const capped = computeCheckoutTotals([line(1, 300)], { percentOff: null, amountOff: 5000 });
    expect(capped).toMatchObject({ amountDiscount: 300, amountTotal: 0 });
  });

  test('a coupon and an inclusive tax rate: the tax is what the discounted price contains', () => {
    const totals = computeCheckoutTotals([line(2, 5650, vat13Inclusive)], { percentOff: 10, amountOff: null });
    // 11300 − 1130 = 10170; 10170 / 1.13 = 9000 → tax 1170
    expect(totals).toMatchObject({ amountSubtotal: 11300, amountDiscount: 1130, amountTax: 1170, amountTotal: 10170 });
  });

  test('large orders stay exact', () => {
    const totals = computeCheckoutTotals([line(9999, 99_999_999, { percentage: 12.3456, inclusive: false })], null);
    const subtotal = 9999n * 99_999_999n;
    expect(BigInt(totals.amountSubtotal)).toBe(subtotal);
    expect(BigInt(totals.amountTax)).toBe((2n * subtotal * 123_456n + 1_000_000n) / 2_000_000n);
  });

  test.each([-1, 100.5, 1.23456, Number.NaN])('a percentage of %d is refused', (percentage) => {
    expect(() => percentageInMillionths(percentage)).toThrow(RangeError);
  });
});
