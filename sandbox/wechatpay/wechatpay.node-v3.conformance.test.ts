import WxPay from 'wechatpay-node-v3';
import type { IPayRequest } from 'wechatpay-node-v3/dist/lib/pay-request.interface';
import type { Output } from 'wechatpay-node-v3/dist/lib/interface-v2';
import { eventually, newOutTradeNo } from '../sandbox.testing';
import { notifyUrl, pay, received, sandbox, tradeRecord, useConformanceSandbox } from './wechatpay.conformance.testing';
import { openWechatpayAccount, type WechatpaySandboxAccount } from './wechatpay.testing';

// The simulated WeChat Pay against a second, independent client: wechatpay-node-v3, with its own
// signing and notification decryption, its host swapped through createHttp. (See
// wechatpay.conformance.test.ts for the whole set.)

useConformanceSandbox();

/**
 * wechatpay-node-v3 hard-codes https://api.mch.weixin.qq.com; its `createHttp` takes the object
 * that carries its requests (post/get/upload). This one sends them to the sandbox instead, after
 * the library signed them for WeChat's own host and path.
 */
class SandboxTransport implements IPayRequest {
  readonly requests: string[] = [];
  constructor(private readonly base: string) {}

  private target(url: string): string {
    const target = url.replace(/^https:\/\/api\.mch\.weixin\.qq\.com(?=\/)/, `${this.base}/wechatpay`);
    this.requests.push(target);
    return target;
  }

  private async answer(response: globalThis.Response): Promise<Output> {
    const text = await response.text();
    const data: unknown =
      text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
    return response.ok ? { status: response.status, data } : { status: response.status, error: text, errRaw: data };
  }

  async post(url: string, params: Record<string, unknown>, headers: Record<string, string>): Promise<Output> {
    return this.answer(await fetch(this.target(url), { method: 'POST', headers, body: JSON.stringify(params) }));
  }

  async get(url: string, headers: Record<string, string>): Promise<Output> {
    return this.answer(await fetch(this.target(url), { headers }));
  }

  async upload(): Promise<Output> {
    throw new Error('uploads are not simulated');
  }
}

