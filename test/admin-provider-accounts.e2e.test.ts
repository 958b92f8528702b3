import { generateKeyPairSync } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { queryDb } from './db';
import { issueTestCert, makePfx, makeTestPki } from '../providers/unionpay/unionpay.testing';
import {
  adminFetch,
  apiFetch,
  createTestMerchant,
  eventually,
  sandboxControl,
  testStack,
  type FetchResult,
} from './stack';

// Stories of the admin console's provider accounts (issue 14): an operator adds an account from
// the files the provider handed the merchant (here: the sandbox's), tests it against the
// provider, routes channels to it and replaces its keys; the secrets go in and never come out.

interface CredentialPart {
  field: string;
  kind: string;
  key_bits: number | null;
  public_key_sha256: string | null;
  serial: string | null;
}

interface Account {
  id: string;
  object: 'provider_account';
  merchant: string;
  provider: string;
  livemode: boolean;
  external_id: string;
  credentials: CredentialPart[];
  credentials_error: string | null;
  channels: string[];
  credentials_updated_at: string | null;
  last_check: { ok: boolean; outcome: string } | null;
}

interface Check {
  object: 'provider_account_check';
  ok: boolean;
  outcome: string;
  provider_answer: { code: string | null; message: string } | null;
  message: string;
  checked_at: string;
}

interface ErrorBody {
  error: { type: string; code: string; message: string; param: string | null };
}

interface Payment {
  id: string;
  status: string;
  out_trade_no: string;
  failure_code: string | null;
}

type Provider = 'alipay' | 'wechatpay' | 'unionpay';
type Keys = Record<string, string>;

/** What the sandbox hands a merchant that opens an account: the "key files" of these stories. */
async function sandboxKeys(provider: Provider): Promise<Keys> {
  const opened = await sandboxControl<Keys>('POST', '/_control/accounts', { provider });
  expect(opened.status).toBe(201);
  return opened.body;
}

/** The files' contents as the console sends them: PEM as text, the .pfx as the data: URL FileReader makes. */
const UPLOADS: Record<Provider, (keys: Keys) => Record<string, string>> = {
  alipay: (keys) => ({
    app_id: keys.app_id,
    private_key: keys.merchant_private_key,
    alipay_public_key: keys.alipay_public_key,
    app_public_key: keys.merchant_public_key,
  }),
  wechatpay: (keys) => ({
    mchid: keys.mchid,
    appid: keys.appid,
    merchant_private_key: keys.merchant_private_key,
    merchant_serial_no: keys.merchant_serial_no,
    api_v3_key: keys.api_v3_key,
    app_secret: keys.app_secret,
    wechatpay_public_key_id: keys.wechatpay_public_key_id,
    wechatpay_public_key: keys.wechatpay_public_key,
  }),
  unionpay: (keys) => ({
    mer_id: keys.mer_id,
    sign_cert_pfx: `data:application/x-pkcs12;base64,${keys.sign_cert_pfx}`,
    sign_cert_password: keys.sign_cert_password,
    root_cert: keys.root_cert,
    middle_cert: keys.middle_cert,
  }),
};

const newPrivateKey = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** The same upload with a key the sandbox never issued, valid-looking in every other way. */
const FORGED: Record<Provider, (keys: Keys) => Record<string, string>> = {
  alipay: (keys) => {
    const { app_public_key: _dropped, ...upload } = UPLOADS.alipay(keys);
    return { ...upload, private_key: newPrivateKey() };
  },
  wechatpay: (keys) => ({ ...UPLOADS.wechatpay(keys), merchant_private_key: newPrivateKey() }),
  unionpay: (keys) => {
    const forged = issueTestCert({ cn: `041@Z${keys.mer_id}@Forged@00000001`, issuer: 'self' });
    return {
      ...UPLOADS.unionpay(keys),
      sign_cert_pfx: makePfx(forged.keyPem, forged.certPem, 'forged-pw'),
      sign_cert_password: 'forged-pw',
    };
  },
};

