import { randomInt } from 'node:crypto';
import Dysmsapi, * as $Dysmsapi from '@alicloud/dysmsapi20170525';
import OpenApiClient, * as $OpenApiClient from '@alicloud/openapi-client';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { AliyunTransport, sandboxEndpoints } from '../../messaging/aliyun/aliyun.transport';
import { MessageSendError, type AliyunCredentials } from '../../messaging/transport';
import { eventually, openSandboxAccount, startTestSandbox, type TestSandbox } from '../sandbox.testing';
import { acs3Signature, canonicalRequest, sha256Hex } from './aliyun.signature';

// The simulated Aliyun SMS and Direct Mail against the official SDKs, unchanged: Dysmsapi 2017-05-25
// and Dm 2015-11-23 (on @alicloud/openapi-core) through messaging/aliyun's transport, and the older
// generic @alicloud/openapi-client as a second, independent signer. Time scale 10: a receipt the
// account delays 2 s turns final after 0.2 s, a per-minute limit lasts 6 s.

const TIME_SCALE = 10;
let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: TIME_SCALE });
});
afterAll(async () => {
  await sandbox?.close();
});
afterEach(async () => {
  await sandbox.control('DELETE', '/_control/faults');
});

interface AliyunAccount {
  provider: 'aliyun';
  access_key_id: string;
  access_key_secret: string;
  sign_name: string;
  sender_address: string;
  from_alias: string;
  sms_endpoint: string;
  protocol: 'http';
  sms_limits: { per_minute: number; per_hour: number; per_day: number };
  templates: { template_code: string; name: string; locale: string; content: string; params: string[] }[];
}

interface ControlMessage {
  id: string;
  channel: 'sms' | 'email';
  to: string;
  sign_name?: string;
  template_code?: string;
  subject?: string;
  body: string;
  sent_at: string;
  status: string;
  error_code: string | null;
  biz_id: string;
  out_id: string | null;
}

/** A fresh account; generous limits unless a test is about them. */
const openAccount = (options: Record<string, unknown> = {}) =>
  openSandboxAccount<AliyunAccount>(sandbox, 'aliyun', {
    sms_limits: { per_minute: 100, per_hour: 100, per_day: 100 },
    ...options,
  });

const credentialsOf = (account: AliyunAccount, change: Partial<AliyunCredentials> = {}): AliyunCredentials => ({
  accessKeyId: account.access_key_id,
  accessKeySecret: account.access_key_secret,
  signName: account.sign_name,
  senderAddress: account.sender_address,
  fromAlias: account.from_alias,
  ...change,
});

const transportFor = (account: AliyunAccount, change: Partial<AliyunCredentials> = {}) =>
  new AliyunTransport({ credentials: credentialsOf(account, change), endpoints: sandboxEndpoints(sandbox.url) });

