import express, { type Request, type Response, type Router } from 'express';
import { buyerActionOf, doBuyerAction, sendPage } from '../buyer-actions';
import { answerApiFailure, pause } from '../fault-answers';
import type { SimulatorContext } from '../simulator';
import type { UnionpayApi } from './unionpay.api';
import { cashierUrl, TEST_CARD_NO, type UnionpayBuyer } from './unionpay.buyer';
import type { UnionpayMessages } from './unionpay.messages';
import { answerFields, PROVIDER, type Answer, type Fields } from './unionpay.model';
import type { UnionpayNotifications } from './unionpay.notifications';
import { cashierPage, errorPage, frontReturnPage, gatewayErrorPage, resultPage } from './unionpay.pages';
import { fileTransfer } from './unionpay.statement';
import type { UnionpayTrades } from './unionpay.trades';

/** What the routes work with: the simulator's parts, made once by `createUnionpaySimulator`. */
export interface UnionpayRouteDependencies {
  context: SimulatorContext;
  messages: UnionpayMessages;
  trades: UnionpayTrades;
  api: UnionpayApi;
  buyer: UnionpayBuyer;
  notifications: UnionpayNotifications;
}

/** A form's fields; null when one is repeated or not text (UnionPay refuses such a message). */
function formFields(req: Request): Fields | null {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const fields: Fields = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string') return null;
    fields[name] = value;
  }
  return fields;
}

/** `/unionpay/…`: the ACP gateway (frontTransReq, backTransReq, queryTrans, fileTransRequest) and the card page. */
export function unionpayRoutes(deps: UnionpayRouteDependencies): Router {
  const { context, messages, trades, api, buyer, notifications } = deps;
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '1mb' }));
  const { faults } = context;

  router.post('/gateway/api/frontTransReq.do', async (req, res) => {
    const fields = formFields(req);
    if (!fields) {
      sendPage(res, gatewayErrorPage({ respCode: '10', detail: '报文域重复' }));
      return;
    }
    const fault = faults.api(
      { provider: PROVIDER, accountId: fields.merId ?? null, outTradeNo: fields.orderId ?? null },
      'frontTransReq',
    );
    if (await answerApiFailure(res, fault, () => sendPage(res, gatewayErrorPage({ respCode: '06' })))) return;
    const opened = await api.frontConsume(fields);
    await pause(fault.slowMs);
    if (!opened.ok) {
      context.logger.info(
        { provider: PROVIDER, mer_id: fields.merId, order_id: fields.orderId, respCode: opened.refusal.respCode },
        'consume refused',
      );
      // UnionPay shows its refusal to the shopper as a page (HTTP 200), not to the merchant.
      sendPage(res, gatewayErrorPage(opened.refusal));
      return;
    }
    res.redirect(302, cashierUrl(context.publicUrl, opened.token));
  });

  /** backTransReq, queryTrans and fileTransRequest: signed `k=v&…` answers, faults applied. */
  const serverToServer =
    (call: 'backTransReq' | 'queryTrans' | 'fileTransRequest') => async (req: Request, res: Response) => {
      const send = async (answer: Answer, tamper = false) => {
        res.type('text/plain; charset=UTF-8').send(await messages.answerBody(answer, tamper));
      };
      const fields = formFields(req);
      if (!fields) return send(answerFields({}, '10', '报文域重复'));
      const auth = await messages.authenticate(fields);
      if (!auth.ok) return send(answerFields(fields, auth.refusal.respCode, auth.refusal.detail));
      const merId = auth.merchant.mer_id;
      // Refunds are scoped by the consume they refund, as Alipay's are by out_trade_no.
      const consume = call === 'backTransReq' ? await trades.consumeByQueryId(merId, fields.origQryId) : null;
      const fault = faults.api(
        { provider: PROVIDER, accountId: merId, outTradeNo: consume?.outTradeNo ?? fields.orderId ?? null },
        call,
      );
      if (await answerApiFailure(res, fault, () => send(answerFields(fields, '06', undefined)))) return;
      const answer =
        call === 'queryTrans'
          ? await api.query(auth.merchant, fields)
          : call === 'backTransReq'
            ? await api.backTrans(auth.merchant, fields, consume)
            : await fileTransfer(context, auth.merchant, fields);
      // Slowness comes after the work, as with a real gateway: a client that gave up may still have changed something.
      await pause(fault.slowMs);
      context.logger.debug({ provider: PROVIDER, call, mer_id: merId, respCode: answer.respCode }, 'gateway call');
      return send(answer, fault.tamperResponse);
    };
  router.post('/gateway/api/backTransReq.do', serverToServer('backTransReq'));
  router.post('/gateway/api/queryTrans.do', serverToServer('queryTrans'));
  // UnionPay serves files from a host of their own (filedownload.95516.com); here, beside the rest.
  router.post('/gateway/api/fileTransRequest.do', serverToServer('fileTransRequest'));

  router.get('/cashier/:token', async (req: Request<{ token: string }>, res) => {
    const trade = await trades.forToken(req.params.token);
    if (!trade) return sendPage(res, errorPage('订单不存在 No such order.'), 404);
    const base = cashierUrl(context.publicUrl, trade.buyerToken);
    sendPage(res, cashierPage(trade.data, { pay: `${base}/pay`, fail: `${base}/fail` }, TEST_CARD_NO));
  });

  router.post('/cashier/:token/:action', async (req: Request<{ token: string; action: string }>, res) => {
    const asked = await buyerActionOf(req, res, ['pay', 'fail'] as const, (token) => trades.forToken(token), errorPage);
    if (!asked) return;
    const { action, trade } = asked;
    const cardNo = typeof req.body?.accNo === 'string' ? req.body.accNo.replace(/\s+/g, '') : TEST_CARD_NO;
    if (action === 'pay' && !/^\d{13,19}$/.test(cardNo))
      return sendPage(res, gatewayErrorPage({ respCode: '61' }), 400);
    const attempted = await doBuyerAction(res, errorPage, () =>
      buyer.attempt(trade, action === 'pay' ? 'success' : 'fail', cardNo),
    );
    if (!attempted.done) return;
    const after = attempted.value;
    if (action === 'fail') {
      sendPage(
        res,
        resultPage(
          '银联在线支付 - 支付失败',
          '支付失败 Payment declined by the card issuer (simulated, respCode 60).',
          {
            error: true,
          },
        ),
      );
      return;
    }
    if (after.data.front_url) {
      sendPage(res, frontReturnPage(after.data.front_url, await notifications.frontNotification(after)));
      return;
    }
    sendPage(res, resultPage('银联在线支付 - 支付成功', '支付成功 Payment succeeded.'));
  });

  return router;
}
