import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import WxPay from 'wechatpay-node-v3';
import type { IPayRequest } from 'wechatpay-node-v3/dist/lib/pay-request.interface';
import type { Output } from 'wechatpay-node-v3/dist/lib/interface-v2';
import {
  eventually,
  newOutTradeNo,
  startReceiver,
  startTestSandbox,
  type ReceivedRequest,
  type Receiver,
  type TestSandbox,
} from '../sandbox.testing';
import { openWechatpayAccount, type WechatpaySandboxAccount } from './wechatpay.testing';

// The simulated WeChat Pay against two independent clients, unchanged: wechatpay-axios-plugin
// (which signs every request and verifies every answer) and wechatpay-node-v3 (its own signing,
// its own notification decryption, its host swapped through createHttp). If both accept the
// sandbox, and the plugin refuses what it should refuse, so will the adapter built on it.

/** WeChat's retry schedule in a test's time: 15 s → 250 ms, 30 s → 500 ms; refunds settle in 1 s. */
const TIME_SCALE = 60;

let sandbox: TestSandbox;
let receiver: Receiver;
/** How the merchant's notify endpoint answers, per path; 204 unless told. */
const responders = new Map<string, (index: number) => { status: number; body: string }>();

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: TIME_SCALE });
  receiver = await startReceiver();
  receiver.respond = (request) => {
    const responder = responders.get(request.path);
    const index = receiver.requests.filter((r) => r.path === request.path).length - 1;
    return responder ? responder(index) : { status: 204, body: '' };
  };
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

type Plugin = InstanceType<typeof Wechatpay>;

/** The plugin as a merchant configures it: mchid, merchant key and serial, WeChat's keys by serial. */
function pluginFor(
  account: WechatpaySandboxAccount,
  overrides: { privateKey?: string; certs?: Record<string, string>; mchid?: string } = {},
): Plugin {
  const certs: Record<string, string> = {};
  if (account.wechatpay_public_key_id && account.wechatpay_public_key)
    certs[account.wechatpay_public_key_id] = account.wechatpay_public_key;
  for (const certificate of account.platform_certificates ?? []) certs[certificate.serial_no] = certificate.certificate;
  return new Wechatpay({
    mchid: overrides.mchid ?? account.mchid,
    serial: account.merchant_serial_no,
    privateKey: overrides.privateKey ?? account.merchant_private_key,
    certs: overrides.certs ?? certs,
    baseURL: account.base_url,
  });
}

interface PluginAnswer {
  status: number;
  data: Record<string, unknown> & { code?: string };
  headers: Record<string, string>;
}

interface PluginError {
  code?: string;
  message: string;
  response?: PluginAnswer;
}

async function settle(call: Promise<unknown>): Promise<PluginAnswer> {
  try {
    return (await call) as PluginAnswer;
  } catch (error) {
    const response = (error as PluginError).response;
    if (!response) throw error;
    return response;
  }
}

const notifyUrl = (outTradeNo: string, suffix = '') => `${receiver.url}/${outTradeNo}${suffix}`;
const received = (path: string) => receiver.requests.filter((r) => r.path === path);

function nativeBody(
  account: WechatpaySandboxAccount,
  outTradeNo: string,
  total = 1999,
  extra: Record<string, unknown> = {},
) {
  return {
    appid: account.appid,
    mchid: account.mchid,
    description: '茶具 Tea set',
    out_trade_no: outTradeNo,
    notify_url: notifyUrl(outTradeNo),
    amount: { total, currency: 'CNY' },
    ...extra,
  };
}

const query = (wxpay: Plugin, account: WechatpaySandboxAccount, outTradeNo: string) =>
  wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({
    params: { mchid: account.mchid },
    out_trade_no: outTradeNo,
  } as never);

const pay = (account: WechatpaySandboxAccount, outTradeNo: string, outcome: 'success' | 'fail' = 'success') =>
  sandbox.control('POST', '/_control/pay', {
    provider: 'wechatpay',
    out_trade_no: outTradeNo,
    account: account.mchid,
    outcome,
  });

const tradeRecord = async (outTradeNo: string) =>
  (
    await sandbox.control<
      Record<string, unknown> & {
        notifications: Array<Record<string, unknown>>;
        refunds: Array<Record<string, unknown>>;
      }
    >('GET', `/_control/trades/wechatpay/${outTradeNo}`)
  ).body;

async function paidOrder(account: WechatpaySandboxAccount, total = 1999): Promise<string> {
  const outTradeNo = newOutTradeNo('W');
  const created = await settle(
    pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo, total)),
  );
  expect(created.status).toBe(200);
  expect((await pay(account, outTradeNo)).status).toBe(200);
  return outTradeNo;
}