/** A mainland mobile number no other test (or earlier run: the database is shared) is likely to have used. */
const newPhone = () => `139${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

const messagesTo = async (to: string) =>
  (await sandbox.control<{ data: ControlMessage[] }>('GET', `/_control/messages?to=${encodeURIComponent(to)}`)).body
    .data;

const RECEIPT = 'SMS_900000001';
const receiptParams = { merchant: '一家小店', amount: '¥12.50', order: 'ORD-1' };

/** What a send fails with, as the transport throws it. */
async function failure(promise: Promise<unknown>): Promise<MessageSendError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MessageSendError) return error;
    throw error;
  }
  throw new Error('expected a MessageSendError');
}

describe('accounts and templates', () => {
  test('an account comes with an AccessKey pair, a sign name, a sender and the seeded templates', async () => {
    const account = await openAccount();
    expect(account.access_key_id).toMatch(/^LTAI5t[A-Za-z0-9]{18}$/);
    expect(account.access_key_secret).toMatch(/^[A-Za-z0-9]{30}$/);
    expect(account.sign_name).toBe('通宝支付');
    expect(account.sender_address).toMatch(/@/);
    expect(account.sms_endpoint).toBe(new URL(sandbox.url).host);
    const purposes = new Set(account.templates.map((t) => `${t.name}/${t.locale}`));
    for (const name of [
      'payment_receipt',
      'refund_receipt',
      'verification_code',
      'account_recovery',
      'team_invitation',
      'stuck_refund_alert',
    ])
      for (const locale of ['zh-CN', 'en-US']) expect(purposes).toContain(`${name}/${locale}`);
    expect(account.templates.find((t) => t.template_code === RECEIPT)?.params).toEqual(['merchant', 'amount', 'order']);
  });

  test('bad control input names the field', async () => {
    const bad = await sandbox.control('POST', '/_control/accounts', {
      provider: 'aliyun',
      sms_limits: { per_minute: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { param: 'sms_limits.per_minute' } });
    const badTemplate = await sandbox.control('POST', '/_control/aliyun/templates', {
      template_code: 'X',
      content: 'hi',
    });
    expect(badTemplate.status).toBe(400);
    expect(badTemplate.body).toMatchObject({ error: { param: 'template_code' } });
    expect((await sandbox.control('GET', '/_control/messages?channel=fax')).status).toBe(400);
  });
});

describe('SendSms through the official SDK', () => {
  test('a signed send is accepted, rendered with the sign name, and listed newest first', async () => {
    const account = await openAccount();
    const transport = transportFor(account);
    const phone = newPhone();
    const sent = await transport.sendSms({
      phone,
      signName: account.sign_name,
      templateCode: RECEIPT,
      templateParam: receiptParams,
      outId: 'msg_first',
    });
    expect(sent.bizId).toMatch(/^\d{18}\^0$/);
    expect(sent.requestId).toMatch(/^[0-9A-F-]{36}$/);
    await transport.sendSms({
      phone: `+86${phone}`,
      signName: account.sign_name,
      templateCode: 'SMS_900000006',
      templateParam: { code: '482913', minutes: '5' },
      outId: 'msg_second',
    });
    const listed = await messagesTo(phone);
    expect(listed.map((m) => m.out_id)).toEqual(['msg_second', 'msg_first']);
    expect(listed[0].id).toMatch(/^msg_\d+$/);
    expect(listed[0].id).not.toBe(listed[1].id);
    expect(listed[1]).toMatchObject({
      channel: 'sms',
      to: phone,
      sign_name: '通宝支付',
      template_code: RECEIPT,
      body: '【通宝支付】您在一家小店的付款¥12.50已成功,订单号ORD-1,感谢惠顾。',
      biz_id: sent.bizId,
    });
    expect(listed[0].body).toBe(
      '【通宝支付】Your verification code is 482913. It expires in 5 minutes. Do not share it.',
    );
    expect(await messagesTo(`+86${phone}`)).toHaveLength(2);
  });

  test('business errors come back on HTTP 200 and are classified', async () => {
    const account = await openAccount();
    const transport = transportFor(account);
    const base = {
      phone: newPhone(),
      signName: account.sign_name,
      templateCode: RECEIPT,
      templateParam: receiptParams,
      outId: 'm',
    };
    const cases: [Partial<typeof base>, string][] = [
      [{ phone: '12345' }, 'isv.MOBILE_NUMBER_ILLEGAL'],
      [{ templateParam: { merchant: 'x', amount: '1' } as typeof receiptParams }, 'isv.TEMPLATE_MISSING_PARAMETERS'],
      [{ templateCode: 'SMS_123456' }, 'isv.SMS_TEMPLATE_ILLEGAL'],
      [{ signName: '别人的签名' }, 'isv.SMS_SIGNATURE_ILLEGAL'],
    ];
    for (const [change, code] of cases) {
      const error = await failure(transport.sendSms({ ...base, ...change }));
      expect({ code: error.code, kind: error.kind }).toEqual({ code, kind: 'final' });
      expect(error.requestId).toMatch(/^[0-9A-F-]{36}$/);
    }
    expect(await messagesTo(base.phone)).toEqual([]);
  });

  test('a template added through the control API is enforced with its own parameters', async () => {
    const account = await openAccount();
    const code = `SMS_${String(Date.now()).slice(-9)}`;
    const added = await sandbox.control('POST', '/_control/aliyun/templates', {
      template_code: code,
      content: '取件码${pickup},请于${until}前取件',
      account: account.access_key_id,
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ params: ['pickup', 'until'] });
    const transport = transportFor(account);
    const phone = newPhone();
    const missing = await failure(
      transport.sendSms({
        phone,
        signName: account.sign_name,
        templateCode: code,
        templateParam: { pickup: '1' },
        outId: 'a',
      }),
    );
    expect(missing.code).toBe('isv.TEMPLATE_MISSING_PARAMETERS');
    await transport.sendSms({
      phone,
      signName: account.sign_name,
      templateCode: code,
      templateParam: { pickup: '8-1-203', until: '18:00' },
      outId: 'b',
    });
    expect((await messagesTo(phone))[0].body).toBe('【通宝支付】取件码8-1-203,请于18:00前取件');
    // Another account has not had it approved.
    const other = await openAccount();
    const refused = await failure(
      transportFor(other).sendSms({
        phone,
        signName: other.sign_name,
        templateCode: code,
        templateParam: { pickup: '1', until: '2' },
        outId: 'c',
      }),
    );
    expect(refused.code).toBe('isv.SMS_TEMPLATE_ILLEGAL');
  });

  test('per-number limits throttle, and a send after the window succeeds', async () => {
    const account = await openAccount({ sms_limits: { per_minute: 1, per_hour: 5, per_day: 10 } });
    const transport = transportFor(account);
    const phone = newPhone();
    const send = () =>
      transport.sendSms({
        phone,
        signName: account.sign_name,
        templateCode: RECEIPT,
        templateParam: receiptParams,
        outId: 'x',
      });
    await send();
    const throttled = await failure(send());
    expect({ code: throttled.code, kind: throttled.kind }).toEqual({
      code: 'isv.BUSINESS_LIMIT_CONTROL',
      kind: 'throttled',
    });
    expect(throttled.message).toContain('分钟级');
    // One minute at time scale 10.
    await new Promise((resolve) => setTimeout(resolve, 60_000 / TIME_SCALE + 200));
    await send();
    expect(await messagesTo(phone)).toHaveLength(2);
  });
});

describe('QuerySendDetails receipts', () => {
  test('waiting, then delivered with the rendered content', async () => {
    const account = await openAccount({ receipt_delay_ms: 3_000 });
    const transport = transportFor(account);
    const phone = newPhone();
    const sentAt = new Date();
    const sent = await transport.sendSms({
      phone,
      signName: account.sign_name,
      templateCode: RECEIPT,
      templateParam: receiptParams,
      outId: 'r1',
    });
    expect(await transport.querySmsReceipt({ phone, bizId: sent.bizId, sentAt })).toMatchObject({
      status: 'waiting',
      errorCode: null,
      receivedAt: null,
    });
    const delivered = await eventually(async () => {
      const receipt = await transport.querySmsReceipt({ phone, bizId: sent.bizId, sentAt });
      expect(receipt?.status).toBe('delivered');
      return receipt;
    });
    expect(delivered).toMatchObject({ errorCode: 'DELIVERED', content: expect.stringContaining('一家小店') });
    expect(Date.parse(delivered!.receivedAt!)).toBeGreaterThanOrEqual(sentAt.getTime() - 1_000);
    expect((await messagesTo(phone))[0].status).toBe('delivered');
    expect(await transport.querySmsReceipt({ phone, bizId: '000000000000000000^0', sentAt })).toBeNull();
    // Our sentAt a minute before Beijing midnight, Aliyun's record on the next day: still found.
    const beijingMidnight = new Date(
      `${new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)}T00:00:00+08:00`,
    );
    const justBefore = new Date(beijingMidnight.getTime() - 60_000);
    expect(await transport.querySmsReceipt({ phone, bizId: sent.bizId, sentAt: justBefore })).toMatchObject({
      status: 'delivered',
    });
  });

  test('a receipts fault makes the carrier refuse delivery', async () => {
    const account = await openAccount({ receipt_delay_ms: 0 });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'aliyun',
      account: account.access_key_id,
      sms_receipts: { outcome: 'failed', error_code: 'MOBILE_ACCOUNT_ABNORMAL' },
    });
    const transport = transportFor(account);
    const phone = newPhone();
    const sentAt = new Date();
    const sent = await transport.sendSms({
      phone,
      signName: account.sign_name,
      templateCode: RECEIPT,
      templateParam: receiptParams,
      outId: 'r2',
    });
    const receipt = await eventually(async () => {
      const r = await transport.querySmsReceipt({ phone, bizId: sent.bizId, sentAt });
      expect(r?.status).toBe('failed');
      return r;
    });
    expect(receipt?.errorCode).toBe('MOBILE_ACCOUNT_ABNORMAL');
    expect((await messagesTo(phone))[0]).toMatchObject({ status: 'failed', error_code: 'MOBILE_ACCOUNT_ABNORMAL' });
  });
});

describe('SingleSendMail through the official SDK', () => {
  test('an email is accepted from the account sender and shows in the control API and the inbox', async () => {
    const account = await openAccount();
    // A dash too: the lookup once dropped it, as from a phone number.
    const to = `shop-per.${Date.now()}@example.com`;
    const sent = await transportFor(account).sendEmail({
      to,
      subject: '付款成功 Payment received',
      textBody: '您的付款已成功。',
      htmlBody: '<p>您的付款<b>已成功</b>。</p>',
    });
    expect(sent.envId).toMatch(/^\d+$/);
    const [listed] = await messagesTo(to.toUpperCase());
    expect(listed).toMatchObject({
      channel: 'email',
      to,
      subject: '付款成功 Payment received',
      body: '您的付款已成功。',
    });
    const inbox = await fetch(`${sandbox.url}/aliyun/inbox?to=${encodeURIComponent(to)}`);
    expect(inbox.status).toBe(200);
    const html = await inbox.text();
    expect(html).toContain('付款成功 Payment received');
    expect(html).toContain(to);
  });

  test('a sender address the account does not own is refused with a final error', async () => {
    const account = await openAccount();
    const error = await failure(
      transportFor(account, { senderAddress: 'someone@else.example.com' }).sendEmail({
        to: 'a@example.com',
        subject: 's',
        textBody: 't',
        htmlBody: null,
      }),
    );
    expect({ code: error.code, kind: error.kind }).toEqual({ code: 'InvalidMailAddress.NotFound', kind: 'final' });
  });

  test('a subject over 100 characters is refused, as Direct Mail documents; 100 are taken', async () => {
    const account = await openAccount();
    const mail = (subject: string) =>
      transportFor(account).sendEmail({ to: 'long@example.com', subject, textBody: 't', htmlBody: null });
    const error = await failure(mail('长'.repeat(101)));
    expect({ code: error.code, kind: error.kind }).toEqual({ code: 'InvalidSubject.Malformed', kind: 'final' });
    expect((await mail('长'.repeat(100))).envId).toMatch(/^\d+$/);
  });
});

describe('signatures', () => {
  test('a wrong AccessKey secret or id is refused as Aliyun refuses it', async () => {
    const account = await openAccount();
    const phone = newPhone();
    const request = {
      phone,
      signName: account.sign_name,
      templateCode: RECEIPT,
      templateParam: receiptParams,
      outId: 'w',
    };
    const wrongSecret = await failure(transportFor(account, { accessKeySecret: 'x'.repeat(30) }).sendSms(request));
    expect({ code: wrongSecret.code, kind: wrongSecret.kind }).toEqual({
      code: 'SignatureDoesNotMatch',
      kind: 'final',
    });
    expect(wrongSecret.message).not.toContain('x'.repeat(30));
    const wrongId = await failure(transportFor(account, { accessKeyId: 'LTAI5tNoSuchKeyAtAll0000' }).sendSms(request));
    expect({ code: wrongId.code, kind: wrongId.kind }).toEqual({ code: 'InvalidAccessKeyId.NotFound', kind: 'final' });
    const mail = await failure(
      transportFor(account, { accessKeySecret: 'y'.repeat(30) }).sendEmail({
        to: 'a@example.com',
        subject: 's',
        textBody: 't',
        htmlBody: null,
      }),
    );
    expect(mail.code).toBe('SignatureDoesNotMatch');
    expect(await messagesTo(phone)).toEqual([]);
  });

  test('a tampered, unsigned or replayed request is refused, raw on the wire', async () => {
    const account = await openAccount();
    const phone = newPhone();
    const host = new URL(sandbox.url).host;
    const sign = (query: Record<string, string>, nonce: string) => {
      const headers: Record<string, string> = {
        host,
        'x-acs-action': 'SendSms',
        'x-acs-version': '2017-05-25',
        'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        'x-acs-signature-nonce': nonce,
        'x-acs-content-sha256': sha256Hex(''),
      };
      const signedHeaders = Object.keys(headers).sort();
      const signature = acs3Signature(
        account.access_key_secret,
        canonicalRequest({ method: 'POST', path: '/', query, headers, signedHeaders, payloadHash: sha256Hex('') }),
      );
      headers.authorization = `ACS3-HMAC-SHA256 Credential=${account.access_key_id},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`;
      return headers;
    };
    const query = {
      PhoneNumbers: phone,
      SignName: account.sign_name,
      TemplateCode: RECEIPT,
      TemplateParam: JSON.stringify(receiptParams),
    };
    const post = (q: Record<string, string>, headers: Record<string, string>) =>
      fetch(`${sandbox.url}/?${new URLSearchParams(q).toString()}`, { method: 'POST', headers });

    // Our own signer agrees with the SDK's: the untampered request is accepted.
    const genuine = await post(query, sign(query, `n-${Date.now()}-1`));
    expect(genuine.status).toBe(200);
    expect(await genuine.json()).toMatchObject({ Code: 'OK' });

    const tampered = await post({ ...query, PhoneNumbers: newPhone() }, sign(query, `n-${Date.now()}-2`));
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toMatchObject({ Code: 'SignatureDoesNotMatch', RequestId: expect.any(String) });

    const replayedHeaders = sign(query, `n-${Date.now()}-3`);
    expect((await post(query, replayedHeaders)).status).toBe(200);
    const replayed = await post(query, replayedHeaders);
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ Code: 'SignatureNonceUsed' });

    const unsigned = await post(query, { 'x-acs-action': 'SendSms', 'x-acs-version': '2017-05-25' });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ Code: 'IncompleteSignature' });

    expect(await messagesTo(phone)).toHaveLength(2);
  });

  test('the older generic @alicloud/openapi-client signs requests the sandbox accepts too', async () => {
    const account = await openAccount();
    const phone = newPhone();
    const client = new OpenApiClient(
      new $OpenApiClient.Config({
        accessKeyId: account.access_key_id,
        accessKeySecret: account.access_key_secret,
        endpoint: new URL(sandbox.url).host,
        protocol: 'http',
      }),
    );
    const params = new $OpenApiClient.Params({
      action: 'SendSms',
      version: '2017-05-25',
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'json',
      bodyType: 'json',
    });
    const request = new $OpenApiClient.OpenApiRequest({
      query: {
        PhoneNumbers: phone,
        SignName: account.sign_name,
        TemplateCode: 'SMS_900000005',
        TemplateParam: JSON.stringify({ code: '123456', minutes: '5' }),
      },
    });
    const response = (await client.callApi(params, request, {} as never)) as { body: Record<string, unknown> };
    expect(response.body).toMatchObject({ Code: 'OK', BizId: expect.stringMatching(/\^0$/) });
    expect((await messagesTo(phone))[0].body).toBe('【通宝支付】您的验证码为123456,5分钟内有效,请勿泄露于他人。');
  });

  test('the SDK default client (dysmsapi) is what the transport uses, on its own', async () => {
    const account = await openAccount();
    const client = new Dysmsapi(
      new $OpenApiUtil.Config({
        accessKeyId: account.access_key_id,
        accessKeySecret: account.access_key_secret,
        endpoint: account.sms_endpoint,
        protocol: account.protocol,
      }),
    );
    const phone = newPhone();
    const answer = await client.sendSms(
      new $Dysmsapi.SendSmsRequest({
        phoneNumbers: phone,
        signName: account.sign_name,
        templateCode: RECEIPT,
        templateParam: JSON.stringify(receiptParams),
      }),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toMatchObject({ code: 'OK', message: 'OK' });
  });
});

describe('faults', () => {
  test('a system error is retryable, throttling is throttled, then the send succeeds', async () => {
    const account = await openAccount();
    const transport = transportFor(account);
    const phone = newPhone();
    const request = {
      phone,
      signName: account.sign_name,
      templateCode: RECEIPT,
      templateParam: receiptParams,
      outId: 'f',
    };
    await sandbox.control('POST', '/_control/faults', {
      provider: 'aliyun',
      account: account.access_key_id,
      api: { fail: 'system_error', times: 1 },
    });
    const system = await failure(transport.sendSms(request));
    expect({ code: system.code, kind: system.kind }).toEqual({ code: 'isp.SYSTEM_ERROR', kind: 'retryable' });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'aliyun',
      account: account.access_key_id,
      api: { fail: 'throttling', times: 2 },
    });
    const throttled = await failure(transport.sendSms(request));
    expect({ code: throttled.code, kind: throttled.kind }).toEqual({
      code: 'isv.BUSINESS_LIMIT_CONTROL',
      kind: 'throttled',
    });
    const mailThrottled = await failure(
      transport.sendEmail({ to: 'b@example.com', subject: 's', textBody: 't', htmlBody: null }),
    );
    expect({ code: mailThrottled.code, kind: mailThrottled.kind }).toEqual({
      code: 'Throttling.User',
      kind: 'throttled',
    });
    await transport.sendSms(request);
    expect(await messagesTo(phone)).toHaveLength(1);
  });

  test('an HTTP 500 is retryable, and a slow answer still arrives', async () => {
    const account = await openAccount();
    const transport = transportFor(account);
    const phone = newPhone();
    const request = {
      phone,
      signName: account.sign_name,
      templateCode: RECEIPT,
      templateParam: receiptParams,
      outId: 'g',
    };
    await sandbox.control('POST', '/_control/faults', {
      provider: 'aliyun',
      account: account.access_key_id,
      api: { fail: 'http_500', times: 1 },
    });
    const down = await failure(transport.sendSms(request));
    expect(down.kind).toBe('retryable');
    await sandbox.control('POST', '/_control/faults', {
      provider: 'aliyun',
      account: account.access_key_id,
      api: { slow_ms: 600 },
    });
    const started = Date.now();
    await transport.sendSms(request);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });
});