describe('with wechatpay-node-v3 (its host swapped through createHttp)', () => {
  function nodeV3For(account: WechatpaySandboxAccount): { pay: WxPay; transport: SandboxTransport } {
    const pay = new WxPay({
      appid: account.appid,
      mchid: account.mchid,
      serial_no: account.merchant_serial_no,
      // Its constructor wants the merchant certificate to read the serial from; given serial_no it only checks presence.
      publicKey: Buffer.from(account.merchant_public_key),
      privateKey: Buffer.from(account.merchant_private_key),
      key: account.api_v3_key,
    });
    const transport = new SandboxTransport(sandbox.url);
    pay.createHttp(transport);
    return { pay, transport };
  }

  test('Native pay, query and close work; requests signed for WeChat’s /v3 path are accepted', async () => {
    const account = await openWechatpayAccount(sandbox);
    const { pay: client, transport } = nodeV3For(account);
    const outTradeNo = newOutTradeNo('N');
    const created = await client.transactions_native({
      description: 'node-v3 order',
      out_trade_no: outTradeNo,
      notify_url: notifyUrl(outTradeNo),
      amount: { total: 501 },
    });
    expect(created).toMatchObject({ status: 200, data: { code_url: expect.stringContaining('/wechatpay/scan/') } });
    expect(transport.requests[0]).toBe(`${sandbox.url}/wechatpay/v3/pay/transactions/native`);
    expect(await client.query({ out_trade_no: outTradeNo })).toMatchObject({
      status: 200,
      data: { trade_state: 'NOTPAY', amount: { total: 501 } },
    });
    expect((await client.close(outTradeNo)).status).toBe(204);
    expect(await client.query({ out_trade_no: outTradeNo })).toMatchObject({
      status: 200,
      data: { trade_state: 'CLOSED' },
    });

    const paid = newOutTradeNo('N');
    await client.transactions_native({
      description: 'node-v3 order',
      out_trade_no: paid,
      notify_url: notifyUrl(paid),
      amount: { total: 502 },
    });
    await pay(account, paid);
    expect(await client.query({ out_trade_no: paid })).toMatchObject({
      status: 200,
      data: { trade_state: 'SUCCESS', amount: { total: 502 } },
    });
    expect(await client.close(paid)).toMatchObject({ status: 400 });
  });

  test('its JSAPI pay parameters (paySign) open the sandbox’s JSAPI page, which pays the order', async () => {
    const account = await openWechatpayAccount(sandbox);
    const { pay: client } = nodeV3For(account);
    const outTradeNo = newOutTradeNo('N');
    const created = await client.transactions_jsapi({
      description: 'node-v3 JSAPI',
      out_trade_no: outTradeNo,
      notify_url: notifyUrl(outTradeNo),
      amount: { total: 300 },
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    });
    const parameters = created.data as Record<string, string>;
    expect(parameters).toMatchObject({
      appId: account.appid,
      signType: 'RSA',
      package: expect.stringMatching(/^prepay_id=wx/),
    });
    const prepayId = parameters.package.slice('prepay_id='.length);
    const page = await fetch(`${sandbox.url}/wechatpay/jsapi/${prepayId}?${new URLSearchParams(parameters)}`);
    expect(page.status).toBe(200);
    const action = /action="([^"]+\/pay)"/.exec(await page.text())?.[1] ?? '';
    expect(await (await fetch(action, { method: 'POST' })).text()).toContain('Payment succeeded');
    expect(await tradeRecord(outTradeNo)).toMatchObject({
      trade_state: 'SUCCESS',
      payer_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    });

    const forged = await fetch(
      `${sandbox.url}/wechatpay/jsapi/${prepayId}?${new URLSearchParams({ ...parameters, timeStamp: '1' })}`,
    );
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('支付验证签名失败');
  });

  test('its own verifySign (fetching /v3/certificates through the transport) and decipher_gcm accept the sandbox’s notifications', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'platform_certificate' });
    const { pay: client, transport } = nodeV3For(account);
    const outTradeNo = newOutTradeNo('N');
    await client.transactions_native({
      description: 'node-v3 notification',
      out_trade_no: outTradeNo,
      notify_url: notifyUrl(outTradeNo),
      amount: { total: 777 },
    });
    await pay(account, outTradeNo);
    const [notification] = await eventually(() => {
      expect(received(`/notify/${outTradeNo}`)).toHaveLength(1);
      return received(`/notify/${outTradeNo}`);
    });
    const verified = await client.verifySign({
      timestamp: String(notification.headers['wechatpay-timestamp']),
      nonce: String(notification.headers['wechatpay-nonce']),
      serial: String(notification.headers['wechatpay-serial']),
      signature: String(notification.headers['wechatpay-signature']),
      body: notification.rawBody,
      apiSecret: account.api_v3_key,
    });
    expect(verified).toBe(true);
    expect(transport.requests).toContain(`${sandbox.url}/wechatpay/v3/certificates`);
    const { resource } = JSON.parse(notification.rawBody) as {
      resource: { ciphertext: string; associated_data: string; nonce: string };
    };
    const transaction = client.decipher_gcm<Record<string, unknown>>(
      resource.ciphertext,
      resource.associated_data,
      resource.nonce,
    );
    expect(transaction).toMatchObject({
      out_trade_no: outTradeNo,
      mchid: account.mchid,
      trade_state: 'SUCCESS',
      amount: { total: 777 },
    });
    // A body altered after signing does not verify.
    expect(
      await client.verifySign({
        timestamp: String(notification.headers['wechatpay-timestamp']),
        nonce: String(notification.headers['wechatpay-nonce']),
        serial: String(notification.headers['wechatpay-serial']),
        signature: String(notification.headers['wechatpay-signature']),
        body: notification.rawBody.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" '),
        apiSecret: account.api_v3_key,
      }),
    ).toBe(false);
  });
});
