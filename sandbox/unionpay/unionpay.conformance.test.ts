import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { toUnionpayTime } from '../../providers/unionpay/unionpay.mapping';
import { unionpaySign, unionpayVerify } from '../../providers/unionpay/unionpay.signature';
import { eventually, newOutTradeNo, startTestSandbox } from '../sandbox.testing';
import {
  consume,
  type Merchant,
  openCashier,
  openMerchant,
  post,
  received,
  sandbox,
  signed,
  TIME_SCALE,
  tradeRecord,
  url,
  useConformanceSandbox,
} from './unionpay.conformance.testing';

// The simulated UnionPay over HTTP, spoken to as a merchant's ACP 5.1.0 client would: forms signed
// with the merchant's PFX, answers read with UnionPay's parser and trusted only through
// signPubKeyCert's chain, as UnionPay's SDK does (the adapter's implementation of it).
// This file: accounts, the consume (frontTransReq), the card page, the control API. Beside it, by
// concern: queryTrans (unionpay.query.conformance), refunds, notifications.

useConformanceSandbox();

describe('accounts', () => {
  test('a merchant gets a 15-digit merId, a PFX with its password, UnionPay’s root and middle certificates, and the gateway URLs', async () => {
    const { answer, signing } = await openMerchant();
    expect(answer).toMatchObject({
      provider: 'unionpay',
      version: '5.1.0',
      sign_method: '01',
      front_trans_url: url('frontTransReq'),
      back_trans_url: url('backTransReq'),
      query_trans_url: url('queryTrans'),
    });
    expect(answer.mer_id).toMatch(/^777\d{12}$/);
    // The PFX opens with forge directly too (what a Java or PHP SDK would load).
    const p12 = forge.pkcs12.pkcs12FromAsn1(
      forge.asn1.fromDer(forge.util.decode64(answer.sign_cert_pfx)),
      answer.sign_cert_password,
    );
    expect(p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag]).toHaveLength(1);
    expect(signing.certId).toBe(answer.sign_cert_id);
    const middle = new X509Certificate(answer.middle_cert);
    expect(signing.certificate.checkIssued(middle) && signing.certificate.verify(middle.publicKey)).toBe(true);
    expect(middle.checkIssued(new X509Certificate(answer.root_cert))).toBe(true);

    const second = await openMerchant();
    expect(second.merId).not.toBe(answer.mer_id);
    expect(second.signing.certId).not.toBe(signing.certId);
    // One UnionPay: the same chain for every merchant.
    expect(second.answer.root_cert).toBe(answer.root_cert);
  });

  test('UnionPay’s certificates are kept in the database: another sandbox process (or a restart) signs with the same ones', async () => {
    const first = await openMerchant();
    const other = await startTestSandbox({ timeScale: TIME_SCALE });
    try {
      const opened = await other.control<Record<string, string>>('POST', '/_control/accounts', {
        provider: 'unionpay',
      });
      expect(opened.body.root_cert).toBe(first.answer.root_cert);
      expect(opened.body.middle_cert).toBe(first.answer.middle_cert);
    } finally {
      await other.close();
    }
  });

  test('share_provider_keys_with names an existing merchant; other options are refused', async () => {
    const { merId } = await openMerchant();
    expect(
      (await sandbox.control('POST', '/_control/accounts', { provider: 'unionpay', share_provider_keys_with: merId }))
        .status,
    ).toBe(201);
    const unknown = await sandbox.control('POST', '/_control/accounts', {
      provider: 'unionpay',
      share_provider_keys_with: '777000000000000',
    });
    expect(unknown).toMatchObject({ status: 404, body: { error: { param: 'share_provider_keys_with' } } });
    const extra = await sandbox.control('POST', '/_control/accounts', { provider: 'unionpay', secure_key: 'x' });
    expect(extra).toMatchObject({ status: 400, body: { error: { param: 'secure_key' } } });
  });
});

