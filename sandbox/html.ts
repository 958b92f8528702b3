// The buyer pages of every simulator share one layout; each provider brings its name and colours.

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** How one provider's buyer pages look. */
export interface BuyerPageTheme {
  /** The header bar's text, e.g. `支付宝 · Alipay`. */
  brand: string;
  /** The header bar and the pay button. */
  brandColour: string;
  pageBackground: string;
  textColour: string;
  /** The outline of the button that simulates a failed payment. */
  failColour: string;
  errorColour: string;
  /** Rules for what only this provider's pages have, or where they differ from the common layout. */
  extraCss?: string;
}

/** A whole buyer page: the provider's header bar, then `body` in a card. */
export function buyerPage(theme: BuyerPageTheme, title: string, body: string, bodyAttributes = ''): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "PingFang SC", sans-serif; background: ${theme.pageBackground}; margin: 0; color: ${theme.textColour}; }
  header { background: ${theme.brandColour}; color: #fff; padding: 12px 20px; font-size: 18px; }
  header small { opacity: .85; margin-left: 8px; font-size: 12px; }
  main { max-width: 420px; margin: 24px auto; background: #fff; border-radius: 8px; padding: 24px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  .amount { font-size: 36px; font-weight: 600; text-align: center; margin: 8px 0 4px; }
  .subject { text-align: center; color: #666; margin-bottom: 20px; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; font-size: 13px; color: #666; }
  dd { margin: 0; word-break: break-all; }
  form { margin-top: 16px; }
  button { width: 100%; padding: 12px; font-size: 16px; border: 0; border-radius: 6px; cursor: pointer; }
  button.pay { background: ${theme.brandColour}; color: #fff; }
  button.fail { background: #fff; color: ${theme.failColour}; border: 1px solid ${theme.failColour}; }
  .status { text-align: center; font-size: 20px; margin: 12px 0; }
  .error { color: ${theme.errorColour}; }${theme.extraCss ? `\n${theme.extraCss}` : ''}
</style>
</head>
<body${bodyAttributes}>
<header>${theme.brand}<small>Tongbao sandbox — no real money moves</small></header>
<main>
${body}
</main>
</body>
</html>`;
}

/** How a result page is marked: an error, and a link onwards. */
export interface ResultPageOptions {
  error?: boolean;
  link?: { href: string; label: string };
}

/** The page after a buyer's action: a message, optionally an error, optionally a link onwards. */
export function buyerResultPage(
  theme: BuyerPageTheme,
  title: string,
  message: string,
  options: ResultPageOptions = {},
): string {
  const link = options.link
    ? `<p><a href="${escapeHtml(options.link.href)}">${escapeHtml(options.link.label)}</a></p>`
    : '';
  return buyerPage(
    theme,
    title,
    `<p class="status${options.error ? ' error' : ''}" data-testid="result">${escapeHtml(message)}</p>${link}`,
  );
}

/** One provider's buyer pages: its layout (`page`) and its result page. */
export interface ThemedPages {
  page(title: string, body: string, bodyAttributes?: string): string;
  resultPage(title: string, message: string, options?: ResultPageOptions): string;
}

export function themedPages(theme: BuyerPageTheme): ThemedPages {
  return {
    page: (title, body, bodyAttributes = '') => buyerPage(theme, title, body, bodyAttributes),
    resultPage: (title, message, options = {}) => buyerResultPage(theme, title, message, options),
  };
}
