/**
 * Chromium for the browser journeys: Debian's package (or MUSTER_CHROMIUM), driven by
 * playwright-core. A missing browser fails the run with the command that installs it: a browser
 * test that skips itself would pass without testing anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

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

/** The owner every journey signs up as. */
export const OWNER = { organisation: 'Northwind School', name: 'Olivia Owner', email: 'owner@northwind.example', password: 'correct horse battery' };

type Owner = typeof OWNER;

/** First run: fills the owner form on the server's first page and waits for the lists. */
export async function signUpOwner(page: Page, origin: string, owner: Owner = OWNER, waitForLists = true): Promise<void> {
  await page.goto(origin + '/');
  await page.getByLabel('Organisation name').fill(owner.organisation);
  await page.getByLabel('Your name').fill(owner.name);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Create owner account' }).click();
  if (waitForLists) await page.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();
}

/** The session's CSRF token, for API calls made with the page's cookies. */
export async function csrfToken(page: Page, origin: string): Promise<string> {
  return ((await (await page.request.get(`${origin}/api/v1/auth/session`)).json()) as { csrfToken: string }).csrfToken;
}

/** A SCIM list created through the API as the signed-in owner: its id, SCIM base URL and token. */
export async function createScimList(page: Page, origin: string, name = 'Staff'): Promise<{ listId: string; scimBase: string; token: string }> {
  const created = await page.request.post(`${origin}/api/v1/lists`, {
    headers: { 'x-csrf-token': await csrfToken(page, origin) }, data: { name, uidAttribute: 'userName', syncMethod: 'scim' },
  });
  expect(created.status()).toBe(201);
  const body = (await created.json()) as { list: { id: string }; token: { secret: string } };
  return { listId: body.list.id, scimBase: `${origin}/scim/v2/lists/${body.list.id}`, token: body.token.secret };
}

/**
 * After each step: a failed step prints what the screen showed, and any error the page raised
 * (or logged) fails the step.
 */
export async function afterStep(ctx: { task: { result?: { state?: string } } }, page: Page | undefined, pageErrors: string[]): Promise<void> {
  if (ctx.task.result?.state === 'fail' && page && !page.isClosed()) {
    console.log(`--- ${page.url()}\n${(await page.locator('body').innerText().catch(() => '')).slice(0, 3000)}`);
  }
  expect(pageErrors.splice(0), 'errors in the browser').toEqual([]);
}

/**
 * Collects a page's script errors and console errors into `pageErrors` (afterStep fails the step on
 * any), with a 20 s default timeout. The 401/404 of a fresh installation or session are not the
 * page's errors.
 */
export function recordPageErrors(p: Page, pageErrors: string[]): Page {
  p.setDefaultTimeout(20_000);
  p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|404)/.test(m.text())) pageErrors.push(`${p.url()}: console: ${m.text()}`);
  });
  return p;
}
