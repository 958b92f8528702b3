import { respMsgOf, yuan, type GatewayRefusal, type UnionpaySimConsume } from './unionpay.model';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function layout(title: string, body: string, onload = ''): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "PingFang SC", sans-serif; background: #f2f2f2; margin: 0; color: #333; }
  header { background: #e60012; color: #fff; padding: 12px 20px; font-size: 18px; }
  header small { opacity: .85; margin-left: 8px; font-size: 12px; }
  main { max-width: 440px; margin: 24px auto; background: #fff; border-radius: 8px; padding: 24px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  .amount { font-size: 36px; font-weight: 600; text-align: center; margin: 8px 0 16px; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; font-size: 13px; color: #666; }
  dd { margin: 0; word-break: break-all; }
  form { margin-top: 16px; }
  label { display: block; font-size: 14px; margin-bottom: 6px; }
  input[type=text] { width: 100%; box-sizing: border-box; padding: 10px; font-size: 16px; border: 1px solid #ccc; border-radius: 6px; letter-spacing: 1px; }
  button { width: 100%; padding: 12px; font-size: 16px; border: 0; border-radius: 6px; cursor: pointer; margin-top: 12px; }
  button.pay { background: #e60012; color: #fff; }
  button.fail { background: #fff; color: #e60012; border: 1px solid #e60012; }
  .status { text-align: center; font-size: 20px; margin: 12px 0; }
  .error { color: #c00; }
</style>
</head>
<body${onload}>
<header>银联在线支付 · UnionPay<small>Tongbao sandbox — no real money moves</small></header>
<main>
${body}
</main>
</body>
</html>`;
}

/** The card page a shopper sees after their browser brought the consume form to frontTransReq. */
export function cashierPage(order: UnionpaySimConsume, actions: { pay: string; fail: string }, testCardNo: string): string {
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

export function resultPage(title: string, message: string, options: { error?: boolean } = {}): string {
  return layout(title, `<p class="status${options.error ? ' error' : ''}" data-testid="result">${escapeHtml(message)}</p>`);
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
