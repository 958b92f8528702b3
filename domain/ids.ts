import { randomBytes } from 'node:crypto';

export const ID_PREFIXES = {
  payment: 'pay',
  refund: 're',
  checkoutSession: 'cs',
  customer: 'cus',
  customerConsent: 'ccon',
  customerVerification: 'cver',
  event: 'evt',
  webhookEndpoint: 'we',
  taxRate: 'txr',
  merchant: 'mer',
  apiKey: 'key',
  providerAccount: 'pa',
  reconciliationRun: 'recon',
  request: 'req',
  message: 'msg',
  messageTemplate: 'tpl',
  messageAccount: 'ma',
  merchantMember: 'mem',
  paymentExport: 'pexp',
  staffMember: 'stf',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A random base62 string; 22 characters carry about 131 bits. */
export function randomToken(length = 22): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    // Rejection sampling keeps every character equally likely.
    if (bytes[i] < 248) out += ALPHABET[bytes[i] % 62];
  }
  return out.length === length ? out : out + randomToken(length - out.length);
}

/** A new id with its type prefix, e.g. `pay_3kTMd9…`. */
export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${randomToken(22)}`;
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(`${ID_PREFIXES[kind]}_`);
}
