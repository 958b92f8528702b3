import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import {
  checkSignerCertificate,
  readSigningPfx,
  type UnionpaySigningCertificate,
} from '../../providers/unionpay/unionpay.certificates';
import { UNIONPAY_SIGNER_IDENTITY } from '../../providers/unionpay/unionpay.config';
import { toUnionpayTime } from '../../providers/unionpay/unionpay.mapping';
import { convertResultStringToMap } from '../../providers/unionpay/unionpay.qstring';
import { unionpaySign, unionpayVerify } from '../../providers/unionpay/unionpay.signature';
import {
  eventually,
  newOutTradeNo,
  startReceiver,
  startTestSandbox,
  type ReceivedRequest,
  type Receiver,
  type TestSandbox,
} from '../sandbox.testing';

// The simulated UnionPay over HTTP, spoken to as a merchant's ACP 5.1.0 client would: forms signed
// with the merchant's PFX, answers read with UnionPay's parser and trusted only through
// signPubKeyCert's chain, as UnionPay's SDK does (the adapter's implementation of it).

/** 1m → 100 ms, 2m → 200 ms …: UnionPay's retry schedule in a test's time. */
const TIME_SCALE = 600;

let sandbox: TestSandbox;
let receiver: Receiver;
/** How the merchant's notify endpoint answers, per order; HTTP 200 unless told. */
const responders = new Map<string, (index: number) => { status: number; body: string }>();

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: TIME_SCALE });
  receiver = await startReceiver();
  receiver.respond = (request) => {
    const orderId = request.form.orderId;
    const index = receiver.requests.filter((r) => r.form.orderId === orderId).length - 1;
    return responders.get(orderId)?.(index) ?? { status: 200, body: 'ok' };
  };
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

interface Merchant {
  answer: Record<string, string>;
  signing: UnionpaySigningCertificate;
  merId: string;
}

async function openMerchant(): Promise<Merchant> {
  const opened = await sandbox.control<Record<string, string>>('POST', '/_control/accounts', { provider: 'unionpay' });
  expect(opened.status).toBe(201);
  return {
    answer: opened.body,
    signing: readSigningPfx(opened.body.sign_cert_pfx, opened.body.sign_cert_password),
    merId: opened.body.mer_id,
  };
}

/** A request as UnionPay's SDK sends it: common fields, certId, signature. */
function signed(merchant: Merchant, fields: Record<string, string>): Record<string, string> {
  const request = {
    version: '5.1.0',
    encoding: 'UTF-8',
    signMethod: '01',
    accessType: '0',
    merId: merchant.merId,
    certId: merchant.signing.certId,
    ...fields,
  };
  return { ...request, signature: unionpaySign(request, merchant.signing.privateKey) };
}

function consume(merchant: Merchant, overrides: Record<string, string> = {}): Record<string, string> {
  const orderId = overrides.orderId ?? newOutTradeNo('C');
  return signed(merchant, {
    txnType: '01',
    txnSubType: '01',
    bizType: '000201',
    channelType: '07',
    orderId,
    txnTime: toUnionpayTime(new Date()),
    txnAmt: '1999',
    currencyCode: '156',
    backUrl: `${receiver.url}/${orderId}`,
    frontUrl: 'https://shop.example/return',
    payTimeout: toUnionpayTime(new Date(Date.now() + 15 * 60_000)),
    ...overrides,
  });
}

const url = (path: string) => `${sandbox.url}/unionpay/gateway/api/${path}.do`;

const post = (path: string, form: Record<string, string>) =>
  fetch(url(path), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: new URLSearchParams(form),
    redirect: 'manual',
  });

