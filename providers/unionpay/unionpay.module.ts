import type { ProviderModule } from '../provider';
import { unionpayCredentialsForm } from './unionpay.credentials-input';
import { unionpayCredentialsFromSandbox } from './unionpay.config';
import { createUnionpayProvider } from './unionpay.provider';

/** UnionPay as the registry sees it; the account's external id is its merId. */
export const unionpayModule: ProviderModule = {
  create: createUnionpayProvider,
  credentialsForm: unionpayCredentialsForm,
  fromSandboxAccount: (answer) => {
    const credentials = unionpayCredentialsFromSandbox(answer);
    return { externalId: credentials.merId, credentials };
  },
};
