import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request, type Response, type Router } from 'express';
import { ControlError } from '../errors';
import { cashierPage, frontReturnPage, gatewayErrorPage, resultPage } from './unionpay.pages';
import { TEST_CARD_NO, type Answer, type Fields, type UnionpaySimulator } from './unionpay.simulator';

/** A fault's slowness; it never keeps a stopping process alive. */
const pause = (ms: number) => (ms > 0 ? sleep(ms, undefined, { ref: false }) : Promise.resolve());

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
export function unionpayRoutes(simulator: UnionpaySimulator): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '1mb' }));
  const { faults } = simulator.context;

  router.post('/gateway/api/frontTransReq.do', async (req, res) => {
    const fields = formFields(req);
    if (!fields) {
      res.type('html').send(gatewayErrorPage({ respCode: '10', detail: '报文域重复' }));
      return;
    }
    const api = faults.api(
      { provider: 'unionpay', accountId: fields.merId ?? null, outTradeNo: fields.orderId ?? null },
      'frontTransReq',
    );
    if (api.fail === 'http_500') {
      await pause(api.slowMs);
      res.status(500).type('html').send('<html><body><h1>500 Internal Server Error</h1></body></html>');
      return;
    }
    if (api.fail === 'system_error') {
      await pause(api.slowMs);
      res.type('html').send(gatewayErrorPage({ respCode: '06' }));
      return;
    }
    const opened = await simulator.frontConsume(fields);
    await pause(api.slowMs);
    if (!opened.ok) {
      simulator.context.logger.info(
        { provider: 'unionpay', mer_id: fields.merId, order_id: fields.orderId, respCode: opened.refusal.respCode },
        'consume refused',
      );
      // UnionPay shows its refusal to the shopper as a page (HTTP 200), not to the merchant.
      res.type('html').send(gatewayErrorPage(opened.refusal));
      return;
    }
    res.redirect(302, simulator.cashierUrl(opened.token));
  });

  /** backTransReq, queryTrans and fileTransRequest: signed `k=v&…` answers, faults applied. */
  const serverToServer =
    (call: 'backTransReq' | 'queryTrans' | 'fileTransRequest') => async (req: Request, res: Response) => {
      const send = async (answer: Answer, tamper = false) => {
        res.type('text/plain; charset=UTF-8').send(await simulator.answerBody(answer, tamper));
      };
      const fields = formFields(req);
      if (!fields) return send(simulator.answer({}, '10', '报文域重复'));
      const auth = await simulator.authenticate(fields);
      if (!auth.ok) return send(simulator.answer(fields, auth.refusal.respCode, auth.refusal.detail));
      const merId = auth.merchant.mer_id;
      // Refunds are scoped by the consume they refund, as Alipay's are by out_trade_no.
      const consume = call === 'backTransReq' ? await simulator.consumeByQueryId(merId, fields.origQryId) : null;
      const api = faults.api(
        { provider: 'unionpay', accountId: merId, outTradeNo: consume?.outTradeNo ?? fields.orderId ?? null },
        call,
      );
      if (api.fail === 'http_500') {
        await pause(api.slowMs);
        res.status(500).type('html').send('<html><body><h1>500 Internal Server Error</h1></body></html>');
        return;
      }
      if (api.fail === 'system_error') {
        await pause(api.slowMs);
        return send(simulator.answer(fields, '06', undefined));
      }
      const answer =
        call === 'queryTrans'
          ? await simulator.query(auth.merchant, fields)
          : call === 'backTransReq'
            ? await simulator.backTrans(auth.merchant, fields, consume)
            : await simulator.fileTransfer(auth.merchant, fields);
      // Slowness comes after the work, as with a real gateway: a client that gave up may still have changed something.
      await pause(api.slowMs);
      simulator.context.logger.debug(
        { provider: 'unionpay', call, mer_id: merId, respCode: answer.respCode },
        'gateway call',
      );
      return send(answer, api.tamperResponse);
    };
  router.post('/gateway/api/backTransReq.do', serverToServer('backTransReq'));
  router.post('/gateway/api/queryTrans.do', serverToServer('queryTrans'));
  // UnionPay serves files from a host of their own (filedownload.95516.com); here, beside the rest.
  router.post('/gateway/api/fileTransRequest.do', serverToServer('fileTransRequest'));

  router.get('/cashier/:token', async (req: Request<{ token: string }>, res) => {
    const trade = await simulator.tradeForToken(req.params.token);
    if (!trade) {
      res
        .status(404)
        .type('html')
        .send(resultPage('银联在线支付', '订单不存在 No such order.', { error: true }));
      return;
    }
    const base = simulator.cashierUrl(trade.buyerToken);
    res.type('html').send(cashierPage(trade.data, { pay: `${base}/pay`, fail: `${base}/fail` }, TEST_CARD_NO));
  });

  router.post('/cashier/:token/:action', async (req: Request<{ token: string; action: string }>, res) => {
    const { action } = req.params;
    if (action !== 'pay' && action !== 'fail') {
      res
        .status(404)
        .type('html')
        .send(resultPage('银联在线支付', 'Unknown action.', { error: true }));
      return;
    }
    const trade = await simulator.tradeForToken(req.params.token);
    if (!trade) {
      res
        .status(404)
        .type('html')
        .send(resultPage('银联在线支付', '订单不存在 No such order.', { error: true }));
      return;
    }
    const cardNo = typeof req.body?.accNo === 'string' ? req.body.accNo.replace(/\s+/g, '') : TEST_CARD_NO;
    if (action === 'pay' && !/^\d{13,19}$/.test(cardNo)) {
      res
        .status(400)
        .type('html')
        .send(gatewayErrorPage({ respCode: '61' }));
      return;
    }
    let after;
    try {
      after = await simulator.attempt(trade, action === 'pay' ? 'success' : 'fail', cardNo);
    } catch (error) {
      if (!(error instanceof ControlError)) throw error;
      res
        .status(error.status)
        .type('html')
        .send(resultPage('银联在线支付', error.message, { error: true }));
      return;
    }
    if (action === 'fail') {
      res
        .type('html')
        .send(
          resultPage(
            '银联在线支付 - 支付失败',
            '支付失败 Payment declined by the card issuer (simulated, respCode 60).',
            { error: true },
          ),
        );
      return;
    }
    if (after.data.front_url) {
      res.type('html').send(frontReturnPage(after.data.front_url, await simulator.frontNotification(after)));
      return;
    }
    res.type('html').send(resultPage('银联在线支付 - 支付成功', '支付成功 Payment succeeded.'));
  });

  return router;
}
