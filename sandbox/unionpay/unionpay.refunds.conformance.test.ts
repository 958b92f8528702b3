import { toUnionpayTime } from '../../providers/unionpay/unionpay.mapping';
import { eventually } from '../sandbox.testing';
import {
  answerOf,
  consume,
  type Merchant,
  openCashier,
  openMerchant,
  post,
  query,
  received,
  receiver,
  sandbox,
  signed,
  tradeRecord,
  useConformanceSandbox,
} from './unionpay.conformance.testing';

// UnionPay's refunds (backTransReq, 退货) as a merchant's ACP client asks for them: accepted, settled
// later and notified, queried by their own orderId. (See unionpay.conformance.test.ts for the whole set.)

useConformanceSandbox();

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