describe('frontTransReq', () => {
  test('a signed consume opens the card page: amount, a card number field, Pay and Fail', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    const page = await fetch(await openCashier(form));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('¥19.99');
    expect(html).toContain('name="accNo"');
    expect(html).toContain('data-testid="pay"');
    expect(html).toContain('data-testid="fail"');
    expect(await tradeRecord(form.orderId)).toMatchObject({
      state: 'UNPAID',
      amount: 1999,
      txn_time: form.txnTime,
      notify_url: form.backUrl,
      return_url: form.frontUrl,
    });
    // The same form again (the shopper reloads) is the same order.
    expect(await openCashier(form)).toBe((await tradeRecord(form.orderId)).buyer_url);
  });

  test.each<[string, string, (merchant: Merchant, other: Merchant) => Record<string, string>]>([
    ['a form altered after signing', '11', (m) => ({ ...consume(m), txnAmt: '1' })],
    [
      'a signature by this merchant’s key naming another merchant’s certId',
      '11',
      (m, other) => consume(m, { certId: other.signing.certId }),
    ],
    [
      'a signature by another merchant’s key',
      '11',
      (m, other) => {
        const form = consume(m);
        const { signature: _signature, ...rest } = form;
        return { ...rest, signature: unionpaySign(rest, other.signing.privateKey) };
      },
    ],
    [
      'an unknown merId',
      '31',
      (m) => signed({ ...m, merId: '777000000000000' }, { txnType: '01', orderId: 'C12345678' }),
    ],
    [
      'no backUrl',
      '13',
      (m) => {
        const { signature: _s, certId: _c, backUrl: _b, ...rest } = consume(m);
        return signed(m, rest);
      },
    ],
    ['an amount of 0', '10', (m) => consume(m, { txnAmt: '0' })],
    ['an amount in yuan', '10', (m) => consume(m, { txnAmt: '19.99' })],
    ['an order number with _', '10', (m) => consume(m, { orderId: 'C_1234567' })],
    [
      'a payTimeout already past',
      '10',
      (m) => consume(m, { payTimeout: toUnionpayTime(new Date(Date.now() - 60_000)) }),
    ],
    ['another product (bizType)', '32', (m) => consume(m, { bizType: '000301' })],
    ['version 5.0.0', '10', (m) => consume(m, { version: '5.0.0' })],
  ])('%s shows UnionPay’s error page with respCode %s, and no order', async (_name, respCode, build) => {
    const merchant = await openMerchant();
    const other = await openMerchant();
    const form = build(merchant, other);
    const response = await post('frontTransReq', form);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`data-testid="resp-code">应答码 ${respCode}<`);
    expect((await sandbox.control('GET', `/_control/trades/unionpay/${form.orderId}`)).status).toBe(404);
  });

  test('an orderId used once cannot come back with another txnTime or amount (12 重复交易)', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    await openCashier(form);
    const changes: Array<Record<string, string>> = [
      { txnTime: toUnionpayTime(new Date(Date.now() + 5_000)) },
      { txnAmt: '2000' },
    ];
    for (const change of changes) {
      const response = await post('frontTransReq', consume(merchant, { orderId: form.orderId, ...change }));
      expect(await response.text()).toContain('应答码 12<');
    }
  });

  test('faults: system_error shows respCode 06, http_500 answers HTTP 500', async () => {
    const merchant = await openMerchant();
    const busy = consume(merchant);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      out_trade_no: busy.orderId,
      api: { fail: 'system_error' },
    });
    expect(await (await post('frontTransReq', busy)).text()).toContain('应答码 06<');
    const broken = consume(merchant);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      out_trade_no: broken.orderId,
      api: { fail: 'http_500' },
    });
    expect((await post('frontTransReq', broken)).status).toBe(500);
  });
});

describe('the card page', () => {
  test('Pay sends the shopper back to frontUrl with a signed front notification, and UnionPay notifies backUrl', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    const cashier = await openCashier(form);
    const paid = await fetch(`${cashier}/pay`, {
      method: 'POST',
      body: new URLSearchParams({ accNo: '6216 2610 0000 0000 018' }),
    });
    expect(paid.status).toBe(200);
    const html = await paid.text();
    expect(html).toMatch(/<form id="front-return" method="post" action="https:\/\/shop\.example\/return">/);
    expect(html).toContain('onload="document.getElementById(\'front-return\').submit()"');
    const front = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1],
        m[2]
          .replace(/&#39;/g, "'")
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&'),
      ]),
    );
    expect(front).toMatchObject({
      orderId: form.orderId,
      txnType: '01',
      respCode: '00',
      txnAmt: '1999',
      merId: merchant.merId,
      accNo: '621626*********0018',
    });
    expect(unionpayVerify(front, new X509Certificate(front.signPubKeyCert).publicKey)).toBe(true);

    const [back] = await eventually(() => {
      const found = received(form.orderId);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(back.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=UTF-8');
    expect(back.form).toMatchObject({
      orderId: form.orderId,
      txnTime: form.txnTime,
      txnType: '01',
      respCode: '00',
      queryId: front.queryId,
    });
    expect(unionpayVerify(back.form, new X509Certificate(back.form.signPubKeyCert).publicKey)).toBe(true);
    expect(await tradeRecord(form.orderId)).toMatchObject({
      state: 'PAID',
      query_id: front.queryId,
      paid_at: expect.any(String),
    });
  });

  test('a card number that is not one is refused (61); Fail declines the order, with no notification', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    const cashier = await openCashier(form);
    const bad = await fetch(`${cashier}/pay`, { method: 'POST', body: new URLSearchParams({ accNo: '12ab' }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('应答码 61<');
    const failed = await fetch(`${cashier}/fail`, { method: 'POST' });
    expect(await failed.text()).toContain('支付失败');
    expect(await tradeRecord(form.orderId)).toMatchObject({ state: 'FAILED', orig_resp_code: '60' });
    expect(
      (await fetch(`${cashier}/pay`, { method: 'POST', body: new URLSearchParams({ accNo: '6216261000000000018' }) }))
        .status,
    ).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received(form.orderId)).toHaveLength(0);
  });
});

describe('the control API', () => {
  test('pays only an order the browser brought, and only once', async () => {
    const merchant = await openMerchant();
    const unknown = await sandbox.control('POST', '/_control/pay', {
      provider: 'unionpay',
      out_trade_no: newOutTradeNo('C'),
      outcome: 'success',
    });
    expect(unknown.status).toBe(404);
    const form = consume(merchant);
    await openCashier(form);
    const paid = await sandbox.control('POST', '/_control/pay', {
      provider: 'unionpay',
      out_trade_no: form.orderId,
      account: merchant.merId,
      outcome: 'success',
    });
    expect(paid).toMatchObject({
      status: 200,
      body: {
        provider: 'unionpay',
        kind: 'consume',
        state: 'PAID',
        out_trade_no: form.orderId,
        mer_id: merchant.merId,
        amount: 1999,
      },
    });
    expect(
      (
        await sandbox.control('POST', '/_control/pay', {
          provider: 'unionpay',
          out_trade_no: form.orderId,
          outcome: 'success',
        })
      ).status,
    ).toBe(409);
  });
});
