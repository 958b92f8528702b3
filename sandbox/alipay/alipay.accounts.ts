import { z } from 'zod';
import { parseAccountOptions } from '../account-options';
import { ControlNotFoundError } from '../errors';
import { newRsaKeyPair } from '../keys';
import { randomDigits } from '../random';
import type { SimulatorContext } from '../simulator';
import { PROVIDER, type AlipaySandboxSecrets } from './alipay.model';

const accountOptionsSchema = z.strictObject({
  /** Give the new app the Alipay key pair of an existing one, as apps of one Alipay developer may share it. */
  share_provider_keys_with: z.string().min(1).optional(),
});

/** Alipay apps: opening one (the keys a developer gets from Alipay's console) and reading its secrets. */
export class AlipayAccounts {
  constructor(private readonly context: SimulatorContext) {}

  get gatewayUrl(): string {
    return `${this.context.publicUrl}/alipay/gateway.do`;
  }

  /** `POST /_control/accounts {"provider":"alipay"}`: a new app, with what its developer would be handed. */
  async open(options: Record<string, unknown>): Promise<Record<string, unknown>> {
    const requested = parseAccountOptions(accountOptionsSchema, options);
    let platform: { privateKey: string; publicKey: string };
    if (requested.share_provider_keys_with) {
      const other = await this.get(requested.share_provider_keys_with);
      if (!other)
        throw new ControlNotFoundError('no such alipay app to share its key with', 'share_provider_keys_with');
      platform = { privateKey: other.platform_private_key, publicKey: other.platform_public_key };
    } else {
      platform = await newRsaKeyPair('pkcs1');
    }
    const merchant = await newRsaKeyPair('pkcs1');
    const { secrets } = await this.context.accounts.insertUnderFreshId(PROVIDER, () => {
      const drawn: AlipaySandboxSecrets = {
        app_id: `2021${randomDigits(12)}`,
        seller_id: `2088${randomDigits(12)}`,
        merchant_public_key: merchant.publicKey,
        platform_private_key: platform.privateKey,
        platform_public_key: platform.publicKey,
      };
      return { accountId: drawn.app_id, secrets: drawn };
    });
    this.context.logger.info({ provider: PROVIDER, app_id: secrets.app_id }, 'sandbox account opened');
    return {
      provider: PROVIDER,
      app_id: secrets.app_id,
      seller_id: secrets.seller_id,
      merchant_private_key: merchant.privateKey,
      merchant_public_key: merchant.publicKey,
      alipay_public_key: platform.publicKey,
      gateway: this.gatewayUrl,
      sign_type: 'RSA2',
    };
  }

  async get(appId: string): Promise<AlipaySandboxSecrets | null> {
    const account = await this.context.accounts.get<AlipaySandboxSecrets>(PROVIDER, appId);
    return account?.secrets ?? null;
  }
}