/** An answer read as UnionPay's SDK reads it, and trusted only if its signature and certificate check out. */
async function answerOf(response: Response, merchant: Merchant): Promise<Record<string, string>> {
  expect(response.status).toBe(200);
  const fields = convertResultStringToMap(await response.text());
  if (!fields) throw new Error('empty answer');
  const trust = {
    root: new X509Certificate(merchant.answer.root_cert),
    middle: new X509Certificate(merchant.answer.middle_cert),
    expectedIdentity: UNIONPAY_SIGNER_IDENTITY.test,
  };
  const check = checkSignerCertificate(fields.signPubKeyCert, trust);
  if (!check.ok) throw new Error(check.reason);
  expect(unionpayVerify(fields, check.certificate.publicKey)).toBe(true);
  return { ...fields };
}

/** Submits the consume, as the shopper's browser does, and lands on the card page. */
async function openCashier(form: Record<string, string>): Promise<string> {
  const submitted = await post('frontTransReq', form);
  expect(submitted.status).toBe(302);
  const cashier = submitted.headers.get('location') ?? '';
  expect(cashier).toMatch(new RegExp(`^${sandbox.url}/unionpay/cashier/`));
  return cashier;
}

const query = (merchant: Merchant, orderId: string, txnTime: string) =>
  post('queryTrans', signed(merchant, { txnType: '00', txnSubType: '00', bizType: '000000', orderId, txnTime }));

const tradeRecord = async (orderId: string) =>
  (
    await sandbox.control<Record<string, unknown> & { notifications: Array<{ state: string; attempts: unknown[] }> }>(
      'GET',
      `/_control/trades/unionpay/${orderId}`,
    )
  ).body;

const received = (orderId: string): ReceivedRequest[] => receiver.requests.filter((r) => r.form.orderId === orderId);

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

describe('queryTrans', () => {
  test('answers raw k=v, signed, carrying signPubKeyCert; found by merId + orderId + txnTime only', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    await openCashier(form);
    expect(await answerOf(await query(merchant, form.orderId, form.txnTime), merchant)).toMatchObject({
      respCode: '34',
    });
    expect(
      (
        await sandbox.control('POST', '/_control/pay', {
          provider: 'unionpay',
          out_trade_no: form.orderId,
          outcome: 'success',
        })
      ).status,
    ).toBe(200);

    const response = await query(merchant, form.orderId, form.txnTime);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.clone().text();
    // Not URL-encoded: the certificate's line breaks travel as they are.
    expect(text).toContain('signPubKeyCert=-----BEGIN CERTIFICATE-----\r\n');
    expect(await answerOf(response, merchant)).toMatchObject({
      respCode: '00',
      origRespCode: '00',
      orderId: form.orderId,
      txnTime: form.txnTime,
      txnType: '01',
      txnAmt: '1999',
      queryId: expect.stringMatching(/^\d{21}$/),
      traceTime: expect.stringMatching(/^\d{10}$/),
    });
    expect(await answerOf(await query(merchant, form.orderId, '20200101000000'), merchant)).toMatchObject({
      respCode: '34',
    });
  });

  test('the control API counts the queries answered about an order, whatever they answered', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    await openCashier(form);
    expect((await tradeRecord(form.orderId)).queries).toBe(0);
    expect(await answerOf(await query(merchant, form.orderId, form.txnTime), merchant)).toMatchObject({
      respCode: '34',
    });
    expect(await answerOf(await query(merchant, form.orderId, '20200101000000'), merchant)).toMatchObject({
      respCode: '34',
    });
    expect((await tradeRecord(form.orderId)).queries).toBe(2);
  });

  test('another merchant cannot see the order; a wrong signature gets a signed 11', async () => {
    const merchant = await openMerchant();
    const other = await openMerchant();
    const form = consume(merchant);
    await openCashier(form);
    await sandbox.control('POST', '/_control/pay', {
      provider: 'unionpay',
      out_trade_no: form.orderId,
      outcome: 'success',
    });
    expect(await answerOf(await query(other, form.orderId, form.txnTime), other)).toMatchObject({ respCode: '34' });
    const forged = {
      ...signed(merchant, {
        txnType: '00',
        txnSubType: '00',
        bizType: '000000',
        orderId: form.orderId,
        txnTime: form.txnTime,
      }),
      orderId: `${form.orderId}X`,
    };
    expect(await answerOf(await post('queryTrans', forged), merchant)).toMatchObject({ respCode: '11' });
  });

  test('tamper_response alters a signed answer, which then fails verification', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    await openCashier(form);
    await sandbox.control('POST', '/_control/pay', {
      provider: 'unionpay',
      out_trade_no: form.orderId,
      outcome: 'success',
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      out_trade_no: form.orderId,
      tamper_response: true,
    });
    const fields = convertResultStringToMap(await (await query(merchant, form.orderId, form.txnTime)).text()) ?? {};
    expect(fields.txnAmt).toBe('2099');
    expect(unionpayVerify(fields, new X509Certificate(fields.signPubKeyCert).publicKey)).toBe(false);
  });
});