/** The same upload with the provider's key (or certificates) of another account, or of nobody. */
const FOREIGN_PROVIDER_KEY: Record<Provider, (keys: Keys, other: Keys) => Record<string, string>> = {
  alipay: (keys, other) => ({ ...UPLOADS.alipay(keys), alipay_public_key: other.alipay_public_key }),
  wechatpay: (keys, other) => ({ ...UPLOADS.wechatpay(keys), wechatpay_public_key: other.wechatpay_public_key }),
  unionpay: (keys) => {
    const pki = makeTestPki();
    return { ...UPLOADS.unionpay(keys), root_cert: pki.root.certPem, middle_cert: pki.middle.certPem };
  },
};

/** The provider's own code for "no such order", which a working account's test gets. */
const UNKNOWN_ORDER: Record<Provider, string> = {
  alipay: 'ACQ.TRADE_NOT_EXIST',
  wechatpay: 'ORDER_NOT_EXIST',
  unionpay: '34',
};
/** The provider's words for a request signed with a key it does not know. */
const BAD_SIGNATURE: Record<Provider, RegExp> = {
  alipay: /isv\.invalid-signature/,
  wechatpay: /SIGN_ERROR/,
  unionpay: /certId|签名/,
};

/** Every secret these stories uploaded: no answer may contain any of them. */
const secrets: string[] = [];
function remember(upload: Record<string, string>): void {
  for (const [field, value] of Object.entries(upload)) {
    if (
      /alipay_public_key|wechatpay_public_key$|root_cert|middle_cert|app_public_key|^(app_id|mchid|appid|mer_id|merchant_serial_no|wechatpay_public_key_id)$/.test(
        field,
      )
    )
      continue;
    // A PEM's lines, a file's base64 cut in lines, or the secret itself.
    const body = value.replace(/^data:[^,]*,/, '').replace(/-----[A-Z ]+-----/g, '');
    const lines = body.split('\n').filter((line) => line.length >= 32);
    secrets.push(...(lines.length ? lines : body.length > 64 ? body.match(/.{64}/g)! : [value]));
  }
}
function expectNoSecret(answer: FetchResult): void {
  expect(answer.text).not.toMatch(/-----BEGIN|PRIVATE KEY/);
  for (const secret of secrets) expect(answer.text.includes(secret)).toBe(false);
}

async function addAccount(merchant: string, provider: Provider, upload: Record<string, string>) {
  remember(upload);
  const created = await adminFetch<Account>('POST', `/v1/admin/merchants/${merchant}/provider_accounts`, {
    provider,
    credentials: upload,
  });
  expect(created.status).toBe(201);
  expectNoSecret(created);
  return created.body;
}

async function test_(account: string): Promise<FetchResult<Check>> {
  const checked = await adminFetch<Check>('POST', `/v1/admin/provider_accounts/${account}/test`);
  expect(checked.status).toBe(200);
  expectNoSecret(checked);
  return checked;
}

const route = (merchant: string, body: Record<string, unknown>) =>
  adminFetch<ErrorBody & { provider_account: string }>('POST', `/v1/admin/merchants/${merchant}/channel_routes`, body);

const newPayment = (key: string, channel = 'alipay_qr') =>
  apiFetch<Payment>(key, 'POST', '/v1/payments', { amount: 1999, currency: 'CNY', channel, description: 'Tea' });

async function paysThrough(key: string, appId: string): Promise<void> {
  const payment = await newPayment(key);
  expect(payment.status).toBe(201);
  expect(payment.body.status).toBe('requires_action');
  // The sandbox knows the order under the new app: it was made with the new account's key.
  const paid = await sandboxControl('POST', '/_control/pay', {
    provider: 'alipay',
    out_trade_no: payment.body.out_trade_no,
    outcome: 'success',
    account: appId,
  });
  expect(paid.status).toBe(200);
  await eventually(async () =>
    expect((await apiFetch<Payment>(key, 'GET', `/v1/payments/${payment.body.id}`)).body.status).toBe('succeeded'),
  );
}

let merchant: { merchantId: string; secretKey: string };

beforeAll(async () => {
  merchant = await createTestMerchant();
});

