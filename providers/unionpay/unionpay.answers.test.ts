import { ProviderDeclinedError, ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type { PaymentProvider, ProviderOrderRef, ProviderRefundRef, RefundInput } from '../provider';
import { createUnionpayProvider } from './unionpay.provider';
import {
  makeTestPki,
  signedByUnionpay,
  testMerchant,
  useScriptedGateway,
  type GatewayScript,
} from './unionpay.testing';

// Answers the sandbox never gives (a bank still confirming, braces in reserved fields, answers for
// another order…), from a scripted gateway that signs with a test PKI as UnionPay would.

const MER_ID = '777290058110048';
const ORDER = 'pay3kTMd9xq2';
/** The scripted gateway's order, created at 2030-01-01 08:00:00 China time… */
const CONSUME: ProviderOrderRef = { outTradeNo: ORDER, createdAt: new Date('2030-01-01T00:00:00.300Z') };
const TXN_TIME = '20300101080000';
/** …and its refund, five minutes later. */
const REFUND: ProviderRefundRef = {
  outTradeNo: ORDER,
  outRefundNo: `${ORDER}R1`,
  requestedAt: new Date('2030-01-01T00:05:00Z'),
};
const REFUND_TXN_TIME = '20300101080500';
const pki = makeTestPki();
const { account, certificate: merchant } = testMerchant(pki, MER_ID);
const gateway = useScriptedGateway();
const requests = gateway.requests;

/** UnionPay's answer to a request: the request's own fields echoed, then these, signed. */
const answer = (request: Record<string, string>, fields: Record<string, string>) =>
  signedByUnionpay(
    {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      merId: request.merId,
      orderId: request.orderId,
      txnTime: request.txnTime,
      txnType: request.txnType,
      ...fields,
    },
    pki.signer,
  );

const provider = (): PaymentProvider => createUnionpayProvider(account, { sandboxUrl: gateway.url });

describe('a consume UnionPay is still confirming', () => {
  test.each(['03', '04', '05'])('origRespCode %s is processing, and closing it must wait', async (origRespCode) => {
    gateway.script = (request) =>
      answer(request, {
        respCode: '00',
        respMsg: '成功[0000000]',
        origRespCode,
        origRespMsg: '处理中',
        queryId: '123456789012345678901',
        txnAmt: '1999',
      });
    const p = provider();
    expect(await p.queryPayment(CONSUME)).toMatchObject({
      status: 'processing',
      providerTradeNo: '123456789012345678901',
      amountMinor: 1999,
      paidAt: null,
      failureCode: null,
    });
    await expect(p.closePayment(CONSUME)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'in_progress',
    });
  });
});

describe('reading answers', () => {
  test('the query UnionPay receives names the order by merId, orderId and txnTime (its creation time, China time), signed', async () => {
    gateway.script = (request) => answer(request, { respCode: '34', respMsg: '查无此交易' });
    await provider().queryPayment(CONSUME);
    expect(requests.at(-1)).toMatchObject({
      path: '/unionpay/gateway/api/queryTrans.do',
      fields: {
        txnType: '00',
        txnSubType: '00',
        bizType: '000000',
        merId: MER_ID,
        orderId: ORDER,
        txnTime: TXN_TIME,
        accessType: '0',
        version: '5.1.0',
        signMethod: '01',
      },
    });
  });

  test('braces with & and = inside a reserved field do not split the answer', async () => {
    gateway.script = (request) =>
      answer(request, {
        respCode: '00',
        origRespCode: '00',
        queryId: '123456789012345678901',
        txnAmt: '1999',
        reqReserved: '{a=1&b={c=2}',
        traceTime: '0101080102',
      });
    expect(await provider().queryPayment(CONSUME)).toMatchObject({
      status: 'succeeded',
      amountMinor: 1999,
      paidAt: '2030-01-01T00:01:02.000Z',
    });
  });

  test.each<[string, GatewayScript, string]>([
    [
      'an answer for another order',
      (r) => answer(r, { respCode: '00', origRespCode: '00', orderId: 'another12345' }),
      'malformed_response',
    ],
    [
      'an answer for another merchant',
      (r) => answer(r, { respCode: '00', origRespCode: '00', merId: '777000000000000' }),
      'malformed_response',
    ],
    ['an answer without origRespCode', (r) => answer(r, { respCode: '00' }), 'malformed_response'],
    [
      'an answer with a txnAmt in yuan',
      (r) => answer(r, { respCode: '00', origRespCode: '00', txnAmt: '19.99' }),
      'malformed_response',
    ],
    ['an answer UnionPay’s SDK could not read', () => ({ raw: 'respCode=00&' }), 'malformed_response'],
    ['an empty answer', () => ({ raw: '' }), 'malformed_response'],
    [
      'an unsigned answer',
      (r) => ({ respCode: '00', origRespCode: '00', orderId: r.orderId }),
      'response_signature_invalid',
    ],
    [
      'an answer signed by a merchant certificate of the same CA',
      (r) =>
        signedByUnionpay(
          { version: '5.1.0', signMethod: '01', respCode: '00', origRespCode: '00', orderId: r.orderId },
          merchant,
        ),
      'response_signature_invalid',
    ],
    [
      'an answer with signMethod 11 (a hash, no certificate)',
      (r) => ({ ...answer(r, { respCode: '00', origRespCode: '00' }), signMethod: '11' }),
      'response_signature_invalid',
    ],
    ['HTTP 502', () => ({ status: 502 }), 'http_502'],
  ])('%s is never trusted, and retried', async (_name, scripted, providerCode) => {
    gateway.script = scripted;
    await expect(provider().queryPayment(CONSUME)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode,
    });
  });
});

