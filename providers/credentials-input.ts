import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { CredentialPart } from '../domain/provider-account';

// A provider account's credentials as an admin uploads them (the admin console reads the files of
// an `<input type=file>` and sends their contents: PEM as text, binary files as base64 or as the
// data: URL FileReader.readAsDataURL makes), checked by parsing every key and certificate with
// node:crypto, and described afterwards by fingerprints only.

/** RSA2 (SHA256withRSA), which every provider here signs with, wants at least 2048-bit keys. */
export const MIN_RSA_BITS = 2048;
/** A PEM key or certificate is a few kilobytes; a PKCS#12 file as base64 a few more. */
export const MAX_PEM_LENGTH = 20_000;
export const MAX_BASE64_FILE_LENGTH = 60_000;

/**
 * A provider's credentials form (`ProviderModule.credentialsForm`): the fields an admin uploads,
 * the checks between them, and the way to and from what `provider_accounts` stores (the adapter's
 * own credentials schema, in camelCase). Create with `defineCredentialsForm`.
 *
 * ```ts
 * const form = credentialsFormFor('alipay');
 * const input = z.strictObject(form.fields).superRefine(form.check).parse(body.credentials);
 * const stored = form.toStored(input);   // sealed into provider_accounts.credentials_encrypted
 * form.describe(stored);                 // [{ field: 'private_key', kind: 'private_key', keyBits: 2048, … }]
 * ```
 */
export interface CredentialsForm {
  /** Each uploaded field's own checks (zod shape, snake_case); fields a provider can do without are optional. */
  fields: z.ZodRawShape;
  /** The field naming the account at its provider (app id, mchid, merId): the account's external id, fixed once created. */
  externalIdField: string;
  /**
   * Fields an edit drops from the stored ones when another is uploaded: a new certificate carries
   * its own serial, so the old serial must not be kept beside it.
   */
  supersedes: Record<string, readonly string[]>;
  /** Checks between fields (a private key that matches its certificate…), each an issue on the field at fault. */
  check(input: Record<string, unknown>, ctx: z.RefinementCtx): void;
  /** Checked input → the credentials the adapter reads. */
  toStored(input: Record<string, unknown>): unknown;
  /** Stored credentials → input fields, so that an edit may replace some and keep the rest. */
  toInput(stored: unknown): Record<string, unknown>;
  /** The parts of stored credentials, by fingerprint; never a secret. */
  describe(stored: unknown): CredentialPart[];
  /** The provider's answer for an order it does not know: a credentials check that gets it, signed, passed. */
  unknownOrderAnswer: { code: string; message: string };
}

/** Types a provider's form by its fields and its stored credentials; the registry sees the untyped `CredentialsForm`. */
export function defineCredentialsForm<S extends z.ZodRawShape, C>(form: {
  fields: S;
  externalIdField: keyof S & string;
  supersedes?: Partial<Record<keyof S & string, ReadonlyArray<keyof S & string>>>;
  check(input: z.output<z.ZodObject<S>>, ctx: z.RefinementCtx): void;
  toStored(input: z.output<z.ZodObject<S>>): C;
  /** Parses what was stored (the adapter's schema) before `toInput` and `describe` see it. */
  readStored(stored: unknown): C;
  toInput(stored: C): z.input<z.ZodObject<S>>;
  describe(stored: C): CredentialPart[];
  unknownOrderAnswer: { code: string; message: string };
}): CredentialsForm {
  return {
    fields: form.fields,
    externalIdField: form.externalIdField,
    supersedes: (form.supersedes ?? {}) as Record<string, readonly string[]>,
    check: (input, ctx) => form.check(input as z.output<z.ZodObject<S>>, ctx),
    toStored: (input) => form.toStored(input as z.output<z.ZodObject<S>>),
    toInput: (stored) => form.toInput(form.readStored(stored)) as Record<string, unknown>,
    describe: (stored) => form.describe(form.readStored(stored)),
    unknownOrderAnswer: form.unknownOrderAnswer,
  };
}

/** A text file as a browser reads it: without a byte-order mark, Windows line ends, or blank lines around it. */
export function fileText(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .trim();
}

/** A binary file's base64, bare or in a data: URL; null when it is neither. */
export function fileBase64(text: string): string | null {
  const body = text
    .trim()
    .replace(/^data:[^,]{0,100};base64,/i, '')
    .replace(/\s+/g, '');
  return body.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(body) ? body : null;
}

const isPem = (text: string) => text.includes('-----BEGIN');

/**
 * An RSA private key: PEM (PKCS#1 or PKCS#8), or the bare base64 DER Alipay's key tool prints
 * (PKCS#8 for its "Java" flavour, PKCS#1 for the others). Null when it is none of these, or encrypted.
 */
export function readRsaPrivateKey(text: string): KeyObject | null {
  const clean = fileText(text);
  const der = isPem(clean) ? null : Buffer.from(clean.replace(/\s+/g, ''), 'base64');
  const attempts: Array<() => KeyObject> = der
    ? [
        () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
        () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
      ]
    : [() => createPrivateKey(clean)];
  for (const attempt of attempts) {
    try {
      const key = attempt();
      if (key.asymmetricKeyType === 'rsa') return key;
    } catch {
      // the next encoding
    }
  }
  return null;
}

