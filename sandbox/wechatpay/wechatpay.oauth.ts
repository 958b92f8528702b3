import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import type { SimulatorContext } from '../simulator';
import { isHttpUrl } from '../urls';
import type { WechatpaySandboxSecrets } from './wechatpay.model';
import { randomAlphanumeric } from './wechatpay.signature';

// WeChat's web OAuth (网页授权) for the 公众号 bound to a sandbox merchant: the authorize redirect a
// shopper's browser follows inside WeChat, and the server's exchange of its code for the openid.
// https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
// https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken

const PROVIDER = 'wechatpay';

/** A code lives 5 minutes ("5分钟未被使用自动过期"), divided by the sandbox's time scale. */
export const WECHAT_OAUTH_CODE_TTL_MS = 5 * 60_000;
/** What the exchange answers as `expires_in` (seconds), as WeChat does. */
const ACCESS_TOKEN_EXPIRES_IN = 7200;
/** Kept this long after they expired, so that a late second use still reads "code been used". */
const CODE_RETENTION_MS = 24 * 3600_000;

export const WECHAT_OAUTH_SCOPES = ['snsapi_base', 'snsapi_userinfo'] as const;
export type WechatOauthScope = (typeof WECHAT_OAUTH_SCOPES)[number];

/**
 * WeChat matches the authorize link with a strict regular expression: these come first, in this
 * order ("如果链接的参数顺序不对，授权页面将无法正常访问"); `state`, `forcePopup` and the like follow.
 */
const AUTHORIZE_PARAM_ORDER = ['appid', 'redirect_uri', 'response_type', 'scope'] as const;
/** "state … 最多128字节". */
const STATE_MAX_BYTES = 128;

/** The query parameter by which tests name the WeChat user; never part of WeChat's link. */
export const SANDBOX_USER_PARAM = 'sandbox_user';
/** The cookie that makes one browser one WeChat user when no `sandbox_user` is given. */
export const SANDBOX_USER_COOKIE = 'wechat_sandbox_user';

export type AuthorizeOutcome =
  | { kind: 'redirect'; location: string }
  /** WeChat shows an error page in its browser; `errcode` where WeChat documents one. */
  | { kind: 'refused'; errcode: number | null; message: string };

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const base64url = (text: string) => sha256(text).toString('base64url');

// ---- openids ---------------------------------------------------------------------------------

/**
 * The openid the sandbox gives `user` under `appid`: 28 characters like WeChat's (`o` and 27 of
 * A-Z a-z 0-9 _ -), the same for one user and app every time, different across apps. As on WeChat,
 * where the openids of one 公众号 share their first characters, the next 5 depend on the appid
 * alone; the last 4 are a check that marks the openid as the sandbox's.
 */
export function sandboxOpenid(appid: string, user: string): string {
  const body = `o${openidAppPart(appid)}${base64url(`openid\n${appid}\n${user}`).slice(0, 18)}`;
  return `${body}${openidCheck(body)}`;
}

/**
 * Whether JSAPI must refuse `openid` for `appid`, as WeChat does ("appid和openid不匹配"): only an
 * openid the sandbox gave under another app is known to be wrong; any other string is accepted, as
 * before the sandbox had OAuth (tests pass made-up openids).
 */
export function openidOfAnotherApp(openid: string, appid: string): boolean {
  if (!/^o[A-Za-z0-9_-]{27}$/.test(openid)) return false;
  const body = openid.slice(0, 24);
  if (openid.slice(24) !== openidCheck(body)) return false;
  return openid.slice(1, 6) !== openidAppPart(appid);
}

function openidAppPart(appid: string): string {
  return base64url(`openid app\n${appid}`).slice(0, 5);
}

function openidCheck(body: string): string {
  return base64url(`tongbao sandbox openid\n${body}`).slice(0, 4);
}

// ---- codes -----------------------------------------------------------------------------------

type Redeemed =
  { ok: true; openid: string; scope: WechatOauthScope } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** `sandbox_wechatpay_oauth_codes`: codes outlive a restart, and any sandbox on the database may redeem them. */
class OauthCodeStore {
  constructor(private readonly pool: Pool) {}

