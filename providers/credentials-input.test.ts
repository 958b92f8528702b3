import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { z } from 'zod';
import type { ProviderName } from '../domain/payment';
import { alipayClientConfig } from './alipay/alipay.config';
import { credentialsFormFor } from './registry';
import { issueTestCert, makePfx, makeTestPki } from './unionpay/unionpay.testing';
import { unionpayClientConfig } from './unionpay/unionpay.config';
import { wechatpayClientConfig } from './wechatpay/wechatpay.config';

// The credentials an admin uploads, checked by parsing every key and certificate: what passes is
// what the adapters read, what fails names the field at fault, and the description afterwards
// holds fingerprints only.

function rsa(bits = 2048) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    pkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    bare: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sha256: createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex'),
  };
}

/** The form's full check, as the create route runs it: the fields' issues by path. */
function check(provider: ProviderName, input: Record<string, unknown>) {
  const form = credentialsFormFor(provider);
  const result = z
    .strictObject(form.fields)
    .superRefine((value, ctx) => form.check(value, ctx))
    .safeParse(input);
  return result.success
    ? { ok: true as const, input: result.data as Record<string, unknown> }
    : { ok: false as const, issues: result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) };
}

const env = { sandboxUrl: 'http://127.0.0.1:9' };
const account = (provider: ProviderName, externalId: string, credentials: unknown) => ({
  id: 'pa_test',
  provider,
  livemode: false,
  externalId,
  credentials,
});

