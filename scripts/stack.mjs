// The whole Tongbao stack on one machine, without Docker, in this order:
//   npm ci (if needed) → tsc (if needed) → web/: npm install and npm run build (if needed)
//   → Temporal CLI + Kratos (built once) → PostgreSQL databases → migrations → Temporal dev
//   server → Kratos → sandbox → worker → API → web app (the hosted checkout) → a demo merchant.
//
//   npm run stack                     dev stack; logs on the console; Ctrl-C stops it. A child
//                                     that dies (worker, API, sandbox, codec, web app, Temporal,
//                                     Kratos) is started again after 1 s, doubling to 30 s, and
//                                     said so; Temporal keeps its history in <dataDir>/temporal.sqlite
//   npm run stack -- --temporal=postgres
//                                     Temporal as production runs it: temporal-server on the
//                                     local PostgreSQL (databases N_temporal and
//                                     N_temporal_visibility), its Web UI a process of its own;
//                                     the three programs are built once (scripts/tools.mjs)
//   node scripts/stack.mjs --test     the test stack that jest's globalSetup starts, kept
//                                     running (then run tests with TONGBAO_TEST_STACK=off);
//                                     named by --name N, else TONGBAO_TEST_STACK_NAME (default
//                                     test), as jest's is; --time-scale S and --temporal=STORE
//                                     as startStack's options (the chaos test starts its stack so)
//
// Environment (dev mode): DATABASE_URL (its database N; the sandbox's and Kratos' are N_sandbox
// and N_kratos), TONGBAO_DATA_DIR (default .tongbao/),
// API_PORT 8080, SANDBOX_PORT 8090, TEMPORAL_PORT 7233, TEMPORAL_UI_PORT 8233, CODEC_PORT 8234,
// KRATOS_PUBLIC_PORT 4433, KRATOS_ADMIN_PORT 4434, WORKER_METRICS_PORT 9464, TONGBAO_WEB_URL (http://127.0.0.1:5173: the web
// app's public URL), WEB_PORT (the web app listens on 127.0.0.1 at this port; default: the URL's),
// TONGBAO_TIME_SCALE (1), TONGBAO_REFUND_ATTENTION_AFTER (86400 s), LOG_LEVEL (info), TONGBAO_ENCRYPTION_KEY, TONGBAO_ADMIN_TOKEN, TONGBAO_PAYLOAD_KEY,
// KRATOS_SECRETS_DEFAULT / _COOKIE / _CIPHER, TONGBAO_KRATOS_COURIER_SECRET (Kratos' courier → the API),
// KRATOS_LOG_LEVEL (warning).
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
//   "temporal_store": "memory" | "sqlite" | "postgres",
//   "temporal_namespace": "default",
//   "temporal_task_queue": "tongbao",
//   "temporal_ui_url": "http://127.0.0.1:8233",
//   "codec_url": "http://127.0.0.1:8234",
//   "worker_metrics_url": "http://127.0.0.1:9464/metrics",   (Prometheus; loopback, no token)
//   "kratos_public_url": "http://127.0.0.1:4433",
//   "kratos_admin_url": "http://127.0.0.1:4434",
//   "database_url": "postgres://postgres@127.0.0.1:5432/tongbao",
//   "admin_token": "…",
//   "demo_merchant": { "id": "mer_…", "test_secret_key": "sk_test_…" } | null,
//   "demo_sign_in": { "email": "demo@tongbao.local", "password": "demo-…" } | null,  (dev only: the demo merchant's console owner)
//   "demo_admin": { "email": "admin@tongbao.local", "password": "demo-…" } | null,  (dev only: the admin console's superadmin)
//   "processes": { "runner": 100, "temporal": 101, "kratos": 102, "codec": 103, "sandbox": 104, "worker": 105, "api": 106, "web": 107 },
//                (and "temporal-ui" when Temporal runs on PostgreSQL)
//   "logs_dir": ".tongbao/test/logs" | null,
//   "env": { "DATABASE_URL": "…", "TEMPORAL_ADDRESS": "…", … }
// }
// `env` is what every app process gets (the web app gets only its own few variables, see
// appSpec in lib/apps.mjs), so another worker can join the running stack:
//   env $(jq -r '.env|to_entries[]|"\(.key)=\(.value)"' .tongbao/stack.json) node dist/temporal/worker.js
//
// This file and everything it imports statically use Node built-ins only: on a fresh clone the
// runner must get as far as ensureDependencies before any package exists. A module that needs a
// package imports it dynamically, where it is used (lib/postgres.mjs does so for pg).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { optionValue } from './lib/args.mjs';
import { APPS, assertEntriesExist, MIGRATIONS, startApp } from './lib/apps.mjs';
import { buildTypeScript, buildWeb, ensureDependencies, ensureWebDependencies } from './lib/build.mjs';
import { childEnv, resolveConfig } from './lib/config.mjs';
import { ensureDemoAdmin, ensureDemoMerchant, ensureDemoSignIn } from './lib/demo-merchant.mjs';
import { createLog, loud } from './lib/log.mjs';
import { repoRoot } from './lib/paths.mjs';
import { checkPortsFree } from './lib/ports.mjs';
import { ensureDatabases } from './lib/postgres.mjs';
import { killAllSync, runCommand, stopAll } from './lib/processes.mjs';
import { printSummary, readStackFile, stackInfo, writeStackFile } from './lib/stack-info.mjs';
import { createIo, killChildrenOnSignal, reportChildExit, superviseChild } from './lib/supervision.mjs';
import { KRATOS_COURIER_PATH, startKratos } from './kratos.mjs';
import { prepareTemporalStore, startStackTemporal, startStackTemporalUi } from './temporal.mjs';
import { ensureTools } from './tools.mjs';

