/**
 * The worker's and the API's node flags (scripts/lib/node-flags.json) are the same wherever they
 * start: `npm run stack` (scripts/lib/apps.mjs), the bench's extra processes, docker-compose.yml and
 * the Dockerfile. And they do what docs/scaling.md says: the heap limits hold in the process and in
 * the worker threads it starts (the Temporal worker runs its workflows in one).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const FLAGS = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'lib', 'node-flags.json'), 'utf8')) as Record<
  string,
  string[]
>;
const ENTRIES = ['dist/temporal/worker.js', 'dist/api/main.js'];

/** The `command: [...]` (compose) or `CMD [...]` (Dockerfile) lines that run `entry`, as arrays. */
function commandsRunning(file: string, entry: string): string[][] {
  return fs
    .readFileSync(path.join(ROOT, file), 'utf8')
    .split('\n')
    .map((line) => /^\s*(?:command:|CMD)\s*(\[.*\])\s*$/.exec(line)?.[1])
    .filter((array): array is string => array !== undefined && array.includes(entry))
    .map((array) => JSON.parse(array.replace(/'/g, '"')) as string[]);
}

describe('node flags of the worker and the API', () => {
  test.each(ENTRIES)('%s has flags, and docker-compose.yml starts it with them', (entry) => {
    expect(FLAGS[entry]?.length).toBeGreaterThan(0);
    expect(commandsRunning('docker-compose.yml', entry)).toEqual([['node', ...FLAGS[entry], entry]]);
  });

  test("the Dockerfile's default command (the API) has the API's flags", () => {
    expect(commandsRunning('Dockerfile', 'dist/api/main.js')).toEqual([
      ['node', ...FLAGS['dist/api/main.js'], 'dist/api/main.js'],
    ]);
  });

  test.each(ENTRIES)('the heap limits of %s hold in its main thread and in a worker thread', (entry) => {
    const maxOld = Number(
      /^--max-old-space-size=(\d+)$/.exec(FLAGS[entry].find((f) => f.startsWith('--max-old')) ?? '')?.[1],
    );
    const maxSemi = Number(
      /^--max-semi-space-size=(\d+)$/.exec(FLAGS[entry].find((f) => f.startsWith('--max-semi')) ?? '')?.[1],
    );
    expect(maxOld).toBeGreaterThan(0);
    expect(maxSemi).toBeGreaterThan(0);
    const script = `
      const v8 = require('node:v8');
      const { Worker } = require('node:worker_threads');
      const limit = () => v8.getHeapStatistics().heap_size_limit;
      const thread = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)", { eval: true });
      thread.once('message', (inThread) => { console.log(JSON.stringify([limit(), inThread])); thread.terminate(); });`;
    const [main, thread] = JSON.parse(
      execFileSync(process.execPath, [...FLAGS[entry], '-e', script], { encoding: 'utf8' }),
    ) as number[];
    // heap_size_limit is the old generation's limit plus the young generation's (3 semi-spaces).
    const MiB = 1024 * 1024;
    for (const limit of [main, thread]) {
      expect(limit).toBeGreaterThanOrEqual(maxOld * MiB);
      expect(limit).toBeLessThanOrEqual((maxOld + 3 * maxSemi) * MiB);
    }
  });
});
