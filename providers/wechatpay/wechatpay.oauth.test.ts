import { freePort } from '../../runtime/free-port.testing';
import { newOutTradeNo, startTestSandbox, type TestSandbox } from '../../sandbox/sandbox.testing';
import { sandboxOpenid } from '../../sandbox/wechatpay/wechatpay.oauth';
import { openWechatpayAccount, type WechatpaySandboxAccount } from '../../sandbox/wechatpay/wechatpay.testing';
import { ProviderError, ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type { ProviderEnvironment } from '../provider';
import type { ProviderAccount } from '../../domain/provider-account';
import { wechatpayCredentialsFromSandbox, type WechatpayCredentials } from './wechatpay.config';
import {
  openidFromOauthCode,
  WECHAT_OAUTH_LIVE_ACCESS_TOKEN_URL,
  WECHAT_OAUTH_LIVE_AUTHORIZE_URL,
  wechatOauthAuthorizeUrl,
} from './wechatpay.oauth';
import { createWechatpayProvider } from './wechatpay.provider';

// The checkout's side of WeChat's web OAuth against the sandbox: the link it sends a shopper's
// browser to, the code that comes back, the openid it is exchanged for (which then pays by
// JSAPI), and every way the exchange can fail, classified for retrying, the AppSecret never shown.

let sandbox: TestSandbox;
let env: ProviderEnvironment;

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
  env = { sandboxUrl: sandbox.url };
});

afterAll(async () => {
  await sandbox?.close();
});

function accountOf(
  answer: WechatpaySandboxAccount,
  credentials: WechatpayCredentials = wechatpayCredentialsFromSandbox(answer),
): ProviderAccount {
  return { id: `pa_${answer.mchid}`, provider: 'wechatpay', livemode: false, externalId: answer.mchid, credentials };
}

async function newAccount(): Promise<{ answer: WechatpaySandboxAccount; account: ProviderAccount }> {
  const answer = await openWechatpayAccount(sandbox);
  return { answer, account: accountOf(answer) };
}

const REDIRECT = 'https://shop.example/checkout/cs_1/wechat?lang=zh';

