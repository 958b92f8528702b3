import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../runtime/free-port.testing';
import { testStack } from './stack';

const ROOT = path.resolve(__dirname, '..');

/**
 * Starts one of the built app processes (dist/…) with the test stack's environment plus overrides,
 * resolving once it prints `readyLine`.
 */
export async function startAppProcess(
  script: string,
  env: Record<string, string>,
  readyLine: RegExp,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', script)], {
    cwd: ROOT,
    env: { ...process.env, ...testStack().env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in time:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (readyLine.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/**
 * A worker of a story's own, on its own task queue, so that the story may kill and restart it; its
 * metrics listener on a free port (the stack's worker has the stack's). `env` adds settings.
 */
export function startOwnWorker(taskQueue: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  return startAppProcess(
    'temporal/worker.js',
    { WORKER_METRICS_PORT: '0', ...env, TEMPORAL_TASK_QUEUE: taskQueue },
    /worker running/,
  );
}

/** An API of a story's own, starting workflows on the story's task queue (`env` adds settings, e.g. its deadlines). */
export async function startOwnApi(
  taskQueue: string,
  env: Record<string, string> = {},
): Promise<{ api: ChildProcess; apiUrl: string }> {
  const port = await freePort();
  const api = await startAppProcess(
    'api/main.js',
    { ...env, TEMPORAL_TASK_QUEUE: taskQueue, API_PORT: String(port) },
    /api listening/,
  );
  return { api, apiUrl: `http://127.0.0.1:${port}` };
}

/**
 * One JSON call to such an API with a merchant's secret key or the admin token (and an
 * Idempotency-Key when given); `retryAfter` is the answer's Retry-After header.
 */
export async function callApi(
  apiUrl: string,
  key: string,
  method: string,
  urlPath: string,
  body?: unknown,
  idempotencyKey?: string,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const response = await fetch(`${apiUrl}${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    retryAfter: response.headers.get('retry-after'),
  };
}
