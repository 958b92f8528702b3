import { createPrivateKey, X509Certificate } from 'node:crypto';
import { checkSignerCertificate } from '../../providers/unionpay/unionpay.certificates';
import { UNIONPAY_SIGNER_IDENTITY } from '../../providers/unionpay/unionpay.config';
import { convertResultStringToMap } from '../../providers/unionpay/unionpay.qstring';
import { certIdOf, unionpaySign, unionpayVerify } from '../../providers/unionpay/unionpay.signature';
import { createPlatformPki, issueMerchantCertificate, SANDBOX_SIGNER_CN } from './unionpay.pki';
import { answerText, certIdOfPem, signFields, verifyFields } from './unionpay.signature';
import { formatSettleDate, formatTraceTime, formatTxnTime, parseTxnTime } from './unionpay.time';

// The simulator's signing and PKI, checked by the adapter's independent implementation (which
// follows UnionPay's SDK): if the two agree, a merchant using UnionPay's SDK would agree too.

let platform: Awaited<ReturnType<typeof createPlatformPki>>;

beforeAll(async () => {
  platform = await createPlatformPki();
});

const fields = {
  version: '5.1.0',
  encoding: 'UTF-8',
  signMethod: '01',
  respCode: '00',
  respMsg: '成功[0000000]',
  reqReserved: '{a=1&b=2}',
  txnAmt: '1999',
};

describe('the sandbox’s certificates', () => {
  test('the signing certificate chains to the middle and root, is in date, and is UnionPay’s test signer', () => {
    const trust = {
      root: new X509Certificate(platform.root_cert),
      middle: new X509Certificate(platform.middle_cert),
      expectedIdentity: UNIONPAY_SIGNER_IDENTITY.test,
    };
    expect(checkSignerCertificate(platform.sign_cert, trust).ok).toBe(true);
    expect(new X509Certificate(platform.sign_cert).subject).toContain(`CN=${SANDBOX_SIGNER_CN}`);
    // Not what production would trust.
    expect(
      checkSignerCertificate(platform.sign_cert, { ...trust, expectedIdentity: UNIONPAY_SIGNER_IDENTITY.live }).ok,
    ).toBe(false);
  });

  test('a merchant certificate is issued by the middle CA, in a PFX its password opens, named by its decimal serial', async () => {
    const merchant = await issueMerchantCertificate(platform, '777123456789012', 'pw');
    const cert = new X509Certificate(merchant.certPem);
    expect(cert.checkIssued(new X509Certificate(platform.middle_cert))).toBe(true);
    expect(cert.verify(new X509Certificate(platform.middle_cert).publicKey)).toBe(true);
    expect(merchant.certId).toBe(certIdOf(cert));
    expect(certIdOfPem(merchant.certPem)).toBe(BigInt(`0x${cert.serialNumber}`).toString(10));
    // Its owner is not UnionPay: a merchant cannot sign as UnionPay with it.
    const trust = {
      root: new X509Certificate(platform.root_cert),
      middle: new X509Certificate(platform.middle_cert),
      expectedIdentity: UNIONPAY_SIGNER_IDENTITY.test,
    };
    expect(checkSignerCertificate(merchant.certPem, trust)).toEqual({
      ok: false,
      reason: expect.stringMatching(/belongs to "Tongbao Sandbox Merchant 777123456789012"/),
    });
  });
});

describe('signatures, both ways', () => {
  test('what the sandbox signs, the adapter verifies', () => {
    const signed = signFields(fields, platform.sign_key);
    expect(unionpayVerify(signed, new X509Certificate(platform.sign_cert).publicKey)).toBe(true);
    expect(unionpayVerify({ ...signed, txnAmt: '2999' }, new X509Certificate(platform.sign_cert).publicKey)).toBe(
      false,
    );
  });

  test('what the adapter signs, the sandbox verifies', () => {
    const signature = unionpaySign(fields, createPrivateKey(platform.sign_key));
    expect(verifyFields({ ...fields, signature }, platform.sign_cert)).toBe(true);
    expect(verifyFields({ ...fields, respCode: '01', signature }, platform.sign_cert)).toBe(false);
    expect(verifyFields({ ...fields, signature }, platform.root_cert)).toBe(false);
  });

  test('an answer’s raw k=v text, certificate included, reads back field for field with UnionPay’s parser', () => {
    const signed = signFields({ ...fields, signPubKeyCert: platform.sign_cert }, platform.sign_key);
    const text = answerText(signed);
    expect(text).toContain('signPubKeyCert=-----BEGIN CERTIFICATE-----\r\n');
    expect({ ...convertResultStringToMap(text) }).toEqual(signed);
  });
});

describe('UnionPay times', () => {
  test('txnTime, traceTime and settleDate are China time', () => {
    const at = new Date('2024-06-30T18:15:30.000Z');
    expect(formatTxnTime(at)).toBe('20240701021530');
    expect(formatTraceTime(at)).toBe('0701021530');
    expect(formatSettleDate(at)).toBe('0701');
    expect(parseTxnTime('20240701021530')?.toISOString()).toBe(at.toISOString());
  });

  test.each(['2024070102153', '20240231000000', '2024-07-01'])('%p is not a txnTime', (text) => {
    expect(parseTxnTime(text)).toBeNull();
  });
});
