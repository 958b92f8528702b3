import { randomInt } from 'node:crypto';
import { adminFetch, eventually, sandboxControl, testStack } from './stack';

// Stories of the templates platform admins edit (API.md "Platform administration", Messaging):
// a draft, a published version every send uses, a preview and a test send through the real
// message workflow to the sandbox's Aliyun.

interface Variable {
  name: string;
  type: string;
  sample: string;
  secret?: boolean;
}

interface TemplateBody {
  id: string;
  object: string;
  code: string;
  channel: 'sms' | 'email';
  locale: 'zh-CN' | 'en-US';
  builtin: boolean;
  status: 'draft' | 'published';
  subject: string | null;
  body: string;
  variables: Variable[];
  aliyun_template_code: string | null;
  version: number;
  published: {
    subject: string | null;
    body: string;
    variables: Variable[];
    aliyun_template_code: string | null;
  } | null;
}

interface ListBody<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

interface PreviewBody {
  subject: string | null;
  text: string;
  html: string | null;
  missing: string[];
  problems: { param: string; message: string }[];
}

interface MessageBody {
  id: string;
  object: string;
  status: string;
  to: string | null;
  template: string;
  subject: string | null;
  body: string | null;
  [key: string]: unknown;
}

interface InboxMessage {
  channel: string;
  to: string;
  subject?: string;
  body: string;
  html_body?: string;
}

interface ErrorBody {
  error: { type: string; code: string; message: string; param: string | null };
}

/** A code of this run's own: templates are global, and the stack outlives one test file. */
const uniqueCode = (prefix: string) => `${prefix}_${Date.now().toString(36)}${randomInt(1000)}`;

const shipped = (code: string) => ({
  code,
  channel: 'email',
  locale: 'en-US',
  subject: 'Your order ${order} has shipped',
  body: 'Hello ${name},\n\nOrder ${order} is on its way. Track it at ${link}',
  variables: [
    { name: 'name', type: 'string', sample: 'Li Wei' },
    { name: 'order', type: 'string', sample: 'ORDER-1' },
    { name: 'link', type: 'url', sample: 'https://shop.example/track/1' },
  ],
});

async function allTemplates(query = ''): Promise<TemplateBody[]> {
  const found: TemplateBody[] = [];
  let after = '';
  for (let page = 0; page < 50; page++) {
    const listed = await adminFetch<ListBody<TemplateBody>>('GET', `/v1/admin/templates?limit=10${query}${after}`);
    expect(listed.status).toBe(200);
    found.push(...listed.body.data);
    if (!listed.body.has_more) return found;
    after = `&starting_after=${listed.body.data[listed.body.data.length - 1].id}`;
  }
  throw new Error('more than 50 pages of templates');
}

