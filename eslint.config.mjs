// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import boundaries from 'eslint-plugin-boundaries';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// Workflow code is replayed by Temporal and must be deterministic: no Node built-ins,
// no I/O libraries. Everything with side effects lives in activities/.
// Built-ins are matched by exact name: as patterns, `domain` (a deprecated built-in) would also
// forbid our own ../domain folder.
const builtinsForbiddenInWorkflows = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const packagesForbiddenInWorkflows = [
  'pg',
  'express',
  'alipay-sdk',
  '@mikro-orm/*',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

// Which folder may import which (ARCHITECTURE.md, "Layout"); a bad import fails the lint. A folder
// may import only what its line allows; imports inside one folder are free. Tests, the test
// harness, the provider contract suite, the benchmark and the scripts are left out: they drive the
// whole system.
const layers = [
  'domain',
  'providers',
  'messaging',
  'db',
  'runtime',
  'activities',
  'workflows',
  'api',
  'temporal',
  'sandbox',
  'migrations',
  // The web app's TypeScript (its Svelte files are checked by svelte-check, not here).
  'web',
].map((folder) => ({ type: folder, pattern: folder }));
// Two files have a role of their own in their folder.
const roles = [
  // What the API may take from workflows/: the signals, updates and queries, and the shapes they carry.
  { category: 'workflow-messages', pattern: 'workflows/messages.ts' },
  // The worker puts everything together; the rest of temporal/ is the client side.
  { category: 'worker', pattern: 'temporal/worker.ts' },
  { category: 'temporal-client', pattern: 'temporal/!(worker).ts' },
];
const layer = (...types) => ({ element: { types: { anyOf: types } } });
const typesOnly = (to) => ({ to, dependency: { kind: 'type' } });
const workflowMessages = { element: { type: 'workflows' }, file: { categories: 'workflow-messages' } };
const temporalClient = { element: { type: 'temporal' }, file: { categories: 'temporal-client' } };
/** `from` may import what `allow` lists; every other import of ours is refused. */
const policies = [
  { from: layer('domain'), allow: [] },
  { from: layer('providers', 'db', 'runtime', 'sandbox', 'web'), allow: [{ to: layer('domain') }] },
  // messaging: its outbox writes a message's row and starts its workflow.
  { from: layer('messaging'), allow: [{ to: layer('domain', 'db') }] },
  { from: layer('activities'), allow: [{ to: layer('providers', 'messaging', 'db', 'domain') }] },
  // Workflows see activities only as types (STYLE.md 1), and nothing with side effects.
  { from: layer('workflows'), allow: [{ to: layer('domain') }, typesOnly(layer('activities'))] },
  // The API signals and updates workflows through their messages, and names them by type only.
  {
    from: layer('api'),
    allow: [
      // messaging: a template's preview renders it as a send would.
      { to: layer('domain', 'providers', 'messaging', 'db', 'runtime') },
      { to: workflowMessages },
      { to: temporalClient },
      typesOnly(layer('workflows')),
    ],
  },
  { from: temporalClient, allow: [{ to: layer('domain') }, typesOnly(layer('workflows'))] },
  {
    from: { element: { type: 'temporal' }, file: { categories: 'worker' } },
    allow: [{ to: layer('domain', 'providers', 'messaging', 'db', 'runtime', 'activities') }],
  },
  { from: layer('migrations'), allow: [{ to: layer('db', 'domain') }] },
];
const notLayered = ['**/*.test.ts', '**/*.testing.ts', 'providers/contract/**', 'test/**', 'bench/**', 'scripts/**'];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'web/**/*',
      '!web/src/',
      '!web/src/**/',
      '!web/src/**/*.ts',
      'web/src/lib/paraglide/**',
      '.tongbao/**',
      'api/openapi-types.ts',
      'kratos/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    // `npm run stack` and `npm test` install the packages themselves: until they have, a script may
    // load only Node's built-ins and its own files. A package is imported where it is first needed.
    files: ['scripts/**/*.mjs'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!node:|\\.)',
              message: 'scripts run before npm install: import packages dynamically, after ensureDependencies',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        fetch: 'readonly',
      },
    },
  },
  {
    files: ['**/*.ts'],
    ignores: notLayered,
    plugins: { boundaries, 'import-x': importX },
    settings: {
      'boundaries/elements': layers,
      'boundaries/files': roles,
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      'import/resolver': { typescript: { project: './tsconfig.json' } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          message: '{{from.type}} may not import {{to.type}} (ARCHITECTURE.md, "Layout": the allowed arrows)',
          policies,
        },
      ],
      // Value imports may not go round in a circle; type imports may.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // The benchmark's baseline workflow runs in the same sandbox as ours.
    files: ['workflows/**/*.ts', 'bench/baseline/*.workflow.ts'],
    // Tests and their helpers run in Node, never in the workflow sandbox.
    ignores: ['workflows/**/*.test.ts', 'workflows/**/*.testing.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinsForbiddenInWorkflows.map((name) => ({
            name,
            message: 'Workflows must be deterministic: side effects belong in activities/.',
          })),
          patterns: packagesForbiddenInWorkflows.map((group) => ({
            group: [group],
            message: 'Workflows must be deterministic: side effects belong in activities/.',
          })),
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'I/O belongs in activities/.' },
        { name: 'process', message: 'Workflows must not read the environment.' },
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
      ],
    },
  },
);