describe('Alipay keys as uploaded', () => {
  const app = rsa();
  const alipay = rsa();
  const valid = { app_id: '2021000000000001', private_key: app.pkcs1, alipay_public_key: alipay.publicKey };

  test('PEM keys pass, are stored as the adapter reads them, and are described by fingerprint only', () => {
    const checked = check('alipay', valid);
    if (!checked.ok) throw new Error(checked.issues.join('; '));
    const form = credentialsFormFor('alipay');
    const stored = form.toStored(checked.input);
    expect(alipayClientConfig(account('alipay', '2021000000000001', stored), env).appId).toBe('2021000000000001');
    const parts = form.describe(stored);
    expect(parts).toEqual([
      expect.objectContaining({
        field: 'private_key',
        kind: 'private_key',
        keyBits: 2048,
        publicKeySha256: app.sha256,
      }),
      expect.objectContaining({ field: 'alipay_public_key', kind: 'public_key', publicKeySha256: alipay.sha256 }),
    ]);
    expect(JSON.stringify(parts)).not.toMatch(/BEGIN|MII/);
  });

  test("the bare base64 Alipay's key tool prints, with a byte-order mark and Windows line ends, passes", () => {
    expect(check('alipay', { ...valid, private_key: `\uFEFF${app.bare}\r\n` }).ok).toBe(true);
  });

  test("the app's own public key where Alipay's belongs is refused on alipay_public_key", () => {
    expect(check('alipay', { ...valid, alipay_public_key: app.publicKey })).toEqual({
      ok: false,
      issues: [expect.stringMatching(/^alipay_public_key: is the app's own public key/)],
    });
  });

  test('a private key that does not match the app public key uploaded to Alipay is refused on private_key', () => {
    expect(check('alipay', { ...valid, app_public_key: rsa().publicKey })).toEqual({
      ok: false,
      issues: ['private_key: does not match app_public_key (the app public key uploaded to Alipay)'],
    });
    expect(check('alipay', { ...valid, app_public_key: app.publicKey }).ok).toBe(true);
  });

  test('a public key, a 1024-bit key, an encrypted key and text are refused as private keys, by name', () => {
    const encrypted = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    for (const [privateKey, message] of [
      [alipay.publicKey, /^private_key: is not an RSA private key/],
      [rsa(1024).pkcs1, /^private_key: is a 1024-bit key/],
      [encrypted, /^private_key: is encrypted with a passphrase/],
      ['hello', /^private_key: is not an RSA private key/],
    ] as const)
      expect(check('alipay', { ...valid, private_key: privateKey })).toEqual({
        ok: false,
        issues: [expect.stringMatching(message)],
      });
    expect(check('alipay', { ...valid, alipay_public_key: app.pkcs8 })).toEqual({
      ok: false,
      issues: [expect.stringMatching(/^alipay_public_key: is not an RSA public key/)],
    });
  });
});

describe('WeChat Pay files as uploaded', () => {
  const merchant = issueTestCert({ cn: '1900000109', issuer: 'self', serial: '3775b6a45acd5888' });
  const wechat = rsa();
  const valid = {
    mchid: '1900000109',
    appid: 'wx8888888888888888',
    merchant_private_key: merchant.keyPem,
    merchant_certificate: merchant.certPem,
    api_v3_key: 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6',
    wechatpay_public_key_id: 'PUB_KEY_ID_0119000001092024010100000000000001',
    wechatpay_public_key: wechat.publicKey,
  };

  test("the API certificate gives the serial, and the stored credentials are the adapter's", () => {
    const checked = check('wechatpay', valid);
    if (!checked.ok) throw new Error(checked.issues.join('; '));
    const form = credentialsFormFor('wechatpay');
    const stored = form.toStored(checked.input);
    const config = wechatpayClientConfig(account('wechatpay', '1900000109', stored), env);
    expect(config.merchantSerialNo).toBe('3775B6A45ACD5888');
    expect(form.describe(stored).map((part) => [part.field, part.kind, part.serial])).toEqual([
      ['merchant_private_key', 'private_key', '3775B6A45ACD5888'],
      ['api_v3_key', 'secret', null],
      ['wechatpay_public_key', 'public_key', valid.wechatpay_public_key_id],
    ]);
    expect(JSON.stringify(form.describe(stored))).not.toContain(valid.api_v3_key);
  });

  test("another key than the certificate's is refused on merchant_private_key", () => {
    expect(check('wechatpay', { ...valid, merchant_private_key: rsa().pkcs8 })).toEqual({
      ok: false,
      issues: ['merchant_private_key: does not match merchant_certificate (apiclient_cert.pem)'],
    });
  });

  test("WeChat Pay's keys are required, and the merchant's own certificate is not one of them", () => {
    const { wechatpay_public_key_id: _id, wechatpay_public_key: _key, ...withoutKeys } = valid;
    expect(check('wechatpay', withoutKeys)).toEqual({
      ok: false,
      issues: [expect.stringMatching(/^wechatpay_public_key: is required/)],
    });
    expect(check('wechatpay', { ...withoutKeys, platform_certificates: [merchant.certPem] })).toEqual({
      ok: false,
      issues: ["platform_certificates.0: is the merchant's own API certificate, not WeChat Pay's"],
    });
  });

  test('an expired platform certificate and a short APIv3 key are refused by name', () => {
    const expired = issueTestCert({
      cn: 'Wechatpay',
      issuer: 'self',
      notBefore: new Date(Date.now() - 3 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    expect(check('wechatpay', { ...valid, platform_certificates: [expired.certPem], api_v3_key: 'short' })).toEqual({
      ok: false,
      issues: [
        'api_v3_key: must be the 32-character APIv3 key',
        expect.stringMatching(/^platform_certificates.0: is not valid now/),
      ],
    });
  });
});

describe('UnionPay files as uploaded', () => {
  const pki = makeTestPki();
  const signing = issueTestCert({ cn: '041@Z777290058110048@Shop@00000001', issuer: pki.middle, serial: '1abc' });
  const pfx = makePfx(signing.keyPem, signing.certPem, 'secret-pw');
  const valid = {
    mer_id: '777290058110048',
    sign_cert_pfx: `data:application/x-pkcs12;base64,${pfx}`,
    sign_cert_password: 'secret-pw',
    root_cert: pki.root.certPem,
    middle_cert: pki.middle.certPem,
  };

  test('the .pfx as a data: URL opens, and the certId is what the description shows', () => {
    const checked = check('unionpay', valid);
    if (!checked.ok) throw new Error(checked.issues.join('; '));
    const form = credentialsFormFor('unionpay');
    const stored = form.toStored(checked.input);
    expect(unionpayClientConfig(account('unionpay', valid.mer_id, stored), env).signing.certId).toBe(String(0x1abc));
    const parts = form.describe(stored);
    expect(parts.map((part) => [part.field, part.kind, part.serial])).toEqual([
      ['sign_cert_pfx', 'pkcs12', String(0x1abc)],
      ['sign_cert_password', 'secret', null],
      ['root_cert', 'certificate', expect.any(String)],
      ['middle_cert', 'certificate', expect.any(String)],
    ]);
    expect(parts[0].publicKeySha256).toBe(
      createHash('sha256')
        .update(createPublicKey(signing.keyPem).export({ type: 'spki', format: 'der' }))
        .digest('hex'),
    );
    expect(JSON.stringify(parts)).not.toContain('secret-pw');
  });

  test('a wrong password is refused on sign_cert_password, without echoing it', () => {
    expect(check('unionpay', { ...valid, sign_cert_password: 'guess' })).toEqual({
      ok: false,
      issues: ['sign_cert_password: does not open sign_cert_pfx'],
    });
  });

  test('a middle certificate the root did not issue is refused on middle_cert', () => {
    expect(check('unionpay', { ...valid, middle_cert: makeTestPki().middle.certPem })).toEqual({
      ok: false,
      issues: ['middle_cert: was not issued by root_cert'],
    });
  });
});
