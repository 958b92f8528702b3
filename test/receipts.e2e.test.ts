import { paymentWorkflowId } from '../domain/workflow-ids';
import { openStackActivities, type StackActivities } from './activities';
import { queryDb } from './db';
import { adminFetch, apiFetch, createTestMerchant, eventually, sandboxControl } from './stack';

// Stories of receipts (issue 12): a paid payment's and a refund's receipt reach the shopper by
// e-mail and SMS, through the message workflow, Aliyun's SDKs and the sandbox's SMS and Direct Mail.

interface InboxMessage {
  id: string;
  channel: 'sms' | 'email';
  to: string;
  sign_name?: string;
  template_code?: string;
  subject?: string;
  body: string;
  status: string;
}

interface SandboxAliyunAccount {
  access_key_id: string;
  access_key_secret: string;
  sign_name: string;
  sender_address: string;
  from_alias: string;
}

interface MessageRow extends Record<string, unknown> {
  id: string;
  template: string;
  channel: string;
  recipient: string | null;
  locale: string;
  status: string;
  body: string | null;
  failure_code: string | null;
  failure_message: string | null;
  attempt_count: number;
}

interface AttemptRow extends Record<string, unknown> {
  number: number;
  outcome: string;
  code: string;
}

let sequence = 0;
/** A mainland mobile number no other test uses: the sandbox limits SMS per number. */
function freshPhone(): string {
  return `+86139${String(process.pid % 10_000).padStart(4, '0')}${String(++sequence).padStart(4, '0')}`;
}
const freshEmail = () => `shopper-${process.pid}-${++sequence}@example.cn`;

async function inbox(to: string): Promise<InboxMessage[]> {
  const answer = await sandboxControl<{ data: InboxMessage[] }>(
    'GET',
    `/_control/messages?to=${encodeURIComponent(to)}`,
  );
  expect(answer.status).toBe(200);
  return answer.body.data;
}

const messagesAbout = (objectId: string) =>
  queryDb<MessageRow>(`select * from messages where object_id = $1 order by channel`, [objectId]);

/** Opens an Aliyun account at the sandbox and makes it the merchant's own; `secret` replaces its AccessKey secret. */
async function giveMerchantAliyunAccount(merchantId: string, secret?: string): Promise<string> {
  const opened = await sandboxControl<SandboxAliyunAccount>('POST', '/_control/accounts', {
    provider: 'aliyun',
    sign_name: '测试商店',
  });
  expect(opened.status).toBe(201);
  const added = await adminFetch('POST', '/v1/admin/message_accounts', {
    merchant: merchantId,
    access_key_id: opened.body.access_key_id,
    access_key_secret: secret ?? opened.body.access_key_secret,
    sign_name: opened.body.sign_name,
    sender_address: opened.body.sender_address,
    from_alias: opened.body.from_alias,
  });
  expect(added.status).toBe(201);
  return opened.body.access_key_id;
}

async function paidPayment(key: string, body: Record<string, unknown>): Promise<{ id: string; out_trade_no: string }> {
  return pay(await unpaidPayment(key, body));
}

async function unpaidPayment(
  key: string,
  body: Record<string, unknown>,
): Promise<{ id: string; out_trade_no: string }> {
  const created = await apiFetch<{ id: string; out_trade_no: string }>(key, 'POST', '/v1/payments', {
    amount: 1999,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Tea set',
    merchant_order_no: `TEA-${process.pid}-${++sequence}`,
    ...body,
  });
  expect(created.status).toBe(201);
  return created.body;
}

async function pay<T extends { out_trade_no: string }>(payment: T): Promise<T> {
  const paid = await sandboxControl('POST', '/_control/pay', {
    provider: 'alipay',
    out_trade_no: payment.out_trade_no,
    outcome: 'success',
  });
  expect(paid.status).toBe(200);
  return payment;
}

