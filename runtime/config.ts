import type { AlertSettings } from '../domain/alerts';

/** Settings of the API and the worker, from the environment the stack runner (or an operator) provides. */
export interface AppConfig {
  databaseUrl: string;
  encryptionKey: string;
  adminToken: string;
  /** The API's public base URL; providers send notifications to it. */
  apiUrl: string;
  apiPort: number;
  /** The hosted checkout's public base URL; sessions send shoppers to `<it>/pay/<cs_id>`. */
  webUrl: string;
  /** Test mode's providers live here; null disables test mode. */
  sandboxUrl: string | null;
  /** Divides workflow timers; 1 in production. */
  timeScale: number;
  /** Seconds a provider has to settle a refund before it becomes `requires_attention` (before time scaling). */
  refundAttentionAfterSeconds: number;
  logLevel: string;
  /**
   * TONGBAO_API_DEADLINE_SECONDS: when set, the API waits at most this long on any update it sends
   * a workflow (create, cancel, an admin's retry) before it answers 503, instead of each one's
   * default (api/deadline.ts). For tests, and for a proxy in front that gives up sooner.
   */
  apiDeadlineSeconds: number | null;
  /** Admission control of the requests that start or drive workflows (api/admission.ts). */
  admission: AdmissionLimits;
  /**
   * TONGBAO_WEBHOOK_ALLOW_PRIVATE=true: merchants' webhook endpoints may be loopback or private
   * addresses. The dev and test stacks set it (their receivers listen on 127.0.0.1); production must not.
   */
  webhookAllowPrivate: boolean;
  /**
   * TONGBAO_ALERT_TO: e-mail addresses and phones (comma-separated) of the platform's operators, who
   * get the stuck-refund alert when a refund needs attention; TONGBAO_ALERT_LOCALE (zh-CN) its language.
   */
  alerts: AlertSettings;
  /** TONGBAO_ENV=production: live payments; secrets must not be the development defaults. */
  production: boolean;
  /**
   * TONGBAO_KRATOS_COURIER_SECRET: the password Kratos' courier sends (basic auth, user `kratos`)
   * with every e-mail and SMS it posts to `/internal/kratos/courier`; null: that endpoint refuses
   * every call (503), so Kratos keeps its messages queued and retries.
   */
  kratosCourierSecret: string | null;
  /**
   * KRATOS_PUBLIC_URL and KRATOS_ADMIN_URL: where the API checks console sessions (public) and
   * invites team members (admin); null: the API takes secret keys only.
   */
  kratos: { publicUrl: string | null; adminUrl: string | null };
  /**
   * WORKER_METRICS_HOST (127.0.0.1) and WORKER_METRICS_PORT (9464): where the worker answers
   * Prometheus' `GET /metrics`, unauthenticated, so on loopback unless an operator opens it (a
   * scraper on another host: 0.0.0.0 behind a firewall). Port 0: a free port, printed at start;
   * `off`: no listener.
   */
  workerMetrics: { host: string; port: number } | null;
  /**
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full URL), else OTEL_EXPORTER_OTLP_ENDPOINT or
   * TONGBAO_OTLP_ENDPOINT (a base URL, `/v1/traces` appended): where traces go over OTLP/HTTP;
   * null: tracing is off and costs nothing (runtime/tracing.ts).
   */
  otlpTracesUrl: string | null;
}

/**
 * How many requests that start or drive a workflow (a payment's create or cancel, a refund, an
 * admin's retry or cancel of one) one API process runs at once. An admitted request waits on the
 * worker, so in flight = throughput × latency (Little's law): the process keeps as many in flight
 * as answer within `targetLatencyMs`, adapting to what the worker does now (api/admission.ts),
 * up to `maxInFlight`. The defaults are sized for the 2-core machine the benchmark runs on (README,
 * Overload).
 */
