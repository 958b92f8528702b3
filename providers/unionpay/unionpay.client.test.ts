import { eventually } from '../../sandbox/sandbox.testing';
import { newRefund, paymentInput, refundInput, sandbox, useSandbox } from '../contract/adapter.testing';
import { ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type { UnionpayCredentials } from './unionpay.config';
import { createUnionpayProvider } from './unionpay.provider';
import { fault, newProvider, openAccount, payment } from './unionpay.provider.testing';
import { makeTestPki } from './unionpay.testing';

// UnionPay's signed transport (unionpay.client.ts) as the adapter meets its failures against the
// simulated UnionPay: each classified as the workflow needs it, retryable or for good. Answers the
// sandbox never gives: unionpay.answers.test.ts. The failures every adapter meets alike (the
// provider's system error, HTTP 500, a tampered answer, an unreachable gateway) are the contract
// suite's.

useSandbox({ timeScale: 1200 });

describe('failures, as the adapter meets them', () => {
  test('answers are trusted only under the configured root: another root refuses them all', async () => {
    const { account } = await openAccount();
    const other = makeTestPki();
    const misconfigured = createUnionpayProvider(
      {
        ...account,
        credentials: {
          ...(account.credentials as UnionpayCredentials),
          rootCert: other.root.certPem,
          middleCert: other.middle.certPem,
        },
      },
      { sandboxUrl: sandbox.url },
    );
    const order = await payment(createUnionpayProvider(account, { sandboxUrl: sandbox.url }));
    await expect(misconfigured.queryPayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'response_signature_invalid',
    });
  });

  test('a gateway slower than the timeout is retryable; the call may still have taken effect', async () => {
    const { provider, account } = await newProvider();
    // Only the call under test is impatient: on a busy machine 300 ms can pass before any answer.
    const impatient = createUnionpayProvider(account, { sandboxUrl: sandbox.url }, { timeoutMs: 300 });
    const order = await payment(provider);
    await fault({ out_trade_no: order.outTradeNo, api: { slow_ms: 2000, methods: ['backTransReq'] } });
    const refund = newRefund(order, 'S1');
    await expect(impatient.refund(refundInput(order, refund, 100, 1999))).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
    // The refund's creation time finds it, though no answer ever came back.
    await eventually(async () => expect((await provider.queryRefund(refund)).status).toMatch(/pending|succeeded/));
  });

  test('a request signed with another key is refused by UnionPay with 11, for good', async () => {
    const { account, answer } = await openAccount();
    const other = await openAccount();
    // The other merchant's PFX under this merId: its certId is not this merchant's certificate.
    const wrong = createUnionpayProvider(
      {
        ...account,
        credentials: {
          ...(account.credentials as UnionpayCredentials),
          signCertPfx: other.answer.sign_cert_pfx,
          signCertPassword: other.answer.sign_cert_password,
        },
      },
      { sandboxUrl: sandbox.url },
    );
    const order = await payment(createUnionpayProvider(account, { sandboxUrl: sandbox.url }));
    await expect(wrong.queryPayment(order)).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: '11',
    });
    expect(answer.sign_cert_id).not.toBe(other.answer.sign_cert_id);
  });

  test('a merId UnionPay does not know is refused (31), in a signed answer', async () => {
    const { account } = await openAccount();
    const credentials = account.credentials as UnionpayCredentials;
    const stranger = createUnionpayProvider(
      { ...account, externalId: '777000000000000', credentials: { ...credentials, merId: '777000000000000' } },
      { sandboxUrl: sandbox.url },
    );
    await expect(stranger.queryPayment({ outTradeNo: 'pay12345678', createdAt: new Date() })).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: '31',
    });
  });

  test('broken credentials fail each call for good, not the making of the adapter', async () => {
    const { account } = await openAccount();
    const broken = createUnionpayProvider(
      { ...account, credentials: { ...(account.credentials as UnionpayCredentials), signCertPassword: 'wrong' } },
      { sandboxUrl: sandbox.url },
    );
    await expect(broken.createPayment(paymentInput('unionpay_pc'))).rejects.toThrow(ProviderInvalidRequestError);
  });
});
