/**
 * Issue 13, "How it is checked": one journey from an empty installation to a provisioned roster,
 * using only the web app and IdP-shaped requests, in Chromium at 1440 px and at 390 px, axe clean
 * at each main screen. Sign up (first run), create a list with its name only, set up SCIM on the
 * Sync tab with the Okta guide (the token created from the guide), Okta-shaped requests sent with
 * that token turn the live check green, the department change reads in the audit trail as
 * "Department: Emergency → Intensive Care", a card is issued from the person page, and the
 * person's exported history (CSV) holds the credential event.
 *
 * Each viewport's test gets its own fresh Muster (real HTTP, fresh database) and its own browser
 * context: "from an empty installation" is the point. With MUSTER_SCREENSHOTS=1 the desktop run
 * saves the README's screenshots (lists, sync-wizard, activity, people, mapping-editor, audit).
 */
import { describe, expect, it } from 'vitest';
import { ENTERPRISE, PATCH_OP, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible } from './a11y.js';
import { OWNER, screenshot, signUpOwner, worldPerTest } from './browser.js';

const world = worldPerTest();

const HOSPITAL = { ...OWNER, organisation: 'Northwind Hospital' };
const LIST = 'Hospital staff';
const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };
const DEPT_CHANGE = 'Department: Emergency → Intensive Care';

/**
 * What Okta sends on assignment (Okta SCIM 2.0 guide, https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20;
 * test/fixtures/idp/okta.json): a POST with the enterprise extension, externalId the Okta user id, groups [] and a random password.
 */
function oktaUser(given: string, family: string, employeeNumber: string, department: string) {
  const userName = `${given.toLowerCase()}.${family.toLowerCase()}@northwind.example`;
  return {
    schemas: [USER_SCHEMA, ENTERPRISE], userName, active: true, externalId: `00u${employeeNumber}`,
    name: { givenName: given, familyName: family }, displayName: `${given} ${family}`,
    emails: [{ value: userName, type: 'work', primary: true }], locale: 'en-US', groups: [], password: 'x7Qp2LmV',
    [ENTERPRISE]: { employeeNumber, department },
  };
}

const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900, mobile: false },
  { name: 'phone', width: 390, height: 844, mobile: true },
] as const;

