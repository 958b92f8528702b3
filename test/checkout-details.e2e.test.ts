import { SAVE_DETAILS_CONSENT_VERSION } from '../domain/checkout-details';
import { queryDb } from './db';
import { apiFetch, createTestMerchant, eventually, sandboxControl, testStack } from './stack';

// The hosted checkout's "receipt and saved details" (issue 12, section 4), through the API the
// page's server calls, the real PostgreSQL, the message workflow and the sandbox's SMS inbox.

interface ApiError {
  error: { type: string; code: string; param: string | null };
}

interface SessionPayment {
  id: string;
  status: string;
}

interface Verification {
  id: string;
  object: string;
  status: string;
  masked_details: { phone: string; email: string | null; name: string | null; has_shipping_address: boolean };
  expires_at: string;
}

interface Verified {
  status: string;
  details: {
    phone: string | null;
    email: string | null;
    name: string | null;
    shipping_address: Record<string, string> | null;
  };
}

const URLS = { success_url: 'https://shop.example/thanks', cancel_url: 'https://shop.example/cart' };
const SHOPPER_IP = '203.0.113.7';
const CONSENT_TEXT = 'Save my mobile number, email and name with Tea House for next time.';

/** A mainland mobile of this run's own: the limits count per phone, and the sandbox's inbox is shared. */
function newMobile(): string {
  return `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}
const e164 = (mobile: string) => `+86${mobile}`;

/** What the page's server calls: the public checkout routes, no key. */
async function page<T>(
  path: string,
  body?: unknown,
): Promise<{ status: number; retryAfter: string | null; body: T & ApiError }> {
  const response = await fetch(`${testStack().api_url}/checkout${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as T & ApiError,
  };
}

