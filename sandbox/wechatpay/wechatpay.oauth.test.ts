// The sandbox's copy of WeChat's web OAuth (authorize and the code exchange). A little over 400
// lines: the two endpoints are tested against one sandbox and one account, as WeChat serves them.
import { Pool } from 'pg';
import { Wechatpay } from 'wechatpay-axios-plugin';
import { newOutTradeNo, SANDBOX_TEST_DATABASE_URL, startTestSandbox, type TestSandbox } from '../sandbox.testing';
import { openidOfAnotherApp, sandboxOpenid, SANDBOX_USER_COOKIE } from './wechatpay.oauth';
import { openWechatpayAccount, type WechatpaySandboxAccount } from './wechatpay.testing';

// WeChat's web OAuth (网页授权) as the sandbox plays it: the authorize link a browser follows in
// WeChat, the code it brings back, the server's exchange of that code for the shopper's openid, and
// that openid paying by JSAPI under its own app only.

let sandbox: TestSandbox;
let db: Pool;

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 1 });
  db = new Pool({ connectionString: SANDBOX_TEST_DATABASE_URL, max: 2 });
});

afterAll(async () => {
  await sandbox?.close();
  await db?.end();
});

/** The link a merchant's page sends the browser to, parameters in WeChat's order, `extra` after them. */
function authorizeLink(
  base: string,
  appid: string,
  redirectUri: string,
  {
    scope = 'snsapi_base',
    state = 'STATE',
    extra = '',
  }: { scope?: string; state?: string | null; extra?: string } = {},
): string {
  const stateParam = state === null ? '' : `&state=${encodeURIComponent(state)}`;
  return `${base}/wechatpay/connect/oauth2/authorize?appid=${appid}&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&scope=${scope}${stateParam}${extra}#wechat_redirect`;
}

/** Opens the link as a browser would, without following the redirect. */
async function open(link: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(link, { redirect: 'manual', headers });
}

/** Where WeChat sends the browser back: the merchant's page with code and state. */
async function codeFor(
  account: WechatpaySandboxAccount,
  user: string,
  options: { scope?: string; base?: string } = {},
): Promise<string> {
  const response = await open(
    authorizeLink(options.base ?? sandbox.url, account.appid, 'https://shop.example/checkout', {
      scope: options.scope,
      extra: `&sandbox_user=${user}`,
    }),
  );
  expect(response.status).toBe(302);
  const code = new URL(response.headers.get('location') as string).searchParams.get('code');
  expect(code).toMatch(/^[A-Za-z0-9]{32}$/);
  return code as string;
}

