// Keeping node_modules and dist/ up to date, cheaply: both steps are skipped when
// nothing changed, so `npm run stack` and `npm test` can always call them.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.mjs';
import { runCommand } from './processes.mjs';

const BUILD_STAMP = path.join(repoRoot, 'dist', '.build-stamp');
// Never scanned for sources: generated, installed, or not part of the build (tsconfig.build.json
// leaves out test/ and *.test.ts, so editing a test does not rebuild).
const NOT_SOURCES = new Set([
  'node_modules',
  'dist',
  '.git',
  '.tongbao',
  'web',
  'kratos',
  'scripts',
  'coverage',
  'test',
]);

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * `npm ci` when node_modules is missing or older than package-lock.json: exactly the locked
 * tree, and the lock is never rewritten. The lock records every platform's optional binaries
 * (@swc/core's, esbuild's), which `npm ci` insists on; when it lacked those this used
 * `npm install`. npm writes node_modules/.package-lock.json at the end of every install, so its
 * age is the age of the install (the folder's own mtime changes only when top-level entries do).
 */
export async function ensureDependencies({ log, sink = log }) {
  const installed = mtime(path.join(repoRoot, 'node_modules', '.package-lock.json'));
  if (installed && installed >= mtime(path.join(repoRoot, 'package-lock.json'))) return false;
  log(installed ? 'package-lock.json changed: npm ci' : 'node_modules is missing: npm ci');
  await runCommand({
    name: 'npm ci',
    command: 'npm',
    args: ['ci', '--no-audit', '--no-fund'],
    cwd: repoRoot,
    env: process.env,
    sink,
  });
  return true;
}

/** The newest mtime of the TypeScript sources and the files that configure their build. */
function newestSource(dir = repoRoot) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (NOT_SOURCES.has(entry.name) && dir === repoRoot) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.test.ts')) continue;
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, mtime(full));
  }
  return newest;
}

/**
 * `tsc -p tsconfig.build.json` into dist/ when a source is newer than the last
 * successful build. A failed build stops here: running yesterday's JavaScript next to
 * today's sources would make every later error misleading.
 */
export async function buildTypeScript({ log, sink = log, force = false }) {
  if (!force && mtime(BUILD_STAMP) > newestSource()) return false;
  log('building TypeScript (tsc -p tsconfig.build.json)');
  const started = Date.now();
  // Stamp the start, not the end: a file saved during the build makes the next run rebuild.
  const stamp = new Date();
  try {
    await runCommand({
      name: 'tsc',
      command: 'npx',
      args: ['tsc', '-p', 'tsconfig.build.json'],
      cwd: repoRoot,
      env: process.env,
      sink,
    });
  } catch (error) {
    throw new Error(`the TypeScript build failed; fix its errors first.\n${error.message}`);
  }
  await bundleWorkflows({ log, sink });
  fs.mkdirSync(path.dirname(BUILD_STAMP), { recursive: true });
  fs.writeFileSync(BUILD_STAMP, `${stamp.toISOString()}\n`);
  fs.utimesSync(BUILD_STAMP, stamp, stamp);
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

/** The workflow code as the worker loads it (temporal/worker.ts): bundled once, here, not at each start. */
export const WORKFLOW_BUNDLE = path.join(repoRoot, 'dist', 'workflow-bundle.js');

/**
 * Bundles dist/workflows/ with the SDK's webpack (`bundleWorkflowCode`) into WORKFLOW_BUNDLE, in a
 * process of its own (scripts/bundle-workflows.mjs, also run by `npm run build`): a worker that
 * bundled at start took seconds of CPU each time it started, and longer on a busy machine.
 */
export async function bundleWorkflows({ log, sink = log }) {
  const started = Date.now();
  try {
    await runCommand({
      name: 'workflow bundle',
      command: process.execPath,
      args: [path.join(repoRoot, 'scripts', 'bundle-workflows.mjs')],
      cwd: repoRoot,
      env: process.env,
      sink,
    });
  } catch (error) {
    throw new Error(`bundling the workflow code failed.\n${error.message}`);
  }
  log(`workflow code bundled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------
// web/: the hosted checkout, a SvelteKit app with its own package.json and node_modules

const WEB_DIR = path.join(repoRoot, 'web');
const WEB_BUILD_STAMP = path.join(WEB_DIR, 'build', '.build-stamp');
/** Installed, generated or built inside web/: never sources of the web build. */
const WEB_NOT_SOURCES = new Set(['node_modules', 'build', '.svelte-kit', 'paraglide']);

/** The web app's entry point once built (adapter-node's output). */
export const WEB_ENTRY = 'web/build/index.js';

/**
 * `npm install` in web/ when its node_modules is missing or older than its lock. Not `npm ci`
 * as in the root: @lix-js/sdk (under Paraglide) has optional binaries per platform, and the
 * registry this machine reaches has only its linux-x64 one at the locked version, so npm leaves
 * the other three out of web/package-lock.json and `npm ci` refuses the lock as out of sync
 * ("Missing: @lix-js/sdk-darwin-arm64@ from lock file"). `npm install` installs the same
 * locked tree here and leaves the lock unchanged; switch to `npm ci` once the lock is complete.
 */
export async function ensureWebDependencies({ log, sink = log }) {
  const installed = mtime(path.join(WEB_DIR, 'node_modules', '.package-lock.json'));
  if (installed && installed >= mtime(path.join(WEB_DIR, 'package-lock.json'))) return false;
  log(
    installed
      ? 'web/package-lock.json changed: npm install in web/'
      : 'web/node_modules is missing: npm install in web/',
  );
  await runCommand({
    name: 'npm install (web)',
    command: 'npm',
    args: ['install', '--no-audit', '--no-fund'],
    cwd: WEB_DIR,
    env: process.env,
    sink,
  });
  return true;
}

/**
 * The newest mtime of what the web build reads: under web/ its sources, messages, configs and
 * lock, and domain/, which the page shares with the API.
 */
function newestWebInput() {
  return Math.max(newestWebSource(WEB_DIR), newestWebSource(path.join(repoRoot, 'domain')));
}

function newestWebSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (WEB_NOT_SOURCES.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    // inlang keeps caches beside its settings; only settings.json configures the build.
    if (dir.endsWith('project.inlang') && entry.name !== 'settings.json') continue;
    if (entry.isDirectory()) newest = Math.max(newest, newestWebSource(full));
    else newest = Math.max(newest, mtime(full));
  }
  return newest;
}

/**
 * `npm run build` in web/ (Paraglide compiles messages/, then `vite build`: SvelteKit and
 * adapter-node write web/build/) when a source is newer than the last successful build.
 */
export async function buildWeb({ log, sink = log, force = false }) {
  if (!force && mtime(WEB_BUILD_STAMP) > newestWebInput()) return false;
  log('building the web app (npm run build in web/: Paraglide compiles the messages, then vite build)');
  const started = Date.now();
  const stamp = new Date();
  try {
    await runCommand({
      name: 'web build',
      command: 'npm',
      args: ['run', 'build'],
      cwd: WEB_DIR,
      env: process.env,
      sink,
    });
  } catch (error) {
    throw new Error(`the web build failed; fix its errors first.\n${error.message}`);
  }
  fs.writeFileSync(WEB_BUILD_STAMP, `${stamp.toISOString()}\n`);
  fs.utimesSync(WEB_BUILD_STAMP, stamp, stamp);
  log(`web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
