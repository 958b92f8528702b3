import type { ProviderModule } from '../provider';
import { alipayCredentialsForm } from './alipay.credentials-input';
import { alipayCredentialsFromSandbox } from './alipay.config';
import { createAlipayProvider } from './alipay.provider';

/** Alipay as the registry sees it; the account's external id is its app_id. */
export const alipayModule: ProviderModule = {
  create: createAlipayProvider,
  credentialsForm: alipayCredentialsForm,
  fromSandboxAccount: (answer) => {
    const credentials = alipayCredentialsFromSandbox(answer);
    return { externalId: credentials.appId, credentials };
  },
};
