import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ProviderInvalidRequestError } from '../errors';
import type { ProviderEnvironment } from '../provider';
import type { ProviderAccount } from '../../domain/provider-account';
import { describeFirstIssue } from '../wire-issues';

export const WECHATPAY_LIVE_BASE_URL = 'https://api.mch.weixin.qq.com';

function readPrivateKey(text: string): KeyObject | null {
  try {
    const key = createPrivateKey(text);
    return key.asymmetricKeyType === 'rsa' ? key : null;
  } catch {
    return null;
  }
}

function readPublicKey(text: string): KeyObject | null {
  try {
    const key = createPublicKey(text);
    return key.asymmetricKeyType === 'rsa' ? key : null;
  } catch {
    return null;
  }
}

function readCertificate(text: string): X509Certificate | null {
  try {
    return new X509Certificate(text);
  } catch {
    return null;
  }
}

/** WeChat writes certificate serials as upper-case hex without leading zeros; node:crypto may keep them. */
function normalizeSerial(serial: string): string {
  return serial.toUpperCase().replace(/^0+(?=.)/, '');
}

/**
 * One key that may sign WeChat Pay's answers and notifications, found by the `Wechatpay-Serial`
 * header. Accounts hold several during a rotation: a new platform certificate next to the old
 * one, or the WeChat Pay public key next to the certificate while switching modes
 * (https://pay.weixin.qq.com/doc/v3/partner/4012925289: notifications come signed by either
 * until the switch completes).
 */
export const wechatpayVerificationKeySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('public_key'),
    /** The public key's id, `PUB_KEY_ID_…`. https://pay.weixin.qq.com/doc/v3/merchant/4012153196 */
    serial: z.string().regex(/^PUB_KEY_ID_\w+$/, 'a WeChat Pay public key id starts with PUB_KEY_ID_'),
    publicKey: z.string().refine((key) => readPublicKey(key) !== null, 'not an RSA public key'),
  }),
  z
    .strictObject({
      kind: z.literal('platform_certificate'),
      /** The certificate's serial number, hex, as /v3/certificates lists it. */
      serial: z.string().regex(/^[0-9A-Fa-f]{1,64}$/, 'a certificate serial is hex'),
      certificate: z.string().refine((pem) => readCertificate(pem) !== null, 'not an X.509 certificate (PEM)'),
    })
    .refine(
      (entry) => {
        const certificate = readCertificate(entry.certificate);
        return certificate === null || normalizeSerial(certificate.serialNumber) === normalizeSerial(entry.serial);
      },
      { message: "serial does not match the certificate's serial number", path: ['serial'] },
    ),
]);
export type WechatpayVerificationKey = z.infer<typeof wechatpayVerificationKeySchema>;

/** A WeChat Pay merchant's credentials as `provider_accounts` stores them (encrypted at rest). */
export const wechatpayCredentialsSchema = z
  .strictObject({
    /** The merchant id (商户号), digits; also the account's `externalId`. */
    mchid: z.string().regex(/^\d{6,32}$/, 'a WeChat Pay mchid is digits'),
    /** The app id bound to the merchant (公众号 / 小程序 / 移动应用): `wx` and 16 hex digits. */
    appid: z.string().regex(/^wx[0-9a-fA-F]{16}$/, 'a WeChat app id is wx followed by 16 hex digits'),
    /** Serial number of the merchant's API certificate; goes into every request's Authorization. */
    merchantSerialNo: z.string().regex(/^[0-9A-Fa-f]{8,64}$/, 'a certificate serial is hex'),
    /** The merchant's API private key (apiclient_key.pem): signs requests and JSAPI pay parameters. */
    merchantPrivateKey: z.string().refine((key) => readPrivateKey(key) !== null, 'not an RSA private key (PEM)'),
    /** The APIv3 key (32 characters) the merchant set: decrypts notifications and certificates. */
    apiV3Key: z.string().refine((key) => Buffer.byteLength(key, 'utf8') === 32, 'the APIv3 key is 32 bytes'),
    /** WeChat Pay's keys, found by serial; at least one. */
    verificationKeys: z.array(wechatpayVerificationKeySchema).min(1),
    /**
     * The AppSecret of the 公众号 `appid` (32 hex digits): exchanges web OAuth codes for the
     * shopper's openid, which wechat_jsapi needs (wechatpay.oauth.ts). Credentials stored before
     * web OAuth lack it; the OAuth functions then refuse with `app_secret_missing`.
     */
    appSecret: z
      .string()
      .regex(/^[0-9A-Fa-f]{32}$/, 'a WeChat AppSecret is 32 hex digits')
      .optional(),
  })
  .superRefine((credentials, ctx) => {
    const seen = new Set<string>();
    credentials.verificationKeys.forEach((key, index) => {
      const serial = normalizeSerial(key.serial);
      if (seen.has(serial))
        ctx.addIssue({
          code: 'custom',
          message: `serial ${key.serial} is listed twice`,
          path: ['verificationKeys', index, 'serial'],
        });
      // wechatpay-axios-plugin refuses the merchant's own serial among WeChat's keys: it would mean the
      // merchant certificate was pasted where WeChat's belongs.
      if (serial === normalizeSerial(credentials.merchantSerialNo)) {
        ctx.addIssue({
          code: 'custom',
          message: "the merchant's own certificate serial is not a WeChat Pay key",
          path: ['verificationKeys', index, 'serial'],
        });
      }
      seen.add(serial);
    });
  });
