import type { ProviderName } from '../domain/payment';
import { alipayModule } from './alipay/alipay.module';
import { unionpayModule } from './unionpay/unionpay.module';
import { wechatpayModule } from './wechatpay/wechatpay.module';
import type { PaymentProvider, ProviderEnvironment, ProviderModule, ShopperIdentification } from './provider';
import { instrumented } from './instrumented-provider';
import type { ProviderAccount } from '../domain/provider-account';

/** One line per provider: its folder's module. */
const modules: Partial<Record<ProviderName, ProviderModule>> = {
  alipay: alipayModule,
  wechatpay: wechatpayModule,
  unionpay: unionpayModule,
};

/** The adapter for one provider account; its calls to the provider go through `env.instrument` when given. */
export function providerFor(account: ProviderAccount, env: ProviderEnvironment): PaymentProvider {
  const provider = moduleOf(account.provider).create(account, env);
  return env.instrument ? instrumented(provider, env.instrument) : provider;
}

/**
 * The account's way of identifying shoppers, or null when its provider has none (only providers
 * whose channels pay as a known user of the provider's app have one: WeChat Pay, for JSAPI).
 */
export function shopperIdentificationFor(
  account: ProviderAccount,
  env: ProviderEnvironment,
): ShopperIdentification | null {
  return moduleOf(account.provider).shopperIdentification?.(account, env) ?? null;
}

export function sandboxAccountFor(
  provider: ProviderName,
  answer: unknown,
): { externalId: string; credentials: unknown } {
  return moduleOf(provider).fromSandboxAccount(answer);
}

export function availableProviders(): ProviderName[] {
  return Object.keys(modules) as ProviderName[];
}

export function isProviderAvailable(provider: ProviderName): boolean {
  return modules[provider] !== undefined;
}

function moduleOf(provider: ProviderName): ProviderModule {
  const module = modules[provider];
  if (!module) throw new Error(`provider ${provider} is not available yet`);
  return module;
}