describe('refunds', () => {
  const paid: GatewayScript = (request) =>
    answer(request, { respCode: '00', origRespCode: '00', queryId: '123456789012345678901', txnAmt: '1999' });
  const refundInput: RefundInput = {
    ...REFUND,
    paymentCreatedAt: CONSUME.createdAt,
    amountMinor: 500,
    totalAmountMinor: 1999,
    reason: null,
    notifyUrl: 'https://api.example.com/notify/unionpay/pa_test',
  };

  test('the refund names the consume by origQryId and carries its orderId in reqReserved; 03/04/05 are pending', async () => {
    for (const respCode of ['00', '03', '04', '05']) {
      gateway.script = (request, path) =>
        path.endsWith('queryTrans.do')
          ? paid(request, path)
          : answer(request, { respCode, queryId: '999999999999999999999' });
      expect(await provider().refund(refundInput)).toMatchObject({ status: 'pending', amountMinor: 500 });
      // The consume's queryId, asked for by the consume's own txnTime; the refund is sent with its own.
      expect(requests.at(-2)).toMatchObject({
        path: '/unionpay/gateway/api/queryTrans.do',
        fields: { orderId: ORDER, txnTime: TXN_TIME },
      });
      expect(requests.at(-1)).toMatchObject({
        path: '/unionpay/gateway/api/backTransReq.do',
        fields: {
          txnType: '04',
          txnSubType: '00',
          origQryId: '123456789012345678901',
          reqReserved: ORDER,
          txnAmt: '500',
          orderId: `${ORDER}R1`,
          txnTime: REFUND_TXN_TIME,
          backUrl: refundInput.notifyUrl,
        },
      });
    }
  });

  test('a refund UnionPay failed reports why', async () => {
    gateway.script = (request) =>
      answer(request, {
        respCode: '00',
        origRespCode: '01',
        origRespMsg: '交易失败',
        queryId: '999999999999999999999',
        txnAmt: '500',
      });
    expect(await provider().queryRefund(REFUND)).toEqual({
      outRefundNo: `${ORDER}R1`,
      status: 'failed',
      providerRefundNo: '999999999999999999999',
      amountMinor: 500,
      failureReason: '01 交易失败',
    });
    // A refund is a transaction of its own: its orderId, and the txnTime of its creation.
    expect(requests.at(-1)).toMatchObject({
      path: '/unionpay/gateway/api/queryTrans.do',
      fields: { orderId: `${ORDER}R1`, txnTime: REFUND_TXN_TIME },
    });
  });

  test('12 重复交易 for a refund UnionPay cannot find by our txnTime is refused for good', async () => {
    gateway.script = (request, path) =>
      path.endsWith('backTransReq.do')
        ? answer(request, { respCode: '12' })
        : request.orderId === ORDER
          ? paid(request, path)
          : answer(request, { respCode: '34' });
    await expect(provider().refund(refundInput)).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: '12',
    });
    expect(requests.at(-1)).toMatchObject({
      path: '/unionpay/gateway/api/queryTrans.do',
      fields: { orderId: `${ORDER}R1`, txnTime: REFUND_TXN_TIME },
    });
  });

  test('a decline of the refund itself is a decline', async () => {
    gateway.script = (request, path) =>
      path.endsWith('queryTrans.do')
        ? paid(request, path)
        : answer(request, { respCode: '45', respMsg: '原交易已被成功退货或已被成功撤销' });
    await expect(provider().refund(refundInput)).rejects.toMatchObject({
      constructor: ProviderDeclinedError,
      providerCode: '45',
    });
  });
});
