import type { ProviderName } from '../../domain/payment';
import { createAlipayProvider } from './alipay/alipay.provider';
import type { PaymentProvider, ProviderAccount, ProviderEnvironment } from './provider';

type ProviderFactory = (account: ProviderAccount, env: ProviderEnvironment) => PaymentProvider;

/** One line per provider. */
const factories: Partial<Record<ProviderName, ProviderFactory>> = {
  alipay: createAlipayProvider,
};

/** The adapter for one provider account. */
export function providerFor(account: ProviderAccount, env: ProviderEnvironment): PaymentProvider {
  const factory = factories[account.provider];
  if (!factory) throw new Error(`provider ${account.provider} is not available yet`);
  return factory(account, env);
}

export function isProviderAvailable(provider: ProviderName): boolean {
  return factories[provider] !== undefined;
}
