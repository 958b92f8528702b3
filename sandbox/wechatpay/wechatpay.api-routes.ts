import express, { type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { answerApiFailure, pause } from '../fault-answers';
import type { SimulatorContext } from '../simulator';
import type { WechatpayAccounts } from './wechatpay.accounts';
import { closeBodySchema, prepayBodySchema, refundBodySchema, type WechatpayApi } from './wechatpay.api';
import {
  apiError,
  paramError,
  PROVIDER,
  systemError,
  type ApiAnswer,
  type WechatpaySandboxSecrets,
  type WechatpaySigningKey,
} from './wechatpay.model';
import {
  parseAuthorization,
  randomAlphanumeric,
  requestMessage,
  responseMessage,
  rsaSign,
  rsaVerify,
  tamperWith,
} from './wechatpay.signature';
import { applyForTradeBill, downloadBill } from './wechatpay.statement';
import type { WechatpayTrades } from './wechatpay.trades';

// APIv3 over HTTP: every request's signature checked (WECHATPAY2-SHA256-RSA2048), the endpoint it
// names found in the table below, faults applied, and the answer signed in the Wechatpay-* headers.

/** WeChat refuses requests whose signed timestamp is more than 5 minutes off. */
const MAX_REQUEST_SKEW_SECONDS = 300;

/** What the APIv3 handler works with: the simulator's parts, made once by `createWechatpaySimulator`. */
export interface WechatpayApiDependencies {
  context: SimulatorContext;
  accounts: WechatpayAccounts;
  trades: WechatpayTrades;
  api: WechatpayApi;
}

interface ApiCall {
  deps: WechatpayApiDependencies;
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
    validated(prepayBodySchema, call.body, (body) => call.deps.api.prepay(call.secrets, tradeType, body)),
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
    handle: (call) => mchidQuery(call) ?? call.deps.api.queryByOutTradeNo(call.secrets, call.param),
  },
  {
    method: 'GET',
    pattern: /^\/pay\/transactions\/id\/([^/]+)$/,
    name: 'GET /v3/pay/transactions/id/{transaction_id}',
    outTradeNo: () => null,
    handle: (call) => mchidQuery(call) ?? call.deps.api.queryByTransactionId(call.secrets, call.param),
  },
  {
    method: 'POST',
    pattern: /^\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/,
    name: 'POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close',
    outTradeNo: (call) => call.param,
    handle: (call) =>
      validated(closeBodySchema, call.body, (body) =>
        body.mchid === call.secrets.mchid
          ? call.deps.api.close(call.secrets, call.param)
          : apiError(400, 'INVALID_REQUEST', 'mchid 与请求签名中的商户号不一致'),
      ),
  },
  {
    method: 'POST',
    pattern: /^\/refund\/domestic\/refunds$/,
    name: 'POST /v3/refund/domestic/refunds',
    outTradeNo: (call) => bodyField(call.body, 'out_trade_no'),
    handle: (call) => validated(refundBodySchema, call.body, (body) => call.deps.api.refund(call.secrets, body)),
  },
  {
    method: 'GET',
    pattern: /^\/refund\/domestic\/refunds\/([^/]+)$/,
    name: 'GET /v3/refund/domestic/refunds/{out_refund_no}',
    outTradeNo: (call) => call.deps.api.tradeOfRefund(call.secrets.mchid, call.param),
    handle: (call) => call.deps.api.refundQuery(call.secrets, call.param),
  },
  {
    method: 'GET',
    pattern: /^\/bill\/tradebill$/,
    name: 'GET /v3/bill/tradebill',
    outTradeNo: () => null,
    handle: (call) => applyForTradeBill(call.deps, call.secrets, call.query),
  },
  {
    method: 'GET',
    pattern: /^\/billdownload\/file$/,
    name: 'GET /v3/billdownload/file',
    outTradeNo: () => null,
    handle: (call) => downloadBill(call.deps, call.secrets, call.query),
  },
  {
    method: 'GET',
    pattern: /^\/certificates$/,
    name: 'GET /v3/certificates',
    outTradeNo: () => null,
    handle: (call) => call.deps.api.certificates(call.secrets),
  },
];

/** `/wechatpay/v3/…`: APIv3, each request's body read as text, as its signature covers it. */
export function wechatpayApiRoutes(deps: WechatpayApiDependencies): Router {
  const router = express.Router();
  router.use(express.text({ type: () => true, limit: '1mb' }), async (req, res) => {
    await api(deps, req, res);
  });
  return router;
}

async function api(deps: WechatpayApiDependencies, req: Request, res: Response): Promise<void> {
  const { context, accounts } = deps;
  const raw = typeof req.body === 'string' ? req.body : '';
  const auth = parseAuthorization(req.get('authorization'));
  if (!auth)
    return send(res, apiError(401, 'SIGN_ERROR', 'Authorization 缺失或不是 WECHATPAY2-SHA256-RSA2048 格式'), null);
  const secrets = await accounts.get(auth.mchid);
  // WeChat cannot sign for a merchant it does not know: this answer comes unsigned.
  if (!secrets) return send(res, apiError(400, 'MCH_NOT_EXISTS', '商户号不存在'), null);
  const key = accounts.answerKey(secrets, req.get('wechatpay-serial') ?? undefined);
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
    context.logger.info({ mchid: auth.mchid, path: req.originalUrl }, 'request signature refused');
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
  const call: ApiCall = { deps, secrets, param, body, query: req.query as Record<string, unknown> };
  const outTradeNo = await route.outTradeNo(call);
  const faults = context.faults.api({ provider: PROVIDER, accountId: secrets.mchid, outTradeNo }, route.name);
  if (await answerApiFailure(res, faults, () => send(res, systemError(), key))) return;
  const answer = await route.handle(call);
  // Slowness comes after the work, as with a real gateway: a client that gave up may still have changed something.
  await pause(faults.slowMs);
  context.logger.debug(
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

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
