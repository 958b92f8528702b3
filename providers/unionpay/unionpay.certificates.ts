import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { certIdOf } from './unionpay.signature';

// UnionPay's side of the trust: ACP 5.1.0 messages carry the certificate that signed them
// (`signPubKeyCert`), so a verifier must decide whether to trust that certificate before it
// trusts the signature. UnionPay's SDK (CertUtil.verifyCertificate) checks that it is within its
// validity dates, that it chains to the configured middle and root certificates
// (acpsdk.middleCert.path / acpsdk.rootCert.path), and that its owner is UnionPay: the third
// `@`-separated part of its CN (`041@Z12@中国银联股份有限公司@00000001`). Without the owner check any
// certificate the same CA issued — a merchant's own signing certificate included — would pass.

/** Raised when the merchant's PFX cannot be used: not PKCS#12, wrong password, or no key with its certificate. */
export class UnionpayPfxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnionpayPfxError';
  }
}

/** The merchant's signing material, read from the PFX UnionPay's certificate tool issued. */
export interface UnionpaySigningCertificate {
  privateKey: KeyObject;
  certificate: X509Certificate;
  /** The certificate's serial number in decimal: the `certId` of every request. */
  certId: string;
}

/**
 * Reads the merchant's PKCS#12 (base64) with its password. node:crypto cannot open PKCS#12, so
 * node-forge does, and hands over PEM; everything after that is node:crypto. When the file holds
 * several certificates, the one matching the private key is taken.
 */
export function readSigningPfx(pfxBase64: string, password: string): UnionpaySigningCertificate {
  const compact = pfxBase64.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact))
    throw new UnionpayPfxError('the PFX is not base64');
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const der = forge.util.decode64(compact);
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), password);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/MAC could not be verified|Invalid password/i.test(message))
      throw new UnionpayPfxError('the PFX password is wrong');
    throw new UnionpayPfxError('the PFX is not a PKCS#12 file');
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const keyBag = keyBags.find((bag) => bag.key);
  if (!keyBag?.key) throw new UnionpayPfxError('the PFX holds no private key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key as forge.pki.rsa.PrivateKey));
  } catch {
    throw new UnionpayPfxError('the PFX private key is not an RSA key');
  }
  for (const bag of certBags) {
    if (!bag.cert) continue;
    const certificate = new X509Certificate(forge.pki.certificateToPem(bag.cert));
    if (certificate.checkPrivateKey(privateKey)) return { privateKey, certificate, certId: certIdOf(certificate) };
  }
  throw new UnionpayPfxError('the PFX holds no certificate for its private key');
}

/** Reads one PEM certificate; null when it is not one. */
export function readCertificate(pem: string): X509Certificate | null {
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

/**
 * The owner UnionPay's SDK reads from a certificate (CertUtil.getIdentitiesFromCertficate): the
 * third `@`-separated part of the subject's CN. Null when the CN has fewer parts.
 */
export function signerIdentity(certificate: X509Certificate): string | null {
  const cn = certificate.subject
    .split('\n')
    .find((line) => line.startsWith('CN='))
    ?.slice('CN='.length);
  const parts = cn?.split('@') ?? [];
  return parts.length > 2 ? parts[2] : null;
}

/** The certificates a `signPubKeyCert` must chain to, and whose it must be. */
export interface UnionpayTrust {
  root: X509Certificate;
  middle: X509Certificate;
  /** `中国银联股份有限公司` in production; see unionpay.config.ts. */
  expectedIdentity: string;
}

export type SignerCheck = { ok: true; certificate: X509Certificate } | { ok: false; reason: string };

/**
 * CertUtil.verifyCertificate on node:crypto: the certificate (and the chain above it) must be
 * within its validity dates, issued and signed by `middle`, which `root` issued and signed, and
 * owned by `expectedIdentity`.
 */
export function checkSignerCertificate(pem: string, trust: UnionpayTrust, now: Date = new Date()): SignerCheck {
  const certificate = readCertificate(pem);
  if (!certificate) return { ok: false, reason: 'signPubKeyCert is not a certificate' };
  for (const [name, cert] of [
    ['signPubKeyCert', certificate],
    ['the middle certificate', trust.middle],
    ['the root certificate', trust.root],
  ] as const) {
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (!(now.getTime() >= from && now.getTime() <= to)) {
      return {
        ok: false,
        reason: `${name} is not valid at ${now.toISOString()} (valid ${cert.validFrom} to ${cert.validTo})`,
      };
    }
  }
  if (!certificate.checkIssued(trust.middle) || !certificate.verify(trust.middle.publicKey)) {
    return { ok: false, reason: 'signPubKeyCert was not issued by the configured middle certificate' };
  }
  if (!trust.middle.ca || !trust.middle.checkIssued(trust.root) || !trust.middle.verify(trust.root.publicKey)) {
    return { ok: false, reason: 'the middle certificate was not issued by the configured root certificate' };
  }
  const identity = signerIdentity(certificate);
  if (identity !== trust.expectedIdentity) {
    return {
      ok: false,
      reason: `signPubKeyCert belongs to ${JSON.stringify(identity)}, not ${JSON.stringify(trust.expectedIdentity)}`,
    };
  }
  return { ok: true, certificate };
}
