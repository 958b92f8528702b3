import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('provider credentials encrypted at rest', () => {
  const box = new SecretBox(randomBytes(32).toString('base64'));
  const credentials = { appId: '2021000000000001', privateKey: '-----BEGIN RSA PRIVATE KEY-----\nMIIE…' };

  test('round trip, and the sealed text does not contain the secret', () => {
    const sealed = box.seal(credentials);
    expect(sealed).not.toContain('PRIVATE KEY');
    expect(sealed).not.toContain('2021000000000001');
    expect(box.open(sealed)).toEqual(credentials);
  });

  test('the same value seals differently each time (fresh IV)', () => {
    expect(box.seal(credentials)).not.toBe(box.seal(credentials));
  });

  test('a tampered ciphertext is refused', () => {
    const sealed = box.seal(credentials);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });

  test('another key cannot open it', () => {
    const other = new SecretBox(randomBytes(32).toString('base64'));
    expect(() => other.open(box.seal(credentials))).toThrow();
  });

  test('a key of the wrong size is refused at start', () => {
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
