import { REFUSED_BODY_BYTES, storedBody } from './notifications.service';

describe('what is kept of a notification body', () => {
  test('a refused body keeps its first 2 KB only', () => {
    expect(storedBody(Buffer.alloc(256 * 1024, 'a'), REFUSED_BODY_BYTES)).toHaveLength(2048);
  });

  test('a NUL, which PostgreSQL text refuses, is kept as U+FFFD', () => {
    expect(storedBody(Buffer.from('a\u0000b'), null)).toBe('a\uFFFDb');
  });

  test('a character cut at the limit becomes U+FFFD, never a broken sequence', () => {
    const body = Buffer.concat([Buffer.alloc(REFUSED_BODY_BYTES - 1, 'a'), Buffer.from('通')]);
    expect(storedBody(body, REFUSED_BODY_BYTES).endsWith('\uFFFD')).toBe(true);
  });
});
