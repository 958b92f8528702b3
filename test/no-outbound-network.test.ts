import net from 'node:net';
import { alipayCredentialsFromSandbox } from '../providers/alipay/alipay.config';
import { createAlipayProvider } from '../providers/alipay/alipay.provider';
import { eventually, sandboxControl, testStack } from './stack';

// STYLE.md: outbound network is refused in tests, so nothing can reach a real gateway by accident.
describe('no test can reach beyond this machine', () => {
  test("jest's own processes run with the loopback-only guard", () => {
    // Not imported by this file: jest's setupFiles installed it.
    expect((net.Socket.prototype as unknown as Record<symbol, unknown>)[Symbol.for('tongbao.loopbackOnly')]).toBe(true);
  });

  test('the stack processes run with it too: a notification to a non-loopback host is refused at the socket', async () => {
    expect(testStack().env.NODE_OPTIONS).toMatch(/loopback-only\.js/);
    const opened = await sandboxControl('POST', '/_control/accounts', { provider: 'alipay' });
    expect(opened.status).toBe(201);
    const credentials = alipayCredentialsFromSandbox(opened.body);
    const provider = createAlipayProvider(
      { id: 'pa_test', provider: 'alipay', livemode: false, externalId: credentials.appId, credentials },
      { sandboxUrl: testStack().sandbox_url },
    );
    const outTradeNo = `guard${Date.now()}`;
    await provider.createPayment({
      channel: 'alipay_qr',
      outTradeNo,
      amountMinor: 100,
      currency: 'CNY',
      description: 'Guard',
      notifyUrl: 'http://merchant.tongbao.invalid/notify',
      returnUrl: null,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 600_000),
      clientIp: null,
      openid: null,
    });
    expect(
      (
        await sandboxControl('POST', '/_control/pay', {
          provider: 'alipay',
          out_trade_no: outTradeNo,
          outcome: 'success',
        })
      ).status,
    ).toBe(200);

    await eventually(async () => {
      const trade = (await sandboxControl('GET', `/_control/trades/alipay/${outTradeNo}`)).body as {
        notifications: { attempts: { error: string | null }[] }[];
      };
      expect(trade.notifications[0].attempts[0].error).toMatch(/outbound network refused in tests/);
    });
  });
});