describe('backTransReq (refunds)', () => {
  async function paidOrder(merchant: Merchant, amount = '10000'): Promise<{ orderId: string; queryId: string }> {
    const form = consume(merchant, { txnAmt: amount });
    await openCashier(form);
    const paid = await sandbox.control<Record<string, string>>('POST', '/_control/pay', {
      provider: 'unionpay',
      out_trade_no: form.orderId,
      outcome: 'success',
    });
    return { orderId: form.orderId, queryId: paid.body.query_id };
  }

  const refund = (
    merchant: Merchant,
    origQryId: string,
    orderId: string,
    txnAmt: string,
    txnTime = toUnionpayTime(new Date()),
  ) =>
    post(
      'backTransReq',
      signed(merchant, {
        txnType: '04',
        txnSubType: '00',
        bizType: '000201',
        channelType: '07',
        orderId,
        txnTime,
        txnAmt,
        origQryId,
        backUrl: `${receiver.url}/${orderId}`,
        reqReserved: 'consume-ref',
      }),
    );

  test('accepts (00), settles later, notifies the refund’s backUrl, and is queried by its own orderId', async () => {
    const merchant = await openMerchant();
    const { orderId, queryId } = await paidOrder(merchant);
    const refundId = `${orderId}R1`;
    const txnTime = toUnionpayTime(new Date());
    const accepted = await answerOf(await refund(merchant, queryId, refundId, '2500', txnTime), merchant);
    expect(accepted).toMatchObject({
      respCode: '00',
      orderId: refundId,
      origQryId: queryId,
      reqReserved: 'consume-ref',
      queryId: expect.stringMatching(/^\d{21}$/),
    });
    const [notice] = await eventually(() => {
      const found = received(refundId);
      expect(found).toHaveLength(1);
      return found;
    });
    expect(notice.form).toMatchObject({
      txnType: '04',
      orderId: refundId,
      origQryId: queryId,
      txnAmt: '2500',
      respCode: '00',
      reqReserved: 'consume-ref',
      queryId: accepted.queryId,
    });
    expect(await answerOf(await query(merchant, refundId, txnTime), merchant)).toMatchObject({
      respCode: '00',
      origRespCode: '00',
      txnType: '04',
      queryId: accepted.queryId,
      txnAmt: '2500',
    });
    const record = await tradeRecord(orderId);
    expect(record).toMatchObject({
      amount_refunded: 2500,
      refunds: [{ order_id: refundId, amount: 2500, state: 'SUCCEEDED' }],
    });
    expect(record.notifications.map((n) => (n as unknown as { kind: string }).kind)).toEqual([
      'consume:PAID',
      `refund:${refundId}`,
    ]);
    expect(await tradeRecord(refundId)).toMatchObject({ kind: 'refund', consume_order_id: orderId });
  });

  test.each<[string, (merchant: Merchant, order: { orderId: string; queryId: string }) => Promise<Response>, string]>([
    ['more than is left (33)', (m, o) => refund(m, o.queryId, `${o.orderId}RX`, '10001'), '33'],
    ['an unknown origQryId (35)', (m, o) => refund(m, '000000000000000000000', `${o.orderId}RX`, '1'), '35'],
    ['an orderId already used (12)', (m, o) => refund(m, o.queryId, o.orderId, '1'), '12'],
    [
      'a cancel (txnType 31), which the sandbox does not offer',
      (m, o) =>
        post(
          'backTransReq',
          signed(m, {
            txnType: '31',
            txnSubType: '00',
            bizType: '000201',
            orderId: `${o.orderId}RX`,
            txnTime: toUnionpayTime(new Date()),
            txnAmt: '1',
            origQryId: o.queryId,
            backUrl: receiver.url,
          }),
        ),
      '32',
    ],
  ])('refuses %s', async (_name, send, respCode) => {
    const merchant = await openMerchant();
    const order = await paidOrder(merchant);
    expect(await answerOf(await send(merchant, order), merchant)).toMatchObject({ respCode });
    expect(await tradeRecord(order.orderId)).toMatchObject({ amount_refunded: 0 });
  });

  test('an unpaid consume cannot be refunded (35)', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    await openCashier(form);
    await sandbox.control('POST', '/_control/pay', {
      provider: 'unionpay',
      out_trade_no: form.orderId,
      outcome: 'fail',
    });
    const queryId = String((await tradeRecord(form.orderId)).query_id);
    expect(await answerOf(await refund(merchant, queryId, `${form.orderId}R1`, '1'), merchant)).toMatchObject({
      respCode: '35',
    });
  });
});

