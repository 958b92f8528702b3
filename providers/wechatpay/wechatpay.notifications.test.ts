import { notificationsTo, rawNotificationOf, sandbox, useSandbox } from '../contract/adapter.testing';
import { NotificationRejectedError } from '../errors';
import type { PaymentProvider, RawNotification } from '../provider';
import type { WechatpayCredentials } from './wechatpay.config';
import { createWechatpayProvider } from './wechatpay.provider';
import { fault, nativePayment, newProvider, openAccount, paidPayment, pay } from './wechatpay.provider.testing';

// WeChat Pay's notifications against the sandbox: refused for the right reason (signature, key,
// freshness, mchid, APIv3 key), what a genuine one reports, and the answer WeChat reads back.
// Refund notifications: wechatpay.provider.test.ts, with the refunds.

useSandbox({ timeScale: 600 });

async function notificationOf(outTradeNo: string): Promise<RawNotification> {
  const [request] = await notificationsTo(outTradeNo);
  return rawNotificationOf(request);
}

async function rejection(provider: PaymentProvider, notification: RawNotification): Promise<NotificationRejectedError> {
  const error = await provider.verifyNotification(notification).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotificationRejectedError);
  return error as NotificationRejectedError;
}

describe('verifyNotification', () => {
  test('accepts WeChat’s signed, encrypted notification and reads the payment from it', async () => {
    const { provider, account } = await newProvider();
    const { outTradeNo } = await paidPayment(provider, account);
    const verified = await provider.verifyNotification(await notificationOf(outTradeNo));
    expect(verified).toEqual({
      kind: 'payment',
      trade: {
        outTradeNo,
        status: 'succeeded',
        providerTradeNo: expect.stringMatching(/^\d{28}$/),
        amountMinor: 1999,
        paidAt: expect.stringMatching(/Z$/),
        failureCode: null,
        failureMessage: null,
      },
    });
  });

  test.each([
    ['tamper_signature', /signature does not verify/],
    ['tamper_amount', /signature does not verify/],
    ['stale_timestamp', /away from now/],
  ])('%s is refused: %p', async (mode, reason) => {
    const { provider, account } = await newProvider();
    const { outTradeNo } = (await nativePayment(provider)).order;
    await fault({ out_trade_no: outTradeNo, notifications: mode });
    await pay(account, outTradeNo);
    expect((await rejection(provider, await notificationOf(outTradeNo))).message).toMatch(reason);
  });

  test('a genuine notification is refused once it is more than 5 minutes old', async () => {
    const { provider, account } = await newProvider();
    const { outTradeNo } = await paidPayment(provider, account);
    const notification = await notificationOf(outTradeNo);
    const later = createWechatpayProvider(
      account,
      { sandboxUrl: sandbox.url },
      { now: () => new Date(Date.now() + 301_000) },
    );
    expect((await rejection(later, notification)).message).toMatch(/away from now/);
    const soonAfter = createWechatpayProvider(
      account,
      { sandboxUrl: sandbox.url },
      { now: () => new Date(Date.now() + 240_000) },
    );
    expect((await soonAfter.verifyNotification(notification)).kind).toBe('payment');
  });

  test("another merchant's notification is refused by its mchid, though the same WeChat key signed it and the same APIv3 key opens it", async () => {
    const { provider: mine, answer: myAnswer, account: myAccount } = await newProvider();
    const { account: theirAccount, answer: theirAnswer } = await openAccount({
      share_provider_keys_with: myAnswer.mchid,
    });
    const theirs = createWechatpayProvider(theirAccount, { sandboxUrl: sandbox.url });
    const { outTradeNo } = await paidPayment(theirs, theirAccount);
    const notification = await notificationOf(outTradeNo);
    expect((await theirs.verifyNotification(notification)).kind).toBe('payment');
    expect((await rejection(mine, notification)).message).toBe(
      `notification is for mchid ${theirAnswer.mchid}, not ${myAccount.externalId}`,
    );
  });

  test('key rotation: with both keys configured, notifications signed by either verify; a key the account lacks is refused', async () => {
    const { provider, account, answer } = await newProvider({}, { verification: 'both' });
    const orders = [await paidPayment(provider, account), await paidPayment(provider, account)];
    const notifications = await Promise.all(orders.map((order) => notificationOf(order.outTradeNo)));
    const serials = notifications.map((n) => n.headers['wechatpay-serial']);
    expect(new Set(serials)).toEqual(
      new Set([answer.wechatpay_public_key_id, answer.platform_certificates?.[0].serial_no]),
    );
    for (const notification of notifications)
      expect((await provider.verifyNotification(notification)).kind).toBe('payment');

    const credentials = account.credentials as WechatpayCredentials;
    const publicKeyOnly = createWechatpayProvider(
      {
        ...account,
        credentials: {
          ...credentials,
          verificationKeys: credentials.verificationKeys.filter((key) => key.kind === 'public_key'),
        },
      },
      { sandboxUrl: sandbox.url },
    );
    const byCertificate = notifications[serials.indexOf(answer.platform_certificates?.[0].serial_no)];
    expect((await rejection(publicKeyOnly, byCertificate)).message).toMatch(/which mchid \d+ does not have/);
    // The public-key-only adapter still works against the API: WeChat signs its answers with the key it names.
    expect((await publicKeyOnly.queryPayment(orders[0])).status).toBe('succeeded');
  });

  test('the wrong APIv3 key, missing headers and bodies that are not notifications are refused', async () => {
    const { provider, account } = await newProvider();
    const { outTradeNo } = await paidPayment(provider, account);
    const notification = await notificationOf(outTradeNo);
    const credentials = account.credentials as WechatpayCredentials;
    const wrongKey = createWechatpayProvider(
      { ...account, credentials: { ...credentials, apiV3Key: 'Z'.repeat(32) } },
      { sandboxUrl: sandbox.url },
    );
    expect((await rejection(wrongKey, notification)).message).toMatch(/does not decrypt/);
    const { 'wechatpay-signature': _signature, ...unsigned } = notification.headers;
    expect((await rejection(provider, { ...notification, headers: unsigned })).message).toMatch(/missing/);
    expect(
      (
        await rejection(provider, {
          ...notification,
          headers: { ...notification.headers, 'wechatpay-timestamp': 'soon' },
        })
      ).message,
    ).toMatch(/is not a time/);
    expect((await rejection(provider, { headers: {}, rawBody: Buffer.from('{}'), form: null })).message).toMatch(
      /missing/,
    );
  });
});

describe('notificationAck', () => {
  test('204 with no body when accepted; 400 with {"code":"FAIL"} otherwise, so WeChat retries', async () => {
    const { provider } = await newProvider();
    expect(provider.notificationAck('accepted')).toEqual({
      status: 204,
      contentType: 'application/json; charset=utf-8',
      body: '',
    });
    const refused = provider.notificationAck('refused');
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({ code: 'FAIL', message: expect.any(String) });
  });
});