describe.each<Provider>(['alipay', 'wechatpay', 'unionpay'])('a %s account', (provider) => {
  test("made from the sandbox's key files, passes its test against the sandbox, and shows fingerprints only", async () => {
    const keys = await sandboxKeys(provider);
    const account = await addAccount(merchant.merchantId, provider, UPLOADS[provider](keys));
    expect(account).toMatchObject({
      object: 'provider_account',
      provider,
      livemode: false,
      channels: [],
      last_check: null,
    });
    expect(account.external_id).toBe(keys.app_id ?? keys.mchid ?? keys.mer_id);
    expect(account.credentials.length).toBeGreaterThanOrEqual(2);
    expect(account.credentials.find((part) => part.kind === 'private_key' || part.kind === 'pkcs12')).toMatchObject({
      key_bits: 2048,
      public_key_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const checked = await test_(account.id);
    expect(checked.body).toMatchObject({ object: 'provider_account_check', ok: true, outcome: 'passed' });
    expect(checked.body.provider_answer?.code).toBe(UNKNOWN_ORDER[provider]);
    const read = await adminFetch<Account>('GET', `/v1/admin/provider_accounts/${account.id}`);
    expect(read.body.last_check).toMatchObject({ ok: true, outcome: 'passed' });
    expectNoSecret(read);
  });

  test("with a valid-looking key the provider does not know, fails its test with the provider's words", async () => {
    const keys = await sandboxKeys(provider);
    const account = await addAccount(merchant.merchantId, provider, FORGED[provider](keys));
    const checked = await test_(account.id);
    expect(checked.body).toMatchObject({ ok: false, outcome: 'refused' });
    expect(`${checked.body.provider_answer?.code} ${checked.body.provider_answer?.message}`).toMatch(
      BAD_SIGNATURE[provider],
    );
    expect(checked.body.message).toMatch(/refused the signed request/);
  });

  test("with another account's provider key, fails its test: the provider's answer does not verify", async () => {
    const account = await addAccount(
      merchant.merchantId,
      provider,
      FOREIGN_PROVIDER_KEY[provider](await sandboxKeys(provider), await sandboxKeys(provider)),
    );
    const checked = await test_(account.id);
    expect(checked.body).toMatchObject({
      ok: false,
      outcome: 'provider_signature_invalid',
      provider_answer: { code: 'response_signature_invalid' },
    });
    expect(checked.body.message).toMatch(/signature did not verify/);
  });
});

test("while the provider is busy, a test judges nothing: it says the provider was unavailable, in the provider's words", async () => {
  const keys = await sandboxKeys('alipay');
  const account = await addAccount(merchant.merchantId, 'alipay', UPLOADS.alipay(keys));
  const fault = await sandboxControl<{ id: string }>('POST', '/_control/faults', {
    provider: 'alipay',
    account: keys.app_id,
    api: { fail: 'system_error' },
  });
  expect(fault.status).toBe(201);
  try {
    const checked = await test_(account.id);
    expect(checked.body).toMatchObject({ ok: false, outcome: 'unavailable' });
    expect(checked.body.provider_answer).not.toBeNull();
    expect(checked.body.message).toMatch(/could not be reached or was busy/);
  } finally {
    expect((await sandboxControl('DELETE', `/_control/faults/${fault.body.id}`)).status).toBe(200);
  }
  expect((await test_(account.id)).body).toMatchObject({ ok: true, outcome: 'passed' });
});

test('a key that does not match its pair is refused naming the field, and nothing is stored', async () => {
  const before = await adminFetch<{ data: Account[] }>(
    'GET',
    `/v1/admin/merchants/${merchant.merchantId}/provider_accounts`,
  );
  const alipay = UPLOADS.alipay(await sandboxKeys('alipay'));
  const other = await sandboxKeys('alipay');
  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['alipay', { ...alipay, app_public_key: other.merchant_public_key }, 'credentials[private_key]'],
    ['alipay', { ...alipay, alipay_public_key: alipay.app_public_key }, 'credentials[alipay_public_key]'],
    ['alipay', { ...alipay, private_key: 'not a key' }, 'credentials[private_key]'],
    [
      'unionpay',
      { ...UPLOADS.unionpay(await sandboxKeys('unionpay')), sign_cert_password: 'guess' },
      'credentials[sign_cert_password]',
    ],
    ['paypal', { app_id: alipay.app_id }, 'provider'],
  ];
  for (const [provider, credentials, param] of refusals) {
    remember(credentials as Record<string, string>);
    const refused = await adminFetch<ErrorBody>(
      'POST',
      `/v1/admin/merchants/${merchant.merchantId}/provider_accounts`,
      {
        provider,
        credentials,
      },
    );
    expect({ status: refused.status, param: refused.body.error.param }).toEqual({ status: 400, param });
    expectNoSecret(refused);
  }
  const after = await adminFetch<{ data: Account[] }>(
    'GET',
    `/v1/admin/merchants/${merchant.merchantId}/provider_accounts`,
  );
  expect(after.body.data).toHaveLength(before.body.data.length);
});

test('a channel routed to an account made from key files pays through it', async () => {
  const keys = await sandboxKeys('alipay');
  const account = await addAccount(merchant.merchantId, 'alipay', UPLOADS.alipay(keys));
  const routed = await route(merchant.merchantId, { channel: 'alipay_qr', provider_account: account.id });
  expect(routed.status).toBe(200);
  expect(routed.body).toMatchObject({
    object: 'channel_route',
    channel: 'alipay_qr',
    livemode: false,
    provider_account: account.id,
  });
  await paysThrough(merchant.secretKey, keys.app_id);
  const read = await adminFetch<Account>('GET', `/v1/admin/provider_accounts/${account.id}`);
  expect(read.body.channels).toEqual(['alipay_qr']);
});

test("an edit of the account's key takes effect for the next payment", async () => {
  const own = await createTestMerchant();
  const keys = await sandboxKeys('alipay');
  const account = await addAccount(own.merchantId, 'alipay', UPLOADS.alipay(keys));
  expect((await route(own.merchantId, { channel: 'alipay_qr', provider_account: account.id })).status).toBe(200);
  await paysThrough(own.secretKey, keys.app_id);

  // A key Alipay does not know: only the private key is sent, the rest is kept.
  const forged = newPrivateKey();
  remember({ private_key: forged });
  const edited = await adminFetch<Account>('POST', `/v1/admin/provider_accounts/${account.id}`, {
    credentials: { private_key: forged },
  });
  expect(edited.status).toBe(200);
  expectNoSecret(edited);
  const fingerprint = (body: Account) =>
    body.credentials.find((part) => part.field === 'private_key')?.public_key_sha256;
  expect(fingerprint(edited.body)).not.toBe(fingerprint(account));
  expect(edited.body.credentials.find((part) => part.field === 'alipay_public_key')).toEqual(
    account.credentials.find((part) => part.field === 'alipay_public_key'),
  );
  const refused = await newPayment(own.secretKey);
  expect(refused.body).toMatchObject({ status: 'failed', failure_code: 'isv.invalid-signature' });

  // The app id is the account's name at Alipay: it cannot change.
  const renamed = await adminFetch<ErrorBody>('POST', `/v1/admin/provider_accounts/${account.id}`, {
    credentials: { app_id: '2021000000000000' },
  });
  expect({ status: renamed.status, param: renamed.body.error.param }).toEqual({
    status: 400,
    param: 'credentials[app_id]',
  });

  const restored = await adminFetch<Account>('POST', `/v1/admin/provider_accounts/${account.id}`, {
    credentials: { private_key: keys.merchant_private_key },
  });
  expect(fingerprint(restored.body)).toBe(fingerprint(account));
  await paysThrough(own.secretKey, keys.app_id);
});

test("a route refuses another provider's, another mode's and another merchant's account, naming provider_account", async () => {
  const own = await createTestMerchant();
  const stranger = await createTestMerchant();
  const accounts = await adminFetch<{ data: Account[] }>(
    'GET',
    `/v1/admin/merchants/${own.merchantId}/provider_accounts`,
  );
  const alipay = accounts.body.data.find((account) => account.provider === 'alipay')!;
  const strangers = await adminFetch<{ data: Account[] }>(
    'GET',
    `/v1/admin/merchants/${stranger.merchantId}/provider_accounts`,
  );
  const strangerAlipay = strangers.body.data.find((account) => account.provider === 'alipay')!;
  for (const body of [
    { channel: 'wechat_native', provider_account: alipay.id },
    { channel: 'alipay_qr', livemode: true, provider_account: alipay.id },
    { channel: 'alipay_qr', provider_account: strangerAlipay.id },
  ]) {
    const refused = await route(own.merchantId, body);
    expect({ status: refused.status, param: refused.body.error.param }).toEqual({
      status: 400,
      param: 'provider_account',
    });
  }

  const routes = await adminFetch<{ data: Array<{ channel: string; provider_account: string }> }>(
    'GET',
    `/v1/admin/merchants/${own.merchantId}/channel_routes`,
  );
  expect(routes.body.data.find((r) => r.channel === 'alipay_qr')?.provider_account).toBe(alipay.id);
  const removed = await adminFetch(
    'DELETE',
    `/v1/admin/merchants/${own.merchantId}/channel_routes/alipay_qr?livemode=false`,
  );
  expect(removed.status).toBe(200);
  const unrouted = await newPayment(own.secretKey);
  expect(unrouted.status).toBe(400);
  expect((unrouted.body as unknown as ErrorBody).error).toMatchObject({
    code: 'channel_not_configured',
    param: 'channel',
  });
  const again = await adminFetch<ErrorBody>(
    'DELETE',
    `/v1/admin/merchants/${own.merchantId}/channel_routes/alipay_qr?livemode=false`,
  );
  expect(again.status).toBe(404);
});

test('the list of accounts never shows a secret', async () => {
  const listed = await adminFetch<{ data: Account[] }>(
    'GET',
    `/v1/admin/merchants/${merchant.merchantId}/provider_accounts`,
  );
  expect(listed.status).toBe(200);
  expect(listed.body.data.length).toBeGreaterThanOrEqual(9);
  expect(secrets.length).toBeGreaterThan(10);
  expectNoSecret(listed);
  for (const account of listed.body.data) expect(account.credentials_error).toBeNull();
  // The staff layer's audit keeps what each request said: the uploads, their secrets removed.
  const audited = await queryDb<{ entry: string }>(
    `select concat_ws(' ', details::text, before::text, after::text) as entry from audit_log where action like 'provider_account.%'`,
  );
  expect(audited.length).toBeGreaterThan(10);
  for (const { entry } of audited) {
    expect(entry).not.toMatch(/PRIVATE KEY/);
    for (const secret of secrets) expect(entry.includes(secret)).toBe(false);
  }
});

test('every answer is what the OpenAPI document says it is', async () => {
  const document = (await (await fetch(`${testStack().api_url}/v1/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
    >;
    components: object;
  };
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  ajv.addSchema({ components: document.components }, 'openapi');
  const expectDocumented = (method: string, path: string, answer: FetchResult) => {
    const responses = document.paths[path][method].responses;
    const schema = (responses[String(answer.status)] ?? responses.default).content!['application/json'].schema;
    const validate = ajv.compile(
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')),
    );
    expect({
      answer: `${method} ${path} ${answer.status}`,
      errors: validate(answer.body) ? null : validate.errors,
    }).toEqual({
      answer: `${method} ${path} ${answer.status}`,
      errors: null,
    });
  };
  const id = merchant.merchantId;
  const listed = await adminFetch<{ data: Account[] }>('GET', `/v1/admin/merchants/${id}/provider_accounts`);
  expectDocumented('get', '/v1/admin/merchants/{id}/provider_accounts', listed);
  const account = listed.body.data.find((a) => a.provider === 'wechatpay')!;
  expectDocumented(
    'get',
    '/v1/admin/provider_accounts/{id}',
    await adminFetch('GET', `/v1/admin/provider_accounts/${account.id}`),
  );
  expectDocumented('post', '/v1/admin/provider_accounts/{id}/test', await test_(account.id));
  const routes = await adminFetch('GET', `/v1/admin/merchants/${id}/channel_routes`);
  expectDocumented('get', '/v1/admin/merchants/{id}/channel_routes', routes);
  expectDocumented(
    'post',
    '/v1/admin/merchants/{id}/channel_routes',
    await route(id, { channel: 'wechat_h5', provider_account: account.id }),
  );
  const refused = await adminFetch('POST', `/v1/admin/provider_accounts/${account.id}`, {
    credentials: { api_v3_key: 'short' },
  });
  expect(refused.status).toBe(400);
  expectDocumented('post', '/v1/admin/provider_accounts/{id}', refused);
});
