import { generateKeyPairSync } from 'node:crypto';
import { AlipayRequestError, AlipaySdk } from 'alipay-sdk';
import {
  eventually,
  newOutTradeNo,
  openAlipayAccount,
  startReceiver,
  startTestSandbox,
  type AlipaySandboxAccount,
  type ReceivedRequest,
  type Receiver,
  type TestSandbox,
} from '../sandbox.testing';

// The simulated Alipay against the official alipay-sdk, unchanged, with validateSign: true:
// if the SDK accepts the sandbox (and refuses what it should refuse), so will the adapter.

/** 4m → 400 ms, 10m → 1 s, 1h → 6 s: Alipay's retry schedule in a test's time. */
const TIME_SCALE = 600;

let sandbox: TestSandbox;
let receiver: Receiver;
/** How the merchant's notify endpoint answers, per order; `success` unless told. */
const responders = new Map<string, (request: ReceivedRequest, index: number) => { status: number; body: string }>();

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: TIME_SCALE });
  receiver = await startReceiver();
  receiver.respond = (request) => {
    const sameOrder = receiver.requests.filter((r) => r.form.out_trade_no === request.form.out_trade_no);
    const responder = responders.get(request.form.out_trade_no);
    return responder ? responder(request, sameOrder.length - 1) : { status: 200, body: 'success' };
  };
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

function sdkFor(
  account: AlipaySandboxAccount,
  overrides: Partial<ConstructorParameters<typeof AlipaySdk>[0]> = {},
): AlipaySdk {
  return new AlipaySdk({
    appId: account.app_id,
    privateKey: account.merchant_private_key,
    alipayPublicKey: account.alipay_public_key,
    gateway: account.gateway,
    camelcase: false,
    ...overrides,
  });
}

const received = (outTradeNo: string) => receiver.requests.filter((r) => r.form.out_trade_no === outTradeNo);

async function precreate(sdk: AlipaySdk, outTradeNo: string, amount = '19.99', extra: Record<string, unknown> = {}) {
  return sdk.exec(
    'alipay.trade.precreate',
    {
      notify_url: receiver.url,
      bizContent: { out_trade_no: outTradeNo, total_amount: amount, subject: '茶具 Tea set', ...extra },
    },
    { validateSign: true },
  );
}

const query = (sdk: AlipaySdk, outTradeNo: string) =>
  sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true });

/** A precreated order, scanned and paid through the control API. */
async function paidTrade(sdk: AlipaySdk, amount: string): Promise<string> {
  const outTradeNo = newOutTradeNo();
  expect((await precreate(sdk, outTradeNo, amount)).code).toBe('10000');
  expect((await pay(outTradeNo)).status).toBe(200);
  return outTradeNo;
}

const pay = (outTradeNo: string, outcome: 'success' | 'fail' = 'success') =>
  sandbox.control('POST', '/_control/pay', { provider: 'alipay', out_trade_no: outTradeNo, outcome });

const tradeRecord = async (outTradeNo: string) =>
  (
    await sandbox.control<Record<string, unknown> & { notifications: Array<Record<string, unknown>> }>(
      'GET',
      `/_control/trades/alipay/${outTradeNo}`,
    )
  ).body;

