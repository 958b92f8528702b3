import { describeProviderContract } from '../contract/provider-contract';
import type { ProviderAccount } from '../../domain/provider-account';
import type { WechatpayCredentials } from './wechatpay.config';
import { createWechatpayProvider } from './wechatpay.provider';

describeProviderContract({
  provider: 'wechatpay',
  channels: [
    { channel: 'wechat_native', nextAction: 'display_qr_code' },
    { channel: 'wechat_jsapi', nextAction: 'wechat_jsapi', input: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } },
    { channel: 'wechat_h5', nextAction: 'redirect_to_url', input: { clientIp: '203.0.113.7' } },
  ],
  create: createWechatpayProvider,
  withWrongMerchantKey(account: ProviderAccount, other: ProviderAccount): ProviderAccount {
    const mine = account.credentials as WechatpayCredentials;
    return {
      ...account,
      credentials: { ...mine, merchantPrivateKey: (other.credentials as WechatpayCredentials).merchantPrivateKey },
    };
  },
  async reachCashier() {
    // WeChat creates the order at prepay: every channel can be paid (and queried) at once.
  },
  // WeChat signs Wechatpay-Timestamp and asks receivers to refuse it when more than 5 minutes off.
  checksNotificationTimestamp: true,
  systemErrorCode: 'SYSTEM_ERROR',
});
