import { z } from 'zod';
import { httpStatusError, ProviderInvalidRequestError, ProviderUnavailableError, type ProviderError } from '../errors';
import type { ProviderEnvironment, ShopperIdentification } from '../provider';
import type { ProviderAccount } from '../../domain/provider-account';
import { wechatpayClientConfig, type WechatpayClientConfig } from './wechatpay.config';

/**
 * WeChat's web OAuth (网页授权) with scope `snsapi_base`: how a page opened in WeChat's in-app
 * browser learns the shopper's openid under the merchant's 公众号, which `wechat_jsapi` payments
 * need (`CreatePaymentInput.openid`).
 *
 * 1. The page sends the browser to `wechatOauthAuthorizeUrl(account, env, { redirectUri, state })`.
 *    WeChat sends it straight back (no consent screen) to `redirectUri?code=CODE&state=STATE`.
 * 2. The server checks `state` and calls `openidFromOauthCode(account, env, code)`.
 *
 * ```ts
 * // GET /checkout/:id, opened inside WeChat
 * const url = wechatOauthAuthorizeUrl(account, env, { redirectUri: `${base}/checkout/${id}/wechat`, state: csrfToken });
 * res.redirect(url);
 * // GET /checkout/:id/wechat?code=…&state=…
 * if (req.query.state !== csrfToken) throw …;
 * const openid = await openidFromOauthCode(account, env, String(req.query.code));
 * ```
 *
 * Test-mode accounts use the sandbox's copy of both endpoints (`<sandbox>/wechatpay/…`), live ones
 * WeChat's. Both functions need the 公众号's AppSecret in the account's credentials (`appSecret`).
 * Neither logs anything; the secret and the access token never appear in an error.
 *
 * https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
 */

export const WECHAT_OAUTH_LIVE_AUTHORIZE_URL = 'https://open.weixin.qq.com/connect/oauth2/authorize';
export const WECHAT_OAUTH_LIVE_ACCESS_TOKEN_URL = 'https://api.weixin.qq.com/sns/oauth2/access_token';

/**
 * `state` comes back unchanged with the code. WeChat documents a-z A-Z 0-9 and at most 128 bytes;
 * `_` and `-` are let through too (URL-safe, and common in ids such as `cs_…`).
 */
const STATE_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** WeChat's codes are 32 letters and digits; anything far from that never was one. */
const CODE_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * errcodes that mean this code will never give an openid: the shopper must go through authorize
 * again (a code is single-use and lives 5 minutes). https://developers.weixin.qq.com/doc/oplatform/Return_codes/Return_code_descriptions_new.html
 */
export const WECHAT_OAUTH_CODE_REJECTED = {
  40029: 'invalid code (unknown, expired, or issued to another app)',
  40163: 'code been used',
  42003: 'code expired',
} as const satisfies Record<number, string>;

/** errcodes of WeChat's trouble or its rate limits: the same exchange may succeed later. */
const RETRYABLE_ERRCODES: Readonly<Record<number, string>> = {
  [-1]: 'system busy',
  45009: 'daily quota reached',
  45011: 'minute quota reached',
};

/** errcodes that mean the account is misconfigured (or our request is wrong); asking again changes nothing. */
const CONFIGURATION_ERRCODES: Readonly<Record<number, string>> = {
  40001: 'invalid credential (AppSecret)',
  40002: 'invalid grant_type',
  40013: 'invalid appid',
  40125: 'invalid AppSecret',
  40164: 'the server IP is not on the 公众号 IP whitelist',
  41002: 'appid missing',
  41004: 'AppSecret missing',
  41008: 'code missing',
};

export interface WechatOauthOptions {
  /** How long the code exchange may take; 10 s unless told. */
  timeoutMs?: number;
}

/** The answer of sns/oauth2/access_token: the token (which we never keep) and the openid, or an errcode. */
const accessTokenAnswerSchema = z.union([
  z.looseObject({
    errcode: z
      .number()
      .int()
      .refine((code) => code !== 0),
    errmsg: z.string().optional(),
  }),
  z.looseObject({ openid: z.string().min(1).max(128), scope: z.string().optional() }),
]);

