import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { assertNever } from '../../domain/assert-never';
import type { NotificationFault, NotificationFaults } from '../faults';
import { deliveryPlan, type NotificationAttempt } from '../notifier';
import type { SimulatorContext } from '../simulator';
import type { StoredTrade } from '../trades';
import type { WechatpayAccounts } from './wechatpay.accounts';
import { PROVIDER, type WechatpaySigningKey, type WechatpaySimRefund, type WechatpaySimTrade } from './wechatpay.model';
import { transactionJson } from './wechatpay.resources';
import { aeadEncrypt, formatWechatTime, randomAlphanumeric, responseMessage, rsaSign } from './wechatpay.signature';

/**
 * WeChat retries an unacknowledged notification after 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m,
 * 60m, 3h, 3h, 3h, 6h and 6h (24h4m in all). https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_3_5.shtml
 */
export const WECHATPAY_NOTIFY_RETRY_SECONDS = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
] as const;

/** Received is any 2xx (WeChat names 200 and 204); anything else is retried. https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_3_5.shtml */
export function wechatpayAcknowledges(status: number): boolean {
  return status >= 200 && status < 300;
}

// ---- signing each attempt -------------------------------------------------------------------
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

// ---- building and queuing --------------------------------------------------------------------

/** What one notification says, before it is encrypted and queued. */
interface NotificationContent {
  url: string;
  eventType: string;
  summary: string;
  originalType: 'transaction' | 'refund';
  resource: Record<string, unknown>;
  wrongAmountResource: Record<string, unknown>;
  kind: string;
  faults: NotificationFaults;
}

/**
 * WeChat Pay's notifications: the resource encrypted with the merchant's APIv3 key (AEAD_AES_256_GCM),
 * queued with the signing decided now, and signed afresh at each attempt by `headers`.
 */
export class WechatpayNotifications {
  constructor(
    private readonly context: SimulatorContext,
    private readonly accounts: WechatpayAccounts,
  ) {}

  /**
   * Signs each attempt afresh, with the key and the fault decided when it was queued: WeChat
   * signs every retry anew, so a retry a day later still has a recent timestamp.
   */
  async headers(n: NotificationAttempt): Promise<Record<string, string>> {
    const signing = wechatpayNotificationSigningSchema.safeParse(n.signing);
    if (!signing.success) {
      throw new WechatpayNotificationSigningError(
        `notification ${n.kind} of ${n.outTradeNo} has no signing decision it can read`,
      );
    }
    const secrets = await this.accounts.get(n.accountId);
    if (!secrets) throw new WechatpayNotificationSigningError(`merchant ${n.accountId} no longer exists`);
    const key = secrets.signing_keys.find((candidate) => candidate.serial === signing.data.serial);
    if (!key) throw new WechatpayNotificationSigningError(`merchant ${n.accountId} has no key ${signing.data.serial}`);
    return notificationHeaders(n.body, key, signing.data.mode);
  }

  async notifyPayment(trade: StoredTrade<WechatpaySimTrade>): Promise<void> {
    const t = trade.data;
    const faults = this.context.faults.notifications({
      provider: PROVIDER,
      accountId: t.mchid,
      outTradeNo: t.out_trade_no,
    });
    const resource = (total: number) => ({
      ...transactionJson({ ...t, trade_state: 'SUCCESS' }),
      amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
    });
    await this.enqueue(t, {
      url: t.notify_url,
      eventType: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      originalType: 'transaction',
      resource: resource(t.total),
      // A genuine, correctly signed notification that disagrees with the merchant's order: only
      // the receiver's own amount check can catch it.
      wrongAmountResource: resource(t.total + 100),
      kind: 'TRANSACTION.SUCCESS',
      faults,
    });
  }

  async notifyRefund(t: WechatpaySimTrade, refund: WechatpaySimRefund): Promise<void> {
    // Without notify_url WeChat uses the one set in the merchant platform; the sandbox has none.
    if (!refund.notify_url || !t.transaction_id) return;
    const faults = this.context.faults.notifications({
      provider: PROVIDER,
      accountId: t.mchid,
      outTradeNo: t.out_trade_no,
    });
    const eventType = `REFUND.${refund.status}`;
    const resource = (amount: number) => ({
      mchid: t.mchid,
      out_trade_no: t.out_trade_no,
      transaction_id: t.transaction_id,
      out_refund_no: refund.out_refund_no,
      refund_id: refund.refund_id,
      refund_status: refund.status,
      success_time: refund.success_time ? formatWechatTime(new Date(refund.success_time)) : undefined,
      user_received_account: '支付用户零钱',
      amount: { total: t.total, refund: amount, payer_total: t.total, payer_refund: amount },
    });
    await this.enqueue(t, {
      url: refund.notify_url,
      eventType,
      summary: { SUCCESS: '退款成功', ABNORMAL: '退款异常', CLOSED: '退款关闭', PROCESSING: '退款处理中' }[
        refund.status
      ],
      originalType: 'refund',
      resource: resource(refund.refund),
      wrongAmountResource: resource(refund.refund + 100),
      kind: `${eventType}:${refund.out_refund_no}`,
      faults,
    });
  }

  private async enqueue(t: WechatpaySimTrade, n: NotificationContent): Promise<void> {
    const secrets = await this.accounts.get(t.mchid);
    if (!secrets) return;
    const { mode } = n.faults;
    const plaintext = mode === 'signed_wrong_amount' || mode === 'tamper_amount' ? n.wrongAmountResource : n.resource;
    const nonce = randomAlphanumeric(12);
    const body = JSON.stringify({
      id: randomUUID(),
      create_time: formatWechatTime(new Date()),
      resource_type: 'encrypt-resource',
      event_type: n.eventType,
      summary: n.summary,
      resource: {
        original_type: n.originalType,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: aeadEncrypt(JSON.stringify(plaintext), secrets.api_v3_key, nonce, n.originalType),
        associated_data: n.originalType,
        nonce,
      },
    });
    await this.context.notifier.enqueue(
      {
        provider: PROVIDER,
        accountId: t.mchid,
        outTradeNo: t.out_trade_no,
        kind: n.kind,
        url: n.url,
        contentType: 'application/json',
        body,
        // Signed at each attempt by headers(); what must stay the same across retries is decided now.
        signing: notificationSigning(mode, this.accounts.notificationKey(secrets)),
      },
      deliveryPlan(
        n.faults,
        WECHATPAY_NOTIFY_RETRY_SECONDS.map((seconds) => seconds * 1000),
        this.context.timeScale,
      ),
    );
  }
}
