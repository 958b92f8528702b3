// `npm run bench`: starts a test-mode stack of its own, runs bench/payments.bench.ts against it, stops it.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from '../scripts/stack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Time scale 1: the benchmark measures real timings, not test-accelerated ones.
const stack = await startStack({ mode: 'test', name: 'bench', timeScale: 1 });
let status = 1;
try {
  const stackFile = path.join(root, '.tongbao', 'bench', 'bench-stack.json');
  const { stop: _stop, ...info } = stack;
  writeFileSync(stackFile, JSON.stringify(info, null, 2));
  status =
    spawnSync(process.execPath, [path.join(root, 'dist', 'bench', 'payments.bench.js'), stackFile], {
      stdio: 'inherit',
      cwd: root,
    }).status ?? 1;
} finally {
  await stack.stop();
}
process.exit(status);
