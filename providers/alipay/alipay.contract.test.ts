import { describeProviderContract } from '../contract/provider-contract';
import type { ProviderAccount } from '../../domain/provider-account';
import type { AlipayCredentials } from './alipay.config';
import { createAlipayProvider } from './alipay.provider';

describeProviderContract({
  provider: 'alipay',
  channels: [
    { channel: 'alipay_qr', nextAction: 'display_qr_code' },
    { channel: 'alipay_pc', nextAction: 'redirect_to_url' },
    { channel: 'alipay_wap', nextAction: 'redirect_to_url' },
  ],
  create: createAlipayProvider,
  withWrongMerchantKey(account: ProviderAccount, other: ProviderAccount): ProviderAccount {
    const mine = account.credentials as AlipayCredentials;
    return { ...account, credentials: { ...mine, privateKey: (other.credentials as AlipayCredentials).privateKey } };
  },
  async reachCashier(created) {
    // Alipay learns of page.pay / wap.pay trades only when the shopper's browser opens the URL.
    if (created.nextAction.type === 'redirect_to_url') {
      const opened = await fetch(created.nextAction.redirect_to_url.url, { redirect: 'follow' });
      expect(opened.status).toBe(200);
    }
    // A QR trade exists at precreate; scanning is what /_control/pay simulates.
  },
  // Alipay signs notify_time but documents no freshness rule; retries come for 25 hours.
  checksNotificationTimestamp: false,
  systemErrorCode: 'isp.unknow-error',
});
