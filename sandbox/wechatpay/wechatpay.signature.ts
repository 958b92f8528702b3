import { createCipheriv, createSign, createVerify, randomBytes, randomInt } from 'node:crypto';
import forge from 'node-forge';
import { inChinaTime } from '../../domain/china-time';

// The simulator keeps its own crypto instead of importing the adapter's: the conformance tests are
// worth more when the two sides do not share code that could be wrong in the same way.
// WeChat Pay APIv3: SHA256withRSA (PKCS#1 v1.5) base64 signatures over "\n"-terminated lines;
// AEAD_AES_256_GCM under the merchant's APIv3 key for notifications and certificates.
// https://wechatpay-api.gitbook.io/wechatpay-api-v3

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/** Upper-case hex, as WeChat writes certificate serials; the first digit keeps the DER integer positive. */
export function randomSerial(hexDigits = 40): string {
  return `${'1234567'[randomInt(7)]}${randomBytes(hexDigits)
    .toString('hex')
    .slice(0, hexDigits - 1)}`.toUpperCase();
}

export function rsaSign(message: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(privateKeyPem, 'base64');
}

export function rsaVerify(message: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

/** What a merchant signs for a request: `METHOD\nURL\ntimestamp\nnonce\nbody\n` (URL = path and query). */
export function requestMessage(method: string, url: string, timestamp: string, nonce: string, body: string): string {
  return `${method}\n${url}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** What WeChat signs for an answer or a notification: `timestamp\nnonce\nbody\n`. */
export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** JSAPI's paySign covers `appId\ntimeStamp\nnonceStr\npackage\n`. */
export function paySignMessage(appId: string, timeStamp: string, nonceStr: string, pkg: string): string {
  return `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`;
}

export interface Authorization {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

/**
 * `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`, in any
 * order; null when it is not one.
 */
export function parseAuthorization(header: string | undefined): Authorization | null {
  const match = /^WECHATPAY2-SHA256-RSA2048\s+(.+)$/.exec(header?.trim() ?? '');
  if (!match) return null;
  const fields: Record<string, string> = {};
  for (const part of match[1].matchAll(/(\w+)="([^"]*)"/g)) fields[part[1]] = part[2];
  const { mchid, nonce_str, signature, timestamp, serial_no } = fields;
  if (!mchid || !nonce_str || !signature || !timestamp || !serial_no) return null;
  return { mchid, nonce_str, signature, timestamp, serial_no };
}

/** AEAD_AES_256_GCM as WeChat uses it: base64(ciphertext ‖ 16-byte tag), nonce and associated data as UTF-8. */
export function aeadEncrypt(plaintext: string, apiV3Key: string, nonce: string, associatedData: string): string {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

/**
 * A self-signed X.509 certificate standing in for a WeChat Pay platform certificate (issued by
 * Tenpay's CA in reality), for the given key pair and serial, valid for five years as WeChat's are.
 */
export function selfSignedPlatformCertificate(
  keys: { privateKey: string; publicKey: string },
  serial: string,
  mchid: string,
  from = new Date(),
): string {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  certificate.serialNumber = serial.toLowerCase();
  certificate.validity.notBefore = new Date(from.getTime() - 86_400_000);
  certificate.validity.notAfter = new Date(from.getTime() + 5 * 365 * 86_400_000);
  const subject = [
    { name: 'commonName', value: 'Tenpay.com sandbox platform certificate' },
    { shortName: 'OU', value: `Tongbao sandbox mchid ${mchid}` },
    { name: 'organizationName', value: 'Tongbao sandbox (not Tenpay.com)' },
    { name: 'countryName', value: 'CN' },
  ];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

/** RFC 3339 in China time, as WeChat writes times: `2018-06-08T10:34:56+08:00`. */
export function formatWechatTime(date: Date): string {
  return `${inChinaTime(date).toISOString().slice(0, 19)}+08:00`;
}

/** RFC 3339 with an offset (or Z) → Date; null when malformed or not a real time. */
export function parseWechatTime(text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(local).getUTCDate() !== day) return null;
  const offset =
    match[7] === 'Z' ? 0 : (match[8] === '-' ? -1 : 1) * (Number(match[9]) * 60 + Number(match[10])) * 60_000;
  return new Date(local - offset);
}

/** Raises an amount by 100 fen when there is one, otherwise adds a field: either breaks the signature. */
export function tamperWith(text: string): string {
  const amount = /"(total|refund|payer_total)":(\d+)/.exec(text);
  if (amount) return text.replace(amount[0], `"${amount[1]}":${Number(amount[2]) + 100}`);
  return text.endsWith('}') ? `${text.slice(0, -1)},"sandbox_tampered":true}` : `${text} `;
}
