import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { ControlError } from '../errors';
import { isHttpUrl } from '../urls';
import {
  apiError,
  paramError,
  systemError,
  type ApiAnswer,
  type WechatpaySandboxSecrets,
  type WechatpaySigningKey,
} from './wechatpay.model';
import { SANDBOX_USER_COOKIE, SANDBOX_USER_PARAM, snsSystemError } from './wechatpay.oauth';
import { cashierPage, resultPage } from './wechatpay.pages';
import {
  parseAuthorization,
  paySignMessage,
  randomAlphanumeric,
  requestMessage,
  responseMessage,
  rsaSign,
  rsaVerify,
} from './wechatpay.signature';
import { closeBodySchema, prepayBodySchema, refundBodySchema, type WechatpaySimulator } from './wechatpay.simulator';
import { applyForTradeBill, downloadBill } from './wechatpay.statement';

/** A fault's slowness; it never keeps a stopping process alive. */
const pause = (ms: number) => (ms > 0 ? sleep(ms, undefined, { ref: false }) : Promise.resolve());

/** WeChat refuses requests whose signed timestamp is more than 5 minutes off. */
const MAX_REQUEST_SKEW_SECONDS = 300;

interface ApiCall {
  simulator: WechatpaySimulator;
  secrets: WechatpaySandboxSecrets;
  /** The path's parameter, decoded. */
  param: string;
  body: unknown;
  query: Record<string, unknown>;
}

interface ApiRoute {
  method: 'GET' | 'POST';
  /** Relative to /v3; one capture group at most (the path parameter). */
  pattern: RegExp;
  /** Its name for `api.methods` in fault rules, e.g. `POST /v3/pay/transactions/native`. */
  name: string;
  /** The order the call is about, for fault scoping. */
  outTradeNo(call: ApiCall): Promise<string | null> | string | null;
  handle(call: ApiCall): Promise<ApiAnswer> | ApiAnswer;
}

function bodyField(body: unknown, field: string): string | null {
  const value = (body as Record<string, unknown> | null)?.[field];
  return typeof value === 'string' ? value : null;
}

/** Validates a request body as WeChat would, answering its PARAM_ERROR naming the field. */
function validated<T>(
  schema: z.ZodType<T>,
  body: unknown,
  then: (value: T) => Promise<ApiAnswer> | ApiAnswer,
): Promise<ApiAnswer> | ApiAnswer {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return paramError(`/${issue.path.map(String).join('/')}`, issue.message);
  }
  return then(parsed.data);
}

function mchidQuery(call: ApiCall): ApiAnswer | null {
  const mchid = call.query.mchid;
  if (typeof mchid !== 'string' || mchid === '') return paramError('/mchid', '缺少 mchid', 'query');
  if (mchid !== call.secrets.mchid) return apiError(400, 'INVALID_REQUEST', 'mchid 与请求签名中的商户号不一致');
  return null;
}

const prepayRoute = (kind: 'native' | 'jsapi' | 'h5', tradeType: 'NATIVE' | 'JSAPI' | 'MWEB'): ApiRoute => ({
  method: 'POST',
  pattern: new RegExp(`^/pay/transactions/${kind}$`),
  name: `POST /v3/pay/transactions/${kind}`,
  outTradeNo: (call) => bodyField(call.body, 'out_trade_no'),
  handle: (call) =>
    validated(prepayBodySchema, call.body, (body) => call.simulator.prepay(call.secrets, tradeType, body)),
});

