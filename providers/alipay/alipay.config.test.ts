import { generateKeyPairSync } from 'node:crypto';
import { ProviderInvalidRequestError } from '../errors';
import type { ProviderAccount } from '../../domain/provider-account';
import {
  ALIPAY_LIVE_GATEWAY,
  alipayClientConfig,
  alipayCredentialsFromSandbox,
  alipayCredentialsSchema,
} from './alipay.config';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1Pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const pkcs8Pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const pkcs8Bare = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
const pkcs1Bare = privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
const spkiPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const spkiBare = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

const sandboxAnswer = {
  provider: 'alipay',
  app_id: '2021000000000001',
  seller_id: '2088000000000001',
  merchant_private_key: pkcs1Pem,
  merchant_public_key: spkiPem,
  alipay_public_key: spkiPem,
  gateway: 'http://127.0.0.1:8090/alipay/gateway.do',
  sign_type: 'RSA2',
};

function account(overrides: Partial<ProviderAccount> = {}): ProviderAccount {
  return {
    id: 'pa_test',
    provider: 'alipay',
    livemode: false,
    externalId: '2021000000000001',
    credentials: { appId: '2021000000000001', privateKey: pkcs1Pem, alipayPublicKey: spkiPem },
    ...overrides,
  };
}

describe('Alipay credentials', () => {
  test("the sandbox's account answer maps onto them", () => {
    expect(alipayCredentialsFromSandbox(sandboxAnswer)).toEqual({
      appId: '2021000000000001',
      privateKey: pkcs1Pem,
      alipayPublicKey: spkiPem,
    });
  });

  test("another provider's answer does not", () => {
    expect(() => alipayCredentialsFromSandbox({ ...sandboxAnswer, provider: 'wechatpay' })).toThrow();
  });

  test.each([
    ['PKCS#1 PEM', pkcs1Pem],
    ['PKCS#8 PEM', pkcs8Pem],
    ['bare PKCS#8 base64, as Alipay’s key tool prints it', pkcs8Bare],
    ['bare PKCS#1 base64', pkcs1Bare],
  ])('a private key may be %s; the client always gets PKCS#1 PEM', (_name, key) => {
    const config = alipayClientConfig(
      account({ credentials: { appId: '2021000000000001', privateKey: key, alipayPublicKey: spkiBare } }),
      { sandboxUrl: 'http://sb' },
    );
    expect(config.privateKeyPem).toBe(pkcs1Pem);
    expect(config.alipayPublicKeyPem).toBe(spkiPem);
  });

  test.each([
    [{ appId: '12345', privateKey: pkcs1Pem, alipayPublicKey: spkiPem }, 'appId'],
    [{ appId: '2021000000000001', privateKey: 'not a key', alipayPublicKey: spkiPem }, 'privateKey'],
    [{ appId: '2021000000000001', privateKey: pkcs1Pem, alipayPublicKey: pkcs1Pem.slice(0, 80) }, 'alipayPublicKey'],
  ])('%j is refused at %s', (credentials, field) => {
    const result = alipayCredentialsSchema.safeParse(credentials);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual([field]);
  });
});

describe('the gateway an account talks to', () => {
  test('test mode: the sandbox', () => {
    expect(alipayClientConfig(account(), { sandboxUrl: 'http://127.0.0.1:8090/' }).gateway).toBe(
      'http://127.0.0.1:8090/alipay/gateway.do',
    );
  });

  test('live mode: Alipay, whatever the sandbox setting', () => {
    expect(alipayClientConfig(account({ livemode: true }), { sandboxUrl: 'http://127.0.0.1:8090' }).gateway).toBe(
      ALIPAY_LIVE_GATEWAY,
    );
    expect(ALIPAY_LIVE_GATEWAY).toBe('https://openapi.alipay.com/gateway.do');
  });

  test('test mode without a sandbox is a configuration error', () => {
    expect(() => alipayClientConfig(account(), { sandboxUrl: null })).toThrow(ProviderInvalidRequestError);
  });

  test('credentials of another app are refused', () => {
    expect(() => alipayClientConfig(account({ externalId: '2021000000000002' }), { sandboxUrl: 'http://sb' })).toThrow(
      /2021000000000002/,
    );
  });

  test('unparseable credentials are refused without echoing them', () => {
    const error = (() => {
      try {
        alipayClientConfig(
          account({ credentials: { appId: '2021000000000001', privateKey: 'SECRET-ISH', alipayPublicKey: spkiPem } }),
          { sandboxUrl: 'http://sb' },
        );
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ProviderInvalidRequestError);
    expect(error.message).not.toContain('SECRET-ISH');
  });
});
