import { generateKeyPairSync } from 'node:crypto';
import { eventually } from '../../sandbox/sandbox.testing';
import { sandbox, useSandbox } from '../contract/adapter.testing';
import type { ProviderAccount } from '../../domain/provider-account';
import { ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import { createAlipayProvider } from './alipay.provider';
import { fault, newProvider, openAccount, qrPayment } from './alipay.provider.testing';

// Alipay's signed transport (alipay.client.ts) as the adapter meets its failures through alipay-sdk
// against the sandbox: each classified as the workflow needs it. The failures every adapter meets
// alike (the provider's system error, HTTP 500, a tampered answer, an unreachable gateway) are the
// contract suite's.

useSandbox({ timeScale: 1200 });

describe('failures, as alipay-sdk meets them', () => {
  test('a gateway slower than the timeout is retryable; the call may still have taken effect', async () => {
    const { provider, account } = await newProvider();
    // Only the call under test is impatient: on a busy machine 300 ms can pass before any answer.
    const impatient = createAlipayProvider(account, { sandboxUrl: sandbox.url }, { timeoutMs: 300 });
    const { order, qr } = await qrPayment(provider);
    await fetch(qr);
    // Far slower than the timeout: urllib's timers are coarse (up to a second late).
    await fault({ out_trade_no: order.outTradeNo, api: { slow_ms: 4000, methods: ['alipay.trade.close'] } });
    await expect(impatient.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
    await eventually(async () => expect((await provider.queryPayment(order)).status).toBe('closed'));
  });

  test('a request signed with the wrong key is an invalid request', async () => {
    const account = await openAccount();
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const provider = createAlipayProvider(
      { ...account, credentials: { ...(account.credentials as Record<string, string>), privateKey: otherKey } },
      { sandboxUrl: sandbox.url },
    );
    await expect(provider.queryPayment({ outTradeNo: 'X', createdAt: new Date() })).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'isv.invalid-signature',
    });
  });

  test('an app the gateway does not know gets an unsigned answer, which is not trusted', async () => {
    const account = await openAccount();
    const stranger: ProviderAccount = {
      ...account,
      externalId: '2021999999999999',
      credentials: { ...(account.credentials as Record<string, string>), appId: '2021999999999999' },
    };
    await expect(
      createAlipayProvider(stranger, { sandboxUrl: sandbox.url }).queryPayment({
        outTradeNo: 'X',
        createdAt: new Date(),
      }),
    ).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'response_signature_invalid',
    });
  });
});