/** The first form of a page: its action and its named inputs. */
function formOf(html: string): { action: string; fields: URLSearchParams } {
  const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error(`no form in ${html.slice(0, 200)}`);
  const fields = new URLSearchParams();
  for (const input of form[2].matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    fields.set(input[1], input[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  }
  return { action: form[1].replace(/&amp;/g, '&'), fields };
}

describe('the sandbox', () => {
  test('answers its health check', async () => {
    const response = await fetch(`${sandbox.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test('opens an Alipay account with a 16-digit app id, a PKCS#1 merchant key and an Alipay public key', async () => {
    const account = await openAlipayAccount(sandbox);
    expect(account).toMatchObject({
      provider: 'alipay',
      sign_type: 'RSA2',
      gateway: `${sandbox.url}/alipay/gateway.do`,
    });
    expect(account.app_id).toMatch(/^2021\d{12}$/);
    expect(account.merchant_private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(account.merchant_public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(account.alipay_public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(account.alipay_public_key).not.toBe(account.merchant_public_key);
    expect((await openAlipayAccount(sandbox)).app_id).not.toBe(account.app_id);
  });

  test('control API errors name the field at fault', async () => {
    const unknownProvider = await sandbox.control('POST', '/_control/accounts', { provider: 'paypal' });
    expect(unknownProvider.status).toBe(400);
    expect(unknownProvider.body).toMatchObject({ error: { param: 'provider' } });
    const badOutcome = await sandbox.control('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: 'X1',
      outcome: 'maybe',
    });
    expect(badOutcome.status).toBe(400);
    expect(badOutcome.body).toMatchObject({ error: { param: 'outcome' } });
    const unknownTrade = await sandbox.control('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: newOutTradeNo(),
      outcome: 'success',
    });
    expect(unknownTrade.status).toBe(404);
    expect((await sandbox.control('GET', `/_control/trades/alipay/${newOutTradeNo()}`)).status).toBe(404);
    const badFault = await sandbox.control('POST', '/_control/faults', { provider: 'alipay', notifications: 'lose' });
    expect(badFault.status).toBe(400);
    expect(badFault.body).toMatchObject({ error: { param: 'notifications' } });
    const malformed = await fetch(`${sandbox.url}/_control/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(malformed.status).toBe(400);
  });
});

describe('alipay.trade.precreate and alipay.trade.query', () => {
  test('a precreated order exists for query once its QR code is scanned, and is paid for its amount', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = newOutTradeNo();

    const created = await precreate(sdk, outTradeNo);
    expect(created).toMatchObject({ code: '10000', msg: 'Success', out_trade_no: outTradeNo });
    expect(created.qr_code).toMatch(new RegExp(`^${sandbox.url}/alipay/qr/`));

    // As on the real gateway, nobody has scanned it yet, so there is no trade to query.
    expect(await query(sdk, outTradeNo)).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });

    const page = await fetch(created.qr_code);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('19.99');
    expect(html).toContain('茶具 Tea set');
    expect(await query(sdk, outTradeNo)).toMatchObject({
      code: '10000',
      trade_status: 'WAIT_BUYER_PAY',
      total_amount: '19.99',
    });

    const paid = await pay(outTradeNo);
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({
      state: 'TRADE_SUCCESS',
      amount: 1999,
      out_trade_no: outTradeNo,
      notify_url: receiver.url,
    });

    const answer = await query(sdk, outTradeNo);
    expect(answer).toMatchObject({
      code: '10000',
      trade_status: 'TRADE_SUCCESS',
      total_amount: '19.99',
      out_trade_no: outTradeNo,
    });
    expect(answer.trade_no).toMatch(/^\d{28}$/);
    expect(answer.buyer_logon_id).toBeTruthy();
    expect(answer.send_pay_date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    // The same order sent again while unpaid would be the same trade; once paid, Alipay refuses it.
    expect(await precreate(sdk, outTradeNo)).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_HAS_SUCCESS' });
  });

  test('the same unpaid order sent twice is one trade; a changed amount is refused', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    const first = await precreate(sdk, outTradeNo);
    const second = await precreate(sdk, outTradeNo);
    expect(second).toMatchObject({ code: '10000', qr_code: first.qr_code });
    expect(await precreate(sdk, outTradeNo, '20.00')).toMatchObject({
      code: '40004',
      sub_code: 'ACQ.CONTEXT_INCONSISTENT',
    });
  });

  test('bad business parameters are refused with ACQ.INVALID_PARAMETER', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    expect(await precreate(sdk, newOutTradeNo(), '0.00')).toMatchObject({
      code: '40004',
      sub_code: 'ACQ.INVALID_PARAMETER',
    });
    expect(await precreate(sdk, newOutTradeNo(), '1.999')).toMatchObject({ sub_code: 'ACQ.INVALID_PARAMETER' });
    expect(await precreate(sdk, newOutTradeNo(), '1.00', { time_expire: '2030-02-31 10:00:00' })).toMatchObject({
      sub_code: 'ACQ.INVALID_PARAMETER',
    });
  });
});

describe('queries, as the control API counts them', () => {
  test('every alipay.trade.query answered about a trade counts, before its QR code is scanned too; one a fault fails does not', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    await precreate(sdk, outTradeNo);
    expect((await tradeRecord(outTradeNo)).queries).toBe(0);
    expect(await query(sdk, outTradeNo)).toMatchObject({ sub_code: 'ACQ.TRADE_NOT_EXIST' });
    expect((await pay(outTradeNo, 'fail')).status).toBe(200);
    expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'WAIT_BUYER_PAY' });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: outTradeNo,
      api: { fail: 'system_error', methods: ['alipay.trade.query'], times: 1 },
    });
    expect(await query(sdk, outTradeNo)).toMatchObject({ code: '20000' });
    expect((await tradeRecord(outTradeNo)).queries).toBe(2);
  });
});

