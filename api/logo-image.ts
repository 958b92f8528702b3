import type { LogoType } from '../db/entities';

/** The largest logo the hosted checkout shows (it travels in each page's HTML, as a data URL). */
export const MAX_LOGO_BYTES = 256 * 1024;

/**
 * Why a logo was refused, for the 400 naming `logo`. SVG is refused on purpose: it can carry
 * script, and the page would be serving the merchant's markup to every shopper.
 */
export type LogoProblem = 'not_base64' | 'too_large' | 'empty' | 'unsupported_type';

/**
 * The image's type by its first bytes (its "magic number"), never by what the sender says it is:
 * PNG `89 50 4E 47 0D 0A 1A 0A`, JPEG `FF D8 FF`, WebP `RIFF····WEBP`.
 */
export function imageTypeOf(bytes: Buffer): LogoType | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    bytes.length >= 12 &&
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'image/webp';
  return null;
}

const DATA_URL = /^data:([a-z0-9.+/-]+)?(;[a-z0-9=-]+)*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A logo as sent in JSON: bare base64 or a `data:image/…;base64,…` URL. The data URL's own type is
 * ignored (the bytes decide), so `data:image/png` wrapped around an SVG is still refused.
 */
export function decodeLogo(value: string): { bytes: Buffer; type: LogoType } | { problem: LogoProblem } {
  const payload = value.replace(DATA_URL, '').replace(/\s+/g, '');
  if (!BASE64.test(payload) || payload.length % 4 === 1) return { problem: 'not_base64' };
  // Checked before decoding, so a huge string is not decoded for nothing.
  if (Math.floor((payload.length * 3) / 4) - (payload.match(/=+$/)?.[0].length ?? 0) > MAX_LOGO_BYTES)
    return { problem: 'too_large' };
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.length === 0) return { problem: 'empty' };
  if (bytes.length > MAX_LOGO_BYTES) return { problem: 'too_large' };
  const type = imageTypeOf(bytes);
  return type ? { bytes, type } : { problem: 'unsupported_type' };
}

/** The logo as the account and the hosted checkout answer it: a data URL an `<img>` shows as is. */
export function logoDataUrl(bytes: Buffer | null | undefined, type: LogoType | null | undefined): string | null {
  return bytes && type ? `data:${type};base64,${bytes.toString('base64')}` : null;
}
