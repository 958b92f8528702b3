import { generateKeyPairSync } from 'node:crypto';
import { selfSignedPlatformCertificate } from '../../sandbox/wechatpay/wechatpay.signature';
import { ProviderInvalidRequestError } from '../errors';
import type { ProviderAccount } from '../../domain/provider-account';
import {
  WECHATPAY_LIVE_BASE_URL,
  wechatpayClientConfig,
  wechatpayCredentialsFromSandbox,
  wechatpayCredentialsSchema,
  type WechatpayCredentials,
} from './wechatpay.config';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    pkcs1: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const merchant = keyPair();
const wechatPublicKey = keyPair();
const platform = keyPair();
const CERT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const certificate = selfSignedPlatformCertificate(platform, CERT_SERIAL, '1900000109');
const PUB_KEY_ID = 'PUB_KEY_ID_0119000001092024010100000000000001';

const credentials: WechatpayCredentials = {
  mchid: '1900000109',
  appid: 'wx8888888888888888',
  merchantSerialNo: '3775B6A45ACD588826D15E583A95F5DD00000000',
  merchantPrivateKey: merchant.privateKey,
  apiV3Key: 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6',
  verificationKeys: [{ kind: 'public_key', serial: PUB_KEY_ID, publicKey: wechatPublicKey.publicKey }],
};

function account(overrides: Partial<ProviderAccount> = {}): ProviderAccount {
  return { id: 'pa_test', provider: 'wechatpay', livemode: false, externalId: '1900000109', credentials, ...overrides };
}

const sandboxAnswer = {
  provider: 'wechatpay',
  mchid: '1900000109',
  appid: 'wx8888888888888888',
  merchant_serial_no: '3775B6A45ACD588826D15E583A95F5DD00000000',
  merchant_private_key: merchant.privateKey,
  merchant_public_key: merchant.publicKey,
  api_v3_key: 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6',
  verification: 'both',
  wechatpay_public_key_id: PUB_KEY_ID,
  wechatpay_public_key: wechatPublicKey.publicKey,
  platform_certificates: [{ serial_no: CERT_SERIAL, certificate }],
  base_url: 'http://127.0.0.1:8090/wechatpay',
};

describe('WeChat Pay credentials', () => {
  test("the sandbox's account answer maps onto them, with every verification key it lists", () => {
    expect(wechatpayCredentialsFromSandbox(sandboxAnswer)).toEqual({
      ...credentials,
      verificationKeys: [
        { kind: 'public_key', serial: PUB_KEY_ID, publicKey: wechatPublicKey.publicKey },
        { kind: 'platform_certificate', serial: CERT_SERIAL, certificate },
      ],
    });
  });

  test("a public-key-only or certificate-only answer maps too; another provider's does not", () => {
    const { platform_certificates: _certificates, ...publicOnly } = sandboxAnswer;
    expect(wechatpayCredentialsFromSandbox(publicOnly).verificationKeys).toHaveLength(1);
    const { wechatpay_public_key: _key, wechatpay_public_key_id: _id, ...certificateOnly } = sandboxAnswer;
    expect(wechatpayCredentialsFromSandbox(certificateOnly).verificationKeys).toEqual([
      { kind: 'platform_certificate', serial: CERT_SERIAL, certificate },
    ]);
    expect(() => wechatpayCredentialsFromSandbox({ ...sandboxAnswer, provider: 'alipay' })).toThrow();
  });

  test('a PKCS#1 merchant key is accepted; the client always gets PKCS#8', () => {
    const config = wechatpayClientConfig(
      account({ credentials: { ...credentials, merchantPrivateKey: merchant.pkcs1 } }),
      { sandboxUrl: 'http://sb' },
    );
    expect(config.merchantPrivateKeyPem).toBe(merchant.privateKey);
  });

  test.each<[string, Partial<WechatpayCredentials>, string]>([
    ['a mchid with letters', { mchid: '19000a0109' }, 'mchid'],
    ['an app id without wx', { appid: '8888888888888888' }, 'appid'],
    ['a serial that is not hex', { merchantSerialNo: 'not-a-serial' }, 'merchantSerialNo'],
    ['a merchant key that is not a key', { merchantPrivateKey: 'not a key' }, 'merchantPrivateKey'],
    ['an APIv3 key of 31 bytes', { apiV3Key: 'A'.repeat(31) }, 'apiV3Key'],
    ['an AppSecret that is not 32 hex digits', { appSecret: 'not-a-secret' }, 'appSecret'],
    ['no verification key', { verificationKeys: [] }, 'verificationKeys'],
    [
      'a public key id without PUB_KEY_ID_',
      { verificationKeys: [{ kind: 'public_key', serial: '0119000001', publicKey: wechatPublicKey.publicKey }] },
      'verificationKeys.0.serial',
    ],
    [
      'a public key that is not one',
      { verificationKeys: [{ kind: 'public_key', serial: PUB_KEY_ID, publicKey: 'x' }] },
      'verificationKeys.0.publicKey',
    ],
    [
      'a certificate that is not one',
      { verificationKeys: [{ kind: 'platform_certificate', serial: CERT_SERIAL, certificate: platform.publicKey }] },
      'verificationKeys.0.certificate',
    ],
    [
      "a serial that is not the certificate's",
      { verificationKeys: [{ kind: 'platform_certificate', serial: '1234', certificate }] },
      'verificationKeys.0.serial',
    ],
    [
      'the same serial twice',
      {
        verificationKeys: [
          { kind: 'public_key', serial: PUB_KEY_ID, publicKey: wechatPublicKey.publicKey },
          { kind: 'public_key', serial: PUB_KEY_ID, publicKey: platform.publicKey },
        ],
      },
      'verificationKeys.1.serial',
    ],
    [
      "the merchant's own certificate serial among WeChat's keys",
      {
        merchantSerialNo: CERT_SERIAL,
        verificationKeys: [{ kind: 'platform_certificate', serial: CERT_SERIAL, certificate }],
      },
      'verificationKeys.0.serial',
    ],
  ])('%s is refused at %s', (_name, overrides, path) => {
    const result = wechatpayCredentialsSchema.safeParse({ ...credentials, ...overrides });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path.join('.')).toBe(path);
  });
});

