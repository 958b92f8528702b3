import type { ProviderName } from '../domain/payment';
import { alipayModule } from './alipay/alipay.module';
import { unionpayModule } from './unionpay/unionpay.module';
import { wechatpayModule } from './wechatpay/wechatpay.module';
import type {
  CredentialsCheckAnswer,
  PaymentProvider,
  ProviderEnvironment,
  ProviderModule,
  ShopperIdentification,
} from './provider';
import { instrumented } from './instrumented-provider';
import type { ProviderAccount } from '../domain/provider-account';
import type { CredentialsForm } from './credentials-input';

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

/** How an admin uploads the provider's credentials, and how they are described afterwards. */
export function credentialsFormFor(provider: ProviderName): CredentialsForm {
  return moduleOf(provider).credentialsForm;
}

/**
 * "Test credentials": asks the provider, signed with the account's key, about `outTradeNo`, which
 * cannot exist. A signed, verified "no such order" proves both the key the provider knows and the
 * provider's key the account holds; resolves with that answer, throws a ProviderError otherwise.
 */
export async function checkCredentials(
  account: ProviderAccount,
  env: ProviderEnvironment,
  outTradeNo: string,
): Promise<CredentialsCheckAnswer> {
  const module = moduleOf(account.provider);
  if (module.checkCredentials) return module.checkCredentials(account, env, outTradeNo);
  const trade = await module.create(account, env).queryPayment({ outTradeNo, createdAt: new Date() });
  return trade.status === 'not_found'
    ? module.credentialsForm.unknownOrderAnswer
    : { code: trade.status, message: `${account.provider} knows an order ${outTradeNo}` };
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
