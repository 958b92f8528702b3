import { fromDecimalString, toDecimalString } from './money';

describe('money conversions between minor units and provider decimals', () => {
  test.each([
    [0, '0.00'],
    [1, '0.01'],
    [10, '0.10'],
    [99, '0.99'],
    [100, '1.00'],
    [1999, '19.99'],
    [123456789, '1234567.89'],
  ])('%i fen is "%s" yuan, and back', (minor, decimal) => {
    expect(toDecimalString(minor, 'CNY')).toBe(decimal);
    expect(fromDecimalString(decimal, 'CNY')).toBe(minor);
  });

  test.each([
    ['19.9', 1990],
    ['19', 1900],
    [' 0.5 ', 50],
  ])('a provider may drop trailing zeros: "%s" is %i fen', (decimal, minor) => {
    expect(fromDecimalString(decimal, 'CNY')).toBe(minor);
  });

  test.each(['19.999', '-1.00', '1e3', 'abc', '', '1.2.3', '+1.00'])(
    '"%s" is refused rather than rounded',
    (decimal) => {
      expect(() => fromDecimalString(decimal, 'CNY')).toThrow(RangeError);
    },
  );

  test.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])(
    '%p minor units cannot be sent to a provider',
    (minor) => {
      expect(() => toDecimalString(minor, 'CNY')).toThrow(RangeError);
    },
  );
});
