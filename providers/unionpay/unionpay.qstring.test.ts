import { convertResultStringToMap, parseQString, UnionpayQStringError } from './unionpay.qstring';

// Answers read exactly as UnionPay's SDK (SDKUtil.convertResultStringToMap / parseQString) reads
// them, including where its reading is surprising.

const CERT = '-----BEGIN CERTIFICATE-----\r\nMIIEQzCCAyugAwIBAgIFEBJJZVgw+/=\r\n-----END CERTIFICATE-----';

describe('reading a UnionPay answer', () => {
  test.each<[string, string, Record<string, string>]>([
    ['plain pairs', 'respCode=00&respMsg=成功[0000000]', { respCode: '00', respMsg: '成功[0000000]' }],
    ['an empty value', 'a=&b=2', { a: '', b: '2' }],
    ['= inside a value', 'a=x=y&b=2', { a: 'x=y', b: '2' }],
    ['& and = inside braces', 'reqReserved={k1=v1&k2=v2}&b=2', { reqReserved: '{k1=v1&k2=v2}', b: '2' }],
    ['& inside brackets', 'list=[1&2]&b=2', { list: '[1&2]', b: '2' }],
    ['a brace closing a bracket does not', 'x=[a}&b]&c=3', { x: '[a}&b]', c: '3' }],
    // The SDK does not count nesting: the first } closes the {.
    ['nested braces, closed at the first }', 'r={a={b=1&c=2}&d=3}&e=4', { r: '{a={b=1&c=2}', d: '3}', e: '4' }],
    ['one pair of braces around the whole answer is dropped', '{a=1&b=2}', { a: '1', b: '2' }],
    ['…even when they belonged to the first and last values', '{a=1}&b={2}', { a: '1}', b: '{2' }],
    ['an unclosed brace runs to the end', 'a={1&b=2', { a: '{1&b=2' }],
    [
      'a certificate with line breaks, + / and = kept raw',
      `signPubKeyCert=${CERT}&signature=ab+/cd==`,
      { signPubKeyCert: CERT, signature: 'ab+/cd==' },
    ],
    ['+ and %20 are not decoded', 'a=1+1&b=%20', { a: '1+1', b: '%20' }],
    ['Chinese keys and values', '中文=值&k=中文', { 中文: '值', k: '中文' }],
    ['a later duplicate wins', 'a=1&a=2', { a: '2' }],
    ['a key without = gets an empty value', 'flag', { flag: '' }],
    ['a second & starts a key with &', 'a=1&&b=2', { a: '1', '&b': '2' }],
  ])('%s', (_name, text, expected) => {
    expect({ ...convertResultStringToMap(text) }).toEqual(expected);
  });

  test('URLSearchParams would have read the same answer wrongly', () => {
    const text = `reqReserved={k1=v1&k2=v2}&signature=ab+/cd==`;
    expect(Object.fromEntries(new URLSearchParams(text))).not.toEqual({ ...convertResultStringToMap(text) });
    expect(new URLSearchParams(text).get('signature')).toBe('ab /cd==');
  });

  test.each([
    ['a value without a key', '=v'],
    ['a trailing &', 'a=1&'],
    ['an empty key in the middle', 'a=1&=2'],
  ])('%s is unreadable, as it is to the SDK', (_name, text) => {
    expect(() => convertResultStringToMap(text)).toThrow(UnionpayQStringError);
  });

  test.each([[''], ['   '], [null], [undefined]])('%p is no answer at all', (text) => {
    expect(convertResultStringToMap(text)).toBeNull();
  });

  test('parseQString of an empty string is an empty map', () => {
    expect({ ...parseQString('') }).toEqual({});
  });

  test('a key named __proto__ is only a key', () => {
    const map = convertResultStringToMap('__proto__=x&a=1');
    expect(map?.__proto__).toBe('x');
    expect(Object.getPrototypeOf(map)).toBeNull();
  });
});