export interface AdmissionLimits {
  /**
   * TONGBAO_API_MAX_IN_FLIGHT (32): at most this many at once in this process; past the limit a
   * request waits its turn briefly, or is refused 503. A 2-core machine carries out 12 to 40
   * creates a second when quiet, so at the 400 ms target 5 to 16 at once; the bound is twice
   * that, since a merchant's 20 refunds of one payment at once (they take turns on its row lock)
   * are a burst to let in, not to refuse, and the latency brings the limit down when the
   * worker is what waits.
   */
  maxInFlight: number;
  /**
   * TONGBAO_API_MAX_IN_FLIGHT_PER_MERCHANT (24): at once (or waiting) for one merchant; past it
   * 429. Less than the process's, so that one merchant's burst leaves turns for the others; more
   * than the 20 refunds of one payment at once that the tests and the benchmark send.
   */
  maxInFlightPerMerchant: number;
  /**
   * TONGBAO_API_MAX_QUEUE_MS (30): how long a request may wait for a turn. A burst is smoothed,
   * a request that would wait longer is refused at once, and no refusal takes much longer than
   * this (the bound for an answer to a refused request is 100 ms). At 3× capacity on 2
   * cores (bench, 2026-12-04) the rest is the busy machine's: with 75, refusals p90 80 ms and p99
   * 138–180 ms; with 30, p90 31 ms, p99 98–141 ms, 98–99 % within 100 ms.
   */
  maxQueueMs: number;
  /**
   * TONGBAO_API_TARGET_LATENCY_MS (400): the latency admitted requests should keep. Slower answers
   * lower the process's limit, faster ones raise it, and a crowd whose oldest is past half of it
   * stops letting more in before any answers (api/admission.ts), so latency swings around it:
   * measured at 3× capacity, a 500 ms target gave p50 570 ms and p99 1.2 s; 400 gives p50 400 ms
   * and p99 0.8–0.9 s, none over the 1 s an admitted create may take at worst.
   */
  targetLatencyMs: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxInFlight: 32,
  maxInFlightPerMerchant: 24,
  maxQueueMs: 30,
  targetLatencyMs: 400,
};

export class ConfigError extends Error {}

/** A whole number from `name`, at least `min`, or `fallback` when unset. */
function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be a whole number, at least ${min}`);
  return value;
}

function admissionLimitsFromEnv(env: NodeJS.ProcessEnv): AdmissionLimits {
  const defaults = DEFAULT_ADMISSION_LIMITS;
  return {
    maxInFlight: wholeNumber(env, 'TONGBAO_API_MAX_IN_FLIGHT', defaults.maxInFlight, 1),
    maxInFlightPerMerchant: wholeNumber(
      env,
      'TONGBAO_API_MAX_IN_FLIGHT_PER_MERCHANT',
      defaults.maxInFlightPerMerchant,
      1,
    ),
    maxQueueMs: wholeNumber(env, 'TONGBAO_API_MAX_QUEUE_MS', defaults.maxQueueMs, 0),
    targetLatencyMs: wholeNumber(env, 'TONGBAO_API_TARGET_LATENCY_MS', defaults.targetLatencyMs, 1),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} must be set (the stack runner sets it; see README "Configuration")`);
  return value;
}

/**
 * The secrets docker-compose.yml and the README hand out as defaults. Public by being written
 * there, so a production process refuses them.
 */
export const KNOWN_DEFAULT_SECRETS = new Set([
  'ZGV2LW9ubHkta2V5LW5vdC1mb3ItcmVhbC1kYXRhISE=',
  'dev-only-admin-token',
  'dev-only-kratos-default-secret',
  'dev-only-kratos-cookie-secret',
  'dev-only-cipher-32-characters!!!',
  'ZGV2LW9ubHktcGF5bG9hZC1rZXktbm90LXJlYWwhISE=',
]);

/** The secrets a production process checks, with the shortest each may be (characters, or bytes once decoded). */
const PRODUCTION_SECRETS: { name: string; min: number; base64?: true; optional?: true }[] = [
  { name: 'TONGBAO_ADMIN_TOKEN', min: 32 },
  { name: 'TONGBAO_ENCRYPTION_KEY', min: 32, base64: true },
  { name: 'TONGBAO_PAYLOAD_KEY', min: 32, base64: true },
  // Kratos reads these itself; a process that is given them checks them too.
  { name: 'KRATOS_SECRETS_DEFAULT', min: 32, optional: true },
  { name: 'KRATOS_SECRETS_COOKIE', min: 32, optional: true },
  { name: 'KRATOS_SECRETS_CIPHER', min: 32, optional: true },
  { name: 'TONGBAO_KRATOS_COURIER_SECRET', min: 32, optional: true },
];

/** kratos/kratos.yml's stand-in for the courier secret, which the environment replaces: never a secret. */
export const KRATOS_COURIER_PLACEHOLDER = 'placeholder-set-by-the-environment';

/** Refuses to start production with a development default or a short secret, naming the variable. */
export function assertProductionSecrets(env: NodeJS.ProcessEnv): void {
  for (const { name, min, base64, optional } of PRODUCTION_SECRETS) {
    const value = env[name];
    if (!value) {
      if (optional) continue;
      throw new ConfigError(`${name} must be set in production`);
    }
    if (KNOWN_DEFAULT_SECRETS.has(value) || /dev-only/i.test(value)) {
      throw new ConfigError(`${name} is a published development default: set a secret of your own in production`);
    }
    const length = base64 ? Buffer.from(value, 'base64').length : value.length;
    if (length < min) {
      throw new ConfigError(`${name} is too short for production: at least ${min} ${base64 ? 'bytes' : 'characters'}`);
    }
  }
}

