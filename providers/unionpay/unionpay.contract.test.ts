import forge from 'node-forge';
import { describeProviderContract } from '../contract/provider-contract';
import type { ProviderAccount } from '../../domain/provider-account';
import type { UnionpayCredentials } from './unionpay.config';
import { createUnionpayProvider } from './unionpay.provider';

/**
 * `credentials`' PFX with its certificate kept and its private key swapped for `other`'s: this
 * merchant's certId, signed with another merchant's key.
 */
function pfxWithKeyOf(credentials: UnionpayCredentials, other: UnionpayCredentials): string {
  const open = (c: UnionpayCredentials) =>
    forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(c.signCertPfx)), c.signCertPassword);
  const cert = open(credentials).getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag]?.[0]?.cert;
  const key = open(other).getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[
    forge.pki.oids.pkcs8ShroudedKeyBag
  ]?.[0]?.key;
  if (!cert || !key) throw new Error('the sandbox PFX lacks a certificate or a key');
  const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], credentials.signCertPassword, { algorithm: '3des' });
  return forge.util.encode64(forge.asn1.toDer(p12).getBytes());
}

describeProviderContract({
  provider: 'unionpay',
  channels: [
    { channel: 'unionpay_pc', nextAction: 'redirect_to_url' },
    { channel: 'unionpay_wap', nextAction: 'redirect_to_url' },
  ],
  create: createUnionpayProvider,
  withWrongMerchantKey(account: ProviderAccount, other: ProviderAccount): ProviderAccount {
    const mine = account.credentials as UnionpayCredentials;
    return {
      ...account,
      credentials: { ...mine, signCertPfx: pfxWithKeyOf(mine, other.credentials as UnionpayCredentials) },
    };
  },
  async reachCashier(created) {
    // UnionPay learns of a gateway consume only when the shopper's browser posts the signed form.
    if (created.nextAction.type !== 'redirect_to_url')
      throw new Error(`expected a redirect, got ${created.nextAction.type}`);
    const { url, method, form } = created.nextAction.redirect_to_url;
    expect(method).toBe('POST');
    const opened = await fetch(url, { method: 'POST', body: new URLSearchParams(form ?? {}), redirect: 'follow' });
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('data-testid="pay"');
  },
  // UnionPay's notifications carry txnTime (when the order was sent), not a freshness stamp.
  checksNotificationTimestamp: false,
  systemErrorCode: '06',
});
