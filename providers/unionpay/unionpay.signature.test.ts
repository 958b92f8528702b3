import { createHash, createVerify, generateKeyPairSync, X509Certificate } from 'node:crypto';
import {
  certIdOf,
  decimalSerial,
  sha256Hex,
  unionpaySign,
  unionpaySignContent,
  unionpayVerify,
} from './unionpay.signature';
import { issueTestCert } from './unionpay.testing';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

const request = {
  version: '5.1.0',
  encoding: 'UTF-8',
  txnType: '01',
  txnAmt: '1999',
  orderId: 'pay3kTMd9x',
  backUrl: 'https://api.example.com/notify/unionpay/pa_1?x=1&y=2',
  certId: '69629715588',
  signMethod: '01',
};

describe('the string UnionPay signs', () => {
  test('is every field but signature, sorted by name, k=v joined by &, values raw', () => {
    expect(unionpaySignContent({ b: '2', a: '1', signature: 'sig', c: 'x=y&z', d: '' })).toBe('a=1&b=2&c=x=y&z&d=');
  });

  test('sorts by UTF-16 code unit, as Java’s TreeMap does (capitals first)', () => {
    expect(unionpaySignContent({ txnType: '01', TxnAmt: '1', accNo: 'x', Z: 'z' })).toBe(
      'TxnAmt=1&Z=z&accNo=x&txnType=01',
    );
  });

  test('leaves out a signature key with stray spaces, as SDKUtil.coverMap2String does', () => {
    expect(unionpaySignContent({ a: '1', ' signature ': 'x' })).toBe('a=1');
  });

  test('its digest is lower-case hex SHA-256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('signMethod 01', () => {
  test('a signature verifies with the signer’s public key', () => {
    const signature = unionpaySign(request, privateKey);
    expect(unionpayVerify({ ...request, signature }, publicKey)).toBe(true);
  });

  test('it is SHA256withRSA over the hex digest of the string, not over the string itself', () => {
    const signature = unionpaySign(request, privateKey);
    const content = unionpaySignContent(request);
    const overHex = createVerify('RSA-SHA256')
      .update(createHash('sha256').update(content, 'utf8').digest('hex'))
      .verify(publicKey, signature, 'base64');
    const overContent = createVerify('RSA-SHA256').update(content).verify(publicKey, signature, 'base64');
    expect([overHex, overContent]).toEqual([true, false]);
  });

  test.each([
    ['a changed amount', { txnAmt: '2999' }],
    ['an added field', { extra: '1' }],
    ['a changed signature', { signature: 'AAAA' }],
    ['no signature', { signature: '' }],
  ])('%s does not verify', (_name, change) => {
    const signed = { ...request, signature: unionpaySign(request, privateKey) };
    expect(unionpayVerify({ ...signed, ...change }, publicKey)).toBe(false);
  });

  test('another key’s signature does not verify', () => {
    expect(unionpayVerify({ ...request, signature: unionpaySign(request, other.privateKey) }, publicKey)).toBe(false);
  });

  test('Chinese text is signed as UTF-8', () => {
    const fields = { respMsg: '成功[0000000]', orderId: 'abc12345' };
    expect(unionpayVerify({ ...fields, signature: unionpaySign(fields, privateKey) }, publicKey)).toBe(true);
    expect(
      unionpayVerify({ ...fields, respMsg: '成功[0000001]', signature: unionpaySign(fields, privateKey) }, publicKey),
    ).toBe(false);
  });
});

describe('certId', () => {
  test.each([
    ['01', '1'],
    ['FF', '255'],
    ['0123ABCD', '19114957'],
    ['0123abcd', '19114957'],
    // Past 2^53: a Number would round it.
    ['7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', '730750818665451459101842416358141509827966271487'],
    ['10335A3B5F20', '17812743216928'],
  ])('serial %s is certId %s', (hex, decimal) => {
    expect(decimalSerial(hex)).toBe(decimal);
  });

  test('is the certificate’s serial number in decimal', () => {
    const { certPem } = issueTestCert({ cn: 'x@y@z@1', issuer: 'self', serial: '1234567890abcdef01' });
    const cert = new X509Certificate(certPem);
    expect(cert.serialNumber).toBe('1234567890ABCDEF01');
    expect(certIdOf(cert)).toBe('335812727627494321921');
  });

  test.each(['', '12G4', '-1', '0x12'])('%p is not a serial number', (hex) => {
    expect(() => decimalSerial(hex)).toThrow(RangeError);
  });
});
