import { NotificationRejectedError } from '../errors';
import type { NotificationAck, RawNotification } from '../provider';
import type { WechatpayClientConfig } from './wechatpay.config';
import {
  decryptWechatpayResource,
  verifyWechatpaySignature,
  wechatpaySignedMessage,
  WechatpayDecryptionError,
} from './wechatpay.crypto';
import { wechatpayNotificationSchema } from './wechatpay.types';

// WeChat Pay's notifications: which ones are WeChat's own (signed with a key the account holds,
// recent) and their resource decrypted with the APIv3 key; and the answer WeChat reads back. What a
// verified one reports, and for which mchid, is read in wechatpay.provider.ts, next to the queries
// that report the same transactions.

/**
 * WeChat refuses notifications older than this on its side of the same rule; we refuse theirs.
 * https://wechatpay-api.gitbook.io/wechatpay-api-v3 (验证签名: 检查时间戳, 5 分钟)
 */
const NOTIFICATION_MAX_SKEW_SECONDS = 300;

/** A notification WeChat signed: its event type, and its resource decrypted (JSON, not yet read). */
export interface VerifiedWechatpayNotification {
  eventType: string;
  resource: unknown;
}

/** Throws NotificationRejectedError unless WeChat signed the notification recently, with a key the account holds. */
export function verifyWechatpayNotification(
  config: WechatpayClientConfig,
  notification: RawNotification,
  now: Date,
): VerifiedWechatpayNotification {
  const header = (name: string): string | undefined => {
    const found = Object.entries(notification.headers).find(([key]) => key.toLowerCase() === name);
    return found?.[1]?.trim() || undefined;
  };
  const timestamp = header('wechatpay-timestamp');
  const nonce = header('wechatpay-nonce');
  const signature = header('wechatpay-signature');
  const serial = header('wechatpay-serial');
  if (!timestamp || !nonce || !signature || !serial) {
    throw new NotificationRejectedError('missing Wechatpay-Timestamp, -Nonce, -Signature or -Serial header');
  }
  if (!/^\d{1,12}$/.test(timestamp))
    throw new NotificationRejectedError(`Wechatpay-Timestamp ${JSON.stringify(timestamp)} is not a time`);
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp));
  if (skew > NOTIFICATION_MAX_SKEW_SECONDS) {
    throw new NotificationRejectedError(
      `Wechatpay-Timestamp is ${skew} s away from now (at most ${NOTIFICATION_MAX_SKEW_SECONDS} s): a replayed or delayed notification`,
    );
  }
  const key = config.verificationKeys.get(serial);
  if (!key) {
    throw new NotificationRejectedError(
      `signed with WeChat Pay key ${serial}, which mchid ${config.mchid} does not have (known: ${[...config.verificationKeys.keys()].join(', ')})`,
    );
  }
  const body = notification.rawBody.toString('utf8');
  if (!verifyWechatpaySignature(wechatpaySignedMessage(timestamp, nonce, body), signature, key)) {
    throw new NotificationRejectedError(`signature does not verify with WeChat Pay key ${serial}`);
  }

  let envelope;
  try {
    envelope = wechatpayNotificationSchema.parse(JSON.parse(body));
  } catch {
    throw new NotificationRejectedError('not a WeChat Pay notification (JSON with an encrypted resource)');
  }
  let plaintext: string;
  try {
    plaintext = decryptWechatpayResource(envelope.resource, config.apiV3Key);
  } catch (error) {
    if (error instanceof WechatpayDecryptionError)
      throw new NotificationRejectedError(`resource of ${envelope.event_type}: ${error.message}`);
    throw error;
  }
  return { eventType: envelope.event_type, resource: parseJson(plaintext) };
}

export function wechatpayNotificationAck(outcome: 'accepted' | 'refused'): NotificationAck {
  // WeChat reads the status: 200 or 204 with no body is received; 4xx/5xx with
  // {"code":"FAIL","message":…} is retried on its schedule (15s, 15s, 30s, 3m, 10m, …, 6h).
  // https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_3_5.shtml (通知应答)
  return outcome === 'accepted'
    ? { status: 204, contentType: 'application/json; charset=utf-8', body: '' }
    : {
        status: 400,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({ code: 'FAIL', message: '失败' }),
      };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new NotificationRejectedError('the decrypted resource is not JSON');
  }
}
