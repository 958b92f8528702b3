import { generateKeyPairSync } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import {
  gatewayResponseText,
  notificationSignContent,
  requestSignContent,
  rsa2Sign,
  rsa2Verify,
  responseKeyFor,
} from './alipay.signature';
import { formatChinaTime, formatChinaTimeMillis, parseChinaTime, parseTimeoutExpress } from './alipay.time';

// The simulator's signatures, checked by alipay-sdk's own verification code without any network.

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const merchant = keyPair();
const platform = keyPair();
const sdk = new AlipaySdk({
  appId: '2021000000000001',
  privateKey: merchant.privateKey,
  alipayPublicKey: platform.publicKey,
  gateway: 'http://127.0.0.1:1/alipay/gateway.do',
  camelcase: false,
});

describe('gateway responses', () => {
  const method = 'alipay.trade.query';
  const key = responseKeyFor(method);

  test('the response key is the method with underscores', () => {
    expect(key).toBe('alipay_trade_query_response');
  });

  test.each([
    ['a plain answer', { code: '10000', msg: 'Success', total_amount: '19.99' }],
    [
      'text with quotes, braces, "sign" and slashes',
      { code: '10000', msg: 'Success', subject: '含 "sign" 和 } {braces} / \\ 的字符串' },
    ],
    [
      'a business failure',
      { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST', sub_msg: '交易不存在' },
    ],
  ])('alipay-sdk verifies %s signed over the inner JSON text', (_name, inner) => {
    const text = gatewayResponseText(method, inner, platform.privateKey);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body[key]).toEqual(inner);
    expect(() => sdk.checkResponseSign(text, key, body.sign as string, 'trace')).not.toThrow();
  });

  test('an answer altered after signing fails verification', () => {
    const text = gatewayResponseText(
      method,
      { code: '10000', msg: 'Success', total_amount: '19.99' },
      platform.privateKey,
      true,
    );
    const body = JSON.parse(text) as Record<string, Record<string, string> | string>;
    expect((body[key] as Record<string, string>).total_amount).toBe('20.99');
    expect(() => sdk.checkResponseSign(text, key, body.sign as string, 'trace')).toThrow(/验签失败/);

    const noAmount = gatewayResponseText(
      'alipay.trade.close',
      { code: '10000', msg: 'Success' },
      platform.privateKey,
      true,
    );
    expect(() =>
      sdk.checkResponseSign(noAmount, 'alipay_trade_close_response', JSON.parse(noAmount).sign, 'trace'),
    ).toThrow(/验签失败/);
  });

  test('an answer signed with another key fails verification', () => {
    const text = gatewayResponseText(method, { code: '10000', msg: 'Success' }, keyPair().privateKey);
    expect(() => sdk.checkResponseSign(text, key, JSON.parse(text).sign, 'trace')).toThrow(/验签失败/);
  });

  test('without a key (unknown app) the answer carries no sign', () => {
    const text = gatewayResponseText(
      method,
      { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id' },
      null,
    );
    expect(JSON.parse(text)).toEqual({
      [key]: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id' },
    });
  });
});

describe('request signatures', () => {
  /** What alipay-sdk would send, as name → value. */
  function signedBySdk(bizContent: Record<string, unknown>, privateKey = merchant.privateKey): Record<string, string> {
    const client = new AlipaySdk({
      appId: '2021000000000001',
      privateKey,
      alipayPublicKey: platform.publicKey,
      camelcase: false,
    });
    const query = client.sdkExecute('alipay.trade.precreate', {
      bizContent,
      notify_url: 'https://api.example/notify?a=1&b=2',
    });
    return Object.fromEntries(
      query.split('&').map((pair) => pair.split('=').map(decodeURIComponent) as [string, string]),
    );
  }

  test('verify against what alipay-sdk signs, including sign_type and non-ASCII text', () => {
    const params = signedBySdk({ out_trade_no: 'T1', total_amount: '1.00', subject: '中文 & = + % 符号' });
    expect(params.sign_type).toBe('RSA2');
    expect(requestSignContent(params)).toContain('sign_type=RSA2');
    expect(requestSignContent(params)).not.toContain('sign=');
    expect(rsa2Verify(requestSignContent(params), params.sign, merchant.publicKey)).toBe(true);
  });

  test('fail when a parameter changed or another key signed', () => {
    const params = signedBySdk({ out_trade_no: 'T1', total_amount: '1.00', subject: 's' });
    const changed: Record<string, string> = { ...params, biz_content: params.biz_content.replace('1.00', '100.00') };
    expect(rsa2Verify(requestSignContent(changed), changed.sign, merchant.publicKey)).toBe(false);
    const forged = signedBySdk({ out_trade_no: 'T1', total_amount: '1.00', subject: 's' }, keyPair().privateKey);
    expect(rsa2Verify(requestSignContent(forged), forged.sign, merchant.publicKey)).toBe(false);
    expect(rsa2Verify('x', 'not base64 at all', merchant.publicKey)).toBe(false);
  });

  test('leave out empty parameters, as the gateway does', () => {
    expect(requestSignContent({ b: '2', a: '1', sign: 's', empty: '' })).toBe('a=1&b=2');
  });
});

describe('notification signatures', () => {
  const fields: Record<string, string> = {
    notify_type: 'trade_status_sync',
    app_id: '2021000000000001',
    out_trade_no: 'T1',
    total_amount: '19.99',
    subject: 'A+B 100% & 茶',
    fund_bill_list: '[{"amount":"19.99","fundChannel":"ALIPAYACCOUNT"}]',
    sign_type: 'RSA2',
  };

  test('leave out sign and sign_type, and checkNotifySignV2 accepts them after a form round trip', () => {
    expect(notificationSignContent({ ...fields, sign: 'x' })).not.toMatch(/sign_type=|sign=/);
    const signed = { ...fields, sign: rsa2Sign(notificationSignContent(fields), platform.privateKey) };
    const overTheWire = Object.fromEntries(new URLSearchParams(new URLSearchParams(signed).toString()));
    expect(sdk.checkNotifySignV2(overTheWire)).toBe(true);
  });

  test('checkNotifySignV2 refuses a changed field or another key', () => {
    const signed = { ...fields, sign: rsa2Sign(notificationSignContent(fields), platform.privateKey) };
    expect(sdk.checkNotifySignV2({ ...signed, total_amount: '0.01' })).toBe(false);
    const forged = { ...fields, sign: rsa2Sign(notificationSignContent(fields), keyPair().privateKey) };
    expect(sdk.checkNotifySignV2(forged)).toBe(false);
  });
});

describe('China time', () => {
  test.each([
    ['2024-01-01T00:00:00.000Z', '2024-01-01 08:00:00'],
    ['2024-02-29T16:30:05.000Z', '2024-03-01 00:30:05'],
    ['2023-12-31T23:59:59.000Z', '2024-01-01 07:59:59'],
  ])('%s is %s in China', (iso, china) => {
    expect(formatChinaTime(new Date(iso))).toBe(china);
    expect(parseChinaTime(china)?.toISOString()).toBe(iso);
  });

  test('gmt_refund carries milliseconds', () => {
    expect(formatChinaTimeMillis(new Date('2024-01-01T00:00:00.123Z'))).toBe('2024-01-01 08:00:00.123');
  });

  test.each(['2024-02-30 10:00:00', '2024-1-01 10:00:00', '2024-01-01T10:00:00', ''])('%j is not a time', (text) => {
    expect(parseChinaTime(text)).toBeNull();
  });

  test.each([
    ['90m', 90 * 60_000],
    ['2h', 2 * 3600_000],
    ['15d', 15 * 86_400_000],
    ['16d', null],
    ['1.5h', null],
    ['0m', null],
  ])('timeout_express %s is %p ms', (text, ms) => {
    expect(parseTimeoutExpress(text, new Date())).toBe(ms);
  });

  test('timeout_express 1c closes at the next midnight, China time', () => {
    // 2024-01-01 23:00 in China.
    expect(parseTimeoutExpress('1c', new Date('2024-01-01T15:00:00.000Z'))).toBe(3600_000);
  });
});
