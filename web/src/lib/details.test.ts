/// <reference types="jest" />
// Run by the root's jest (jest.config.js takes web/src/**/*.test.ts); pure rules only, no SvelteKit.
import { detailsErrorOf, detailsFromForm, filledWith, maskedFromForm } from './details';

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

describe('the details section of the hosted page', () => {
  test('unticked boxes read as false, whatever was typed', () => {
    const details = detailsFromForm(form({ details_phone: ' 13800138000 ', details_email: 'a@shop.example' }));
    expect(details).toMatchObject({ phone: '13800138000', email: 'a@shop.example', receipt: false, save: false });
    expect(detailsFromForm(form({ details_receipt: 'on', details_save: 'on' }))).toMatchObject({
      receipt: true,
      save: true,
    });
  });

  test('a verification id is carried only when it has the shape of one', () => {
    expect(detailsFromForm(form({ details_verification: 'cver_abc123' })).verification).toBe('cver_abc123');
    expect(detailsFromForm(form({ details_verification: '../../admin' })).verification).toBeNull();
  });

  test('the masked details carried in the page are shown back only when well formed', () => {
    const masked = { phone: '+86 138****8000', email: 'l***@qq.com', name: '李*', has_shipping_address: true };
    expect(maskedFromForm(form({ details_masked: JSON.stringify(masked) }))).toEqual(masked);
    expect(maskedFromForm(form({ details_masked: '{not json' }))).toBeNull();
    expect(maskedFromForm(form({ details_masked: '{"email":"x"}' }))).toBeNull();
  });

  test('a verified shopper finds the saved details in the fields, ticks kept', () => {
    const typed = detailsFromForm(form({ details_phone: '13800138000', details_receipt: 'on' }));
    const filled = filledWith(typed, {
      phone: '+8613800138000',
      email: 'li.wei@qq.com',
      name: '李伟',
      shipping_address: { city: '上海' },
    });
    expect(filled).toMatchObject({
      phone: '+8613800138000',
      email: 'li.wei@qq.com',
      name: '李伟',
      receipt: true,
      verified: true,
      masked: null,
      address: { city: '上海' },
    });
  });

  test.each([
    [{ status: 400, code: 'verification_code_incorrect', param: 'code' }, 'code_incorrect'],
    [{ status: 400, code: 'verification_code_expired', param: 'code' }, 'code_expired'],
    [{ status: 400, code: 'verification_attempts_exceeded', param: 'code' }, 'attempts'],
    [{ status: 429, code: 'verification_limit_phone', param: 'phone' }, 'limit_phone'],
    [{ status: 429, code: 'verification_limit_ip', param: 'phone' }, 'limit_ip'],
    [{ status: 429, code: 'verification_limit_session', param: 'phone' }, 'limit_session'],
    [{ status: 429, code: 'rate_limited', param: null }, 'rate_limited'],
    [{ status: 409, code: 'customer_verification_required', param: 'details[phone]' }, 'verification_required'],
    [{ status: 400, code: 'parameter_invalid', param: 'details[phone]' }, 'phone_invalid'],
    [{ status: 400, code: 'parameter_invalid', param: 'phone' }, 'phone_invalid'],
    [{ status: 400, code: 'parameter_missing', param: 'details[phone]' }, 'save_phone'],
    [{ status: 400, code: 'parameter_invalid', param: 'details[email]' }, 'email_invalid'],
    [{ status: 400, code: 'parameter_missing', param: 'details[email]' }, 'receipt_contact'],
    [{ status: 400, code: 'parameter_invalid', param: 'code' }, 'code_format'],
    [{ status: 400, code: 'channel_not_allowed', param: 'channel' }, null],
  ])('the API refusal %o is shown as %s', (refusal, shown) => {
    expect(detailsErrorOf(refusal)).toBe(shown);
  });
});
