// Bundles the compiled workflow code (dist/workflows/) into dist/workflow-bundle.js, which the
// worker loads as it is (`workflowBundle: { codePath }`). Run after tsc: by `npm run build` and by
// the stack's build step (scripts/lib/build.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workflowsPath = path.join(root, 'dist', 'workflows', 'index.js');
const codePath = path.join(root, 'dist', 'workflow-bundle.js');
// The OpenTelemetry interceptors, active only in traced runs (workflows/tracing.interceptors.ts): with
// a prebuilt bundle the worker's own `interceptors.workflowModules` are ignored, so they go in here.
const workflowInterceptorModules = [path.join(root, 'dist', 'workflows', 'tracing.interceptors.js')];

// The SDK's logger prints every module of the bundle at INFO; warnings and errors are enough.
const quiet = (level) => (message, meta) => console[level](message, meta ?? '');
const noop = () => {};
const logger = { trace: noop, debug: noop, info: noop, log: noop, warn: quiet('warn'), error: quiet('error') };

// Imported here, not at the top: scripts run before `npm ci` only import Node built-ins statically.
const { bundleWorkflowCode } = await import('@temporalio/worker');
const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger });
// Written whole, then renamed: a worker starting meanwhile never reads half a bundle.
fs.writeFileSync(`${codePath}.tmp`, code);
fs.renameSync(`${codePath}.tmp`, codePath);
console.log(`workflow bundle: ${path.relative(root, codePath)} (${(code.length / 1024).toFixed(0)} KiB)`);
