// The whole Tongbao stack on one machine, without Docker, in this order:
//   npm ci (if needed) → tsc (if needed) → web/: npm install and npm run build (if needed)
//   → Temporal CLI + Kratos (built once) → PostgreSQL databases → migrations → Temporal dev
//   server → Kratos → sandbox → worker → API → web app (the hosted checkout) → a demo merchant.
//
//   npm run stack                     dev stack; logs on the console; Ctrl-C stops it
//   node scripts/stack.mjs --test     the test stack that jest's globalSetup starts, kept
//                                     running (then run tests with TONGBAO_TEST_STACK=off)
//
// Environment (dev mode): DATABASE_URL (its database N; the sandbox's and Kratos' are N_sandbox
// and N_kratos), TONGBAO_DATA_DIR (default .tongbao/),
// API_PORT 8080, SANDBOX_PORT 8090, TEMPORAL_PORT 7233, TEMPORAL_UI_PORT 8233,
// KRATOS_PUBLIC_PORT 4433, KRATOS_ADMIN_PORT 4434, TONGBAO_WEB_URL (http://127.0.0.1:5173: the web
// app's public URL), WEB_PORT (the web app listens on 127.0.0.1 at this port; default: the URL's),
// TONGBAO_TIME_SCALE (1), TONGBAO_REFUND_ATTENTION_AFTER (86400 s), LOG_LEVEL (info), TONGBAO_ENCRYPTION_KEY, TONGBAO_ADMIN_TOKEN,
// KRATOS_SECRETS_DEFAULT / _COOKIE / _CIPHER, KRATOS_SMTP_URI, KRATOS_LOG_LEVEL (warning).
//
// <dataDir>/stack.json describes the running stack, for people and for tools (mode 0600:
// it holds the admin token and the encryption key):
// {
//   "mode": "dev" | "test",
//   "started_at": "2026-01-01T00:00:00.000Z",
//   "api_url": "http://127.0.0.1:8080",
//   "sandbox_url": "http://127.0.0.1:8090",
//   "web_url": "http://127.0.0.1:5173",
//   "temporal_address": "127.0.0.1:7233",
//   "temporal_namespace": "default",
//   "temporal_task_queue": "tongbao",
//   "temporal_ui_url": "http://127.0.0.1:8233",
//   "kratos_public_url": "http://127.0.0.1:4433",
//   "kratos_admin_url": "http://127.0.0.1:4434",
//   "database_url": "postgres://postgres@127.0.0.1:5432/tongbao",
//   "admin_token": "…",
//   "demo_merchant": { "id": "mer_…", "test_secret_key": "sk_test_…" } | null,
//   "processes": { "runner": 100, "temporal": 101, "kratos": 102, "sandbox": 103, "worker": 104, "api": 105, "web": 106 },
//   "logs_dir": ".tongbao/test/logs" | null,
//   "env": { "DATABASE_URL": "…", "TEMPORAL_ADDRESS": "…", … }
// }
// `env` is what every app process gets (the web app gets only its own few variables, see
// appSpec), so another worker can join the running stack:
//   env $(jq -r '.env|to_entries[]|"\(.key)=\(.value)"' .tongbao/stack.json) node dist/temporal/worker.js
//
// This file and everything it imports statically use Node built-ins only: on a fresh clone the
// runner must get as far as ensureDependencies before any package exists. A module that needs a
// package imports it dynamically, where it is used (lib/postgres.mjs does so for pg).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureDependencies, buildTypeScript, buildWeb, ensureWebDependencies, WEB_ENTRY } from './lib/build.mjs';
import { consoleSink, createLog, fileSink, loud } from './lib/log.mjs';
import { repoRoot } from './lib/paths.mjs';
import { databaseUrl, ensureDatabases, kratosDsn } from './lib/postgres.mjs';
import { killAllSync, runCommand, startProcess, stopAll } from './lib/processes.mjs';
import { loadSecrets } from './lib/secrets.mjs';
import { freePort, httpOk, httpStatus, portFree, waitUntil } from './lib/wait.mjs';
import { startKratos } from './kratos.mjs';
import { startTemporal } from './temporal.mjs';
import { ensureTools } from './tools.mjs';

const PORTS = {
  api: { env: 'API_PORT', default: 8080, label: 'API' },
  sandbox: { env: 'SANDBOX_PORT', default: 8090, label: 'sandbox' },
  temporal: { env: 'TEMPORAL_PORT', default: 7233, label: 'Temporal frontend' },
  temporalUi: { env: 'TEMPORAL_UI_PORT', default: 8233, label: 'Temporal Web UI' },
  kratosPublic: { env: 'KRATOS_PUBLIC_PORT', default: 4433, label: 'Kratos public' },
  kratosAdmin: { env: 'KRATOS_ADMIN_PORT', default: 4434, label: 'Kratos admin' },
  // In dev mode the default is TONGBAO_WEB_URL's port (see webPort).
  web: { env: 'WEB_PORT', default: 5173, label: 'web app' },
};

