import express, { type Request, type Response, type Router } from 'express';
import { buyerActionOf, doBuyerAction, sendPage } from '../buyer-actions';
import { answerApiFailure, pause } from '../fault-answers';
import { escapeHtml } from '../html';
import type { SimulatorContext } from '../simulator';
import type { StoredTrade } from '../trades';
import type { AlipayAccounts } from './alipay.accounts';
import type { AlipayApi, BizContent, GatewayAnswer } from './alipay.api';
import { cashierUrl, type AlipayBuyer } from './alipay.buyer';
import {
  invalidArgument,
  invalidParameter,
  missingArgument,
  PROVIDER,
  systemError,
  type AlipaySandboxSecrets,
  type AlipaySimTrade,
} from './alipay.model';
import { cashierPage, errorPage, gatewayErrorPage, resultPage } from './alipay.pages';
import { gatewayResponseText, requestSignContent, rsa2Verify } from './alipay.signature';
import { BILL_DOWNLOAD_PATH, billDownloadUrlQuery, downloadBill } from './alipay.statement';
import { parseChinaTime } from './alipay.time';
import type { AlipayTrades } from './alipay.trades';

/** What the routes work with: the simulator's parts, made once by `createAlipaySimulator`. */
export interface AlipayRouteDependencies {
  context: SimulatorContext;
  accounts: AlipayAccounts;
  trades: AlipayTrades;
  api: AlipayApi;
  buyer: AlipayBuyer;
}

type ApiMethod = (
  deps: AlipayRouteDependencies,
  secrets: AlipaySandboxSecrets,
  common: Record<string, string>,
  biz: BizContent,
) => Promise<GatewayAnswer>;

/** Server-to-server methods: answered with the signed `<method>_response` JSON. */
const API_METHODS: Record<string, ApiMethod> = {
  'alipay.trade.precreate': ({ api }, secrets, common, biz) => api.precreate(secrets, common, biz),
  'alipay.trade.query': ({ api }, secrets, _common, biz) => api.query(secrets, biz),
  'alipay.trade.close': ({ api }, secrets, _common, biz) => api.close(secrets, biz),
  'alipay.trade.refund': ({ api }, secrets, _common, biz) => api.refund(secrets, biz),
  'alipay.trade.fastpay.refund.query': ({ api }, secrets, _common, biz) => api.refundQuery(secrets, biz),
  'alipay.data.dataservice.bill.downloadurl.query': ({ context }, secrets, _common, biz) =>
    billDownloadUrlQuery(context, secrets, biz),
};

/** Methods the shopper's browser brings to the gateway: answered with the cashier or an error page. */
const PAGE_METHODS = ['alipay.trade.page.pay', 'alipay.trade.wap.pay'] as const;
type PageMethod = (typeof PAGE_METHODS)[number];
const isPageMethod = (method: string | undefined): method is PageMethod => PAGE_METHODS.includes(method as PageMethod);

/** `/alipay/…`: the OpenAPI gateway, the cashier, the QR landing page and bill downloads. */
export function alipayRoutes(deps: AlipayRouteDependencies): Router {
  const { context, accounts, trades, buyer } = deps;
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '1mb' }));

  router.all('/gateway.do', async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.status(405).set('allow', 'GET, POST').end();
      return;
    }
    await gateway(deps, req, res);
  });

  router.get(BILL_DOWNLOAD_PATH, async (req, res) => {
    const bill = await downloadBill(context, req.query as Record<string, unknown>);
    res.status(bill.status).set(bill.headers).send(bill.body);
  });

  const showCashier = async (req: Request<{ token: string }>, res: Response) => {
    let trade = await trades.forToken(req.params.token);
    if (!trade) return sendPage(res, errorPage('订单不存在 No such order.'), 404);
    if (trade.data.trade_status === 'WAIT_BUYER_PAY') trade = await buyer.scan(trade);
    const base = cashierUrl(context.publicUrl, trade.buyerToken);
    sendPage(res, cashierPage(trade.data, { pay: `${base}/pay`, fail: `${base}/fail` }));
  };
  router.get('/qr/:token', showCashier);
  router.get('/cashier/:token', showCashier);

  router.post('/cashier/:token/:action', async (req: Request<{ token: string; action: string }>, res) => {
    const asked = await buyerActionOf(req, res, ['pay', 'fail'] as const, (token) => trades.forToken(token), errorPage);
    if (!asked) return;
    const { action, trade } = asked;
    if (!(await doBuyerAction(res, errorPage, () => buyer.pay(trade, action === 'pay' ? 'success' : 'fail'))).done)
      return;
    const after = (await trades.forToken(req.params.token)) as StoredTrade<AlipaySimTrade>;
    const secrets = await accounts.get(after.accountId);
    const returnUrl = secrets ? buyer.returnUrl(after, secrets) : null;
    if (returnUrl) {
      res.redirect(302, returnUrl);
      return;
    }
    if (action === 'pay') {
      sendPage(res, resultPage('支付宝 - 支付成功', '支付成功 Payment succeeded.'));
    } else {
      const retry = cashierUrl(context.publicUrl, after.buyerToken);
      sendPage(
        res,
        resultPage(
          '支付宝 - 支付失败',
          '支付失败，请更换付款方式重试 Payment failed (simulated); the order can still be paid.',
          {
            error: true,
            link: { href: retry, label: '重新付款 Try again' },
          },
        ),
      );
    }
  });

  return router;
}