/** Verifies a notification as a merchant using the plugin's own helpers would, and decrypts its resource. */
function openNotification(
  request: ReceivedRequest,
  account: WechatpaySandboxAccount,
): { verified: boolean; resource: Record<string, unknown>; body: Record<string, unknown> } {
  const header = (name: string) => String(request.headers[name]);
  const keys: Record<string, string> = {};
  if (account.wechatpay_public_key_id && account.wechatpay_public_key)
    keys[account.wechatpay_public_key_id] = account.wechatpay_public_key;
  for (const certificate of account.platform_certificates ?? []) keys[certificate.serial_no] = certificate.certificate;
  const key = keys[header('wechatpay-serial')];
  const verified =
    key !== undefined &&
    Rsa.verify(
      Formatter.response(header('wechatpay-timestamp'), header('wechatpay-nonce'), request.rawBody),
      header('wechatpay-signature'),
      Rsa.from(key, Rsa.KEY_TYPE_PUBLIC),
    );
  const body = JSON.parse(request.rawBody) as {
    resource: { ciphertext: string; nonce: string; associated_data: string };
  };
  const resource = JSON.parse(
    Aes.AesGcm.decrypt(
      body.resource.ciphertext,
      account.api_v3_key,
      body.resource.nonce,
      body.resource.associated_data,
    ),
  ) as Record<string, unknown>;
  return { verified, resource, body: body as unknown as Record<string, unknown> };
}

describe('accounts', () => {
  test('a public-key account: 10-digit mchid, wx app id, merchant key and serial, APIv3 key, PUB_KEY_ID', async () => {
    const account = await openWechatpayAccount(sandbox);
    expect(account).toMatchObject({
      provider: 'wechatpay',
      verification: 'public_key',
      base_url: `${sandbox.url}/wechatpay`,
    });
    expect(account.mchid).toMatch(/^\d{10}$/);
    expect(account.appid).toMatch(/^wx[0-9a-f]{16}$/);
    expect(account.merchant_serial_no).toMatch(/^[0-9A-F]{40}$/);
    expect(account.merchant_private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(account.merchant_public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(Buffer.byteLength(account.api_v3_key)).toBe(32);
    expect(account.wechatpay_public_key_id).toMatch(/^PUB_KEY_ID_\d+$/);
    expect(account.wechatpay_public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(account.platform_certificates).toBeUndefined();
    expect((await openWechatpayAccount(sandbox)).mchid).not.toBe(account.mchid);
  });

  test('a platform-certificate account gets an X.509 certificate whose serial is the one listed', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'platform_certificate' });
    expect(account.wechatpay_public_key_id).toBeUndefined();
    const [entry] = account.platform_certificates ?? [];
    const certificate = new X509Certificate(entry.certificate);
    expect(certificate.serialNumber).toBe(entry.serial_no);
    expect(entry.serial_no).toMatch(/^[0-9A-F]{40}$/);
    expect(new Date(certificate.validTo).getTime()).toBeGreaterThan(Date.now() + 4 * 365 * 86_400_000);
  });

  test('an account switching to the public key has both; bad options are refused by name', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'both' });
    expect(account.wechatpay_public_key_id).toBeDefined();
    expect(account.platform_certificates).toHaveLength(1);
    const bad = await sandbox.control('POST', '/_control/accounts', { provider: 'wechatpay', verification: 'hmac' });
    expect(bad).toMatchObject({ status: 400, body: { error: { param: 'verification' } } });
    const unknown = await sandbox.control('POST', '/_control/accounts', {
      provider: 'wechatpay',
      share_provider_keys_with: '1000000000',
    });
    expect(unknown).toMatchObject({ status: 404, body: { error: { param: 'share_provider_keys_with' } } });
  });

  test('share_provider_keys_with gives a new merchant the same WeChat keys and APIv3 key, and its own mchid and merchant key', async () => {
    const first = await openWechatpayAccount(sandbox);
    const second = await openWechatpayAccount(sandbox, { share_provider_keys_with: first.mchid });
    expect(second.mchid).not.toBe(first.mchid);
    expect(second.merchant_private_key).not.toBe(first.merchant_private_key);
    expect(second).toMatchObject({
      wechatpay_public_key_id: first.wechatpay_public_key_id,
      wechatpay_public_key: first.wechatpay_public_key,
      api_v3_key: first.api_v3_key,
    });
  });
});