describe('the client configuration', () => {
  test('test mode talks to the sandbox, live mode to WeChat Pay whatever the sandbox setting', () => {
    expect(wechatpayClientConfig(account(), { sandboxUrl: 'http://127.0.0.1:8090/' }).baseUrl).toBe(
      'http://127.0.0.1:8090/wechatpay',
    );
    expect(wechatpayClientConfig(account({ livemode: true }), { sandboxUrl: 'http://127.0.0.1:8090' }).baseUrl).toBe(
      WECHATPAY_LIVE_BASE_URL,
    );
    expect(WECHATPAY_LIVE_BASE_URL).toBe('https://api.mch.weixin.qq.com');
  });

  test('every verification key is found by its serial; requests name the public key when there is one', () => {
    const both = {
      ...credentials,
      verificationKeys: wechatpayCredentialsFromSandbox(sandboxAnswer).verificationKeys.slice().reverse(),
    };
    const config = wechatpayClientConfig(account({ credentials: both }), { sandboxUrl: 'http://sb' });
    expect([...config.verificationKeys.keys()]).toEqual([CERT_SERIAL, PUB_KEY_ID]);
    expect(config.verificationKeys.get(CERT_SERIAL)?.export({ type: 'spki', format: 'pem' })).toBe(platform.publicKey);
    expect(config.verificationKeys.get(PUB_KEY_ID)?.export({ type: 'spki', format: 'pem' })).toBe(
      wechatPublicKey.publicKey,
    );
    expect(config.preferredSerial).toBe(PUB_KEY_ID);
    const certificateOnly = {
      ...credentials,
      verificationKeys: [{ kind: 'platform_certificate' as const, serial: CERT_SERIAL, certificate }],
    };
    expect(
      wechatpayClientConfig(account({ credentials: certificateOnly }), { sandboxUrl: 'http://sb' }).preferredSerial,
    ).toBe(CERT_SERIAL);
  });

  test('test mode without a sandbox is a configuration error', () => {
    expect(() => wechatpayClientConfig(account(), { sandboxUrl: null })).toThrow(ProviderInvalidRequestError);
  });

  test('credentials of another mchid are refused', () => {
    expect(() => wechatpayClientConfig(account({ externalId: '1900000110' }), { sandboxUrl: 'http://sb' })).toThrow(
      /1900000110/,
    );
  });

  test('unparseable credentials are refused without echoing them', () => {
    let error: unknown;
    try {
      wechatpayClientConfig(account({ credentials: { ...credentials, apiV3Key: 'SECRET-ISH' } }), {
        sandboxUrl: 'http://sb',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProviderInvalidRequestError);
    expect((error as Error).message).toMatch(/apiV3Key/);
    expect((error as Error).message).not.toContain('SECRET-ISH');
  });
});
