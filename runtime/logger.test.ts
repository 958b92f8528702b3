import { Writable } from 'node:stream';
import { createLogger, redactSecrets } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  return { lines, logger: createLogger('test', 'info', stream) };
}

describe('log lines never carry secrets', () => {
  test.each([
    'apiV3Key',
    'appSecret',
    'pfx',
    'password',
    'privateKey',
    'secret',
    'api_v3_key',
    'app_secret',
    'accessKeySecret',
    'access_key_secret',
  ])('a %s field is censored at any depth', async (field) => {
    const { lines, logger } = capture();
    logger.info(
      { [field]: 'top', account: { provider: 'wechatpay', config: { nested: [{ [field]: 'deep' }] } } },
      'provider account',
    );
    await new Promise((resolve) => setImmediate(resolve));
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('top');
    expect(text).not.toContain('deep');
    expect(lines[0]).toMatchObject({
      [field]: '[redacted]',
      account: { provider: 'wechatpay', config: { nested: [{ [field]: '[redacted]' }] } },
      msg: 'provider account',
    });
  });

  test('what is not a secret is logged as it was, errors included', async () => {
    const { lines, logger } = capture();
    logger.info({ paymentId: 'pay_1', amount: 100, err: new Error('boom') }, 'payment');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({ paymentId: 'pay_1', amount: 100, err: { message: 'boom' } });
  });

  test('the existing paths still hold: an authorization header is censored', async () => {
    const { lines, logger } = capture();
    logger.info({ headers: { authorization: 'Bearer sk_test_1' } }, 'request');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({ headers: { authorization: '[redacted]' } });
  });

  test('redaction copies: the logged object is left alone, and cycles do not loop', () => {
    const account: Record<string, unknown> = { pfx: 'MIIK…' };
    account.self = account;
    const redacted = redactSecrets({ account }) as { account: Record<string, unknown> };
    expect(redacted.account.pfx).toBe('[redacted]');
    expect(account.pfx).toBe('MIIK…');
  });
});
