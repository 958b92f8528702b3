/**
 * The processes the bench measures: the stack's own (stack.json `processes`), the ones it starts
 * itself (a second worker, a second API, the baseline worker), and PostgreSQL's backends serving
 * the stack's databases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { freePort } from '../../runtime/free-port.testing';
import path from 'node:path';
import readline from 'node:readline';
import type { Pool } from 'pg';
import type { ProcessGroups } from './proc';
import { sleep, type StackInfo } from './tongbao';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** A node process the bench started; stop() ends it (SIGTERM, SIGKILL after 15 s). */
export interface Started {
  name: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `node <script>` with `env`, its output in the stack's logs dir as <name>.log, and resolves
 * once `ready()` holds or it printed `readyLine` (120 s at most: a worker bundles its workflows first).
 */
export async function startNode(
  stack: StackInfo,
  name: string,
  script: string,
  env: Record<string, string>,
  ready: { line: string } | { check: () => Promise<boolean> },
): Promise<Started> {
  const logFile = path.join(stack.logs_dir ?? path.join(ROOT, '.tongbao', 'bench', 'logs'), `${name}.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  // The flags the stack starts the same entry point with (the worker's and the API's heap sizes).
  const nodeFlags = (
    JSON.parse(readFileSync(path.join(ROOT, 'scripts', 'lib', 'node-flags.json'), 'utf8')) as Record<string, string[]>
  )[script];
  // TONGBAO_CPU_PROF=<dir> profiles the extra workers and APIs as the stack's own (scripts/lib/apps.mjs).
  const profile =
    process.env.TONGBAO_CPU_PROF && /^(worker|api)(-\d+)?$/.test(name)
      ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.TONGBAO_CPU_PROF, name)}`]
      : [];
  const child = spawn(process.execPath, [...(nodeFlags ?? []), ...profile, path.join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let sawLine = false;
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipe(log, { end: false });
    if ('line' in ready)
      readline.createInterface({ input: stream }).on('line', (l) => (sawLine ||= l.includes(ready.line)));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 120_000;
  while (!('line' in ready ? sawLine : await ready.check().catch(() => false))) {
    if (gone) throw new Error(`${name} exited before it was ready (see ${logFile})`);
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      throw new Error(`${name} was not ready within 120 s (see ${logFile})`);
    }
    await sleep(200);
  }
  return { name, pid: child.pid!, stop: () => stopChild(child, exited) };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Another worker on the stack's task queue, as stack.json's header says one joins. */
export function startExtraWorker(stack: StackInfo, name = 'worker-2'): Promise<Started> {
  // Its metrics listener on a free port: the stack's worker holds the stack's.
  return startNode(
    stack,
    name,
    'dist/temporal/worker.js',
    { ...stack.env, WORKER_METRICS_PORT: '0' },
    { line: 'worker running' },
  );
}

/** Another API process on a port of its own (API_PORT), with the stack's environment. */
export async function startExtraApi(stack: StackInfo, name = 'api-2'): Promise<Started & { url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = await startNode(
    stack,
    name,
    'dist/api/main.js',
    { ...stack.env, API_PORT: String(port) },
    {
      check: async () => (await fetch(`${url}/healthz`)).ok,
    },
  );
  return { ...started, url };
}

/** The databases the stack's processes use (app, sandbox), by name. */
export function stackDatabases(stack: StackInfo): string[] {
  return [stack.env.DATABASE_URL, stack.env.SANDBOX_DATABASE_URL]
    .filter(Boolean)
    .map((url) => decodeURIComponent(new URL(url).pathname.slice(1)));
}

/**
 * PostgreSQL's backends serving the stack's databases, not counting the bench's own connection.
 * The server is shared with other work on the machine, so its background processes (WAL writer,
 * checkpointer) and other databases' backends are left out: the figure is a lower bound.
 */
export async function postgresBackends(db: Pool, databases: string[]): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = any($1::text[]) and pid <> pg_backend_pid()`,
    [databases],
  );
  return rows.map((row) => row.pid);
}

/** The components whose CPU and memory the bench reports, with the extra processes it started. */
export function componentGroups(stack: StackInfo, extra: Started[], postgres: number[]): ProcessGroups {
  const groups: Record<string, number[]> = {
    api: [stack.processes.api],
    worker: [stack.processes.worker],
    temporal: [stack.processes.temporal],
    sandbox: [stack.processes.sandbox],
    postgres,
  };
  for (const process of extra) {
    const component = process.name.replace(/-\d+$/, '');
    (groups[component] ??= []).push(process.pid);
  }
  return groups;
}
