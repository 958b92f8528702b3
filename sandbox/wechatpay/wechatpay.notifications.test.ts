import { generateKeyPairSync } from 'node:crypto';
import { Formatter, Rsa } from 'wechatpay-axios-plugin';
import { NOTIFICATION_FAULTS } from '../faults';
import type { WechatpaySigningKey } from './wechatpay.model';
import {
  notificationHeaders,
  notificationSigning,
  STALE_SECONDS,
  wechatpayNotificationSigningSchema,
} from './wechatpay.notifications';

// How one attempt at a notification is signed, checked with wechatpay-axios-plugin's own verifier.

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key: WechatpaySigningKey = {
  kind: 'public_key',
  serial: 'PUB_KEY_ID_0112345678902025010100000000000000',
  private_key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  public_key: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  certificate: null,
  effective_time: '2025-01-01T00:00:00.000Z',
  expire_time: null,
};
const body = '{"id":"n1","event_type":"TRANSACTION.SUCCESS"}';
const now = Date.UTC(2025, 5, 1, 12, 0, 0, 700);

const verifies = (headers: Record<string, string>, signedBody = body) =>
  Rsa.verify(
    Formatter.response(headers['Wechatpay-Timestamp'], headers['Wechatpay-Nonce'], signedBody),
    headers['Wechatpay-Signature'],
    Rsa.from(key.public_key, Rsa.KEY_TYPE_PUBLIC),
  );

describe('notificationSigning', () => {
  test.each([
    ['normal', 'normal'],
    ['drop', 'normal'],
    ['duplicate', 'normal'],
    ['signed_wrong_amount', 'normal'],
    ['tamper_signature', 'tamper'],
    ['tamper_amount', 'tamper'],
    ['stale_timestamp', 'stale'],
  ] as const)('the %s fault signs %s, with the key it was given', (fault, mode) => {
    expect(notificationSigning(fault, key)).toEqual({ serial: key.serial, mode });
  });

  test('every fault has a signing, and what is stored reads back', () => {
    for (const fault of NOTIFICATION_FAULTS) {
      const signing = notificationSigning(fault, key);
      expect(wechatpayNotificationSigningSchema.parse(JSON.parse(JSON.stringify(signing)))).toEqual(signing);
    }
    expect(wechatpayNotificationSigningSchema.safeParse({ serial: key.serial, mode: 'relay' }).success).toBe(false);
    expect(wechatpayNotificationSigningSchema.safeParse(null).success).toBe(false);
  });
});

describe('notificationHeaders', () => {
  test("a normal attempt is signed now over timestamp\\nnonce\\nbody\\n, with WeChat's headers", () => {
    const headers = notificationHeaders(body, key, 'normal', now);
    expect(headers).toMatchObject({
      'Wechatpay-Timestamp': String(Math.floor(now / 1000)),
      'Wechatpay-Serial': key.serial,
      'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    });
    expect(headers['Wechatpay-Nonce']).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(verifies(headers)).toBe(true);
    expect(verifies(headers, `${body} `)).toBe(false);
  });

  test('each attempt has its own nonce and, later, its own timestamp', () => {
    const first = notificationHeaders(body, key, 'normal', now);
    const retry = notificationHeaders(body, key, 'normal', now + 15_000);
    expect(retry['Wechatpay-Nonce']).not.toBe(first['Wechatpay-Nonce']);
    expect(Number(retry['Wechatpay-Timestamp']) - Number(first['Wechatpay-Timestamp'])).toBe(15);
    expect(verifies(retry)).toBe(true);
  });

  test('stale: correctly signed, 10 minutes in the past; tamper: the signature covers another body', () => {
    const stale = notificationHeaders(body, key, 'stale', now);
    expect(Number(stale['Wechatpay-Timestamp'])).toBe(Math.floor(now / 1000) - STALE_SECONDS);
    expect(verifies(stale)).toBe(true);
    expect(verifies(notificationHeaders(body, key, 'tamper', now))).toBe(false);
  });
});
