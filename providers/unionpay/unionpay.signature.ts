import { createHash, createSign, createVerify, type KeyObject, type X509Certificate } from 'node:crypto';

// ACP 5.1.0, signMethod 01 ("RSA"): the signature is SHA256withRSA over the *lower-case hex* of
// the SHA-256 of the string to sign, not over the string itself: UnionPay's SDK hashes twice
// (SDKUtil.sign → SecureUtil.sha256X16, then signBySoft256). Verifying is the mirror image
// (SDKUtil.validate, the 5.1.0 branch). Gateway payment API list, whose every message is signed so:
// https://open.unionpay.com/tjweb/acproduct/APIList?apiservId=448

/** The field that carries the signature; it is the only one left out of the string to sign. */
export const SIGNATURE_FIELD = 'signature';

/**
 * SDKUtil.coverMap2String: every field but `signature`, sorted by name, as `k=v&k=v`, values as
 * they are (no encoding, empty values kept). The SDK drops blank fields before it signs a
 * request (SDKUtil.filterBlank), so requests should not carry any.
 */
export function unionpaySignContent(fields: Readonly<Record<string, string>>): string {
  return Object.keys(fields)
    .filter((name) => name.trim() !== SIGNATURE_FIELD)
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
}

/** SecureUtil.sha256X16: the SHA-256 of the UTF-8 text, as lower-case hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The `signature` value for these fields: base64 of SHA256withRSA over sha256Hex(content). */
export function unionpaySign(fields: Readonly<Record<string, string>>, privateKey: KeyObject): string {
  return createSign('RSA-SHA256')
    .update(sha256Hex(unionpaySignContent(fields)), 'utf8')
    .sign(privateKey, 'base64');
}

/** Whether `fields.signature` is the signature of the other fields by the holder of `publicKey`. */
export function unionpayVerify(fields: Readonly<Record<string, string>>, publicKey: KeyObject): boolean {
  const signature = fields[SIGNATURE_FIELD];
  if (!signature) return false;
  try {
    return createVerify('RSA-SHA256')
      .update(sha256Hex(unionpaySignContent(fields)), 'utf8')
      .verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/**
 * A certificate's `certId`: its serial number in decimal, as Java's
 * `X509Certificate.getSerialNumber().toString()` prints it (CertUtil.getSignCertId). Node gives
 * the serial in hex.
 */
export function certIdOf(certificate: X509Certificate): string {
  return decimalSerial(certificate.serialNumber);
}

/** `"0123ABCD"` → `"19114957"`. */
export function decimalSerial(hexSerial: string): string {
  if (!/^[0-9A-Fa-f]+$/.test(hexSerial)) throw new RangeError(`not a hex serial number: ${JSON.stringify(hexSerial)}`);
  return BigInt(`0x${hexSerial}`).toString(10);
}
