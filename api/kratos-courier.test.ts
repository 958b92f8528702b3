import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, KRATOS_COURIER_PLACEHOLDER, appConfigFromEnv } from '../runtime/config';
import { InvalidRequestError } from './errors';
import {
  KRATOS_CODE_LIFESPAN_MINUTES,
  courierSendOf,
  parseKratosCourierMessage,
  type KratosCourierMessage,
} from './kratos-courier';

const KEY = 'courier-secret-for-tests';
const NOON = new Date('2026-12-03T12:00:00Z');

/** A body as kratos/courier.jsonnet builds it for a recovery code (Kratos v1.3.1, code method). */
function recoveryCall(overrides: Record<string, unknown> = {}, traits: Record<string, unknown> = {}) {
  return {
    recipient: 'li.wei@example.com',
    template_type: 'recovery_code_valid',
    message_type: 'email',
    template_data: {
      to: 'li.wei@example.com',
      recovery_code: '123456',
      request_url: 'http://127.0.0.1:4433/self-service/recovery/api',
      identity: { id: '8f6a3c1e-0000-4000-8000-000000000001', traits },
    },
    ...overrides,
  };
}

function refusal(body: unknown): InvalidRequestError {
  try {
    parseKratosCourierMessage(body);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error('expected the body to be refused');
}

describe("Kratos' courier call becomes a Tongbao message", () => {
  test('a recovery code goes out as account_recovery, in zh-CN when the identity has no locale', () => {
    const message = parseKratosCourierMessage(recoveryCall());
    expect(message).toEqual({
      templateType: 'recovery_code_valid',
      channel: 'email',
      to: 'li.wei@example.com',
      code: '123456',
      locale: 'zh-CN',
      requestUrl: 'http://127.0.0.1:4433/self-service/recovery/api',
    });
    const send = courierSendOf(message, KEY, NOON);
    expect(send).toMatchObject({
      template: 'account_recovery',
      channel: 'email',
      to: 'li.wei@example.com',
      locale: 'zh-CN',
      variables: { code: '123456', minutes: String(KRATOS_CODE_LIFESPAN_MINUTES) },
    });
    expect(send.objectId).toMatch(/^kratos_[0-9a-f]{32}$/);
  });

  test('an identity whose locale trait is English is written to in en-US; unknown locales fall back to zh-CN', () => {
    expect(parseKratosCourierMessage(recoveryCall({}, { locale: 'en-US' })).locale).toBe('en-US');
    expect(parseKratosCourierMessage(recoveryCall({}, { locale: 'en_GB' })).locale).toBe('en-US');
    expect(parseKratosCourierMessage(recoveryCall({}, { locale: 'zh-CN' })).locale).toBe('zh-CN');
    expect(parseKratosCourierMessage(recoveryCall({}, { locale: 'fr-FR' })).locale).toBe('zh-CN');
    expect(parseKratosCourierMessage(recoveryCall({}, { locale: 42 })).locale).toBe('zh-CN');
  });

  test("a registration code's locale comes from the traits Kratos sends instead of an identity", () => {
    const message = parseKratosCourierMessage({
      recipient: 'new@example.com',
      template_type: 'registration_code_valid',
      message_type: 'email',
      template_data: { to: 'new@example.com', registration_code: '654321', traits: { locale: 'en' } },
    });
    expect(message).toMatchObject({ code: '654321', locale: 'en-US' });
    expect(courierSendOf(message, KEY, NOON).template).toBe('verification_code');
  });

  test('each code type has its template; sign-in and registration codes are verification codes', () => {
    const cases = [
      ['verification_code_valid', 'verification_code', 'verification_code'],
      ['login_code_valid', 'login_code', 'verification_code'],
      ['registration_code_valid', 'registration_code', 'verification_code'],
      ['recovery_code_valid', 'recovery_code', 'account_recovery'],
    ] as const;
    for (const [type, field, template] of cases) {
      const message = parseKratosCourierMessage({
        recipient: 'a@example.com',
        template_type: type,
        message_type: 'email',
        template_data: { [field]: '000111' },
      });
      expect(courierSendOf(message, KEY, NOON)).toMatchObject({ template, variables: { code: '000111' } });
    }
  });

  test('an SMS verification code goes to the phone number Kratos names', () => {
    const message = parseKratosCourierMessage({
      recipient: '+8613800138000',
      template_type: 'verification_code_valid',
      message_type: 'sms',
      template_data: { to: '+8613800138000', verification_code: '246810', identity: { traits: { locale: 'en-US' } } },
    });
    expect(courierSendOf(message, KEY, NOON)).toMatchObject({
      template: 'verification_code',
      channel: 'sms',
      to: '+8613800138000',
      locale: 'en-US',
      variables: { code: '246810', minutes: '15' },
    });
  });

  test('an unknown address gets its own template without a code, in zh-CN (Kratos knows no identity for it)', () => {
    for (const [type, template] of [
      ['recovery_code_invalid', 'account_recovery_unknown'],
      ['verification_code_invalid', 'verification_unknown'],
    ] as const) {
      const message = parseKratosCourierMessage({
        recipient: 'nobody@example.com',
        template_type: type,
        message_type: 'email',
        template_data: { to: 'nobody@example.com', request_url: 'http://127.0.0.1:4433/self-service/recovery/api' },
      });
      expect(courierSendOf(message, KEY, NOON)).toMatchObject({ template, locale: 'zh-CN', variables: {} });
    }
  });

  test("Kratos' whole courier context (a body of `function(ctx) ctx`) is taken too", () => {
    const whole = {
      ...recoveryCall(),
      subject: 'Recover access to your account',
      body: 'Hi, please recover access to your account by entering the following code: 123456',
      template_data: {
        ...recoveryCall().template_data,
        transient_payload: {},
        identity: {
          id: 'x',
          schema_id: 'staff',
          traits: { email: 'li.wei@example.com', role: 'admin', locale: 'en-US' },
        },
      },
    };
    expect(parseKratosCourierMessage(whole)).toMatchObject({ code: '123456', locale: 'en-US' });
  });
});

describe('a retried courier call is the same message; another one is not', () => {
  const message = (overrides: Partial<KratosCourierMessage> = {}): KratosCourierMessage => ({
    ...parseKratosCourierMessage(recoveryCall()),
    ...overrides,
  });

  test('the same call, later, has the same object id; another code or recipient another', () => {
    const first = courierSendOf(message(), KEY, NOON).objectId;
    expect(courierSendOf(message(), KEY, new Date(NOON.getTime() + 86_400_000)).objectId).toBe(first);
    expect(courierSendOf(message({ code: '123457' }), KEY, NOON).objectId).not.toBe(first);
    expect(courierSendOf(message({ to: 'other@example.com' }), KEY, NOON).objectId).not.toBe(first);
    expect(courierSendOf(message({ templateType: 'login_code_valid' }), KEY, NOON).objectId).not.toBe(first);
  });

  test('the object id does not give the code away: it is keyed, and without the key no guess reproduces it', () => {
    const send = courierSendOf(message(), KEY, NOON);
    expect(send.objectId).not.toContain('123456');
    expect(courierSendOf(message(), 'another-key', NOON).objectId).not.toBe(send.objectId);
  });

  test('an unknown-address notice is one an hour for the same address and flow start', () => {
    const invalid = message({ templateType: 'recovery_code_invalid', code: null });
    const first = courierSendOf(invalid, KEY, NOON).objectId;
    expect(courierSendOf(invalid, KEY, new Date(NOON.getTime() + 59 * 60_000)).objectId).toBe(first);
    expect(courierSendOf(invalid, KEY, new Date(NOON.getTime() + 61 * 60_000)).objectId).not.toBe(first);
  });
});

describe('a malformed courier call is refused 400, naming the field', () => {
  const cases: [body: unknown, what: string, code: string, param: string | null][] = [
    ['not an object', 'a string', 'invalid_body', null],
    [{ ...recoveryCall(), template_type: undefined }, 'missing', 'parameter_missing', 'template_type'],
    [
      { ...recoveryCall(), template_type: 'recovery_valid' },
      'a link-method type',
      'parameter_invalid',
      'template_type',
    ],
    [{ ...recoveryCall(), message_type: 'fax' }, 'an unknown channel', 'parameter_invalid', 'message_type'],
    [{ ...recoveryCall(), recipient: 'not-an-address' }, 'a bad address', 'parameter_invalid', 'recipient'],
    [{ ...recoveryCall(), message_type: 'sms' }, 'an e-mail address for an SMS', 'parameter_invalid', 'recipient'],
    [{ ...recoveryCall(), template_data: undefined }, 'no template data', 'parameter_missing', 'template_data'],
    [{ ...recoveryCall(), template_data: [] }, 'template data not an object', 'parameter_invalid', 'template_data'],
    [
      { ...recoveryCall(), template_data: { to: 'li.wei@example.com' } },
      'no code',
      'parameter_missing',
      'template_data[recovery_code]',
    ],
    [
      { ...recoveryCall(), template_data: { recovery_code: 123456 } },
      'a code not a string',
      'parameter_invalid',
      'template_data[recovery_code]',
    ],
    [
      { ...recoveryCall(), template_data: { recovery_code: 'twelve words of text' } },
      'not a code',
      'parameter_invalid',
      'template_data[recovery_code]',
    ],
    [{ ...recoveryCall(), recipient: 'li\u0000wei@example.com' }, 'a NUL', 'parameter_invalid', 'recipient'],
  ];
  for (const [body, what, code, param] of cases) {
    test(`${what}: ${code} ${param ?? ''}`, () => {
      expect(refusal(body)).toMatchObject({ status: 400, code, param });
    });
  }

  test('a refusal never repeats the code it was given', () => {
    const error = refusal({ ...recoveryCall(), template_data: { recovery_code: 'secret words 987654' } });
    expect(error.message).not.toContain('987654');
  });
});

test('the code lifespan the message states is the one kratos/kratos.yml configures', () => {
  const yml = fs.readFileSync(path.join(__dirname, '..', 'kratos', 'kratos.yml'), 'utf8');
  const configured = /\n {4}code:\n(?: {6}.*\n)*? {6}config:\n {8}lifespan: (\d+)m\n/.exec(yml);
  expect(configured?.[1]).toBe(String(KRATOS_CODE_LIFESPAN_MINUTES));
});

test("kratos.yml's courier password is a placeholder no API takes for the secret", () => {
  const yml = fs.readFileSync(path.join(__dirname, '..', 'kratos', 'kratos.yml'), 'utf8');
  expect(yml).toContain(`password: ${KRATOS_COURIER_PLACEHOLDER}`);
  const env = { TONGBAO_ENCRYPTION_KEY: 'k', TONGBAO_ADMIN_TOKEN: 't' };
  expect(() => appConfigFromEnv({ ...env, TONGBAO_KRATOS_COURIER_SECRET: KRATOS_COURIER_PLACEHOLDER })).toThrow(
    ConfigError,
  );
  expect(appConfigFromEnv({ ...env, TONGBAO_KRATOS_COURIER_SECRET: 'a-secret-of-32-characters-000000' })).toMatchObject(
    {
      kratosCourierSecret: 'a-secret-of-32-characters-000000',
    },
  );
});
