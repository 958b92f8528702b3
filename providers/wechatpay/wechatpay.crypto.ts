import { createDecipheriv, createSign, createVerify, randomInt, type KeyObject } from 'node:crypto';

// WeChat Pay APIv3 signs with SHA256withRSA (PKCS#1 v1.5), base64, over lines each ending in "\n";
// it encrypts notification resources with AEAD_AES_256_GCM under the merchant's APIv3 key.
// https://wechatpay-api.gitbook.io/wechatpay-api-v3 (签名 / 验签 / 回调报文解密)

const NONCE_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const GCM_TAG_BYTES = 16;

/** A random string of letters and digits, as WeChat's nonces are. */
export function randomNonce(length = 32): string {
  let out = '';
  for (let i = 0; i < length; i++) out += NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)];
  return out;
}

/** What WeChat signs in an answer or a notification: `timestamp\nnonce\nbody\n`. */
export function wechatpaySignedMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** Whether `signature` (base64) is WeChat's over `message` with `key`; false for anything malformed. */
export function verifyWechatpaySignature(message: string, signature: string, key: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(key, signature, 'base64');
  } catch {
    return false;
  }
}

/** The parameters WeixinJSBridge's getBrandWCPayRequest takes, without the signature. */
export interface JsapiPayParameters {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
}

/**
 * paySign of JSAPI / mini-program payments: the merchant's key over `appId\ntimeStamp\nnonceStr\npackage\n`.
 * https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_1_4.shtml
 */
export function jsapiPaySign(parameters: JsapiPayParameters, merchantPrivateKey: KeyObject): string {
  const message = `${parameters.appId}\n${parameters.timeStamp}\n${parameters.nonceStr}\n${parameters.package}\n`;
  return createSign('RSA-SHA256').update(message, 'utf8').sign(merchantPrivateKey, 'base64');
}

/** Raised when a notification's resource does not decrypt: wrong APIv3 key, altered ciphertext, nonce or associated data. */
export class WechatpayDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WechatpayDecryptionError';
  }
}

/**
 * Decrypts an AEAD_AES_256_GCM resource: ciphertext is base64 of the encrypted bytes followed by
 * the 16-byte tag; nonce and associated_data are plain strings. Throws WechatpayDecryptionError.
 */
export function decryptWechatpayResource(
  resource: { algorithm: string; ciphertext: string; nonce: string; associated_data?: string },
  apiV3Key: Buffer,
): string {
  if (resource.algorithm !== 'AEAD_AES_256_GCM')
    throw new WechatpayDecryptionError(`unsupported algorithm ${resource.algorithm}`);
  if (apiV3Key.length !== 32) throw new WechatpayDecryptionError('the APIv3 key is not 32 bytes');
  const bytes = Buffer.from(resource.ciphertext, 'base64');
  if (bytes.length <= GCM_TAG_BYTES) throw new WechatpayDecryptionError('ciphertext too short');
  try {
    const decipher = createDecipheriv('aes-256-gcm', apiV3Key, Buffer.from(resource.nonce, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - GCM_TAG_BYTES));
    decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - GCM_TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new WechatpayDecryptionError('the resource does not decrypt with the APIv3 key (altered, or another key)');
  }
}
