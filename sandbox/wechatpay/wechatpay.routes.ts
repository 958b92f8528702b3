import express, { type Request, type Response, type Router } from 'express';
import { buyerActionOf, doBuyerAction, sendPage } from '../buyer-actions';
import { answerApiFailure, pause } from '../fault-answers';
import type { SimulatorContext } from '../simulator';
import { isHttpUrl } from '../urls';
import type { WechatpayAccounts } from './wechatpay.accounts';
import { wechatpayApiRoutes, type WechatpayApiDependencies } from './wechatpay.api-routes';
import type { WechatpayBuyer } from './wechatpay.buyer';
import { PROVIDER, wechatpayBaseUrl } from './wechatpay.model';
import { SANDBOX_USER_COOKIE, SANDBOX_USER_PARAM, snsSystemError, type WechatOauth } from './wechatpay.oauth';
import { cashierPage, errorPage, resultPage } from './wechatpay.pages';
import { paySignMessage, randomAlphanumeric, rsaVerify } from './wechatpay.signature';

/** What the routes work with: the simulator's parts, made once by `createWechatpaySimulator`. */
export interface WechatpayRouteDependencies extends WechatpayApiDependencies {
  context: SimulatorContext;
  accounts: WechatpayAccounts;
  buyer: WechatpayBuyer;
  /** Web OAuth (网页授权) of each merchant's 公众号, for JSAPI's openid. */
  oauth: WechatOauth;
}

