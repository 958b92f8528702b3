import { ProviderInvalidRequestError } from '../errors';
import type { ProviderAccount } from '../../domain/provider-account';
import {
  UNIONPAY_LIVE_GATEWAY,
  UNIONPAY_SIGNER_IDENTITY,
  unionpayClientConfig,
  unionpayCredentialsFromSandbox,
  unionpayCredentialsSchema,
  type UnionpayCredentials,
} from './unionpay.config';
import { issueTestCert, makePfx, makeTestPki } from './unionpay.testing';

const DAY_MS = 86_400_000;
const MER_ID = '777290058110048';
const pki = makeTestPki();
const merchant = issueTestCert({ cn: `041@Z${MER_ID}@Shop@00000001`, issuer: pki.middle, serial: '10335a3b5f20' });
const PASSWORD = 'p@ss-w0rd';
const credentials: UnionpayCredentials = {
  merId: MER_ID,
  signCertPfx: makePfx(merchant.keyPem, merchant.certPem, PASSWORD),
  signCertPassword: PASSWORD,
  rootCert: pki.root.certPem,
  middleCert: pki.middle.certPem,
};

const sandboxAnswer = {
  provider: 'unionpay',
  mer_id: MER_ID,
  sign_cert_pfx: credentials.signCertPfx,
  sign_cert_password: PASSWORD,
  sign_cert_id: '17812743216928',
  root_cert: pki.root.certPem,
  middle_cert: pki.middle.certPem,
  front_trans_url: 'http://127.0.0.1:8090/unionpay/gateway/api/frontTransReq.do',
  back_trans_url: 'http://127.0.0.1:8090/unionpay/gateway/api/backTransReq.do',
  query_trans_url: 'http://127.0.0.1:8090/unionpay/gateway/api/queryTrans.do',
  version: '5.1.0',
  sign_method: '01',
};

function account(overrides: Partial<ProviderAccount> = {}): ProviderAccount {
  return { id: 'pa_test', provider: 'unionpay', livemode: false, externalId: MER_ID, credentials, ...overrides };
}

describe('UnionPay credentials', () => {
  test("the sandbox's account answer maps onto them", () => {
    expect(unionpayCredentialsFromSandbox(sandboxAnswer)).toEqual(credentials);
  });

  test("another provider's answer does not", () => {
    expect(() => unionpayCredentialsFromSandbox({ ...sandboxAnswer, provider: 'alipay' })).toThrow();
  });

  test.each<[string, string, Partial<UnionpayCredentials>]>([
    ['a merId of 14 characters', 'merId', { merId: '77729005811004' }],
    ['a merId with a dash', 'merId', { merId: '777-90058110048' }],
    ['a PFX that is not one', 'signCertPfx', { signCertPfx: 'bm90IGEgcGZ4' }],
    ['the wrong PFX password', 'signCertPassword', { signCertPassword: 'guess' }],
    ['a root that is not a certificate', 'rootCert', { rootCert: 'nope' }],
    ['a middle that is not a CA', 'middleCert', { middleCert: merchant.certPem }],
  ])('%s is refused at %s', (_name, field, change) => {
    const result = unionpayCredentialsSchema.safeParse({ ...credentials, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual([field]);
  });

  test('unknown fields are refused', () => {
    expect(unionpayCredentialsSchema.safeParse({ ...credentials, secureKey: 'x' }).success).toBe(false);
  });
});

describe('the client configuration of an account', () => {
  test('test mode: the sandbox’s endpoints, and trust in UnionPay’s test-environment signer', () => {
    const config = unionpayClientConfig(account(), { sandboxUrl: 'http://127.0.0.1:8090/' });
    expect(config.urls).toEqual({
      frontTransReq: 'http://127.0.0.1:8090/unionpay/gateway/api/frontTransReq.do',
      backTransReq: 'http://127.0.0.1:8090/unionpay/gateway/api/backTransReq.do',
      queryTrans: 'http://127.0.0.1:8090/unionpay/gateway/api/queryTrans.do',
      fileTransRequest: 'http://127.0.0.1:8090/unionpay/gateway/api/fileTransRequest.do',
    });
    expect(config.trust.expectedIdentity).toBe('00040000:SIGN');
    expect(config.signing.certId).toBe('17812743216928');
    expect(config.merId).toBe(MER_ID);
  });

  test('live mode: gateway.95516.com (files from filedownload.95516.com), and trust only in 中国银联股份有限公司', () => {
    const config = unionpayClientConfig(account({ livemode: true }), { sandboxUrl: 'http://127.0.0.1:8090' });
    expect(UNIONPAY_LIVE_GATEWAY).toBe('https://gateway.95516.com');
    expect(config.urls.backTransReq).toBe('https://gateway.95516.com/gateway/api/backTransReq.do');
    expect(config.urls.queryTrans).toBe('https://gateway.95516.com/gateway/api/queryTrans.do');
    expect(config.urls.frontTransReq).toBe('https://gateway.95516.com/gateway/api/frontTransReq.do');
    expect(config.urls.fileTransRequest).toBe('https://filedownload.95516.com/');
    expect(config.trust.expectedIdentity).toBe(UNIONPAY_SIGNER_IDENTITY.live);
    expect(UNIONPAY_SIGNER_IDENTITY.live).toBe('中国银联股份有限公司');
  });

  test('test mode without a sandbox is a configuration error', () => {
    expect(() => unionpayClientConfig(account(), { sandboxUrl: null })).toThrow(ProviderInvalidRequestError);
  });

  test('credentials of another merId are refused', () => {
    expect(() => unionpayClientConfig(account({ externalId: '777290058110049' }), { sandboxUrl: 'http://sb' })).toThrow(
      /777290058110049/,
    );
  });

  test('an expired signing certificate is refused before UnionPay refuses it', () => {
    const old = issueTestCert({
      cn: 'x@y@Shop@1',
      issuer: pki.middle,
      notBefore: new Date(Date.now() - 30 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    const stale = { ...credentials, signCertPfx: makePfx(old.keyPem, old.certPem, PASSWORD) };
    expect(() => unionpayClientConfig(account({ credentials: stale }), { sandboxUrl: 'http://sb' })).toThrow(
      /is not valid now/,
    );
  });

  test('unreadable credentials are refused without echoing the password', () => {
    const error = (() => {
      try {
        unionpayClientConfig(account({ credentials: { ...credentials, signCertPassword: 'SECRET-ISH' } }), {
          sandboxUrl: 'http://sb',
        });
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ProviderInvalidRequestError);
    expect(error.message).toMatch(/signCertPassword: the PFX password is wrong/);
    expect(error.message).not.toContain('SECRET-ISH');
  });
});