/** The APIv3 endpoints Tongbao uses. https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_4_1.shtml and the pages beside it */
const API_ROUTES: ApiRoute[] = [
  prepayRoute('native', 'NATIVE'),
  prepayRoute('jsapi', 'JSAPI'),
  prepayRoute('h5', 'MWEB'),
  {
    method: 'GET',
    pattern: /^\/pay\/transactions\/out-trade-no\/([^/]+)$/,
    name: 'GET /v3/pay/transactions/out-trade-no/{out_trade_no}',
    outTradeNo: (call) => call.param,
    handle: (call) => mchidQuery(call) ?? call.simulator.queryByOutTradeNo(call.secrets, call.param),
  },
  {
    method: 'GET',
    pattern: /^\/pay\/transactions\/id\/([^/]+)$/,
    name: 'GET /v3/pay/transactions/id/{transaction_id}',
    outTradeNo: () => null,
    handle: (call) => mchidQuery(call) ?? call.simulator.queryByTransactionId(call.secrets, call.param),
  },
  {
    method: 'POST',
    pattern: /^\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/,
    name: 'POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close',
    outTradeNo: (call) => call.param,
    handle: (call) =>
      validated(closeBodySchema, call.body, (body) =>
        body.mchid === call.secrets.mchid
          ? call.simulator.close(call.secrets, call.param)
          : apiError(400, 'INVALID_REQUEST', 'mchid 与请求签名中的商户号不一致'),
      ),
  },
  {
    method: 'POST',
    pattern: /^\/refund\/domestic\/refunds$/,
    name: 'POST /v3/refund/domestic/refunds',
    outTradeNo: (call) => bodyField(call.body, 'out_trade_no'),
    handle: (call) => validated(refundBodySchema, call.body, (body) => call.simulator.refund(call.secrets, body)),
  },
  {
    method: 'GET',
    pattern: /^\/refund\/domestic\/refunds\/([^/]+)$/,
    name: 'GET /v3/refund/domestic/refunds/{out_refund_no}',
    outTradeNo: (call) => call.simulator.tradeOfRefund(call.secrets.mchid, call.param),
    handle: (call) => call.simulator.refundQuery(call.secrets, call.param),
  },
  {
    method: 'GET',
    pattern: /^\/bill\/tradebill$/,
    name: 'GET /v3/bill/tradebill',
    outTradeNo: () => null,
    handle: (call) => applyForTradeBill(call.simulator, call.secrets, call.query),
  },
  {
    method: 'GET',
    pattern: /^\/billdownload\/file$/,
    name: 'GET /v3/billdownload/file',
    outTradeNo: () => null,
    handle: (call) => downloadBill(call.simulator, call.secrets, call.query),
  },
  {
    method: 'GET',
    pattern: /^\/certificates$/,
    name: 'GET /v3/certificates',
    outTradeNo: () => null,
    handle: (call) => call.simulator.certificates(call.secrets),
  },
];

