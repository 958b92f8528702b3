/**
 * Kratos sends its codes through Tongbao's messaging layer: its courier posts each e-mail and SMS
 * to the API's `/internal/kratos/courier` (kratos/kratos.yml, `delivery_strategy: http`), which
 * requests a message with Tongbao's template in the identity's locale; the message workflow sends
 * it to the sandbox's Aliyun, whose inbox shows it.
 */
import { randomUUID } from 'node:crypto';
import { queryDb } from './db';
import { eventually, sandboxControl, testStack } from './stack';

interface InboxMessage {
  id: string;
  channel: 'sms' | 'email';
  to: string;
  subject?: string;
  body: string;
  template_code?: string;
  template_param?: string;
}

interface RecoveryFlow {
  id: string;
  state: 'choose_method' | 'sent_email' | 'passed_challenge';
  ui: { messages?: { id: number; text: string; type: string }[] };
}

const COURIER_PATH = '/internal/kratos/courier';

async function kratos<T>(base: 'public' | 'admin', method: 'GET' | 'POST', path: string, body?: unknown) {
  const url = `${base === 'public' ? testStack().kratos_public_url : testStack().kratos_admin_url}${path}`;
  const response = await fetch(url, {
    method,
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, text };
}

/** A staff member created by an admin through Kratos' admin API, as the consoles' admins do. */
async function createIdentity(traits: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
  const email = `staff-${randomUUID().slice(0, 8)}@example.com`;
  const created = await kratos<{ id: string }>('admin', 'POST', '/admin/identities', {
    schema_id: 'staff',
    traits: { email, name: 'Staff Member', ...traits },
  });
  expect(created.status).toBe(201);
  return { id: created.body.id, email };
}

/** Starts a self-service recovery flow (API flow, as a native client would) and asks for a code by e-mail. */
async function requestRecoveryCode(email: string): Promise<RecoveryFlow> {
  const flow = await kratos<RecoveryFlow>('public', 'GET', '/self-service/recovery/api');
  expect(flow.status).toBe(200);
  const sent = await kratos<RecoveryFlow>('public', 'POST', `/self-service/recovery?flow=${flow.body.id}`, {
    method: 'code',
    email,
  });
  expect(sent.status).toBe(200);
  expect(sent.body.state).toBe('sent_email');
  return sent.body;
}

async function inbox(to: string): Promise<InboxMessage[]> {
  const listed = await sandboxControl<{ data: InboxMessage[] }>(
    'GET',
    `/_control/messages?to=${encodeURIComponent(to)}`,
  );
  expect(listed.status).toBe(200);
  return listed.body.data;
}

/** The one message that reached `to`'s inbox (Kratos' courier polls every second, then the workflow sends). */
async function theMessageTo(to: string): Promise<InboxMessage> {
  return eventually(
    async () => {
      const messages = await inbox(to);
      expect(messages).toHaveLength(1);
      return messages[0];
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
}

function courierCall(body: unknown, authorization?: string) {
  return fetch(`${testStack().api_url}${COURIER_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The platform's messages to `to`, as the messages table holds them. */
function recordedMessages(to: string) {
  return queryDb<{ template: string; locale: string; channel: string; merchant_id: string | null; status: string }>(
    'select template, locale, channel, merchant_id, status from messages where recipient = $1 order by created_at',
    [to],
  );
}

const courierAuth = () => basicAuth('kratos', testStack().env.TONGBAO_KRATOS_COURIER_SECRET);

describe("Kratos' recovery code reaches the staff member through Tongbao's messaging", () => {
  test('an admin created in Kratos asks for a recovery code, reads it in the inbox, and the flow accepts it', async () => {
    const { email } = await createIdentity();
    const flow = await requestRecoveryCode(email);

    const message = await theMessageTo(email);
    expect(message.channel).toBe('email');
    const code = /\b(\d{6})\b/.exec(message.body)?.[1];
    expect(code).toBeDefined();
    // Tongbao's account_recovery template, in zh-CN (the identity has no locale trait), not Kratos' own text.
    expect(await recordedMessages(email)).toEqual([
      expect.objectContaining({ template: 'account_recovery', locale: 'zh-CN', channel: 'email', merchant_id: null }),
    ]);
    expect(message.body).not.toMatch(/please recover access to your account/i);

    // A wrong code is refused: the flow checks what it is given.
    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await kratos<RecoveryFlow>('public', 'POST', `/self-service/recovery?flow=${flow.id}`, {
      method: 'code',
      code: wrongCode,
    });
    expect(wrong.body.state).toBe('sent_email');
    expect(wrong.body.ui.messages?.some((m) => m.type === 'error')).toBe(true);

    // The code from the inbox is accepted: Kratos sends the client on to the settings flow (its answer
    // to an API client without continue_with transitions), and the flow has passed its challenge.
    const accepted = await kratos<{ error?: { id: string }; redirect_browser_to?: string }>(
      'public',
      'POST',
      `/self-service/recovery?flow=${flow.id}`,
      { method: 'code', code },
    );
    expect(accepted.status).toBe(422);
    expect(accepted.body.error?.id).toBe('browser_location_change_required');
    expect(accepted.body.redirect_browser_to).toContain('/auth/settings?flow=');
    const after = await kratos<RecoveryFlow>('public', 'GET', `/self-service/recovery/flows?id=${flow.id}`);
    expect(after.body.state).toBe('passed_challenge');
  });

  test('a staff member whose locale trait is en-US gets the English template', async () => {
    const { email } = await createIdentity({ locale: 'en-US' });
    await requestRecoveryCode(email);
    const message = await theMessageTo(email);
    expect(message.body).toMatch(/\b\d{6}\b/);
    expect(await recordedMessages(email)).toEqual([
      expect.objectContaining({ template: 'account_recovery', locale: 'en-US' }),
    ]);
  });
});

describe('the courier endpoint', () => {
  const recoveryBody = (to: string, code = '482913') => ({
    recipient: to,
    template_type: 'recovery_code_valid',
    message_type: 'email',
    template_data: { to, recovery_code: code, identity: { id: randomUUID(), traits: {} } },
  });

  test('refuses a call without the secret, or with another, 401, and sends nothing', async () => {
    const to = `nobody-${randomUUID().slice(0, 8)}@example.com`;
    const without = await courierCall(recoveryBody(to));
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(((await without.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
    expect((await courierCall(recoveryBody(to), basicAuth('kratos', 'not-the-secret'))).status).toBe(401);
    expect(
      (await courierCall(recoveryBody(to), `Bearer ${testStack().env.TONGBAO_KRATOS_COURIER_SECRET}`)).status,
    ).toBe(401);
    // Then a call with the secret, to the same address: only its message arrives.
    expect((await courierCall(recoveryBody(to), courierAuth())).status).toBe(200);
    await theMessageTo(to);
  });

  test('refuses a malformed payload 400, naming the field', async () => {
    const to = `nobody-${randomUUID().slice(0, 8)}@example.com`;
    const cases: [unknown, string | null][] = [
      [{ ...recoveryBody(to), template_type: 'recovery_valid' }, 'template_type'],
      [{ ...recoveryBody(to), recipient: undefined }, 'recipient'],
      [{ ...recoveryBody(to), template_data: { to } }, 'template_data[recovery_code]'],
      ['{"recipient":', null],
    ];
    for (const [body, param] of cases) {
      const answer = await courierCall(body, courierAuth());
      expect(answer.status).toBe(400);
      const error = ((await answer.json()) as { error: { type: string; param: string | null } }).error;
      expect(error).toMatchObject({ type: 'invalid_request_error', param });
    }
  });

  test('a call Kratos retries is the same message, sent once', async () => {
    const to = `retry-${randomUUID().slice(0, 8)}@example.com`;
    const first = await courierCall(recoveryBody(to, '135790'), courierAuth());
    const again = await courierCall(recoveryBody(to, '135790'), courierAuth());
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    const [one, two] = (await Promise.all([first.json(), again.json()])) as { id: string; created: boolean }[];
    expect(two).toMatchObject({ id: one.id, created: false });
    expect(one.created).toBe(true);
    await theMessageTo(to);
    // Another code to the same address is another message.
    expect(
      ((await (await courierCall(recoveryBody(to, '246801'), courierAuth())).json()) as { created: boolean }).created,
    ).toBe(true);
    await eventually(async () => expect(await inbox(to)).toHaveLength(2), { timeoutMs: 30_000 });
  });

  test("an SMS verification code (Kratos' sms channel) reaches the phone with the seeded Aliyun template", async () => {
    const phone = `+86139${String(Date.now()).slice(-8)}`;
    const answer = await courierCall(
      {
        recipient: phone,
        template_type: 'verification_code_valid',
        message_type: 'sms',
        template_data: { to: phone, verification_code: '902817', identity: { id: randomUUID(), traits: {} } },
      },
      courierAuth(),
    );
    expect(answer.status).toBe(200);
    const sms = await theMessageTo(phone);
    expect(sms).toMatchObject({ channel: 'sms', template_code: 'SMS_900000005' });
    expect(sms.body).toContain('902817');
  });

  test('an unknown address gets its own notice, without a code', async () => {
    const to = `unknown-${randomUUID().slice(0, 8)}@example.com`;
    const answer = await courierCall(
      {
        recipient: to,
        template_type: 'recovery_code_invalid',
        message_type: 'email',
        template_data: { to, request_url: `${testStack().kratos_public_url}/self-service/recovery/api` },
      },
      courierAuth(),
    );
    expect(answer.status).toBe(200);
    const notice = await theMessageTo(to);
    expect(notice.body).not.toMatch(/\b\d{6}\b/);
  });
});