  async issue(
    code: { appid: string; mchid: string; openid: string; scope: WechatOauthScope; expiresAt: Date },
    now: Date,
  ): Promise<string> {
    await this.pool.query('DELETE FROM sandbox_wechatpay_oauth_codes WHERE expires_at < $1', [
      new Date(now.getTime() - CODE_RETENTION_MS),
    ]);
    for (;;) {
      // WeChat's codes are 32 characters, letters and digits.
      const value = randomAlphanumeric(32);
      const inserted = await this.pool.query(
        `INSERT INTO sandbox_wechatpay_oauth_codes (code, appid, mchid, openid, scope, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO NOTHING`,
        [value, code.appid, code.mchid, code.openid, code.scope, code.expiresAt, now],
      );
      if (inserted.rowCount === 1) return value;
    }
  }

  /** Uses the code up, once: of two exchanges at the same moment, one gets the openid. */
  async redeem(appid: string, code: string, now: Date): Promise<Redeemed> {
    const used = await this.pool.query<{ openid: string; scope: WechatOauthScope }>(
      `UPDATE sandbox_wechatpay_oauth_codes SET used_at = $3
       WHERE code = $1 AND appid = $2 AND used_at IS NULL AND expires_at > $3
       RETURNING openid, scope`,
      [code, appid, now],
    );
    if (used.rows[0]) return { ok: true, ...used.rows[0] };
    const { rows } = await this.pool.query<{ used_at: Date | null }>(
      'SELECT used_at FROM sandbox_wechatpay_oauth_codes WHERE code = $1 AND appid = $2',
      [code, appid],
    );
    if (!rows[0]) return { ok: false, reason: 'unknown' };
    return { ok: false, reason: rows[0].used_at ? 'used' : 'expired' };
  }
}

// ---- the two endpoints -------------------------------------------------------------------------

/** WeChat's errmsg ends with a request id, `rid: xxxxxxxx-xxxxxxxx-xxxxxxxx`. */
function snsError(errcode: number, errmsg: string): Record<string, unknown> {
  const rid = [0, 1, 2].map(() => randomBytes(4).toString('hex')).join('-');
  return { errcode, errmsg: `${errmsg}, rid: ${rid}` };
}

/** WeChat's answer when it is busy (HTTP 200, like its other errors). */
export function snsSystemError(): Record<string, unknown> {
  return snsError(-1, 'system error');
}

/** Web OAuth for the 公众号 of each sandbox merchant: the authorize redirect and the code exchange. */
export class WechatOauth {
  private readonly codes: OauthCodeStore;

  constructor(private readonly context: SimulatorContext) {
    this.codes = new OauthCodeStore(context.accounts.pool);
  }

  /** The merchant whose 公众号 has this appid. */
  async accountOfAppid(appid: string): Promise<WechatpaySandboxSecrets | null> {
    const account = await this.context.accounts.findBySecretField<WechatpaySandboxSecrets>(PROVIDER, 'appid', appid);
    return account?.secrets ?? null;
  }

