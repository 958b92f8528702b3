import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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

/** Longer than any close seen when Chromium answers; far shorter than a hook's 60 s. */
const CLOSE_CONTEXT_MS = 15_000;

/**
 * Closes a story's browser context. Now and then Chromium never answers Playwright's request to
 * dispose of a context (seen once in CI: a story passed, then its afterEach hung 60 s on the
 * close). The story goes on after CLOSE_CONTEXT_MS, saying so with the pages the context held;
 * the browser's own close in afterAll ends what is left of it.
 */
export async function closeContext(context: BrowserContext): Promise<void> {
  const pages = context.pages().map((page) => page.url());
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), CLOSE_CONTEXT_MS)));
  const outcome = await Promise.race([context.close().then(() => 'closed' as const), stuck]);
  clearTimeout(timer);
  if (outcome === 'stuck') {
    console.warn(
      `Chromium did not close a browser context within ${CLOSE_CONTEXT_MS} ms; its pages: ${pages.join(', ')}`,
    );
  }
}
