// npm test: everything CI checks, in order, on a fresh clone or a working tree:
//   npm ci (if needed) → tsc build → typecheck (tests included) → eslint → prettier --check
//   → web/: npm install (if needed), npm run build (Paraglide, then vite build), svelte-check
//   → Chromium for the browser tests (apt-get install when missing)
//   → the Temporal CLI and Kratos, and the Temporal server, its schema tool and UI server for the
//     PostgreSQL mode's test (all built once from the Go module proxy) → jest
// Arguments go to jest: `npm test -- test/api.test.ts -t idempotency`.
// The last line is "N passed, N failed": jest's tests, plus one failure for each check
// that failed (build, typecheck, lint, format, the web's install, build and typecheck, Chromium,
// the Go tools) or a jest run that produced no results.
// Only Node built-ins are imported statically here and in what this imports: the install step
// must run before any package is needed (see scripts/stack.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { buildTypeScript, buildWeb, ensureDependencies, ensureWebDependencies } from './lib/build.mjs';
import { ensureChromium } from './lib/chromium.mjs';
import { consoleSink, createLog, loud } from './lib/log.mjs';
import { repoRoot } from './lib/paths.mjs';
import { runCommand } from './lib/processes.mjs';
import { ensureTools } from './tools.mjs';

const RESULTS_FILE = path.join(
  repoRoot,
  '.tongbao',
  process.env.TONGBAO_TEST_STACK_NAME ?? 'test',
  'jest-results.json',
);

const log = createLog({ name: 'test' });

/** Runs one check; a failure is recorded, not thrown, so the later checks still report. */
async function check(name, failures, fn) {
  const started = Date.now();
  try {
    await fn();
    log(`${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return true;
  } catch (error) {
    failures.push(name);
    log(loud(`${name}: FAILED`) + ` ${error.message.split('\n')[0]}`);
    return false;
  }
}

/** An npx tool whose output is already readable as it is: no prefixes, straight through. */
function npx(name, args, cwd = repoRoot) {
  return runCommand({
    name,
    command: 'npx',
    args,
    cwd,
    env: process.env,
    sink: (line) => process.stdout.write(`${line}\n`),
  });
}

/** jest's own exit code is not enough: we want the counts, from its JSON report. */
function readJestResults() {
  try {
    return JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8'));
  } catch {
    return null;
  }
}

async function runJest(extraArgs) {
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.rmSync(RESULTS_FILE, { force: true });
  // Two workers for two cores; the stack's own processes share them, but tests mostly wait.
  const args = ['jest', '--ci', '--maxWorkers=2', '--json', `--outputFile=${RESULTS_FILE}`, ...extraArgs];
  try {
    await runCommand({
      name: 'jest',
      command: 'npx',
      args,
      cwd: repoRoot,
      env: process.env,
      sink: (line) => process.stdout.write(`${line}\n`),
    });
    return true;
  } catch {
    return false; // the report says what failed
  }
}

async function main(extraArgs) {
  const failures = [];
  const installed = await check('install', failures, () => ensureDependencies({ log, sink: consoleSink('npm') }));
  if (!installed) return finish({ failures, results: null });
  const built = await check('build', failures, () => buildTypeScript({ log, sink: consoleSink('tsc') }));
  await check('typecheck', failures, () => npx('tsc', ['tsc', '-p', 'tsconfig.json', '--noEmit']));
  await check('lint', failures, () => npx('eslint', ['eslint', '.']));
  // Prettier owns layout: an unformatted file fails the run (`npm run format` fixes it).
  await check('format', failures, () => npx('prettier', ['prettier', '--check', '--log-level', 'warn', '.']));
  // The checkout (web/) is a package of its own; the stack serves its build.
  const webInstalled = await check('web install', failures, () =>
    ensureWebDependencies({ log, sink: consoleSink('npm') }),
  );
  const webBuilt =
    webInstalled && (await check('web build', failures, () => buildWeb({ log, sink: consoleSink('web') })));
  // svelte-check also reports the Svelte compiler's accessibility warnings: they fail the run too.
  if (webBuilt)
    await check('web typecheck', failures, () =>
      npx(
        'svelte-check',
        ['svelte-check', '--tsconfig', './tsconfig.json', '--fail-on-warnings'],
        path.join(repoRoot, 'web'),
      ),
    );
  // The browser tests fail without it, each saying why; the other tests still run.
  await check('chromium', failures, () => ensureChromium({ log, sink: consoleSink('apt') }));
  // The test stack needs the CLI and Kratos, scripts/temporal-postgres.test.ts the server's three
  // programs; jest would build them too, but a first build takes ~10 minutes each (more on a busy
  // machine, past a test's timeout): here the Go builds' progress is on the console.
  const tools = await check('tools', failures, () => ensureTools({ log, postgres: true }));
  // Without a build or the tools the stack cannot start, and every integration test would fail
  // for that one reason.
  if (!built || !webBuilt || !tools) return finish({ failures, results: null });
  const jestOk = await runJest(extraArgs);
  const results = readJestResults();
  if (!results) failures.push('jest (no results: it failed before running tests, e.g. in globalSetup)');
  else if (!jestOk && results.numFailedTests === 0 && results.numRuntimeErrorTestSuites === 0) failures.push('jest');
  return finish({ failures, results });
}

/**
 * The failed tests, each as a line (file › name: first line of its error) and up to
 * FAILURE_DETAIL_LINES more of its message (an expectation's diff, a cause), every line starting
 * with FAILED: CI keeps only the head and tail of a long run's output, jest's own report is in
 * the middle, and .ci/run repeats these lines by that prefix.
 */
const FAILURE_DETAIL_LINES = 12;

function failedTestLines(results) {
  const lines = [];
  for (const suite of results?.testResults ?? []) {
    const file = path.relative(repoRoot, suite.name);
    const failed = suite.assertionResults.filter((test) => test.status === 'failed');
    if (failed.length === 0 && suite.status === 'failed') lines.push(...failureLines(file, suite.message));
    for (const test of failed) {
      lines.push(...failureLines(`${file} › ${test.fullName}`, test.failureMessages.join('\n')));
    }
  }
  return lines;
}

function failureLines(title, message) {
  // eslint-disable-next-line no-control-regex -- jest's messages carry colour codes
  const plain = String(message ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  // The message without jest's headings and the stack's frames.
  const meaningful = plain
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('●') && !/^\s*at /.test(line));
  const [first = '', ...rest] = meaningful;
  return [
    `FAILED ${title}: ${first.trim().slice(0, 200)}`,
    ...rest.slice(0, FAILURE_DETAIL_LINES).map((line) => `FAILED     ${line.slice(0, 200)}`),
  ];
}

function finish({ failures, results }) {
  const passed = results?.numPassedTests ?? 0;
  // Suites that could not run (a syntax error, a failing beforeAll import) have no tests to count.
  const failedTests = (results?.numFailedTests ?? 0) + (results?.numRuntimeErrorTestSuites ?? 0);
  if (failures.length > 0) log(loud(`failed: ${failures.join(', ')}`));
  for (const line of failedTestLines(results)) process.stdout.write(`${line}\n`);
  const failed = failedTests + failures.length;
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.stdout.write('\n0 passed, 1 failed\n');
  process.exitCode = 1;
});
