/** Jest globalTeardown: stops the test stack global-setup.ts started (nothing, if it started none). */
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__TONGBAO_TEST_STACK__;
  if (!stack) return;
  globalThis.__TONGBAO_TEST_STACK__ = undefined;
  await stack.stop();
}
