import type { ProviderName } from './payment';

/** A provider account with its credentials decrypted; see `provider_accounts`. */
export interface ProviderAccount {
  /** `pa_…`; also the `:account` of the notify URL. */
  id: string;
  provider: ProviderName;
  livemode: boolean;
  /** The provider's id for the account: Alipay app_id, WeChat mchid, UnionPay merId. */
  externalId: string;
  /** Provider-specific; each adapter parses it with its own schema. */
  credentials: unknown;
}
