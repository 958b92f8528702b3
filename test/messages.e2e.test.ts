import { randomInt } from 'node:crypto';
import { queryDb } from './db';
import { adminFetch, eventually, sandboxControl } from './stack';

// Stories of the message log support staff read (GET /v1/admin/messages): what was sent, to whom,
// how it went, and never a code in clear.

interface MessageBody {
  id: string;
  object: string;
  merchant: string | null;
  livemode: boolean;
  template: string;
  channel: string;
  to: string | null;
  locale: string;
  object_id: string;
  customer: string | null;
  subject: string | null;
  body: string | null;
  status: string;
  failure_code: string | null;
  failure_message: string | null;
  attempt_count: number;
  sent_at: string | null;
  delivered_at: string | null;
  attempts?: { number: number; outcome: string; code: string; request_id: string | null; latency_ms: number }[];
}

interface ListBody<T> {
  data: T[];
  has_more: boolean;
}

interface InboxMessage {
  to: string;
  body: string;
  template_code?: string;
  template_param?: Record<string, string>;
}

interface ErrorBody {
  error: { type: string; code: string; message: string; param: string | null };
}

/** A mainland mobile number of this test's own: the sandbox allows one SMS a minute per number. */
const newPhone = () => `+86139${String(randomInt(100_000_000)).padStart(8, '0')}`;

async function templateId(code: string, channel: string, locale: string): Promise<string> {
  const listed = await adminFetch<ListBody<{ id: string }>>(
    'GET',
    `/v1/admin/templates?code=${code}&channel=${channel}&locale=${locale}`,
  );
  expect(listed.body.data).toHaveLength(1);
  return listed.body.data[0].id;
}

const inboxOf = (to: string) =>
  sandboxControl<{ data: InboxMessage[] }>('GET', `/_control/messages?to=${encodeURIComponent(to)}`);