/** An RSA public key: PEM (SPKI or PKCS#1) or bare base64 SPKI DER, as providers' consoles show them. Null otherwise. */
export function readRsaPublicKey(text: string): KeyObject | null {
  const clean = fileText(text);
  try {
    const key = isPem(clean)
      ? createPublicKey(clean)
      : createPublicKey({ key: Buffer.from(clean.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
    // A PEM private key or certificate also yields a public key: only a public key's own text counts.
    if (isPem(clean) && !/-----BEGIN (RSA )?PUBLIC KEY-----/.test(clean)) return null;
    return key.asymmetricKeyType === 'rsa' ? key : null;
  } catch {
    return null;
  }
}

/** An X.509 certificate: PEM, or base64 DER (a `.cer` file read as binary). Null otherwise. */
export function readCertificate(text: string): X509Certificate | null {
  const clean = fileText(text);
  try {
    return new X509Certificate(isPem(clean) ? clean : Buffer.from(clean.replace(/\s+/g, ''), 'base64'));
  } catch {
    return null;
  }
}

export const pemOf = {
  privateKey: (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  publicKey: (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString(),
  certificate: (certificate: X509Certificate) => certificate.toString(),
};

export const keyBits = (key: KeyObject): number => key.asymmetricKeyDetails?.modulusLength ?? 0;

/** SHA-256 (hex) of a key's public part as DER SPKI; the same for a private key and its public key. */
export function publicKeySha256(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export const samePublicKey = (a: KeyObject, b: KeyObject): boolean => publicKeySha256(a) === publicKeySha256(b);

/** Whether the certificate is valid at `now`. */
export function certificateValidAt(certificate: X509Certificate, now: Date = new Date()): boolean {
  return now.getTime() >= Date.parse(certificate.validFrom) && now.getTime() <= Date.parse(certificate.validTo);
}

/** A PEM text field (`…` names the file in the message): at most MAX_PEM_LENGTH characters. */
const pemText = () => z.string().min(1).max(MAX_PEM_LENGTH);

/** An RSA private key field, at least MIN_RSA_BITS, not encrypted. */
export function rsaPrivateKeyField(file: string) {
  return pemText().superRefine((text, ctx) => {
    if (/ENCRYPTED/.test(text)) {
      ctx.addIssue({
        code: 'custom',
        message: `is encrypted with a passphrase: upload ${file} without one`,
      });
      return;
    }
    const key = readRsaPrivateKey(text);
    if (!key) ctx.addIssue({ code: 'custom', message: `is not an RSA private key (${file}: PEM, or base64 DER)` });
    else if (keyBits(key) < MIN_RSA_BITS)
      ctx.addIssue({
        code: 'custom',
        message: `is a ${keyBits(key)}-bit key; at least ${MIN_RSA_BITS} bits are needed`,
      });
  });
}

/** An RSA public key field. */
export function rsaPublicKeyField(file: string) {
  return pemText().refine(
    (text) => readRsaPublicKey(text) !== null,
    `is not an RSA public key (${file}: PEM, or base64 DER)`,
  );
}

/** An X.509 certificate field with an RSA key, valid today. */
export function certificateField(file: string) {
  return pemText().superRefine((text, ctx) => {
    const certificate = readCertificate(text);
    if (!certificate) {
      ctx.addIssue({ code: 'custom', message: `is not an X.509 certificate (${file}: PEM, or base64 DER)` });
      return;
    }
    if (certificate.publicKey.asymmetricKeyType !== 'rsa')
      ctx.addIssue({ code: 'custom', message: 'is not a certificate of an RSA key' });
    else if (!certificateValidAt(certificate))
      ctx.addIssue({
        code: 'custom',
        message: `is not valid now (valid ${new Date(certificate.validFrom).toISOString()} to ${new Date(certificate.validTo).toISOString()})`,
      });
  });
}

/** A binary file's field: base64 or a data: URL. */
export function base64FileField(file: string) {
  return z
    .string()
    .min(1)
    .max(MAX_BASE64_FILE_LENGTH)
    .refine((text) => fileBase64(text) !== null, `is not base64 (${file}) or a data: URL of it`);
}

const noPart = {
  keyType: null,
  keyBits: null,
  publicKeySha256: null,
  serial: null,
  subject: null,
  validFrom: null,
  validTo: null,
} as const;

/** A key, by its type, size and the fingerprint of its public part. */
export function keyPart(field: string, kind: 'private_key' | 'public_key', key: KeyObject): CredentialPart {
  return {
    ...noPart,
    field,
    kind,
    keyType: key.asymmetricKeyType ?? null,
    keyBits: keyBits(key),
    publicKeySha256: publicKeySha256(key),
  };
}

/** A certificate, by its serial (as its provider writes it), subject, validity and key. */
export function certificatePart(
  field: string,
  certificate: X509Certificate,
  serial: string = certificate.serialNumber.toUpperCase(),
  kind: 'certificate' | 'pkcs12' = 'certificate',
): CredentialPart {
  return {
    ...keyPart(field, 'public_key', certificate.publicKey),
    kind,
    serial,
    subject: certificate.subject.replace(/\n/g, ', '),
    validFrom: new Date(certificate.validFrom),
    validTo: new Date(certificate.validTo),
  };
}

/** A secret (a symmetric key, a password): only that it is there. */
export function secretPart(field: string): CredentialPart {
  return { ...noPart, field, kind: 'secret' };
}