/** The app processes, started in this order, each waited for before the next. */
const APPS = {
  sandbox: 'dist/sandbox/main.js',
  worker: 'dist/temporal/worker.js',
  api: 'dist/api/main.js',
  web: WEB_ENTRY,
};
const MIGRATIONS = 'dist/migrations/run.js';
const TASK_QUEUE = 'tongbao';
const NAMESPACE = 'default';

/**
 * Starts the stack and resolves once every part answers. The handle has the fields of
 * stack.json plus stop(). Options: mode 'dev' | 'test'; onChildExit(name, exit) is
 * called when a child dies after it was ready (default: a loud message on stderr);
 * handleSignals (default true) kills the children if the host process gets SIGINT/SIGTERM.
 * Test mode only: name (default 'test') keeps a stack's data dir and databases apart from
 * other hermetic stacks (the benchmark uses 'bench'); timeScale (default 60) divides timers.
 */
export async function startStack({
  mode = 'dev',
  onChildExit = reportChildExit,
  handleSignals = true,
  name = 'test',
  timeScale = 60,
} = {}) {
  const config = await resolveConfig(mode, { name, timeScale });
  const io = createIo(config);
  const previous = readStackFile(config.dataDir);
  const started = Date.now();
  const stopping = { value: false };
  const removeSignalHandlers = handleSignals ? killChildrenOnSignal() : () => {};
  const processes = {};
  const stop = async () => {
    stopping.value = true;
    removeSignalHandlers();
    await stopAll();
  };
  const watch = (proc) => {
    processes[proc.name] = proc.pid;
    proc.exited.then((exit) => {
      if (!stopping.value && !proc.stopping)
        onChildExit(proc.name, { ...exit, lastLines: proc.tail(), log: io.logFile(proc.name) });
    });
  };

  try {
    if (mode === 'dev') await checkPortsFree(config, previous);
    if (mode === 'dev') await ensureDependencies({ log: io.log, sink: io.sinkFor('npm') });
    await buildTypeScript({ log: io.log, sink: io.sinkFor('tsc') });
    // Both modes: `npx jest test/checkout.browser.test.ts` starts a test stack without npm test.
    await ensureWebDependencies({ log: io.log, sink: io.sinkFor('npm') });
    await buildWeb({ log: io.log, sink: io.sinkFor('web-build') });
    assertEntriesExist();
    const tools = await ensureTools({ log: io.log });
    await prepareDatabases(config, io);
    await runCommand({
      name: 'migrate',
      command: process.execPath,
      args: [MIGRATIONS],
      cwd: repoRoot,
      env: childEnv(config.appEnv),
      sink: io.sinkFor('migrate'),
    });

    const temporal = await startTemporal({
      bin: tools.temporal,
      dbFile: config.temporalDbFile,
      port: config.ports.temporal,
      uiPort: config.ports.temporalUi,
      namespace: NAMESPACE,
      log: io.log,
      sink: io.sinkFor('temporal'),
    });
    watch(temporal.process);
    const kratos = await startKratos({
      bin: tools.kratos,
      dsn: config.kratosDsn,
      publicPort: config.ports.kratosPublic,
      adminPort: config.ports.kratosAdmin,
      webUrl: config.webUrl,
      secrets: config.secrets.kratos,
      extraEnv: config.kratosExtraEnv,
      log: io.log,
      sink: io.sinkFor('kratos'),
    });
    watch(kratos.process);
    for (const name of Object.keys(APPS)) watch(await startApp(name, config, io));

    const demo = await ensureDemoMerchant({
      apiUrl: config.urls.api,
      adminToken: config.secrets.admin_token,
      previous,
      log: io.log,
    });
    const info = stackInfo(config, { demo, processes: { runner: process.pid, ...processes } });
    writeStackFile(config.dataDir, info);
    io.log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (mode === 'dev') printSummary(info, config);
    return { ...info, stop };
  } catch (error) {
    await stop();
    if (config.logsDir) error.message += `\n(logs: ${path.relative(repoRoot, config.logsDir)}/)`;
    throw error;
  }
}

// ---------------------------------------------------------------------------------
// Configuration

