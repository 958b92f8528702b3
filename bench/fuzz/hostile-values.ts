// Values that break naive code: odd strings (control characters, lone surrogates, homoglyphs, huge),
// odd numbers (negative zero, past 2^53, 1e308), and values of any JSON type, some deep.
import type { Random } from '../random';

export const EVIL_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u0007bell',
  'line\r\nbreak',
  '\u202Eright-to-left',
  '\uD800',
  'x\uDFFFy',
  '😀🧧',
  '中文描述',
  'e\u0301',
  "'; drop table payments; --",
  '%s%n%x',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  '0x1F',
  '1e309',
  'NaN',
  'true',
  'null',
  '2026-02-30T25:61:00Z',
  '9999-12-31',
  '0000-00-00',
  '-1',
  '１２３',
];

export const EVIL_NUMBERS = [
  0,
  -1,
  -0,
  1.5,
  0.1,
  1e-9,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  1e21,
  1e308,
  -1e308,
  99_999_999_999,
];

/** A hostile value: any JSON type, some of them large or deep. */
export function evilValue(random: Random): unknown {
  switch (random.int(0, 9)) {
    case 0:
      return null;
    case 1:
      return random.pick([true, false]);
    case 2:
      return random.pick(EVIL_NUMBERS);
    case 3:
    case 4:
      return random.pick(EVIL_STRINGS);
    case 5:
      return random.pick(['x', '中', '\u0000']).repeat(random.pick([129, 1025, 70_000]));
    case 6:
      return [random.pick(EVIL_STRINGS), random.pick(EVIL_NUMBERS)];
    case 7:
      // An own __proto__ key, as JSON.parse makes it from a body.
      return JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{}}}') as unknown;
    case 8:
      return deep(50, random.chance(0.5));
    default:
      return [];
  }
}

function deep(levels: number, arrays: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = arrays ? [value] : { a: value };
  return value;
}