async function exchange(
  params: Record<string, string | undefined>,
  base = sandbox.url,
): Promise<{ status: number; contentType: string | null; body: Record<string, unknown> }> {
  const query = new URLSearchParams(
    Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const response = await fetch(`${base}/wechatpay/sns/oauth2/access_token?${query}`);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const exchangeFor = (account: WechatpaySandboxAccount, code: string, base?: string) =>
  exchange({ appid: account.appid, secret: account.app_secret, code, grant_type: 'authorization_code' }, base);

describe('the account', () => {
  test("a new merchant's answer carries its 公众号's AppSecret, of which the sandbox keeps only a digest", async () => {
    const account = await openWechatpayAccount(sandbox);
    expect(account.app_secret).toMatch(/^[0-9a-f]{32}$/);
    const { rows } = await db.query<{ secrets: Record<string, unknown> }>(
      "SELECT secrets FROM sandbox_accounts WHERE provider = 'wechatpay' AND account_id = $1",
      [account.mchid],
    );
    expect(JSON.stringify(rows[0].secrets)).not.toContain(account.app_secret);
    expect(rows[0].secrets.app_secret_sha256).toMatch(/^[0-9a-f]{64}$/);
    const other = await openWechatpayAccount(sandbox, { share_provider_keys_with: account.mchid });
    expect(other.app_secret).not.toBe(account.app_secret);
  });
});

describe('authorize (snsapi_base)', () => {
  test("when the shopper opens the link, WeChat sends them straight back with a code and the state, the page's own query and fragment kept", async () => {
    const account = await openWechatpayAccount(sandbox);
    const response = await open(
      authorizeLink(sandbox.url, account.appid, 'https://shop.example/pay?session=cs_1#/confirm', { state: 'abc123' }),
    );
    expect(response.status).toBe(302);
    const location = response.headers.get('location') as string;
    expect(location).toMatch(
      /^https:\/\/shop\.example\/pay\?session=cs_1&code=[A-Za-z0-9]{32}&state=abc123#\/confirm$/,
    );
  });

  test('a link without state comes back with an empty one', async () => {
    const account = await openWechatpayAccount(sandbox);
    const response = await open(
      authorizeLink(sandbox.url, account.appid, 'http://127.0.0.1:5173/checkout/cs_1', { state: null }),
    );
    expect(response.headers.get('location')).toMatch(
      /^http:\/\/127\.0\.0\.1:5173\/checkout\/cs_1\?code=[A-Za-z0-9]{32}&state=$/,
    );
  });

  test('without sandbox_user the browser is the user: the sandbox gives it a cookie, and the same cookie is the same openid', async () => {
    const account = await openWechatpayAccount(sandbox);
    const link = authorizeLink(sandbox.url, account.appid, 'https://shop.example/checkout');
    const first = await open(link);
    const setCookie = first.headers.get('set-cookie') as string;
    expect(setCookie).toMatch(new RegExp(`^${SANDBOX_USER_COOKIE}=[A-Za-z0-9]{24}; .*Path=/wechatpay`));
    expect(setCookie).toMatch(/HttpOnly/);
    const cookie = setCookie.split(';')[0];
    const codeOf = (response: Response) =>
      new URL(response.headers.get('location') as string).searchParams.get('code') as string;

    const again = await open(link, { cookie });
    expect(again.headers.get('set-cookie')).toBeNull();
    const firstOpenid = (await exchangeFor(account, codeOf(first))).body.openid;
    expect((await exchangeFor(account, codeOf(again))).body.openid).toBe(firstOpenid);
    const anotherBrowser = await open(link);
    expect((await exchangeFor(account, codeOf(anotherBrowser))).body.openid).not.toBe(firstOpenid);
  });

  test('snsapi_userinfo answers the same at once (no consent page), with its scope', async () => {
    const account = await openWechatpayAccount(sandbox);
    const answer = await exchangeFor(account, await codeFor(account, 'alice', { scope: 'snsapi_userinfo' }));
    expect(answer.body).toMatchObject({ openid: sandboxOpenid(account.appid, 'alice'), scope: 'snsapi_userinfo' });
  });

  test.each<[string, (appid: string) => string, RegExp]>([
    [
      'no appid',
      () =>
        `${sandbox.url}/wechatpay/connect/oauth2/authorize?redirect_uri=https%3A%2F%2Fx.example&response_type=code&scope=snsapi_base`,
      /appid不能为空 \(errcode 10012\)/,
    ],
    [
      'no redirect_uri',
      (appid) =>
        `${sandbox.url}/wechatpay/connect/oauth2/authorize?appid=${appid}&response_type=code&scope=snsapi_base`,
      /redirect_uri不能为空 \(errcode 10011\)/,
    ],
    [
      'no scope',
      (appid) =>
        `${sandbox.url}/wechatpay/connect/oauth2/authorize?appid=${appid}&redirect_uri=https%3A%2F%2Fx.example&response_type=code`,
      /scope不能为空 \(errcode 10010\)/,
    ],
    [
      'parameters out of WeChat’s order',
      (appid) =>
        `${sandbox.url}/wechatpay/connect/oauth2/authorize?redirect_uri=https%3A%2F%2Fx.example&appid=${appid}&response_type=code&scope=snsapi_base`,
      /该链接无法访问.*another order: redirect_uri, appid/,
    ],
    [
      'response_type token',
      (appid) =>
        authorizeLink(sandbox.url, appid, 'https://x.example').replace('response_type=code', 'response_type=token'),
      /response_type 须为 code/,
    ],
    [
      'scope snsapi_login (网站应用)',
      (appid) => authorizeLink(sandbox.url, appid, 'https://x.example', { scope: 'snsapi_login' }),
      /scope的权限 \(snsapi_login\) \(errcode 10005\)/,
    ],
    ['a relative redirect_uri', (appid) => authorizeLink(sandbox.url, appid, '/checkout'), /errcode 10003/],
    ['a weixin:// redirect_uri', (appid) => authorizeLink(sandbox.url, appid, 'weixin://dl/business'), /errcode 10003/],
    [
      'a state of 129 bytes',
      (appid) => authorizeLink(sandbox.url, appid, 'https://x.example', { state: 'a'.repeat(129) }),
      /state 最多128字节/,
    ],
    [
      'an appid no sandbox merchant has',
      () => authorizeLink(sandbox.url, 'wx0000000000000000', 'https://x.example'),
      /wx0000000000000000 不是沙箱中的公众号/,
    ],
  ])('%s: WeChat shows an error page and sends the browser nowhere', async (_name, link, message) => {
    const account = await openWechatpayAccount(sandbox);
    const response = await open(link(account.appid));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(message);
  });
});

describe('the code exchange (sns/oauth2/access_token)', () => {
  test("the code gives the shopper's openid, WeChat's answer in full, HTTP 200 JSON", async () => {
    const account = await openWechatpayAccount(sandbox);
    const answer = await exchangeFor(account, await codeFor(account, 'alice'));
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body).toEqual({
      access_token: expect.stringMatching(/^\w{2}_[\w-]{60,}$/),
      expires_in: 7200,
      refresh_token: expect.stringMatching(/^\w{2}_[\w-]{60,}$/),
      openid: sandboxOpenid(account.appid, 'alice'),
      scope: 'snsapi_base',
    });
    expect(answer.body.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
  });

  test('one user has one openid per app: the same every time under one app, another under another app', async () => {
    const shop = await openWechatpayAccount(sandbox);
    const other = await openWechatpayAccount(sandbox);
    const aliceHere = (await exchangeFor(shop, await codeFor(shop, 'alice'))).body.openid as string;
    expect((await exchangeFor(shop, await codeFor(shop, 'alice'))).body.openid).toBe(aliceHere);
    expect((await exchangeFor(shop, await codeFor(shop, 'bob'))).body.openid).not.toBe(aliceHere);
    const aliceThere = (await exchangeFor(other, await codeFor(other, 'alice'))).body.openid as string;
    expect(aliceThere).not.toBe(aliceHere);
    // As on WeChat, the openids of one app share their first characters.
    expect(aliceHere.slice(0, 6)).toBe(
      ((await exchangeFor(shop, await codeFor(shop, 'carol'))).body.openid as string).slice(0, 6),
    );
  });

  test('a code is used once: the second exchange answers 40163 code been used, and of two at once only one wins', async () => {
    const account = await openWechatpayAccount(sandbox);
    const code = await codeFor(account, 'alice');
    expect((await exchangeFor(account, code)).body.openid).toBeDefined();
    const again = await exchangeFor(account, code);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      errcode: 40163,
      errmsg: expect.stringMatching(/^code been used, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/),
    });

    const raced = await codeFor(account, 'bob');
    const answers = await Promise.all([1, 2, 3, 4].map(() => exchangeFor(account, raced)));
    expect(answers.filter((answer) => answer.body.openid !== undefined)).toHaveLength(1);
    expect(answers.filter((answer) => answer.body.errcode === 40163)).toHaveLength(3);
  });

  test("a made-up code answers 40029 invalid code, and so does another app's code, which its own app can still use", async () => {
    const account = await openWechatpayAccount(sandbox);
    const other = await openWechatpayAccount(sandbox);
    expect((await exchangeFor(account, 'A'.repeat(32))).body).toMatchObject({
      errcode: 40029,
      errmsg: expect.stringMatching(/^invalid code, rid: /),
    });
    const othersCode = await codeFor(other, 'alice');
    expect((await exchangeFor(account, othersCode)).body).toMatchObject({ errcode: 40029 });
    expect((await exchangeFor(other, othersCode)).body.openid).toBe(sandboxOpenid(other.appid, 'alice'));
  });

  test('a wrong AppSecret answers 40125 invalid appsecret and leaves the code unused', async () => {
    const account = await openWechatpayAccount(sandbox);
    const other = await openWechatpayAccount(sandbox);
    const code = await codeFor(account, 'alice');
    const wrong = await exchange({
      appid: account.appid,
      secret: other.app_secret,
      code,
      grant_type: 'authorization_code',
    });
    expect(wrong.body).toMatchObject({ errcode: 40125, errmsg: expect.stringMatching(/^invalid appsecret/) });
    expect(JSON.stringify(wrong.body)).not.toContain(other.app_secret);
    expect((await exchangeFor(account, code)).body.openid).toBe(sandboxOpenid(account.appid, 'alice'));
  });

  test.each<[string, number, (account: WechatpaySandboxAccount) => Record<string, string | undefined>]>([
    ['no appid', 41002, (a) => ({ secret: a.app_secret, code: 'x', grant_type: 'authorization_code' })],
    ['no secret', 41004, (a) => ({ appid: a.appid, code: 'x', grant_type: 'authorization_code' })],
    ['no code', 41008, (a) => ({ appid: a.appid, secret: a.app_secret, grant_type: 'authorization_code' })],
    [
      'grant_type client_credential',
      40002,
      (a) => ({ appid: a.appid, secret: a.app_secret, code: 'x', grant_type: 'client_credential' }),
    ],
    [
      'an unknown appid',
      40013,
      (a) => ({ appid: 'wx0000000000000000', secret: a.app_secret, code: 'x', grant_type: 'authorization_code' }),
    ],
  ])('%s answers errcode %i, HTTP 200', async (_name, errcode, params) => {
    const account = await openWechatpayAccount(sandbox);
    const answer = await exchange(params(account));
    expect(answer.status).toBe(200);
    expect(answer.body.errcode).toBe(errcode);
  });

  test('a code not exchanged within 5 minutes (time-scaled) answers 40029', async () => {
    // 5 minutes ÷ 3000 = 100 ms.
    const fast = await startTestSandbox({ timeScale: 3000 });
    try {
      const account = await openWechatpayAccount(fast);
      const code = await codeFor(account, 'alice', { base: fast.url });
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect((await exchangeFor(account, code, fast.url)).body).toMatchObject({ errcode: 40029 });
    } finally {
      await fast.close();
    }
  });

  test('codes are kept in the database: a code issued before a restart is exchanged after it, once', async () => {
    const before = await startTestSandbox();
    const account = await openWechatpayAccount(before);
    const code = await codeFor(account, 'alice', { base: before.url });
    await before.close();
    const after = await startTestSandbox();
    try {
      expect((await exchangeFor(account, code, after.url)).body.openid).toBe(sandboxOpenid(account.appid, 'alice'));
      expect((await exchangeFor(account, code, after.url)).body.errcode).toBe(40163);
    } finally {
      await after.close();
    }
  });

  test('api faults reach the exchange: system_error is errcode -1 with HTTP 200, http_500 an HTML 500', async () => {
    const account = await openWechatpayAccount(sandbox);
    const code = await codeFor(account, 'alice');
    const rule = await sandbox.control<{ id: string }>('POST', '/_control/faults', {
      provider: 'wechatpay',
      account: account.mchid,
      api: { fail: 'system_error', methods: ['GET /sns/oauth2/access_token'], times: 1 },
    });
    expect(rule.status).toBe(201);
    expect(await exchangeFor(account, code)).toMatchObject({
      status: 200,
      body: { errcode: -1, errmsg: expect.stringMatching(/^system error/) },
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      account: account.mchid,
      api: { fail: 'http_500', times: 1 },
    });
    const failed = await fetch(
      `${sandbox.url}/wechatpay/sns/oauth2/access_token?appid=${account.appid}&secret=${account.app_secret}&code=${code}&grant_type=authorization_code`,
    );
    expect(failed.status).toBe(500);
    // Neither fault used the code up.
    expect((await exchangeFor(account, code)).body.openid).toBe(sandboxOpenid(account.appid, 'alice'));
  });
});

