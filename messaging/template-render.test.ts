import type { TemplateContent } from '../domain/message';
import { EMAIL_SUBJECT_MAX, MASK, renderTemplate, templateParam } from './template-render';

const code: TemplateContent = {
  channel: 'email',
  subject: 'Your code: ${code}',
  body: 'Your code is ${code}. It expires in ${minutes} minutes.\n\nHelp: https://tongbao.example/help?a=1&b=2',
  variables: [
    { name: 'code', type: 'code', sample: '000000', secret: true },
    { name: 'minutes', type: 'number', sample: '10' },
  ],
  aliyunTemplateCode: null,
};

test('an e-mail is rendered with its values, as text and as HTML with the text escaped and links clickable', () => {
  const rendered = renderTemplate(code, { code: '493817', minutes: '5' }, { maskSecrets: false });
  expect(rendered.subject).toBe('Your code: 493817');
  expect(rendered.text).toBe(
    'Your code is 493817. It expires in 5 minutes.\n\nHelp: https://tongbao.example/help?a=1&b=2',
  );
  expect(rendered.html).toContain('<p style="margin:0 0 16px">Your code is 493817. It expires in 5 minutes.</p>');
  expect(rendered.html).toContain('<a href="https://tongbao.example/help?a=1&#38;b=2">');
});

test('what is stored has the code masked, subject included', () => {
  const rendered = renderTemplate(code, { code: '493817', minutes: '5' }, { maskSecrets: true });
  expect(rendered.subject).toBe(`Your code: ${MASK}`);
  expect(rendered.text).not.toContain('493817');
  expect(rendered.html).not.toContain('493817');
});

test('a preview without values shows the samples; an undeclared placeholder stays as written', () => {
  const rendered = renderTemplate({ ...code, body: '${minutes} min, ${unknown}' }, {}, { maskSecrets: false });
  expect(rendered.text).toBe('10 min, ${unknown}');
});

test('markup in a value cannot reach the HTML', () => {
  const rendered = renderTemplate(code, { code: '<script>x</script>', minutes: '5' }, { maskSecrets: false });
  expect(rendered.html).not.toContain('<script>');
});

test("an SMS's TemplateParam holds the template's variables only", () => {
  const sms: TemplateContent = { ...code, channel: 'sms', subject: null };
  expect(templateParam(sms, { code: '1', minutes: '2', merchant: 'extra' })).toEqual({ code: '1', minutes: '2' });
  expect(renderTemplate(sms, { code: '1', minutes: '2' }, { maskSecrets: false }).html).toBeNull();
});

test("an e-mail's subject longer than Direct Mail takes is cut to 100 characters, ending in an ellipsis", () => {
  const rendered = renderTemplate(
    { ...code, subject: '${code} 付款成功 ' + '长'.repeat(120) },
    { code: '1', minutes: '5' },
    {
      maskSecrets: false,
    },
  );
  expect([...(rendered.subject ?? '')]).toHaveLength(EMAIL_SUBJECT_MAX);
  expect(rendered.subject).toMatch(/^1 付款成功 长+…$/);
});
