/**
 * Issue 13, items 1 and 2, in Chromium at 1440 px and at 390 px, axe clean: a list created with
 * its name only; on the Sync tab the unique identifier is chosen (one line on when to choose
 * each), the 27 default fields are shown, the base URL and token are copied by their buttons and
 * the token is not shown again after a reload; every IdP's guide opens in its console's words with
 * a token button named after it; the Okta guide reads in Okta's console words with the
 * base URL filled in, creates a token labelled "Okta" with one click, and its live check turns
 * from "Waiting for the first request from Okta…" into "Received: 1 person created, 1 updated"
 * as Okta-shaped requests arrive; a duplicate is explained in words; once the list has people the
 * identifier is locked and the screen says what to do instead. Each test starts from its own
 * fresh Muster, with the owner signed up through the API in a browser context of the test's size.
 */
import { describe, expect, it } from 'vitest';
import { ENTERPRISE, PATCH_OP, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible } from './a11y.js';
import { ownerSignedIn, worldPerTest } from './browser.js';

const world = worldPerTest();

const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };

/** What Okta sends (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20): a POST with the enterprise extension. */
function oktaUser(userName: string, employeeNumber: string) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE], userName, active: true, externalId: `00u${employeeNumber}`,
    name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: userName, type: 'work', primary: true }],
    locale: 'en-US', groups: [], [ENTERPRISE]: { employeeNumber, department: 'Emergency' },
  };
}

const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900, mobile: false },
  { name: 'phone', width: 390, height: 844, mobile: true },
] as const;

