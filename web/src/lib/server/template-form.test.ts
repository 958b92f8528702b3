/// <reference types="jest" />
// Run by the root's jest (jest.config.js takes web/src/**/*.test.ts); pure rules only, no SvelteKit.
import { draftOf, valuesOf, variablesOf } from './template-form';

const formOf = (fields: [string, string][]) => {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  return form;
};

describe('the template editor form', () => {
  test('variables come back in their rows, in order, a checked secret as true and blank rows kept for the API to name', () => {
    const form = formOf([
      ['variables[3][name]', 'code'],
      ['variables[3][type]', 'code'],
      ['variables[3][sample]', '493817'],
      ['variables[3][secret]', 'on'],
      ['variables[0][name]', ' amount '],
      ['variables[0][type]', 'amount'],
      ['variables[0][sample]', '¥19.99'],
      ['variables[5][name]', ''],
      ['variables[5][type]', 'string'],
      ['variables[5][sample]', ''],
      ['variables[x][name]', 'ignored'],
    ]);
    expect(variablesOf(form)).toEqual([
      { name: 'amount', type: 'amount', sample: '¥19.99' },
      { name: 'code', type: 'code', sample: '493817', secret: true },
      { name: '', type: 'string', sample: '' },
    ]);
  });

  test("a draft carries only its channel's own field, and the body's line breaks as typed", () => {
    const form = formOf([
      ['subject', ' Receipt '],
      ['body', 'Line one\r\n  Line two\r\n'],
      ['aliyun_template_code', 'SMS_123456'],
    ]);
    expect(draftOf(form, 'email')).toEqual({ subject: 'Receipt', body: 'Line one\n  Line two\n', variables: [] });
    expect(draftOf(form, 'sms')).toEqual({
      aliyun_template_code: 'SMS_123456',
      body: 'Line one\n  Line two\n',
      variables: [],
    });
    expect(draftOf(formOf([['body', 'x']]), 'sms').aliyun_template_code).toBeNull();
  });

  test('preview and test-send values: data[name] fields, blanks left to the samples', () => {
    const form = formOf([
      ['data[amount]', ' ¥5.00 '],
      ['data[merchant]', ''],
      ['data[1bad]', 'x'],
      ['to', 'a@example.com'],
    ]);
    expect(valuesOf(form)).toEqual({ amount: '¥5.00' });
  });
});
