// Watching the stack's children: where their output goes (the console in dev mode, one file per
// process in test mode), what is said when one dies, and killing them when the host gets a signal.
import fs from 'node:fs';
import path from 'node:path';
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
