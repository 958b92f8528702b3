/**
 * The short chaos run in the suite: 200 payments over every channel against a stack of its own
 * (so killing its worker disturbs no other test file), with the worker SIGKILLed every 15 s of its
 * uptime and the Temporal dev server once (its history on a SQLite file), notifications dropped and
 * duplicated, provider calls and webhook answers failing (bench/chaos.ts). It fails when a payment
 * is lost, a transition or refund doubled, an event or webhook missing, or the books disagree with
 * the sandbox's; and when the stack does not bring a killed child back (the payments then stall).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { formatTable, runChaos } from './chaos';

const ROOT = path.resolve(__dirname, '..');
/** Beside the suite's own stack, named after it, so two checkouts' runs stay apart. */
const NAME = `${process.env.TONGBAO_TEST_STACK_NAME ?? 'test'}_chaos`;

let stack: ChildProcess | undefined;

/**
 * The stack runs in a process of its own (`node scripts/stack.mjs --test`, which restarts dead
 * children), as `npm run stack` would: jest's module sandbox cannot import stack.mjs, an ES module.
 * Time scale 10, not the suite's 60: a refund the worker's death delays must not reach
 * requires_attention (600 s ÷ the scale) before the worker is back.
 */
beforeAll(async () => {
  const args = ['scripts/stack.mjs', '--test', '--name', NAME, '--time-scale', '10', '--temporal=sqlite'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  stack = child;
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      output.push(line);
      if (line.includes('test stack running')) resolve();
    };
    readline.createInterface({ input: child.stdout! }).on('line', onLine);
    readline.createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) => reject(new Error(`the chaos stack exited with ${code}:\n${output.join('\n')}`)));
  });
}, 300_000);

afterAll(async () => {
  if (!stack || stack.exitCode !== null) return;
  const exited = new Promise((resolve) => stack!.once('exit', resolve));
  stack.kill('SIGINT');
  await exited;
}, 60_000);

test('200 payments under chaos: none lost, none doubled, every webhook delivered, the books reconcile', async () => {
  const lines: string[] = [];
  const result = await runChaos({
    stackFile: path.join(ROOT, '.tongbao', NAME, 'stack.json'),
    payments: 200,
    concurrency: 32,
    killEverySeconds: 15,
    seed: 7,
    settleTimeoutSeconds: 240,
    log: (line) => lines.push(line),
  });
  process.stdout.write(`${lines.join('\n')}\n${formatTable(result)}\n`);
  expect(result.figures.worker_kills).toBeGreaterThanOrEqual(1);
  expect(result.figures.temporal_restarts).toBe(1);
  expect({ off: result.rows.filter((row) => !row.ok), problems: result.problems }).toEqual({ off: [], problems: [] });
}, 600_000);
