// Watching the stack's children: where their output goes (the console in dev mode, one file per
// process in test mode), what is said when one dies, and killing them when the host gets a signal.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { consoleSink, createLog, fileSink, loud } from './log.mjs';
import { killAllSync } from './processes.mjs';

/**
 * Where the runner's messages and each child's output go: the console in dev mode, one file per
 * process under logsDir in test mode (`logFile(name)` says which, for error messages).
 */
export function createIo(config) {
  if (!config.logsDir) {
    return { log: createLog({ name: 'stack' }), sinkFor: (name) => consoleSink(name), logFile: () => null };
  }
  // Each test run starts with empty logs, so what is there belongs to this run.
  fs.rmSync(config.logsDir, { recursive: true, force: true });
  const logFile = (name) => path.join(config.logsDir, `${name}.log`);
  return { log: fileSink(logFile('stack')), sinkFor: (name) => fileSink(logFile(name)), logFile };
}

/** The default when a child dies while the stack runs: a loud message with its last lines. */
export function reportChildExit(name, { code, signal, lastLines, log }) {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  process.stderr.write(`${loud(`[tongbao stack] ${name} ${how} while the stack was running.`)}${lastLines}\n`);
  if (log) process.stderr.write(`(full log: ${log})\n`);
}

/**
 * When the stack runs inside another program (jest), a Ctrl-C would end that program
 * without stopping our children, which live in their own process groups. Kill them,
 * then let the signal do what it would have done.
 */
export function killChildrenOnSignal() {
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

/** Backoff between restarts of a child that died: 1 s, doubling to 30 s. */
export const RESTART_BACKOFF = { firstMs: 1_000, maxMs: 30_000 };
/** A child that stayed up this long after it was ready is healthy again: its next restart waits 1 s. */
export const STABLE_AFTER_MS = 15_000;

/**
 * Watches one child of the stack, started by `start()` (which resolves to its process once it
 * answers), beginning with `first`, the process start() gave at start-up. When it dies while the
 * stack runs, `onExit(name, exit)` is told; with `restart`, the child is started again after a
 * backoff (RESTART_BACKOFF, reset once it stayed up STABLE_AFTER_MS), saying so through `log`,
 * until it answers as at start; `onStarted(proc)` then learns the new process (stack.json's pids).
 * `isStopping()` true means the stack is being stopped: no restart, and a process started
 * meanwhile is stopped. Returns `settled()`, which resolves when no restart is under way.
 */
export function superviseChild({ name, first, start, restart, onExit, onStarted, isStopping, log }) {
  let backoffMs = RESTART_BACKOFF.firstMs;
  let restarting = Promise.resolve();

  const watch = (proc) => {
    const readyAt = Date.now();
    proc.exited.then((exit) => {
      if (isStopping() || proc.stopping) return;
      onExit(name, { ...exit, lastLines: proc.tail() });
      if (!restart) return;
      if (Date.now() - readyAt >= STABLE_AFTER_MS) backoffMs = RESTART_BACKOFF.firstMs;
      restarting = restartLoop();
    });
  };

  const restartLoop = async () => {
    while (!isStopping()) {
      log(loud(`${name} died: restarting it in ${backoffMs / 1000} s`));
      await delay(backoffMs, undefined, { ref: false });
      backoffMs = Math.min(backoffMs * 2, RESTART_BACKOFF.maxMs);
      if (isStopping()) return;
      const started = Date.now();
      let proc;
      try {
        proc = await start();
      } catch (error) {
        if (isStopping()) return;
        log(loud(`${name} could not restart: ${error.message.split('\n')[0]}`));
        continue;
      }
      if (isStopping()) {
        await proc.stop();
        return;
      }
      log(`${name}: restarted (pid ${proc.pid}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      onStarted(proc);
      watch(proc);
      return;
    }
  };

  onStarted(first);
  watch(first);
  return { settled: () => restarting };
}