/** `/wechatpay/…`: APIv3 under /v3 and the shopper's pages. */
export function wechatpayRoutes(simulator: WechatpaySimulator): Router {
  const router = express.Router();
  const text = express.text({ type: () => true, limit: '1mb' });

  router.use('/v3', text, async (req, res) => {
    await api(simulator, req, res);
  });

  // ---- web OAuth (网页授权): open.weixin.qq.com and api.weixin.qq.com/sns in WeChat ----

  router.get('/connect/oauth2/authorize', async (req, res) => {
    // The raw query, not req.query: WeChat refuses a link whose parameters are out of order.
    const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    const outcome = await simulator.oauth.authorize(rawQuery, wechatUserOf(simulator, req, res));
    if (outcome.kind === 'redirect') {
      res.redirect(302, outcome.location);
      return;
    }
    const code = outcome.errcode === null ? '' : ` (errcode ${outcome.errcode})`;
    res
      .status(400)
      .type('html')
      .send(resultPage('微信网页授权', `${outcome.message}${code}`, { error: true }));
  });

  router.get('/sns/oauth2/access_token', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const appid = typeof query.appid === 'string' ? query.appid : '';
    const account = appid ? await simulator.oauth.accountOfAppid(appid) : null;
    const faults = simulator.context.faults.api(
      { provider: 'wechatpay', accountId: account?.mchid ?? null, outTradeNo: null },
      'GET /sns/oauth2/access_token',
    );
    if (faults.fail === 'http_500') {
      await pause(faults.slowMs);
      res.status(500).type('html').send('<html><body><h1>500 Internal Server Error</h1></body></html>');
      return;
    }
    const answer = faults.fail === 'system_error' ? snsSystemError() : await simulator.oauth.exchange(query);
    await pause(faults.slowMs);
    // HTTP 200 for errors too, as WeChat's /sns answers are.
    res.status(200).type('application/json; encoding=utf-8').send(JSON.stringify(answer));
  });

  // ---- the shopper's pages ----

  const showCashier = async (res: Response, token: string, redirectUrl: string | null) => {
    const trade = await simulator.tradeForToken(token);
    if (!trade) {
      res
        .status(404)
        .type('html')
        .send(resultPage('微信支付', '订单不存在或已过期 No such order.', { error: true }));
      return;
    }
    res.type('html').send(
      cashierPage(trade.data, {
        base: `${simulator.baseUrl}/pay/${encodeURIComponent(trade.buyerToken)}`,
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
    const trade = await simulator.tradeForToken(req.params.prepayId);
    const q = req.query as Record<string, unknown>;
    const param = (name: string) => (typeof q[name] === 'string' ? (q[name] as string) : '');
    const refuse = (message: string) =>
      res
        .status(400)
        .type('html')
        .send(resultPage('微信支付', message, { error: true }));
    if (!trade) {
      res
        .status(404)
        .type('html')
        .send(resultPage('微信支付', '订单不存在或已过期 No such order.', { error: true }));
      return;
    }
    const secrets = await simulator.account(trade.accountId);
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
    res.type('html').send(
      cashierPage(trade.data, {
        base: `${simulator.baseUrl}/pay/${encodeURIComponent(trade.buyerToken)}`,
        redirectUrl: returnUrl,
      }),
    );
  });

  router.post(
    '/pay/:token/:action',
    express.urlencoded({ extended: false, limit: '16kb' }),
    async (req: Request<{ token: string; action: string }>, res) => {
      const { action } = req.params;
      if (action !== 'pay' && action !== 'fail' && action !== 'paying') {
        res
          .status(404)
          .type('html')
          .send(resultPage('微信支付', 'Unknown action.', { error: true }));
        return;
      }
      const trade = await simulator.tradeForToken(req.params.token);
      if (!trade) {
        res
          .status(404)
          .type('html')
          .send(resultPage('微信支付', '订单不存在 No such order.', { error: true }));
        return;
      }
      try {
        if (action === 'paying') await simulator.startPaying(trade);
        else await simulator.pay(trade, action === 'pay' ? 'success' : 'fail');
      } catch (error) {
        if (!(error instanceof ControlError)) throw error;
        res
          .status(error.status)
          .type('html')
          .send(resultPage('微信支付', error.message, { error: true }));
        return;
      }
      if (action === 'paying') {
        res.redirect(303, `${simulator.baseUrl}/scan/${encodeURIComponent(trade.buyerToken)}`);
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
      res
        .type('html')
        .send(
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
function wechatUserOf(simulator: WechatpaySimulator, req: Request, res: Response): string {
  const named = req.query[SANDBOX_USER_PARAM];
  if (typeof named === 'string' && named !== '') return named;
  const cookie = USER_COOKIE_PATTERN.exec(req.get('cookie') ?? '');
  if (cookie) return cookie[1];
  const id = randomAlphanumeric(24);
  res.cookie(SANDBOX_USER_COOKIE, id, {
    path: new URL(simulator.baseUrl).pathname,
    httpOnly: true,
    sameSite: 'lax',
    maxAge: 365 * 86_400_000,
  });
  return id;
}

const USER_COOKIE_PATTERN = new RegExp(`(?:^|;\\s*)${SANDBOX_USER_COOKIE}=([A-Za-z0-9]{24})(?:;|$)`);

async function api(simulator: WechatpaySimulator, req: Request, res: Response): Promise<void> {
  const raw = typeof req.body === 'string' ? req.body : '';
  const auth = parseAuthorization(req.get('authorization'));
  if (!auth)
    return send(res, apiError(401, 'SIGN_ERROR', 'Authorization 缺失或不是 WECHATPAY2-SHA256-RSA2048 格式'), null);
  const secrets = await simulator.account(auth.mchid);
  // WeChat cannot sign for a merchant it does not know: this answer comes unsigned.
  if (!secrets) return send(res, apiError(400, 'MCH_NOT_EXISTS', '商户号不存在'), null);
  const key = simulator.answerKey(secrets, req.get('wechatpay-serial') ?? undefined);
  if (auth.serial_no !== secrets.merchant_serial_no) {
    return send(res, apiError(401, 'SIGN_ERROR', `商户证书序列号 ${auth.serial_no} 有误`), key);
  }
  if (
    !/^\d{1,12}$/.test(auth.timestamp) ||
    Math.abs(Math.floor(Date.now() / 1000) - Number(auth.timestamp)) > MAX_REQUEST_SKEW_SECONDS
  ) {
    return send(res, apiError(401, 'SIGN_ERROR', '签名中的时间戳与当前时间相差超过5分钟'), key);
  }
  // The signed URL is the path and query the client requested. A client configured with the
  // sandbox's /wechatpay base signs that prefix; one whose host was swapped underneath it
  // (wechatpay-node-v3 with createHttp) signs WeChat's /v3/… path: both are accepted.
  const urls = [req.originalUrl, req.originalUrl.replace(/^\/wechatpay(?=\/v3\/)/, '')];
  if (
    !urls.some((url) =>
      rsaVerify(
        requestMessage(req.method, url, auth.timestamp, auth.nonce_str, raw),
        auth.signature,
        secrets.merchant_public_key,
      ),
    )
  ) {
    simulator.context.logger.info({ mchid: auth.mchid, path: req.originalUrl }, 'request signature refused');
    return send(res, apiError(401, 'SIGN_ERROR', '签名错误，请检查签名串与商户API私钥是否匹配'), key);
  }

  let route: ApiRoute | undefined;
  let param = '';
  for (const candidate of API_ROUTES) {
    const match = candidate.pattern.exec(req.path);
    if (match && candidate.method === req.method) {
      route = candidate;
      param = match[1] ? safeDecode(match[1]) : '';
      break;
    }
  }
  if (!route)
    return send(res, apiError(404, 'NOT_FOUND', `${req.method} ${req.originalUrl.split('?')[0]} 不存在`), key);

  let body: unknown = null;
  if (req.method === 'POST') {
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, apiError(400, 'PARAM_ERROR', '请求体不是合法的 JSON'), key);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return send(res, apiError(400, 'PARAM_ERROR', '请求体须为 JSON 对象'), key);
  }
  const call: ApiCall = { simulator, secrets, param, body, query: req.query as Record<string, unknown> };
  const outTradeNo = await route.outTradeNo(call);
  const faults = simulator.context.faults.api(
    { provider: 'wechatpay', accountId: secrets.mchid, outTradeNo },
    route.name,
  );
  if (faults.fail === 'http_500') {
    await pause(faults.slowMs);
    // A gateway error in front of WeChat: HTML, unsigned.
    res.status(500).type('html').send('<html><body><h1>500 Internal Server Error</h1></body></html>');
    return;
  }
  if (faults.fail === 'system_error') {
    await pause(faults.slowMs);
    return send(res, systemError(), key);
  }
  const answer = await route.handle(call);
  // Slowness comes after the work, as with a real gateway: a client that gave up may still have changed something.
  await pause(faults.slowMs);
  simulator.context.logger.debug(
    { mchid: secrets.mchid, route: route.name, status: answer.status, code: answer.body?.code },
    'api call',
  );
  send(res, answer, key, faults.tamperResponse);
}

/**
 * Answers as WeChat does: JSON (or nothing, for 204) with `Request-ID`, signed with `key` over
 * `timestamp\nnonce\nbody\n` in the Wechatpay-* headers. `tamper` alters the answer after signing.
 * A downloaded file goes out as it is: unsigned, and never tampered with (nothing signed it).
 */
function send(res: Response, answer: ApiAnswer, key: WechatpaySigningKey | null, tamper = false): void {
  res.status(answer.status).set('Request-ID', `08${randomAlphanumeric(30)}`);
  // WeChat does not sign a downloaded bill: its SHA1, in the signed answer that gave the URL, vouches for it.
  // https://pay.weixin.qq.com/doc/v3/merchant/4013071254
  if (answer.file) {
    res.type(answer.file.contentType).send(answer.file.bytes);
    return;
  }
  const text = answer.body === null ? '' : JSON.stringify(answer.body);
  if (key) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomAlphanumeric(32);
    res.set({
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Signature': rsaSign(responseMessage(timestamp, nonce, text), key.private_key),
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Serial': key.serial,
      'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    });
    // With no body to alter, the nonce is what changes after signing.
    if (tamper && text === '') res.set('Wechatpay-Nonce', randomAlphanumeric(32));
  }
  if (answer.body === null) {
    res.end();
    return;
  }
  res.type('application/json; charset=utf-8').send(tamper && key ? tamperWith(text) : text);
}

/** Raises an amount by 100 fen when there is one, otherwise adds a field: either breaks the signature. */
export function tamperWith(text: string): string {
  const amount = /"(total|refund|payer_total)":(\d+)/.exec(text);
  if (amount) return text.replace(amount[0], `"${amount[1]}":${Number(amount[2]) + 100}`);
  return text.endsWith('}') ? `${text.slice(0, -1)},"sandbox_tampered":true}` : `${text} `;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
