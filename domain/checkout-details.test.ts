import { maskEmail, maskName, maskPhone } from './checkout-details';

describe("a returning shopper's details, masked until the SMS code is typed", () => {
  test.each([
    ['+8613800138000', '+86 138****8000'],
    ['+8619912345678', '+86 199****5678'],
    // Other countries: the first digits (most of a country code) and the last four.
    ['+14155550100', '+141****0100'],
    ['+447911123456', '+447*****3456'],
    ['+123456', '+1*****'],
  ])('phone %s reads %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  test.each([
    ['li.wei@qq.com', 'l***@qq.com'],
    ['a@shop.example', 'a***@shop.example'],
    ['not-an-address', '***'],
  ])('e-mail %s reads %s', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });

  test.each([
    ['李伟', '李*'],
    ['欧阳娜娜', '欧***'],
    ['Ann Lee', 'A** L**'],
    ['𠮷田', '𠮷*'],
  ])('name %s reads %s', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
});
