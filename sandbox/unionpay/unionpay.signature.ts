import { createHash, createSign, createVerify, X509Certificate } from 'node:crypto';

// ACP 5.1.0 signMethod 01, as UnionPay's side does it (the adapter has its own implementation):
// SHA256withRSA over the lower-case hex SHA-256 of `k=v&…` (every field but `signature`, sorted
// by name, values raw). Merchants sign requests with their certificate's key and name it by
// certId; UnionPay signs answers and notifications with its own, and ships the certificate along
// as signPubKeyCert. Reference: UnionPay's acpsdk SDKUtil.sign / SDKUtil.validate (5.1.0 branch).

function contentOf(fields: Readonly<Record<string, string>>): string {
  return Object.keys(fields)
    .filter((name) => name !== 'signature')
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
}

const digestHex = (fields: Readonly<Record<string, string>>): string =>
  createHash('sha256').update(contentOf(fields), 'utf8').digest('hex');

/** The fields with their `signature` added. */
export function signFields(fields: Readonly<Record<string, string>>, privateKeyPem: string): Record<string, string> {
  const signature = createSign('RSA-SHA256').update(digestHex(fields), 'utf8').sign(privateKeyPem, 'base64');
  return { ...fields, signature };
}

/** Whether `fields.signature` verifies with the certificate's public key. */
export function verifyFields(fields: Readonly<Record<string, string>>, certPem: string): boolean {
  if (!fields.signature) return false;
  try {
    return createVerify('RSA-SHA256')
      .update(digestHex(fields), 'utf8')
      .verify(new X509Certificate(certPem).publicKey, fields.signature, 'base64');
  } catch {
    return false;
  }
}

/** A certificate's serial number in decimal, as UnionPay's certId. */
export function certIdOfPem(certPem: string): string {
  return BigInt(`0x${new X509Certificate(certPem).serialNumber}`).toString(10);
}

/**
 * A server-to-server answer as UnionPay writes it: `k=v&k=v`, values raw (the certificate's line
 * breaks and base64 `+`/`=` included), which is why its SDK reads answers with a parser of its own.
 */
export function answerText(fields: Readonly<Record<string, string>>): string {
  return Object.keys(fields)
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
}
