// The fresh-clone check: the README's first command, on a clone with nothing installed or built.
//
//   node scripts/fresh-clone-check.mjs      (CI runs it after npm test, in .ci/run)
//
// 1. clones this repository's HEAD (committed work only) into a new temporary folder;
// 2. runs `npm run stack` there, in its own process group, with free ports, a data dir in the
//    temporary folder and databases of its own (tongbao_fresh_<pid>, _sandbox, _kratos), so it
//    clashes with no other stack on the machine;
// 3. waits for "Tongbao is running" (15 minutes at most: a cold machine installs packages, builds,
//    and may build the Go tools, which are cached per user like any stack's);
// 4. checks that every part answers: the API and the sandbox, Temporal's frontend and Web UI,
//    Kratos' public and admin APIs, the web app, and, through the demo merchant's key, PostgreSQL,
//    the worker (a payment is created at the sandbox) and a checkout page;
// 5. presses Ctrl-C (SIGINT to the process group, as a terminal does) and checks that the runner
//    says "stopped", that none of its processes is left, that every port is free again, and that
//    the clone's tree is still clean (no lockfile rewritten by an install);
// 6. removes its databases and the clone, whatever happened.
// Exit code 0 when every step held. TONGBAO_FRESH_CLONE_TIMEOUT (seconds, default 900) bounds step 3;
// TONGBAO_FRESH_CLONE_KEEP=1 keeps the clone (not the databases) for a look afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { createLog, loud } from './lib/log.mjs';
import { repoRoot } from './lib/paths.mjs';
import { PORTS } from './lib/ports.mjs';
import { capture, killAllSync, startProcess } from './lib/processes.mjs';
import { freePort, httpStatus, portFree, portOpen, waitUntil } from './lib/wait.mjs';

const READY_LINE = 'Tongbao is running';
const READY_TIMEOUT_MS = Number(process.env.TONGBAO_FRESH_CLONE_TIMEOUT || 900) * 1000;
/** stopAll gives each of the seven children 10 s before SIGKILL: a clean stop takes far less. */
const STOP_TIMEOUT_MS = 90_000;

const checkStarted = Date.now();
const elapsed = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const print = createLog({ name: 'fresh' });
/** The check's own lines carry the time since it started ([m:ss]): a cold run is long. */
function log(message) {
  const seconds = Math.floor((Date.now() - checkStarted) / 1000);
  print(`[${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}] ${message}`);
}

/** Each check's outcome, printed as it happens and counted at the end. */
const failures = [];
function verdict(ok, what, detail = '') {
  if (ok) log(`ok: ${what}${detail ? ` (${detail})` : ''}`);
  else {
    failures.push(what);
    log(loud(`FAILED: ${what}`) + (detail ? ` (${detail})` : ''));
  }
  return ok;
}

/** A port for each of the stack's variables, all different (freePort never hands one out twice) and free right now. */
async function freePorts() {
  const ports = {};
  for (const key of Object.keys(PORTS)) ports[key] = await freePort();
  return ports;
}

/** What a newcomer's shell would have: this one's, without npm's variables (when run through npm). */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD'));
}

async function cloneHead(folder) {
  const head = (await capture('git', ['rev-parse', 'HEAD'], { cwd: repoRoot })).trim();
  const dirty = (await capture('git', ['status', '--porcelain'], { cwd: repoRoot })).trim();
  if (dirty) log('note: the working tree has uncommitted changes; the clone has HEAD only');
  await capture('git', ['clone', '--quiet', '--no-checkout', repoRoot, folder]);
  await capture('git', ['-C', folder, 'checkout', '--quiet', '--detach', head]);
  return head;
}

/** Polls `check` for up to 15 s: a part that answered once the stack was ready answers at once. */
async function answers(check) {
  return waitUntil(check, { what: 'an answer', timeoutMs: 15_000, intervalMs: 500 }).catch(() => false);
}