interface OauthEndpoints {
  appid: string;
  appSecret: string;
  authorizeUrl: string;
  accessTokenUrl: string;
}

function endpointsOf(account: ProviderAccount, env: ProviderEnvironment): OauthEndpoints {
  const config: WechatpayClientConfig = wechatpayClientConfig(account, env);
  if (!config.appSecret) {
    throw new ProviderInvalidRequestError(
      `WeChat Pay account ${account.id} has no AppSecret (credentials.appSecret) for web OAuth: its credentials were stored ` +
        `before web OAuth was supported. Add the AppSecret of 公众号 ${config.appid} (a sandbox account: open a new one).`,
      'app_secret_missing',
    );
  }
  // In test mode the client's base is the sandbox's /wechatpay, which serves both OAuth endpoints.
  return {
    appid: config.appid,
    appSecret: config.appSecret,
    authorizeUrl: account.livemode ? WECHAT_OAUTH_LIVE_AUTHORIZE_URL : `${config.baseUrl}/connect/oauth2/authorize`,
    accessTokenUrl: account.livemode ? WECHAT_OAUTH_LIVE_ACCESS_TOKEN_URL : `${config.baseUrl}/sns/oauth2/access_token`,
  };
}

/**
 * The link that sends the shopper's browser through WeChat's silent authorization (`snsapi_base`)
 * and back to `redirectUri` with `code` and `state`. Live, `redirectUri`'s host must be the
 * 公众号's configured 网页授权域名 (the sandbox takes any http(s) URL).
 *
 * Throws ProviderInvalidRequestError when `redirectUri` is not an absolute http(s) URL, when `state`
 * is not 1–128 of A-Z a-z 0-9 _ -, or when the credentials lack the AppSecret (`app_secret_missing`:
 * better to know before sending the shopper away than after).
 */
export function wechatOauthAuthorizeUrl(
  account: ProviderAccount,
  env: ProviderEnvironment,
  request: { redirectUri: string; state: string },
): string {
  const endpoints = endpointsOf(account, env);
  if (!isAbsoluteHttpUrl(request.redirectUri)) {
    throw new ProviderInvalidRequestError(
      'WeChat web OAuth needs an absolute http(s) redirect URI',
      'invalid_redirect_uri',
    );
  }
  if (!STATE_PATTERN.test(request.state)) {
    throw new ProviderInvalidRequestError(
      'WeChat web OAuth state must be 1-128 characters of A-Z a-z 0-9 _ -',
      'invalid_state',
    );
  }
  // WeChat matches the link with a strict regular expression: these parameters, in this order,
  // then #wechat_redirect ("如果链接的参数顺序不对，授权页面将无法正常访问").
  return (
    `${endpoints.authorizeUrl}?appid=${encodeURIComponent(endpoints.appid)}` +
    `&redirect_uri=${encodeURIComponent(request.redirectUri)}` +
    `&response_type=code&scope=snsapi_base&state=${request.state}#wechat_redirect`
  );
}

/**
 * Exchanges the `code` WeChat brought back for the shopper's openid under the account's 公众号.
 *
 * Throws ProviderInvalidRequestError (not retryable) when the code is refused — `providerCode`
 * `40029`, `40163` or `42003` (see WECHAT_OAUTH_CODE_REJECTED): send the shopper through
 * authorize again — when the account is misconfigured (`40125` wrong AppSecret, `40013`, `40164`…,
 * or `app_secret_missing`), or for any other errcode; ProviderUnavailableError (retryable) for
 * timeouts, network failures, 5xx, an unreadable answer, and WeChat's busy / quota errcodes.
 */
