import { escapeHtml, themedPages, type BuyerPageTheme } from '../html';
import { toDecimalString } from '../../domain/money';
import type { WechatpaySimTrade } from './wechatpay.model';

const THEME: BuyerPageTheme = {
  brand: '微信支付 · WeChat Pay',
  brandColour: '#07c160',
  pageBackground: '#ededed',
  textColour: '#191919',
  failColour: '#fa5151',
  errorColour: '#fa5151',
  extraCss: `  form { margin-top: 12px; }
  button.paying { background: #fff; color: #576b95; border: 1px solid #576b95; }`,
};

const pages = themedPages(THEME);
const layout = pages.page;

/** The page after the buyer's action: a message, optionally an error, optionally a link onwards. */
export const resultPage = pages.resultPage;

/** The error page the buyer sees when a page or a button cannot do what was asked. */
export const errorPage = (message: string): string => resultPage('微信支付', message, { error: true });

const TRADE_TYPE_LABEL: Record<WechatpaySimTrade['trade_type'], string> = {
  NATIVE: '扫码支付 Native (the shopper scanned code_url)',
  JSAPI: 'JSAPI (getBrandWCPayRequest in WeChat’s browser)',
  MWEB: 'H5 (WeChat opened from a mobile browser)',
};

/**
 * What the shopper sees in WeChat: the order and its buttons. Each button posts to `action`'s URL
 * with `redirect_url` (H5: WeChat sends the shopper back there, paid or not).
 */
export function cashierPage(trade: WechatpaySimTrade, actions: { base: string; redirectUrl: string | null }): string {
  const details = `
<div class="amount" data-testid="amount">¥${escapeHtml(toDecimalString(trade.total, 'CNY'))}</div>
<div class="subject" data-testid="subject">${escapeHtml(trade.description)}</div>
<dl>
  <dt>商户订单号 Order</dt><dd data-testid="out-trade-no">${escapeHtml(trade.out_trade_no)}</dd>
  <dt>商户号 mchid</dt><dd>${escapeHtml(trade.mchid)}</dd>
  <dt>方式 Type</dt><dd>${escapeHtml(TRADE_TYPE_LABEL[trade.trade_type])}</dd>
  <dt>状态 State</dt><dd data-testid="trade-state">${escapeHtml(trade.trade_state)}</dd>
</dl>`;
  if (trade.trade_state !== 'NOTPAY' && trade.trade_state !== 'USERPAYING') {
    return layout('微信支付', `${details}\n<p class="status">该订单不可支付 This order can no longer be paid.</p>`);
  }
  const hidden = actions.redirectUrl
    ? `<input type="hidden" name="redirect_url" value="${escapeHtml(actions.redirectUrl)}">`
    : '';
  const button = (action: string, cls: string, label: string) =>
    `<form method="post" action="${escapeHtml(`${actions.base}/${action}`)}">${hidden}<button class="${cls}" type="submit" data-testid="${action}">${label}</button></form>`;
  return layout(
    '微信支付',
    `${details}
${button('pay', 'pay', '立即支付 Pay')}
${trade.trade_state === 'NOTPAY' ? button('paying', 'paying', '输入密码中 Enter password (USERPAYING)') : ''}
${button('fail', 'fail', '模拟支付失败 Fail (PAYERROR)')}`,
  );
}