export function appConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const apiPort = Number(env.API_PORT ?? 8080);
  const timeScale = Number(env.TONGBAO_TIME_SCALE ?? 1);
  if (!Number.isFinite(timeScale) || timeScale <= 0)
    throw new ConfigError('TONGBAO_TIME_SCALE must be a positive number');
  const tongbaoEnv = env.TONGBAO_ENV ?? 'development';
  if (tongbaoEnv !== 'production' && tongbaoEnv !== 'development') {
    throw new ConfigError('TONGBAO_ENV must be production or development');
  }
  const production = tongbaoEnv === 'production';
  if (production) assertProductionSecrets(env);
  const refundAttentionAfterSeconds = Number(env.TONGBAO_REFUND_ATTENTION_AFTER ?? 86_400);
  if (!Number.isInteger(refundAttentionAfterSeconds) || refundAttentionAfterSeconds < 60) {
    throw new ConfigError('TONGBAO_REFUND_ATTENTION_AFTER must be a whole number of seconds, at least 60');
  }
  const apiDeadlineSeconds = env.TONGBAO_API_DEADLINE_SECONDS ? Number(env.TONGBAO_API_DEADLINE_SECONDS) : null;
  if (apiDeadlineSeconds !== null && !(Number.isFinite(apiDeadlineSeconds) && apiDeadlineSeconds >= 1)) {
    throw new ConfigError('TONGBAO_API_DEADLINE_SECONDS must be a number of seconds, at least 1');
  }
  const kratosCourierSecret = env.TONGBAO_KRATOS_COURIER_SECRET || null;
  if (
    kratosCourierSecret !== null &&
    (kratosCourierSecret === KRATOS_COURIER_PLACEHOLDER || kratosCourierSecret.length < 16)
  ) {
    throw new ConfigError(
      "TONGBAO_KRATOS_COURIER_SECRET must be a secret of at least 16 characters, not kratos.yml's placeholder",
    );
  }
  return {
    workerMetrics: workerMetricsFromEnv(env),
    otlpTracesUrl: otlpTracesUrlFromEnv(env),
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tongbao',
    encryptionKey: required(env, 'TONGBAO_ENCRYPTION_KEY'),
    adminToken: required(env, 'TONGBAO_ADMIN_TOKEN'),
    apiUrl: (env.TONGBAO_API_URL ?? `http://127.0.0.1:${apiPort}`).replace(/\/$/, ''),
    apiPort,
    webUrl: (env.TONGBAO_WEB_URL ?? 'http://127.0.0.1:5173').replace(/\/$/, ''),
    sandboxUrl: env.TONGBAO_SANDBOX_URL ? env.TONGBAO_SANDBOX_URL.replace(/\/$/, '') : null,
    timeScale,
    refundAttentionAfterSeconds,
    logLevel: env.LOG_LEVEL ?? 'info',
    apiDeadlineSeconds,
    admission: admissionLimitsFromEnv(env),
    webhookAllowPrivate: env.TONGBAO_WEBHOOK_ALLOW_PRIVATE === 'true',
    alerts: alertSettingsFromEnv(env),
    production,
    kratosCourierSecret,
    kratos: {
      publicUrl: env.KRATOS_PUBLIC_URL ? env.KRATOS_PUBLIC_URL.replace(/\/$/, '') : null,
      adminUrl: env.KRATOS_ADMIN_URL ? env.KRATOS_ADMIN_URL.replace(/\/$/, '') : null,
    },
  };
}

/** Who hears of what needs an operator (domain/alerts.ts), and where the admin console is. */
export function alertSettingsFromEnv(env: NodeJS.ProcessEnv): AlertSettings {
  const locale = env.TONGBAO_ALERT_LOCALE ?? 'zh-CN';
  if (locale !== 'zh-CN' && locale !== 'en-US') throw new ConfigError('TONGBAO_ALERT_LOCALE must be zh-CN or en-US');
  const to = (env.TONGBAO_ALERT_TO ?? '')
    .split(',')
    .map((recipient) => recipient.trim())
    .filter(Boolean);
  const consoleUrl = (env.TONGBAO_WEB_URL ?? 'http://127.0.0.1:5173').replace(/\/$/, '');
  return { to, locale, consoleUrl };
}

function workerMetricsFromEnv(env: NodeJS.ProcessEnv): AppConfig['workerMetrics'] {
  if (env.WORKER_METRICS_PORT === 'off') return null;
  return {
    host: env.WORKER_METRICS_HOST || '127.0.0.1',
    port: wholeNumber(env, 'WORKER_METRICS_PORT', 9464, 0),
  };
}

function otlpTracesUrlFromEnv(env: NodeJS.ProcessEnv): string | null {
  const full = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.TONGBAO_OTLP_ENDPOINT;
  const url = full || (base ? `${base.replace(/\/$/, '')}/v1/traces` : null);
  if (url === null) return null;
  if (!/^https?:\/\/[^/]/.test(url))
    throw new ConfigError(
      'the OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or TONGBAO_OTLP_ENDPOINT) must be an http(s) URL',
    );
  return url;
}
