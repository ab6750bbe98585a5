/**
 * Issue 13, items 5 to 8, in Chromium at 1440 px and at 390 px, axe clean: the first screen after
 * sign-up points to creating a list and connecting an identity provider; the roster shows photo
 * and card status and filters by them; the person page names the manager with a link, keeps
 * empty fields out of the way and says the next step; an empty list points to its Sync tab and
 * to a CSV import; the Entra section names its groups, refuses a group id that is not a GUID and
 * refreshes its summary when a run ends (against the Graph emulator); the mapping editor works
 * on a phone; every screen has a favicon and its own title; buttons never touch; radio buttons
 * sit on the line of their labels. Each test starts from its own fresh Muster and arranges what it
 * needs (the owner, the Hospital staff roster, a Graph emulator of its own) through the API, and
 * opens a page of its viewport's size with the owner's session.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startGraphEmulator } from '../fakes/graph/index.js';
import { ENTERPRISE, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible, isFocused } from './a11y.js';
import { api, createScimList, csrfToken, ownerSignedIn, worldPerTest } from './browser.js';

const world = worldPerTest({
  env: { MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_ENTRA_CUSTOM_ENDPOINTS: 'true' }, viewport: { width: 1440, height: 900 },
});

const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900, mobile: false },
  { name: 'phone', width: 390, height: 844, mobile: true },
] as const;
type Viewport = (typeof VIEWPORTS)[number];

/** The owner signed in through the API, in the world's first context (whose page arranges through the API). */
async function ownerReady(): Promise<void> {
  const { page, origin } = world();
  await ownerSignedIn(page, origin);
}

/** A page of the viewport's size (a phone's touch screen for the phone), in a context of its own with the owner's session. */
async function open(vp: Viewport): Promise<Page> {
  return world().newPage({ viewport: { width: vp.width, height: vp.height }, isMobile: vp.mobile, hasTouch: vp.mobile, storageState: await world().context.storageState() });
}

/*
 * Measured in the page; the test code has no DOM types, so these run as source text. Hidden
 * elements (a closed <details> keeps its content laid out but not rendered) are left out.
 */
const TOUCHING_BUTTONS = `(() => {
  const boxes = [...document.querySelectorAll('button:not(.link):not(.sort), a.button')]
    .filter((el) => el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true }))
    .map((el) => ({ el, r: el.getBoundingClientRect() })).filter(({ r }) => r.width > 0 && r.height > 0);
  const out = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r, b = boxes[j].r;
      const gapX = Math.max(b.left - a.right, a.left - b.right);
      const gapY = Math.max(b.top - a.bottom, a.top - b.bottom);
      if (gapX < 2 && gapY < 2) out.push('"' + boxes[i].el.textContent.trim() + '" and "' + boxes[j].el.textContent.trim() + '"');
    }
  }
  return out;
})()`;

const RADIO_OFFSETS = `(() => {
  const out = [];
  for (const input of document.querySelectorAll('label input[type="radio"]')) {
    if (!input.checkVisibility()) continue;
    const label = input.closest('label');
    const text = [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== '');
    if (!text) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    const line = range.getClientRects()[0];
    const box = input.getBoundingClientRect();
    if (!line || box.height === 0) continue;
    out.push({ text: text.textContent.trim().slice(0, 40), delta: Math.abs((box.top + box.bottom) / 2 - (line.top + line.bottom) / 2) });
  }
  return out;
})()`;

/** No two visible buttons (or button-styled links) overlap or touch: at least 2 px between their boxes. */
async function expectButtonsApart(page: Page, screen: string): Promise<void> {
  expect(await page.evaluate<string[]>(TOUCHING_BUTTONS), `buttons touching on ${screen}`).toEqual([]);
}

/** Each radio button's middle is within 3 px of the middle of its label's first line of text. */
async function expectRadiosOnTheLine(page: Page, screen: string): Promise<number> {
  const off = await page.evaluate<{ text: string; delta: number }[]>(RADIO_OFFSETS);
  expect(off.filter((o) => o.delta > 3), `radio buttons off their label's line on ${screen}`).toEqual([]);
  return off.length;
}

async function expectNoSideways(page: Page, vp: Viewport): Promise<void> {
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(vp.width);
}

interface Scim { scimBase: string; token: string }

