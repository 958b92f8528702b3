import type { ProviderModule } from '../provider';
import { wechatpayCredentialsForm } from './wechatpay.credentials-input';
import { wechatpayCredentialsFromSandbox } from './wechatpay.config';
import { checkWechatpayCredentials } from './wechatpay.credentials-check';
import { wechatShopperIdentification } from './wechatpay.oauth';
import { createWechatpayProvider } from './wechatpay.provider';

/** WeChat Pay as the registry sees it; the account's external id is its mchid. */
export const wechatpayModule: ProviderModule = {
  create: createWechatpayProvider,
  credentialsForm: wechatpayCredentialsForm,
  fromSandboxAccount: (answer) => {
    const credentials = wechatpayCredentialsFromSandbox(answer);
    return { externalId: credentials.mchid, credentials };
  },
  shopperIdentification: wechatShopperIdentification,
  checkCredentials: checkWechatpayCredentials,
};
