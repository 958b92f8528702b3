// The stack's configuration, resolved once from the mode and the environment: its data dir,
// ports and URLs, databases, secrets, and the environment every app process gets.
import path from 'node:path';
import { repoRoot } from './paths.mjs';
import { PORTS, webPort } from './ports.mjs';
import { databaseUrl, kratosDsn } from './postgres.mjs';
import { loadSecrets } from './secrets.mjs';
import { freePort } from './wait.mjs';

export const TASK_QUEUE = 'tongbao';
export const NAMESPACE = 'default';
/** Where Temporal keeps its state: scripts/temporal.mjs says what each store runs. */
export const TEMPORAL_STORES = ['memory', 'sqlite', 'postgres'];

/**
 * One stack's configuration from its mode and the environment (dev) or its name (test): data dir,
 * ports, URLs, databases, secrets and the app processes' environment (`appEnv`). `temporal` is the
 * Temporal store (TEMPORAL_STORES); by default a SQLite file in dev mode, memory in test mode.
 */
export async function resolveConfig(mode, { name, timeScale, temporal = mode === 'dev' ? 'sqlite' : 'memory' }) {
  if (mode !== 'dev' && mode !== 'test') throw new Error(`unknown stack mode ${mode}`);
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`stack name must be lower-case letters, digits and _: ${name}`);
  if (!TEMPORAL_STORES.includes(temporal)) {
    throw new Error(`unknown Temporal store ${temporal}: one of ${TEMPORAL_STORES.join(', ')}`);
  }
  const test = mode === 'test';
  const env = process.env;
  // The test stack is hermetic: only the PostgreSQL server comes from the environment,
  // so a dev stack and a test run can share the machine.
  const dataDir = test
    ? path.join(repoRoot, '.tongbao', name)
    : path.resolve(repoRoot, env.TONGBAO_DATA_DIR || '.tongbao');
  const serverUrl = env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/tongbao';
  // In dev mode the sandbox's and Kratos' databases are named after the application's, so a stack
  // given another DATABASE_URL (a second checkout, the fresh-clone check) shares none of them:
  // tongbao → tongbao_sandbox, tongbao_kratos.
  const app = decodeURIComponent(new URL(serverUrl).pathname.slice(1)) || 'tongbao';
  const databases = test
    ? { app: `tongbao_${name}`, sandbox: `tongbao_sandbox_${name}`, kratos: `tongbao_${name}_kratos` }
    : { app, sandbox: `${app}_sandbox`, kratos: `${app}_kratos` };
  // Temporal's own two, named after the application's in both modes: tongbao_temporal and
  // tongbao_temporal_visibility, or tongbao_<name>_temporal… for a test stack.
  const temporalDatabases = {
    history: `${databases.app}_temporal`,
    visibility: `${databases.app}_temporal_visibility`,
  };
  const webUrl = (test ? null : env.TONGBAO_WEB_URL?.replace(/\/$/, '')) || 'http://127.0.0.1:5173';
  const ports = {};
  for (const [key, spec] of Object.entries(PORTS)) {
    if (test) ports[key] = await freePort();
    else ports[key] = Number(env[spec.env] || (key === 'web' ? webPort(webUrl) : spec.default));
  }
  const secrets = loadSecrets(dataDir, { useEnv: !test });
  const urls = {
    api: `http://127.0.0.1:${ports.api}`,
    sandbox: `http://127.0.0.1:${ports.sandbox}`,
    temporal: `127.0.0.1:${ports.temporal}`,
    temporalUi: `http://127.0.0.1:${ports.temporalUi}`,
    codec: `http://127.0.0.1:${ports.codec}`,
    workerMetrics: `http://127.0.0.1:${ports.workerMetrics}/metrics`,
    kratosPublic: `http://127.0.0.1:${ports.kratosPublic}`,
    kratosAdmin: `http://127.0.0.1:${ports.kratosAdmin}`,
  };
  const config = {
    mode,
    dataDir,
    logsDir: test ? path.join(dataDir, 'logs') : null,
    ports,
    urls,
    secrets,
    databases,
    serverUrl,
    kratosDsn: kratosDsn(serverUrl, databases.kratos),
    // Tests browse the web app on its own random port; in dev the URL may be public (behind a proxy).
    webUrl: test ? `http://127.0.0.1:${ports.web}` : webUrl,
    // Tests keep history in memory: every run starts from nothing, and nothing is left behind; a test
    // that restarts Temporal asks for a file or PostgreSQL (emptied at start).
    temporal: {
      store: temporal,
      dbFile: temporal === 'sqlite' ? path.join(dataDir, 'temporal.sqlite') : null,
      databases: temporal === 'postgres' ? temporalDatabases : null,
      // The standalone server's config files (postgres only): written at every start.
      configDir: path.join(dataDir, 'temporal-server'),
    },
    // bcrypt cost 4 (allowed with --dev) keeps identity creation in tests fast.
    kratosExtraEnv: test ? { HASHERS_BCRYPT_COST: '4' } : {},
  };
  config.appEnv = appEnv(config, {
    timeScale: test ? String(timeScale) : env.TONGBAO_TIME_SCALE || '1',
    logLevel: test ? env.TONGBAO_TEST_LOG_LEVEL || 'info' : env.LOG_LEVEL || 'info',
  });
  return config;
}

