/**
 * Chromium for the browser journeys: Debian's package (or MUSTER_CHROMIUM), driven by
 * playwright-core. A missing browser fails the run with the command that installs it: a browser
 * test that skips itself would pass without testing anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MUSTER_CHROMIUM ?? '/usr/bin/chromium';

export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set MUSTER_CHROMIUM to a Chromium binary)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** The built web app must exist: the server serves dist/web (npm test builds it first). */
export function requireBuiltApp(): void {
  const index = path.resolve(import.meta.dirname, '../../dist/web/index.html');
  if (!fs.existsSync(index)) throw new Error(`${index} is missing: run "npm run build" before the browser tests`);
}

const SHOTS = process.env.MUSTER_SCREENSHOTS === '1';
const SHOT_DIR = path.resolve(import.meta.dirname, '../../docs/screenshots');

/**
 * With MUSTER_SCREENSHOTS=1, saves what the screen shows as docs/screenshots/<name>.png (for the
 * README): the viewport, scrolled to `show` when given, so each picture stays readable and small.
 */
export async function screenshot(page: Page, name: string, show?: Locator): Promise<void> {
  if (!SHOTS) return;
  fs.mkdirSync(SHOT_DIR, { recursive: true });
  if (show) await show.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOT_DIR, `${name}.png`) });
}
