import { normalizeEmail, normalizePhone } from './customer';

describe("a customer's contact details, as stored and looked up", () => {
  test.each([
    ['13800138000', '+8613800138000'],
    ['138 0013 8000', '+8613800138000'],
    ['138-0013-8000', '+8613800138000'],
    ['+86 138 0013 8000', '+8613800138000'],
    ['008613800138000', '+8613800138000'],
    ['+86 10 6552 9988', '+861065529988'],
    ['+1 (415) 555-0132', '+14155550132'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('the phone number %s is stored as %s', (given, stored) => {
    expect(normalizePhone(given)).toBe(stored);
  });

  test.each([
    ['12800138000', 'not a mainland mobile prefix'],
    ['1380013800', 'ten digits, no country code'],
    ['010 6552 9988', 'a landline without its country code'],
    ['+86 1280 0138 000', 'a mainland 11-digit number starting 12'],
    ['+86 138 0013 80001', 'too long for a mainland number'],
    ['+0 123 4567', 'no country code starts with 0'],
    ['+1234567890123456', 'longer than E.164 allows'],
    ['+86 138 0013 800a', 'a letter'],
    ['', 'nothing'],
  ])('the phone number %s is refused (%s)', (given) => {
    expect(normalizePhone(given)).toBeNull();
  });

  test('an e-mail address is stored in lower case, so that a returning shopper finds it however typed', () => {
    expect(normalizeEmail(' Li.Wei@QQ.com ')).toBe('li.wei@qq.com');
  });
});