/** What every app process gets (and stack.json's `env`). */
function appEnv(config, { timeScale, logLevel }) {
  const { urls, secrets, serverUrl, databases } = config;
  return {
    DATABASE_URL: databaseUrl(serverUrl, databases.app),
    SANDBOX_DATABASE_URL: databaseUrl(serverUrl, databases.sandbox),
    TEMPORAL_ADDRESS: urls.temporal,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    TONGBAO_ENCRYPTION_KEY: secrets.encryption_key,
    TONGBAO_ADMIN_TOKEN: secrets.admin_token,
    TONGBAO_PAYLOAD_KEY: secrets.payload_key,
    TONGBAO_KRATOS_COURIER_SECRET: secrets.kratos_courier_secret,
    TONGBAO_SANDBOX_URL: urls.sandbox,
    TONGBAO_API_URL: urls.api,
    TONGBAO_WEB_URL: config.webUrl,
    TONGBAO_TIME_SCALE: timeScale,
    // Tests see a stuck refund reach requires_attention in 10 s (600 s ÷ the time scale of 60).
    TONGBAO_REFUND_ATTENTION_AFTER:
      config.mode === 'test' ? '600' : process.env.TONGBAO_REFUND_ATTENTION_AFTER || '86400',
    // The stuck-refund alert goes to a platform operator's mailbox, which the sandbox's inbox shows.
    TONGBAO_ALERT_TO: config.mode === 'test' ? 'ops@tongbao.test' : process.env.TONGBAO_ALERT_TO || 'ops@tongbao.local',
    LOG_LEVEL: logLevel,
    // Dev and test receivers listen on 127.0.0.1; production refuses loopback and private webhook endpoints.
    TONGBAO_WEBHOOK_ALLOW_PRIVATE:
      config.mode === 'test' ? 'true' : process.env.TONGBAO_WEBHOOK_ALLOW_PRIVATE || 'true',
    KRATOS_PUBLIC_URL: urls.kratosPublic,
    KRATOS_ADMIN_URL: urls.kratosAdmin,
    // glibc's malloc keeps up to 8 arenas per core, one per busy thread: the worker's Rust core
    // threads left ~70 MB of RSS in them under load, 2 arenas ~35 MB (docs/scaling.md "Memory").
    MALLOC_ARENA_MAX: '2',
    // jest's stacks (time scaled) share 2 cores with a dozen test files and a browser: a request's
    // latency there is the machine's, not a crowd's, and admission would refuse a test's burst of
    // cancels. The bench's stack (time scale 1) and admission.e2e's own API keep the real target.
    ...(config.mode === 'test' && timeScale !== '1' && !process.env.TONGBAO_API_TARGET_LATENCY_MS
      ? { TONGBAO_API_TARGET_LATENCY_MS: '5000' }
      : {}),
    // Test stacks refuse every connection beyond loopback, so no test reaches a real gateway.
    ...(config.mode === 'test'
      ? { NODE_OPTIONS: `--require ${path.join(repoRoot, 'dist', 'runtime', 'loopback-only.js')}` }
      : {}),
  };
}

/** This process's environment with `parts` laid over it, for a child. */
export function childEnv(...parts) {
  return Object.assign({}, process.env, ...parts);
}
