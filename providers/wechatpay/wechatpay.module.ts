import type { ProviderModule } from '../provider';
import { wechatpayCredentialsFromSandbox } from './wechatpay.config';
import { wechatShopperIdentification } from './wechatpay.oauth';
import { createWechatpayProvider } from './wechatpay.provider';

/** WeChat Pay as the registry sees it; the account's external id is its mchid. */
export const wechatpayModule: ProviderModule = {
  create: createWechatpayProvider,
  fromSandboxAccount: (answer) => {
    const credentials = wechatpayCredentialsFromSandbox(answer);
    return { externalId: credentials.mchid, credentials };
  },
  shopperIdentification: wechatShopperIdentification,
};
