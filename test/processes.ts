import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { testStack } from './stack';

export { freePort } from '../sandbox/sandbox.testing';

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
