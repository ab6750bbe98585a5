/**
 * Chromium for the browser journeys: Debian's package (or MUSTER_CHROMIUM), driven by
 * playwright-core. A missing browser fails the run with the command that installs it: a browser
 * test that skips itself would pass without testing anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

export const CHROMIUM = process.env.MUSTER_CHROMIUM ?? '/usr/bin/chromium';

async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set MUSTER_CHROMIUM to a Chromium binary)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** The built web app must exist: the server serves dist/web (npm test builds it first). */
function requireBuiltApp(): void {
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
 * Collects a page's script errors and console errors into `pageErrors` (the world fails the test on
 * any), with a 20 s default timeout. The 401/404 of a fresh installation or session are not the
 * page's errors.
 */
function recordPageErrors(p: Page, pageErrors: string[], expected?: RegExp): Page {
  p.setDefaultTimeout(20_000);
  p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() !== 'error' || /status of (401|404)/.test(m.text()) || expected?.test(m.text())) return;
    pageErrors.push(`${p.url()}: console: ${m.text()}`);
  });
  return p;
}

/**
 * One test's own world: a fresh Muster with its own database, and a fresh browser context (its own
 * cookies and storage) with a page. `pageErrors` collects what the page raised; the test fails on
 * any. Anything else a test needs (an owner, a list, people) it arranges itself, through the API
 * when that step is not what it is testing, so that every test runs alone and in any order.
 */
export interface World {
  server: TestServer;
  origin: string;
  context: BrowserContext;
  page: Page;
  pageErrors: string[];
  /** Another page in a context of its own (a phone, a second account), closed with the world. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
}

export interface WorldOptions {
  /**
   * Muster's environment: the same for every test, or a function read before each test's Muster
   * starts (for a fake started per test in a beforeEach registered before worldPerTest, such as an
   * SMTP server whose port goes into MUSTER_SMTP_URL).
   */
  env?: Record<string, string> | (() => Record<string, string>);
  /** The first page's viewport (1280×900 unless given). */
  viewport?: { width: number; height: number };
  /** Console errors a file provokes on purpose (say which at the call site), besides 401 and 404. */
  expectedConsole?: RegExp;
}

/**
 * Registers the hooks that give each test of the file its own World; returns its getter. The
 * Chromium process is launched once per file (contexts are isolated from each other, like separate
 * browser profiles); the server, context and pages are made before each test and closed after it.
 */
export function worldPerTest(options: WorldOptions = {}): () => World {
  let browser: Browser | undefined;
  let world: World | undefined;
  let extra: BrowserContext[] = [];
  beforeAll(async () => {
    requireBuiltApp();
    browser = await launch();
  });
  beforeEach(async () => {
    const server = await startServer(typeof options.env === 'function' ? options.env() : options.env);
    const pageErrors: string[] = [];
    const open = async (o: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page }> => {
      const context = await browser!.newContext(o);
      return { context, page: recordPageErrors(await context.newPage(), pageErrors, options.expectedConsole) };
    };
    const first = await open({ viewport: options.viewport ?? { width: 1280, height: 900 } });
    extra = [];
    world = {
      server, origin: server.origin, context: first.context, page: first.page, pageErrors,
      async newPage(o = {}) {
        const made = await open(o);
        extra.push(made.context);
        return made.page;
      },
    };
  });
  afterEach(async (ctx) => {
    const w = world;
    world = undefined;
    if (!w) return;
    try {
      if (ctx.task.result?.state === 'fail') {
        for (const p of [w.page, ...extra.flatMap((c) => c.pages())]) await printScreen(p);
      }
      expect(w.pageErrors.splice(0), 'errors in the browser').toEqual([]);
    } finally {
      for (const c of [w.context, ...extra]) await c.close().catch(() => undefined);
      await w.server.close();
    }
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!world) throw new Error('the world exists only inside a test');
    return world;
  };
}

/** What a page shows, printed when its test failed. */
async function printScreen(p: Page): Promise<void> {
  if (p.isClosed()) return;
  console.log(`--- ${p.url()}\n${(await p.locator('body').innerText().catch(() => '')).slice(0, 3000)}`);
}

/**
 * First run through the API (POST /auth/setup) in the page's context, which then holds the owner's
 * session cookie: for tests whose subject is not the sign-up screen.
 */
export async function ownerSignedIn(page: Page, origin: string, owner: Owner = OWNER): Promise<void> {
  const r = await page.request.post(`${origin}/api/v1/auth/setup`, { data: owner });
  expect(r.status(), await r.text()).toBe(201);
}

/**
 * The admin API as the page's signed-in account (its cookies, and the CSRF token on writes), for
 * arranging what a test starts from: answers the JSON body, and fails the test on a status ≥ 300.
 */
export async function api<T = Record<string, unknown>>(page: Page, origin: string, method: string, path: string, data?: unknown, contentType?: string): Promise<T> {
  const headers: Record<string, string> = method === 'GET' ? {} : { 'x-csrf-token': await csrfToken(page, origin) };
  if (contentType) headers['content-type'] = contentType;
  const r = await page.request.fetch(`${origin}/api/v1${path}`, { method, headers, data });
  expect(r.status(), `${method} ${path}: ${await r.text()}`).toBeLessThan(300);
  return (r.headers()['content-type']?.includes('json') ? await r.json() : {}) as T;
}
