import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (ARCHITECTURE.md: never `npx playwright install`). */
export const CHROMIUM = '/usr/bin/chromium';
/**
 * As root on this kind of machine, with no network beyond the package registries: without the
 * background-networking switches Chromium keeps trying (and failing) to reach Google's hosts.
 * Playwright itself adds --headless and --no-sandbox, and gives every launch a new empty
 * --user-data-dir (it refuses one in args).
 */
const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches the browser tests' Chromium, or says how to get it. */
export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: \`npm test\` installs it (apt-get install -y chromium), or install it yourself. Never \`npx playwright install\`: its download cannot work here.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Holds the page's JavaScript back, as a slow network would: what the page shows until the function
 * returned is called is the server's HTML, not yet hydrated.
 */
export async function holdJavaScript(page: Page): Promise<() => void> {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/_app\/immutable\/.*\.js$/, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}