describe('notifications', () => {
  test('are sent again after 1, 2, 4… minutes (÷ time scale) until the answer is HTTP 200, whatever its body', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    responders.set(form.orderId, (index) =>
      index < 2 ? { status: 500, body: 'try later' } : { status: 200, body: 'anything' },
    );
    await openCashier(form);
    await sandbox.control('POST', '/_control/pay', {
      provider: 'unionpay',
      out_trade_no: form.orderId,
      outcome: 'success',
    });
    await eventually(async () => expect((await tradeRecord(form.orderId)).notifications[0].state).toBe('delivered'));
    const attempts = received(form.orderId).map((r) => r.at);
    expect(attempts).toHaveLength(3);
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(90);
    expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(190);
  });

  test('stop after the first try and five more', async () => {
    const merchant = await openMerchant();
    const form = consume(merchant);
    responders.set(form.orderId, () => ({ status: 503, body: '' }));
    await openCashier(form);
    await sandbox.control('POST', '/_control/pay', {
      provider: 'unionpay',
      out_trade_no: form.orderId,
      outcome: 'success',
    });
    await eventually(async () => expect((await tradeRecord(form.orderId)).notifications[0].state).toBe('exhausted'), {
      timeoutMs: 15_000,
    });
    expect(received(form.orderId)).toHaveLength(6);
  });

  test('faults: drop sends nothing, duplicate sends copies, auto_pay pays by itself', async () => {
    const merchant = await openMerchant();
    const dropped = consume(merchant);
    const duplicated = consume(merchant);
    const auto = consume(merchant);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      out_trade_no: dropped.orderId,
      notifications: 'drop',
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      out_trade_no: duplicated.orderId,
      notifications: 'duplicate',
      duplicate_count: 3,
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      out_trade_no: auto.orderId,
      auto_pay: { outcome: 'success', after_ms: 100 },
    });
    for (const form of [dropped, duplicated]) {
      await openCashier(form);
      await sandbox.control('POST', '/_control/pay', {
        provider: 'unionpay',
        out_trade_no: form.orderId,
        outcome: 'success',
      });
    }
    await openCashier(auto);
    await eventually(() => expect(received(duplicated.orderId)).toHaveLength(3));
    await eventually(() => expect(received(auto.orderId)).toHaveLength(1));
    expect(await tradeRecord(auto.orderId)).toMatchObject({ state: 'PAID' });
    expect((await tradeRecord(dropped.orderId)).notifications[0].state).toBe('dropped');
    expect(received(dropped.orderId)).toHaveLength(0);
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