describe('the message log', () => {
  let verificationSms: string;

  beforeAll(async () => {
    verificationSms = await templateId('verification_code', 'sms', 'zh-CN');
  });

  test('an SMS code reaches the handset, and the log shows it delivered with the code masked', async () => {
    const phone = newPhone();
    const code = String(randomInt(100_000, 1_000_000));
    const sent = await adminFetch<MessageBody>('POST', `/v1/admin/templates/${verificationSms}/test_send`, {
      to: `${phone.slice(3, 6)} ${phone.slice(6, 10)} ${phone.slice(10)}`,
      data: { code },
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      object: 'message',
      merchant: null,
      livemode: false,
      template: 'verification_code',
      channel: 'sms',
      to: phone,
      locale: 'zh-CN',
      status: 'pending',
    });
    expect(sent.body.object_id).toMatch(/^req_/);
    expect(sent.text).not.toContain(code);

    const [received] = await eventually(
      async () => {
        const inbox = (await inboxOf(phone)).body.data;
        expect(inbox).toHaveLength(1);
        return inbox;
      },
      { timeoutMs: 30_000 },
    );
    expect(received).toMatchObject({ template_code: 'SMS_900000005', template_param: { code, minutes: '10' } });
    expect(received.body).toContain(code);

    const delivered = await eventually(
      async () => {
        const listed = await adminFetch<ListBody<MessageBody>>(
          'GET',
          `/v1/admin/messages?to=${encodeURIComponent(phone)}`,
        );
        expect(listed.body.data).toHaveLength(1);
        expect(listed.body.data[0]).toMatchObject({ id: sent.body.id, status: 'delivered' });
        return listed;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(delivered.text).not.toContain(code);
    expect(delivered.body.data[0].body).toBe('您的验证码为••••••,10分钟内有效,请勿泄露于他人。');
    expect(delivered.body.data[0]).not.toHaveProperty('variables_encrypted');
    expect(delivered.body.data[0].sent_at).not.toBeNull();
    expect(delivered.body.data[0].delivered_at).not.toBeNull();

    const one = await adminFetch<MessageBody>('GET', `/v1/admin/messages/${sent.body.id}`);
    expect(one.status).toBe(200);
    expect(one.text).not.toContain(code);
    expect(one.body).toMatchObject({ status: 'delivered', attempt_count: 1 });
    expect(one.body.attempts).toEqual([
      expect.objectContaining({ number: 1, outcome: 'sent', code: 'OK', request_id: expect.any(String) }),
    ]);
    // The code is kept sealed in the row, for the workflow to send, not in clear.
    const [row] = await queryDb<{ variables_encrypted: string }>(
      'select variables_encrypted from messages where id = $1',
      [sent.body.id],
    );
    expect(row.variables_encrypted).not.toContain(code);
  });

  test('the log is filtered by recipient in any form, template, channel, status, object and creation time', async () => {
    const phone = newPhone();
    const sent = (
      await adminFetch<MessageBody>('POST', `/v1/admin/templates/${verificationSms}/test_send`, { to: phone })
    ).body;
    const ids = async (query: string) => {
      const listed = await adminFetch<ListBody<MessageBody>>('GET', `/v1/admin/messages?limit=100&${query}`);
      expect(listed.status).toBe(200);
      return listed.body.data.map((message) => message.id);
    };
    expect(await ids(`to=${encodeURIComponent(`+86 ${phone.slice(3)}`)}`)).toEqual([sent.id]);
    expect(await ids(`to=${phone.slice(3)}&template=verification_code&channel=sms`)).toEqual([sent.id]);
    expect(await ids(`to=${encodeURIComponent(phone)}&channel=email`)).toEqual([]);
    expect(await ids(`to=${encodeURIComponent(phone)}&template=payment_receipt`)).toEqual([]);
    expect(await ids(`object=${sent.object_id}`)).toEqual([sent.id]);
    expect(
      await ids(
        `to=${encodeURIComponent(phone)}&created[gte]=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      ),
    ).toEqual([]);
    expect(
      await ids(
        `to=${encodeURIComponent(phone)}&created[lte]=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      ),
    ).toEqual([sent.id]);
    await eventually(
      async () => expect(await ids(`to=${encodeURIComponent(phone)}&status=delivered`)).toEqual([sent.id]),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    expect(await ids(`to=${encodeURIComponent(phone)}&status=failed`)).toEqual([]);
  });

  test('pages of the log follow one another, newest first, without repeating or skipping a message', async () => {
    // Three test sends to one address of this test's own, so that other stories' messages do not interleave.
    const email = await templateId('verification_code', 'email', 'en-US');
    const to = `pages.${Date.now()}@example.com`;
    const sends: MessageBody[] = [];
    for (let i = 0; i < 3; i++)
      sends.push((await adminFetch<MessageBody>('POST', `/v1/admin/templates/${email}/test_send`, { to })).body);
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const page = await adminFetch<ListBody<MessageBody>>(
        'GET',
        `/v1/admin/messages?to=${encodeURIComponent(to)}&limit=2${after}`,
      );
      seen.push(...page.body.data.map((message) => message.id));
      if (!page.body.has_more) break;
      after = `&starting_after=${seen[seen.length - 1]}`;
    }
    expect(seen).toEqual(sends.map((message) => message.id).reverse());
  });

  test('a test send retried with its Idempotency-Key sends one message', async () => {
    const phone = newPhone();
    const key = `test-send-${phone}`;
    const send = () =>
      adminFetch<MessageBody>(
        'POST',
        `/v1/admin/templates/${verificationSms}/test_send`,
        { to: phone },
        {
          'Idempotency-Key': key,
        },
      );
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    await eventually(async () => expect((await inboxOf(phone)).body.data).toHaveLength(1), { timeoutMs: 30_000 });
    const listed = await adminFetch<ListBody<MessageBody>>('GET', `/v1/admin/messages?to=${encodeURIComponent(phone)}`);
    expect(listed.body.data.map((message) => message.id)).toEqual([first.body.id]);
  });

  test('a live test send without a live Aliyun account ends failed, saying so, and nothing reaches the sandbox', async () => {
    const phone = newPhone();
    const sent = await adminFetch<MessageBody>('POST', `/v1/admin/templates/${verificationSms}/test_send`, {
      to: phone,
      livemode: true,
    });
    expect(sent.status).toBe(201);
    expect(sent.body.livemode).toBe(true);
    const failed = await eventually(
      async () => {
        const one = await adminFetch<MessageBody>('GET', `/v1/admin/messages/${sent.body.id}`);
        expect(one.body.status).toBe('failed');
        return one.body;
      },
      { timeoutMs: 30_000 },
    );
    expect(failed).toMatchObject({ failure_code: 'no_message_account', sent_at: null });
    expect(failed.failure_message).toContain('live mode');
    expect((await inboxOf(phone)).body.data).toEqual([]);
  });

  test('a recipient the channel cannot reach, or a bad filter, is a 400 naming the parameter', async () => {
    const email = await templateId('payment_receipt', 'email', 'en-US');
    const cases: [string, string, unknown, string][] = [
      [
        'an SMS to an e-mail address',
        `/v1/admin/templates/${verificationSms}/test_send`,
        { to: 'a@example.com' },
        'to',
      ],
      ['an e-mail to a phone', `/v1/admin/templates/${email}/test_send`, { to: '+8613800138000' }, 'to'],
      [
        'a landline without country code',
        `/v1/admin/templates/${verificationSms}/test_send`,
        { to: '010 6552 9988' },
        'to',
      ],
      ['no recipient', `/v1/admin/templates/${email}/test_send`, {}, 'to'],
      [
        'a value that is not a string',
        `/v1/admin/templates/${email}/test_send`,
        { to: 'a@example.com', data: { amount: 5 } },
        'data[amount]',
      ],
    ];
    for (const [name, path, body, param] of cases) {
      const answer = await adminFetch<ErrorBody>('POST', path, body);
      expect({ name, status: answer.status, param: answer.body.error?.param }).toEqual({ name, status: 400, param });
    }
    for (const [query, param] of [
      ['to=not-a-phone', 'to'],
      ['status=lost', 'status'],
      ['merchant=cus_1', 'merchant'],
      ['created[gte]=yesterday', 'created[gte]'],
    ]) {
      const answer = await adminFetch<ErrorBody>('GET', `/v1/admin/messages?${query}`);
      expect({ query, status: answer.status, param: answer.body.error?.param }).toEqual({ query, status: 400, param });
    }
    const missing = await adminFetch<ErrorBody>('GET', '/v1/admin/messages/msg_doesNotExist');
    expect(missing.status).toBe(404);
  });
});
