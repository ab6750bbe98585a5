/**
 * The audit trail in roster words and a person's whole history (issue 13, items 3 and 4), in
 * Chromium at 1440 px and at 390 px: Okta changes a department and the trail reads
 * "Department: Emergency → Intensive Care" (once, with the SCIM path one disclosure away); the
 * person page shows the same and exports the history, credential events included, as CSV and as
 * a printable page. A real Muster (real HTTP, fresh database) serves the built app; each test
 * starts from its own fresh Muster and arranges the list, Ada's changes and her card through the
 * API and SCIM.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ENTERPRISE, PATCH_OP, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible } from './a11y.js';
import { createScimList, csrfToken, ownerSignedIn, worldPerTest } from './browser.js';

const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };
const DEPT_CHANGE = 'Department: Emergency → Intensive Care';

const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900, mobile: false },
  { name: 'phone', width: 390, height: 844, mobile: true },
] as const;

const world = worldPerTest({ viewport: { width: 1440, height: 900 } });

type Scim = Awaited<ReturnType<typeof createScimList>>;

async function scim({ scimBase, token }: Scim, method: string, pathname: string, body?: unknown): Promise<Response> {
  return fetch(scimBase + pathname, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...OKTA }, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function provision(list: Scim, userName: string, given: string, family: string, department: string): Promise<string> {
  const r = await scim(list, 'POST', '/Users', {
    schemas: [USER_SCHEMA, ENTERPRISE], userName, active: true, name: { givenName: given, familyName: family },
    emails: [{ value: userName, type: 'work', primary: true }], [ENTERPRISE]: { department, employeeNumber: `E-${given}` },
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

/**
 * The owner signed in and the SCIM list "Hospital staff" with Grace and Ada; Okta moves Ada to
 * Intensive Care under Grace; her card is issued, suspended by the owner with a reason, then
 * revoked by Okta's deactivation. The list's id and Ada's.
 */
async function adaMovedAndDeactivated(): Promise<{ listId: string; ada: string }> {
  const { page, origin } = world();
  await ownerSignedIn(page, origin);
  const list = await createScimList(page, origin, 'Hospital staff');
  const grace = await provision(list, 'grace@northwind.example', 'Grace', 'Hopper', 'Board');
  const ada = await provision(list, 'ada@northwind.example', 'Ada', 'Lovelace', 'Emergency');
  // One Okta edit: the department, and the manager by id.
  const moved = await scim(list, 'PATCH', `/Users/${ada}`, { schemas: [PATCH_OP], Operations: [
    { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Intensive Care' },
    { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: grace } },
  ] });
  expect(moved.status).toBeLessThan(300);
  // A card, suspended by an admin with a reason, then revoked by Okta's deactivation.
  const headers = { 'x-csrf-token': await csrfToken(page, origin) };
  const card = await page.request.post(`${origin}/api/v1/lists/${list.listId}/people/${ada}/credentials`, { headers, data: { kind: 'card' } });
  expect(card.status()).toBe(201);
  const cardId = ((await card.json()) as { id: string }).id;
  const suspended = await page.request.post(`${origin}/api/v1/lists/${list.listId}/credentials/${cardId}/suspend`, { headers, data: { reason: 'badge reported lost' } });
  expect(suspended.status()).toBe(200);
  const gone = await scim(list, 'PATCH', `/Users/${ada}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
  expect(gone.status).toBeLessThan(300);
  return { listId: list.listId, ada };
}

/** A page of the owner's session at the viewport under test. */
async function ownerAt(vp: (typeof VIEWPORTS)[number]): Promise<Page> {
  const w = world();
  return w.newPage({ viewport: { width: vp.width, height: vp.height }, isMobile: vp.mobile, hasTouch: vp.mobile, storageState: await w.context.storageState() });
}

describe('the audit trail in roster words and a person\'s exported history', () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.name} (${vp.width} px): the audit trail reads the department change once, in the list's words, found by the person's name; live activity links to it`, async () => {
      const { origin } = world();
      const { listId } = await adaMovedAndDeactivated();
      const page = await ownerAt(vp);
      await page.goto(`${origin}/lists/${listId}/audit`);
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
      await page.goto(`${origin}/lists/${listId}/sync`);
      const log = page.getByRole('log', { name: 'Latest operations' });
      const op = log.getByRole('listitem').filter({ hasText: 'Person updated' }).first();
      await expect.poll(() => op.innerText()).toMatch(/Changed: .*Department/);
      await op.getByRole('link', { name: /^Open event/ }).click();
      await page.getByText(/^Showing event #\d+ only/).waitFor();
      const opened = page.getByRole('list', { name: 'Audit events' });
      await expect.poll(() => opened.getByRole('listitem').filter({ hasText: 'Person updated' }).count()).toBe(1);
      expect(await opened.locator('li.event').count()).toBe(1);
      expect(await opened.getByRole('table').innerText()).toContain('Intensive Care');
    });

    it(`${vp.name} (${vp.width} px): the person page shows the change and the credential events, and exports them as CSV and a printable page`, async () => {
      const { origin } = world();
      const { listId, ada } = await adaMovedAndDeactivated();
      const page = await ownerAt(vp);
      await page.goto(`${origin}/lists/${listId}/people/${ada}`);
      await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
      // The last change of her roster row is Okta's deactivation, read from the trail: the card's
      // revocation it caused comes after it there, but is not a change of the row.
      expect(await page.getByText('Last change: Person deactivated from Okta', { exact: false }).count()).toBe(1);
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
      const csv = await page.request.get(origin + href!);
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
    });
  }
});
