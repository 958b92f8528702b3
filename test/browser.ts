import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
