/** Money is an integer of minor units plus an ISO 4217 currency code. */
export interface Money {
  amountMinor: number;
  currency: Currency;
}

export const CURRENCIES = ['CNY'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Digits after the decimal point for each currency (ISO 4217 exponent). */
const EXPONENT: Record<Currency, number> = { CNY: 2 };

/** 1999 CNY minor units → "19.99", the decimal string the providers expect. */
export function toDecimalString(amountMinor: number, currency: Currency): string {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    throw new RangeError(`amount must be a non-negative integer of minor units, got ${amountMinor}`);
  }
  const exponent = EXPONENT[currency];
  if (exponent === 0) return String(amountMinor);
  const digits = String(amountMinor).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * "19.99" → 1999. Strict: rejects more decimals than the currency has, signs and exponents,
 * so that a provider's amount never silently rounds.
 */
export function fromDecimalString(decimal: string, currency: Currency): number {
  const exponent = EXPONENT[currency];
  const match = /^(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!match || (match[2] ?? '').length > exponent) {
    throw new RangeError(`not a ${currency} amount: ${JSON.stringify(decimal)}`);
  }
  const minor = Number(match[1]) * 10 ** exponent + Number((match[2] ?? '').padEnd(exponent, '0') || '0');
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount too large: ${decimal}`);
  return minor;
}