export { writeStackFile };

/**
 * Starts the stack and resolves once every part answers. The handle has the fields of
 * stack.json plus stop(). Options: mode 'dev' | 'test'; onChildExit(name, exit) is
 * called when a child dies after it was ready (default: a loud message on stderr);
 * restart (default: true in dev mode, false in test mode) starts a dead child again, with a
 * backoff (lib/supervision.mjs), and keeps stack.json's `processes` current;
 * handleSignals (default true) kills the children if the host process gets SIGINT/SIGTERM.
 * temporal is where Temporal keeps its state: 'sqlite' (the dev server on <dataDir>/temporal.sqlite;
 * the default in dev mode), 'memory' (the dev server; the default in test mode), 'postgres' (the
 * standalone server on PostgreSQL, with its Web UI as a process of its own); a test stack's store
 * starts empty, so that a test can restart Temporal without losing history but not find an earlier
 * run's.
 * Test mode only: name (default 'test') keeps a stack's data dir and databases apart from
 * other hermetic stacks (the benchmark uses 'bench'); timeScale (default 60) divides timers.
 *
 * The suite's stack does not restart children: a crash there must fail the tests that need the
 * child (connection refused, at once), not pass unseen. The chaos test starts its own with restart.
 */
export async function startStack({
  mode = 'dev',
  onChildExit = reportChildExit,
  restart = mode === 'dev',
  handleSignals = true,
  name = 'test',
  timeScale = 60,
  temporal = mode === 'dev' ? 'sqlite' : 'memory',
} = {}) {
  const config = await resolveConfig(mode, { name, timeScale, temporal });
  const io = createIo(config);
  const previous = readStackFile(config.dataDir);
  const started = Date.now();
  const stopping = { value: false };
  const removeSignalHandlers = handleSignals ? killChildrenOnSignal() : () => {};
  const processes = {};
  const supervisors = [];
  /** stack.json once the stack is ready: rewritten when a child restarts, so tools find its new pid. */
  let info = null;
  const stop = async () => {
    stopping.value = true;
    removeSignalHandlers();
    await stopAll();
    // A restart under way when we began stops what it started; then nothing may be left.
    await Promise.all(supervisors.map((supervisor) => supervisor.settled()));
    await stopAll();
  };
  const supervise = (first, start) => {
    supervisors.push(
      superviseChild({
        name: first.name,
        first,
        start,
        restart,
        isStopping: () => stopping.value,
        onExit: (child, exit) => onChildExit(child, { ...exit, log: io.logFile(child) }),
        onStarted: (proc) => {
          processes[proc.name] = proc.pid;
          if (info)
            writeStackFile(config.dataDir, (info = { ...info, processes: { ...info.processes, ...processes } }));
        },
        log: io.log,
      }),
    );
  };

  try {
    if (mode === 'dev') await checkPortsFree(config, previous);
    if (mode === 'dev') await ensureDependencies({ log: io.log, sink: io.sinkFor('npm') });
    await buildTypeScript({ log: io.log, sink: io.sinkFor('tsc') });
    // Both modes: `npx jest test/checkout.browser.test.ts` starts a test stack without npm test.
    await ensureWebDependencies({ log: io.log, sink: io.sinkFor('npm') });
    await buildWeb({ log: io.log, sink: io.sinkFor('web-build') });
    assertEntriesExist();
    const tools = await ensureTools({ log: io.log, postgres: temporal === 'postgres' });
    await prepareDatabases(config, io);
    await runCommand({
      name: 'migrate',
      command: process.execPath,
      args: [MIGRATIONS],
      cwd: repoRoot,
      env: childEnv(config.appEnv),
      sink: io.sinkFor('migrate'),
    });

    await prepareTemporalStore(config, tools, io);
    const startTemporalServer = () => startStackTemporal(config, tools, io);
    supervise(await startTemporalServer(), startTemporalServer);
    if (temporal === 'postgres') {
      const startUi = () => startStackTemporalUi(config, tools, io);
      supervise(await startUi(), startUi);
    }
    const startKratosServer = async () =>
      (
        await startKratos({
          bin: tools.kratos,
          dsn: config.kratosDsn,
          publicPort: config.ports.kratosPublic,
          adminPort: config.ports.kratosAdmin,
          webUrl: config.webUrl,
          secrets: config.secrets.kratos,
          courier: { url: `${config.urls.api}${KRATOS_COURIER_PATH}`, secret: config.secrets.kratos_courier_secret },
          extraEnv: config.kratosExtraEnv,
          log: io.log,
          sink: io.sinkFor('kratos'),
        })
      ).process;
    supervise(await startKratosServer(), startKratosServer);
    for (const app of Object.keys(APPS)) {
      const startIt = () => startApp(app, config, io);
      supervise(await startIt(), startIt);
    }

    const demo = await ensureDemoMerchant({
      apiUrl: config.urls.api,
      adminToken: config.secrets.admin_token,
      previous,
      log: io.log,
    });
    // The demo merchant's console owner; tests make their own people.
    const demoSignIn =
      mode === 'dev' && demo
        ? await ensureDemoSignIn({
            apiUrl: config.urls.api,
            kratosAdminUrl: config.urls.kratosAdmin,
            adminToken: config.secrets.admin_token,
            merchantId: demo.id,
            password: config.secrets.demo_password,
            log: io.log,
          })
        : null;
    const demoAdmin =
      mode === 'dev'
        ? await ensureDemoAdmin({
            apiUrl: config.urls.api,
            kratosAdminUrl: config.urls.kratosAdmin,
            adminToken: config.secrets.admin_token,
            password: config.secrets.demo_password,
            log: io.log,
          })
        : null;
    info = stackInfo(config, { demo, demoSignIn, demoAdmin, processes: { runner: process.pid, ...processes } });
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

// ---------------------------------------------------------------------------------
// CLI

async function main(argv) {
  const mode = argv.includes('--test') ? 'test' : 'dev';
  const option = (name) => optionValue(argv, name);
  const temporal = option('--temporal');
  const testOptions = {
    // The name jest's globalSetup gives a test stack (test/stack.ts), so that a kept-running stack
    // and `TONGBAO_TEST_STACK=off` find each other, and helpers' stacks stay apart.
    name: option('--name') ?? (process.env.TONGBAO_TEST_STACK_NAME || 'test'),
    timeScale: Number(option('--time-scale') ?? 60),
    ...(temporal ? { temporal } : {}),
  };
  const log = createLog({ name: 'stack' });
  let exiting = false;
  /** Once started: its stop() also ends restarts under way, so none starts a child after Ctrl-C. */
  let stack = null;
  const shutdown = async (code, message) => {
    if (exiting) {
      // A second Ctrl-C: stop waiting for graceful shutdowns.
      killAllSync();
      process.exit(code || 130);
    }
    exiting = true;
    log(message);
    await (stack ? stack.stop() : stopAll());
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => shutdown(0, 'stopping (Ctrl-C; press again to kill)…'));
  process.on('SIGTERM', () => shutdown(0, 'stopping (SIGTERM)…'));
  process.on('exit', killAllSync);

  try {
    // A child that dies is reported and started again (lib/supervision.mjs), not the end of the stack.
    stack = await startStack({ mode, handleSignals: false, restart: true, ...testOptions });
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
