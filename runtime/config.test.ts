import { appConfigFromEnv, ConfigError, DEFAULT_ADMISSION_LIMITS } from './config';

/** What a production operator sets: long random secrets of their own. */
const production = {
  TONGBAO_ENV: 'production',
  TONGBAO_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  TONGBAO_ADMIN_TOKEN: 'a3f1c9e07b5d42e8a1c6f0b9d8e7c6b5a4f3e2d1',
  TONGBAO_PAYLOAD_KEY: Buffer.alloc(32, 9).toString('base64'),
  KRATOS_SECRETS_DEFAULT: 'Qm9uZCBpcyBub3QgYSBzZWNyZXQgYnV0IHRoaXMgaXM',
};

/** docker-compose.yml's development defaults, public by being written there. */
const composeDefaults = {
  TONGBAO_ENCRYPTION_KEY: 'ZGV2LW9ubHkta2V5LW5vdC1mb3ItcmVhbC1kYXRhISE=',
  TONGBAO_ADMIN_TOKEN: 'dev-only-admin-token',
  TONGBAO_PAYLOAD_KEY: 'ZGV2LW9ubHktcGF5bG9hZC1rZXktbm90LXJlYWwhISE=',
  KRATOS_SECRETS_DEFAULT: 'dev-only-kratos-default-secret',
  KRATOS_SECRETS_COOKIE: 'dev-only-kratos-cookie-secret',
  KRATOS_SECRETS_CIPHER: 'dev-only-cipher-32-characters!!!',
};

describe('a production process refuses the secrets everyone knows', () => {
  test('with secrets of its own, production starts', () => {
    expect(appConfigFromEnv(production)).toMatchObject({ production: true });
  });

  test.each(Object.entries(composeDefaults))("the compose file's %s is refused, naming it", (name, value) => {
    expect(() => appConfigFromEnv({ ...production, [name]: value })).toThrow(ConfigError);
    expect(() => appConfigFromEnv({ ...production, [name]: value })).toThrow(new RegExp(`^${name} `));
  });

  test.each([
    ['TONGBAO_ADMIN_TOKEN', 'short-token-0123456789'],
    ['TONGBAO_ENCRYPTION_KEY', Buffer.alloc(16, 1).toString('base64')],
    ['TONGBAO_PAYLOAD_KEY', Buffer.alloc(24, 1).toString('base64')],
    ['KRATOS_SECRETS_COOKIE', 'sixteen-chars-ok'],
  ])('a short %s is refused, naming it', (name, value) => {
    expect(() => appConfigFromEnv({ ...production, [name]: value })).toThrow(new RegExp(`^${name} is too short`));
  });

  test('a missing payload key is refused in production', () => {
    expect(() => appConfigFromEnv({ ...production, TONGBAO_PAYLOAD_KEY: '' })).toThrow(
      /^TONGBAO_PAYLOAD_KEY must be set/,
    );
  });

  test('development (the default) keeps accepting the compose defaults, so a laptop still starts', () => {
    const { TONGBAO_ENV: _, ...development } = { ...production, ...composeDefaults };
    expect(appConfigFromEnv(development)).toMatchObject({ production: false });
  });

  test('an unknown TONGBAO_ENV is refused rather than taken for development', () => {
    expect(() => appConfigFromEnv({ ...production, TONGBAO_ENV: 'prod' })).toThrow(/TONGBAO_ENV/);
  });
});

describe('TONGBAO_API_DEADLINE_SECONDS', () => {
  test('unset, each wait keeps its default (api/deadline.ts); set, it shortens them; nonsense is refused, naming it', () => {
    expect(appConfigFromEnv(composeDefaults).apiDeadlineSeconds).toBeNull();
    expect(appConfigFromEnv({ ...composeDefaults, TONGBAO_API_DEADLINE_SECONDS: '3' }).apiDeadlineSeconds).toBe(3);
    for (const value of ['0', '-5', 'soon', 'Infinity'])
      expect(() => appConfigFromEnv({ ...composeDefaults, TONGBAO_API_DEADLINE_SECONDS: value })).toThrow(
        /TONGBAO_API_DEADLINE_SECONDS/,
      );
  });
});

describe('admission limits', () => {
  test('unset, the defaults sized for 2 cores; set, the values given; nonsense is refused, naming the variable', () => {
    expect(appConfigFromEnv(composeDefaults).admission).toEqual(DEFAULT_ADMISSION_LIMITS);
    expect(
      appConfigFromEnv({
        ...composeDefaults,
        TONGBAO_API_MAX_IN_FLIGHT: '4',
        TONGBAO_API_MAX_IN_FLIGHT_PER_MERCHANT: '2',
        TONGBAO_API_MAX_QUEUE_MS: '0',
        TONGBAO_API_TARGET_LATENCY_MS: '250',
      }).admission,
    ).toEqual({ maxInFlight: 4, maxInFlightPerMerchant: 2, maxQueueMs: 0, targetLatencyMs: 250 });
    for (const [name, value] of [
      ['TONGBAO_API_MAX_IN_FLIGHT', '0'],
      ['TONGBAO_API_MAX_IN_FLIGHT_PER_MERCHANT', '1.5'],
      ['TONGBAO_API_MAX_QUEUE_MS', '-1'],
      ['TONGBAO_API_TARGET_LATENCY_MS', 'fast'],
    ])
      expect(() => appConfigFromEnv({ ...composeDefaults, [name]: value })).toThrow(new RegExp(`^${name} `));
  });
});

describe('monitoring', () => {
  test("the worker's metrics listen on loopback by default; a host, a port, any port or none may be asked", () => {
    expect(appConfigFromEnv(composeDefaults).workerMetrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(
      appConfigFromEnv({ ...composeDefaults, WORKER_METRICS_HOST: '0.0.0.0', WORKER_METRICS_PORT: '0' }).workerMetrics,
    ).toEqual({ host: '0.0.0.0', port: 0 });
    expect(appConfigFromEnv({ ...composeDefaults, WORKER_METRICS_PORT: 'off' }).workerMetrics).toBeNull();
    expect(() => appConfigFromEnv({ ...composeDefaults, WORKER_METRICS_PORT: 'nine' })).toThrow(
      /^WORKER_METRICS_PORT /,
    );
  });

  test('traces are off unless an OTLP endpoint is set; a base URL gets /v1/traces, a traces URL is kept', () => {
    expect(appConfigFromEnv(composeDefaults).otlpTracesUrl).toBeNull();
    expect(
      appConfigFromEnv({ ...composeDefaults, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).otlpTracesUrl,
    ).toBe('http://collector:4318/v1/traces');
    expect(appConfigFromEnv({ ...composeDefaults, TONGBAO_OTLP_ENDPOINT: 'https://otel.example' }).otlpTracesUrl).toBe(
      'https://otel.example/v1/traces',
    );
    expect(
      appConfigFromEnv({ ...composeDefaults, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/traces' })
        .otlpTracesUrl,
    ).toBe('http://collector:4318/traces');
    expect(() => appConfigFromEnv({ ...composeDefaults, TONGBAO_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTLP endpoint/,
    );
  });
});
