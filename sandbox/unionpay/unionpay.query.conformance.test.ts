import { X509Certificate } from 'node:crypto';
import { convertResultStringToMap } from '../../providers/unionpay/unionpay.qstring';
import { unionpayVerify } from '../../providers/unionpay/unionpay.signature';
import {
  answerOf,
  consume,
  openCashier,
  openMerchant,
  post,
  query,
  sandbox,
  signed,
  tradeRecord,
  useConformanceSandbox,
} from './unionpay.conformance.testing';

// UnionPay's queryTrans as a merchant's ACP client calls it: signed answers, what another merchant
// may see, a tampered answer. (See unionpay.conformance.test.ts for the whole set.)

useConformanceSandbox();

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