async function newSession(key: string, body: Record<string, unknown> = {}): Promise<string> {
  const created = await apiFetch<{ id: string }>(key, 'POST', '/v1/checkout/sessions', {
    currency: 'CNY',
    line_items: [{ name: 'Longjing tea', quantity: 1, unit_amount: 2599 }],
    allowed_channels: ['alipay_qr', 'wechat_native'],
    save_customer: 'optional',
    ...URLS,
    ...body,
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

function pay(sessionId: string, details?: Record<string, unknown>, channel = 'alipay_qr') {
  return page<{ payment: SessionPayment }>(`/sessions/${sessionId}/payments`, {
    channel,
    ...(details ? { details: { locale: 'en-US', ...details }, shopper_ip: SHOPPER_IP } : {}),
  });
}

const saving = (mobile: string, more: Record<string, unknown> = {}) => ({
  phone: mobile,
  receipt: false,
  save: true,
  consent_text: CONSENT_TEXT,
  consent_version: SAVE_DETAILS_CONSENT_VERSION,
  ...more,
});

function startVerification(sessionId: string, mobile: string, shopperIp = SHOPPER_IP) {
  return page<Verification>(`/sessions/${sessionId}/customer_verifications`, {
    phone: mobile,
    locale: 'zh-CN',
    shopper_ip: shopperIp,
  });
}

function verify(sessionId: string, verificationId: string, code: string) {
  return page<Verified>(`/sessions/${sessionId}/customer_verifications/${verificationId}/verify`, { code });
}

/** The code as the shopper reads it: the newest SMS the sandbox received for the phone. */
async function smsCode(mobile: string, after: string[] = []): Promise<string> {
  return eventually(
    async () => {
      const inbox = await sandboxControl<{ data: { body: string }[] }>(
        'GET',
        `/_control/messages?to=${encodeURIComponent(e164(mobile))}&channel=sms`,
      );
      expect(inbox.status).toBe(200);
      const code = /\b(\d{6})\b/.exec(inbox.body.data[0]?.body ?? '')?.[1];
      expect(code).toBeDefined();
      expect(after).not.toContain(code);
      return code!;
    },
    { timeoutMs: 30_000 },
  );
}

async function customersWithPhone(merchantId: string, mobile: string) {
  return queryDb<{ id: string; merchant_id: string; livemode: boolean; email: string | null; name: string | null }>(
    `select id, merchant_id, livemode, email, name from customers where merchant_id = $1 and phone = $2`,
    [merchantId, e164(mobile)],
  );
}

async function paymentRow(id: string) {
  const [row] = await queryDb<{
    customer_id: string | null;
    receipt_email: string | null;
    receipt_phone: string | null;
    receipt_locale: string | null;
  }>(`select customer_id, receipt_email, receipt_phone, receipt_locale from payments where id = $1`, [id]);
  return row;
}

async function consentsOf(sessionId: string) {
  return queryDb<{
    customer_id: string;
    purpose: string;
    text_version: string;
    text: string;
    locale: string;
    ip: string | null;
    granted_at: Date;
  }>(`select * from customer_consents where checkout_session_id = $1 order by granted_at`, [sessionId]);
}

let key: string;
let merchantId: string;

beforeAll(async () => {
  ({ secretKey: key, merchantId } = await createTestMerchant('Tea House'));
});

describe('the receipt and save choices of the hosted checkout', () => {
  test('both unticked: nothing typed is stored, no customer, no consent, no receipt contact', async () => {
    const sessionId = await newSession(key);
    const mobile = newMobile();
    const paid = await pay(sessionId, {
      phone: mobile,
      email: 'li.wei@qq.com',
      name: '李伟',
      receipt: false,
      save: false,
    });
    expect(paid.status).toBe(201);

    expect(await customersWithPhone(merchantId, mobile)).toEqual([]);
    expect(await consentsOf(sessionId)).toEqual([]);
    expect(await paymentRow(paid.body.payment.id)).toEqual({
      customer_id: null,
      receipt_email: null,
      receipt_phone: null,
      receipt_locale: null,
    });
    const session = await apiFetch<{ customer: string | null }>(key, 'GET', `/v1/checkout/sessions/${sessionId}`);
    expect(session.body.customer).toBeNull();
  });

  test('receipt only: the contact goes on the payment, in the page’s language, and no customer is made', async () => {
    const sessionId = await newSession(key);
    const mobile = newMobile();
    const paid = await pay(sessionId, { phone: mobile, email: ' Li.Wei@QQ.com', receipt: true, save: false });
    expect(paid.status).toBe(201);

    expect(await paymentRow(paid.body.payment.id)).toEqual({
      customer_id: null,
      receipt_email: 'li.wei@qq.com',
      receipt_phone: e164(mobile),
      receipt_locale: 'en-US',
    });
    expect(await customersWithPhone(merchantId, mobile)).toEqual([]);
    expect(await consentsOf(sessionId)).toEqual([]);
  });

  test('once paid, the receipt reaches the contact the shopper gave, in the page’s language, by e-mail and SMS', async () => {
    const sessionId = await newSession(key);
    const mobile = newMobile();
    // No hyphen: the sandbox's `?to=` filter drops hyphens from e-mail addresses too (aliyun.routes.ts).
    const email = `receipt.${mobile}@shop.example`;
    const paid = await pay(sessionId, { phone: mobile, email, receipt: true, save: false });
    expect(paid.status).toBe(201);
    const { out_trade_no } = (
      await apiFetch<{ out_trade_no: string }>(key, 'GET', `/v1/payments/${paid.body.payment.id}`)
    ).body;
    const shopperPaid = await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no,
      outcome: 'success',
    });
    expect(shopperPaid.status).toBe(200);

    for (const to of [email, e164(mobile)]) {
      const [receipt] = await eventually(
        async () => {
          const inbox = await sandboxControl<{ data: { body: string; subject?: string }[] }>(
            'GET',
            `/_control/messages?to=${encodeURIComponent(to)}`,
          );
          expect(inbox.body.data).toHaveLength(1);
          return inbox.body.data;
        },
        { timeoutMs: 30_000 },
      );
      expect(receipt.body).toContain('Tea House');
      expect(receipt.body).toMatch(/Your payment/);
    }
  });

  test('saving makes the merchant’s customer, records the consent, and the session’s payments name it', async () => {
    const sessionId = await newSession(key);
    const mobile = newMobile();
    const before = new Date();
    const paid = await pay(
      sessionId,
      saving(`${mobile.slice(0, 3)} ${mobile.slice(3, 7)} ${mobile.slice(7)}`, {
        email: 'Ann@Shop.Example',
        name: 'Ann Lee',
      }),
    );
    expect(paid.status).toBe(201);

    const [customer, ...others] = await customersWithPhone(merchantId, mobile);
    expect(others).toEqual([]);
    expect(customer).toMatchObject({
      merchant_id: merchantId,
      livemode: false,
      email: 'ann@shop.example',
      name: 'Ann Lee',
    });
    const read = await apiFetch<{ phone: string; locale: string }>(key, 'GET', `/v1/customers/${customer.id}`);
    expect(read.body).toMatchObject({ phone: e164(mobile), locale: 'en-US' });

    const [consent, ...more] = await consentsOf(sessionId);
    expect(more).toEqual([]);
    expect(consent).toMatchObject({
      customer_id: customer.id,
      purpose: 'save_details',
      text_version: SAVE_DETAILS_CONSENT_VERSION,
      text: CONSENT_TEXT,
      locale: 'en-US',
      ip: SHOPPER_IP,
    });
    expect(consent.granted_at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);

    // Saving is not a receipt: the payment names the customer and has no receipt contact of its own.
    expect(await paymentRow(paid.body.payment.id)).toMatchObject({ customer_id: customer.id, receipt_email: null });
    const session = await apiFetch<{ customer: string }>(key, 'GET', `/v1/checkout/sessions/${sessionId}`);
    expect(session.body.customer).toBe(customer.id);
    // Another channel on the same page: a new payment, the same customer, and the save may be repeated.
    const again = await pay(sessionId, saving(mobile), 'wechat_native');
    expect(again.status).toBe(201);
    expect((await paymentRow(again.body.payment.id)).customer_id).toBe(customer.id);
    expect(await customersWithPhone(merchantId, mobile)).toHaveLength(1);
  });

  test('a phone saved before cannot be saved again without its SMS code: nothing is changed', async () => {
    const mobile = newMobile();
    expect((await pay(await newSession(key), saving(mobile, { email: 'owner@shop.example' }))).status).toBe(201);

    const stranger = await newSession(key);
    const refused = await pay(stranger, saving(mobile, { email: 'stranger@evil.example' }));
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'customer_verification_required', param: 'details[phone]' });
    const [customer] = await customersWithPhone(merchantId, mobile);
    expect(customer.email).toBe('owner@shop.example');
    expect(await consentsOf(stranger)).toEqual([]);
    const session = await apiFetch<{ customer: string | null; payment: string | null }>(
      key,
      'GET',
      `/v1/checkout/sessions/${stranger}`,
    );
    expect(session.body).toMatchObject({ customer: null, payment: null });
  });

  test('a session created with its customer keeps it: the receipt is offered, saving is not', async () => {
    const customer = await apiFetch<{ id: string }>(key, 'POST', '/v1/customers', { email: 'known@shop.example' });
    const sessionId = await newSession(key, { customer: customer.body.id });
    expect((await page<{ details_offer: string }>(`/sessions/${sessionId}`)).body.details_offer).toBe('receipt');

    const refused = await pay(sessionId, saving(newMobile()));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'customer_already_set', param: 'details[save]' });
    const paid = await pay(sessionId, { email: 'gift@shop.example', receipt: true, save: false });
    expect(paid.status).toBe(201);
    expect(await paymentRow(paid.body.payment.id)).toMatchObject({
      customer_id: customer.body.id,
      receipt_email: 'gift@shop.example',
    });
  });

  test('bad details are refused naming the field, and a session that does not offer them refuses them', async () => {
    const sessionId = await newSession(key);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ receipt: true, save: false }, 'parameter_missing', 'details[email]'],
      [
        {
          email: 'a@shop.example',
          receipt: false,
          save: true,
          consent_text: CONSENT_TEXT,
          consent_version: SAVE_DETAILS_CONSENT_VERSION,
        },
        'parameter_missing',
        'details[phone]',
      ],
      [
        saving(newMobile(), { consent_version: 'save_details.2020-01-01' }),
        'consent_version_unknown',
        'details[consent_version]',
      ],
      [saving(newMobile(), { consent_text: undefined }), 'parameter_missing', 'details[consent_text]'],
      [{ phone: '12345', receipt: true, save: false }, 'parameter_invalid', 'details[phone]'],
      [{ email: 'not an address', receipt: true, save: false }, 'parameter_invalid', 'details[email]'],
    ];
    for (const [details, code, param] of cases) {
      const refused = await pay(sessionId, details);
      expect({ status: refused.status, ...refused.body.error }).toMatchObject({ status: 400, code, param });
    }
    const never = await newSession(key, { save_customer: 'never' });
    expect((await page<{ details_offer: string }>(`/sessions/${never}`)).body.details_offer).toBe('none');
    const refused = await pay(never, { email: 'a@shop.example', receipt: true, save: false });
    expect(refused.body.error).toMatchObject({ code: 'details_not_offered', param: 'details' });
    expect((await startVerification(never, newMobile())).body.error).toMatchObject({ code: 'details_not_offered' });
  });
});

