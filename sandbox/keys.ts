import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** An RSA key pair as PEM text. */
export interface RsaKeyPairPem {
  privateKey: string;
  publicKey: string;
}

/**
 * A 2048-bit RSA key pair: the public key as SPKI, the private key in the encoding the provider
 * hands merchants (Alipay and UnionPay: PKCS#1; WeChat Pay: PKCS#8).
 */
export async function newRsaKeyPair(privateKeyType: 'pkcs1' | 'pkcs8'): Promise<RsaKeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: privateKeyType, format: 'pem' },
  });
  return { privateKey, publicKey };
}