async function createCustomer(key: string, body: Record<string, unknown>): Promise<string> {
  const created = await apiFetch<{ id: string }>(key, 'POST', '/v1/customers', body);
  expect(created.status).toBe(201);
  return created.body.id;
}

describe('receipts', () => {
  let key: string;
  let stack: StackActivities;

  beforeAll(async () => {
    ({ secretKey: key } = await createTestMerchant('茶叶小铺'));
    stack = await openStackActivities('receipts-test');
  });

  afterAll(() => stack?.close());

  /** The payment's workflow has ended: its last transition, and the dispatch of its event, are done. */
  const settled = (paymentId: string) => stack.temporal.workflow.getHandle(paymentWorkflowId(paymentId)).result();

  test('a paid payment sends its customer a receipt by e-mail and SMS, in Chinese by default', async () => {
    const email = freshEmail();
    const phone = freshPhone();
    const customer = await createCustomer(key, { email, phone, name: '李伟' });
    const payment = await paidPayment(key, { customer });

    const rows = await eventually(
      async () => {
        const found = await messagesAbout(payment.id);
        expect(found.map((row) => [row.channel, row.status])).toEqual([
          ['email', 'delivered'],
          ['sms', 'delivered'],
        ]);
        return found;
      },
      { timeoutMs: 30_000 },
    );
    expect(rows.every((row) => row.template === 'payment_receipt' && row.locale === 'zh-CN')).toBe(true);

    const [mail] = await inbox(email);
    expect(mail).toMatchObject({ channel: 'email', to: email, subject: '茶叶小铺 付款成功 ¥19.99' });
    expect(mail.body).toContain(payment.id);
    const [sms] = await inbox(phone);
    expect(sms).toMatchObject({ channel: 'sms', template_code: 'SMS_900000001' });
    expect(sms.body).toContain('您在茶叶小铺的付款¥19.99已成功');

    // The event dispatched again, as a retried activity would: the same two messages, nothing resent.
    const [{ id: eventId }] = await queryDb<{ id: string }>(
      `select id from events where object_id = $1 and type = 'payment.succeeded'`,
      [payment.id],
    );
    await stack.activities.dispatchEvent({ eventId });
    expect((await messagesAbout(payment.id)).map((row) => row.id)).toEqual(rows.map((row) => row.id));
    expect(await inbox(email)).toHaveLength(1);
    expect(await inbox(phone)).toHaveLength(1);
  });

  test('an en-US customer gets the receipt in English, and a refund sends a refund receipt', async () => {
    const email = freshEmail();
    const phone = freshPhone();
    const customer = await createCustomer(key, { email, phone, locale: 'en-US' });
    const payment = await paidPayment(key, { customer });
    await eventually(
      async () =>
        expect((await messagesAbout(payment.id)).map((row) => row.status)).toEqual(['delivered', 'delivered']),
      {
        timeoutMs: 30_000,
      },
    );
    const [mail] = await inbox(email);
    expect(mail.subject).toBe('Your receipt from 茶叶小铺: ¥19.99');
    expect((await inbox(phone))[0].body).toContain('Your payment of ¥19.99 to 茶叶小铺 succeeded.');

    const refund = await apiFetch<{ id: string }>(key, 'POST', '/v1/refunds', { payment: payment.id, amount: 500 });
    expect(refund.status).toBe(201);
    await eventually(
      async () =>
        expect((await messagesAbout(refund.body.id)).map((row) => [row.template, row.status])).toEqual([
          ['refund_receipt', 'delivered'],
          ['refund_receipt', 'delivered'],
        ]),
      { timeoutMs: 30_000 },
    );
    expect((await inbox(email))[0].subject).toBe('茶叶小铺 refunded ¥5.00');
    expect((await inbox(phone))[0].body).toContain('茶叶小铺 refunded ¥5.00 for order');
  });

  test('a payment without a customer or a receipt contact sends nothing, and an erased customer gets nothing', async () => {
    const quiet = await paidPayment(key, {});
    const email = freshEmail();
    const customer = await createCustomer(key, { email });
    // Named while the customer existed, paid after the erasure.
    const named = await unpaidPayment(key, { customer });
    expect((await apiFetch(key, 'DELETE', `/v1/customers/${customer}`)).status).toBe(200);
    await pay(named);
    await Promise.all([settled(quiet.id), settled(named.id)]);
    expect(await messagesAbout(quiet.id)).toEqual([]);
    expect(await messagesAbout(named.id)).toEqual([]);
    expect(await inbox(email)).toEqual([]);
  });
});

