import { z } from 'zod';
import { randomToken } from '../../domain/ids';
import { parseAccountOptions } from '../account-options';
import { ControlNotFoundError } from '../errors';
import { randomDigits } from '../random';
import type { SimulatorContext } from '../simulator';
import {
  PLATFORM_ACCOUNT_ID,
  PROVIDER,
  type UnionpayMerchantSecrets,
  type UnionpayPlatformSecrets,
} from './unionpay.model';
import { createPlatformPki, issueMerchantCertificate } from './unionpay.pki';

const MER_ID = /^[0-9A-Za-z]{15}$/;

const accountOptionsSchema = z.strictObject({
  /** UnionPay signs every merchant's messages with one certificate: this only checks the merchant exists. */
  share_provider_keys_with: z.string().min(1).optional(),
});

/** The gateway's endpoints, as a merchant's configuration names them. */
export type UnionpayEndpoint = 'frontTransReq' | 'backTransReq' | 'queryTrans' | 'fileTransRequest';

/**
 * UnionPay's own PKI (made once, shared by every sandbox process) and its merchants: opening one
 * issues it a signing certificate from UnionPay's middle CA.
 */
export class UnionpayAccounts {
  private platformLoading: Promise<UnionpayPlatformSecrets> | null = null;

  constructor(private readonly context: SimulatorContext) {}

  url(path: UnionpayEndpoint): string {
    return `${this.context.publicUrl}/unionpay/gateway/api/${path}.do`;
  }

  /** UnionPay's CAs and signing key: made once, kept in the database, the same for every sandbox process. */
  platform(): Promise<UnionpayPlatformSecrets> {
    this.platformLoading ??= this.loadPlatform().catch((error: unknown) => {
      this.platformLoading = null;
      throw error;
    });
    return this.platformLoading;
  }

  private async loadPlatform(): Promise<UnionpayPlatformSecrets> {
    const stored = await this.context.accounts.get<UnionpayPlatformSecrets>(PROVIDER, PLATFORM_ACCOUNT_ID);
    if (stored) return stored.secrets;
    const made = await createPlatformPki();
    if (
      await this.context.accounts.insert({
        provider: PROVIDER,
        accountId: PLATFORM_ACCOUNT_ID,
        secrets: made,
        createdAt: new Date(),
      })
    ) {
      this.context.logger.info({ provider: PROVIDER }, 'sandbox UnionPay certificates created');
      return made;
    }
    // Another sandbox process made them first: use theirs, so that every process signs alike.
    const winner = await this.context.accounts.get<UnionpayPlatformSecrets>(PROVIDER, PLATFORM_ACCOUNT_ID);
    if (!winner) throw new Error('the sandbox UnionPay certificates vanished');
    return winner.secrets;
  }

  /** `POST /_control/accounts {"provider":"unionpay"}`: a merchant, its certificate (PFX) and the gateway's URLs. */
  async open(options: Record<string, unknown>): Promise<Record<string, unknown>> {
    const requested = parseAccountOptions(accountOptionsSchema, options);
    if (requested.share_provider_keys_with && !(await this.merchant(requested.share_provider_keys_with))) {
      throw new ControlNotFoundError('no such unionpay merchant to share keys with', 'share_provider_keys_with');
    }
    const platform = await this.platform();
    const password = randomToken(16);
    const { secrets, cert } = await this.context.accounts.insertUnderFreshId(PROVIDER, async () => {
      const merId = `777${randomDigits(12)}`;
      const issued = await issueMerchantCertificate(platform, merId, password);
      const drawn: UnionpayMerchantSecrets = { mer_id: merId, cert_id: issued.certId, cert_pem: issued.certPem };
      return { accountId: merId, secrets: drawn, cert: issued };
    });
    this.context.logger.info({ provider: PROVIDER, mer_id: secrets.mer_id }, 'sandbox account opened');
    return {
      provider: PROVIDER,
      mer_id: secrets.mer_id,
      sign_cert_pfx: cert.pfxBase64,
      sign_cert_password: password,
      sign_cert_id: cert.certId,
      root_cert: platform.root_cert,
      middle_cert: platform.middle_cert,
      front_trans_url: this.url('frontTransReq'),
      back_trans_url: this.url('backTransReq'),
      query_trans_url: this.url('queryTrans'),
      file_trans_url: this.url('fileTransRequest'),
      version: '5.1.0',
      sign_method: '01',
    };
  }

  async merchant(merId: string): Promise<UnionpayMerchantSecrets | null> {
    if (!MER_ID.test(merId)) return null;
    return (await this.context.accounts.get<UnionpayMerchantSecrets>(PROVIDER, merId))?.secrets ?? null;
  }
}