describe('alipay.trade.page.pay and alipay.trade.wap.pay', () => {
  test('the page.pay URL alipay-sdk builds opens the cashier; its Pay button pays and returns to return_url, signed', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = newOutTradeNo();
    const url = sdk.pageExecute('alipay.trade.page.pay', 'GET', {
      bizContent: {
        out_trade_no: outTradeNo,
        total_amount: '88.00',
        subject: 'Porcelain',
        product_code: 'FAST_INSTANT_TRADE_PAY',
      },
      notify_url: receiver.url,
      return_url: 'https://shop.example/return?order=42',
    });
    expect(url.startsWith(account.gateway)).toBe(true);

    const cashier = await fetch(url);
    expect(cashier.status).toBe(200);
    const html = await cashier.text();
    expect(html).toContain('88.00');
    expect(html).toContain('Porcelain');

    const { action, fields } = formOf(html);
    const submitted = await fetch(new URL(action, cashier.url), { method: 'POST', body: fields, redirect: 'manual' });
    expect(submitted.status).toBe(302);
    const back = new URL(submitted.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe('https://shop.example/return');
    const returned = Object.fromEntries(back.searchParams);
    expect(returned).toMatchObject({
      order: '42',
      out_trade_no: outTradeNo,
      method: 'alipay.trade.page.pay.return',
      total_amount: '88.00',
      app_id: account.app_id,
    });
    const { order: _order, ...signedReturn } = returned;
    expect(sdk.checkNotifySignV2(signedReturn)).toBe(true);

    expect(await query(sdk, outTradeNo)).toMatchObject({
      code: '10000',
      trade_status: 'TRADE_SUCCESS',
      total_amount: '88.00',
    });
    await eventually(() => expect(received(outTradeNo)).toHaveLength(1));
  });

  test('the wap.pay POST form alipay-sdk builds opens the cashier; Fail leaves the order payable, Pay pays it', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    const formHtml = sdk.pageExecute('alipay.trade.wap.pay', 'POST', {
      bizContent: {
        out_trade_no: outTradeNo,
        total_amount: '5.00',
        subject: '测试 & "quotes"',
        product_code: 'QUICK_WAP_WAY',
      },
      notify_url: receiver.url,
    });
    const { action, fields } = formOf(formHtml);
    const posted = await fetch(action, { method: 'POST', body: fields, redirect: 'manual' });
    expect(posted.status).toBe(302);
    const cashierUrl = posted.headers.get('location') ?? '';
    expect(cashierUrl).toMatch(new RegExp(`^${sandbox.url}/alipay/cashier/`));
    const html = await (await fetch(cashierUrl)).text();
    expect(html).toContain('5.00');
    expect(html).toContain('测试 &amp; &quot;quotes&quot;');

    const failAction = [...html.matchAll(/<form[^>]*action="([^"]+)"/g)]
      .map((m) => m[1])
      .find((a) => a.endsWith('/fail'));
    const failed = await fetch(failAction ?? '', { method: 'POST' });
    expect(failed.status).toBe(200);
    expect(await failed.text()).toContain('Payment failed');
    // Alipay has no failed trade status: the order stays payable and nobody is notified.
    expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'WAIT_BUYER_PAY' });
    expect((await tradeRecord(outTradeNo)).failed_attempts).toHaveLength(1);

    const paid = await fetch(formOf(html).action, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(200);
    expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'TRADE_SUCCESS' });
  });
});

