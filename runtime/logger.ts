import pino from 'pino';

/**
 * Paths pino censors wherever they appear in a logged object: keys, tokens and credentials must
 * never reach a log line.
 */
export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'credentials',
  '*.credentials',
  'privateKey',
  '*.privateKey',
  'merchant_private_key',
  '*.merchant_private_key',
  'secret',
  '*.secret',
  'test_secret_key',
  '*.test_secret_key',
  'apiKey',
  '*.apiKey',
];

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): pino.Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