describe('with wechatpay-axios-plugin', () => {
  test('Native: prepay answers a code_url the shopper can open; the order is NOTPAY, then SUCCESS once paid', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = newOutTradeNo('W');
    const created = await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    expect(created.status).toBe(200);
    expect(created.headers['wechatpay-serial']).toBe(account.wechatpay_public_key_id);
    expect(created.data.code_url).toMatch(new RegExp(`^${sandbox.url}/wechatpay/scan/wx\\d{14}`));
    const page = await fetch(String(created.data.code_url));
    expect(await page.text()).toContain('19.99');

    const before = await settle(query(wxpay, account, outTradeNo));
    expect(before).toMatchObject({
      status: 200,
      data: { trade_state: 'NOTPAY', out_trade_no: outTradeNo, mchid: account.mchid, amount: { total: 1999 } },
    });
    expect(before.data.transaction_id).toBeUndefined();

    expect((await pay(account, outTradeNo)).body).toMatchObject({
      state: 'SUCCESS',
      amount: 1999,
      notify_url: notifyUrl(outTradeNo),
    });
    const after = await settle(query(wxpay, account, outTradeNo));
    expect(after.data).toMatchObject({
      trade_state: 'SUCCESS',
      trade_type: 'NATIVE',
      amount: { total: 1999, payer_total: 1999, currency: 'CNY' },
    });
    expect(after.data.transaction_id).toMatch(/^\d{28}$/);
    expect(after.data.success_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect((after.data.payer as { openid: string }).openid).toMatch(/^o/);

    const byId = await settle(
      wxpay.v3.pay.transactions.id._transaction_id_.get({
        params: { mchid: account.mchid },
        transaction_id: after.data.transaction_id,
      } as never),
    );
    expect(byId.data).toMatchObject({ out_trade_no: outTradeNo, trade_state: 'SUCCESS' });
    // Once paid, the same order number is refused.
    expect(await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)))).toMatchObject({
      status: 400,
      data: { code: 'ORDER_PAID' },
    });
  });

  test('JSAPI and H5 prepay; their required fields are PARAM_ERRORs that name the field', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const jsapi = await settle(
      wxpay.v3.pay.transactions.jsapi.post({
        ...nativeBody(account, newOutTradeNo('W')),
        payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      }),
    );
    expect(jsapi.data.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{20}0000$/);
    const h5 = await settle(
      wxpay.v3.pay.transactions.h5.post({
        ...nativeBody(account, newOutTradeNo('W')),
        scene_info: { payer_client_ip: '203.0.113.7', h5_info: { type: 'Wap' } },
      }),
    );
    expect(h5.data.h5_url).toMatch(new RegExp(`^${sandbox.url}/wechatpay/checkmweb\\?prepay_id=wx\\w+&package=\\d+$`));

    const noOpenid = await settle(wxpay.v3.pay.transactions.jsapi.post(nativeBody(account, newOutTradeNo('W'))));
    expect(noOpenid).toMatchObject({
      status: 400,
      data: { code: 'PARAM_ERROR', detail: { field: '/payer/openid', location: 'body' } },
    });
    const zero = await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, newOutTradeNo('W'), 0)));
    expect(zero).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/amount/total' } } });
    const withQuery = await settle(
      wxpay.v3.pay.transactions.native.post({
        ...nativeBody(account, newOutTradeNo('W')),
        notify_url: `${receiver.url}/x?a=1`,
      }),
    );
    expect(withQuery).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/notify_url' } } });
    const badExpiry = await settle(
      wxpay.v3.pay.transactions.native.post(
        nativeBody(account, newOutTradeNo('W'), 100, { time_expire: '2030-02-31T10:00:00+08:00' }),
      ),
    );
    expect(badExpiry).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/time_expire' } } });
    const otherApp = await settle(
      wxpay.v3.pay.transactions.native.post({
        ...nativeBody(account, newOutTradeNo('W')),
        appid: 'wx0000000000000000',
      }),
    );
    expect(otherApp).toMatchObject({ status: 400, data: { code: 'APPID_MCHID_NOT_MATCH' } });
  });

  test('the same unpaid order sent twice is one order; another amount is OUT_TRADE_NO_USED', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = newOutTradeNo('W');
    const first = await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    const second = await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    expect(second.data.code_url).toBe(first.data.code_url);
    expect(await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo, 2000)))).toMatchObject({
      status: 400,
      data: { code: 'OUT_TRADE_NO_USED' },
    });
  });

  test('a request signed with another private key is refused 401 SIGN_ERROR, and nothing is created', async () => {
    const account = await openWechatpayAccount(sandbox);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const outTradeNo = newOutTradeNo('W');
    const refused = await settle(
      pluginFor(account, { privateKey: otherKey }).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)),
    );
    expect(refused).toMatchObject({ status: 401, data: { code: 'SIGN_ERROR' } });
    expect((await sandbox.control('GET', `/_control/trades/wechatpay/${outTradeNo}`)).status).toBe(404);
  });

  test('an unknown mchid is MCH_NOT_EXISTS, answered without a signature', async () => {
    const account = await openWechatpayAccount(sandbox);
    const refused = await settle(
      pluginFor(account, { mchid: '1999999999' }).v3.pay.transactions.native.post(
        nativeBody(account, newOutTradeNo('W')),
      ),
    );
    expect(refused).toMatchObject({ status: 400, data: { code: 'MCH_NOT_EXISTS' } });
    expect(refused.headers['wechatpay-signature']).toBeUndefined();
  });

  test('the plugin refuses an answer altered after signing, signed by another key, or by a serial it does not know', async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = await paidOrder(account);
    const fault = await sandbox.control<{ id: string }>('POST', '/_control/faults', {
      provider: 'wechatpay',
      account: account.mchid,
      tamper_response: true,
    });
    const tampered = await query(pluginFor(account), account, outTradeNo).then(
      () => null,
      (error: unknown) => error as PluginError,
    );
    expect(tampered?.code).toBe('EV3_RES_HEADER_SIGNATURE_DIGEST');
    // Unverified, the raw text shows the alteration: the amount was raised after signing.
    expect(JSON.parse(String(tampered?.response?.data))).toMatchObject({ amount: { total: 2099 } });
    // The 204 of a close carries no body: its nonce is what changes after signing.
    const unpaid = newOutTradeNo('W');
    await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, unpaid)));
    const closed = await pluginFor(account)
      .v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ mchid: account.mchid }, {
        out_trade_no: unpaid,
      } as never)
      .then(
        () => null,
        (error: unknown) => error as PluginError,
      );
    expect(closed?.code).toBe('EV3_RES_HEADER_SIGNATURE_DIGEST');
    expect((await sandbox.control('DELETE', `/_control/faults/${fault.body.id}`)).status).toBe(200);

    const impostorKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const wrongKey = await query(
      pluginFor(account, { certs: { [account.wechatpay_public_key_id as string]: impostorKey } }),
      account,
      outTradeNo,
    ).catch((e: unknown) => e as PluginError);
    expect(wrongKey).toMatchObject({ code: 'EV3_RES_HEADER_SIGNATURE_DIGEST' });
    const unknownSerial = await query(
      pluginFor(account, { certs: { PUB_KEY_ID_0000: impostorKey } }),
      account,
      outTradeNo,
    ).catch((e: unknown) => e as PluginError);
    expect(unknownSerial).toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
    expect(await settle(query(pluginFor(account), account, outTradeNo))).toMatchObject({
      status: 200,
      data: { amount: { total: 1999 } },
    });
  });

  test('close: 204 and CLOSED; a paid order is ORDER_PAID; an unknown one is 204 too, as on WeChat', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const close = (outTradeNo: string) =>
      settle(
        wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ mchid: account.mchid }, {
          out_trade_no: outTradeNo,
        } as never),
      );
    const open = newOutTradeNo('W');
    await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, open)));
    expect(await close(open)).toMatchObject({ status: 204, data: '' });
    expect((await settle(query(wxpay, account, open))).data).toMatchObject({
      trade_state: 'CLOSED',
      trade_state_desc: '订单已关闭',
    });
    expect(await tradeRecord(open)).toMatchObject({ close_reason: 'merchant' });
    expect((await pay(account, open)).status).toBe(409);
    expect(await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, open)))).toMatchObject({
      status: 400,
      data: { code: 'ORDER_CLOSED' },
    });

    expect(await close(await paidOrder(account))).toMatchObject({ status: 400, data: { code: 'ORDER_PAID' } });
    const unknown = newOutTradeNo('W');
    expect((await close(unknown)).status).toBe(204);
    expect(await settle(query(wxpay, account, unknown))).toMatchObject({
      status: 404,
      data: { code: 'ORDER_NOT_EXIST' },
    });
  });

  test('an order whose time_expire passes closes by itself, and nobody is told', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = newOutTradeNo('W');
    const inTwoSeconds = `${new Date(Date.now() + 8 * 3600_000 + 1500).toISOString().slice(0, 19)}+08:00`;
    await settle(
      wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo, 100, { time_expire: inTwoSeconds })),
    );
    expect((await settle(query(wxpay, account, outTradeNo))).data.trade_state).toBe('NOTPAY');
    await eventually(
      async () =>
        expect(await tradeRecord(outTradeNo)).toMatchObject({ trade_state: 'CLOSED', close_reason: 'expired' }),
      { timeoutMs: 5000 },
    );
    expect((await pay(account, outTradeNo)).status).toBe(409);
    expect(received(`/notify/${outTradeNo}`)).toHaveLength(0);
  });

  test('refunds: PROCESSING, then SUCCESS a (time-scaled) minute later with a REFUND.SUCCESS notification; once per out_refund_no; never more than was paid', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = await paidOrder(account, 10000);
    const refund = (outRefundNo: string, amount: number, total = 10000) =>
      settle(
        wxpay.v3.refund.domestic.refunds.post({
          out_trade_no: outTradeNo,
          out_refund_no: outRefundNo,
          reason: '商品已售完',
          notify_url: notifyUrl(outTradeNo, '-refunds'),
          amount: { refund: amount, total, currency: 'CNY' },
        }),
      );
    const first = await refund('R1', 3000);
    expect(first).toMatchObject({
      status: 200,
      data: {
        out_refund_no: 'R1',
        out_trade_no: outTradeNo,
        status: 'PROCESSING',
        amount: { refund: 3000, total: 10000 },
      },
    });
    expect(first.data.refund_id).toMatch(/^\d{29}$/);
    expect(await refund('R1', 3000)).toMatchObject({ status: 200, data: { refund_id: first.data.refund_id } });
    expect(await refund('R1', 3100)).toMatchObject({ status: 400, data: { code: 'INVALID_REQUEST' } });
    expect(await refund('R2', 7001)).toMatchObject({
      status: 400,
      data: { code: 'INVALID_REQUEST', message: '申请退款金额超过订单可退金额' },
    });
    expect(await refund('R2', 100, 9999)).toMatchObject({
      status: 400,
      data: { code: 'PARAM_ERROR', detail: { field: '/amount/total' } },
    });
    expect((await settle(query(wxpay, account, outTradeNo))).data.trade_state).toBe('REFUND');

    const refundQuery = (outRefundNo: string) =>
      settle(wxpay.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: outRefundNo } as never));
    await eventually(
      async () => expect((await refundQuery('R1')).data).toMatchObject({ status: 'SUCCESS', amount: { refund: 3000 } }),
      { timeoutMs: 5000 },
    );
    expect((await refundQuery('R1')).data.success_time).toMatch(/\+08:00$/);
    expect(await refundQuery('R9')).toMatchObject({ status: 404, data: { code: 'RESOURCE_NOT_EXISTS' } });
    expect(await tradeRecord(outTradeNo)).toMatchObject({
      amount_refunded: 3000,
      refunds: [expect.objectContaining({ out_refund_no: 'R1', status: 'SUCCESS' })],
    });

    const [notification] = await eventually(() => {
      expect(received(`/notify/${outTradeNo}-refunds`)).toHaveLength(1);
      return received(`/notify/${outTradeNo}-refunds`);
    });
    const opened = openNotification(notification, account);
    expect(opened.verified).toBe(true);
    expect(opened.body).toMatchObject({
      event_type: 'REFUND.SUCCESS',
      resource: { original_type: 'refund', associated_data: 'refund' },
    });
    expect(opened.resource).toMatchObject({
      mchid: account.mchid,
      out_trade_no: outTradeNo,
      out_refund_no: 'R1',
      refund_status: 'SUCCESS',
      amount: { refund: 3000, total: 10000 },
    });
  });

  test('an unpaid order cannot be refunded: RESOURCE_NOT_EXISTS', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = newOutTradeNo('W');
    await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    const refused = await settle(
      wxpay.v3.refund.domestic.refunds.post({
        out_trade_no: outTradeNo,
        out_refund_no: 'R1',
        amount: { refund: 1, total: 1999, currency: 'CNY' },
      }),
    );
    expect(refused).toMatchObject({ status: 404, data: { code: 'RESOURCE_NOT_EXISTS' } });
  });

  test('/v3/certificates lists the platform certificate, encrypted with the APIv3 key; a public-key account has none', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'platform_certificate' });
    const listed = await settle(pluginFor(account).v3.certificates.get());
    const [entry] = listed.data.data as Array<{
      serial_no: string;
      encrypt_certificate: { ciphertext: string; nonce: string; associated_data: string };
    }>;
    expect(entry.serial_no).toBe(account.platform_certificates?.[0].serial_no);
    const pem = Aes.AesGcm.decrypt(
      entry.encrypt_certificate.ciphertext,
      account.api_v3_key,
      entry.encrypt_certificate.nonce,
      entry.encrypt_certificate.associated_data,
    );
    expect(pem).toBe(account.platform_certificates?.[0].certificate);
    const publicKeyAccount = await openWechatpayAccount(sandbox);
    expect(await settle(pluginFor(publicKeyAccount).v3.certificates.get())).toMatchObject({ status: 404 });
  });

  test('answers are signed with the key the request names in Wechatpay-Serial, else the certificate while switching', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'both' });
    const outTradeNo = await paidOrder(account);
    const byDefault = await settle(query(pluginFor(account), account, outTradeNo));
    expect(byDefault.headers['wechatpay-serial']).toBe(account.platform_certificates?.[0].serial_no);
    const named = await settle(
      pluginFor(account).v3.pay.transactions.outTradeNo._out_trade_no_.get({
        params: { mchid: account.mchid },
        out_trade_no: outTradeNo,
        headers: { 'Wechatpay-Serial': account.wechatpay_public_key_id },
      } as never),
    );
    expect(named.headers['wechatpay-serial']).toBe(account.wechatpay_public_key_id);
  });

  test('the control API counts the queries answered about an order, by out_trade_no or transaction_id', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = await paidOrder(account);
    expect((await tradeRecord(outTradeNo)).queries).toBe(0);
    const found = await settle(query(wxpay, account, outTradeNo));
    expect(found.status).toBe(200);
    await settle(
      wxpay.v3.pay.transactions.id._transaction_id_.get({
        params: { mchid: account.mchid },
        transaction_id: found.data.transaction_id,
      } as never),
    );
    expect((await tradeRecord(outTradeNo)).queries).toBe(2);
  });

  test("faults: system_error and http_500 for one order's calls", async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = await paidOrder(account);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      out_trade_no: outTradeNo,
      api: { fail: 'system_error', methods: ['GET /v3/pay/transactions/out-trade-no/{out_trade_no}'], times: 1 },
    });
    expect(await settle(query(wxpay, account, outTradeNo))).toMatchObject({
      status: 500,
      data: { code: 'SYSTEM_ERROR' },
    });
    expect(await settle(query(wxpay, account, outTradeNo))).toMatchObject({ status: 200 });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      out_trade_no: outTradeNo,
      api: { fail: 'http_500' },
    });
    const failed = await settle(query(wxpay, account, outTradeNo));
    expect(failed.status).toBe(500);
    expect(failed.headers['wechatpay-signature']).toBeUndefined();
    await sandbox.control('POST', '/_control/faults', { provider: 'wechatpay', out_trade_no: outTradeNo, api: null });
  });
});

