import { escapeHtml, themedPages, type BuyerPageTheme } from '../html';
import { respMsgOf, yuan, type GatewayRefusal, type UnionpaySimConsume } from './unionpay.model';

const THEME: BuyerPageTheme = {
  brand: '银联在线支付 · UnionPay',
  brandColour: '#e60012',
  pageBackground: '#f2f2f2',
  textColour: '#333',
  failColour: '#e60012',
  errorColour: '#c00',
  extraCss: `  main { max-width: 440px; }
  .amount { margin-bottom: 16px; }
  label { display: block; font-size: 14px; margin-bottom: 6px; }
  input[type=text] { width: 100%; box-sizing: border-box; padding: 10px; font-size: 16px; border: 1px solid #ccc; border-radius: 6px; letter-spacing: 1px; }
  button { margin-top: 12px; }`,
};

const pages = themedPages(THEME);
const layout = pages.page;

/** The page after the buyer's action: a message, optionally an error, optionally a link onwards. */
export const resultPage = pages.resultPage;

/** The error page the buyer sees when a page or a button cannot do what was asked. */
export const errorPage = (message: string): string => resultPage('银联在线支付', message, { error: true });

/** The card page a shopper sees after their browser brought the consume form to frontTransReq. */
export function cashierPage(
  order: UnionpaySimConsume,
  actions: { pay: string; fail: string },
  testCardNo: string,
): string {
  const details = `
<div class="amount" data-testid="amount">¥${escapeHtml(yuan(order.txn_amt))}</div>
<dl>
  <dt>商户代码 Merchant</dt><dd data-testid="mer-id">${escapeHtml(order.mer_id)}</dd>
  <dt>订单号 Order</dt><dd data-testid="order-id">${escapeHtml(order.order_id)}</dd>
  <dt>订单时间 Time</dt><dd>${escapeHtml(order.txn_time)}</dd>
  <dt>状态 Status</dt><dd data-testid="order-state">${escapeHtml(order.state)}</dd>
</dl>`;
  if (order.state !== 'UNPAID') {
    return layout('银联在线支付', `${details}\n<p class="status">该订单不可支付 This order can no longer be paid.</p>`);
  }
  return layout(
    '银联在线支付',
    `${details}
<form method="post" action="${escapeHtml(actions.pay)}">
  <label for="accNo">银行卡号 Card number</label>
  <input type="text" id="accNo" name="accNo" value="${escapeHtml(testCardNo)}" inputmode="numeric" autocomplete="cc-number" data-testid="card-number">
  <button class="pay" type="submit" data-testid="pay">确认付款 Pay</button>
</form>
<form method="post" action="${escapeHtml(actions.fail)}"><button class="fail" type="submit" data-testid="fail">模拟支付失败 Fail</button></form>`,
  );
}

/** UnionPay's page for a consume it refused (bad signature, bad field, duplicate order). */
export function gatewayErrorPage(refusal: GatewayRefusal): string {
  return layout(
    '银联在线支付 - 交易失败',
    `<p class="status error">交易失败 The payment request was refused.</p>
<p class="error" data-testid="resp-code">应答码 ${escapeHtml(refusal.respCode)}</p>
<p data-testid="resp-msg">${escapeHtml(respMsgOf(refusal))}</p>`,
  );
}

/** The browser carries the signed front notification to frontUrl: an auto-submitting POST form. */
export function frontReturnPage(frontUrl: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return layout(
    '银联在线支付 - 支付成功',
    `<p class="status" data-testid="result">支付成功 Payment succeeded. Returning to the merchant…</p>
<form id="front-return" method="post" action="${escapeHtml(frontUrl)}">
${inputs}
<noscript><button class="pay" type="submit">返回商户 Back to the merchant</button></noscript>
</form>`,
    ' onload="document.getElementById(\'front-return\').submit()"',
  );
}
