import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseAccountOptions } from '../account-options';
import { ControlBadRequestError, ControlNotFoundError } from '../errors';
import { newRsaKeyPair } from '../keys';
import { randomDigits } from '../random';
import type { SimulatorContext } from '../simulator';
import {
  PROVIDER,
  wechatpayBaseUrl,
  type WechatpaySandboxSecrets,
  type WechatpaySigningKey,
  type WechatpayVerificationMode,
} from './wechatpay.model';
import { newAppSecret } from './wechatpay.oauth';
import {
  formatWechatTime,
  randomAlphanumeric,
  randomSerial,
  selfSignedPlatformCertificate,
} from './wechatpay.signature';

const verificationSchema = z.enum(['public_key', 'platform_certificate', 'both']);
const accountOptionsSchema = z.strictObject({
  verification: verificationSchema.optional(),
  /** Give the new merchant the WeChat Pay keys and APIv3 key of an existing one. */
  share_provider_keys_with: z.string().min(1).optional(),
});

/**
 * WeChat Pay merchants: opening one (mchid, its 公众号 appid and AppSecret, the APIv3 key, and
 * the keys WeChat signs with in the account's verification mode), and which key signs what.
 */
export class WechatpayAccounts {
  /** Which key signed each merchant's last notification, for accounts switching keys. */
  private readonly notificationKeyTurn = new Map<string, number>();

  constructor(private readonly context: SimulatorContext) {}

  /** `POST /_control/accounts {"provider":"wechatpay"}`: what the merchant platform would hand the merchant. */
  async open(options: Record<string, unknown>): Promise<Record<string, unknown>> {
    const requested = parseAccountOptions(accountOptionsSchema, options);
    const merchant = await newRsaKeyPair('pkcs8');
    let shared: WechatpaySandboxSecrets | null = null;
    if (requested.share_provider_keys_with) {
      shared = await this.get(requested.share_provider_keys_with);
      if (!shared)
        throw new ControlNotFoundError('no such wechatpay merchant to share its keys with', 'share_provider_keys_with');
      if (requested.verification && requested.verification !== shared.verification) {
        throw new ControlBadRequestError(
          `verification: ${shared.mchid} is in ${shared.verification} mode`,
          'verification',
        );
      }
    }
    const verification = shared?.verification ?? requested.verification ?? 'public_key';
    // The 公众号's AppSecret, for web OAuth: the merchant gets it now; the sandbox keeps its digest.
    const appSecret = newAppSecret();
    const { secrets } = await this.context.accounts.insertUnderFreshId(PROVIDER, async () => {
      const mchid = `1${randomDigits(9)}`;
      const drawn: WechatpaySandboxSecrets = {
        mchid,
        appid: `wx${randomBytes(8).toString('hex')}`,
        merchant_serial_no: randomSerial(40),
        merchant_public_key: merchant.publicKey,
        // A merchant sets the same APIv3 key on several mchids if it likes: sharing it makes the
        // other merchant's notifications decrypt, so that only the mchid tells them apart.
        api_v3_key: shared?.api_v3_key ?? randomAlphanumeric(32),
        app_secret_sha256: appSecret.sha256,
        verification,
        signing_keys: shared?.signing_keys ?? (await newSigningKeys(verification, mchid)),
      };
      return { accountId: mchid, secrets: drawn };
    });
    this.context.logger.info({ provider: PROVIDER, mchid: secrets.mchid, verification }, 'sandbox account opened');
    const publicKey = secrets.signing_keys.find((key) => key.kind === 'public_key');
    const certificates = secrets.signing_keys.filter((key) => key.kind === 'platform_certificate');
    return {
      provider: PROVIDER,
      mchid: secrets.mchid,
      appid: secrets.appid,
      app_secret: appSecret.secret,
      merchant_serial_no: secrets.merchant_serial_no,
      merchant_private_key: merchant.privateKey,
      merchant_public_key: merchant.publicKey,
      api_v3_key: secrets.api_v3_key,
      verification,
      ...(publicKey ? { wechatpay_public_key_id: publicKey.serial, wechatpay_public_key: publicKey.public_key } : {}),
      ...(certificates.length > 0
        ? {
            platform_certificates: certificates.map((key) => ({
              serial_no: key.serial,
              certificate: key.certificate,
            })),
          }
        : {}),
      base_url: wechatpayBaseUrl(this.context.publicUrl),
    };
  }

  async get(mchid: string): Promise<WechatpaySandboxSecrets | null> {
    const account = await this.context.accounts.get<WechatpaySandboxSecrets>(PROVIDER, mchid);
    return account?.secrets ?? null;
  }

  /**
   * The key WeChat signs an answer with: the one the request's `Wechatpay-Serial` names, else the
   * account's usual one (the certificate while switching: answers follow the request's header).
   * https://pay.weixin.qq.com/doc/v3/partner/4012925289
   */
  answerKey(secrets: WechatpaySandboxSecrets, requestedSerial?: string): WechatpaySigningKey {
    const named = requestedSerial ? secrets.signing_keys.find((key) => key.serial === requestedSerial) : undefined;
    if (named) return named;
    const preferred = secrets.verification === 'public_key' ? 'public_key' : 'platform_certificate';
    return secrets.signing_keys.find((key) => key.kind === preferred) ?? secrets.signing_keys[0];
  }

  /** Notifications of an account switching keys come signed by either, turn by turn (WeChat: at random). */
  notificationKey(secrets: WechatpaySandboxSecrets): WechatpaySigningKey {
    const turn = this.notificationKeyTurn.get(secrets.mchid) ?? 0;
    this.notificationKeyTurn.set(secrets.mchid, turn + 1);
    if (secrets.verification !== 'both') return this.answerKey(secrets);
    return secrets.signing_keys[turn % secrets.signing_keys.length];
  }
}

async function newSigningKeys(mode: WechatpayVerificationMode, mchid: string): Promise<WechatpaySigningKey[]> {
  const now = new Date();
  const keys: WechatpaySigningKey[] = [];
  if (mode === 'public_key' || mode === 'both') {
    const pair = await newRsaKeyPair('pkcs8');
    keys.push({
      kind: 'public_key',
      serial: `PUB_KEY_ID_01${`${mchid}${formatWechatTime(now).slice(0, 10).replaceAll('-', '')}${randomDigits(32)}`.slice(0, 32)}`,
      private_key: pair.privateKey,
      public_key: pair.publicKey,
      certificate: null,
      effective_time: now.toISOString(),
      expire_time: null,
    });
  }
  if (mode === 'platform_certificate' || mode === 'both') {
    const pair = await newRsaKeyPair('pkcs8');
    const serial = randomSerial(40);
    keys.push({
      kind: 'platform_certificate',
      serial,
      private_key: pair.privateKey,
      public_key: pair.publicKey,
      certificate: selfSignedPlatformCertificate(pair, serial, mchid, now),
      effective_time: new Date(now.getTime() - 86_400_000).toISOString(),
      expire_time: new Date(now.getTime() + 5 * 365 * 86_400_000).toISOString(),
    });
  }
  return keys;
}
