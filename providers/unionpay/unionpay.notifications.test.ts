import { NotificationRejectedError } from '../errors';
import { rawNotificationOf, notificationsTo, sandbox, useSandbox } from '../contract/adapter.testing';
import { createUnionpayProvider } from './unionpay.provider';
import { fault, newProvider, openAccount, pay, payment } from './unionpay.provider.testing';
import { makeTestPki, signedByUnionpay } from './unionpay.testing';

// UnionPay's notifications against the simulated UnionPay: which are trusted (signed by UnionPay's
// chain, for this merId), what they report, and the answer UnionPay reads back. Refund
// notifications: unionpay.provider.test.ts, with the refunds.

useSandbox({ timeScale: 1200 });

describe('verifyNotification', () => {
  test("accepts UnionPay's signed notification and reads the payment from it", async () => {
    const { provider } = await newProvider();
    const { outTradeNo } = await payment(provider);
    const [notification] = await notificationsTo(outTradeNo);
    expect(notification.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(notification.form.signPubKeyCert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(await provider.verifyNotification(rawNotificationOf(notification))).toEqual({
      kind: 'payment',
      trade: {
        outTradeNo,
        status: 'succeeded',
        providerTradeNo: notification.form.queryId,
        amountMinor: 1999,
        paidAt: expect.stringMatching(/Z$/),
        failureCode: null,
        failureMessage: null,
      },
    });
  });

  test.each(['tamper_signature', 'tamper_amount'])('refuses %s', async (mode) => {
    const { provider } = await newProvider();
    const { outTradeNo } = await payment(provider, { pay: null });
    await fault({ out_trade_no: outTradeNo, notifications: mode });
    await pay(outTradeNo);
    const [notification] = await notificationsTo(outTradeNo);
    await expect(provider.verifyNotification(rawNotificationOf(notification))).rejects.toThrow(
      new NotificationRejectedError('not signed by UnionPay: the signature does not match the message'),
    );
  });

  test('refuses a notification UnionPay signed for another merchant', async () => {
    const mine = await newProvider();
    const theirs = await openAccount({ share_provider_keys_with: mine.account.externalId });
    const { outTradeNo } = await payment(createUnionpayProvider(theirs.account, { sandboxUrl: sandbox.url }));
    const [notification] = await notificationsTo(outTradeNo);
    await expect(mine.provider.verifyNotification(rawNotificationOf(notification))).rejects.toThrow(
      new NotificationRejectedError(
        `notification is for merId ${theirs.account.externalId}, not ${mine.account.externalId}`,
      ),
    );
  });

  test('refuses a well-signed notification whose certificate is not from UnionPay’s chain', async () => {
    const { provider, account } = await newProvider();
    const impostor = makeTestPki();
    const form = signedByUnionpay(
      {
        version: '5.1.0',
        encoding: 'UTF-8',
        signMethod: '01',
        txnType: '01',
        respCode: '00',
        merId: account.externalId,
        orderId: 'pay12345678',
        txnTime: '20300101080000',
        txnAmt: '1',
      },
      impostor.signer,
    );
    await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.alloc(0), form })).rejects.toThrow(
      /not issued by the configured middle certificate/,
    );
  });

  test('refuses what is not a form, or a form without a signature', async () => {
    const { provider } = await newProvider();
    await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.from('{}'), form: null })).rejects.toThrow(
      NotificationRejectedError,
    );
    await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.alloc(0), form: {} })).rejects.toThrow(
      NotificationRejectedError,
    );
  });
});

describe('notificationAck', () => {
  test('answers HTTP 200 when accepted, which is all UnionPay reads, and 400 otherwise', async () => {
    const { provider } = await newProvider();
    expect(provider.notificationAck('accepted')).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: 'ok',
    });
    expect(provider.notificationAck('refused')).toMatchObject({ status: 400 });
  });
});