async function resolveConfig(mode, { name, timeScale }) {
  if (mode !== 'dev' && mode !== 'test') throw new Error(`unknown stack mode ${mode}`);
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`stack name must be lower-case letters, digits and _: ${name}`);
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
    // Tests keep history in memory: every run starts from nothing, and nothing is left behind.
    temporalDbFile: test ? null : path.join(dataDir, 'temporal.sqlite'),
    // bcrypt cost 4 (allowed with --dev) keeps identity creation in tests fast.
    kratosExtraEnv: test ? { HASHERS_BCRYPT_COST: '4' } : {},
  };
  config.appEnv = appEnv(config, {
    timeScale: test ? String(timeScale) : env.TONGBAO_TIME_SCALE || '1',
    logLevel: test ? env.TONGBAO_TEST_LOG_LEVEL || 'info' : env.LOG_LEVEL || 'info',
  });
  return config;
}

/** The port of a URL, or its scheme's: http://127.0.0.1:5173 → 5173, https://pay.example.com → 443. */
function webPort(url) {
  const parsed = new URL(url);
  return Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
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
    TONGBAO_SANDBOX_URL: urls.sandbox,
    TONGBAO_API_URL: urls.api,
    TONGBAO_WEB_URL: config.webUrl,
    TONGBAO_TIME_SCALE: timeScale,
    // Tests see a stuck refund reach requires_attention in 10 s (600 s ÷ the time scale of 60).
    TONGBAO_REFUND_ATTENTION_AFTER:
      config.mode === 'test' ? '600' : process.env.TONGBAO_REFUND_ATTENTION_AFTER || '86400',
    LOG_LEVEL: logLevel,
    KRATOS_PUBLIC_URL: urls.kratosPublic,
    KRATOS_ADMIN_URL: urls.kratosAdmin,
    // Test stacks refuse every connection beyond loopback, so no test reaches a real gateway.
    ...(config.mode === 'test'
      ? { NODE_OPTIONS: `--require ${path.join(repoRoot, 'dist', 'runtime', 'loopback-only.js')}` }
      : {}),
  };
}

function childEnv(...parts) {
  return Object.assign({}, process.env, ...parts);
}

// ---------------------------------------------------------------------------------
// Output: the console in dev mode, one file per process in test mode

function createIo(config) {
  if (!config.logsDir) {
    return { log: createLog({ name: 'stack' }), sinkFor: (name) => consoleSink(name), logFile: () => null };
  }
  // Each test run starts with empty logs, so what is there belongs to this run.
  fs.rmSync(config.logsDir, { recursive: true, force: true });
  const logFile = (name) => path.join(config.logsDir, `${name}.log`);
  return { log: fileSink(logFile('stack')), sinkFor: (name) => fileSink(logFile(name)), logFile };
}

function reportChildExit(name, { code, signal, lastLines, log }) {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  process.stderr.write(`${loud(`[tongbao stack] ${name} ${how} while the stack was running.`)}${lastLines}\n`);
  if (log) process.stderr.write(`(full log: ${log})\n`);
}

/**
 * When the stack runs inside another program (jest), a Ctrl-C would end that program
 * without stopping our children, which live in their own process groups. Kill them,
 * then let the signal do what it would have done.
 */
function killChildrenOnSignal() {
  const handlers = {};
  for (const signal of ['SIGINT', 'SIGTERM']) {
    handlers[signal] = () => {
      killAllSync();
      process.kill(process.pid, signal);
    };
    process.once(signal, handlers[signal]);
  }
  process.on('exit', killAllSync);
  return () => {
    for (const [signal, handler] of Object.entries(handlers)) process.removeListener(signal, handler);
    process.removeListener('exit', killAllSync);
  };
}

// ---------------------------------------------------------------------------------
// Steps

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** All ports at once, before anything slow: a clash with an earlier stack is the usual case. */
async function checkPortsFree(config, previous) {
  const taken = [];
  for (const [key, spec] of Object.entries(PORTS)) {
    const port = config.ports[key];
    if (!(await portFree(port))) taken.push(`${spec.label} port ${port} (${spec.env})`);
  }
  if (taken.length === 0) return;
  const alive = Object.entries(previous?.processes ?? {}).filter(([, pid]) => pidAlive(pid));
  const runner = alive.find(([name]) => name === 'runner');
  let hint = 'Another program is using them: stop it, or pick other ports with the variables named.';
  if (runner) {
    hint = `A stack is already running (pid ${runner[1]}); stop it with Ctrl-C in its terminal or \`kill ${runner[1]}\`.`;
  } else if (alive.length > 0) {
    const groups = alive.map(([, pid]) => `-${pid}`).join(' ');
    hint = `Processes of an earlier stack are still running (${alive.map(([n, p]) => `${n} ${p}`).join(', ')}): \`kill -- ${groups}\``;
  }
  throw new Error(`ports already in use: ${taken.join(', ')}.\n${hint}`);
}

