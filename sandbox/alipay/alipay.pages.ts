import { escapeHtml, themedPages, type BuyerPageTheme } from '../html';
import { yuan, type AlipaySimTrade } from './alipay.model';

const THEME: BuyerPageTheme = {
  brand: '支付宝 · Alipay',
  brandColour: '#1677ff',
  pageBackground: '#f5f5f5',
  textColour: '#333',
  failColour: '#d4380d',
  errorColour: '#d4380d',
  extraCss: '  header small { opacity: .8; }',
};

const pages = themedPages(THEME);
const layout = pages.page;

/** The page after the buyer's action: a message, optionally an error, optionally a link onwards. */
export const resultPage = pages.resultPage;

/** The error page the buyer sees when a page or a button cannot do what was asked. */
export const errorPage = (message: string): string => resultPage('支付宝', message, { error: true });

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
    return layout(
      '支付宝 - 收银台',
      `${details}\n<p class="status">该交易不可支付 This trade can no longer be paid.</p>`,
    );
  }
  return layout(
    '支付宝 - 收银台',
    `${details}
<form method="post" action="${escapeHtml(actions.pay)}"><button class="pay" type="submit" name="action" value="pay" data-testid="pay">确认付款 Pay</button></form>
<form method="post" action="${escapeHtml(actions.fail)}"><button class="fail" type="submit" name="action" value="fail" data-testid="fail">模拟支付失败 Fail</button></form>`,
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
