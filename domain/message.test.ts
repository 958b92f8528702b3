import {
  maskRecipient,
  messageIdempotencyKey,
  missingValues,
  placeholders,
  publishIssues,
  publishProblems,
  templateStatus,
  type MessageTemplateRecord,
  type TemplateContent,
} from './message';

const sms = (body: string, names: string[]): TemplateContent => ({
  channel: 'sms',
  subject: null,
  body,
  variables: names.map((name) => ({ name, type: 'string', sample: name })),
  aliyunTemplateCode: 'SMS_900000001',
});

describe('publishing a template', () => {
  test('a body that uses only its declared variables, each of them, can be published', () => {
    expect(publishProblems(sms('您的验证码为${code},${minutes}分钟内有效', ['code', 'minutes']))).toEqual([]);
  });

  test('a variable used but not declared is named', () => {
    expect(publishProblems(sms('Order ${order} paid by ${payer}', ['order']))).toEqual([
      '${payer} is used but not declared in variables',
    ]);
  });

  test('an SMS declaring a variable its body does not use is refused (Aliyun refuses the extra parameter)', () => {
    expect(publishProblems(sms('Paid ${amount}', ['amount', 'order']))).toEqual([
      'variable order is declared but the SMS body does not use it',
    ]);
  });

  test("an e-mail's subject counts, and an e-mail needs one", () => {
    const email: TemplateContent = { ...sms('Hello', ['merchant']), channel: 'email', subject: 'From ${merchant}' };
    expect(publishProblems(email)).toEqual([]);
    expect(publishProblems({ ...email, subject: 'From ${shop}' })).toEqual([
      '${shop} is used but not declared in variables',
    ]);
    expect(publishProblems({ ...email, subject: null })).toEqual(['an e-mail template needs a subject']);
  });
});

describe('what the admin API says of a template it refuses to publish', () => {
  test('each problem names the field it is in, for the 400', () => {
    expect(publishIssues(sms('Order ${order} paid by ${payer}', ['order']))).toEqual([
      { param: 'body', message: '${payer} is used but not declared in variables' },
    ]);
    const email: TemplateContent = {
      ...sms('Hello', []),
      channel: 'email',
      subject: 'From ${shop}',
      aliyunTemplateCode: null,
    };
    expect(publishIssues(email)).toEqual([
      { param: 'subject', message: '${shop} is used but not declared in variables' },
    ]);
    expect(publishIssues(sms('Paid ${amount}', ['amount', 'order']))[0].param).toBe('variables');
  });

  test('an SMS template without the code Aliyun approved cannot be published: SendSms names that template', () => {
    expect(publishIssues({ ...sms('Paid ${amount}', ['amount']), aliyunTemplateCode: null })).toEqual([
      { param: 'aliyun_template_code', message: 'an SMS template needs the aliyun_template_code Aliyun approved' },
    ]);
  });
});

test('placeholders are listed once each, in order of first use', () => {
  expect(placeholders('${a} and ${b}, again ${a}; not $a or {b}')).toEqual(['a', 'b']);
});

test('a send without a value for a declared variable names it', () => {
  expect(missingValues(sms('${code} ${minutes}', ['code', 'minutes']), { code: '123456' })).toEqual(['minutes']);
});

test("a template is 'published' until its draft is edited", () => {
  const content = sms('Paid ${amount}', ['amount']);
  const template: MessageTemplateRecord = {
    id: 'tpl_1',
    code: 'payment_receipt',
    channel: 'sms',
    locale: 'en-US',
    builtin: true,
    subject: null,
    body: content.body,
    variables: content.variables,
    aliyunTemplateCode: content.aliyunTemplateCode,
    publishedSubject: null,
    publishedBody: content.body,
    publishedVariables: content.variables,
    publishedAliyunTemplateCode: content.aliyunTemplateCode,
    publishedAt: new Date(),
    version: 1,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  expect(templateStatus(template)).toBe('published');
  expect(templateStatus({ ...template, body: 'You paid ${amount}' })).toBe('draft');
  expect(templateStatus({ ...template, publishedBody: null, publishedVariables: null })).toBe('draft');
});

test.each([
  ['+8613800138000', '+86138****8000'],
  ['li.wei@qq.com', 'l***@qq.com'],
  ['+4420', '*****'],
])('%s is shown as %s where it is not protected', (recipient, masked) => {
  expect(maskRecipient(recipient)).toBe(masked);
});

test('the same template, object, channel and recipient make the same message', () => {
  const request = { template: 'payment_receipt', objectId: 'pay_1', channel: 'sms' as const, to: '+8613800138000' };
  expect(messageIdempotencyKey(request)).toBe(messageIdempotencyKey({ ...request }));
  expect(messageIdempotencyKey(request)).not.toBe(messageIdempotencyKey({ ...request, channel: 'email' }));
});