describe('signatures', () => {
  test('a request signed with another private key is refused with isv.invalid-signature', async () => {
    const account = await openAlipayAccount(sandbox);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const impostor = sdkFor(account, { privateKey: otherKey });
    const outTradeNo = newOutTradeNo();

    const answer = await precreate(impostor, outTradeNo);
    expect(answer).toMatchObject({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature' });
    expect(answer.sub_msg).toContain('验签出错');
    expect((await sandbox.control('GET', `/_control/trades/alipay/${outTradeNo}`)).status).toBe(404);

    const page = await fetch(
      impostor.pageExecute('alipay.trade.page.pay', 'GET', {
        bizContent: {
          out_trade_no: outTradeNo,
          total_amount: '1.00',
          subject: 'x',
          product_code: 'FAST_INSTANT_TRADE_PAY',
        },
      }),
    );
    expect(await page.text()).toContain('错误代码 invalid-signature');
    expect((await sandbox.control('GET', `/_control/trades/alipay/${outTradeNo}`)).status).toBe(404);
  });

  test('an unknown app id is answered without a signature, as Alipay does, so a verifying SDK cannot trust it', async () => {
    const account = await openAlipayAccount(sandbox);
    const stranger = sdkFor({ ...account, app_id: '2021000000000000' });
    await expect(query(stranger, 'X')).rejects.toThrow(/signature/);
    const unverified = await stranger.exec('alipay.trade.query', { bizContent: { out_trade_no: 'X' } });
    expect(unverified).toMatchObject({ code: '40002', sub_code: 'isv.invalid-app-id' });
  });

  test('a response altered after signing is rejected by alipay-sdk', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = await paidTrade(sdk, '19.99');
    const fault = await sandbox.control<{ id: string }>('POST', '/_control/faults', {
      provider: 'alipay',
      account: account.app_id,
      tamper_response: true,
    });
    expect(fault.status).toBe(201);

    const error = await query(sdk, outTradeNo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlipayRequestError);
    expect((error as Error).message).toMatch(/^验签失败/);
    // Unverified, the alteration shows: the amount was raised after signing.
    expect(await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: outTradeNo } })).toMatchObject({
      total_amount: '20.99',
    });

    expect((await sandbox.control('DELETE', `/_control/faults/${fault.body.id}`)).status).toBe(200);
    expect(await query(sdk, outTradeNo)).toMatchObject({ total_amount: '19.99' });
  });
});

describe('alipay.trade.close', () => {
  test('closes an unpaid trade; a closed or paid one answers ACQ.TRADE_STATUS_ERROR; an unknown one ACQ.TRADE_NOT_EXIST', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const close = (outTradeNo: string) =>
      sdk.exec('alipay.trade.close', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true });

    const open = newOutTradeNo();
    await fetch((await precreate(sdk, open)).qr_code);
    expect(await close(open)).toMatchObject({ code: '10000', out_trade_no: open });
    expect(await query(sdk, open)).toMatchObject({ trade_status: 'TRADE_CLOSED' });
    expect(await close(open)).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_STATUS_ERROR' });
    expect((await pay(open)).status).toBe(409);

    const paid = await paidTrade(sdk, '3.00');
    expect(await close(paid)).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_STATUS_ERROR' });
    expect(await close(newOutTradeNo())).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });
  });

  test('closing an order nobody scanned answers ACQ.TRADE_NOT_EXIST, and the order can no longer be paid', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    await precreate(sdk, outTradeNo);
    expect(
      await sdk.exec('alipay.trade.close', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true }),
    ).toMatchObject({
      code: '40004',
      sub_code: 'ACQ.TRADE_NOT_EXIST',
    });
    expect(await tradeRecord(outTradeNo)).toMatchObject({ trade_status: 'TRADE_CLOSED', close_reason: 'merchant' });
    expect((await pay(outTradeNo)).status).toBe(409);
  });
});

