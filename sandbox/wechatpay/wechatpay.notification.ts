import { z } from 'zod';
import { assertNever } from '../../domain/assert-never';
import type { NotificationFault } from '../faults';
import type { WechatpaySigningKey } from './wechatpay.model';
import { randomAlphanumeric, responseMessage, rsaSign } from './wechatpay.signature';

// WeChat Pay signs each notification attempt in its headers, over `timestamp\nnonce\nbody\n`, and
// asks receivers to refuse a timestamp more than 5 minutes off; it signs every retry afresh.
// https://pay.weixin.qq.com/doc/v3/merchant/4012791861

/** The `stale_timestamp` fault signs this far in the past: twice WeChat's 5-minute window. */
export const STALE_SECONDS = 600;

/**
 * How every attempt at one notification is signed, decided when it is queued and stored with it
 * (the notifier's `signing`), so that a retry, even after a restart, is signed as the first was.
 */
export const wechatpayNotificationSigningSchema = z.strictObject({
  /** The key that signs: a `PUB_KEY_ID_…` or a platform certificate's serial. */
  serial: z.string().min(1),
  /** `tamper`: the signature covers another body; `stale`: signed 10 minutes in the past. */
  mode: z.enum(['normal', 'tamper', 'stale']),
});
export type WechatpayNotificationSigning = z.infer<typeof wechatpayNotificationSigningSchema>;

/** Raised when a queued notification cannot be signed: no readable signing decision, or its merchant or key is gone. */
export class WechatpayNotificationSigningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The signing a notification fault calls for, with the key that signs it. */
export function notificationSigning(fault: NotificationFault, key: WechatpaySigningKey): WechatpayNotificationSigning {
  switch (fault) {
    case 'stale_timestamp':
      return { serial: key.serial, mode: 'stale' };
    // tamper_amount: the amount was changed after WeChat signed, so the signature covers another body.
    case 'tamper_signature':
    case 'tamper_amount':
      return { serial: key.serial, mode: 'tamper' };
    case 'normal':
    case 'drop':
    case 'duplicate':
    case 'signed_wrong_amount':
      return { serial: key.serial, mode: 'normal' };
    default:
      return assertNever(fault);
  }
}

/** WeChat's headers for one attempt at a notification, signed at `nowMs` with `key`. */
export function notificationHeaders(
  body: string,
  key: WechatpaySigningKey,
  mode: WechatpayNotificationSigning['mode'],
  nowMs = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000) - (mode === 'stale' ? STALE_SECONDS : 0));
  const nonce = randomAlphanumeric(32);
  const signed = mode === 'tamper' ? `${body}\n{"tampered":true}` : body;
  return {
    'User-Agent': 'Mozilla/4.0',
    'Request-ID': `08${randomAlphanumeric(30)}`,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': key.serial,
    'Wechatpay-Signature': rsaSign(responseMessage(timestamp, nonce, signed), key.private_key),
    'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    'Wechatpay-Timestamp': timestamp,
  };
}