describe('sending through Aliyun when it pushes back', () => {
  test('the sandbox throttles the first send: the SMS is sent again after a backoff, and arrives once', async () => {
    const { secretKey: key, merchantId } = await createTestMerchant();
    const accessKeyId = await giveMerchantAliyunAccount(merchantId);
    const fault = await sandboxControl('POST', '/_control/faults', {
      provider: 'aliyun',
      account: accessKeyId,
      api: { fail: 'throttling', methods: ['SendSms'], times: 1 },
    });
    expect(fault.status).toBe(201);
    const phone = freshPhone();
    const payment = await paidPayment(key, { customer: await createCustomer(key, { phone }) });

    const [message] = await eventually(
      async () => {
        const rows = await messagesAbout(payment.id);
        expect(rows.map((row) => row.status)).toEqual(['delivered']);
        return rows;
      },
      { timeoutMs: 30_000 },
    );
    const attempts = await queryDb<AttemptRow>(
      `select number, outcome, code from message_attempts where message_id = $1 order by number`,
      [message.id],
    );
    expect(attempts).toEqual([
      { number: 1, outcome: 'throttled', code: 'isv.BUSINESS_LIMIT_CONTROL' },
      { number: 2, outcome: 'sent', code: 'OK' },
    ]);
    expect(await inbox(phone)).toHaveLength(1);
  });

  test('a wrong AccessKey secret is refused by the sandbox, and the message ends failed with the reason', async () => {
    const { secretKey: key, merchantId } = await createTestMerchant();
    await giveMerchantAliyunAccount(merchantId, 'not-the-secret-aliyun-gave-us-000');
    const email = freshEmail();
    const payment = await paidPayment(key, { customer: await createCustomer(key, { email }) });

    const [message] = await eventually(
      async () => {
        const rows = await messagesAbout(payment.id);
        expect(rows.map((row) => row.status)).toEqual(['failed']);
        return rows;
      },
      { timeoutMs: 30_000 },
    );
    expect(message.failure_code).toBe('SignatureDoesNotMatch');
    expect(message.failure_message).toMatch(/signature/i);
    expect(message.attempt_count).toBe(1);
    expect(await inbox(email)).toEqual([]);
  });
});