/** Every parameter of the request, query string and form body together; null if one is repeated. */
function collectParams(req: Request): Record<string, string> | null {
  const params: Record<string, string> = {};
  const sources = [req.query as Record<string, unknown>, (req.body ?? {}) as Record<string, unknown>];
  for (const source of sources) {
    for (const [name, value] of Object.entries(source)) {
      if (typeof value !== 'string' || name in params) return null;
      params[name] = value;
    }
  }
  return params;
}

async function gateway(deps: AlipayRouteDependencies, req: Request, res: Response): Promise<void> {
  const { context, accounts, api } = deps;
  const params = collectParams(req);
  const method = params?.method;
  const page = isPageMethod(method);
  let secrets: AlipaySandboxSecrets | null = null;

  const answer = (inner: GatewayAnswer, tamper = false) => {
    if (page) {
      sendPage(res, gatewayErrorPage(inner));
      return;
    }
    res
      .type('application/json; charset=utf-8')
      .send(gatewayResponseText(method ?? 'error', inner, secrets?.platform_private_key ?? null, tamper));
  };

  if (!params) return answer(invalidArgument('isv.invalid-parameter', '参数重复'));
  if (!params.app_id) return answer(missingArgument('isv.missing-app-id', '缺少AppID参数'));
  secrets = await accounts.get(params.app_id);
  // Alipay cannot sign for an app it does not know: this answer comes without a signature.
  if (!secrets) return answer(invalidArgument('isv.invalid-app-id', '无效的AppID参数'));
  if (!method) return answer(missingArgument('isv.missing-method', '缺少方法名参数'));
  if (!page && !API_METHODS[method]) return answer(invalidArgument('isv.invalid-method', '不存在的方法名'));
  if (!params.sign) return answer(missingArgument('isv.missing-signature', '缺少签名参数'));
  if (!params.sign_type) return answer(missingArgument('isv.missing-signature-type', '缺少签名类型参数'));
  if (params.sign_type !== 'RSA2') return answer(invalidArgument('isv.invalid-signature-type', '无效的签名类型'));
  if (!params.timestamp) return answer(missingArgument('isv.missing-timestamp', '缺少时间戳参数'));
  if (!parseChinaTime(params.timestamp)) return answer(invalidArgument('isv.invalid-timestamp', '非法的时间戳参数'));
  if (params.charset && params.charset.toLowerCase() !== 'utf-8')
    return answer(invalidArgument('isv.invalid-charset', '字符集错误'));
  if (params.version && params.version !== '1.0')
    return answer(invalidArgument('isv.invalid-version', '非法的版本参数'));
  if (params.format && params.format.toUpperCase() !== 'JSON')
    return answer(invalidArgument('isv.invalid-format', '无效的数据格式'));

  const content = requestSignContent(params);
  if (!rsa2Verify(content, params.sign, secrets.merchant_public_key)) {
    context.logger.info({ app_id: params.app_id, method }, 'request signature refused');
    return answer(
      invalidArgument(
        'isv.invalid-signature',
        `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${escapeHtml(content)}`,
      ),
    );
  }

  let biz: BizContent;
  try {
    const parsed: unknown = JSON.parse(params.biz_content ?? '');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
    biz = parsed as BizContent;
  } catch {
    return answer(invalidParameter('biz_content 不是合法的 JSON 对象'));
  }

  const outTradeNo = typeof biz.out_trade_no === 'string' ? biz.out_trade_no : null;
  const faults = context.faults.api({ provider: PROVIDER, accountId: secrets.app_id, outTradeNo }, method);
  if (await answerApiFailure(res, faults, () => answer(systemError()))) return;

  if (page) {
    const opened = await api.openPage(secrets, method, params, biz);
    await pause(faults.slowMs);
    if (!opened.ok) return answer(opened.answer);
    res.redirect(302, cashierUrl(context.publicUrl, opened.token));
    return;
  }
  const inner = await API_METHODS[method](deps, secrets, params, biz);
  // Slowness comes after the work, as with a real gateway: a client that gave up may still have changed something.
  await pause(faults.slowMs);
  context.logger.debug({ app_id: secrets.app_id, method, code: inner.code, sub_code: inner.sub_code }, 'gateway call');
  answer(inner, faults.tamperResponse);
}
