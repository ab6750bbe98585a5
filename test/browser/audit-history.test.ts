/**
 * The audit trail in roster words and a person's whole history (issue 13, items 3 and 4), in
 * Chromium at 1440 px and at 390 px: Okta changes a department and the trail reads
 * "Department: Emergency → Intensive Care" (once, with the SCIM path one disclosure away); the
 * person page shows the same and exports the history, credential events included, as CSV and as
 * a printable page. A real Muster (real HTTP, fresh database) serves the built app.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ENTERPRISE, PATCH_OP, startServer, type TestServer, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible } from './a11y.js';
import { afterStep, createScimList, csrfToken, launch, requireBuiltApp, signUpOwner, recordPageErrors } from './browser.js';

let server: TestServer;
let browser: Browser;
let owner: BrowserContext;
let listId = '';
let scimBase = '';
let token = '';
let ada = '';
const pageErrors: string[] = [];
let current: Page | undefined;

const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };
const DEPT_CHANGE = 'Department: Emergency → Intensive Care';

function watch(p: Page): Page {
  current = p;
  return recordPageErrors(p, pageErrors);
}

async function scim(method: string, pathname: string, body?: unknown): Promise<Response> {
  return fetch(scimBase + pathname, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...OKTA }, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function provision(userName: string, given: string, family: string, department: string): Promise<string> {
  const r = await scim('POST', '/Users', {
    schemas: [USER_SCHEMA, ENTERPRISE], userName, active: true, name: { givenName: given, familyName: family },
    emails: [{ value: userName, type: 'work', primary: true }], [ENTERPRISE]: { department, employeeNumber: `E-${given}` },
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900, mobile: false },
  { name: 'phone', width: 390, height: 844, mobile: true },
] as const;

describe('the audit trail in roster words and a person\'s exported history', () => {
  beforeAll(async () => {
    requireBuiltApp();
    browser = await launch();
    server = await startServer();
    owner = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = watch(await owner.newPage());
    await signUpOwner(page, server.origin);
    ({ listId, scimBase, token } = await createScimList(page, server.origin, 'Hospital staff'));
    const grace = await provision('grace@northwind.example', 'Grace', 'Hopper', 'Board');
    ada = await provision('ada@northwind.example', 'Ada', 'Lovelace', 'Emergency');
    // One Okta edit: the department, and the manager by id.
    const moved = await scim('PATCH', `/Users/${ada}`, { schemas: [PATCH_OP], Operations: [
      { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Intensive Care' },
      { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: grace } },
    ] });
    expect(moved.status).toBeLessThan(300);
    // A card, suspended by an admin with a reason, then revoked by Okta's deactivation.
    const headers = { 'x-csrf-token': await csrfToken(page, server.origin) };
    const card = await page.request.post(`${server.origin}/api/v1/lists/${listId}/people/${ada}/credentials`, { headers, data: { kind: 'card' } });
    expect(card.status()).toBe(201);
    const cardId = ((await card.json()) as { id: string }).id;
    const suspended = await page.request.post(`${server.origin}/api/v1/lists/${listId}/credentials/${cardId}/suspend`, { headers, data: { reason: 'badge reported lost' } });
    expect(suspended.status()).toBe(200);
    const gone = await scim('PATCH', `/Users/${ada}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(gone.status).toBeLessThan(300);
    await page.close();
  });

  afterEach(async (ctx) => afterStep(ctx, current, pageErrors));

  afterAll(async () => {
    await owner?.close();
    await browser?.close();
    await server?.close();
  });

  for (const vp of VIEWPORTS) {
    it(`${vp.name} (${vp.width} px): the audit trail reads the department change once, in the list's words, found by the person's name; live activity links to it`, async () => {
      const ctx = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, isMobile: vp.mobile, hasTouch: vp.mobile, storageState: await owner.storageState() });
      const page = watch(await ctx.newPage());
      await page.goto(`${server.origin}/lists/${listId}/audit`);
      await page.getByRole('heading', { name: 'Hospital staff: audit trail' }).waitFor();
      await page.getByLabel('Person', { exact: true }).fill('Ada Lovelace');
      await page.getByLabel('IdP').fill('okta');
      await page.getByLabel('Action').selectOption('person.updated');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      const events = page.getByRole('list', { name: 'Audit events' });
      await expect.poll(() => events.getByRole('listitem').filter({ hasText: 'Person updated' }).count()).toBe(1);
      const item = events.locator('li.event').filter({ hasText: 'Person updated' });
      const text = await item.innerText();
      expect(text).toContain(DEPT_CHANGE);
      expect(text).toContain('Manager: (empty) → Grace Hopper');
      expect(text.match(/Department:/g)).toHaveLength(1);
      expect(text).not.toContain('urn:ietf');
      expect(text).not.toContain('roster:');
      // Details: the table by label; the stored paths on demand.
      await item.getByRole('button', { name: /^Details/ }).click();
      const table = item.getByRole('table');
      expect(await table.innerText()).toContain('Intensive Care');
      const paths = item.locator('details.paths');
      expect(await paths.locator('code').first().isVisible()).toBe(false);
      await paths.locator('summary').click();
      expect(await paths.innerText()).toContain(`${ENTERPRISE}:department`);
      expect(await paths.innerText()).toContain('roster:department');
      expect(await page.locator('main').innerText()).not.toMatch(/[{}]"|"[{}]|\{"/);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(vp.width);
      await expectAccessible(page, `the audit trail at ${vp.width} px with an event open`);

      // The Sync tab's live activity names the fields each operation changed and opens its event.
      await page.goto(`${server.origin}/lists/${listId}/sync`);
      const log = page.getByRole('log', { name: 'Latest operations' });
      const op = log.getByRole('listitem').filter({ hasText: 'Person updated' }).first();
      await expect.poll(() => op.innerText()).toMatch(/Changed: .*Department/);
      await op.getByRole('link', { name: /^Open event/ }).click();
      await page.getByText(/^Showing event #\d+ only/).waitFor();
      const opened = page.getByRole('list', { name: 'Audit events' });
      await expect.poll(() => opened.getByRole('listitem').filter({ hasText: 'Person updated' }).count()).toBe(1);
      expect(await opened.locator('li.event').count()).toBe(1);
      expect(await opened.getByRole('table').innerText()).toContain('Intensive Care');
      await ctx.close();
    });

    it(`${vp.name} (${vp.width} px): the person page shows the change and the credential events, and exports them as CSV and a printable page`, async () => {
      const ctx = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, isMobile: vp.mobile, hasTouch: vp.mobile, storageState: await owner.storageState() });
      const page = watch(await ctx.newPage());
      await page.goto(`${server.origin}/lists/${listId}/people/${ada}`);
      await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
      const history = page.getByRole('list', { name: 'History of Ada Lovelace' });
      await expect.poll(() => history.innerText()).toContain(DEPT_CHANGE);
      const shown = await history.innerText();
      for (const title of ['Credential issued: printed card', 'Credential suspended: printed card', 'Credential revoked: printed card', 'Person deactivated']) expect(shown).toContain(title);
      await expectAccessible(page, `the person page at ${vp.width} px`);

      // "Open in the audit trail" shows the same set of events.
      const seen = await history.locator('li.event').allInnerTexts();
      await page.getByRole('link', { name: 'Open in the audit trail' }).click();
      await page.getByRole('heading', { name: 'Hospital staff: audit trail' }).waitFor();
      const trail = page.getByRole('list', { name: 'Audit events' });
      await expect.poll(() => trail.locator('li.event').count()).toBe(seen.length);
      const titles = (texts: string[]) => texts.map((t) => t.split('\n')[0]);
      expect(titles(await trail.locator('li.event').allInnerTexts())).toEqual(titles(seen));
      await page.goBack();
      await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();

      // CSV: the same events, in words, the raw paths in their own column.
      const href = await page.getByRole('link', { name: 'Export history (CSV)' }).getAttribute('href');
      expect(href).toContain(`personId=${ada}`);
      const csv = await page.request.get(server.origin + href!);
      expect(csv.status()).toBe(200);
      const body = await csv.text();
      for (const action of ['credential.issued', 'credential.suspended', 'credential.revoked']) expect(body).toContain(action);
      expect(body).toContain(DEPT_CHANGE);
      expect(body).toContain('Reason: badge reported lost');
      expect(body).toContain('Reason: person deactivated');
      expect(body).toContain(`${ENTERPRISE}:department + roster:department`);

      // The printable page: the whole history, the app's frame left off paper.
      await page.getByRole('link', { name: 'Printable history' }).click();
      await page.getByRole('heading', { name: 'History of Ada Lovelace' }).waitFor();
      const table = page.getByRole('table');
      const printed = await table.innerText();
      for (const line of [DEPT_CHANGE, 'Credential suspended: printed card', 'Reason: badge reported lost', 'Credential revoked: printed card', 'Reason: person deactivated']) expect(printed).toContain(line);
      expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(true);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(vp.width);
      await expectAccessible(page, `the printable history at ${vp.width} px`);
      await page.emulateMedia({ media: 'print' });
      expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(false);
      expect(await page.locator('.app-header').isVisible()).toBe(false);
      expect(await table.isVisible()).toBe(true);
      await page.emulateMedia({ media: 'screen' });
      await ctx.close();
    });
  }
});
