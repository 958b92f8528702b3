import { toDecimalString } from '../../domain/money';
import type { WechatpaySimTrade } from './wechatpay.model';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "PingFang SC", sans-serif; background: #ededed; margin: 0; color: #191919; }
  header { background: #07c160; color: #fff; padding: 12px 20px; font-size: 18px; }
  header small { opacity: .85; margin-left: 8px; font-size: 12px; }
  main { max-width: 420px; margin: 24px auto; background: #fff; border-radius: 8px; padding: 24px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  .amount { font-size: 36px; font-weight: 600; text-align: center; margin: 8px 0 4px; }
  .subject { text-align: center; color: #666; margin-bottom: 20px; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; font-size: 13px; color: #666; }
  dd { margin: 0; word-break: break-all; }
  form { margin-top: 12px; }
  button { width: 100%; padding: 12px; font-size: 16px; border: 0; border-radius: 6px; cursor: pointer; }
  button.pay { background: #07c160; color: #fff; }
  button.paying { background: #fff; color: #576b95; border: 1px solid #576b95; }
  button.fail { background: #fff; color: #fa5151; border: 1px solid #fa5151; }
  .status { text-align: center; font-size: 20px; margin: 12px 0; }
  .error { color: #fa5151; }
</style>
</head>
<body>
<header>微信支付 · WeChat Pay<small>Tongbao sandbox — no real money moves</small></header>
<main>
${body}
</main>
</body>
</html>`;
}

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
  const hidden = actions.redirectUrl ? `<input type="hidden" name="redirect_url" value="${escapeHtml(actions.redirectUrl)}">` : '';
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

export function resultPage(title: string, message: string, options: { error?: boolean; link?: { href: string; label: string } } = {}): string {
  const link = options.link ? `<p><a href="${escapeHtml(options.link.href)}">${escapeHtml(options.link.label)}</a></p>` : '';
  return layout(title, `<p class="status${options.error ? ' error' : ''}" data-testid="result">${escapeHtml(message)}</p>${link}`);
}
