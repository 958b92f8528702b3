import { VerificationCodes } from './verification-codes';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('checkout verification codes, kept as HMACs', () => {
  const codes = new VerificationCodes(KEY);

  test('a code is six digits, leading zeros kept, and codes vary', () => {
    const drawn = Array.from({ length: 2000 }, () => codes.newCode());
    for (const code of drawn) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(drawn).size).toBeGreaterThan(1990);
    expect(drawn.some((code) => code.startsWith('0'))).toBe(true);
  });

  test('the right code matches its own verification only; a wrong one does not', () => {
    const mac = codes.codeMac('cver_a', '123456');
    expect(mac).toMatch(/^[0-9a-f]{64}$/);
    expect(mac).not.toContain('123456');
    expect(codes.matches('cver_a', '123456', mac)).toBe(true);
    expect(codes.matches('cver_a', '123457', mac)).toBe(false);
    expect(codes.matches('cver_b', '123456', mac)).toBe(false);
    expect(codes.matches('cver_a', '123456', 'not hex')).toBe(false);
  });

  test('another key gives other HMACs: a dump of the table alone cannot be checked against guesses', () => {
    const other = new VerificationCodes(Buffer.alloc(32, 8).toString('base64'));
    expect(other.codeMac('cver_a', '123456')).not.toBe(codes.codeMac('cver_a', '123456'));
    expect(other.phoneMac('+8613800138000')).not.toBe(codes.phoneMac('+8613800138000'));
    expect(codes.phoneMac('+8613800138000')).toBe(codes.phoneMac('+8613800138000'));
  });
});