describe('first run: from an empty installation to a provisioned roster, with the web app and Okta only', () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.name} (${vp.width} px): sign up, create a list, Okta set-up and live check, audit trail, a card, the exported history`, async () => {
      const shots = vp.name === 'desktop';
      const { origin } = world();
      const page = await world().newPage({ viewport: { width: vp.width, height: vp.height }, isMobile: vp.mobile, hasTouch: vp.mobile });
      const sections = page.getByRole('navigation', { name: 'List sections' });

      // First run: the installation is empty, the first visitor creates the owner.
      await page.goto(`${origin}/`);
      await page.getByRole('heading', { name: 'Welcome to Muster' }).waitFor();
      await expectAccessible(page, `the first-run page (${vp.name})`);
      await signUpOwner(page, origin, HOSPITAL);
      // The first screen after sign-up points to the next two steps.
      const start = page.getByRole('region', { name: 'Get started' });
      await start.waitFor();
      expect(await start.innerText()).toMatch(/Create a list[\s\S]*Connect your identity provider/);
      await expectAccessible(page, `the empty Lists page (${vp.name})`);

      // A list with its name only; the set-up goes on on its Sync tab.
      const form = page.getByRole('form', { name: 'Create a list' });
      expect(await form.getByLabel('Unique identifier').count()).toBe(0);
      await form.getByLabel('List name').fill(LIST);
      await form.getByRole('button', { name: 'Create list' }).click();
      const wizard = page.getByRole('region', { name: 'Automated user provisioning (SCIM)' });
      await wizard.waitFor();
      const listId = /\/lists\/([^/]+)\/sync$/.exec(new URL(page.url()).pathname)![1]!;
      const base = `${origin}/scim/v2/lists/${listId}`;

      // The unique identifier: employee number (Okta sends it in the enterprise extension).
      await wizard.getByRole('radio', { name: /^Employee number/ }).check();
      await wizard.getByRole('button', { name: 'Use employee number' }).click();
      await expect.poll(() => wizard.getByRole('status').allInnerTexts()).toContain('People on this list are now told apart by their employee number.');
      await wizard.getByText(/Muster set up 27 roster fields/).click();
      await expect.poll(() => wizard.locator('.field-chips li').count()).toBe(27);
      expect((await wizard.getByLabel('SCIM base URL').innerText()).trim()).toBe(base);
      await expectAccessible(page, `the Sync tab set-up (${vp.name})`);

      // The Okta guide, and the token it creates (labelled "Okta", shown once).
      // The live check counts from its first answer: nothing is sent before a poll that carries it.
      const polled = page.waitForResponse((r) => /\/setup\/okta\/check\?(.*&)?seq=/.test(r.url()) && r.ok());
      await wizard.getByLabel('Your identity provider').selectOption('okta');
      const guide = wizard.getByRole('article', { name: 'Set up Okta' });
      await guide.waitFor();
      expect(await guide.innerText()).toContain(base);
      await guide.getByRole('button', { name: 'Create a token for Okta' }).click();
      const token = (await guide.getByLabel('Token for Okta').innerText()).trim();
      expect(token).toMatch(/^mst_scim_/);
      const check = guide.getByRole('status').filter({ hasText: /Waiting|Received/ });
      expect(await check.innerText()).toBe('Waiting for the first request from Okta…');
      await expectAccessible(page, `the Okta guide (${vp.name})`);
      await polled;

      // Okta assigns three people, then moves Ada to Intensive Care.
      const scim = (method: string, p: string, body: unknown) => fetch(base + p, {
        method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json; charset=utf-8', ...OKTA }, body: JSON.stringify(body),
      });
      const ids: string[] = [];
      for (const u of [oktaUser('Ada', 'Lovelace', '1001', 'Emergency'), oktaUser('Mary', 'Seacole', '1002', 'Intensive Care'), oktaUser('Florence', 'Nightingale', '1003', 'Radiology')]) {
        const r = await scim('POST', '/Users', u);
        expect(r.status, await r.clone().text()).toBe(201);
        ids.push(((await r.json()) as { id: string }).id);
      }
      // Okta's PATCH is a path-less replace with a value object (okta.json: the deactivation shape);
      // the extension's attributes sit under their URN (RFC 7644 §3.5.2.3).
      const moved = await scim('PATCH', `/Users/${ids[0]}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { [ENTERPRISE]: { department: 'Intensive Care' } } }] });
      expect(moved.status, await moved.clone().text()).toBe(200);
      await expect.poll(() => check.innerText()).toBe('Received: 3 people created, 1 updated');
      await expectAccessible(page, `the Okta guide's live check (${vp.name})`);
      if (shots) {
        // The README's picture of the guide: its first steps, in Okta's words, with the base URL.
        await guide.evaluate((el) => (el as unknown as { scrollIntoView(o: unknown): void }).scrollIntoView({ block: 'start' }));
        await screenshot(page, 'sync-wizard');
      }

      // The Sync tab's live activity names the changed field.
      const log = page.getByRole('log', { name: 'Latest operations' });
      await expect.poll(() => log.getByRole('listitem').filter({ hasText: 'Person updated' }).first().innerText()).toMatch(/Changed: .*Department/);
      if (shots) await screenshot(page, 'activity', log);

      // The roster.
      await sections.getByRole('link', { name: 'People' }).click();
      await page.getByRole('heading', { name: `${LIST}: people` }).waitFor();
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'Showing' }).innerText()).toContain('of 3 people');
      // The list's field columns come with a request of their own (the people with another): the
      // table is measured once both are in.
      await page.getByRole('columnheader', { name: /Last name/ }).waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(vp.width);
      // Each status badge ("No photo", "No card yet") sits on one line, as high as a one-word "Active",
      // at both widths, and inside its table (no sideways scroll at 1440, the card's width at 390).
      const badges = await page.locator('table.people .badge').evaluateAll((els) => els.map((e) => {
        const r = e.getBoundingClientRect();
        const box = e.closest('.table-scroll')!.getBoundingClientRect();
        return { text: e.textContent, height: r.height, inside: r.right <= box.right + 0.5 };
      }));
      const oneLine = badges.find((b) => b.text === 'Active')!.height;
      for (const b of badges) expect({ text: b.text, oneLine: Math.abs(b.height - oneLine) < 1, inside: b.inside }, vp.name).toEqual({ text: b.text, oneLine: true, inside: true });
      expect(badges.map((b) => b.text)).toEqual(expect.arrayContaining(['No photo', 'No card yet']));
      if (!vp.mobile) expect(await page.locator('.table-scroll').evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
      await expectAccessible(page, `the people list (${vp.name})`);
      if (shots) await screenshot(page, 'people');

      // The mapping the default schema set up: the department comes from Okta's enterprise extension.
      await sections.getByRole('link', { name: 'Mapping' }).click();
      await page.getByRole('heading', { name: `Mapping editor: ${LIST}` }).waitFor();
      await expect.poll(() => page.getByLabel('Source for Department', { exact: true }).inputValue()).toBe(`${ENTERPRISE}:department`);
      await expectAccessible(page, `the mapping editor (${vp.name})`);
      if (shots) await screenshot(page, 'mapping-editor');
      await page.getByRole('link', { name: `← Back to ${LIST}` }).click();
      await page.getByRole('heading', { name: `${LIST}: people` }).waitFor();

      // The audit trail reads the change once, in the list's words, found by the person's name.
      await sections.getByRole('link', { name: 'Audit trail' }).click();
      await page.getByRole('heading', { name: `${LIST}: audit trail` }).waitFor();
      await page.getByLabel('Person', { exact: true }).fill('Ada Lovelace');
      await page.getByLabel('IdP').fill('okta');
      await page.getByLabel('Action').selectOption('person.updated');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      const events = page.getByRole('list', { name: 'Audit events' });
      await expect.poll(() => events.locator('li.event').count()).toBe(1);
      const item = events.locator('li.event').filter({ hasText: 'Person updated' });
      const said = await item.innerText();
      expect(said).toContain(DEPT_CHANGE);
      expect(said.match(/Department:/g)).toHaveLength(1);
      expect(said).not.toContain('urn:ietf');
      await item.getByRole('button', { name: /^Details/ }).click();
      expect(await item.getByRole('table').innerText()).toContain('Intensive Care');
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(vp.width);
      await expectAccessible(page, `the audit trail with the change open (${vp.name})`);
      if (shots) await screenshot(page, 'audit', item);

      // Ada's page: a printed card issued from it.
      await sections.getByRole('link', { name: 'People' }).click();
      await page.getByRole('link', { name: '1001', exact: true }).click();
      await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
      const credentials = page.getByRole('list', { name: 'Credentials' }).getByRole('listitem');
      const issue = page.getByRole('button', { name: 'Issue a printed card' });
      await expect.poll(() => issue.isEnabled()).toBe(true);
      await issue.click();
      await expect.poll(() => credentials.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).toEqual(['Printed card, Valid']);
      const history = page.getByRole('list', { name: 'History of Ada Lovelace' });
      await expect.poll(() => history.innerText()).toContain('Credential issued: printed card');
      expect(await history.innerText()).toContain(DEPT_CHANGE);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(vp.width);
      await expectAccessible(page, `Ada's person page with her card (${vp.name})`);

      // Her exported history (the person page's CSV): the card and the department change.
      const href = await page.getByRole('link', { name: 'Export history (CSV)' }).getAttribute('href');
      expect(href).toContain(`personId=${ids[0]}`);
      const csv = await page.request.get(origin + href!);
      expect(csv.status()).toBe(200);
      const body = await csv.text();
      expect(body).toContain('credential.issued');
      expect(body).toContain(DEPT_CHANGE);
      expect(body).not.toContain('Mary Seacole');

      // Back on Lists: the roster is provisioned.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lists' }).click();
      // By the table's markup: at 390 px the rows are laid out as cards, which Chromium no longer exposes as rows.
      const row = page.locator('tbody tr').filter({ has: page.getByRole('link', { name: LIST, exact: true }) });
      await expect.poll(async () => (await row.locator('td').allInnerTexts()).map((c) => c.trim())).toEqual([LIST, 'Employee number', 'Automated provisioning (SCIM)', '3', '3', '3']);
      await expectAccessible(page, `the Lists page with the roster (${vp.name})`);
      if (shots) await screenshot(page, 'lists');
    }, 240_000); // the whole set-up in one test, on a shared machine: more than the journeys' usual two minutes
  }
});
