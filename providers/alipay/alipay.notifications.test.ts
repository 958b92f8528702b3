import type { ReceivedRequest } from '../../sandbox/sandbox.testing';
import {
  newRefund,
  notificationsTo,
  rawNotificationOf,
  refundInput,
  sandbox,
  useSandbox,
} from '../contract/adapter.testing';
import { NotificationRejectedError } from '../errors';
import { createAlipayProvider } from './alipay.provider';
import { fault, newProvider, openAccount, paidPayment, pay, qrPayment } from './alipay.provider.testing';

// Alipay's notifications against the sandbox: which are trusted (signed by Alipay, for this app),
// what payments, refunds and closes they report, and the answer Alipay reads back.

useSandbox({ timeScale: 1200 });

describe('verifyNotification', () => {
  test("accepts Alipay's signed notification and reads the payment from it", async () => {
    const { provider } = await newProvider();
    const { outTradeNo } = await paidPayment(provider);
    const [notification] = await notificationsTo(outTradeNo);
    const verified = await provider.verifyNotification(rawNotificationOf(notification));
    expect(verified).toEqual({
      kind: 'payment',
      trade: {
        outTradeNo,
        status: 'succeeded',
        providerTradeNo: notification.form.trade_no,
        amountMinor: 1999,
        paidAt: expect.stringMatching(/Z$/),
        failureCode: null,
        failureMessage: null,
      },
    });
  });

  test('refuses a forged signature and a tampered amount', async () => {
    const { provider } = await newProvider();
    for (const mode of ['tamper_signature', 'tamper_amount']) {
      const { outTradeNo } = (await qrPayment(provider)).order;
      await fault({ out_trade_no: outTradeNo, notifications: mode });
      await pay(outTradeNo);
      const [notification] = await notificationsTo(outTradeNo);
      await expect(provider.verifyNotification(rawNotificationOf(notification))).rejects.toThrow(
        NotificationRejectedError,
      );
    }
  });

  test('refuses a notification correctly signed by Alipay for another app (same Alipay key)', async () => {
    const mine = await openAccount();
    const theirs = await openAccount({ share_provider_keys_with: mine.externalId });
    const myProvider = createAlipayProvider(mine, { sandboxUrl: sandbox.url });
    const theirProvider = createAlipayProvider(theirs, { sandboxUrl: sandbox.url });

    const { outTradeNo } = await paidPayment(theirProvider);
    const [notification] = await notificationsTo(outTradeNo);
    expect(notification.form.app_id).toBe(theirs.externalId);
    expect((await theirProvider.verifyNotification(rawNotificationOf(notification))).kind).toBe('payment');
    await expect(myProvider.verifyNotification(rawNotificationOf(notification))).rejects.toThrow(
      new NotificationRejectedError(`notification is for app ${theirs.externalId}, not ${mine.externalId}`),
    );
  });

  test('refuses what is not a form', async () => {
    const { provider } = await newProvider();
    await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.from('{}'), form: null })).rejects.toThrow(
      NotificationRejectedError,
    );
    await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.alloc(0), form: {} })).rejects.toThrow(
      NotificationRejectedError,
    );
  });

  test('reads refund notifications as refunds, and a closed trade as closed', async () => {
    const { provider } = await newProvider();
    const order = await paidPayment(provider);
    const { outTradeNo } = order;
    const re1 = newRefund(order, 're1');
    await provider.refund(refundInput(order, re1, 999, 1999));
    const notifications = await notificationsTo(outTradeNo, 2);
    const refundNotice = notifications.find((n) => n.form.out_biz_no === re1.outRefundNo);
    expect(await provider.verifyNotification(rawNotificationOf(refundNotice as ReceivedRequest))).toEqual({
      kind: 'refund',
      outTradeNo,
      refund: {
        outRefundNo: re1.outRefundNo,
        status: 'succeeded',
        providerRefundNo: null,
        amountMinor: null,
        failureReason: null,
      },
    });

    const { order: unpaid, qr } = await qrPayment(provider);
    await fetch(qr);
    await provider.closePayment(unpaid);
    const [closed] = await notificationsTo(unpaid.outTradeNo);
    expect(await provider.verifyNotification(rawNotificationOf(closed))).toMatchObject({
      kind: 'payment',
      trade: { status: 'closed', amountMinor: 1999, paidAt: null },
    });
  });
});

describe('notificationAck', () => {
  test('answers success when accepted and fail otherwise', async () => {
    const { provider } = await newProvider();
    expect(provider.notificationAck('accepted')).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: 'success',
    });
    expect(provider.notificationAck('refused')).toMatchObject({ status: 400, body: 'fail' });
  });
});
