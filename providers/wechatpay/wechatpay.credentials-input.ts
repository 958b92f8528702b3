import type { KeyObject, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import {
  certificateField,
  certificatePart,
  defineCredentialsForm,
  keyPart,
  pemOf,
  readCertificate,
  readRsaPrivateKey,
  readRsaPublicKey,
  rsaPrivateKeyField,
  rsaPublicKeyField,
  samePublicKey,
  secretPart,
} from '../credentials-input';
import {
  wechatpayCredentialsSchema,
  type WechatpayCredentials,
  type WechatpayVerificationKey,
} from './wechatpay.config';

/** WeChat writes certificate serials as upper-case hex without leading zeros. */
const serialOf = (certificate: X509Certificate) => certificate.serialNumber.toUpperCase().replace(/^0+(?=.)/, '');
const sameSerial = (a: string, b: string) =>
  a.toUpperCase().replace(/^0+(?=.)/, '') === b.toUpperCase().replace(/^0+(?=.)/, '');

/**
 * A WeChat Pay merchant's files as an admin uploads them from the merchant platform (商户平台):
 * the API certificate and its key (apiclient_cert.pem, apiclient_key.pem), the APIv3 key, and
 * WeChat Pay's own keys: its public key (pub_key.pem and its PUB_KEY_ID_…) and/or platform
 * certificates (https://pay.weixin.qq.com/doc/v3/merchant/4012153196). The certificate gives the
 * serial every request names, and must be the key's.
 */
export const wechatpayCredentialsForm = defineCredentialsForm({
  fields: {
    /** The merchant id (商户号); the account's external id. */
    mchid: z.string().regex(/^\d{6,32}$/, 'must be the WeChat Pay merchant id (商户号, digits)'),
    /** The app id bound to the merchant (公众号 / 小程序 / 移动应用). */
    appid: z.string().regex(/^wx[0-9a-fA-F]{16}$/, 'must be a WeChat app id: wx followed by 16 hex digits'),
    /** apiclient_key.pem: signs every request. */
    merchant_private_key: rsaPrivateKeyField('apiclient_key.pem'),
    /** apiclient_cert.pem: its serial goes into every request; not stored (its serial is). */
    merchant_certificate: certificateField('apiclient_cert.pem').optional(),
    /** The API certificate's serial, when its file is not uploaded. */
    merchant_serial_no: z
      .string()
      .regex(/^[0-9A-Fa-f]{8,64}$/, 'must be the API certificate serial (hex)')
      .optional(),
    /** The APIv3 key (32 characters) set in the merchant platform: decrypts notifications. */
    api_v3_key: z.string().refine((key) => Buffer.byteLength(key, 'utf8') === 32, 'must be the 32-character APIv3 key'),
    /** The 公众号's AppSecret, for web OAuth (wechat_jsapi). */
    app_secret: z
      .string()
      .regex(/^[0-9A-Fa-f]{32}$/, 'must be a WeChat AppSecret (32 hex digits)')
      .optional(),
    /** WeChat Pay public key mode: the key's id (PUB_KEY_ID_…) and pub_key.pem. */
    wechatpay_public_key_id: z
      .string()
      .regex(/^PUB_KEY_ID_\w{1,64}$/, 'must be a WeChat Pay public key id (PUB_KEY_ID_…)')
      .optional(),
    wechatpay_public_key: rsaPublicKeyField('pub_key.pem').optional(),
    /** Platform certificate mode: WeChat Pay's certificates (wechatpay_….pem); their serials are read from them. */
    platform_certificates: z.array(certificateField('a WeChat Pay platform certificate')).max(5).optional(),
  },
  externalIdField: 'mchid',
  supersedes: { merchant_certificate: ['merchant_serial_no'] },
  check(input, ctx) {
    const issue = (path: Array<string | number>, message: string) => ctx.addIssue({ code: 'custom', path, message });
    const privateKey = readRsaPrivateKey(input.merchant_private_key);
    const certificate = input.merchant_certificate === undefined ? null : readCertificate(input.merchant_certificate);
    if (input.merchant_certificate === undefined && input.merchant_serial_no === undefined)
      issue(['merchant_certificate'], 'is required (apiclient_cert.pem), unless merchant_serial_no is given');
    if (privateKey && certificate && !certificate.checkPrivateKey(privateKey))
      issue(['merchant_private_key'], 'does not match merchant_certificate (apiclient_cert.pem)');
    if (
      certificate &&
      input.merchant_serial_no !== undefined &&
      !sameSerial(serialOf(certificate), input.merchant_serial_no)
    )
      issue(['merchant_serial_no'], `is not the serial of merchant_certificate (${serialOf(certificate)})`);
    const hasId = input.wechatpay_public_key_id !== undefined;
    const hasKey = input.wechatpay_public_key !== undefined;
    if (hasId !== hasKey)
      issue(
        [hasId ? 'wechatpay_public_key' : 'wechatpay_public_key_id'],
        'is required with the other half of the WeChat Pay public key',
      );
    if (!hasKey && !input.platform_certificates?.length)
      issue(['wechatpay_public_key'], "is required (pub_key.pem), unless WeChat Pay's platform_certificates are given");
    const publicKey = hasKey ? readRsaPublicKey(input.wechatpay_public_key as string) : null;
    if (privateKey && publicKey && samePublicKey(privateKey, publicKey))
      issue(
        ['wechatpay_public_key'],
        "is the merchant's own public key (it matches merchant_private_key), not WeChat Pay's",
      );
    const serials = new Set<string>();
    input.platform_certificates?.forEach((pem, index) => {
      const platform = readCertificate(pem);
      if (!platform) return;
      if (privateKey && platform.checkPrivateKey(privateKey))
        issue(['platform_certificates', index], "is the merchant's own API certificate, not WeChat Pay's");
      if (serials.has(serialOf(platform))) issue(['platform_certificates', index], 'is listed twice');
      serials.add(serialOf(platform));
    });
  },
  toStored(input): WechatpayCredentials {
    const certificate = input.merchant_certificate === undefined ? null : readCertificate(input.merchant_certificate);
    const verificationKeys: WechatpayVerificationKey[] = [];
    if (input.wechatpay_public_key_id !== undefined && input.wechatpay_public_key !== undefined)
      verificationKeys.push({
        kind: 'public_key',
        serial: input.wechatpay_public_key_id,
        publicKey: pemOf.publicKey(readRsaPublicKey(input.wechatpay_public_key) as KeyObject),
      });
    for (const pem of input.platform_certificates ?? []) {
      const platform = readCertificate(pem) as X509Certificate;
      verificationKeys.push({
        kind: 'platform_certificate',
        serial: serialOf(platform),
        certificate: pemOf.certificate(platform),
      });
    }
    return {
      mchid: input.mchid,
      appid: input.appid,
      merchantSerialNo: certificate ? serialOf(certificate) : (input.merchant_serial_no as string).toUpperCase(),
      merchantPrivateKey: pemOf.privateKey(readRsaPrivateKey(input.merchant_private_key) as KeyObject),
      apiV3Key: input.api_v3_key,
      verificationKeys,
      ...(input.app_secret === undefined ? {} : { appSecret: input.app_secret }),
    };
  },
  readStored: (stored) => wechatpayCredentialsSchema.parse(stored),
  toInput(stored) {
    const publicKey = stored.verificationKeys.find((key) => key.kind === 'public_key');
    const certificates = stored.verificationKeys.flatMap((key) =>
      key.kind === 'platform_certificate' ? [key.certificate] : [],
    );
    return {
      mchid: stored.mchid,
      appid: stored.appid,
      merchant_private_key: stored.merchantPrivateKey,
      merchant_serial_no: stored.merchantSerialNo,
      api_v3_key: stored.apiV3Key,
      ...(stored.appSecret === undefined ? {} : { app_secret: stored.appSecret }),
      ...(publicKey ? { wechatpay_public_key_id: publicKey.serial, wechatpay_public_key: publicKey.publicKey } : {}),
      ...(certificates.length ? { platform_certificates: certificates } : {}),
    };
  },
  describe(stored) {
    let certificateIndex = 0;
    return [
      {
        ...keyPart('merchant_private_key', 'private_key', readRsaPrivateKey(stored.merchantPrivateKey) as KeyObject),
        serial: stored.merchantSerialNo,
      },
      secretPart('api_v3_key'),
      ...(stored.appSecret === undefined ? [] : [secretPart('app_secret')]),
      ...stored.verificationKeys.map((key) =>
        key.kind === 'public_key'
          ? {
              ...keyPart('wechatpay_public_key', 'public_key', readRsaPublicKey(key.publicKey) as KeyObject),
              serial: key.serial,
            }
          : certificatePart(
              `platform_certificates[${certificateIndex++}]`,
              readCertificate(key.certificate) as X509Certificate,
              key.serial,
            ),
      ),
    ];
  },
  unknownOrderAnswer: { code: 'ORDER_NOT_EXIST', message: '订单不存在' },
});