describe('the openid and JSAPI', () => {
  type PluginAnswer = { status: number; data: Record<string, unknown> };
  const settle = async (call: Promise<unknown>): Promise<PluginAnswer> => {
    try {
      return (await call) as PluginAnswer;
    } catch (error) {
      const response = (error as { response?: PluginAnswer }).response;
      if (!response) throw error;
      return response;
    }
  };
  const jsapi = (account: WechatpaySandboxAccount, openid: string, outTradeNo = newOutTradeNo('O')) =>
    settle(
      new Wechatpay({
        mchid: account.mchid,
        serial: account.merchant_serial_no,
        privateKey: account.merchant_private_key,
        certs: { [account.wechatpay_public_key_id as string]: account.wechatpay_public_key as string },
        baseURL: account.base_url,
      }).v3.pay.transactions.jsapi.post({
        appid: account.appid,
        mchid: account.mchid,
        description: '茶具 Tea set',
        out_trade_no: outTradeNo,
        notify_url: 'http://127.0.0.1:9/notify',
        amount: { total: 1999, currency: 'CNY' },
        payer: { openid },
      }),
    );

  test("the shopper's openid pays by JSAPI under the merchant's app, and the order remembers the payer", async () => {
    const account = await openWechatpayAccount(sandbox);
    const openid = (await exchangeFor(account, await codeFor(account, 'alice'))).body.openid as string;
    const outTradeNo = newOutTradeNo('O');
    expect(await jsapi(account, openid, outTradeNo)).toMatchObject({
      status: 200,
      data: { prepay_id: expect.stringMatching(/^wx/) },
    });
    await sandbox.control('POST', '/_control/pay', {
      provider: 'wechatpay',
      out_trade_no: outTradeNo,
      account: account.mchid,
      outcome: 'success',
    });
    expect(
      (await sandbox.control('GET', `/_control/trades/wechatpay/${outTradeNo}?account=${account.mchid}`)).body,
    ).toMatchObject({ state: 'SUCCESS', payer_openid: openid });
  });

  test('an openid the sandbox gave under another app is refused, as WeChat refuses it: PARAM_ERROR appid和openid不匹配', async () => {
    const account = await openWechatpayAccount(sandbox);
    const other = await openWechatpayAccount(sandbox);
    const othersOpenid = (await exchangeFor(other, await codeFor(other, 'alice'))).body.openid as string;
    expect(await jsapi(account, othersOpenid)).toMatchObject({
      status: 400,
      data: { code: 'PARAM_ERROR', message: 'appid和openid不匹配' },
    });
  });

  test('a made-up openid is still accepted: only the sandbox’s own openids are known to belong to an app', async () => {
    const account = await openWechatpayAccount(sandbox);
    expect(openidOfAnotherApp('oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', account.appid)).toBe(false);
    expect(await jsapi(account, 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o')).toMatchObject({ status: 200 });
    expect(openidOfAnotherApp(sandboxOpenid('wx1111111111111111', 'alice'), 'wx1111111111111111')).toBe(false);
    expect(openidOfAnotherApp(sandboxOpenid('wx1111111111111111', 'alice'), 'wx2222222222222222')).toBe(true);
  });
});
