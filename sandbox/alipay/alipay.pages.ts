import { yuan, type AlipaySimTrade } from './alipay.model';

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
  body { font-family: system-ui, -apple-system, "PingFang SC", sans-serif; background: #f5f5f5; margin: 0; color: #333; }
  header { background: #1677ff; color: #fff; padding: 12px 20px; font-size: 18px; }
  header small { opacity: .8; margin-left: 8px; font-size: 12px; }
  main { max-width: 420px; margin: 24px auto; background: #fff; border-radius: 8px; padding: 24px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  .amount { font-size: 36px; font-weight: 600; text-align: center; margin: 8px 0 4px; }
  .subject { text-align: center; color: #666; margin-bottom: 20px; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; font-size: 13px; color: #666; }
  dd { margin: 0; word-break: break-all; }
  form { margin-top: 16px; }
  button { width: 100%; padding: 12px; font-size: 16px; border: 0; border-radius: 6px; cursor: pointer; }
  button.pay { background: #1677ff; color: #fff; }
  button.fail { background: #fff; color: #d4380d; border: 1px solid #d4380d; }
  .status { text-align: center; font-size: 20px; margin: 12px 0; }
  .error { color: #d4380d; }
</style>
</head>
<body>
<header>支付宝 · Alipay<small>Tongbao sandbox — no real money moves</small></header>
<main>
${body}
</main>
</body>
</html>`;
}

/** The page the buyer sees after opening page.pay / wap.pay or scanning the precreate QR code. */
export function cashierPage(trade: AlipaySimTrade, actions: { pay: string; fail: string }): string {
  const details = `
<div class="amount" data-testid="amount">¥${escapeHtml(yuan(trade.total_fen))}</div>
<div class="subject" data-testid="subject">${escapeHtml(trade.subject)}</div>
<dl>
  <dt>商户订单号 Order</dt><dd data-testid="out-trade-no">${escapeHtml(trade.out_trade_no)}</dd>
  <dt>交易号 Trade no.</dt><dd>${escapeHtml(trade.trade_no)}</dd>
  <dt>状态 Status</dt><dd data-testid="trade-status">${escapeHtml(trade.trade_status)}</dd>
</dl>`;
  if (trade.trade_status !== 'WAIT_BUYER_PAY') {
    return layout('支付宝 - 收银台', `${details}\n<p class="status">该交易不可支付 This trade can no longer be paid.</p>`);
  }
  return layout(
    '支付宝 - 收银台',
    `${details}
<form method="post" action="${escapeHtml(actions.pay)}"><button class="pay" type="submit" name="action" value="pay" data-testid="pay">确认付款 Pay</button></form>
<form method="post" action="${escapeHtml(actions.fail)}"><button class="fail" type="submit" name="action" value="fail" data-testid="fail">模拟支付失败 Fail</button></form>`,
  );
}

export function resultPage(
  title: string,
  message: string,
  options: { error?: boolean; link?: { href: string; label: string } } = {},
): string {
  const link = options.link ? `<p><a href="${escapeHtml(options.link.href)}">${escapeHtml(options.link.label)}</a></p>` : '';
  return layout(
    title,
    `<p class="status${options.error ? ' error' : ''}" data-testid="result">${escapeHtml(message)}</p>${link}`,
  );
}

/** What Alipay shows a browser that brought an invalid page.pay / wap.pay request. */
export function gatewayErrorPage(answer: Record<string, unknown>): string {
  const subCode = String(answer.sub_code ?? answer.code ?? 'unknown');
  const subMsg = String(answer.sub_msg ?? answer.msg ?? '');
  return layout(
    '支付宝 - 错误',
    `<p class="status error">调试错误，请回到请求来源地，重新发起请求。</p>
<p class="error" data-testid="error-code">错误代码 ${escapeHtml(subCode.replace(/^isv\./, ''))}</p>
<p>错误原因: ${escapeHtml(subMsg)}</p>
<p data-testid="sub-code" hidden>${escapeHtml(subCode)}</p>`,
  );
}
