import { randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { newRsaKeyPair } from '../keys';
import { certIdOfPem } from './unionpay.signature';
import type { UnionpayPlatformSecrets } from './unionpay.model';

// The sandbox's stand-in for UnionPay's PKI (CFCA issues the real one). node:crypto makes the RSA
// keys; node-forge, which can build X.509 certificates and PKCS#12 files, does the rest.

/**
 * The CN of the sandbox's signing certificate. UnionPay's SDK reads the owner from the third
 * `@`-separated part (CertUtil.getIdentitiesFromCertficate); `00040000:SIGN` is the owner of
 * UnionPay's test-environment signing certificate, accepted in test mode.
 */
export const SANDBOX_SIGNER_CN = '041@Z12@00040000:SIGN@00000062';

const DAY_MS = 86_400_000;

/** A positive serial number of 8 random bytes, as hex without a leading zero byte. */
function newSerial(): string {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0] & 0x7f) | 0x10;
  return bytes.toString('hex');
}

type Name = forge.pki.CertificateField[];

function name(cn: string, ou: string): Name {
  return [
    { shortName: 'C', value: 'CN' },
    { shortName: 'O', value: 'Tongbao Sandbox UnionPay' },
    { shortName: 'OU', value: ou },
    // UTF8String, so that a CN with Chinese reads back as it was written.
    { shortName: 'CN', value: cn, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class },
  ];
}

interface IssueOptions {
  subject: Name;
  publicKeyPem: string;
  /** null: self-signed with `signingKeyPem`. */
  issuer: { certPem: string } | null;
  signingKeyPem: string;
  ca: boolean;
  validFrom: Date;
  validTo: Date;
}

function issue(options: IssueOptions): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(options.publicKeyPem);
  cert.serialNumber = newSerial();
  cert.validity.notBefore = options.validFrom;
  cert.validity.notAfter = options.validTo;
  cert.setSubject(options.subject);
  cert.setIssuer(
    options.issuer ? forge.pki.certificateFromPem(options.issuer.certPem).subject.attributes : options.subject,
  );
  cert.setExtensions(
    options.ca
      ? [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
          { name: 'subjectKeyIdentifier' },
        ]
      : [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
          { name: 'subjectKeyIdentifier' },
        ],
  );
  cert.sign(forge.pki.privateKeyFromPem(options.signingKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** UnionPay's root and middle CAs and its signing certificate, new. */
export async function createPlatformPki(now: Date = new Date()): Promise<UnionpayPlatformSecrets> {
  const [root, middle, signer] = await Promise.all([
    newRsaKeyPair('pkcs1'),
    newRsaKeyPair('pkcs1'),
    newRsaKeyPair('pkcs1'),
  ]);
  const from = new Date(now.getTime() - DAY_MS);
  const rootCert = issue({
    subject: name('Tongbao Sandbox UnionPay Root CA', 'Root'),
    publicKeyPem: root.publicKey,
    issuer: null,
    signingKeyPem: root.privateKey,
    ca: true,
    validFrom: from,
    validTo: new Date(now.getTime() + 20 * 365 * DAY_MS),
  });
  const middleCert = issue({
    subject: name('Tongbao Sandbox UnionPay OCA1', 'Middle'),
    publicKeyPem: middle.publicKey,
    issuer: { certPem: rootCert },
    signingKeyPem: root.privateKey,
    ca: true,
    validFrom: from,
    validTo: new Date(now.getTime() + 15 * 365 * DAY_MS),
  });
  const signCert = issue({
    subject: name(SANDBOX_SIGNER_CN, 'Enterprises'),
    publicKeyPem: signer.publicKey,
    issuer: { certPem: middleCert },
    signingKeyPem: middle.privateKey,
    ca: false,
    validFrom: from,
    validTo: new Date(now.getTime() + 10 * 365 * DAY_MS),
  });
  return {
    root_cert: rootCert,
    root_key: root.privateKey,
    middle_cert: middleCert,
    middle_key: middle.privateKey,
    sign_cert: signCert,
    sign_key: signer.privateKey,
  };
}

export interface MerchantSigningCertificate {
  /** PKCS#12, base64: what UnionPay's certificate tool hands a merchant (acp_test_sign.pfx). */
  pfxBase64: string;
  password: string;
  certPem: string;
  certId: string;
}

/** A signing certificate for merchant `merId`, issued by the middle CA, with its key in a PFX. */
export async function issueMerchantCertificate(
  platform: UnionpayPlatformSecrets,
  merId: string,
  password: string,
  now: Date = new Date(),
): Promise<MerchantSigningCertificate> {
  const keys = await newRsaKeyPair('pkcs1');
  const certPem = issue({
    subject: name(`041@Z${merId}@Tongbao Sandbox Merchant ${merId}@00000001`, 'Merchants'),
    publicKeyPem: keys.publicKey,
    issuer: { certPem: platform.middle_cert },
    signingKeyPem: platform.middle_key,
    ca: false,
    validFrom: new Date(now.getTime() - DAY_MS),
    validTo: new Date(now.getTime() + 5 * 365 * DAY_MS),
  });
  const p12 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(keys.privateKey),
    [forge.pki.certificateFromPem(certPem)],
    password,
    {
      algorithm: '3des',
      friendlyName: `${merId} sign`,
    },
  );
  const pfxBase64 = forge.util.encode64(forge.asn1.toDer(p12).getBytes());
  return { pfxBase64, password, certPem, certId: certIdOfPem(certPem) };
}
