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
 * Opens `url` with the page's JavaScript held back, as a slow network would: what the page shows
 * until then is the server's HTML, not yet hydrated, and what a test types goes into it. The
 * function returned lets the JavaScript through and resolves once the page has hydrated.
 */
export async function openBeforeHydration(page: Page, url: string): Promise<() => Promise<void>> {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/_app\/immutable\/.*\.js$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return async () => {
    release();
    await page.waitForLoadState('networkidle');
  };
}
