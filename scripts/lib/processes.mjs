// Child processes of the stack: started in their own process group, their output
// streamed line by line to a sink, and stopped with everything they spawned.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { setInterval, clearInterval } from 'node:timers';

const RECENT_LINES = 40;
/** Every process still running, so an unexpected exit of the runner can still kill them. */
const running = new Set();

/**
 * Starts a long-running child. It gets its own process group (`detached`) so that
 * stop() can signal its whole tree, and so that Ctrl-C in the terminal reaches only
 * the runner, which then stops the children in order instead of all at once.
 * `quietOnStop` drops the output a process writes after stop() was called.
 */
export function startProcess({ name, command, args = [], cwd, env, sink, quietOnStop = false }) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const recent = [];
  const listeners = new Set();
  const onLine = (line) => {
    recent.push(line);
    if (recent.length > RECENT_LINES) recent.shift();
    // Servers such as Temporal log a burst of errors while shutting down; they say nothing useful.
    if (!(quietOnStop && handle.stopping)) sink(line);
    for (const listener of listeners) listener(line);
  };
  readline.createInterface({ input: child.stdout }).on('line', onLine);
  readline.createInterface({ input: child.stderr }).on('line', onLine);

  const exited = new Promise((resolve) => {
    // 'close' waits for the output pipes, so the last lines are in `recent` by then.
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  const handle = {
    name,
    pid: child.pid,
    child,
    exited,
    stopping: false,
    recentLines: () => recent.join('\n'),
    /** The last lines, for an error message; empty when the console showed them already. */
    tail: () => (sink.shown ? '' : `\n${recent.join('\n')}`),
    /** Calls `listener` with every later line of output; returns a function that unsubscribes. */
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: (timeoutMs) => stopProcess(handle, timeoutMs),
  };
  running.add(handle);
  exited.then(() => running.delete(handle));
  return handle;
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // the group is gone already
  }
}

function groupAlive(pid) {
  return signalGroup(pid, 0);
}

/**
 * SIGTERM to the group, then SIGKILL after `timeoutMs`. The group is checked again
 * after the leader exits, because a child of the leader can outlive it.
 */
export async function stopProcess(handle, timeoutMs = 10_000) {
  handle.stopping = true;
  if (!handle.pid) return;
  signalGroup(handle.pid, 'SIGTERM');
  // ref: false, so a pending timer never keeps the runner alive after everything stopped.
  const timedOut = await Promise.race([handle.exited.then(() => false), delay(timeoutMs, true, { ref: false })]);
  if (timedOut || groupAlive(handle.pid)) {
    if (!timedOut) await delay(500);
    signalGroup(handle.pid, 'SIGKILL');
    await handle.exited;
  }
}

/** Stops every running child, newest first (the reverse of the order they were started in). */
export async function stopAll() {
  for (const handle of [...running].reverse()) await handle.stop();
}

/** Last resort when the runner exits without stopping its children (e.g. an uncaught error). */
export function killAllSync() {
  for (const handle of running) if (handle.pid) signalGroup(handle.pid, 'SIGKILL');
}

/**
 * Runs a command to completion. Output goes to `sink`; on failure the error carries
 * the last lines, which usually say why. `heartbeat` logs the elapsed time every 15 s
 * for commands that are slow and silent (go builds).
 */
export async function runCommand({ name, command, args = [], cwd, env, sink, heartbeat = null }) {
  const started = Date.now();
  const proc = startProcess({ name, command, args, cwd, env, sink });
  const timer = heartbeat && setInterval(() => heartbeat(Math.round((Date.now() - started) / 1000)), 15_000);
  try {
    const { code, signal, error } = await proc.exited;
    if (error) throw new Error(`${name}: cannot run ${command}: ${error.message}`);
    if (code !== 0) {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      throw new Error(`${name}: \`${[command, ...args].join(' ')}\` ${how}${proc.tail()}`);
    }
  } finally {
    if (timer) clearInterval(timer);
  }
  return { seconds: (Date.now() - started) / 1000 };
}

/** Runs a command and returns its stdout (for short queries such as `--version`). */
export function capture(command, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.trim()}`)),
    );
  });
}
