// Ory Kratos: migrates its database, then serves the public and admin APIs with
// kratos/kratos.yml, everything machine-specific passed as environment variables.
import crypto from 'node:crypto';
import path from 'node:path';
import { repoRoot } from './lib/paths.mjs';
import { runCommand, startProcess } from './lib/processes.mjs';
import { httpOk, portFree, waitUntil } from './lib/wait.mjs';

export const KRATOS_CONFIG = path.join('kratos', 'kratos.yml');
/** Where the API takes Kratos' courier calls (api/kratos-courier.routes.ts). */
export const KRATOS_COURIER_PATH = '/internal/kratos/courier';
/** The user name of the courier's basic auth; the password is the stack's courier secret. */
export const KRATOS_COURIER_USER = 'kratos';

/** Fresh Kratos secrets; the stack persists them, so sessions survive a restart. */
export function newKratosSecrets() {
  return {
    default: crypto.randomBytes(32).toString('hex'),
    cookie: crypto.randomBytes(32).toString('hex'),
    cipher: crypto.randomBytes(16).toString('hex'), // exactly 32 characters, as Kratos requires
  };
}

/**
 * Kratos reads every environment variable whose name matches a config key (LOG_LEVEL,
 * VERSION, SECRETS_…), so it gets a clean environment: the app's LOG_LEVEL=debug, say,
 * would otherwise change Kratos' too, or fail its validation.
 */
export function kratosEnv({ dsn, publicPort, adminPort, webUrl, secrets, courier, logLevel = 'warning', extra = {} }) {
  const web = webUrl.replace(/\/$/, '');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DSN: dsn,
    SECRETS_DEFAULT: secrets.default,
    SECRETS_COOKIE: secrets.cookie,
    SECRETS_CIPHER: secrets.cipher,
    SERVE_PUBLIC_HOST: '127.0.0.1',
    SERVE_PUBLIC_PORT: String(publicPort),
    SERVE_PUBLIC_BASE_URL: `http://127.0.0.1:${publicPort}/`,
    SERVE_PUBLIC_CORS_ALLOWED_ORIGINS: web,
    SERVE_ADMIN_HOST: '127.0.0.1',
    SERVE_ADMIN_PORT: String(adminPort),
    SERVE_ADMIN_BASE_URL: `http://127.0.0.1:${adminPort}/`,
    SELFSERVICE_DEFAULT_BROWSER_RETURN_URL: `${web}/`,
    SELFSERVICE_ALLOWED_RETURN_URLS: web,
    SELFSERVICE_FLOWS_ERROR_UI_URL: `${web}/auth/error`,
    SELFSERVICE_FLOWS_LOGIN_UI_URL: `${web}/auth/login`,
    SELFSERVICE_FLOWS_LOGOUT_AFTER_DEFAULT_BROWSER_RETURN_URL: `${web}/auth/login`,
    SELFSERVICE_FLOWS_REGISTRATION_UI_URL: `${web}/auth/registration`,
    SELFSERVICE_FLOWS_SETTINGS_UI_URL: `${web}/auth/settings`,
    SELFSERVICE_FLOWS_RECOVERY_UI_URL: `${web}/auth/recovery`,
    SELFSERVICE_FLOWS_VERIFICATION_UI_URL: `${web}/auth/verification`,
    SELFSERVICE_FLOWS_VERIFICATION_AFTER_DEFAULT_BROWSER_RETURN_URL: `${web}/`,
    // Security keys: a relying party is a domain, so the web app's port on localhost (kratos.yml).
    SELFSERVICE_METHODS_WEBAUTHN_CONFIG_RP_ORIGINS: `http://localhost:${new URL(web).port || 80}`,
    ...courierEnv(courier),
    LOG_LEVEL: logLevel,
    ...extra,
  };
  return env;
}

/**
 * Kratos' courier posts every e-mail and SMS to the API (`courier.delivery_strategy: http` and the
 * `sms` channel, both with kratos/courier.jsonnet as the body), which sends it through Tongbao's
 * messaging layer. kratos.yml has the dev stack's request config less the password; the stack
 * passes the whole of each as JSON, which Kratos takes for an object or array key, because the URL
 * differs per stack and the password is a secret.
 */
export function courierEnv({ url, secret }) {
  const requestConfig = {
    url,
    method: 'POST',
    body: 'file://kratos/courier.jsonnet',
    auth: { type: 'basic_auth', config: { user: KRATOS_COURIER_USER, password: secret } },
  };
  return {
    COURIER_HTTP_REQUEST_CONFIG: JSON.stringify(requestConfig),
    COURIER_CHANNELS: JSON.stringify([{ id: 'sms', type: 'http', request_config: requestConfig }]),
  };
}

/**
 * Migrates, starts and waits for Kratos. `dev` serves without Secure cookies, which
 * plain-HTTP 127.0.0.1 needs; `--watch-courier` runs the courier (which posts each queued e-mail
 * and SMS to `courier.url`, the API, authenticated with `courier.secret`) in the same process.
 */
export async function startKratos({
  bin,
  dsn,
  publicPort = 4433,
  adminPort = 4434,
  webUrl = 'http://127.0.0.1:5173',
  secrets,
  courier,
  logLevel = process.env.KRATOS_LOG_LEVEL || 'warning',
  extraEnv = {},
  dev = true,
  log,
  sink,
}) {
  for (const [what, p] of [
    ['public', publicPort],
    ['admin', adminPort],
  ]) {
    if (!(await portFree(p))) throw new Error(`Kratos ${what} port ${p} is already in use (another stack running?)`);
  }
  const env = kratosEnv({ dsn, publicPort, adminPort, webUrl, secrets, courier, logLevel, extra: extraEnv });
  const out = sink ?? log;

  let started = Date.now();
  // Idempotent and quick when nothing is pending; Kratos refuses to serve an old schema.
  await runCommand({
    name: 'kratos-migrate',
    command: bin,
    args: ['migrate', 'sql', '-e', '--yes'],
    cwd: repoRoot,
    env,
    sink: quietMigrations(out),
  });
  const migrateSeconds = (Date.now() - started) / 1000;

  started = Date.now();
  const args = ['serve', '-c', KRATOS_CONFIG, '--sqa-opt-out', '--watch-courier', ...(dev ? ['--dev'] : [])];
  const proc = startProcess({ name: 'kratos', command: bin, args, cwd: repoRoot, env, sink: out, quietOnStop: true });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  try {
    await waitUntil(() => httpOk(`${adminUrl}/admin/health/ready`), {
      what: 'Kratos to be ready',
      proc,
      timeoutMs: 60_000,
    });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  const serveSeconds = (Date.now() - started) / 1000;
  log(`kratos: migrated in ${migrateSeconds.toFixed(1)} s, ready in ${serveSeconds.toFixed(1)} s`);
  return {
    publicUrl: `http://127.0.0.1:${publicPort}`,
    adminUrl,
    process: proc,
    stop: () => proc.stop(),
  };
}

/** The migrator logs two lines per migration (300+); keep only what is not routine. */
function quietMigrations(sink) {
  return (line) => {
    if (/level=info/.test(line) && !/Successfully applied/.test(line)) return;
    sink(line);
  };
}
