// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

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

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/**', '.tongbao/**', 'kratos/**', 'coverage/**'] },
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
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
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
