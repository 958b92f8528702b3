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

/**
 * Field names censored at any depth (pino's paths reach one level of wildcard only; a provider
 * account's credentials nest deeper). Compared without case or underscores: `apiV3Key`, `api_v3_key`.
 */
const SECRET_FIELDS = new Set(
  [
    'apiV3Key',
    'appSecret',
    'pfx',
    'password',
    'passphrase',
    'privateKey',
    'merchantPrivateKey',
    'secret',
    'testSecretKey',
    'apiKey',
    'authorization',
    'credentials',
    // Aliyun's AccessKey secret (SMS and Direct Mail), as admins send it and as it is sealed.
    'accessKeySecret',
  ].map((name) => name.toLowerCase()),
);

const CENSOR = '[redacted]';

function isSecretField(name: string): boolean {
  return SECRET_FIELDS.has(name.replace(/[_-]/g, '').toLowerCase());
}

/** A copy of `value` with every secret field censored, however deep; only plain objects and arrays are walked. */
export function redactSecrets(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return value;
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((item) => redactSecrets(item, seen));
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  seen.add(value);
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, isSecretField(key) ? CENSOR : redactSecrets(field, seen)]),
  );
}

export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): pino.Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
    },
    destination,
  );
}
