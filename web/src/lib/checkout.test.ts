/// <reference types="jest" />
// Run by the root's jest (jest.config.js takes web/src/**/*.test.ts); pure rules only, no SvelteKit.
import {
  brandStyleOf,
  channelsFor,
  deviceOf,
  formatAmount,
  formatCountdown,
  groupByProvider,
  successUrlFor,
  taxLines,
  wechatPayUnavailable,
  type Channel,
  type LineItem,
} from './checkout';

const ALL: Channel[] = [
  'alipay_pc',
  'alipay_wap',
  'alipay_qr',
  'wechat_native',
  'wechat_jsapi',
  'wechat_h5',
  'unionpay_pc',
  'unionpay_wap',
];

describe('which device the shopper is on, from the User-Agent', () => {
  test.each([
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      'desktop',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      'desktop',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
      'phone',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'phone',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN',
      'wechat',
    ],
    [
      'Mozilla/5.0 (Linux; Android 13; V2218A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64',
      'wechat',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x63090a13)',
      'desktop',
    ],
    ['', 'desktop'],
  ])('%s → %s', (userAgent, device) => {
    expect(deviceOf(userAgent)).toBe(device);
  });
});

describe('the channels offered', () => {
  test('a desktop gets PC and QR channels, a phone WAP and H5, in provider order', () => {
    expect(channelsFor('desktop', ALL)).toEqual(['alipay_pc', 'alipay_qr', 'wechat_native', 'unionpay_pc']);
    expect(channelsFor('phone', ALL)).toEqual(['alipay_wap', 'wechat_h5', 'unionpay_wap']);
  });

  test('inside WeChat, WeChat Pay is JSAPI and comes first; without JSAPI allowed, the page says why there is no WeChat Pay', () => {
    expect(channelsFor('wechat', ALL)).toEqual(['wechat_jsapi', 'alipay_wap', 'unionpay_wap']);
    expect(channelsFor('desktop', ['wechat_jsapi'])).toEqual([]);
    expect(wechatPayUnavailable('wechat', ALL)).toBe(false);
    expect(wechatPayUnavailable('wechat', ['alipay_wap', 'wechat_h5'])).toBe(true);
    expect(wechatPayUnavailable('wechat', ['alipay_wap'])).toBe(false);
    expect(wechatPayUnavailable('phone', ['wechat_h5'])).toBe(false);
  });

  test('only allowed channels; when none fits the device, the others are offered rather than nothing', () => {
    expect(channelsFor('desktop', ['alipay_qr', 'unionpay_wap'])).toEqual(['alipay_qr']);
    expect(channelsFor('phone', ['alipay_pc', 'wechat_native'])).toEqual(['alipay_pc', 'wechat_native']);
    expect(channelsFor('phone', ['wechat_jsapi'])).toEqual([]);
  });

  test('grouped by provider, empty groups left out', () => {
    expect(groupByProvider(['alipay_pc', 'alipay_qr', 'unionpay_pc'])).toEqual([
      { provider: 'alipay', channels: ['alipay_pc', 'alipay_qr'] },
      { provider: 'unionpay', channels: ['unionpay_pc'] },
    ]);
  });
});

describe('money and time as the shopper reads them', () => {
  test.each([
    [2598, 'zh-CN', '¥25.98'],
    [2598, 'en-US', '¥25.98'],
    [123456789, 'zh-CN', '¥1,234,567.89'],
    [5, 'en-US', '¥0.05'],
  ])('%i fen in %s → %s', (amount, locale, shown) => {
    expect(formatAmount(amount, 'CNY', locale)).toBe(shown);
  });

  test.each([
    [845, '14:05'],
    [59, '0:59'],
    [3723, '1:02:03'],
    [0, '0:00'],
  ])('%i seconds → %s', (seconds, shown) => {
    expect(formatCountdown(seconds)).toBe(shown);
  });
});

describe('success_url', () => {
  test('{CHECKOUT_SESSION_ID} is replaced, as with Stripe', () => {
    expect(successUrlFor('https://shop.example/done?s={CHECKOUT_SESSION_ID}', 'cs_1')).toBe(
      'https://shop.example/done?s=cs_1',
    );
  });

  test('otherwise session_id is appended, keeping the query the merchant gave', () => {
    expect(successUrlFor('https://shop.example/done?order=42', 'cs_1')).toBe(
      'https://shop.example/done?order=42&session_id=cs_1',
    );
    expect(successUrlFor('https://shop.example/done', 'cs_1')).toBe('https://shop.example/done?session_id=cs_1');
  });
});

test('tax lines add up per rate; inclusive and exclusive rates stay apart', () => {
  const line = (tax: number, rate: LineItem['tax_rate']): LineItem => ({
    name: 'x',
    quantity: 1,
    unit_amount: 0,
    amount_subtotal: 0,
    amount_discount: 0,
    amount_tax: tax,
    amount_total: 0,
    tax_rate: rate,
  });
  const vat6 = { id: 'txr_6', display_name: 'VAT', percentage: 6, inclusive: false };
  const vat13 = { id: 'txr_13', display_name: 'VAT', percentage: 13, inclusive: true };
  expect(taxLines([line(100, vat6), line(50, vat13), line(0, null), line(7, vat6)])).toEqual([
    { rate: vat6, amount: 107 },
    { rate: vat13, amount: 50 },
  ]);
});

describe("the merchant's brand colour on the page", () => {
  test('paints the pay button and header with readable text; on hover the colour moves away from the text colour', () => {
    expect(brandStyleOf('#0a58ca')).toBe(
      '--primary-bg: #0a58ca; --primary-hover: color-mix(in srgb, #0a58ca 85%, black); --primary-text: #ffffff',
    );
    expect(brandStyleOf('#ffd400')).toContain('--primary-text: #111827');
  });

  test('without a colour, or with anything but #rrggbb, the page keeps its own', () => {
    expect(brandStyleOf(null)).toBeNull();
    expect(brandStyleOf('red; background: url(x)')).toBeNull();
  });
});
