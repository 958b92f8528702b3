/** Tests run in three levels; see README "Tests". The stack for integration tests is started once in globalSetup. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  // web/ is a package of its own; only the pure units of its src/ run here (svelte-check types them).
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/web/(?!src/)', '/.tongbao/'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // No test may reach beyond this machine: see runtime/loopback-only.ts.
  setupFiles: ['<rootDir>/runtime/loopback-only.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
};