export async function openidFromOauthCode(
  account: ProviderAccount,
  env: ProviderEnvironment,
  code: string,
  options: WechatOauthOptions = {},
): Promise<string> {
  const endpoints = endpointsOf(account, env);
  const operation = `WeChat web OAuth code exchange for ${account.id}`;
  if (!CODE_PATTERN.test(code)) {
    throw new ProviderInvalidRequestError(`${operation}: the code is not one WeChat issues`, '40029');
  }
  const url = new URL(endpoints.accessTokenUrl);
  const query = new URLSearchParams({
    appid: endpoints.appid,
    secret: endpoints.appSecret,
    code,
    grant_type: 'authorization_code',
  });
  // The URL with its query carries the AppSecret: only its host goes into messages.
  const where = url.host;
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${url.origin}${url.pathname}?${query}`, {
      headers: { Accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    text = await response.text();
  } catch (error) {
    throw transportError(operation, where, error, [endpoints.appSecret, code]);
  }
  if (!response.ok) {
    throw httpStatusError(`${operation}: ${where} answered HTTP ${response.status}`, response.status);
  }
  // WeChat's Content-Type has varied (text/plain once): the body is read as JSON whatever it says.
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProviderUnavailableError(
      `${operation}: ${where} answered something that is not JSON`,
      'malformed_response',
    );
  }
  const answer = accessTokenAnswerSchema.safeParse(json);
  if (!answer.success) {
    // Not quoted: a success answer carries the access token.
    throw new ProviderUnavailableError(
      `${operation}: ${where} answered neither an openid nor an errcode`,
      'malformed_response',
    );
  }
  if ('errcode' in answer.data)
    throw errcodeError(operation, answer.data.errcode as number, answer.data.errmsg as string | undefined);
  return answer.data.openid as string;
}

/** WeChat's web OAuth as the provider's `ShopperIdentification` (the registry hands it out). */
export function wechatShopperIdentification(account: ProviderAccount, env: ProviderEnvironment): ShopperIdentification {
  return {
    authorizeUrl: (request) => wechatOauthAuthorizeUrl(account, env, request),
    shopperIdFromCode: (code) => openidFromOauthCode(account, env, code),
  };
}

function errcodeError(operation: string, errcode: number, errmsg: string | undefined): ProviderError {
  const providerCode = String(errcode);
  const said = errmsg ? ` (${errmsg.slice(0, 200)})` : '';
  const rejected = (WECHAT_OAUTH_CODE_REJECTED as Record<number, string>)[errcode];
  if (rejected) {
    return new ProviderInvalidRequestError(
      `${operation}: WeChat refused the code, errcode ${errcode} ${rejected}${said}; send the shopper through authorize again`,
      providerCode,
    );
  }
  const busy = RETRYABLE_ERRCODES[errcode];
  if (busy) return new ProviderUnavailableError(`${operation}: errcode ${errcode} ${busy}${said}`, providerCode);
  const configuration = CONFIGURATION_ERRCODES[errcode];
  return new ProviderInvalidRequestError(
    `${operation}: errcode ${errcode} ${configuration ?? 'unknown to Tongbao'}${said}`,
    providerCode,
  );
}

/** `secrets` are cut out of the reason, in case a lower layer ever quotes the URL. The error itself is not kept as `cause`. */
function transportError(operation: string, where: string, error: unknown, secrets: string[]): ProviderError {
  // Read by shape: fetch's errors (a DOMException for timeouts) need not be instances of this realm's Error.
  const failure = errorLike(error);
  if (failure?.name === 'TimeoutError' || failure?.name === 'AbortError') {
    return new ProviderUnavailableError(`${operation}: ${where} did not answer in time`, 'timeout');
  }
  // fetch's own message is "fetch failed"; the reason is its cause (ECONNREFUSED, ENOTFOUND…).
  const cause = errorLike(failure?.cause);
  let reason = cause ? `${cause.code ?? cause.name}: ${cause.message}` : (failure?.message ?? String(error));
  for (const secret of secrets) reason = reason.split(secret).join('[redacted]');
  return new ProviderUnavailableError(
    `${operation}: ${where} could not be reached: ${reason.slice(0, 300)}`,
    'network_error',
  );
}

function errorLike(value: unknown): { name: string; message: string; code?: string; cause?: unknown } | null {
  if (typeof value !== 'object' || value === null) return null;
  const { name, message, code, cause } = value as Record<string, unknown>;
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : '',
    code: typeof code === 'string' ? code : undefined,
    cause,
  };
}

function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