describe('message templates', () => {
  test('the 24 built-ins are published: 6 codes, each by SMS and e-mail, in zh-CN and en-US', async () => {
    // Listed page by page: every built-in once, however many share their seeding instant.
    const listed = (await allTemplates()).filter((template) => template.builtin);
    expect(new Set(listed.map((t) => t.id)).size).toBe(listed.length);
    // Kratos' messages to unknown addresses have e-mail-only built-ins of their own besides these.
    const codes = [
      'payment_receipt',
      'refund_receipt',
      'verification_code',
      'account_recovery',
      'team_invitation',
      'stuck_refund_alert',
    ];
    const builtins = listed.filter((template) => codes.includes(template.code));
    expect(builtins.map((t) => `${t.code}/${t.channel}/${t.locale}`).sort()).toEqual(
      codes
        .flatMap((code) =>
          ['email', 'sms'].flatMap((channel) => [`${code}/${channel}/en-US`, `${code}/${channel}/zh-CN`]),
        )
        .sort(),
    );
    expect(new Set(builtins.map((t) => t.id)).size).toBe(24);
    // What sends use is the published version, checked here; the draft and the version count are an
    // admin's to change: the admin console's story edits and publishes the en-US receipt on this
    // same stack, and publishes the original back.
    for (const template of listed)
      expect({ template: template.id, published: !!template.published }).toEqual({
        template: template.id,
        published: true,
      });
    for (const template of builtins) {
      expect(template).toMatchObject({ object: 'template' });
      expect(template.id).toMatch(/^tpl_/);
      expect(template.version).toBeGreaterThanOrEqual(1);
      const published = template.published;
      if (!published) continue;
      if (template.channel === 'sms') expect(published.aliyun_template_code).toMatch(/^SMS_9000000\d\d$/);
      else expect(published.subject).toBeTruthy();
      // The text uses only variables a send gives.
      const declared = published.variables.map((variable) => variable.name);
      const undeclared = [...`${published.subject ?? ''} ${published.body}`.matchAll(/\$\{(\w+)\}/g)]
        .map((match) => match[1])
        .filter((name) => !declared.includes(name));
      expect({ template: template.id, undeclared }).toEqual({ template: template.id, undeclared: [] });
    }
    // The receipts' published text: what every paid payment's shopper reads.
    const receipt = (channel: string, locale: string) =>
      builtins.find((t) => t.code === 'payment_receipt' && t.channel === channel && t.locale === locale)?.published;
    expect(receipt('email', 'en-US')).toMatchObject({ subject: 'Your receipt from ${merchant}: ${amount}' });
    expect(receipt('email', 'en-US')?.body).toContain('Your payment to ${merchant} succeeded.');
    expect(receipt('email', 'zh-CN')).toMatchObject({ subject: '${merchant} 付款成功 ${amount}' });
    expect(receipt('email', 'zh-CN')?.body).toContain('您在${merchant}的付款已成功。');
    expect(receipt('sms', 'en-US')).toMatchObject({
      aliyun_template_code: 'SMS_900000002',
      body: 'Your payment of ${amount} to ${merchant} succeeded. Order ${order}. Thank you.',
    });
    for (const [channel, locale] of [
      ['email', 'en-US'],
      ['email', 'zh-CN'],
      ['sms', 'en-US'],
      ['sms', 'zh-CN'],
    ])
      expect(receipt(channel, locale)?.variables.map((variable) => variable.name)).toEqual(
        channel === 'email' ? ['merchant', 'amount', 'order', 'payment', 'paid_at'] : ['merchant', 'amount', 'order'],
      );

    const filtered = await adminFetch<ListBody<TemplateBody>>(
      'GET',
      '/v1/admin/templates?code=verification_code&channel=sms&locale=zh-CN&status=published',
    );
    expect(filtered.body.data).toHaveLength(1);
    expect(filtered.body.data[0]).toMatchObject({
      code: 'verification_code',
      channel: 'sms',
      locale: 'zh-CN',
      status: 'published',
      aliyun_template_code: 'SMS_900000005',
      variables: [
        { name: 'code', type: 'code', secret: true },
        { name: 'minutes', type: 'number' },
      ],
    });
  });

  test('a new template is a draft; its preview renders the samples, or the data given, and names what was left out', async () => {
    const code = uniqueCode('order_shipped');
    const created = await adminFetch<TemplateBody>('POST', '/v1/admin/templates', shipped(code));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'template',
      code,
      channel: 'email',
      locale: 'en-US',
      builtin: false,
      status: 'draft',
      version: 0,
      published: null,
      aliyun_template_code: null,
    });
    expect((await adminFetch<TemplateBody>('GET', `/v1/admin/templates/${created.body.id}`)).body).toEqual(
      created.body,
    );

    const again = await adminFetch<ErrorBody>('POST', '/v1/admin/templates', shipped(code));
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ type: 'conflict_error', code: 'template_exists', param: 'code' });

    const samples = await adminFetch<PreviewBody>('POST', `/v1/admin/templates/${created.body.id}/preview`, {});
    expect(samples.status).toBe(200);
    expect(samples.body).toMatchObject({
      version: 'draft',
      subject: 'Your order ORDER-1 has shipped',
      text: 'Hello Li Wei,\n\nOrder ORDER-1 is on its way. Track it at https://shop.example/track/1',
      missing: ['name', 'order', 'link'],
      problems: [],
    });
    expect(samples.body.html).toContain('<a href="https://shop.example/track/1">');

    const withData = await adminFetch<PreviewBody>('POST', `/v1/admin/templates/${created.body.id}/preview`, {
      data: { name: '<b>Wang</b>', order: 'A-77' },
    });
    expect(withData.body).toMatchObject({
      subject: 'Your order A-77 has shipped',
      text: 'Hello <b>Wang</b>,\n\nOrder A-77 is on its way. Track it at https://shop.example/track/1',
      missing: ['link'],
    });
    // The e-mail's HTML part escapes what the values hold.
    expect(withData.body.html).toContain('Hello &#60;b&#62;Wang&#60;/b&#62;');

    const unpublished = await adminFetch<ErrorBody>('POST', `/v1/admin/templates/${created.body.id}/preview`, {
      version: 'published',
    });
    expect(unpublished.status).toBe(400);
    expect(unpublished.body.error).toMatchObject({ code: 'template_not_published', param: 'version' });
    const notYet = await adminFetch<ErrorBody>('POST', `/v1/admin/templates/${created.body.id}/test_send`, {
      to: 'ops@example.com',
    });
    expect(notYet.status).toBe(400);
    expect(notYet.body.error).toMatchObject({ code: 'template_not_published', param: 'id' });
  });

  test('a draft using an undeclared ${var} cannot be published, and sends keep the published version until it is fixed', async () => {
    const created = (
      await adminFetch<TemplateBody>('POST', '/v1/admin/templates', shipped(uniqueCode('order_shipped')))
    ).body;
    const published = await adminFetch<TemplateBody>('POST', `/v1/admin/templates/${created.id}/publish`, {});
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', version: 1 });
    expect(published.body.published).toMatchObject({ subject: created.subject, body: created.body });
    // Publishing what is published already counts no new version.
    expect((await adminFetch<TemplateBody>('POST', `/v1/admin/templates/${created.id}/publish`, {})).body.version).toBe(
      1,
    );

    const edited = await adminFetch<TemplateBody>('PATCH', `/v1/admin/templates/${created.id}`, {
      body: 'Hello ${name},\n\nOrder ${order} left with ${carrier}. Track it at ${link}',
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ status: 'draft', version: 1, published: { body: created.body } });
    const preview = await adminFetch<PreviewBody>('POST', `/v1/admin/templates/${created.id}/preview`, {});
    expect(preview.body.problems).toEqual([
      { param: 'body', message: '${carrier} is used but not declared in variables' },
    ]);

    const refused = await adminFetch<ErrorBody>('POST', `/v1/admin/templates/${created.id}/publish`, {});
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'template_invalid',
      param: 'body',
    });
    expect(refused.body.error.message).toContain('${carrier}');
    const byStatus = async (status: string) =>
      (await allTemplates(`&code=${created.code}&status=${status}`)).map((template) => template.id);
    expect(await byStatus('draft')).toEqual([created.id]);
    expect(await byStatus('published')).toEqual([]);
    expect((await adminFetch<TemplateBody>('GET', `/v1/admin/templates/${created.id}`)).body).toMatchObject({
      status: 'draft',
      version: 1,
      published: { body: created.body },
    });

    // The published version still sends, with the data given and the samples for the rest.
    const stamp = Date.now();
    const to = `shopper.${stamp}@example.com`;
    const sent = await adminFetch<MessageBody>('POST', `/v1/admin/templates/${created.id}/test_send`, {
      // Stored (and found) normalised, as the outbox stores every recipient.
      to: ` Shopper.${stamp}@Example.COM`,
      data: { order: 'A-88' },
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ object: 'message', template: created.code, to, status: 'pending' });
    const inbox = await eventually(
      async () => {
        const listed = await sandboxControl<{ data: InboxMessage[] }>(
          'GET',
          `/_control/messages?to=${encodeURIComponent(to)}`,
        );
        expect(listed.body.data).toHaveLength(1);
        return listed.body.data[0];
      },
      { timeoutMs: 30_000 },
    );
    expect(inbox).toMatchObject({
      channel: 'email',
      subject: 'Your order A-88 has shipped',
      body: 'Hello Li Wei,\n\nOrder A-88 is on its way. Track it at https://shop.example/track/1',
    });
    await eventually(
      async () => {
        const listed = await adminFetch<ListBody<MessageBody>>(
          'GET',
          `/v1/admin/messages?to=${encodeURIComponent(to)}`,
        );
        expect(listed.body.data).toHaveLength(1);
        expect(listed.body.data[0]).toMatchObject({
          id: sent.body.id,
          status: 'delivered',
          subject: 'Your order A-88 has shipped',
          body: inbox.body,
        });
      },
      { timeoutMs: 30_000 },
    );

    // Declaring the variable makes the draft publishable: version 2.
    const fixed = await adminFetch<TemplateBody>('PATCH', `/v1/admin/templates/${created.id}`, {
      variables: [...created.variables, { name: 'carrier', type: 'string', sample: 'SF Express' }],
    });
    expect(fixed.body.status).toBe('draft');
    const republished = await adminFetch<TemplateBody>('POST', `/v1/admin/templates/${created.id}/publish`, {});
    expect(republished.status).toBe(200);
    expect(republished.body).toMatchObject({ status: 'published', version: 2 });
    expect(republished.body.published?.body).toContain('${carrier}');
  });

  test('an SMS template needs the template code Aliyun approved before it can be published', async () => {
    const created = await adminFetch<TemplateBody>('POST', '/v1/admin/templates', {
      code: uniqueCode('pickup_ready'),
      channel: 'sms',
      locale: 'zh-CN',
      body: '您的订单${order}已可取货。',
      variables: [{ name: 'order', type: 'string', sample: 'A-1' }],
    });
    expect(created.status).toBe(201);
    const refused = await adminFetch<ErrorBody>('POST', `/v1/admin/templates/${created.body.id}/publish`, {});
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'template_invalid', param: 'aliyun_template_code' });

    await adminFetch('PATCH', `/v1/admin/templates/${created.body.id}`, { aliyun_template_code: 'SMS_123456789' });
    const published = await adminFetch<TemplateBody>('POST', `/v1/admin/templates/${created.body.id}/publish`, {});
    expect(published.body).toMatchObject({ status: 'published', published: { aliyun_template_code: 'SMS_123456789' } });
  });

  test('bad input is a 400 naming the field, an unknown template a 404', async () => {
    const cases: [string, 'POST' | 'PATCH' | 'GET', string, unknown, string][] = [
      ['SMS with a subject', 'POST', '/v1/admin/templates', { ...shipped(uniqueCode('x')), channel: 'sms' }, 'subject'],
      [
        'e-mail without a subject',
        'POST',
        '/v1/admin/templates',
        { ...shipped(uniqueCode('x')), subject: undefined },
        'subject',
      ],
      [
        'e-mail with an Aliyun code',
        'POST',
        '/v1/admin/templates',
        { ...shipped(uniqueCode('x')), aliyun_template_code: 'SMS_123456789' },
        'aliyun_template_code',
      ],
      ['an upper-case code', 'POST', '/v1/admin/templates', { ...shipped('Order'), code: 'Order' }, 'code'],
      ['an unknown locale', 'POST', '/v1/admin/templates', { ...shipped(uniqueCode('x')), locale: 'fr-FR' }, 'locale'],
      [
        'a variable declared twice',
        'POST',
        '/v1/admin/templates',
        {
          ...shipped(uniqueCode('x')),
          variables: [...shipped('x').variables, { name: 'order', type: 'string', sample: '2' }],
        },
        'variables[3][name]',
      ],
      [
        'an unknown variable type',
        'POST',
        '/v1/admin/templates',
        { ...shipped(uniqueCode('x')), variables: [{ name: 'a', type: 'money', sample: '1' }] },
        'variables[0][type]',
      ],
      ['an unknown filter', 'GET', '/v1/admin/templates?colour=red', undefined, 'colour'],
      ['a bad status filter', 'GET', '/v1/admin/templates?status=live', undefined, 'status'],
      ['a malformed id', 'GET', '/v1/admin/templates/pay_123', undefined, 'id'],
    ];
    for (const [name, method, path, body, param] of cases) {
      const answer = await adminFetch<ErrorBody>(method, path, body);
      expect({ name, status: answer.status, param: answer.body.error?.param }).toEqual({ name, status: 400, param });
    }

    const builtin = (await allTemplates('&code=payment_receipt&channel=sms&locale=en-US'))[0];
    const smsSubject = await adminFetch<ErrorBody>('PATCH', `/v1/admin/templates/${builtin.id}`, { subject: 'Hi' });
    expect(smsSubject.status).toBe(400);
    expect(smsSubject.body.error.param).toBe('subject');
    expect((await adminFetch<TemplateBody>('GET', `/v1/admin/templates/${builtin.id}`)).body.status).toBe('published');

    const missing = await adminFetch<ErrorBody>('GET', '/v1/admin/templates/tpl_doesNotExist');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ type: 'not_found_error', param: 'id' });
  });

  test('the template routes are for admins only', async () => {
    const response = await fetch(`${testStack().api_url}/v1/admin/templates`);
    expect(response.status).toBe(401);
  });
});
