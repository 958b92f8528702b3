import { randomInt } from 'node:crypto';

/** `count` random decimal digits, leading zeros kept: the tail of providers' trade and merchant numbers. */
export function randomDigits(count: number): string {
  let out = '';
  while (out.length < count) out += String(randomInt(0, 1e9)).padStart(9, '0');
  return out.slice(0, count);
}

/** A uniform fraction in [0, 1), from the same cryptographic source. */
export function randomFraction(): number {
  return randomInt(0, 2 ** 48 - 1) / 2 ** 48;
}
