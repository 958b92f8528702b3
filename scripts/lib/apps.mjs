// The app processes (sandbox, worker, API, web app): their entry points, the environment each
// gets and the way each says it is ready; each is started and waited for in turn.
import fs from 'node:fs';
import path from 'node:path';
import { WEB_ENTRY } from './build.mjs';
import { childEnv } from './config.mjs';
import { repoRoot } from './paths.mjs';
import { startProcess } from './processes.mjs';
import { httpOk, waitUntil } from './wait.mjs';

/** The app processes, started in this order, each waited for before the next. */
export const APPS = {
  codec: 'dist/temporal/codec-server.js',
  sandbox: 'dist/sandbox/main.js',
  worker: 'dist/temporal/worker.js',
  api: 'dist/api/main.js',
  web: WEB_ENTRY,
};
export const MIGRATIONS = 'dist/migrations/run.js';

/**
 * Node's flags for an entry point (node-flags.json): the worker's and the API's V8 heap sizes.
 * Node's defaults size the heap for the machine (a 4 GiB limit and 16 MiB semi-spaces here), so
 * each isolate grows far past what it keeps alive; see docs/scaling.md "Memory". The Dockerfile,
 * docker-compose.yml and the bench's extra processes start them with the same flags.
 */
export const NODE_FLAGS = JSON.parse(fs.readFileSync(path.join(repoRoot, 'scripts', 'lib', 'node-flags.json'), 'utf8'));

/**
 * `TONGBAO_CPU_PROF=<dir>`: the worker and the API run under V8's CPU profiler (`--cpu-prof`), each
 * writing a `.cpuprofile` per thread into `<dir>/<app>/` when it exits (a stack stopped with Ctrl-C
 * or the bench's end); `node scripts/cpu-profile.mjs <files>` sums them by function and module.
 */
export function profileFlags(name, env = process.env) {
  const dir = env.TONGBAO_CPU_PROF;
  if (!dir || !['worker', 'api'].includes(name.replace(/-\d+$/, ''))) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir, name)}`];
}

/** Every app entry point must have been built; say which are missing before waiting on anything. */
export function assertEntriesExist() {
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
    case 'codec':
      return {
        env: { CODEC_PORT: String(ports.codec), TEMPORAL_UI_ORIGIN: urls.temporalUi },
        ready: () => httpOk(`${urls.codec}/health`),
        what: `GET ${urls.codec}/health`,
      };
    case 'worker':
      return {
        // Not in the shared environment: a second worker joining the stack takes a port of its own.
        env: { WORKER_METRICS_PORT: String(ports.workerMetrics) },
        readyLine: 'worker running',
        what: 'the worker to print "worker running"',
      };
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
          // The consoles' sign-in: the server runs Kratos' flows and forwards the session to the API.
          KRATOS_PUBLIC_URL: urls.kratosPublic,
          // Test mode's stand-in for WeChat's JS bridge is the sandbox's JSAPI page.
          TONGBAO_SANDBOX_URL: urls.sandbox,
          // The console links a payment to its workflow in the Temporal Web UI.
          TONGBAO_TEMPORAL_UI_URL: urls.temporalUi,
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

/** Starts one app with the stack's environment and resolves once it is ready (120 s at most). */
export async function startApp(name, config, io) {
  const spec = appSpec(name, config);
  const started = Date.now();
  const proc = startProcess({
    name,
    command: process.execPath,
    args: [...(NODE_FLAGS[APPS[name]] ?? []), ...profileFlags(name), path.join(repoRoot, APPS[name])],
    cwd: repoRoot,
    env: spec.ownEnvOnly ? childEnv(spec.env) : childEnv(config.appEnv, spec.env),
    sink: io.sinkFor(name),
  });
  let sawLine = false;
  // Subscribed before the first line can arrive: output is read asynchronously.
  const unsubscribe = spec.readyLine ? proc.onLine((line) => (sawLine ||= line.includes(spec.readyLine))) : () => {};
  const ready = spec.ready ?? (async () => sawLine);
  try {
    // The API and the web app may take a while to load on a busy machine.
    await waitUntil(ready, { what: spec.what, proc, timeoutMs: 120_000 });
  } finally {
    unsubscribe();
  }
  io.log(`${name}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return proc;
}