describe('notifications', () => {
  test('TRANSACTION.SUCCESS: JSON with a resource encrypted under the APIv3 key, signed in the Wechatpay-* headers', async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = await paidOrder(account, 1234);
    const [notification] = await eventually(() => {
      expect(received(`/notify/${outTradeNo}`)).toHaveLength(1);
      return received(`/notify/${outTradeNo}`);
    });
    expect(notification.headers['content-type']).toBe('application/json');
    expect(notification.headers['wechatpay-serial']).toBe(account.wechatpay_public_key_id);
    expect(notification.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(Math.abs(Number(notification.headers['wechatpay-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    const opened = openNotification(notification, account);
    expect(opened.verified).toBe(true);
    expect(opened.body).toMatchObject({
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      summary: '支付成功',
      resource: { algorithm: 'AEAD_AES_256_GCM', original_type: 'transaction', associated_data: 'transaction' },
    });
    expect(opened.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(opened.resource).toMatchObject({
      mchid: account.mchid,
      appid: account.appid,
      out_trade_no: outTradeNo,
      trade_state: 'SUCCESS',
      trade_type: 'NATIVE',
      amount: { total: 1234, payer_total: 1234, currency: 'CNY' },
    });
    // Another merchant's APIv3 key does not open it.
    const stranger = await openWechatpayAccount(sandbox);
    expect(() => openNotification(notification, { ...account, api_v3_key: stranger.api_v3_key })).toThrow();
    await eventually(async () => {
      const [record] = (await tradeRecord(outTradeNo)).notifications;
      expect(record).toMatchObject({ kind: 'TRANSACTION.SUCCESS', state: 'delivered' });
      expect(record.url).toBe(notifyUrl(outTradeNo));
    });
  });

  test("an unacknowledged notification is retried on WeChat's schedule (time-scaled), each attempt signed afresh", async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = newOutTradeNo('W');
    responders.set(`/notify/${outTradeNo}`, (index) =>
      index < 3
        ? { status: index === 1 ? 400 : 500, body: JSON.stringify({ code: 'FAIL', message: '失败' }) }
        : { status: 200, body: '' },
    );
    await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    await pay(account, outTradeNo);
    const attempts = await eventually(() => {
      expect(received(`/notify/${outTradeNo}`)).toHaveLength(4);
      return received(`/notify/${outTradeNo}`);
    });
    const gaps = attempts.slice(1).map((attempt, i) => attempt.at - attempts[i].at);
    const expected = [15, 15, 30].map((seconds) => (seconds * 1000) / TIME_SCALE); // 250, 250, 500 ms
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i] - 10);
      expect(gap).toBeLessThan(expected[i] * 2.5);
    });
    expect(new Set(attempts.map((a) => a.rawBody)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.headers['wechatpay-nonce'])).size).toBe(4);
    for (const attempt of attempts) expect(openNotification(attempt, account).verified).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(received(`/notify/${outTradeNo}`)).toHaveLength(4);
    const [record] = (await tradeRecord(outTradeNo)).notifications;
    expect(record).toMatchObject({ state: 'delivered', next_attempt_at: null });
    expect((record.attempts as Array<{ status: number }>).map((a) => a.status)).toEqual([500, 400, 500, 200]);
  });

  test.each([
    ['tamper_signature', false, 1999],
    ['tamper_amount', false, 2099],
    ['signed_wrong_amount', true, 2099],
  ] as const)('%s: the signature verifies: %p; the amount inside is %p', async (fault, verifies, amount) => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = newOutTradeNo('W');
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      out_trade_no: outTradeNo,
      notifications: fault,
    });
    await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    await pay(account, outTradeNo);
    const [notification] = await eventually(() => {
      expect(received(`/notify/${outTradeNo}`).length).toBeGreaterThan(0);
      return received(`/notify/${outTradeNo}`);
    });
    const opened = openNotification(notification, account);
    expect(opened.verified).toBe(verifies);
    expect(opened.resource).toMatchObject({ amount: { total: amount } });
  });

  test('stale_timestamp signs correctly, 10 minutes in the past', async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = newOutTradeNo('W');
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      out_trade_no: outTradeNo,
      notifications: 'stale_timestamp',
    });
    await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    await pay(account, outTradeNo);
    const [notification] = await eventually(() => {
      expect(received(`/notify/${outTradeNo}`).length).toBeGreaterThan(0);
      return received(`/notify/${outTradeNo}`);
    });
    expect(openNotification(notification, account).verified).toBe(true);
    expect(Date.now() / 1000 - Number(notification.headers['wechatpay-timestamp'])).toBeGreaterThan(590);
  });

  test('an account switching keys gets notifications signed by either key, turn by turn', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'both' });
    const orders = [await paidOrder(account), await paidOrder(account)];
    const notifications = await eventually(() =>
      orders.map((outTradeNo) => {
        const [request] = received(`/notify/${outTradeNo}`);
        expect(request).toBeDefined();
        return request;
      }),
    );
    expect(new Set(notifications.map((n) => n.headers['wechatpay-serial']))).toEqual(
      new Set([account.wechatpay_public_key_id, account.platform_certificates?.[0].serial_no]),
    );
    for (const notification of notifications) expect(openNotification(notification, account).verified).toBe(true);
  });

  test('when the first attempt is refused and the sandbox restarts on another port, then the retry is signed afresh by the same key and goes to the real notify_url', async () => {
    // Its own sandboxes, slower than the file's: WeChat's first retry (15 s) comes 1.5 s later, so
    // the retry's timestamp (whole seconds) is later than the first attempt's.
    const before = await startTestSandbox({ timeScale: 10 });
    let after: TestSandbox | undefined;
    try {
      const account = await openWechatpayAccount(before);
      const outTradeNo = newOutTradeNo('W');
      responders.set(`/notify/${outTradeNo}`, (index) =>
        index === 0 ? { status: 500, body: '{"code":"FAIL","message":"失败"}' } : { status: 204, body: '' },
      );
      expect(
        (await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)))).status,
      ).toBe(200);
      await before.control('POST', '/_control/pay', {
        provider: 'wechatpay',
        out_trade_no: outTradeNo,
        account: account.mchid,
        outcome: 'success',
      });
      await eventually(async () => {
        const record = (
          await before.control<{ notifications: Array<{ attempts: unknown[] }> }>(
            'GET',
            `/_control/trades/wechatpay/${outTradeNo}`,
          )
        ).body;
        expect(record.notifications[0].attempts).toHaveLength(1);
      });
      await before.close();
      after = await startTestSandbox({ timeScale: 10 });

      const [first, retry] = await eventually(
        () => {
          expect(received(`/notify/${outTradeNo}`)).toHaveLength(2);
          return received(`/notify/${outTradeNo}`);
        },
        { timeoutMs: 15_000 },
      );
      expect(retry.rawBody).toBe(first.rawBody);
      expect(retry.headers['wechatpay-serial']).toBe(first.headers['wechatpay-serial']);
      expect(retry.headers['wechatpay-nonce']).not.toBe(first.headers['wechatpay-nonce']);
      expect(Number(retry.headers['wechatpay-timestamp'])).toBeGreaterThan(
        Number(first.headers['wechatpay-timestamp']),
      );
      expect(Math.abs(Number(retry.headers['wechatpay-timestamp']) - retry.at / 1000)).toBeLessThan(2);
      expect(openNotification(first, account).verified).toBe(true);
      expect(openNotification(retry, account).verified).toBe(true);
      await eventually(async () => {
        const record = (
          await after?.control<{ notifications: Array<Record<string, unknown>> }>(
            'GET',
            `/_control/trades/wechatpay/${outTradeNo}`,
          )
        )?.body;
        expect(record?.notifications).toEqual([
          expect.objectContaining({
            url: notifyUrl(outTradeNo),
            state: 'delivered',
            attempts: [expect.objectContaining({ status: 500 }), expect.objectContaining({ status: 204 })],
          }),
        ]);
      });
    } finally {
      await before.close();
      await after?.close();
    }
  });

  test.each([
    ['tamper_signature', false, 0],
    ['stale_timestamp', true, 600],
  ] as const)(
    '%s is decided when the notification is queued: every retry is signed the same way, even once the rule is gone',
    async (fault, verifies, secondsOld) => {
      const account = await openWechatpayAccount(sandbox);
      const outTradeNo = newOutTradeNo('W');
      responders.set(`/notify/${outTradeNo}`, (index) =>
        index < 2 ? { status: 401, body: '{"code":"FAIL","message":"签名错误"}' } : { status: 204, body: '' },
      );
      const rule = await sandbox.control<{ id: string }>('POST', '/_control/faults', {
        provider: 'wechatpay',
        out_trade_no: outTradeNo,
        notifications: fault,
      });
      await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
      await pay(account, outTradeNo);
      await eventually(() => expect(received(`/notify/${outTradeNo}`).length).toBeGreaterThan(0));
      expect((await sandbox.control('DELETE', `/_control/faults/${rule.body.id}`)).status).toBe(200);
      const attempts = await eventually(() => {
        expect(received(`/notify/${outTradeNo}`)).toHaveLength(3);
        return received(`/notify/${outTradeNo}`);
      });
      for (const attempt of attempts) {
        expect(openNotification(attempt, account).verified).toBe(verifies);
        expect(Math.abs(attempt.at / 1000 - secondsOld - Number(attempt.headers['wechatpay-timestamp']))).toBeLessThan(
          2,
        );
      }
    },
  );
});

