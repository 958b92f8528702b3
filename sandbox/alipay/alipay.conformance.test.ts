import { generateKeyPairSync } from 'node:crypto';
import { AlipayRequestError } from 'alipay-sdk';
import { eventually, newOutTradeNo, openAlipayAccount } from '../sandbox.testing';
import {
  formOf,
  paidTrade,
  pay,
  precreate,
  query,
  received,
  receiver,
  sandbox,
  sdkFor,
  tradeRecord,
  useConformanceSandbox,
} from './alipay.conformance.testing';

// The simulated Alipay against the official alipay-sdk, unchanged, with validateSign: true:
// if the SDK accepts the sandbox (and refuses what it should refuse), so will the adapter.
// This file: the sandbox itself, creating and querying trades, the cashier, signatures. Beside
// it, by concern: what happens to a trade afterwards (alipay.trades.conformance), notifications,
// and faults.

useConformanceSandbox();

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