describe('a returning shopper', () => {
  test('gets an SMS code, sees the details masked, and once verified finds them in full; saving again updates the same customer', async () => {
    const mobile = newMobile();
    const saved = await apiFetch<{ id: string }>(key, 'POST', '/v1/customers', {
      phone: mobile,
      email: 'li.wei@qq.com',
      name: '李伟',
      shipping_address: { line1: '南京东路 100 号', city: '上海', country: 'CN' },
    });
    expect(saved.status).toBe(201);

    const sessionId = await newSession(key);
    const started = await startVerification(sessionId, mobile);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      object: 'customer_verification',
      status: 'pending',
      masked_details: {
        phone: `+86 ${mobile.slice(0, 3)}****${mobile.slice(7)}`,
        email: 'l***@qq.com',
        name: '李*',
        has_shipping_address: true,
      },
    });
    expect(started.body.id).toMatch(/^cver_/);
    expect(JSON.stringify(started.body)).not.toContain(mobile);

    const code = await smsCode(mobile);
    // The code is kept only as an HMAC; the message names the verification and the customer.
    const [row] = await queryDb<{ code_hmac: string; message_id: string }>(
      `select code_hmac, message_id from customer_verifications where id = $1`,
      [started.body.id],
    );
    expect(row.code_hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(row.code_hmac).not.toContain(code);
    const [message] = await queryDb<{ template: string; object_id: string; customer_id: string; locale: string }>(
      `select template, object_id, customer_id, locale from messages where id = $1`,
      [row.message_id],
    );
    expect(message).toEqual({
      template: 'verification_code',
      object_id: started.body.id,
      customer_id: saved.body.id,
      locale: 'zh-CN',
    });

    const wrong = await verify(sessionId, started.body.id, code === '000000' ? '000001' : '000000');
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'verification_code_incorrect', param: 'code' });

    const verified = await verify(sessionId, started.body.id, code);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({
      status: 'verified',
      details: {
        phone: e164(mobile),
        email: 'li.wei@qq.com',
        name: '李伟',
        shipping_address: { line1: '南京东路 100 号', city: '上海', country: 'CN' },
      },
    });
    // The code does not open another session's verification.
    const otherSession = await newSession(key);
    expect((await verify(otherSession, started.body.id, code)).status).toBe(404);

    const paid = await pay(sessionId, saving(mobile, { email: 'li.wei@163.com', verification: started.body.id }));
    expect(paid.status).toBe(201);
    expect(await customersWithPhone(merchantId, mobile)).toEqual([
      expect.objectContaining({ id: saved.body.id, email: 'li.wei@163.com', name: '李伟' }),
    ]);
    expect((await paymentRow(paid.body.payment.id)).customer_id).toBe(saved.body.id);
    expect(await consentsOf(sessionId)).toEqual([expect.objectContaining({ customer_id: saved.body.id })]);
  });

  test('erasing the customer leaves the consent without its IP address, and no verification of theirs', async () => {
    const mobile = newMobile();
    const sessionId = await newSession(key);
    const paid = await pay(sessionId, saving(mobile));
    expect(paid.status).toBe(201);
    const customerId = (await paymentRow(paid.body.payment.id)).customer_id as string;
    expect((await startVerification(await newSession(key), mobile)).status).toBe(201);
    expect((await consentsOf(sessionId))[0]).toMatchObject({ customer_id: customerId, ip: expect.any(String) });

    expect((await apiFetch(key, 'DELETE', `/v1/customers/${customerId}`)).status).toBe(200);
    expect((await consentsOf(sessionId))[0]).toMatchObject({ customer_id: customerId, ip: null });
    expect(await queryDb(`select id from customer_verifications where customer_id = $1`, [customerId])).toEqual([]);
  });

  test('five wrong codes spend the verification: even the right code is refused then', async () => {
    const mobile = newMobile();
    await apiFetch(key, 'POST', '/v1/customers', { phone: mobile });
    const sessionId = await newSession(key);
    const started = await startVerification(sessionId, mobile);
    const code = await smsCode(mobile);
    const wrongCode = code === '999999' ? '999998' : '999999';
    for (let attempt = 1; attempt <= 5; attempt++) {
      const wrong = await verify(sessionId, started.body.id, wrongCode);
      expect(wrong.body.error.code).toBe('verification_code_incorrect');
    }
    const spent = await verify(sessionId, started.body.id, code);
    expect(spent.status).toBe(400);
    expect(spent.body.error).toMatchObject({ code: 'verification_attempts_exceeded', param: 'code' });
  });

  test('an expired code is refused', async () => {
    const mobile = newMobile();
    await apiFetch(key, 'POST', '/v1/customers', { phone: mobile });
    const sessionId = await newSession(key);
    const started = await startVerification(sessionId, mobile);
    expect(new Date(started.body.expires_at).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    const code = await smsCode(mobile);
    // Ten minutes pass.
    await queryDb(`update customer_verifications set expires_at = now() - interval '1 second' where id = $1`, [
      started.body.id,
    ]);
    const expired = await verify(sessionId, started.body.id, code);
    expect(expired.status).toBe(400);
    expect(expired.body.error).toMatchObject({ code: 'verification_code_expired', param: 'code' });
  });

  test('sends are limited per session, per phone and per IP address, each refusal naming its limit', async () => {
    const saved = async () => {
      const mobile = newMobile();
      expect((await apiFetch(key, 'POST', '/v1/customers', { phone: mobile })).status).toBe(201);
      return mobile;
    };

    // Per session: 5 codes, whichever phones they go to.
    const busy = await newSession(key);
    for (let i = 0; i < 5; i++)
      expect((await startVerification(busy, await saved(), `198.51.100.${i}`)).status).toBe(201);
    const perSession = await startVerification(busy, await saved(), '198.51.100.9');
    expect(perSession.status).toBe(429);
    expect(perSession.body.error).toMatchObject({ type: 'rate_limit_error', code: 'verification_limit_session' });

    // Per phone: 5 codes an hour, whichever sessions and addresses ask.
    const mobile = await saved();
    for (let i = 0; i < 5; i++)
      expect((await startVerification(await newSession(key), mobile, `198.51.101.${i}`)).status).toBe(201);
    const perPhone = await startVerification(await newSession(key), mobile, '198.51.101.9');
    expect(perPhone.status).toBe(429);
    expect(perPhone.body.error).toMatchObject({ code: 'verification_limit_phone', param: 'phone' });
    // Until the oldest of the five is an hour old.
    expect(Number(perPhone.retryAfter)).toBeGreaterThan(3500);

    // Per IP address: 20 codes in the last hour from it, to other phones and sessions.
    const ip = '192.0.2.44';
    const [customer] = await customersWithPhone(merchantId, mobile);
    // Written here rather than sent: twenty SMS would only slow the story down.
    await queryDb(
      `insert into customer_verifications (id, merchant_id, livemode, checkout_session_id, customer_id, phone_hmac, code_hmac, ip, expires_at)
       select $5 || n, $1, false, $2, $3, md5(n::text), md5(n::text), $4, now() from generate_series(1, 20) n`,
      [merchantId, busy, customer.id, ip, `cver_ip${Date.now()}x`],
    );
    const other = newMobile();
    await apiFetch(key, 'POST', '/v1/customers', { phone: other });
    const perIp = await startVerification(await newSession(key), other, ip);
    expect(perIp.status).toBe(429);
    expect(perIp.body.error).toMatchObject({ code: 'verification_limit_ip' });
    // Another address still gets its code.
    expect((await startVerification(await newSession(key), other, '192.0.2.45')).status).toBe(201);
  });

  test('never finds a customer of another merchant: the phone reads as unknown, and saving makes one of this merchant', async () => {
    const mobile = newMobile();
    const { secretKey: otherKey, merchantId: otherMerchant } = await createTestMerchant();
    const theirs = await apiFetch<{ id: string }>(otherKey, 'POST', '/v1/customers', {
      phone: mobile,
      email: 'theirs@other.example',
    });

    const sessionId = await newSession(key);
    const lookup = await startVerification(sessionId, mobile);
    expect(lookup.status).toBe(404);
    expect(lookup.body.error).toMatchObject({ code: 'saved_details_not_found', param: 'phone' });

    expect((await pay(sessionId, saving(mobile))).status).toBe(201);
    const [ours] = await customersWithPhone(merchantId, mobile);
    expect(ours.id).not.toBe(theirs.body.id);
    expect(await customersWithPhone(otherMerchant, mobile)).toEqual([
      expect.objectContaining({ id: theirs.body.id, email: 'theirs@other.example' }),
    ]);
  });
});