describe("the shopper's pages", () => {
  test('Native: the scan page pays the order', async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = newOutTradeNo('W');
    const created = await settle(
      pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo, 888)),
    );
    const html = await (await fetch(String(created.data.code_url))).text();
    expect(html).toContain('8.88');
    expect(html).toContain('茶具 Tea set');
    const action = /action="([^"]+\/pay)"/.exec(html)?.[1] ?? '';
    const paid = await fetch(action.replace(/&amp;/g, '&'), { method: 'POST' });
    expect(await paid.text()).toContain('Payment succeeded');
    expect(await tradeRecord(outTradeNo)).toMatchObject({ trade_state: 'SUCCESS' });
  });

  test('H5: checkmweb pays, then sends the shopper to redirect_url', async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = newOutTradeNo('W');
    const created = await settle(
      pluginFor(account).v3.pay.transactions.h5.post({
        ...nativeBody(account, outTradeNo),
        scene_info: { payer_client_ip: '203.0.113.7', h5_info: { type: 'Wap' } },
      }),
    );
    const url = `${created.data.h5_url}&redirect_url=${encodeURIComponent('https://shop.example/return?order=42')}`;
    const html = await (await fetch(url)).text();
    const form =
      /<form method="post" action="([^"]+\/pay)"><input type="hidden" name="redirect_url" value="([^"]+)">/.exec(html);
    expect(form).not.toBeNull();
    const paid = await fetch(form?.[1] ?? '', {
      method: 'POST',
      body: new URLSearchParams({ redirect_url: (form?.[2] ?? '').replace(/&amp;/g, '&') }),
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('https://shop.example/return?order=42');
    expect(await tradeRecord(outTradeNo)).toMatchObject({ trade_state: 'SUCCESS', trade_type: 'MWEB' });
  });

  test('a shopper entering the password leaves the order USERPAYING; closing it then is 202 USER_PAYING', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = newOutTradeNo('W');
    const created = await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    const html = await (await fetch(String(created.data.code_url))).text();
    const paying = /action="([^"]+\/paying)"/.exec(html)?.[1] ?? '';
    expect((await fetch(paying, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    expect((await settle(query(wxpay, account, outTradeNo))).data.trade_state).toBe('USERPAYING');
    const close = await settle(
      wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ mchid: account.mchid }, {
        out_trade_no: outTradeNo,
      } as never),
    );
    expect(close).toMatchObject({ status: 202, data: { code: 'USER_PAYING' } });
    expect((await pay(account, outTradeNo, 'fail')).body).toMatchObject({
      state: 'PAYERROR',
      failed_attempts: [expect.any(String)],
    });
    expect((await settle(query(wxpay, account, outTradeNo))).data.trade_state).toBe('PAYERROR');
    expect(received(`/notify/${outTradeNo}`)).toHaveLength(0);
  });
});

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