describe('alipay.trade.refund and alipay.trade.fastpay.refund.query', () => {
  test('refunding twice with the same out_request_no refunds once; refunds never exceed the amount', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = await paidTrade(sdk, '100.00');
    const refund = (outRequestNo: string, amount: string) =>
      sdk.exec(
        'alipay.trade.refund',
        { bizContent: { out_trade_no: outTradeNo, refund_amount: amount, out_request_no: outRequestNo } },
        { validateSign: true },
      );

    expect(await refund('R1', '30.00')).toMatchObject({
      code: '10000',
      fund_change: 'Y',
      refund_fee: '30.00',
      send_back_fee: '30.00',
    });
    expect(await refund('R1', '30.00')).toMatchObject({ code: '10000', fund_change: 'N', refund_fee: '30.00' });
    expect(await refund('R1', '31.00')).toMatchObject({ code: '40004', sub_code: 'ACQ.DISCORDANT_REPEAT_REQUEST' });
    const afterOne = await tradeRecord(outTradeNo);
    expect(afterOne).toMatchObject({ amount_refunded: 3000, trade_status: 'TRADE_SUCCESS' });
    expect(afterOne.refunds).toHaveLength(1);

    expect(await refund('R2', '70.01')).toMatchObject({ code: '40004', sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    expect(await refund('R2', '70.00')).toMatchObject({ code: '10000', fund_change: 'Y', refund_fee: '100.00' });
    // Fully refunded: the trade closes but keeps its payment date.
    const closed = await query(sdk, outTradeNo);
    expect(closed).toMatchObject({ trade_status: 'TRADE_CLOSED' });
    expect(closed.send_pay_date).toBeTruthy();

    const refundQuery = (outRequestNo: string) =>
      sdk.exec(
        'alipay.trade.fastpay.refund.query',
        { bizContent: { out_trade_no: outTradeNo, out_request_no: outRequestNo } },
        { validateSign: true },
      );
    expect(await refundQuery('R1')).toMatchObject({
      code: '10000',
      out_request_no: 'R1',
      refund_amount: '30.00',
      total_amount: '100.00',
      refund_status: 'REFUND_SUCCESS',
    });
    const unknown = await refundQuery('R9');
    expect(unknown.code).toBe('10000');
    expect(unknown.refund_amount).toBeUndefined();

    // Refund notifications go to the trade's notify_url: one for the payment, one per refund.
    await eventually(() =>
      expect(received(outTradeNo).map((r) => [r.form.trade_status, r.form.out_biz_no, r.form.refund_fee])).toEqual([
        ['TRADE_SUCCESS', undefined, undefined],
        ['TRADE_SUCCESS', 'R1', '30.00'],
        ['TRADE_CLOSED', 'R2', '100.00'],
      ]),
    );
  });

  test('an unpaid trade cannot be refunded', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    await fetch((await precreate(sdk, outTradeNo)).qr_code);
    const answer = await sdk.exec(
      'alipay.trade.refund',
      { bizContent: { out_trade_no: outTradeNo, refund_amount: '1.00', out_request_no: 'R1' } },
      { validateSign: true },
    );
    expect(answer).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_STATUS_ERROR' });
  });
});

