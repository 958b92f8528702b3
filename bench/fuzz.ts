/**
 * `npm run fuzz`: mutated requests over every route of a running stack (see bench/fuzz/run.ts);
 * exits 1 on any answer ≥ 500, any /v1 or checkout error not in API.md's format, or a problem
 * after the run.
 *
 *   npm run fuzz -- [--stack .tongbao/stack.json] [--count 10000] [--seed N] [--concurrency 8] [--only I]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FuzzStack } from './fuzz/fixtures';
import { randomSeed } from './random';
import { formatReport, runFuzz } from './fuzz/run';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: 'string', default: '.tongbao/stack.json' },
      count: { type: 'string', default: '10000' },
      seed: { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      only: { type: 'string' },
    },
  });
  const stack = JSON.parse(readFileSync(values.stack, 'utf8')) as FuzzStack;
  const count = Number(values.count);
  const seed = values.seed === undefined ? randomSeed() : Number(values.seed);
  const concurrency = Number(values.concurrency);
  const only = values.only === undefined ? undefined : Number(values.only);
  for (const [name, value] of Object.entries({ count, seed, concurrency, only: only ?? 0 }))
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
  console.log(`fuzz: ${count} requests against ${stack.api_url}, seed ${seed} (repeat with --seed ${seed})`);
  const report = await runFuzz(stack, { count, seed, concurrency, only, log: (line) => console.log(line) });
  console.log(formatReport(report, count));
  return report.failures.length + report.afterRun.length === 0 ? 0 : 1;
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