async function post(url, token, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

async function checkParts(stack) {
  const get = async (url) => (await httpStatus(url, { timeoutMs: 5_000 })) === 200;
  verdict(await answers(() => get(`${stack.api_url}/healthz`)), 'API', `${stack.api_url}/healthz`);
  verdict(await answers(() => get(`${stack.sandbox_url}/health`)), 'sandbox', `${stack.sandbox_url}/health`);
  const [host, port] = stack.temporal_address.split(':');
  verdict(await answers(() => portOpen(Number(port), host)), 'Temporal frontend', stack.temporal_address);
  verdict(await answers(() => get(stack.temporal_ui_url)), 'Temporal Web UI', stack.temporal_ui_url);
  const kratosPublic = `${stack.kratos_public_url}/health/ready`;
  verdict(await answers(() => get(kratosPublic)), 'Kratos public', kratosPublic);
  const kratosAdmin = `${stack.kratos_admin_url}/admin/health/ready`;
  verdict(await answers(() => get(kratosAdmin)), 'Kratos admin', kratosAdmin);
  verdict(await answers(() => get(`${stack.web_url}/healthz`)), 'web app', `${stack.web_url}/healthz`);

  const key = stack.demo_merchant?.test_secret_key;
  if (!verdict(Boolean(key), 'demo merchant', stack.demo_merchant?.id ?? 'none in stack.json')) return;
  // Creating a payment goes API → Temporal → worker → sandbox and answers with the provider's QR code.
  const payment = await post(`${stack.api_url}/v1/payments`, key, {
    amount: 100,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'fresh-clone check',
  }).catch((error) => ({ status: error.message, body: null }));
  verdict(
    payment.status === 201 && payment.body?.status === 'requires_action',
    'worker and PostgreSQL: a payment created at the sandbox',
    `POST /v1/payments → ${payment.status} ${payment.body?.id ?? JSON.stringify(payment.body)}`,
  );
  const session = await post(`${stack.api_url}/v1/checkout/sessions`, key, {
    currency: 'CNY',
    line_items: [{ name: 'Longjing tea', quantity: 1, unit_amount: 1299 }],
    success_url: 'https://shop.example/thanks',
    cancel_url: 'https://shop.example/cart',
  }).catch((error) => ({ status: error.message, body: null }));
  const page = session.body?.url ? await httpStatus(session.body.url, { timeoutMs: 10_000 }) : null;
  verdict(
    page === 200,
    'hosted checkout page',
    `${session.body?.url ?? `POST /v1/checkout/sessions → ${session.status}`} → ${page}`,
  );
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals a process group; false when it is gone. */
function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ctrl-C as a terminal sends it: SIGINT to the process group of `npm run stack` (npm and the
 * runner; the runner then stops its children, each in a group of its own). Resolves with
 * whether it ended within STOP_TIMEOUT_MS; if not, the group is killed.
 */
async function pressCtrlC(proc) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return true;
  signalGroup(proc.pid, 'SIGINT');
  const stopped = await Promise.race([proc.exited.then(() => true), delay(STOP_TIMEOUT_MS, false)]);
  if (!stopped) {
    signalGroup(proc.pid, 'SIGKILL');
    await proc.exited;
  }
  return stopped;
}

/** The stack's children (each the leader of its group, pids in stack.json) still alive: killed. */
function killLeftovers(stack) {
  for (const [name, pid] of Object.entries(stack?.processes ?? {})) {
    if (name !== 'runner' && signalGroup(pid, 'SIGKILL')) log(loud(`killed what was left of ${name} (${pid})`));
  }
}

async function checkStopped(stack, ports, output) {
  const pids = Object.entries(stack?.processes ?? {});
  const left = pids.filter(([name, pid]) => alive(pid) || (name !== 'runner' && signalGroup(pid, 0)));
  verdict(left.length === 0, 'no process of the stack left', left.map(([n, p]) => `${n} ${p}`).join(', '));
  const busy = [];
  for (const [key, port] of Object.entries(ports)) if (!(await portFree(port))) busy.push(`${key} ${port}`);
  verdict(busy.length === 0, 'every port free again', busy.join(', '));
  verdict(
    output.some((line) => /^stack\s+\| stopped$/.test(line)),
    'the runner said "stopped"',
  );
  const died = output.filter((line) => line.includes('while the stack was running'));
  verdict(died.length === 0, 'no child died on the way', died.join(' / '));
}

async function removeDatabases(clone, serverUrl, names) {
  // The clone's own module: its `pg` is in the clone's node_modules, installed by the stack.
  const postgres = path.join(clone, 'scripts', 'lib', 'postgres.mjs');
  if (!fs.existsSync(path.join(clone, 'node_modules', 'pg'))) return; // never installed: nothing was created
  const { dropDatabases } = await import(pathToFileURL(postgres).href);
  await dropDatabases({ serverUrl, names });
  log(`dropped databases ${names.join(', ')}`);
}

async function main() {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tongbao-fresh-clone-'));
  const clone = path.join(folder, 'tongbao');
  const dataDir = path.join(folder, 'data');
  const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/tongbao';
  const database = `tongbao_fresh_${process.pid}`;
  const databases = [database, `${database}_sandbox`, `${database}_kratos`];
  const appUrl = new URL(serverUrl);
  appUrl.pathname = `/${database}`;
  let proc = null;
  let stack = null;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: stopping the stack and cleaning up (the clone and its databases go too)');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const head = await cloneHead(clone);
    log(`cloned ${head.slice(0, 12)} into ${clone}`);
    const ports = await freePorts();
    const env = {
      ...cleanEnv(),
      ...Object.fromEntries(Object.entries(PORTS).map(([key, spec]) => [spec.env, String(ports[key])])),
      TONGBAO_WEB_URL: `http://127.0.0.1:${ports.web}`,
      TONGBAO_DATA_DIR: dataDir,
      DATABASE_URL: appUrl.toString(),
    };
    log(`ports ${Object.values(ports).join(', ')}; data dir ${dataDir}; databases ${databases.join(', ')}`);
    log(`running \`npm run stack\` in the clone (waiting up to ${READY_TIMEOUT_MS / 60_000} min for "${READY_LINE}")`);

    const output = [];
    let ready = false;
    const sink = (line) => {
      output.push(line);
      process.stdout.write(`  ${line}\n`);
    };
    sink.shown = true; // errors need not repeat the lines already on the screen
    // Started in a process group of its own, as a terminal's foreground job is.
    proc = startProcess({ name: 'npm run stack', command: 'npm', args: ['run', 'stack'], cwd: clone, env, sink });
    proc.onLine((line) => (ready ||= line.includes(READY_LINE)));
    const waitStarted = Date.now();
    const isReady = await waitUntil(async () => ready || interrupted, {
      what: `"${READY_LINE}"`,
      proc,
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 500,
    }).catch((error) => {
      verdict(false, `"${READY_LINE}" within ${READY_TIMEOUT_MS / 60_000} min`, error.message.split('\n')[0]);
      return false;
    });
    if (interrupted) throw new Error('interrupted');
    stack = readJson(path.join(dataDir, 'stack.json'));
    if (isReady) {
      verdict(true, `"${READY_LINE}"`, `after ${elapsed(waitStarted)}`);
      verdict(Boolean(stack), 'stack.json written', path.join(dataDir, 'stack.json'));
      if (stack) await checkParts(stack);
    }

    if (isReady && !interrupted) {
      log('pressing Ctrl-C (SIGINT to the process group of `npm run stack`)');
      const stopStarted = Date.now();
      const stopped = await pressCtrlC(proc);
      verdict(stopped, `stopped within ${STOP_TIMEOUT_MS / 1000} s`, `in ${elapsed(stopStarted)}`);
      await checkStopped(stack, ports, output);
      // npm ci never writes the lock; npm install in web/ must not either, nor any build step.
      const changed = (await capture('git', ['status', '--porcelain'], { cwd: clone })).trim();
      verdict(!changed, 'the clone is still clean (git status)', changed.split('\n').join(', '));
    }
  } catch (error) {
    if (!interrupted) verdict(false, 'the check ran to its end', error.message);
  } finally {
    // Whatever still runs (a stack that failed, was interrupted, or would not stop) ends before its databases go.
    if (proc) await pressCtrlC(proc);
    stack ??= readJson(path.join(dataDir, 'stack.json'));
    killLeftovers(stack);
    killAllSync();
    await removeDatabases(clone, serverUrl, databases).catch((error) =>
      verdict(false, 'databases dropped', error.message),
    );
    if (process.env.TONGBAO_FRESH_CLONE_KEEP === '1') log(`kept ${folder}`);
    else {
      fs.rmSync(folder, { recursive: true, force: true });
      log(`removed ${folder}`);
    }
  }
  if (interrupted) failures.push('interrupted');
  log(
    failures.length === 0
      ? `fresh-clone check passed in ${elapsed(checkStarted)}`
      : loud(`fresh-clone check FAILED in ${elapsed(checkStarted)}: ${failures.join('; ')}`),
  );
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