describe('SCIM set-up on the Sync tab with the Okta guide and its live check', () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.name} (${vp.width} px): name-only list, identifier, schema, Okta guide, token, live check`, async () => {
      const { origin } = world();
      const page = await world().newPage({ viewport: { width: vp.width, height: vp.height }, isMobile: vp.mobile, hasTouch: vp.mobile });
      const ctx = page.context();
      await ownerSignedIn(page, origin);
      await page.goto(`${origin}/`);
      await page.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();

      // Creating a list asks for its name only.
      const form = page.getByRole('form', { name: 'Create a list' });
      expect(await form.getByLabel('Unique identifier').count()).toBe(0);
      await form.getByLabel('List name').fill(`Staff ${vp.name}`);
      await form.getByRole('button', { name: 'Create list' }).click();
      const wizard = page.getByRole('region', { name: 'Automated user provisioning (SCIM)' });
      await wizard.waitFor();
      const listId = /\/lists\/([^/]+)\/sync$/.exec(new URL(page.url()).pathname)![1]!;
      const base = `${origin}/scim/v2/lists/${listId}`;

      // The unique identifier, each choice with when to choose it; employee number chosen here.
      for (const l of ['Employee number', 'Username', 'Email']) expect(await wizard.getByRole('radio', { name: new RegExp(`^${l}`) }).count()).toBe(1);
      expect(await wizard.innerText()).toMatch(/Choose this when everyone has a staff or student number/);
      await wizard.getByRole('radio', { name: /^Employee number/ }).check();
      await wizard.getByRole('button', { name: 'Use employee number' }).click();
      await expect.poll(() => wizard.getByRole('status').allInnerTexts()).toContain('People on this list are now told apart by their employee number.');

      // The default schema: 27 fields, the employee number the unique one.
      await wizard.getByText(/Muster set up 27 roster fields/).click();
      await expect.poll(() => wizard.locator('.field-chips li').count()).toBe(27);
      // The fields are read again for the new identifier: the old answer also had 27.
      await expect.poll(() => wizard.locator('.field-chips').innerText()).toContain('Employee number (unique identifier)');
      expect((await wizard.getByLabel('SCIM base URL').innerText()).trim()).toBe(base);
      const firstToken = (await wizard.getByLabel('Bearer token').innerText()).trim();
      expect(firstToken).toMatch(/^mst_scim_/);
      // Copy buttons put the exact values on the clipboard, and say so.
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
      for (const [button, value] of [['Copy base URL', base], ['Copy token', firstToken]] as const) {
        await wizard.getByRole('button', { name: button, exact: true }).click();
        await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe(value);
      }
      await expect.poll(() => wizard.getByRole('status').filter({ hasText: /^Copied$/ }).count()).toBe(2);
      await expectAccessible(page, `the Sync tab set-up (${vp.name})`);

      // Every IdP's guide: its console's words, this list's base URL, a token button named after
      // the IdP, the live check waiting for it; nothing to type in a terminal, no page links.
      const others = [['entra-id', 'Microsoft Entra ID', 'Tenant URL'], ['pingone', 'PingOne', 'SCIM Base URL'], ['onelogin', 'OneLogin', 'SCIM Bearer Token'],
        ['jumpcloud', 'JumpCloud', 'Token Key'], ['google-workspace', 'Google Workspace', 'Configure auto-provisioning'], ['rippling', 'Rippling', 'SCIM Authorization Method']] as const;
      for (const [key, title, words] of others) {
        await wizard.getByLabel('Your identity provider').selectOption(key);
        const g = wizard.getByRole('article', { name: `Set up ${title}` });
        await g.waitFor();
        const t = await g.innerText();
        expect(t, key).toContain(words);
        expect(t, key).toContain(base);
        for (const bad of ['muster ', 'curl', 'src/', 'docs/', '--json', 'checked against']) expect(t, key).not.toContain(bad);
        expect(await g.getByRole('button', { name: `Create a token for ${title}` }).count(), key).toBe(1);
        await expect.poll(() => g.getByRole('status').filter({ hasText: /Waiting/ }).innerText()).toBe(`Waiting for the first request from ${title}…`);
        if (key === 'entra-id') await expectAccessible(page, `the Entra ID guide (${vp.name})`);
      }

      // The Okta guide: console words, this list's base URL and identifier; no terminal.
      // The live check counts from its first answer: nothing is sent before a poll that carries it
      // (a request sent earlier could fall before the point the check counts from).
      const polled = page.waitForResponse((r) => /\/setup\/okta\/check\?(.*&)?seq=/.test(r.url()) && r.ok());
      await wizard.getByLabel('Your identity provider').selectOption('okta');
      const guide = wizard.getByRole('article', { name: 'Set up Okta' });
      await guide.waitFor();
      const text = await guide.innerText();
      expect(text).toContain(base);
      expect(text).toContain('SCIM connector base URL');
      expect(text).toContain('Unique identifier field for users');
      expect(text).toMatch(/This roster is keyed on the employee number/);
      for (const bad of ['muster ', 'curl', 'src/', 'docs/', '--json']) expect(text).not.toContain(bad);
      await guide.getByRole('button', { name: 'Create a token for Okta' }).click();
      const token = (await guide.getByLabel('Token for Okta').innerText()).trim();
      expect(token).toMatch(/^mst_scim_/);
      const check = guide.getByRole('status').filter({ hasText: /Waiting|Received/ });
      expect(await check.innerText()).toBe('Waiting for the first request from Okta…');
      await expectAccessible(page, `the Okta guide (${vp.name})`);
      await polled;

      // Okta-shaped requests with the token the guide created.
      const scim = (method: string, p: string, body: unknown) => fetch(base + p, {
        method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...OKTA }, body: JSON.stringify(body),
      });
      const created = await scim('POST', '/Users', oktaUser(`ada.${vp.name}@northwind.example`, `E-${vp.name}`));
      expect(created.status).toBe(201);
      const id = ((await created.json()) as { id: string }).id;
      expect((await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Intensive Care' }] })).status).toBe(200);
      await expect.poll(() => check.innerText()).toBe('Received: 1 person created, 1 updated');

      // A duplicate: the failure in words, with what to change in Okta.
      expect((await scim('POST', '/Users', oktaUser(`ada.${vp.name}@northwind.example`, `E-${vp.name}`))).status).toBe(409);
      const failures = guide.getByRole('list', { name: 'Failed requests' });
      await expect.poll(() => failures.innerText().catch(() => '')).toMatch(/already on this list/);
      expect(await failures.innerText()).toMatch(/What to change: In Okta, make the matching attribute/);
      await expectAccessible(page, `the Okta guide's live check (${vp.name})`);

      // The audit trail names the token after the IdP.
      const ev = await page.request.get(`${origin}/api/v1/lists/${listId}/audit/events?action=token.created`);
      expect(((await ev.json()) as { events: { target: { name: string } }[] }).events.map((e) => e.target.name)).toContain('Okta');

      // With people on the list, the identifier is locked, and the screen says what to do instead.
      await page.reload();
      await wizard.waitFor();
      await expect.poll(() => wizard.innerText()).toMatch(/This can no longer change: the list already has 1 person/);
      expect(await wizard.innerText()).toMatch(/create a new list .* or remove everyone from this list first/);
      expect(await wizard.getByRole('radio').count()).toBe(0);
      // Tokens are shown once: after a reload neither is on the page, once the tokens table (its own
      // request) shows the newest one by its hint.
      await page.getByText(`${token.slice(0, 13)}…`, { exact: true }).waitFor();
      const shown = await page.locator('main').innerText();
      expect(shown).not.toContain(firstToken);
      expect(shown).not.toContain(token);
      await expectAccessible(page, `the Sync tab with people (${vp.name})`);
      await ctx.close();
    });
  }
});