describe('notifications', () => {
  test('are signed so that checkNotifySignV2 accepts them, and carry Alipay’s fields', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = await paidTrade(sdk, '12.34');
    const [notification] = await eventually(() => {
      expect(received(outTradeNo)).toHaveLength(1);
      return received(outTradeNo);
    });
    expect(notification.method).toBe('POST');
    expect(notification.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(notification.form).toMatchObject({
      notify_type: 'trade_status_sync',
      app_id: account.app_id,
      auth_app_id: account.app_id,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      out_trade_no: outTradeNo,
      trade_status: 'TRADE_SUCCESS',
      total_amount: '12.34',
      receipt_amount: '12.34',
      buyer_pay_amount: '12.34',
      subject: '茶具 Tea set',
      seller_id: account.seller_id,
    });
    for (const field of ['notify_time', 'notify_id', 'trade_no', 'gmt_create', 'gmt_payment', 'buyer_id', 'sign']) {
      expect(notification.form[field]).toBeTruthy();
    }
    expect(sdk.checkNotifySignV2(notification.form)).toBe(true);
    // Another app's Alipay key does not verify it.
    expect(sdkFor(await openAlipayAccount(sandbox)).checkNotifySignV2(notification.form)).toBe(false);

    await eventually(async () => {
      const [record] = (await tradeRecord(outTradeNo)).notifications;
      expect(record).toMatchObject({ state: 'delivered', url: receiver.url });
      expect(record.attempts).toEqual([expect.objectContaining({ status: 200, body: 'success' })]);
    });
  });

  test.each(['tamper_signature', 'tamper_amount'] as const)(
    '%s sends a notification that checkNotifySignV2 refuses',
    async (fault) => {
      const account = await openAlipayAccount(sandbox);
      const sdk = sdkFor(account);
      const outTradeNo = newOutTradeNo();
      await precreate(sdk, outTradeNo, '19.99');
      await sandbox.control('POST', '/_control/faults', {
        provider: 'alipay',
        out_trade_no: outTradeNo,
        notifications: fault,
      });
      await pay(outTradeNo);
      const [notification] = await eventually(() => {
        expect(received(outTradeNo).length).toBeGreaterThan(0);
        return received(outTradeNo);
      });
      expect(notification.form.total_amount).toBe(fault === 'tamper_amount' ? '20.99' : '19.99');
      expect(sdk.checkNotifySignV2(notification.form)).toBe(false);
    },
  );

  test('signed_wrong_amount sends a genuinely signed notification whose amount disagrees with the trade', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = newOutTradeNo();
    await precreate(sdk, outTradeNo, '19.99');
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: outTradeNo,
      notifications: 'signed_wrong_amount',
    });
    await pay(outTradeNo);
    const [notification] = await eventually(() => {
      expect(received(outTradeNo).length).toBeGreaterThan(0);
      return received(outTradeNo);
    });
    expect(notification.form.total_amount).toBe('20.99');
    expect(sdk.checkNotifySignV2(notification.form)).toBe(true);
  });

  test('an unacknowledged notification is retried on Alipay’s schedule, time-scaled, until the answer is success', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    responders.set(outTradeNo, (_request, index) =>
      index < 3 ? { status: index === 1 ? 500 : 200, body: 'fail' } : { status: 200, body: 'success' },
    );
    await precreate(sdk, outTradeNo);
    await pay(outTradeNo);

    const attempts = await eventually(
      () => {
        expect(received(outTradeNo)).toHaveLength(4);
        return received(outTradeNo);
      },
      { timeoutMs: 10_000 },
    );
    const gaps = attempts.slice(1).map((attempt, i) => attempt.at - attempts[i].at);
    const expected = [4, 10, 10].map((minutes) => (minutes * 60_000) / TIME_SCALE); // 400, 1000, 1000 ms
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i] - 10);
      // Well short of the next slot in the schedule, with room for a loaded machine.
      expect(gap).toBeLessThan(expected[i] * 2.2);
    });
    expect(new Set(attempts.map((a) => a.rawBody)).size).toBe(1);

    // Acknowledged: nothing more is scheduled.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received(outTradeNo)).toHaveLength(4);
    const [record] = (await tradeRecord(outTradeNo)).notifications;
    expect(record).toMatchObject({ state: 'delivered', next_attempt_at: null });
    expect((record.attempts as Array<{ status: number; body: string }>).map((a) => [a.status, a.body])).toEqual([
      [200, 'fail'],
      [500, 'fail'],
      [200, 'fail'],
      [200, 'success'],
    ]);
  });

  test('duplicate sends identical copies; drop sends nothing but records it; delay_ms holds the first attempt back', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const [dup, dropped, delayed] = [newOutTradeNo(), newOutTradeNo(), newOutTradeNo()];
    for (const order of [dup, dropped, delayed]) await precreate(sdk, order);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: dup,
      notifications: 'duplicate',
      duplicate_count: 3,
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: dropped,
      notifications: 'drop',
    });
    await sandbox.control('POST', '/_control/faults', { provider: 'alipay', out_trade_no: delayed, delay_ms: 400 });

    const paidAt = Date.now();
    await Promise.all([pay(dup), pay(dropped), pay(delayed)]);

    await eventually(() => expect(received(dup)).toHaveLength(3));
    expect(new Set(received(dup).map((r) => r.form.notify_id)).size).toBe(1);
    await eventually(() => expect(received(delayed)).toHaveLength(1));
    expect(received(delayed)[0].at - paidAt).toBeGreaterThanOrEqual(390);
    expect(received(dropped)).toHaveLength(0);
    const [record] = (await tradeRecord(dropped)).notifications;
    expect(record).toMatchObject({ state: 'dropped', attempts: [] });
  });
});

