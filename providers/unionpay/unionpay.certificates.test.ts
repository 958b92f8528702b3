import { createPublicKey, X509Certificate } from 'node:crypto';
import {
  checkSignerCertificate,
  readSigningPfx,
  signerIdentity,
  UnionpayPfxError,
  type UnionpayTrust,
} from './unionpay.certificates';
import { UNIONPAY_SIGNER_IDENTITY } from './unionpay.config';
import { issueTestCert, LIVE_SIGNER_CN, makePfx, makeTestPki, TEST_SIGNER_CN } from './unionpay.testing';

const DAY_MS = 86_400_000;
const pki = makeTestPki();
const trust: UnionpayTrust = {
  root: new X509Certificate(pki.root.certPem),
  middle: new X509Certificate(pki.middle.certPem),
  expectedIdentity: UNIONPAY_SIGNER_IDENTITY.test,
};

describe('the owner of a certificate, as UnionPay’s SDK reads it', () => {
  test.each([
    [TEST_SIGNER_CN, '00040000:SIGN'],
    [LIVE_SIGNER_CN, '中国银联股份有限公司'],
    ['041@Z12@中国银联股份有限公司@00000001@extra', '中国银联股份有限公司'],
    ['only@two', null],
    ['中国银联股份有限公司', null],
  ])('CN %s → %p', (cn, identity) => {
    expect(signerIdentity(new X509Certificate(issueTestCert({ cn, issuer: 'self' }).certPem))).toBe(identity);
  });
});

describe('trusting signPubKeyCert', () => {
  test('UnionPay’s signing certificate, in date, under the configured middle and root, is trusted', () => {
    const check = checkSignerCertificate(pki.signer.certPem, trust);
    expect(check.ok).toBe(true);
  });

  test('in live mode only 中国银联股份有限公司 is UnionPay', () => {
    const live = makeTestPki(LIVE_SIGNER_CN);
    const liveTrust = {
      root: new X509Certificate(live.root.certPem),
      middle: new X509Certificate(live.middle.certPem),
      expectedIdentity: UNIONPAY_SIGNER_IDENTITY.live,
    };
    expect(checkSignerCertificate(live.signer.certPem, liveTrust).ok).toBe(true);
    const testSigner = issueTestCert({ cn: TEST_SIGNER_CN, issuer: live.middle });
    expect(checkSignerCertificate(testSigner.certPem, liveTrust)).toEqual({
      ok: false,
      reason: expect.stringMatching(/belongs to "00040000:SIGN", not "中国银联股份有限公司"/),
    });
  });

  test.each<[string, () => string, RegExp]>([
    [
      'an expired certificate',
      () =>
        issueTestCert({
          cn: TEST_SIGNER_CN,
          issuer: pki.middle,
          notBefore: new Date(Date.now() - 30 * DAY_MS),
          notAfter: new Date(Date.now() - DAY_MS),
        }).certPem,
      /is not valid at/,
    ],
    [
      'a certificate not valid yet',
      () =>
        issueTestCert({
          cn: TEST_SIGNER_CN,
          issuer: pki.middle,
          notBefore: new Date(Date.now() + DAY_MS),
          notAfter: new Date(Date.now() + 30 * DAY_MS),
        }).certPem,
      /is not valid at/,
    ],
    // Same names, other keys: only the signatures tell them apart.
    ['a certificate from another root', () => makeTestPki().signer.certPem, /not issued by the configured middle/],
    [
      'a certificate the root issued directly',
      () => issueTestCert({ cn: TEST_SIGNER_CN, issuer: pki.root }).certPem,
      /not issued by the configured middle/,
    ],
    [
      'a self-signed certificate',
      () => issueTestCert({ cn: TEST_SIGNER_CN, issuer: 'self' }).certPem,
      /not issued by the configured middle/,
    ],
    [
      'a merchant’s certificate from the same middle CA',
      () => issueTestCert({ cn: '041@Z777290058110048@Some Shop@00000001', issuer: pki.middle }).certPem,
      /belongs to "Some Shop"/,
    ],
    [
      'a certificate whose CN has no owner part',
      () => issueTestCert({ cn: 'UnionPay', issuer: pki.middle }).certPem,
      /belongs to null/,
    ],
    [
      'the live certificate in test mode',
      () => issueTestCert({ cn: LIVE_SIGNER_CN, issuer: pki.middle }).certPem,
      /belongs to "中国银联股份有限公司", not "00040000:SIGN"/,
    ],
    ['text that is not a certificate', () => 'not a certificate', /is not a certificate/],
  ])('%s is refused', (_name, pem, reason) => {
    expect(checkSignerCertificate(pem(), trust)).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  test('a middle certificate another root issued breaks the chain', () => {
    const other = makeTestPki();
    expect(
      checkSignerCertificate(pki.signer.certPem, { ...trust, root: new X509Certificate(other.root.certPem) }),
    ).toEqual({
      ok: false,
      reason: 'the middle certificate was not issued by the configured root certificate',
    });
  });

  test('an expired middle certificate breaks the chain', () => {
    const oldMiddle = issueTestCert({
      cn: 'Test OCA1',
      issuer: pki.root,
      ca: true,
      notBefore: new Date(Date.now() - 30 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    const signer = issueTestCert({ cn: TEST_SIGNER_CN, issuer: oldMiddle });
    expect(
      checkSignerCertificate(signer.certPem, { ...trust, middle: new X509Certificate(oldMiddle.certPem) }),
    ).toEqual({
      ok: false,
      reason: expect.stringMatching(/^the middle certificate is not valid/),
    });
  });

  test('validity is checked against the given time', () => {
    const future = new Date(Date.now() + 400 * DAY_MS);
    expect(checkSignerCertificate(pki.signer.certPem, trust, future).ok).toBe(false);
  });
});

describe('the merchant’s PFX', () => {
  const merchant = issueTestCert({
    cn: '041@Z777290058110048@Shop@00000001',
    issuer: pki.middle,
    serial: '10335a3b5f20',
  });
  const pfx = makePfx(merchant.keyPem, merchant.certPem, '000000');

  test('gives the private key, the certificate and its certId', () => {
    const read = readSigningPfx(pfx, '000000');
    expect(read.certId).toBe('17812743216928');
    expect(read.certificate.toString()).toBe(new X509Certificate(merchant.certPem).toString());
    expect(createPublicKey(read.privateKey).export({ format: 'pem', type: 'spki' })).toBe(
      new X509Certificate(merchant.certPem).publicKey.export({ format: 'pem', type: 'spki' }),
    );
  });

  test('may be wrapped in lines, as base64 tools print it', () => {
    expect(readSigningPfx(pfx.replace(/(.{64})/g, '$1\n'), '000000').certId).toBe('17812743216928');
  });

  test.each<[string, () => [string, string], RegExp]>([
    ['a wrong password', () => [pfx, 'wrong'], /password is wrong/],
    ['text that is not base64', () => ['not base64!', '000000'], /not base64/],
    ['base64 that is not PKCS#12', () => [Buffer.from('hello world').toString('base64'), '000000'], /not a PKCS#12/],
    [
      'a certificate that is not its key’s',
      () => [makePfx(merchant.keyPem, pki.signer.certPem, '000000'), '000000'],
      /no certificate for its private key/,
    ],
  ])('%s is refused', (_name, input, message) => {
    const [file, password] = input();
    expect(() => readSigningPfx(file, password)).toThrow(UnionpayPfxError);
    expect(() => readSigningPfx(file, password)).toThrow(message);
  });
});
