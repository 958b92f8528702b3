import { createSign, createVerify } from 'node:crypto';

// Alipay's RSA2 is SHA256withRSA (PKCS#1 v1.5) over a UTF-8 string, base64-encoded.
// https://opendocs.alipay.com/common/02kf5q (signing) · https://opendocs.alipay.com/common/02mse7 (verifying)

function sortedContent(params: Record<string, string>, excluded: readonly string[]): string {
  return Object.keys(params)
    .filter((key) => !excluded.includes(key) && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}

/** What a merchant signs in an OpenAPI request: every parameter but `sign` and the empty ones, sorted by name. */
export function requestSignContent(params: Record<string, string>): string {
  return sortedContent(params, ['sign']);
}

/** What Alipay signs in a notification or a return URL: every parameter but `sign` and `sign_type`. */
export function notificationSignContent(params: Record<string, string>): string {
  return sortedContent(params, ['sign', 'sign_type']);
}

export function rsa2Sign(content: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKeyPem, 'base64');
}

export function rsa2Verify(content: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

/** `alipay.trade.query` → `alipay_trade_query_response`. */
export function responseKeyFor(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/**
 * The gateway's answer: `{"<method>_response":{…},"sign":"…"}`, the signature covering the exact
 * text of the inner object. The response key must come before `sign`: alipay-sdk cuts the signed
 * text out of the raw body between the key and the last `"sign"`. `privateKeyPem` is null when
 * the app is unknown, and Alipay then answers unsigned. `tamper` alters the text after signing.
 */
export function gatewayResponseText(
  method: string,
  inner: Record<string, unknown>,
  privateKeyPem: string | null,
  tamper = false,
): string {
  const innerText = JSON.stringify(inner);
  const key = JSON.stringify(responseKeyFor(method));
  if (!privateKeyPem) return `{${key}:${innerText}}`;
  const sign = rsa2Sign(innerText, privateKeyPem);
  const sent = tamper ? tamperWith(innerText) : innerText;
  return `{${key}:${sent},"sign":${JSON.stringify(sign)}}`;
}

/** Raises an amount by 1.00 when there is one, otherwise adds a field: either breaks the signature. */
function tamperWith(innerText: string): string {
  const amount = /"(total_amount|refund_fee|refund_amount)":"(\d+)\.(\d{2})"/.exec(innerText);
  if (amount) {
    const raised = `${Number(amount[2]) + 1}.${amount[3]}`;
    return innerText.replace(amount[0], `"${amount[1]}":"${raised}"`);
  }
  return `${innerText.slice(0, -1)},"sandbox_tampered":"true"}`;
}
