import { relativeLuminance, textColorOn } from './brand-color';

describe('text on a brand colour stays readable', () => {
  test.each([
    ['#000000', '#ffffff'],
    ['#ffffff', '#111827'],
    ['#1677ff', '#111827'], // Alipay's blue: dark text contrasts slightly more (4.3 against 4.1)
    ['#0a58ca', '#ffffff'],
    ['#07c160', '#111827'], // WeChat's green is light enough for dark text
    ['#ffd400', '#111827'],
    ['#c8102e', '#ffffff'],
  ])('on %s the text is %s', (background, text) => {
    expect(textColorOn(background)).toBe(text);
  });

  test('luminance runs from black to white', () => {
    expect(relativeLuminance('#000000')).toBe(0);
    expect(relativeLuminance('#ffffff')).toBeCloseTo(1, 6);
  });
});
