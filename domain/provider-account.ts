import type { ProviderName } from './payment';

/** A provider account with its credentials decrypted; see `provider_accounts`. */
export interface ProviderAccount {
  /** `pa_…`; also the `:account` of the notify URL. */
  id: string;
  provider: ProviderName;
  livemode: boolean;
  /** The provider's id for the account: Alipay app_id, WeChat mchid, UnionPay merId. */
  externalId: string;
  /** Provider-specific; each adapter parses it with its own schema. */
  credentials: unknown;
}

/**
 * One part of a provider account's credentials as the admin console shows it: what it is and how
 * to recognise it, never the secret itself (private keys, APIv3 keys, passwords are sealed and
 * never answered again). Each provider's folder describes its own parts.
 */
export interface CredentialPart {
  /** The field it is uploaded as (`private_key`, `platform_certificates[0]`). */
  field: string;
  kind: 'private_key' | 'public_key' | 'certificate' | 'pkcs12' | 'secret';
  /** `rsa`, for keys and certificates; null for secrets. */
  keyType: string | null;
  keyBits: number | null;
  /** SHA-256 (hex) of the DER public key (SPKI) of a key or certificate: compare it with the provider's console. */
  publicKeySha256: string | null;
  /** A certificate's serial as its provider writes it (WeChat Pay: hex; UnionPay: the decimal certId). */
  serial: string | null;
  subject: string | null;
  validFrom: Date | null;
  validTo: Date | null;
}

/**
 * How a provider account's credentials check ("test credentials") ended, for a console to word in
 * its own language: `passed`; `refused` (the provider refused the signed request: the credentials
 * do not work); `provider_signature_invalid` (it answered, but its answer did not verify with the
 * provider key stored); `unavailable` (not reached, or busy: nothing was judged); `error` (ours, logged).
 */
export const CHECK_OUTCOMES = ['passed', 'refused', 'provider_signature_invalid', 'unavailable', 'error'] as const;
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];