/** What WeChat's in-app browser does with the link: open it (fragment dropped), land on the redirect. */
async function followAuthorize(url: string, user = 'alice'): Promise<{ code: string; state: string | null }> {
  const [link] = url.split('#');
  const response = await fetch(`${link}&sandbox_user=${user}`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const back = new URL(response.headers.get('location') as string);
  expect(`${back.origin}${back.pathname}`).toBe('https://shop.example/checkout/cs_1/wechat');
  expect(back.searchParams.get('lang')).toBe('zh');
  return { code: back.searchParams.get('code') as string, state: back.searchParams.get('state') };
}

async function codeFor(account: ProviderAccount, user = 'alice'): Promise<string> {
  return (await followAuthorize(wechatOauthAuthorizeUrl(account, env, { redirectUri: REDIRECT, state: 'st8' }), user))
    .code;
}

async function failure(call: Promise<unknown> | (() => unknown)): Promise<ProviderError> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

/** Nothing a log could pick up from the error shows the AppSecret. */
function expectNoSecret(error: ProviderError, secret: string): void {
  const shown = [error.message, String(error.stack), JSON.stringify(error), String(error.cause ?? '')].join('\n');
  expect(shown).not.toContain(secret);
}

describe('the authorize link', () => {
  test("a test-mode account's is the sandbox's; a live one's is open.weixin.qq.com; both in WeChat's parameter order, ending #wechat_redirect", async () => {
    const { answer, account } = await newAccount();
    const encoded = encodeURIComponent(REDIRECT);
    expect(wechatOauthAuthorizeUrl(account, env, { redirectUri: REDIRECT, state: 'cs_1-x' })).toBe(
      `${sandbox.url}/wechatpay/connect/oauth2/authorize?appid=${answer.appid}&redirect_uri=${encoded}&response_type=code&scope=snsapi_base&state=cs_1-x#wechat_redirect`,
    );
    expect(wechatOauthAuthorizeUrl({ ...account, livemode: true }, env, { redirectUri: REDIRECT, state: 'abc' })).toBe(
      `${WECHAT_OAUTH_LIVE_AUTHORIZE_URL}?appid=${answer.appid}&redirect_uri=${encoded}&response_type=code&scope=snsapi_base&state=abc#wechat_redirect`,
    );
    expect(WECHAT_OAUTH_LIVE_AUTHORIZE_URL).toBe('https://open.weixin.qq.com/connect/oauth2/authorize');
  });

  test.each<[string, string, { redirectUri: string; state: string }]>([
    ['a relative redirect URI', 'invalid_redirect_uri', { redirectUri: '/checkout', state: 'abc' }],
    ['a weixin:// redirect URI', 'invalid_redirect_uri', { redirectUri: 'weixin://dl/business', state: 'abc' }],
    ['an empty state', 'invalid_state', { redirectUri: REDIRECT, state: '' }],
    ['a state of 129 characters', 'invalid_state', { redirectUri: REDIRECT, state: 'a'.repeat(129) }],
    ['a state with & in it', 'invalid_state', { redirectUri: REDIRECT, state: 'a&scope=snsapi_userinfo' }],
  ])('%s is refused (%s) before the shopper is sent anywhere', async (_name, providerCode, request) => {
    const { account } = await newAccount();
    const error = await failure(() => wechatOauthAuthorizeUrl(account, env, request));
    expect(error).toBeInstanceOf(ProviderInvalidRequestError);
    expect(error).toMatchObject({ retryable: false, providerCode });
  });

  test('the sandbox follows it: the browser comes back to the redirect URI with a code and the state', async () => {
    const { account } = await newAccount();
    const back = await followAuthorize(wechatOauthAuthorizeUrl(account, env, { redirectUri: REDIRECT, state: 'cs_1' }));
    expect(back.code).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(back.state).toBe('cs_1');
  });
});

describe('the code exchange', () => {
  test("the code gives the shopper's openid under the merchant's app, and that openid pays by JSAPI", async () => {
    const { answer, account } = await newAccount();
    const openid = await openidFromOauthCode(account, env, await codeFor(account, 'alice'));
    expect(openid).toBe(sandboxOpenid(answer.appid, 'alice'));

    const outTradeNo = newOutTradeNo('oa');
    const created = await createWechatpayProvider(account, env).createPayment({
      channel: 'wechat_jsapi',
      outTradeNo,
      amountMinor: 1999,
      currency: 'CNY',
      description: 'Tea set 茶具',
      notifyUrl: 'http://127.0.0.1:9/notify',
      returnUrl: null,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 15 * 60_000),
      clientIp: null,
      openid,
    });
    expect(created.nextAction).toMatchObject({ type: 'wechat_jsapi', wechat_jsapi: { appId: answer.appid } });
    expect(
      (await sandbox.control('GET', `/_control/trades/wechatpay/${outTradeNo}?account=${answer.mchid}`)).body,
    ).toMatchObject({ payer_openid: openid });
  });

  test("another app's openid is refused by JSAPI: why the openid must come from the merchant's own app", async () => {
    const { account } = await newAccount();
    const { account: other } = await newAccount();
    const othersOpenid = await openidFromOauthCode(other, env, await codeFor(other, 'alice'));
    const error = await failure(
      createWechatpayProvider(account, env).createPayment({
        channel: 'wechat_jsapi',
        outTradeNo: newOutTradeNo('oa'),
        amountMinor: 100,
        currency: 'CNY',
        description: 'Tea',
        notifyUrl: 'http://127.0.0.1:9/notify',
        returnUrl: null,
        createdAt: new Date(),
        expiresAt: new Date(Date.now() + 15 * 60_000),
        clientIp: null,
        openid: othersOpenid,
      }),
    );
    expect(error).toBeInstanceOf(ProviderInvalidRequestError);
    expect(error.message).toMatch(/appid和openid不匹配/);
  });

  test('a code used twice answers 40163 the second time: not retryable, the shopper must authorize again', async () => {
    const { answer, account } = await newAccount();
    const code = await codeFor(account);
    await openidFromOauthCode(account, env, code);
    const error = await failure(openidFromOauthCode(account, env, code));
    expect(error).toBeInstanceOf(ProviderInvalidRequestError);
    expect(error).toMatchObject({ retryable: false, providerCode: '40163' });
    expect(error.message).toMatch(/code been used.*authorize again/);
    expectNoSecret(error, answer.app_secret);
  });

  test('a made-up code answers 40029; one that could never be a code is refused without asking', async () => {
    const { answer, account } = await newAccount();
    const madeUp = await failure(openidFromOauthCode(account, env, 'A'.repeat(32)));
    expect(madeUp).toMatchObject({ retryable: false, providerCode: '40029' });
    expect(madeUp.message).toMatch(/invalid code/);
    expectNoSecret(madeUp, answer.app_secret);
    for (const code of ['', 'a b', 'x'.repeat(200)]) {
      expect(await failure(openidFromOauthCode(account, env, code))).toMatchObject({
        retryable: false,
        providerCode: '40029',
      });
    }
  });

  test('a wrong AppSecret answers 40125: a configuration error, not retryable, the secret in no message, the code still good', async () => {
    const { answer, account } = await newAccount();
    const wrongSecret = 'f'.repeat(32);
    const credentials = { ...(account.credentials as WechatpayCredentials), appSecret: wrongSecret };
    const code = await codeFor(account);
    const error = await failure(openidFromOauthCode({ ...account, credentials }, env, code));
    expect(error).toBeInstanceOf(ProviderInvalidRequestError);
    expect(error).toMatchObject({ retryable: false, providerCode: '40125' });
    expectNoSecret(error, wrongSecret);
    expect(await openidFromOauthCode(account, env, code)).toBe(sandboxOpenid(answer.appid, 'alice'));
  });

  test('credentials stored before web OAuth (no appSecret) still pay, but both OAuth functions refuse clearly', async () => {
    const { answer, account } = await newAccount();
    const { appSecret: _secret, ...older } = account.credentials as WechatpayCredentials;
    const olderAccount = { ...account, credentials: older };
    expect(wechatpayCredentialsFromSandbox(answer).appSecret).toBe(answer.app_secret);
    await expect(
      createWechatpayProvider(olderAccount, env).queryPayment({
        outTradeNo: newOutTradeNo('oa'),
        createdAt: new Date(),
      }),
    ).resolves.toMatchObject({
      status: 'not_found',
    });
    for (const call of [
      () => wechatOauthAuthorizeUrl(olderAccount, env, { redirectUri: REDIRECT, state: 'abc' }),
      () => openidFromOauthCode(olderAccount, env, 'A'.repeat(32)),
    ]) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(ProviderInvalidRequestError);
      expect(error).toMatchObject({ retryable: false, providerCode: 'app_secret_missing' });
      expect(error.message).toContain(account.id);
      expect(error.message).toMatch(/AppSecret/);
    }
  });

  test('WeChat busy (errcode -1) and an HTTP 500 are retryable, and leave the code usable', async () => {
    const { answer, account } = await newAccount();
    const code = await codeFor(account);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      account: answer.mchid,
      api: { fail: 'system_error', methods: ['GET /sns/oauth2/access_token'], times: 1 },
    });
    const busy = await failure(openidFromOauthCode(account, env, code));
    expect(busy).toBeInstanceOf(ProviderUnavailableError);
    expect(busy).toMatchObject({ retryable: true, providerCode: '-1' });

    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      account: answer.mchid,
      api: { fail: 'http_500', methods: ['GET /sns/oauth2/access_token'], times: 1 },
    });
    const down = await failure(openidFromOauthCode(account, env, code));
    expect(down).toMatchObject({ retryable: true, providerCode: 'http_500' });
    expectNoSecret(down, answer.app_secret);

    expect(await openidFromOauthCode(account, env, code)).toBe(sandboxOpenid(answer.appid, 'alice'));
  });

  test('an answer slower than the timeout is retryable', async () => {
    const { answer, account } = await newAccount();
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      account: answer.mchid,
      api: { slow_ms: 1000, methods: ['GET /sns/oauth2/access_token'], times: 1 },
    });
    const error = await failure(openidFromOauthCode(account, env, await codeFor(account), { timeoutMs: 100 }));
    expect(error).toMatchObject({ retryable: true, providerCode: 'timeout' });
  });

  test('a sandbox that cannot be reached is retryable, and the message names the host, never the secret', async () => {
    const { answer, account } = await newAccount();
    const port = await freePort();
    const error = await failure(
      openidFromOauthCode(account, { sandboxUrl: `http://127.0.0.1:${port}` }, 'A'.repeat(32)),
    );
    expect(error).toMatchObject({ retryable: true, providerCode: 'network_error' });
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expectNoSecret(error, answer.app_secret);
  });

  test('a live account exchanges at api.weixin.qq.com (which tests cannot reach: retryable), never at the sandbox', async () => {
    const { answer, account } = await newAccount();
    const error = await failure(
      openidFromOauthCode({ ...account, livemode: true }, env, 'A'.repeat(32), { timeoutMs: 5000 }),
    );
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.message).toContain(new URL(WECHAT_OAUTH_LIVE_ACCESS_TOKEN_URL).host);
    expect(WECHAT_OAUTH_LIVE_ACCESS_TOKEN_URL).toBe('https://api.weixin.qq.com/sns/oauth2/access_token');
    expectNoSecret(error, answer.app_secret);
  });
});