  /**
   * `GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state`, opened by
   * the WeChat user `user`. `rawQuery` is the query string as sent: its order matters.
   */
  async authorize(rawQuery: string, user: string): Promise<AuthorizeOutcome> {
    const params = new URLSearchParams(rawQuery);
    const refuse = (errcode: number | null, message: string): AuthorizeOutcome => ({
      kind: 'refused',
      errcode,
      message,
    });
    const appid = params.get('appid') ?? '';
    const redirectUri = params.get('redirect_uri') ?? '';
    const scope = params.get('scope') ?? '';
    const state = params.get('state') ?? '';
    // Error codes from the 网页授权 page's list (10012 appid不能为空, 10011, 10010, 10005, 10003).
    if (!appid) return refuse(10012, 'appid不能为空');
    if (!redirectUri) return refuse(10011, 'redirect_uri不能为空');
    if (!scope) return refuse(10010, 'scope不能为空');
    const keys = [...params.keys()];
    if (AUTHORIZE_PARAM_ORDER.some((name, index) => keys[index] !== name)) {
      return refuse(
        null,
        `该链接无法访问：参数须依次为 ${AUTHORIZE_PARAM_ORDER.join(', ')} (the link's parameters are in another order: ${keys.join(', ')})`,
      );
    }
    if (params.get('response_type') !== 'code') return refuse(null, '该链接无法访问：response_type 须为 code');
    if (!(WECHAT_OAUTH_SCOPES as readonly string[]).includes(scope))
      return refuse(10005, `此公众号并没有这些scope的权限 (${scope})`);
    if (!isHttpUrl(redirectUri))
      return refuse(10003, 'redirect_uri 参数错误：须为 http(s) 的完整 URL (an absolute http(s) URL)');
    if (Buffer.byteLength(state, 'utf8') > STATE_MAX_BYTES)
      return refuse(null, `该链接无法访问：state 最多${STATE_MAX_BYTES}字节`);
    const secrets = await this.accountOfAppid(appid);
    if (!secrets)
      return refuse(null, `该链接无法访问：appid ${appid} 不是沙箱中的公众号 (no sandbox merchant has this appid)`);

    const now = new Date();
    const openid = sandboxOpenid(appid, user);
    const code = await this.codes.issue(
      {
        appid,
        mchid: secrets.mchid,
        openid,
        scope: scope as WechatOauthScope,
        expiresAt: new Date(now.getTime() + WECHAT_OAUTH_CODE_TTL_MS / this.context.timeScale),
      },
      now,
    );
    this.context.logger.info({ provider: PROVIDER, appid, scope }, 'oauth code issued');
    return { kind: 'redirect', location: withCode(redirectUri, code, state) };
  }

  /**
   * `GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`. WeChat answers
   * HTTP 200 either way: the token and openid, or `{errcode, errmsg}`.
   */
  async exchange(query: Record<string, unknown>): Promise<Record<string, unknown>> {
    const param = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : '');
    const appid = param('appid');
    const secret = param('secret');
    const code = param('code');
    // https://developers.weixin.qq.com/doc/oplatform/Return_codes/Return_code_descriptions_new.html
    if (!appid) return snsError(41002, 'appid missing');
    if (!secret) return snsError(41004, 'appsecret missing');
    if (!code) return snsError(41008, 'missing code');
    if (param('grant_type') !== 'authorization_code') return snsError(40002, 'invalid grant_type');
    const secrets = await this.accountOfAppid(appid);
    if (!secrets) return snsError(40013, 'invalid appid');
    if (!secrets.app_secret_sha256 || !timingSafeEqual(sha256(secret), Buffer.from(secrets.app_secret_sha256, 'hex'))) {
      return snsError(40125, 'invalid appsecret');
    }
    const redeemed = await this.codes.redeem(appid, code, new Date());
    if (!redeemed.ok) {
      // An expired code answers 40029, as an unknown one does: WeChat's staff name expiry among
      // the causes of 40029 on its developer forum (the global list's 42003 is not used here).
      this.context.logger.info({ provider: PROVIDER, appid, reason: redeemed.reason }, 'oauth code refused');
      return redeemed.reason === 'used' ? snsError(40163, 'code been used') : snsError(40029, 'invalid code');
    }
    // The tokens open nothing in the sandbox (no /sns/userinfo): they only look like WeChat's.
    return {
      access_token: `${randomAlphanumeric(2)}_${randomBytes(60).toString('base64url')}`,
      expires_in: ACCESS_TOKEN_EXPIRES_IN,
      refresh_token: `${randomAlphanumeric(2)}_${randomBytes(60).toString('base64url')}`,
      openid: redeemed.openid,
      scope: redeemed.scope,
    };
  }
}

/** A new 公众号 AppSecret (32 hex digits, as WeChat's) and the digest the sandbox keeps of it. */
export function newAppSecret(): { secret: string; sha256: string } {
  const secret = randomBytes(16).toString('hex');
  return { secret, sha256: sha256(secret).toString('hex') };
}

/**
 * `redirect_uri` with `code` and `state` added to its query, before any fragment, the rest of it
 * as the merchant wrote it. `state` comes back empty when the link had none (WeChat does not say).
 */
function withCode(redirectUri: string, code: string, state: string): string {
  const hashAt = redirectUri.indexOf('#');
  const base = hashAt === -1 ? redirectUri : redirectUri.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : redirectUri.slice(hashAt);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}${fragment}`;
}
