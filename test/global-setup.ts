/**
 * Jest globalSetup: starts the test stack (scripts/stack.mjs in test mode: in-memory
 * Temporal, fresh databases, random ports, time scale 60) once for the whole run, and
 * describes it in .tongbao/test/stack.json, which test/stack.ts reads in every worker.
 *
 * The stack is started only when a selected test needs it: a test under test/, or one
 * that imports a helper from test/. So `npx jest domain/money.test.ts` runs at once, and
 * does not depend on the build of the rest of the code.
 *
 * TONGBAO_TEST_STACK=off never starts one: tests use the stack stack.json already describes,
 * e.g. one kept running with `node scripts/stack.mjs --test` across many test runs.
 * TONGBAO_TEST_STACK=on always starts one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '@jest/types';
import { STACK_FILE, TEST_STACK_NAME, type StackInfo } from './stack';

const ROOT = path.resolve(__dirname, '..');
const TEST_DIR = path.join(ROOT, 'test');
const NOT_SCANNED = new Set(['node_modules', 'dist', 'web', '.tongbao', '.git', 'coverage']);
/** `from './stack'`, `from '../../test/db'`: a helper that talks to the stack, imported from outside test/. */
const IMPORTS_TEST_HELPER = /from\s+['"](?:\.\.\/)+test\/[\w-]+['"]/;

export type StackHandle = StackInfo & { stop(): Promise<void> };

interface StackModule {
  startStack(options: { mode: 'test'; name: string }): Promise<StackHandle>;
}

declare global {
  // The handle, for global-teardown.ts: jest runs both in its main process.
  var __TONGBAO_TEST_STACK__: StackHandle | undefined;
}

/**
 * TypeScript compiles `import()` to `require()` for CommonJS output, and ESM (.mjs) files
 * need a real dynamic import. Code built from a string is not rewritten.
 */
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (NOT_SCANNED.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Whether the tests jest is about to run include one that needs the stack (see above). */
function stackNeeded(globalConfig: Config.GlobalConfig): boolean {
  const setting = process.env.TONGBAO_TEST_STACK;
  if (setting === 'on') return true;
  if (setting === 'off') return false;
  // jest picks these files itself, later; when in doubt, start the stack.
  if (globalConfig.onlyChanged || globalConfig.findRelatedTests) return true;
  const pattern = globalConfig.testPathPattern ? new RegExp(globalConfig.testPathPattern, 'i') : null;
  return testFiles(ROOT)
    .filter((file) => !pattern || pattern.test(file))
    .some((file) => file.startsWith(TEST_DIR + path.sep) || IMPORTS_TEST_HELPER.test(fs.readFileSync(file, 'utf8')));
}

export default async function globalSetup(globalConfig: Config.GlobalConfig): Promise<void> {
  if (!stackNeeded(globalConfig)) return;
  const stackScript = path.join(ROOT, 'scripts', 'stack.mjs');
  const { startStack } = (await importModule(pathToFileURL(stackScript).href)) as StackModule;

  const started = Date.now();
  process.stdout.write(`\nStarting the test stack (logs in .tongbao/${TEST_STACK_NAME}/logs/)…\n`);
  const stack = await startStack({ mode: 'test', name: TEST_STACK_NAME });
  const { stop: _stop, ...info } = stack;
  fs.mkdirSync(path.dirname(STACK_FILE), { recursive: true });
  fs.writeFileSync(STACK_FILE, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  globalThis.__TONGBAO_TEST_STACK__ = stack;
  process.stdout.write(`Test stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
}
