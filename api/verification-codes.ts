import { createHmac, hkdfSync, randomInt, timingSafeEqual } from 'node:crypto';
import { VERIFICATION_CODE_DIGITS } from '../domain/checkout-details';

/**
 * The SMS codes of the hosted checkout's returning shoppers, kept only as HMACs. The key is derived
 * (HKDF) from TONGBAO_ENCRYPTION_KEY, the stack's existing secret, under a label of its own: a
 * database dump alone cannot turn a stored HMAC back into a 6-digit code by trying all million,
 * and the derived key is useless for opening the sealed credentials.
 */
export class VerificationCodes {
  private readonly key: Buffer;

  constructor(base64EncryptionKey: string) {
    this.key = Buffer.from(
      hkdfSync('sha256', Buffer.from(base64EncryptionKey, 'base64'), '', 'tongbao checkout verification codes', 32),
    );
  }

  /** A new code: VERIFICATION_CODE_DIGITS decimal digits, uniformly random, leading zeros kept. */
  newCode(): string {
    return String(randomInt(0, 10 ** VERIFICATION_CODE_DIGITS)).padStart(VERIFICATION_CODE_DIGITS, '0');
  }

  /** The code's HMAC, bound to its verification: the same code in another verification does not match. */
  codeMac(verificationId: string, code: string): string {
    return this.mac(`code:${verificationId}.${code}`);
  }

  /** Whether `code` is the one whose HMAC was stored, compared in constant time. */
  matches(verificationId: string, code: string, storedMac: string): boolean {
    const given = Buffer.from(this.codeMac(verificationId, code), 'hex');
    const stored = Buffer.from(storedMac, 'hex');
    return given.length === stored.length && timingSafeEqual(given, stored);
  }

  /** The phone's HMAC: sends are counted per phone without the number being kept. */
  phoneMac(e164: string): string {
    return this.mac(`phone:${e164}`);
  }

  private mac(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('hex');
  }
}