describe('the Aliyun accounts that send (admin API)', () => {
  test('an account is added with its secret sealed and never shown; a second for the same owner and mode is refused', async () => {
    const { merchantId } = await createTestMerchant();
    const body = {
      merchant: merchantId,
      access_key_id: 'LTAI5tSealedKey01',
      access_key_secret: 'the-secret-that-must-not-show-0001',
      sign_name: '茶叶小铺',
      sender_address: 'no-reply@shop.example.cn',
    };
    const added = await adminFetch<Record<string, unknown>>('POST', '/v1/admin/message_accounts', body);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      object: 'message_account',
      merchant: merchantId,
      livemode: false,
      access_key_id: body.access_key_id,
      from_alias: null,
    });
    expect(added.text).not.toContain(body.access_key_secret);
    const listed = await adminFetch<{ data: Record<string, unknown>[] }>('GET', '/v1/admin/message_accounts');
    expect(listed.body.data.find((account) => account.id === added.body.id)).toEqual(added.body);
    expect(listed.text).not.toContain(body.access_key_secret);
    const [stored] = await queryDb<{ credentials_encrypted: string }>(
      `select credentials_encrypted from message_accounts where id = $1`,
      [added.body.id],
    );
    expect(stored.credentials_encrypted).toMatch(/^v1\./);
    expect(stored.credentials_encrypted).not.toContain('the-secret');

    expect((await adminFetch('POST', '/v1/admin/message_accounts', body)).status).toBe(409);
    const rotated = await adminFetch<Record<string, unknown>>('POST', `/v1/admin/message_accounts/${added.body.id}`, {
      ...body,
      merchant: undefined,
      access_key_secret: 'a-rotated-secret-0002',
      sign_name: '茶叶小铺二店',
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.sign_name).toBe('茶叶小铺二店');
  });

  test('bad input is refused naming the field, and an unknown merchant is 404', async () => {
    const base = {
      access_key_id: 'LTAI5tAnother01',
      access_key_secret: 'x'.repeat(30),
      sign_name: '商店',
      sender_address: 'a@b.cn',
    };
    const badEmail = await adminFetch<{ error: { param: string } }>('POST', '/v1/admin/message_accounts', {
      ...base,
      sender_address: 'nope',
    });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.error.param).toBe('sender_address');
    const unknown = await adminFetch<{ error: { param: string } }>('POST', '/v1/admin/message_accounts', {
      ...base,
      merchant: 'mer_doesNotExist',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.param).toBe('merchant');
  });
});

describe('alerts to the platform operators', () => {
  test('a refund the provider will not take reaches requires_attention, and the operators get an e-mail naming it', async () => {
    const { secretKey: key } = await createTestMerchant('报警测试店');
    const created = await apiFetch<{ id: string; out_trade_no: string }>(key, 'POST', '/v1/payments', {
      amount: 3000,
      currency: 'CNY',
      channel: 'wechat_native',
      description: 'Stuck refund',
    });
    expect(created.status).toBe(201);
    const payment = created.body;
    await sandboxControl('POST', '/_control/pay', {
      provider: 'wechatpay',
      out_trade_no: payment.out_trade_no,
      outcome: 'success',
    });
    await eventually(async () =>
      expect((await apiFetch<{ status: string }>(key, 'GET', `/v1/payments/${payment.id}`)).body.status).toBe(
        'succeeded',
      ),
    );
    const fault = await sandboxControl('POST', '/_control/faults', {
      provider: 'wechatpay',
      out_trade_no: payment.out_trade_no,
      api: { fail: 'system_error', methods: ['POST /v3/refund/domestic/refunds'] },
    });
    expect(fault.status).toBe(201);
    const refund = await apiFetch<{ id: string; status: string }>(key, 'POST', '/v1/refunds', { payment: payment.id });
    expect([201, 503]).toContain(refund.status);
    const refundId =
      refund.status === 201
        ? refund.body.id
        : (await queryDb<{ id: string }>(`select id from refunds where payment_id = $1`, [payment.id]))[0].id;

    // TONGBAO_ALERT_TO of the test stack (scripts/lib/config.mjs).
    const operator = 'ops@tongbao.test';
    const alert = await eventually(
      async () => {
        const found = (await inbox(operator)).find((mail) => mail.subject?.includes(refundId));
        expect(found).toBeDefined();
        return found!;
      },
      { timeoutMs: 60_000 },
    );
    expect(alert.subject).toMatch(/^告警:退款 re_\w+ 已卡住 \d+ 小时$/);
    expect(alert.body).toContain('报警测试店');
    expect(alert.body).toContain(`/admin/refunds/${refundId}`);
    const [message] = await queryDb<MessageRow>(
      `select * from messages where template = 'stuck_refund_alert' and body like $1`,
      [`%${refundId}%`],
    );
    expect(message).toMatchObject({ recipient: operator, status: 'delivered', locale: 'zh-CN' });
  });
});
