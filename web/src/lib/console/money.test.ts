/// <reference types="jest" />
// Run by the root's jest (jest.config.js takes web/src/**/*.test.ts); pure rules only, no SvelteKit.
import { fenToYuan, yuanToFen } from './money';

describe('yuan as typed → fen', () => {
  test('whole yuan, one or two decimals, exact to the fen (no float rounding)', () => {
    expect(yuanToFen('20')).toBe(2000);
    expect(yuanToFen('19.9')).toBe(1990);
    expect(yuanToFen(' 0.05 ')).toBe(5);
    expect(yuanToFen('1.15')).toBe(115);
    expect(yuanToFen('10.80')).toBe(1080);
    expect(yuanToFen('4.35')).toBe(435);
  });

  test('anything else is not an amount', () => {
    for (const typed of ['', '1.234', '-1', '1e3', 'abc', '1,000', '.5', null])
      expect({ typed, fen: yuanToFen(typed) }).toEqual({ typed, fen: null });
  });

  test('fen → the form field value', () => {
    expect(fenToYuan(1080)).toBe('10.80');
    expect(fenToYuan(5)).toBe('0.05');
  });
});
