// `npm run bench [-- --temporal=sqlite|memory|postgres]`: starts a test-mode stack of its own with
// that Temporal store (default sqlite, the one `npm run stack` uses), runs
// dist/bench/payments.bench.js against it, stops it. The stack is named `bench`, or
// `<TONGBAO_TEST_STACK_NAME>_bench` when that is set, so that benches on one PostgreSQL stay apart.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from '../scripts/stack.mjs';

const STORES = ['sqlite', 'memory', 'postgres'];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const flag = process.argv.slice(2).find((arg) => arg.startsWith('--temporal='));
const temporal = flag ? flag.slice('--temporal='.length) : 'sqlite';
if (!STORES.includes(temporal)) {
  console.error(`--temporal=${temporal}: the store is one of ${STORES.join(', ')}`);
  process.exit(2);
}
const name = process.env.TONGBAO_TEST_STACK_NAME ? `${process.env.TONGBAO_TEST_STACK_NAME}_bench` : 'bench';
// Time scale 1: the benchmark measures real timings, not test-accelerated ones.
let stack;
try {
  stack = await startStack({ mode: 'test', name, timeScale: 1, temporal });
} catch (error) {
  console.error(`the bench's stack (Temporal on ${temporal}) could not start: ${error.message}`);
  process.exit(1);
}
let status = 1;
try {
  status =
    spawnSync(
      process.execPath,
      [path.join(root, 'dist', 'bench', 'payments.bench.js'), path.join(root, '.tongbao', name, 'stack.json')],
      { stdio: 'inherit', cwd: root, env: { ...process.env, BENCH_TEMPORAL: temporal } },
    ).status ?? 1;
} finally {
  await stack.stop();
}
process.exit(status);
