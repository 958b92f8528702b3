// The browser of the checkout's browser tests: Debian's Chromium at /usr/bin/chromium, driven by
// playwright-core through executablePath. Playwright's own browser download cannot work here
// (only package registries are reachable), so a machine without it gets Debian's package.
import fs from 'node:fs';
import { capture, runCommand } from './processes.mjs';

export const CHROMIUM = '/usr/bin/chromium';
/** A Chinese font, so that screenshots of the zh-CN pages show text rather than boxes. */
const CJK_FONT_PACKAGE = 'fonts-wqy-microhei';

async function hasChineseFont() {
  try {
    return (await capture('fc-list', [':lang=zh', 'family'])).trim().length > 0;
  } catch {
    return false; // no fontconfig: Chromium brings it as a dependency, and the font with it
  }
}

/**
 * Makes sure Chromium (and a Chinese font) are installed, with `apt-get install -y` when they
 * are not; `apt-get update` first only if the package lists are too old to find them.
 */
export async function ensureChromium({ log, sink = log }) {
  const packages = [];
  if (!fs.existsSync(CHROMIUM)) packages.push('chromium');
  if (!(await hasChineseFont())) packages.push(CJK_FONT_PACKAGE);
  if (packages.length === 0) return false;
  if (process.getuid?.() !== 0) {
    const command = `sudo apt-get install -y ${packages.join(' ')}`;
    if (packages.includes('chromium'))
      throw new Error(`${CHROMIUM} is missing, and only root can install it: run \`${command}\``);
    // Only the screenshots suffer without the font: say so, and go on.
    log(`no Chinese font: screenshots of zh-CN pages will show boxes (\`${command}\` fixes that)`);
    return false;
  }
  log(
    `${packages.join(' and ')} not installed: apt-get install -y ${packages.join(' ')} (Debian's packages; a few minutes for Chromium)`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    runCommand({
      name: 'apt-get install',
      command: 'apt-get',
      args: ['install', '-y', ...packages],
      cwd: '/',
      env,
      sink,
    });
  try {
    await install();
  } catch {
    log('apt-get install failed; updating the package lists (apt-get update) and trying again');
    await runCommand({ name: 'apt-get update', command: 'apt-get', args: ['update'], cwd: '/', env, sink });
    await install();
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
  return true;
}