export type WechatpayCredentials = z.infer<typeof wechatpayCredentialsSchema>;

/** What the sandbox's `POST /_control/accounts {"provider":"wechatpay"}` answers. */
const sandboxAccountSchema = z.looseObject({
  provider: z.literal('wechatpay'),
  mchid: z.string(),
  appid: z.string(),
  merchant_serial_no: z.string(),
  merchant_private_key: z.string(),
  api_v3_key: z.string(),
  /** Missing from a sandbox older than web OAuth. */
  app_secret: z.string().optional(),
  wechatpay_public_key_id: z.string().optional(),
  wechatpay_public_key: z.string().optional(),
  platform_certificates: z.array(z.looseObject({ serial_no: z.string(), certificate: z.string() })).optional(),
});

/** Maps the sandbox's account answer onto the credentials a stored account holds; `externalId` is the mchid. */
export function wechatpayCredentialsFromSandbox(json: unknown): WechatpayCredentials {
  const sandbox = sandboxAccountSchema.parse(json);
  const verificationKeys: WechatpayVerificationKey[] = [];
  if (sandbox.wechatpay_public_key_id && sandbox.wechatpay_public_key) {
    verificationKeys.push({
      kind: 'public_key',
      serial: sandbox.wechatpay_public_key_id,
      publicKey: sandbox.wechatpay_public_key,
    });
  }
  for (const entry of sandbox.platform_certificates ?? []) {
    verificationKeys.push({ kind: 'platform_certificate', serial: entry.serial_no, certificate: entry.certificate });
  }
  return wechatpayCredentialsSchema.parse({
    mchid: sandbox.mchid,
    appid: sandbox.appid,
    merchantSerialNo: sandbox.merchant_serial_no,
    merchantPrivateKey: sandbox.merchant_private_key,
    apiV3Key: sandbox.api_v3_key,
    verificationKeys,
    ...(sandbox.app_secret === undefined ? {} : { appSecret: sandbox.app_secret }),
  });
}

/** Everything the adapter needs to build its wechatpay-axios-plugin client and check notifications. */
export interface WechatpayClientConfig {
  mchid: string;
  appid: string;
  merchantSerialNo: string;
  /** PKCS#8 PEM. */
  merchantPrivateKeyPem: string;
  merchantPrivateKey: KeyObject;
  apiV3Key: Buffer;
  /** WeChat's keys by serial, as the `Wechatpay-Serial` header names them. */
  verificationKeys: ReadonlyMap<string, KeyObject>;
  /**
   * The serial sent as `Wechatpay-Serial` on requests: during a switch to the public key, WeChat
   * signs its answer with the key the request names (https://pay.weixin.qq.com/doc/v3/partner/4012925289).
   * The public key when the account has one, as WeChat recommends; otherwise the first certificate.
   */
  preferredSerial: string;
  /** `https://api.mch.weixin.qq.com`, or the sandbox's `/wechatpay` in test mode. */
  baseUrl: string;
  /** The 公众号's AppSecret, for web OAuth; null in credentials stored before it. */
  appSecret: string | null;
}

/**
 * Test-mode accounts talk to the sandbox, live ones to WeChat Pay. Throws ProviderInvalidRequestError
 * when the credentials do not parse or do not belong to the account's mchid.
 */
export function wechatpayClientConfig(account: ProviderAccount, env: ProviderEnvironment): WechatpayClientConfig {
  const parsed = wechatpayCredentialsSchema.safeParse(account.credentials);
  if (!parsed.success) {
    throw new ProviderInvalidRequestError(
      `WeChat Pay credentials of ${account.id} are invalid: ${describeFirstIssue(parsed.error, 'credentials')}`,
    );
  }
  const credentials = parsed.data;
  if (credentials.mchid !== account.externalId) {
    throw new ProviderInvalidRequestError(
      `WeChat Pay credentials of ${account.id} are for mchid ${credentials.mchid}, but the account is mchid ${account.externalId}`,
    );
  }
  let baseUrl = WECHATPAY_LIVE_BASE_URL;
  if (!account.livemode) {
    if (!env.sandboxUrl)
      throw new ProviderInvalidRequestError(`${account.id} is a test-mode account, but no sandbox is configured`);
    baseUrl = `${env.sandboxUrl.replace(/\/+$/, '')}/wechatpay`;
  }
  const verificationKeys = new Map<string, KeyObject>();
  for (const key of credentials.verificationKeys) {
    verificationKeys.set(
      key.serial,
      key.kind === 'public_key'
        ? (readPublicKey(key.publicKey) as KeyObject)
        : (readCertificate(key.certificate) as X509Certificate).publicKey,
    );
  }
  const preferred =
    credentials.verificationKeys.find((key) => key.kind === 'public_key') ?? credentials.verificationKeys[0];
  const merchantPrivateKey = readPrivateKey(credentials.merchantPrivateKey) as KeyObject;
  return {
    mchid: credentials.mchid,
    appid: credentials.appid,
    merchantSerialNo: credentials.merchantSerialNo,
    merchantPrivateKeyPem: merchantPrivateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    merchantPrivateKey,
    apiV3Key: Buffer.from(credentials.apiV3Key, 'utf8'),
    verificationKeys,
    preferredSerial: preferred.serial,
    baseUrl,
    appSecret: credentials.appSecret ?? null,
  };
}