/** Every app entry point must have been built; say which are missing before waiting on anything. */
function assertEntriesExist() {
  const missing = [MIGRATIONS, ...Object.values(APPS)].filter((file) => !fs.existsSync(path.join(repoRoot, file)));
  if (missing.length === 0) return;
  if (missing.includes(WEB_ENTRY))
    throw new Error(`${WEB_ENTRY} missing after the web build: vite build in web/ (adapter-node) writes it.`);
  const sources = missing.map((file) => file.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
  throw new Error(
    `${missing.join(', ')} missing after the build: ${sources.join(', ')} must exist ` +
      '(tsconfig.build.json compiles them into dist/).',
  );
}

async function prepareDatabases(config, io) {
  const { app, sandbox, kratos } = config.databases;
  if (config.mode === 'test') {
    // App data starts empty on every test run; Kratos' database is kept because its
    // schema is all it holds that matters, and re-creating it costs its 300 migrations.
    await ensureDatabases({ serverUrl: config.serverUrl, fresh: [app, sandbox], keep: [kratos], log: io.log });
  } else {
    await ensureDatabases({ serverUrl: config.serverUrl, keep: [app, sandbox, kratos], log: io.log });
  }
}

/** The app-specific part of each process's environment and the way it says it is ready. */
function appSpec(name, config) {
  const { urls, ports } = config;
  switch (name) {
    case 'sandbox':
      return {
        env: { SANDBOX_PORT: String(ports.sandbox), SANDBOX_PUBLIC_URL: urls.sandbox },
        ready: () => httpOk(`${urls.sandbox}/health`),
        what: `GET ${urls.sandbox}/health`,
      };
    case 'worker':
      return { env: {}, readyLine: 'worker running', what: 'the worker to print "worker running"' };
    case 'api':
      return {
        env: { API_PORT: String(ports.api) },
        ready: () => httpOk(`${urls.api}/healthz`),
        what: `GET ${urls.api}/healthz`,
      };
    case 'web': {
      // adapter-node's variables. The checkout needs no secret: it reaches the API's public
      // checkout routes only, so it does not get the app environment (keys, database URLs).
      const local = `http://127.0.0.1:${ports.web}`;
      return {
        ownEnvOnly: true,
        env: {
          PORT: String(ports.web),
          HOST: '127.0.0.1',
          // The origin shoppers' browsers use: form posts are checked against it.
          ORIGIN: new URL(config.webUrl).origin,
          TONGBAO_API_URL: urls.api,
          // Test mode's stand-in for WeChat's JS bridge is the sandbox's JSAPI page.
          TONGBAO_SANDBOX_URL: urls.sandbox,
          ...(config.appEnv.NODE_OPTIONS ? { NODE_OPTIONS: config.appEnv.NODE_OPTIONS } : {}),
        },
        ready: () => httpOk(`${local}/healthz`),
        what: `GET ${local}/healthz`,
      };
    }
    default:
      throw new Error(`unknown app ${name}`);
  }
}

async function startApp(name, config, io) {
  const spec = appSpec(name, config);
  const started = Date.now();
  const proc = startProcess({
    name,
    command: process.execPath,
    args: [path.join(repoRoot, APPS[name])],
    cwd: repoRoot,
    env: spec.ownEnvOnly ? childEnv(spec.env) : childEnv(config.appEnv, spec.env),
    sink: io.sinkFor(name),
  });
  let sawLine = false;
  // Subscribed before the first line can arrive: output is read asynchronously.
  const unsubscribe = spec.readyLine ? proc.onLine((line) => (sawLine ||= line.includes(spec.readyLine))) : () => {};
  const ready = spec.ready ?? (async () => sawLine);
  try {
    // The worker bundles the workflow code with webpack first: on 2 cores that takes a while.
    await waitUntil(ready, { what: spec.what, proc, timeoutMs: 120_000 });
  } finally {
    unsubscribe();
  }
  io.log(`${name}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return proc;
}

/** Reuses the demo merchant of the last run while its key still works; creates one otherwise. */
async function ensureDemoMerchant({ apiUrl, adminToken, previous, log }) {
  const known = previous?.demo_merchant;
  if (known?.test_secret_key) {
    const status = await httpStatus(`${apiUrl}/v1/payments?limit=1`, {
      headers: { Authorization: `Bearer ${known.test_secret_key}` },
    });
    if (status === 200) {
      await openMissingSandboxAccounts({ apiUrl, adminToken, merchantId: known.id, log });
      return known;
    }
  }
  try {
    const response = await fetch(`${apiUrl}/v1/admin/merchants`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Demo Shop' }),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok || !body?.merchant?.id) throw new Error(`HTTP ${response.status} ${JSON.stringify(body)}`);
    log(`created demo merchant ${body.merchant.id}`);
    return { id: body.merchant.id, test_secret_key: body.test_secret_key };
  } catch (error) {
    // The stack is still useful without it (tests create their own merchants).
    log(loud(`could not create the demo merchant: POST /v1/admin/merchants failed: ${error.message}`));
    return null;
  }
}

/** A demo merchant from an older run lacks the providers added since: open their sandbox accounts. */
async function openMissingSandboxAccounts({ apiUrl, adminToken, merchantId, log }) {
  try {
    const response = await fetch(`${apiUrl}/v1/admin/merchants/${merchantId}/sandbox_accounts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${JSON.stringify(body)}`);
    if (body.opened.length) log(`demo merchant: opened sandbox accounts for ${body.opened.join(', ')}`);
  } catch (error) {
    log(loud(`could not open the demo merchant's missing sandbox accounts: ${error.message}`));
  }
}

// ---------------------------------------------------------------------------------
// stack.json

function stackInfo(config, { demo, processes }) {
  const { urls, secrets, appEnv: env } = config;
  return {
    mode: config.mode,
    started_at: new Date().toISOString(),
    api_url: urls.api,
    sandbox_url: urls.sandbox,
    web_url: config.webUrl,
    temporal_address: urls.temporal,
    temporal_namespace: NAMESPACE,
    temporal_task_queue: TASK_QUEUE,
    temporal_ui_url: `http://127.0.0.1:${config.ports.temporalUi}`,
    kratos_public_url: urls.kratosPublic,
    kratos_admin_url: urls.kratosAdmin,
    database_url: env.DATABASE_URL,
    admin_token: secrets.admin_token,
    demo_merchant: demo,
    processes,
    logs_dir: config.logsDir,
    env,
  };
}

function readStackFile(dataDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, 'stack.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** Written whole and renamed into place, so a reader never sees half a file. */
export function writeStackFile(dataDir, info) {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'stack.json');
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

function printSummary(info, config) {
  const rows = [
    ['API', info.api_url],
    ['Sandbox', info.sandbox_url],
    [
      'Temporal',
      `${info.temporal_address}  (namespace ${info.temporal_namespace}, task queue ${info.temporal_task_queue})`,
    ],
    ['Temporal Web UI', info.temporal_ui_url],
    ['Kratos public', info.kratos_public_url],
    ['Kratos admin', info.kratos_admin_url],
    ['Web app', `${info.web_url}  (hosted checkout: ${info.web_url}/pay/cs_…)`],
    ['PostgreSQL', info.database_url],
    ['Admin token', info.admin_token],
    ['Demo merchant', info.demo_merchant ? info.demo_merchant.id : '(none: see the error above)'],
    ['Demo test key', info.demo_merchant ? info.demo_merchant.test_secret_key : '-'],
  ];
  const lines = rows.map(([label, value]) => `  ${label.padEnd(16)} ${value}`);
  const file = path.relative(process.cwd(), path.join(config.dataDir, 'stack.json'));
  process.stdout.write(`\nTongbao is running. Ctrl-C stops everything.\n${lines.join('\n')}\n  (also in ${file})\n\n`);
}

// ---------------------------------------------------------------------------------
// CLI

async function main(argv) {
  const mode = argv.includes('--test') ? 'test' : 'dev';
  const log = createLog({ name: 'stack' });
  let exiting = false;
  const shutdown = async (code, message) => {
    if (exiting) {
      // A second Ctrl-C: stop waiting for graceful shutdowns.
      killAllSync();
      process.exit(code || 130);
    }
    exiting = true;
    log(message);
    await stopAll();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => shutdown(0, 'stopping (Ctrl-C; press again to kill)…'));
  process.on('SIGTERM', () => shutdown(0, 'stopping (SIGTERM)…'));
  process.on('exit', killAllSync);

  const onChildExit = (name, exit) => {
    reportChildExit(name, exit);
    shutdown(1, loud(`${name} died: stopping the whole stack`));
  };
  try {
    const stack = await startStack({ mode, onChildExit, handleSignals: false });
    if (mode === 'test') log(`test stack running (logs in ${stack.logs_dir}); run tests with TONGBAO_TEST_STACK=off`);
  } catch (error) {
    if (exiting) return; // interrupted while starting; shutdown() is already at work
    process.stderr.write(`${loud('the stack could not start:')} ${error.message}\n`);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2));
}