/** `/wechatpay/…`: APIv3 under /v3 and the shopper's pages. */
export function wechatpayRoutes(deps: WechatpayRouteDependencies): Router {
  const { context, accounts, trades, buyer, oauth } = deps;
  const baseUrl = wechatpayBaseUrl(context.publicUrl);
  const router = express.Router();

  router.use('/v3', wechatpayApiRoutes(deps));

  // ---- web OAuth (网页授权): open.weixin.qq.com and api.weixin.qq.com/sns in WeChat ----

  router.get('/connect/oauth2/authorize', async (req, res) => {
    // The raw query, not req.query: WeChat refuses a link whose parameters are out of order.
    const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    const outcome = await oauth.authorize(rawQuery, wechatUserOf(baseUrl, req, res));
    if (outcome.kind === 'redirect') {
      res.redirect(302, outcome.location);
      return;
    }
    const code = outcome.errcode === null ? '' : ` (errcode ${outcome.errcode})`;
    sendPage(res, resultPage('微信网页授权', `${outcome.message}${code}`, { error: true }), 400);
  });

  router.get('/sns/oauth2/access_token', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const appid = typeof query.appid === 'string' ? query.appid : '';
    const account = appid ? await oauth.accountOfAppid(appid) : null;
    const faults = context.faults.api(
      { provider: PROVIDER, accountId: account?.mchid ?? null, outTradeNo: null },
      'GET /sns/oauth2/access_token',
    );
    // HTTP 200 for errors too, as WeChat's /sns answers are.
    const sendAnswer = (answer: unknown) =>
      res.status(200).type('application/json; encoding=utf-8').send(JSON.stringify(answer));
    if (await answerApiFailure(res, faults, () => sendAnswer(snsSystemError()))) return;
    const answer = await oauth.exchange(query);
    await pause(faults.slowMs);
    sendAnswer(answer);
  });

  // ---- the shopper's pages ----

  const showCashier = async (res: Response, token: string, redirectUrl: string | null) => {
    const trade = await trades.forToken(token);
    if (!trade) return sendPage(res, errorPage('订单不存在或已过期 No such order.'), 404);
    sendPage(
      res,
      cashierPage(trade.data, {
        base: `${baseUrl}/pay/${encodeURIComponent(trade.buyerToken)}`,
        redirectUrl,
      }),
    );
  };

  // Native: what scanning code_url opens.
  router.get('/scan/:token', async (req: Request<{ token: string }>, res) => {
    await showCashier(res, req.params.token, null);
  });

  // H5: WeChat's checkmweb page, which sends the shopper back to redirect_url afterwards.
  router.get('/checkmweb', async (req, res) => {
    const prepayId = typeof req.query.prepay_id === 'string' ? req.query.prepay_id : '';
    const redirectUrl =
      typeof req.query.redirect_url === 'string' && isHttpUrl(req.query.redirect_url) ? req.query.redirect_url : null;
    await showCashier(res, prepayId, redirectUrl);
  });

  // JSAPI: what getBrandWCPayRequest would open, given the parameters the merchant signed.
  router.get('/jsapi/:prepayId', async (req: Request<{ prepayId: string }>, res) => {
    const trade = await trades.forToken(req.params.prepayId);
    const q = req.query as Record<string, unknown>;
    const param = (name: string) => (typeof q[name] === 'string' ? (q[name] as string) : '');
    const refuse = (message: string) => sendPage(res, errorPage(message), 400);
    if (!trade) return sendPage(res, errorPage('订单不存在或已过期 No such order.'), 404);
    const secrets = await accounts.get(trade.accountId);
    if (!secrets) return void refuse('商户不存在 Unknown merchant.');
    if (param('appId') !== trade.data.appid)
      return void refuse(`appId 与下单时不一致 appId does not match the order's (${trade.data.appid}).`);
    if (param('package') !== `prepay_id=${trade.data.prepay_id}`)
      return void refuse('package 须为 prepay_id=… of this order.');
    if (param('signType') !== 'RSA') return void refuse('signType 须为 RSA.');
    const message = paySignMessage(param('appId'), param('timeStamp'), param('nonceStr'), param('package'));
    if (!param('paySign') || !rsaVerify(message, param('paySign'), secrets.merchant_public_key)) {
      return void refuse('支付验证签名失败 paySign does not verify with the merchant’s key.');
    }
    const returnUrl = typeof q.return_url === 'string' && isHttpUrl(q.return_url) ? q.return_url : null;
    sendPage(
      res,
      cashierPage(trade.data, {
        base: `${baseUrl}/pay/${encodeURIComponent(trade.buyerToken)}`,
        redirectUrl: returnUrl,
      }),
    );
  });

  router.post(
    '/pay/:token/:action',
    express.urlencoded({ extended: false, limit: '16kb' }),
    async (req: Request<{ token: string; action: string }>, res) => {
      const asked = await buyerActionOf(
        req,
        res,
        ['pay', 'fail', 'paying'] as const,
        (token) => trades.forToken(token),
        errorPage,
      );
      if (!asked) return;
      const { action, trade } = asked;
      const done = await doBuyerAction(res, errorPage, () =>
        action === 'paying' ? buyer.startPaying(trade) : buyer.pay(trade, action === 'pay' ? 'success' : 'fail'),
      );
      if (!done.done) return;
      if (action === 'paying') {
        res.redirect(303, `${baseUrl}/scan/${encodeURIComponent(trade.buyerToken)}`);
        return;
      }
      const redirectUrl =
        typeof req.body?.redirect_url === 'string' && isHttpUrl(req.body.redirect_url)
          ? (req.body.redirect_url as string)
          : null;
      if (redirectUrl) {
        res.redirect(303, redirectUrl);
        return;
      }
      sendPage(
        res,
        action === 'pay'
          ? resultPage('微信支付 - 支付成功', '支付成功 Payment succeeded.')
          : resultPage('微信支付 - 支付失败', '支付失败 Payment failed (simulated, PAYERROR).', { error: true }),
      );
    },
  );

  return router;
}

/**
 * Who the WeChat user opening the page is: `sandbox_user` when the link names one (tests), else
 * the browser's own, kept in a cookie the sandbox sets on its first visit.
 */
function wechatUserOf(baseUrl: string, req: Request, res: Response): string {
  const named = req.query[SANDBOX_USER_PARAM];
  if (typeof named === 'string' && named !== '') return named;
  const cookie = USER_COOKIE_PATTERN.exec(req.get('cookie') ?? '');
  if (cookie) return cookie[1];
  const id = randomAlphanumeric(24);
  res.cookie(SANDBOX_USER_COOKIE, id, {
    path: new URL(baseUrl).pathname,
    httpOnly: true,
    sameSite: 'lax',
    maxAge: 365 * 86_400_000,
  });
  return id;
}

const USER_COOKIE_PATTERN = new RegExp(`(?:^|;\\s*)${SANDBOX_USER_COOKIE}=([A-Za-z0-9]{24})(?:;|$)`);
