import { maskRecipient, publishIssues, publishProblems, templateStatus, type TemplateContent } from './message';

// What stops a template from being published, and so from failing at send time instead.

const sms = (overrides: Partial<TemplateContent> = {}): TemplateContent => ({
  channel: 'sms',
  subject: null,
  body: 'Your code is ${code}, valid for ${minutes} minutes.',
  variables: [
    { name: 'code', type: 'code', sample: '493817', secret: true },
    { name: 'minutes', type: 'number', sample: '10' },
  ],
  aliyunTemplateCode: 'SMS_900000006',
  ...overrides,
});

describe('publishing a template', () => {
  test('an SMS template with every variable declared and used, and its Aliyun code, can be published', () => {
    expect(publishIssues(sms())).toEqual([]);
  });

  test('a variable used but not declared is named, with the field that uses it', () => {
    expect(publishIssues(sms({ body: 'Your code is ${code}, valid for ${minutes} minutes at ${shop}.' }))).toEqual([
      { param: 'body', message: '${shop} is used but not declared in variables' },
    ]);
    const email: TemplateContent = {
      channel: 'email',
      subject: 'Receipt from ${merchant}',
      body: 'Thank you.',
      variables: [],
      aliyunTemplateCode: null,
    };
    expect(publishProblems(email)).toEqual(['${merchant} is used but not declared in variables']);
    expect(publishIssues(email)[0].param).toBe('subject');
  });

  test('an SMS variable declared but unused is refused: Aliyun refuses a parameter its template lacks', () => {
    expect(publishIssues(sms({ body: 'Your code is ${code}.' }))).toEqual([
      { param: 'variables', message: 'variable minutes is declared but the SMS body does not use it' },
    ]);
  });

  test('an SMS template without the code Aliyun approved cannot be published: SendSms names it', () => {
    expect(publishIssues(sms({ aliyunTemplateCode: null })).map((problem) => problem.param)).toEqual([
      'aliyun_template_code',
    ]);
  });

  test('an e-mail needs a subject; an SMS has none', () => {
    const email: TemplateContent = { ...sms(), channel: 'email', aliyunTemplateCode: null };
    expect(publishProblems(email)).toEqual(['an e-mail template needs a subject']);
    expect(publishProblems(sms({ subject: 'Hi' }))).toEqual(['an SMS template has no subject']);
  });
});

describe('a template status', () => {
  const record = {
    id: 'tpl_1',
    code: 'verification_code',
    channel: 'sms' as const,
    locale: 'en-US' as const,
    builtin: false,
    subject: null,
    body: 'Code ${code}',
    variables: [{ name: 'code', type: 'code' as const, sample: '1', secret: true }],
    aliyunTemplateCode: 'SMS_900000006',
    publishedSubject: null,
    publishedBody: null,
    publishedVariables: null,
    publishedAliyunTemplateCode: null,
    publishedAt: null,
    version: 0,
    createdAt: new Date(),
    updatedAt: new Date(),
  };

  test('is draft until published, published while the draft is the published version, draft once edited', () => {
    expect(templateStatus(record)).toBe('draft');
    const published = {
      ...record,
      publishedBody: record.body,
      publishedVariables: record.variables,
      publishedAliyunTemplateCode: record.aliyunTemplateCode,
      version: 1,
    };
    expect(templateStatus(published)).toBe('published');
    expect(templateStatus({ ...published, body: 'Code: ${code}' })).toBe('draft');
  });
});

describe('a recipient as support staff see it', () => {
  test.each([
    ['+8613800138000', '+86138****8000'],
    ['li.wei@qq.com', 'l***@qq.com'],
  ])('%s is shown as %s', (recipient, masked) => {
    expect(maskRecipient(recipient)).toBe(masked);
  });
});
