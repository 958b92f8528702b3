import { createHash, type X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { ProviderInvalidRequestError } from '../errors';
import type { ProviderEnvironment } from '../provider';
import type { ProviderAccount } from '../../domain/provider-account';
import {
  readCertificate,
  readSigningPfx,
  UnionpayPfxError,
  type UnionpaySigningCertificate,
  type UnionpayTrust,
} from './unionpay.certificates';
import { describeFirstIssue } from '../wire-issues';

export const UNIONPAY_LIVE_GATEWAY = 'https://gateway.95516.com';

/** The three transaction endpoints Tongbao uses, relative to the gateway. */
export const UNIONPAY_PATHS = {
  frontTransReq: '/gateway/api/frontTransReq.do',
  backTransReq: '/gateway/api/backTransReq.do',
  queryTrans: '/gateway/api/queryTrans.do',
} as const;

/**
 * Files (文件传输类交易: the daily statement) come from a host of their own, not the gateway:
 * https://open.unionpay.com/tjweb/acproduct/APIList?acpAPIId=791 (test: filedownload.test.95516.com).
 */
export const UNIONPAY_LIVE_FILE_TRANSFER = 'https://filedownload.95516.com/';
/** Where the sandbox serves them, beside its gateway. */
export const UNIONPAY_SANDBOX_FILE_TRANSFER_PATH = '/gateway/api/fileTransRequest.do';

/**
 * Whose signature a live or test-mode account accepts: the owner part of the signing
 * certificate's CN (see unionpay.certificates.ts). UnionPay's production certificate is
 * `中国银联股份有限公司`'s; its test environment (and so our sandbox, which stands in for it) signs
 * as `00040000:SIGN`, which the SDK accepts only with acpsdk.ifValidateCNName=false.
 */
export const UNIONPAY_SIGNER_IDENTITY = {
  live: '中国银联股份有限公司',
  test: '00040000:SIGN',
} as const;

/** Memoised PFX reads: opening PKCS#12 (3DES, 2048 PBKDF rounds) costs tens of milliseconds, and adapters are made per call. */
const pfxCache = new Map<string, UnionpaySigningCertificate | UnionpayPfxError>();
const PFX_CACHE_LIMIT = 1000;

export function readPfxCached(pfxBase64: string, password: string): UnionpaySigningCertificate | UnionpayPfxError {
  const cacheKey = createHash('sha256').update(pfxBase64).update('\0').update(password).digest('hex');
  const cached = pfxCache.get(cacheKey);
  if (cached) return cached;
  let read: UnionpaySigningCertificate | UnionpayPfxError;
  try {
    read = readSigningPfx(pfxBase64, password);
  } catch (error) {
    if (!(error instanceof UnionpayPfxError)) throw error;
    read = error;
  }
  if (pfxCache.size >= PFX_CACHE_LIMIT) pfxCache.clear();
  pfxCache.set(cacheKey, read);
  return read;
}

const pemCertificate = (what: string) =>
  z.string().refine((pem) => readCertificate(pem)?.ca === true, `not a PEM CA certificate (${what})`);

/** A UnionPay account's credentials as `provider_accounts` stores them (encrypted at rest). */
export const unionpayCredentialsSchema = z
  .strictObject({
    /** The merchant code (商户代码), 15 characters; also the account's `externalId`. */
    merId: z.string().regex(/^[0-9A-Za-z]{15}$/, 'a UnionPay merId is 15 letters and digits'),
    /** The merchant's signing certificate and key, PKCS#12 (.pfx), base64. */
    signCertPfx: z.string().min(1),
    signCertPassword: z.string(),
    /** UnionPay's root certificate (acp_prod_root.cer / acp_test_root.cer), PEM. */
    rootCert: pemCertificate('root'),
    /** UnionPay's middle certificate (acp_prod_middle.cer / acp_test_middle.cer), PEM. */
    middleCert: pemCertificate('middle'),
  })
  .superRefine((credentials, context) => {
    const read = readPfxCached(credentials.signCertPfx, credentials.signCertPassword);
    // The message never echoes the file or the password.
    if (read instanceof UnionpayPfxError) {
      context.addIssue({
        code: 'custom',
        path: [read.message.includes('password') ? 'signCertPassword' : 'signCertPfx'],
        message: read.message,
      });
    }
  });
export type UnionpayCredentials = z.infer<typeof unionpayCredentialsSchema>;

/** What the sandbox's `POST /_control/accounts {"provider":"unionpay"}` answers. */
const sandboxAccountSchema = z.looseObject({
  provider: z.literal('unionpay'),
  mer_id: z.string(),
  sign_cert_pfx: z.string(),
  sign_cert_password: z.string(),
  root_cert: z.string(),
  middle_cert: z.string(),
});

/** Maps the sandbox's account answer onto the credentials a stored account holds. */
export function unionpayCredentialsFromSandbox(json: unknown): UnionpayCredentials {
  const sandbox = sandboxAccountSchema.parse(json);
  return unionpayCredentialsSchema.parse({
    merId: sandbox.mer_id,
    signCertPfx: sandbox.sign_cert_pfx,
    signCertPassword: sandbox.sign_cert_password,
    rootCert: sandbox.root_cert,
    middleCert: sandbox.middle_cert,
  });
}

/** Everything the adapter needs to sign requests and trust answers. */
export interface UnionpayClientConfig {
  merId: string;
  signing: UnionpaySigningCertificate;
  trust: UnionpayTrust;
  urls: Record<keyof typeof UNIONPAY_PATHS | 'fileTransRequest', string>;
}

/**
 * Test-mode accounts talk to the sandbox, live ones to UnionPay. Throws ProviderInvalidRequestError
 * when the credentials do not parse, belong to another merId, or the signing certificate has expired.
 */
export function unionpayClientConfig(
  account: ProviderAccount,
  env: ProviderEnvironment,
  now: Date = new Date(),
): UnionpayClientConfig {
  const parsed = unionpayCredentialsSchema.safeParse(account.credentials);
  if (!parsed.success) {
    throw new ProviderInvalidRequestError(
      `UnionPay credentials of ${account.id} are invalid: ${describeFirstIssue(parsed.error, 'credentials')}`,
    );
  }
  const credentials = parsed.data;
  if (credentials.merId !== account.externalId) {
    throw new ProviderInvalidRequestError(
      `UnionPay credentials of ${account.id} are for merId ${credentials.merId}, but the account is merId ${account.externalId}`,
    );
  }
  const signing = readPfxCached(credentials.signCertPfx, credentials.signCertPassword) as UnionpaySigningCertificate;
  const validTo = Date.parse(signing.certificate.validTo);
  if (!(now.getTime() >= Date.parse(signing.certificate.validFrom) && now.getTime() <= validTo)) {
    throw new ProviderInvalidRequestError(
      `the UnionPay signing certificate of ${account.id} (certId ${signing.certId}) is not valid now (valid ${signing.certificate.validFrom} to ${signing.certificate.validTo})`,
    );
  }
  let gateway: string = UNIONPAY_LIVE_GATEWAY;
  let fileTransfer: string = UNIONPAY_LIVE_FILE_TRANSFER;
  if (!account.livemode) {
    if (!env.sandboxUrl) {
      throw new ProviderInvalidRequestError(`${account.id} is a test-mode account, but no sandbox is configured`);
    }
    gateway = `${env.sandboxUrl.replace(/\/+$/, '')}/unionpay`;
    fileTransfer = `${gateway}${UNIONPAY_SANDBOX_FILE_TRANSFER_PATH}`;
  }
  return {
    merId: credentials.merId,
    signing,
    trust: {
      root: readCertificate(credentials.rootCert) as X509Certificate,
      middle: readCertificate(credentials.middleCert) as X509Certificate,
      expectedIdentity: account.livemode ? UNIONPAY_SIGNER_IDENTITY.live : UNIONPAY_SIGNER_IDENTITY.test,
    },
    urls: {
      frontTransReq: `${gateway}${UNIONPAY_PATHS.frontTransReq}`,
      backTransReq: `${gateway}${UNIONPAY_PATHS.backTransReq}`,
      queryTrans: `${gateway}${UNIONPAY_PATHS.queryTrans}`,
      fileTransRequest: fileTransfer,
    },
  };
}
