import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import {
  defineCredentialsForm,
  keyPart,
  pemOf,
  readRsaPrivateKey,
  readRsaPublicKey,
  rsaPrivateKeyField,
  rsaPublicKeyField,
  samePublicKey,
} from '../credentials-input';
import { alipayCredentialsSchema, type AlipayCredentials } from './alipay.config';

/**
 * An Alipay app's keys as an admin uploads them from Alipay's console and key tool (public key
 * mode, 公钥模式): https://opendocs.alipay.com/common/02kipl. The classic mistake, pasting the app's
 * own public key where Alipay's belongs, is refused by name.
 */
export const alipayCredentialsForm = defineCredentialsForm({
  fields: {
    /** The app id (APPID), 16 digits; the account's external id. */
    app_id: z.string().regex(/^\d{16}$/, 'must be the 16-digit Alipay app id (APPID)'),
    /** The app private key (应用私钥), PEM or the bare base64 Alipay's key tool prints. */
    private_key: rsaPrivateKeyField('the app private key, 应用私钥'),
    /** Alipay's public key (支付宝公钥) shown in the app's settings: verifies Alipay's answers and notifications. */
    alipay_public_key: rsaPublicKeyField('Alipay public key, 支付宝公钥'),
    /** Optional: the app public key (应用公钥) uploaded to Alipay, checked against `private_key`; not stored. */
    app_public_key: rsaPublicKeyField('the app public key, 应用公钥').optional(),
  },
  externalIdField: 'app_id',
  check(input, ctx) {
    const privateKey = readRsaPrivateKey(input.private_key);
    if (!privateKey) return;
    const alipayKey = readRsaPublicKey(input.alipay_public_key);
    if (alipayKey && samePublicKey(privateKey, alipayKey))
      ctx.addIssue({
        code: 'custom',
        path: ['alipay_public_key'],
        message:
          "is the app's own public key (it matches private_key): upload Alipay's public key (支付宝公钥), not the app public key (应用公钥)",
      });
    const appKey = input.app_public_key === undefined ? null : readRsaPublicKey(input.app_public_key);
    if (appKey && !samePublicKey(privateKey, appKey))
      ctx.addIssue({
        code: 'custom',
        path: ['private_key'],
        message: 'does not match app_public_key (the app public key uploaded to Alipay)',
      });
  },
  toStored: (input): AlipayCredentials => ({
    appId: input.app_id,
    privateKey: pemOf.privateKey(readRsaPrivateKey(input.private_key) as KeyObject),
    alipayPublicKey: pemOf.publicKey(readRsaPublicKey(input.alipay_public_key) as KeyObject),
  }),
  readStored: (stored) => alipayCredentialsSchema.parse(stored),
  toInput: (stored) => ({
    app_id: stored.appId,
    private_key: stored.privateKey,
    alipay_public_key: stored.alipayPublicKey,
  }),
  describe: (stored) => [
    keyPart('private_key', 'private_key', readRsaPrivateKey(stored.privateKey) as KeyObject),
    keyPart('alipay_public_key', 'public_key', readRsaPublicKey(stored.alipayPublicKey) as KeyObject),
  ],
  unknownOrderAnswer: { code: 'ACQ.TRADE_NOT_EXIST', message: '交易不存在' },
});
