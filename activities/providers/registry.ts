import type { ProviderName } from '../../domain/payment';
import { alipayCredentialsFromSandbox } from './alipay/alipay.config';
import { createAlipayProvider } from './alipay/alipay.provider';
import { wechatpayCredentialsFromSandbox } from './wechatpay/wechatpay.config';
import { createWechatpayProvider } from './wechatpay/wechatpay.provider';
import { unionpayCredentialsFromSandbox } from './unionpay/unionpay.config';
import { createUnionpayProvider } from './unionpay/unionpay.provider';
import type { PaymentProvider, ProviderAccount, ProviderEnvironment } from './provider';

interface ProviderModule {
  create(account: ProviderAccount, env: ProviderEnvironment): PaymentProvider;
  /** Turns the sandbox's `POST /_control/accounts` answer into what a stored account holds. */
  fromSandboxAccount(answer: unknown): { externalId: string; credentials: unknown };
}

/** One line per provider. */
const modules: Partial<Record<ProviderName, ProviderModule>> = {
  alipay: {
    create: createAlipayProvider,
    fromSandboxAccount: (answer) => withExternalId(alipayCredentialsFromSandbox(answer), 'appId'),
  },
  wechatpay: {
    create: createWechatpayProvider,
    fromSandboxAccount: (answer) => withExternalId(wechatpayCredentialsFromSandbox(answer), 'mchid'),
  },
  unionpay: {
    create: createUnionpayProvider,
    fromSandboxAccount: (answer) => withExternalId(unionpayCredentialsFromSandbox(answer), 'merId'),
  },
};

function withExternalId<C extends Record<string, unknown>>(
  credentials: C,
  idField: keyof C,
): { externalId: string; credentials: C } {
  return { externalId: String(credentials[idField]), credentials };
}

/** The adapter for one provider account. */
export function providerFor(account: ProviderAccount, env: ProviderEnvironment): PaymentProvider {
  return moduleOf(account.provider).create(account, env);
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