describe('faults', () => {
  test('are scoped: the most specific rule wins, and a rule for one order leaves the others alone', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const [mine, other] = [await paidTrade(sdk, '1.00'), await paidTrade(sdk, '2.00')];
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      account: account.app_id,
      api: { fail: 'system_error' },
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      account: account.app_id,
      out_trade_no: mine,
      api: null,
    });

    expect(await query(sdk, mine)).toMatchObject({ code: '10000' });
    expect(await query(sdk, other)).toMatchObject({
      code: '20000',
      msg: 'Service Currently Unavailable',
      sub_code: 'isp.unknow-error',
    });
    const listed = await sandbox.control<{ data: Array<{ account?: string }> }>('GET', '/_control/faults');
    expect(listed.body.data.filter((rule) => rule.account === account.app_id)).toHaveLength(2);
    expect((await sandbox.control('DELETE', '/_control/faults')).body).toEqual({ deleted: listed.body.data.length });
    expect((await sandbox.control<{ data: unknown[] }>('GET', '/_control/faults')).body.data).toEqual([]);
    expect(await query(sdk, other)).toMatchObject({ code: '10000' });
  });

  test('api faults: a limited number of failures, HTTP 500, and slowness that outlasts the client', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = await paidTrade(sdk, '1.00');
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: outTradeNo,
      api: { fail: 'system_error', methods: ['alipay.trade.query'], times: 1 },
    });
    expect(await query(sdk, outTradeNo)).toMatchObject({ code: '20000' });
    expect(await query(sdk, outTradeNo)).toMatchObject({ code: '10000' });

    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: outTradeNo,
      api: { fail: 'http_500' },
    });
    await expect(query(sdk, outTradeNo)).rejects.toThrow(/status: 500/);

    // Far slower than the timeout: urllib's timers are coarse (up to a second late).
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: outTradeNo,
      api: { slow_ms: 4000 },
    });
    const impatient = sdkFor(account, { timeout: 200 });
    await expect(query(impatient, outTradeNo)).rejects.toThrow(/HttpClient Request error/);
    await sandbox.control('POST', '/_control/faults', { provider: 'alipay', out_trade_no: outTradeNo, api: null });
  });

  test('auto_pay pays new trades by itself', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      account: account.app_id,
      auto_pay: { outcome: 'success', after_ms: 100 },
    });
    const outTradeNo = newOutTradeNo();
    await precreate(sdk, outTradeNo);
    await eventually(async () => expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'TRADE_SUCCESS' }));
    await eventually(() => expect(received(outTradeNo)).toHaveLength(1));
  });
});

describe('expiry', () => {
  test('a trade closes by itself after timeout_express (time-scaled) and tells notify_url', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    // 1m at time scale 600: 100 ms.
    const url = sdk.pageExecute('alipay.trade.page.pay', 'GET', {
      bizContent: {
        out_trade_no: outTradeNo,
        total_amount: '1.00',
        subject: 'x',
        product_code: 'FAST_INSTANT_TRADE_PAY',
        timeout_express: '1m',
      },
      notify_url: receiver.url,
    });
    expect((await fetch(url)).status).toBe(200);
    await eventually(() => expect(received(outTradeNo).map((r) => r.form.trade_status)).toEqual(['TRADE_CLOSED']));
    expect(received(outTradeNo)[0].form.gmt_close).toBeTruthy();
    expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'TRADE_CLOSED' });
    expect(await tradeRecord(outTradeNo)).toMatchObject({ close_reason: 'expired' });
    expect((await pay(outTradeNo)).status).toBe(409);
  });

  test('a trade closes at its time_expire (China time)', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    const inTwoSeconds = new Date(Date.now() + 8 * 3600_000 + 2000).toISOString().slice(0, 19).replace('T', ' ');
    const created = await precreate(sdk, outTradeNo, '1.00', { time_expire: inTwoSeconds });
    await fetch(created.qr_code);
    expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'WAIT_BUYER_PAY' });
    await eventually(async () => expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'TRADE_CLOSED' }), {
      timeoutMs: 5_000,
    });
  });
});

describe('persistence', () => {
  test('accounts and trades survive a sandbox restart', async () => {
    const first = await startTestSandbox({ timeScale: TIME_SCALE });
    let second: TestSandbox | undefined;
    try {
      const account = await openAlipayAccount(first);
      const outTradeNo = newOutTradeNo();
      const created = await sdkFor(account).exec(
        'alipay.trade.precreate',
        { bizContent: { out_trade_no: outTradeNo, total_amount: '6.66', subject: 'restart' } },
        { validateSign: true },
      );
      await fetch(created.qr_code);
      await first.close();

      second = await startTestSandbox({ timeScale: TIME_SCALE });
      const sdk = sdkFor({ ...account, gateway: `${second.url}/alipay/gateway.do` });
      expect(await query(sdk, outTradeNo)).toMatchObject({
        code: '10000',
        trade_status: 'WAIT_BUYER_PAY',
        total_amount: '6.66',
      });
      expect(
        (
          await second.control('POST', '/_control/pay', {
            provider: 'alipay',
            out_trade_no: outTradeNo,
            outcome: 'success',
          })
        ).status,
      ).toBe(200);
      expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'TRADE_SUCCESS' });
    } finally {
      await first.close();
      await second?.close();
    }
  });
});