async function scim({ scimBase, token }: Scim, method: string, pathname: string, body?: unknown): Promise<Response> {
  return fetch(scimBase + pathname, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'user-agent': 'Okta SCIM Client 1.0.0' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function provision(list: Scim, people: Map<string, string>, key: string, given: string, family: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await scim(list, 'POST', '/Users', {
    schemas: [USER_SCHEMA, ENTERPRISE], userName: `${key}@northwind.example`, active: true, name: { givenName: given, familyName: family },
    emails: [{ value: `${key}@northwind.example`, type: 'work', primary: true }], ...extra,
  });
  expect(r.status).toBe(201);
  const id = ((await r.json()) as { id: string }).id;
  people.set(key, id);
  return id;
}

/**
 * The Hospital staff roster (SCIM): Grace (Board, approved photo, her only card revoked), Ada
 * (Emergency, managed by Grace, approved photo), Bob (nothing yet) and Cyd (a photo waiting for
 * approval); and Visitors, an empty list without a sync method. Made by the signed-in owner.
 */
async function hospitalRoster(): Promise<{ staff: string; visitors: string; people: Map<string, string> }> {
  const { page, origin, server } = world();
  const people = new Map<string, string>();
  const list = await createScimList(page, origin, 'Hospital staff');
  const staff = list.listId;
  const headers = { 'x-csrf-token': await csrfToken(page, origin) };
  const empty = await page.request.post(`${origin}/api/v1/lists`, { headers, data: { name: 'Visitors', uidAttribute: 'userName', syncMethod: 'none' } });
  expect(empty.status()).toBe(201);
  const visitors = ((await empty.json()) as { list: { id: string } }).list.id;
  const grace = await provision(list, people, 'grace', 'Grace', 'Hopper', { [ENTERPRISE]: { department: 'Board' } });
  await provision(list, people, 'ada', 'Ada', 'Lovelace', { [ENTERPRISE]: { department: 'Emergency', manager: { value: grace } } });
  await provision(list, people, 'bob', 'Bob', 'Baker');
  await provision(list, people, 'cyd', 'Cyd', 'Charisse');
  // Photos as the photo service leaves them (their checks have journeys of their own).
  const photo = async (key: string, status: 'pending' | 'approved') => server.muster.store.photos.insert({
    id: `photo-${key}`, list_id: staff, person_id: people.get(key)!, status, source: 'admin', image: Buffer.from([0]), width: 600, height: 800,
    metrics: '{}', reject_reason: null, uploaded_by: 'test', created_at: new Date().toISOString(),
  });
  await photo('ada', 'approved');
  await photo('grace', 'approved');
  await photo('cyd', 'pending');
  const card = await page.request.post(`${origin}/api/v1/lists/${staff}/people/${grace}/credentials`, { headers, data: { kind: 'card' } });
  const cardId = ((await card.json()) as { id: string }).id;
  expect((await page.request.post(`${origin}/api/v1/lists/${staff}/credentials/${cardId}/revoke`, { headers, data: { reason: 'card lost' } })).status()).toBe(200);
  return { staff, visitors, people };
}

describe('what an ID office needs, on a laptop and on a phone', () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.name} (${vp.width} px): the first screen after sign-up says to create a list and connect an identity provider; favicon and title`, async () => {
      const { origin } = world();
      await ownerReady();
      const page = await open(vp);
      await page.goto(origin + '/');
      await page.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();
      const start = page.getByRole('region', { name: 'Get started' });
      expect(await start.innerText()).toMatch(/Create a list[\s\S]*Connect your identity provider/);
      await expect.poll(() => page.title()).toBe('Lists · Muster');
      const icon = await page.locator('link[rel="icon"]').getAttribute('href');
      const res = await page.request.get(origin + icon);
      expect(res.status()).toBe(200);
      expect(res.headers()['content-type']).toBe('image/svg+xml');
      await start.getByRole('link', { name: 'Create a list' }).click();
      await expect.poll(() => page.evaluate<string>('location.hash')).toBe('#create-list');
      await expectRadiosOnTheLine(page, `the lists page at ${vp.width} px`);
      await expectButtonsApart(page, `the lists page at ${vp.width} px`);
      await expectNoSideways(page, vp);
      await expectAccessible(page, `the first screen at ${vp.width} px`);
    });
  }

  it('sets up a roster: people with and without photos, cards and managers, and an empty list', async () => {
    const { page, origin } = world();
    await ownerReady();
    const { staff, visitors } = await hospitalRoster();
    expect((await api<{ total: number }>(page, origin, 'GET', `/lists/${staff}/people`)).total).toBe(4);
    expect((await api<{ total: number }>(page, origin, 'GET', `/lists/${visitors}/people`)).total).toBe(0);
  });

  for (const vp of VIEWPORTS) {
    it(`${vp.name} (${vp.width} px): the roster's Photo and Card columns and filters; the person page's manager, fields and next step; an empty list's next step`, async () => {
      const { origin } = world();
      await ownerReady();
      const { staff, visitors, people } = await hospitalRoster();
      const page = await open(vp);
      await page.goto(`${origin}/lists/${staff}/people`);
      await page.getByRole('heading', { name: 'Hospital staff: people' }).waitFor();
      await expect.poll(() => page.title()).toBe('Hospital staff: people · Muster');
      const table = page.getByRole('table', { name: 'People on Hospital staff' });
      const row = (name: string) => table.getByRole('row').filter({ hasText: name });
      await expect.poll(() => row('Bob').innerText()).toMatch(/No photo[\s\S]*No card yet/);
      expect(await row('Cyd').innerText()).toContain('Waiting for approval');
      expect(await row('Grace').innerText()).toMatch(/Approved[\s\S]*Revoked/);
      await expectAccessible(page, `the roster at ${vp.width} px`);
      await expectButtonsApart(page, `the roster at ${vp.width} px`);

      const status = page.getByRole('status').filter({ hasText: /Showing|No people/ });
      await page.getByLabel('Photo', { exact: true }).selectOption({ label: 'No photo' });
      await expect.poll(() => status.innerText()).toBe('Showing 1–1 of 1 person');
      expect(await table.innerText()).toContain('Bob');
      await page.getByLabel('Photo', { exact: true }).selectOption({ label: 'Photo waiting for approval' });
      await expect.poll(() => table.innerText()).toContain('Cyd');
      expect(await status.innerText()).toBe('Showing 1–1 of 1 person');
      await page.getByLabel('Photo', { exact: true }).selectOption({ label: 'All' });
      await page.getByLabel('Card', { exact: true }).selectOption({ label: 'Revoked' });
      // "Showing 1–1 of 1 person" was already on screen (Cyd's filter), and the unfiltered list
      // passes through on the way (Photo: All): wait for Grace alone.
      await expect.poll(async () => {
        const t = await table.innerText();
        return t.includes('Grace') && !t.includes('Cyd') && !t.includes('Bob');
      }).toBe(true);
      expect(await status.innerText()).toBe('Showing 1–1 of 1 person');
      await page.getByLabel('Card', { exact: true }).selectOption({ label: 'No card yet' });
      await expect.poll(() => status.innerText()).toBe('Showing 1–3 of 3 people');
      await expectNoSideways(page, vp);

      // Ada: the manager by name, a link to her; empty fields behind "Show all fields"; print next.
      await page.goto(`${origin}/lists/${staff}/people/${people.get('ada')}`);
      await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
      await expect.poll(() => page.title()).toBe('Ada Lovelace · Muster');
      const next = page.getByRole('region', { name: 'Next step' });
      expect(await next.innerText()).toContain('photo is approved: the card can be printed');
      expect(await next.getByRole('link', { name: 'Print a card in the Cards tab' }).getAttribute('href')).toBe(`/lists/${staff}/cards`);
      const fields = page.locator('#person-fields');
      expect(await fields.innerText()).toContain('Emergency');
      expect(await fields.innerText()).not.toContain('Time zone');
      const showAll = page.getByRole('button', { name: /^Show all fields \(\d+ empty\)$/ });
      await showAll.click();
      await expect.poll(() => fields.innerText()).toContain('Time zone');
      expect(await page.getByRole('button', { name: 'Hide empty fields' }).getAttribute('aria-expanded')).toBe('true');
      await expectAccessible(page, `the person page with every field at ${vp.width} px`);
      await expectButtonsApart(page, `the person page at ${vp.width} px`);
      await expectNoSideways(page, vp);
      await fields.getByRole('link', { name: 'Grace Hopper' }).click();
      await page.getByRole('heading', { name: 'Grace Hopper', level: 1 }).waitFor();
      expect(await page.getByRole('region', { name: 'Next step' }).innerText()).toContain('credentials are all revoked');

      // Bob: no photo, so the next step opens the self-upload link form.
      await page.goto(`${origin}/lists/${staff}/people/${people.get('bob')}`);
      await page.getByRole('button', { name: 'Send a photo link' }).click();
      await expect.poll(() => page.evaluate<boolean>('document.getElementById("photo-link").open')).toBe(true);
      // Cyd: a photo waits for approval.
      await page.goto(`${origin}/lists/${staff}/people/${people.get('cyd')}`);
      await page.getByRole('link', { name: 'Approve in the Photos tab' }).waitFor();

      // The Cards tab's print panel: its radio buttons sit on the line of their labels.
      await page.goto(`${origin}/lists/${staff}/cards`);
      await page.getByRole('radio', { name: 'Chosen people' }).waitFor();
      expect(await expectRadiosOnTheLine(page, `the Cards tab at ${vp.width} px`)).toBe(2);
      await expectButtonsApart(page, `the Cards tab at ${vp.width} px`);

      // An empty list without sync: the Sync tab or a CSV file.
      await page.goto(`${origin}/lists/${visitors}/people`);
      const empty = page.getByRole('heading', { name: 'No one is on this list yet' });
      await empty.waitFor();
      await page.getByRole('link', { name: 'Import a CSV file' }).waitFor();
      await expectAccessible(page, `an empty list at ${vp.width} px`);
      await page.getByRole('link', { name: 'Set up syncing on the Sync tab' }).click();
      await page.getByRole('heading', { name: 'Visitors: sync' }).waitFor();
      await expect.poll(() => page.title()).toBe('Visitors: sync · Muster');
    });
  }

  for (const vp of VIEWPORTS) {
    it(`${vp.name} (${vp.width} px): the Entra section names its groups, offers a group once, wants a GUID, and refreshes its summary when a run ends`, async () => {
      const { origin } = world();
      await ownerReady();
      // The emulator keeps its directory and the delta positions it handed out: this test's own.
      const graph = await startGraphEmulator({ pageSize: 10 });
      try {
        const { groups } = graph.seed({ users: 30, groups: [{ name: 'Engineering', members: 12 }, { name: 'Sales', members: 6 }], seed: 5 });
        const engineering = groups[0]!.id;
        const page = await open(vp);
        const headers = { 'x-csrf-token': await csrfToken(page, origin) };
        const created = await page.request.post(`${origin}/api/v1/lists`, { headers, data: { name: `Entra ${vp.name}`, uidAttribute: 'userName', syncMethod: 'none' } });
        const listId = ((await created.json()) as { list: { id: string } }).list.id;
        await page.goto(`${origin}/lists/${listId}/sync`);
        await page.getByRole('button', { name: 'Connect Entra ID pull sync' }).click();
        const form = page.getByRole('form', { name: 'Entra ID connection' });
        await form.getByLabel('Tenant id').fill(graph.tenantId);
        await form.getByLabel('Client (application) id').fill(graph.clientId);
        await form.getByLabel('Client secret').fill(graph.clientSecret);
        // A name typed where the object id goes: refused in words, nothing added.
        await form.getByLabel('Add a group by its object id').fill('Engineering');
        await form.getByRole('button', { name: 'Add group id' }).click();
        expect(await form.getByRole('alert').innerText()).toMatch(/“Engineering” is not a group object id/);
        expect(await form.getByRole('list', { name: 'Chosen groups' }).count()).toBe(0);
        await expectAccessible(page, `the Entra form refusing a group id at ${vp.width} px`);
        await form.getByLabel('Add a group by its object id').fill(engineering);
        await form.getByRole('button', { name: 'Add group id' }).click();
        expect(await form.getByRole('alert').count()).toBe(0);
        await form.getByLabel('Schedule').selectOption('manual');
        await form.getByText('National clouds').click();
        await form.getByLabel('Sign-in authority URL').fill(graph.url);
        await form.getByLabel('Microsoft Graph URL').fill(graph.url);
        await form.getByRole('button', { name: 'Connect' }).click();
        await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connection saved' }).count()).toBe(1);
        // Named from Graph as soon as it was chosen.
        const chips = form.getByRole('list', { name: 'Chosen groups' });
        await expect.poll(() => chips.innerText()).toContain('Engineering');
        expect(await chips.innerText()).not.toContain(engineering);
        const facts = page.locator('dl.facts');
        expect(await facts.innerText()).toMatch(/Groups in scope\s*Engineering/);
        expect(await facts.innerText()).toMatch(/Next run\s*Only when you click Sync now/);
        expect(await facts.innerText()).toMatch(/People in scope\s*0/);
        // Searching offers only groups not chosen yet.
        await form.getByLabel('Search groups by name').fill('Engin');
        await form.getByRole('button', { name: 'Search', exact: true }).click();
        await expect.poll(() => form.getByRole('status').filter({ hasText: 'already chosen' }).count()).toBe(1);
        await form.getByLabel('Search groups by name').fill('');
        await form.getByRole('button', { name: 'Search', exact: true }).click();
        const found = form.getByRole('list', { name: 'Groups found' });
        await expect.poll(() => found.innerText()).toContain('Sales');
        expect(await found.innerText()).not.toContain('Engineering');
        await expectButtonsApart(page, `the Entra section at ${vp.width} px`);

        // The summary follows the run, without a reload.
        await page.getByRole('button', { name: 'Sync now' }).click();
        const runs = page.getByRole('table', { name: 'Sync runs, newest first' });
        await expect.poll(() => runs.getByRole('row').nth(1).getByRole('cell').nth(1).innerText(), { timeout: 30_000 }).toBe('Finished');
        expect(await runs.getByRole('row').nth(1).innerText()).toContain('First run: every person in the chosen groups was read.');
        await expect.poll(() => facts.innerText()).toMatch(/People in scope\s*12\b/);
        expect(await facts.innerText()).not.toMatch(/Last run\s*Never/);
        await expectNoSideways(page, vp);
        await expectAccessible(page, `the Entra section after a run at ${vp.width} px`);
      } finally {
        await graph.close();
      }
    });
  }

  for (const vp of VIEWPORTS) {
    it(`${vp.name} (${vp.width} px): the mapping editor: every control usable, "Mapping saved" beside Save, "Add a field" from the top, the key from the label, counts in words`, async () => {
      const { origin } = world();
      await ownerReady();
      const { staff } = await hospitalRoster();
      const page = await open(vp);
      await page.goto(`${origin}/lists/${staff}/mapping`);
      await page.getByRole('heading', { name: 'Mapping editor: Hospital staff' }).waitFor();
      await expect.poll(() => page.title()).toBe('Mapping editor: Hospital staff · Muster');
      // Every control of the first rows lies inside the viewport and is wide enough to use.
      const source = page.getByLabel('Source for Department', { exact: true });
      await source.waitFor();
      // The received attributes, with their counts, come with the editor's last request: measured with them.
      await source.locator('option', { hasText: /received \d+ times?$/ }).first().waitFor({ state: 'attached' });
      const boxes = await page.locator('table.mapping tbody tr').evaluateAll((rows) => rows.slice(0, 16).flatMap((r) =>
        [...r.querySelectorAll('select, input, button')].map((el) => ({ name: el.getAttribute('aria-label') ?? el.textContent ?? '', r: el.getBoundingClientRect() }))));
      expect(boxes.length).toBeGreaterThan(10);
      for (const b of boxes) {
        expect(b.r.left, `${b.name} starts inside the screen`).toBeGreaterThanOrEqual(0);
        expect(b.r.right, `${b.name} ends inside the screen`).toBeLessThanOrEqual(vp.width);
      }
      const sourceBox = (await source.boundingBox())!;
      expect(sourceBox.width, 'the source picker has room for its text').toBeGreaterThanOrEqual(Math.min(300, vp.width - 80));
      const options = await source.locator('option').allInnerTexts();
      expect(options.find((o) => o.startsWith('enterprise:department'))).toMatch(/received \d+ times?$/);
      expect(await page.locator('main').innerText()).toContain('how many times it arrived');
      await expectNoSideways(page, vp);

      // Change a transform, save: the confirmation sits beside the button that saved.
      const transform = page.getByLabel('Transform for Department', { exact: true });
      await transform.selectOption(vp.mobile ? 'lower' : 'upper');
      await page.getByRole('button', { name: 'Save mapping' }).click();
      const bar = page.locator('header.editor-bar');
      await expect.poll(() => bar.getByRole('status').innerText()).toBe('Mapping saved.');
      const saveBox = (await page.getByRole('button', { name: 'Save mapping' }).boundingBox())!;
      const savedBox = (await bar.getByRole('status').boundingBox())!;
      expect(Math.abs(savedBox.y - saveBox.y), 'on the line of the Save button, or just under it').toBeLessThan(60);
      await expectButtonsApart(page, `the mapping editor at ${vp.width} px`);
      await expectAccessible(page, `the mapping editor at ${vp.width} px`);

      // "Add a field" from the top: the label takes focus; the key follows it.
      await page.getByRole('link', { name: 'Add a field' }).click();
      const add = page.getByRole('form', { name: 'Add a field' });
      const label = add.getByLabel('Label');
      await expect.poll(() => isFocused(label)).toBe(true);
      await label.fill('Badge colour (Größe)');
      expect(await add.getByLabel('Key').inputValue()).toBe('badge_colour_grosse');
      await add.getByLabel('Key').fill('badge');
      await label.fill('Badge colour');
      expect(await add.getByLabel('Key').inputValue(), 'a key typed by hand stays').toBe('badge');
    });
  }
});
