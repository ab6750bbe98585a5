/**
 * Card templates (create, rename, duplicate, delete), paging (the photo review queue, the people
 * pickers) and the security log, end to end: a real Muster (real HTTP, fresh SQLite database, the
 * real face check) serving the built app, driven in Chromium. Each test starts from its own fresh
 * Muster and arranges what it needs (the owner, the list, its people and photos, templates,
 * accounts) through the API.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { portrait as samplePortrait } from '../helpers/sample-photos.js';
import { ENTERPRISE, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible } from './a11y.js';
import { api, createScimList, csrfToken, OWNER, ownerSignedIn, screenshot, signUpOwner, worldPerTest } from './browser.js';

const ADMIN = { name: 'Alan Admin', email: 'alan@northwind.example', password: 'admin password 12' };
/** One page of the review queue (web/src/pages/photos/photos-page.tsx) and one more. */
const QUEUE_PAGE = 24;
const PEOPLE = QUEUE_PAGE + 1;

// 401 is the failed sign-in the tests make; 403 the viewer's refusal; 404 "no approved photo yet"; 422 the refusal provoked on purpose.
const world = worldPerTest({ expectedConsole: /status of (401|403|404|422)/ });

type Scim = Awaited<ReturnType<typeof createScimList>>;

/** Person 01 … Person 25, so that the queue's order (oldest first) is the number's order. */
const nameOf = (i: number) => `Person ${String(i + 1).padStart(2, '0')}`;

async function provision({ scimBase, token }: Scim, i: number): Promise<string> {
  const userName = `person${i + 1}@northwind.example`;
  const r = await fetch(`${scimBase}/Users`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: [USER_SCHEMA, ENTERPRISE], userName, active: true, name: { givenName: 'Person', familyName: String(i + 1).padStart(2, '0') },
      displayName: nameOf(i), emails: [{ value: userName, type: 'work', primary: true }], [ENTERPRISE]: { department: 'Science', employeeNumber: `E${100 + i}` },
    }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

/** An owner signed in (through the API) and the SCIM list "Staff". */
async function staffList(): Promise<Scim> {
  const { page, origin } = world();
  await ownerSignedIn(page, origin);
  return createScimList(page, origin);
}

/** Person 01 … Person 25 provisioned over SCIM, one after the other, without photos. */
async function provisioned(scim: Scim): Promise<void> {
  for (let i = 0; i < PEOPLE; i++) await provision(scim, i);
}

/** Person 01 … Person 25, each with a photo waiting for review. */
async function peopleWithPhotos(scim: Scim): Promise<void> {
  const { page, origin } = world();
  // Uploaded through the admin API, one after the other, so each waits behind the previous one.
  const portrait = await samplePortrait();
  const headers = { 'x-csrf-token': await csrfToken(page, origin), 'content-type': 'image/jpeg' };
  for (let i = 0; i < PEOPLE; i++) {
    const personId = await provision(scim, i);
    const up = await page.request.post(`${origin}/api/v1/lists/${scim.listId}/people/${personId}/photo`, { headers, data: portrait });
    expect(up.status(), await up.text()).toBe(201);
  }
}

/** A second template "Visitor card", a copy of the list's default "Staff ID" (as "New template" makes it): its id. */
async function visitorCard(listId: string): Promise<string> {
  const { page, origin } = world();
  const { templates } = await api<{ templates: { name: string; template: Record<string, unknown> }[] }>(page, origin, 'GET', `/lists/${listId}/card-templates`);
  expect(templates.map((t) => t.name)).toEqual(['Staff ID']);
  return (await api<{ id: string }>(page, origin, 'POST', `/lists/${listId}/card-templates`, { ...templates[0]!.template, name: 'Visitor card' })).id;
}

/** Alan's account, made an admin and then changed to viewer by the owner. */
async function alanViewer(): Promise<void> {
  const { page, origin } = world();
  const made = await api<{ id: string }>(page, origin, 'POST', '/admins', { ...ADMIN, role: 'admin' });
  await api(page, origin, 'PATCH', `/admins/${made.id}`, { role: 'viewer' });
}

/** A wrong password tried on the owner's account. */
async function failedSignIn(): Promise<void> {
  const failed = await fetch(`${world().origin}/api/v1/auth/sign-in`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: OWNER.email, password: 'not the password' }),
  });
  expect(failed.status).toBe(401);
}

/** A webhook endpoint added, turned off, its secret replaced and removed. */
async function webhookChanges(url: string): Promise<void> {
  const { page, origin } = world();
  const made = await api<{ endpoint: { id: string } }>(page, origin, 'POST', '/webhooks', { url, eventTypes: ['person.deactivated'] });
  const id = made.endpoint.id;
  await api(page, origin, 'PATCH', `/webhooks/${id}`, { enabled: false });
  await api(page, origin, 'POST', `/webhooks/${id}/rotate-secret`, { graceHours: 24 });
  await api(page, origin, 'DELETE', `/webhooks/${id}`);
}

const templateNames = async (page: Page, listId: string) => ((await (await page.request.get(`${world().origin}/api/v1/lists/${listId}/card-templates`)).json()) as { templates: { name: string }[] }).templates.map((t) => t.name);
const templateItems = (page: Page) => page.getByRole('list', { name: 'Card templates' }).getByRole('listitem');

describe('card templates, paging and the security log in the web app', () => {
  it('the owner sets up Muster and a SCIM list; more people arrive than one page of the review queue holds, each with a photo', async () => {
    const { page, origin } = world();
    await signUpOwner(page, origin);
    await peopleWithPhotos(await createScimList(page, origin));
  });

  it('the photo review queue shows one page and pages on to the rest, and back', async () => {
    const { page, origin } = world();
    const scim = await staffList();
    await peopleWithPhotos(scim);
    await page.goto(`${origin}/lists/${scim.listId}/photos`);
    await page.getByRole('heading', { name: 'Staff: photos' }).waitFor();
    const queue = page.getByRole('list', { name: 'Waiting for review photos' });
    await expect.poll(() => queue.getByRole('listitem').count()).toBe(QUEUE_PAGE);
    expect(await page.getByLabel('Photos per status').innerText()).toMatch(new RegExp(`Waiting for review\\s*${PEOPLE}`));
    await page.getByText(`Page 1: ${QUEUE_PAGE} photos shown of ${PEOPLE}.`).waitFor();
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);
    // Oldest first: the last person's photo is not on the first page.
    expect(await queue.getByRole('listitem', { name: `Photo of ${nameOf(PEOPLE - 1)}` }).count()).toBe(0);

    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(`Page 2: 1 photo shown of ${PEOPLE}.`).waitFor();
    await expect.poll(() => queue.getByRole('listitem').count()).toBe(1);
    await queue.getByRole('listitem', { name: `Photo of ${nameOf(PEOPLE - 1)}` }).waitFor();
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'the Photos tab, second page');

    // Approving on page 2 keeps the reviewer on page 2.
    await page.getByRole('button', { name: `Approve photo of ${nameOf(PEOPLE - 1)}` }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'approved' }).innerText()).toContain(`Photo of ${nameOf(PEOPLE - 1)} approved.`);
    await page.getByText('No more photos after the previous page.').waitFor();

    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => queue.getByRole('listitem').count()).toBe(QUEUE_PAGE);
    expect((await queue.getByRole('listitem').allInnerTexts())[0]).toContain(nameOf(0));
  });

  it('a new template starts as a copy of the first one, opens in the editor and is renamed there', async () => {
    const { page, origin } = world();
    const scim = await staffList();
    const { listId } = scim;
    await provisioned(scim);
    await page.goto(`${origin}/lists/${listId}/people`);
    await page.getByRole('heading', { name: 'Staff: people' }).waitFor();
    await page.getByRole('navigation', { name: 'List sections' }).getByRole('link', { name: 'Cards' }).click();
    await page.getByRole('heading', { name: 'Staff: cards' }).waitFor();
    await expect.poll(() => templateItems(page).count()).toBe(1);
    // The only template cannot be deleted: printing needs one.
    expect(await page.getByRole('button', { name: /^Delete template/ }).count()).toBe(0);

    // A refusal lists every problem the server named.
    await page.route(`**/api/v1/lists/${listId}/card-templates`, (route) => (route.request().method() === 'POST'
      ? route.fulfill({
        status: 422, contentType: 'application/json',
        body: JSON.stringify({ error: 'invalid_template', detail: 'the template has 2 problem(s)', problems: [{ path: 'front.elements[0].width', message: 'must be at least 0.5' }, { path: 'name', message: 'must be a string' }] }),
      })
      : route.fallback()), { times: 1 });
    await page.getByLabel('Name of the new template').fill('Visitor pass');
    await page.getByLabel('Start from').selectOption({ label: 'A copy of “Staff ID”' });
    await page.getByRole('button', { name: 'Create template' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'was not saved' });
    await expect.poll(() => refusal.innerText()).toContain('The template was not saved: it has 2 problems.');
    expect(await refusal.getByRole('list', { name: 'Template problems' }).innerText()).toContain('front.elements[0].width must be at least 0.5');
    await expectAccessible(page, 'the Cards tab with a refusal');

    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('heading', { name: 'Card editor: Visitor pass' }).waitFor();
    // A copy: the default card's elements came along.
    await page.getByRole('list', { name: 'Elements on the front' }).getByRole('button', { name: /^card-kind/ }).waitFor();
    // The preview person is searched on the server, not picked from everyone.
    await page.getByLabel('Find a person to preview').fill('person7@');
    await expect.poll(() => page.getByLabel('Preview person').locator('option').allInnerTexts()).toEqual([nameOf(0), nameOf(6)]);
    await page.getByLabel('Preview person').selectOption({ label: nameOf(6) });
    await expect.poll(() => page.getByRole('img', { name: 'Card preview, front' }).locator('text').allTextContents()).toContain('Person 07');

    await page.getByLabel('Template name').fill('Visitor card');
    await page.getByRole('button', { name: 'Save template' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).innerText()).toBe('Saved “Visitor card”.');
    expect(await templateNames(page, listId)).toEqual(expect.arrayContaining(['Staff ID', 'Visitor card']));
  });

  it('a template is duplicated under a new name, and the copy deleted after confirming', async () => {
    const { page, origin } = world();
    const { listId } = await staffList();
    const visitorId = await visitorCard(listId);
    await page.goto(`${origin}/lists/${listId}/cards/${visitorId}`);
    await page.getByRole('heading', { name: 'Card editor: Visitor card' }).waitFor();
    await page.getByRole('link', { name: '← Card templates' }).click();
    await expect.poll(() => templateItems(page).count()).toBe(2);
    const visitor = page.getByRole('listitem', { name: 'Template Visitor card', exact: true });
    await visitor.getByRole('button', { name: 'Duplicate “Visitor card”' }).click();
    const copyName = visitor.getByLabel('Name of the copy of “Visitor card”');
    expect(await copyName.inputValue()).toBe('Copy of Visitor card');
    await copyName.fill('Visitor card (spare)');
    await visitor.getByRole('button', { name: 'Save copy' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'copied' }).innerText()).toBe('“Visitor card” was copied as “Visitor card (spare)”.');
    await expect.poll(() => templateItems(page).count()).toBe(3);
    expect((await templateNames(page, listId)).sort()).toEqual(['Staff ID', 'Visitor card', 'Visitor card (spare)']);
    await screenshot(page, 'card-templates', page.getByRole('heading', { name: 'Card templates' }));

    const spare = page.getByRole('listitem', { name: 'Template Visitor card (spare)' });
    await spare.getByRole('button', { name: 'Delete template “Visitor card (spare)”' }).click();
    await spare.getByText('Delete the template “Visitor card (spare)”? Cards already printed with it stay valid.').waitFor();
    await expectAccessible(page, 'the Cards tab asking to confirm a deletion');
    // Cancel first: nothing happens.
    await spare.getByRole('button', { name: 'Cancel' }).click();
    expect(await templateNames(page, listId)).toHaveLength(3);
    await spare.getByRole('button', { name: 'Delete template “Visitor card (spare)”' }).click();
    await spare.getByRole('button', { name: 'Delete “Visitor card (spare)”' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'deleted' }).innerText()).toBe('The template “Visitor card (spare)” was deleted.');
    await expect.poll(() => templateItems(page).count()).toBe(2);
    expect((await templateNames(page, listId)).sort()).toEqual(['Staff ID', 'Visitor card']);
  });

  it('the print panel searches people on the server and pages through them', async () => {
    const { page, origin } = world();
    const scim = await staffList();
    await provisioned(scim);
    await page.goto(`${origin}/lists/${scim.listId}/cards`);
    await page.getByRole('heading', { name: 'Staff: cards' }).waitFor();
    await page.getByLabel('Chosen people').check();
    const people = page.getByRole('list', { name: 'People to print' });
    await expect.poll(() => people.getByRole('listitem').count()).toBe(20);
    await page.getByText(`0 chosen; showing 1–20 of ${PEOPLE}`).waitFor();
    await page.getByRole('button', { name: 'More people' }).click();
    await page.getByText(`0 chosen; showing 21–${PEOPLE} of ${PEOPLE}`).waitFor();
    await page.getByLabel(nameOf(PEOPLE - 1)).check();
    await page.getByLabel('Find people to print').fill('person3@');
    await page.getByText('1 chosen; showing 1–1 of 1').waitFor();
    await page.getByLabel(nameOf(2)).check();
    await page.getByText('2 chosen').waitFor();
    await expectAccessible(page, 'the print panel with chosen people');
    expect(await page.getByRole('button', { name: 'Print', exact: true }).isDisabled()).toBe(false);
  });

  it('the security log shows a failed sign-in, the account created and its role change, in words', async () => {
    const { page, origin } = world();
    await ownerSignedIn(page, origin);
    await page.goto(origin + '/');
    await page.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();
    // Someone tries the owner's account with a wrong password.
    const failed = await fetch(`${origin}/api/v1/auth/sign-in`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: OWNER.email, password: 'not the password' }),
    });
    expect(failed.status).toBe(401);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admins' }).click();
    await page.getByRole('heading', { name: 'Admins', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill(ADMIN.name);
    await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Initial password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Add admin' }).click();
    await page.getByText(`${ADMIN.name} can now sign in as admin.`).waitFor();
    await page.getByLabel(`Role of ${ADMIN.name}`).selectOption('viewer');
    await page.getByText(`${ADMIN.name} is now viewer.`).waitFor();

    const log = page.getByRole('table', { name: 'Sign-ins and account changes' });
    await page.getByRole('heading', { name: 'Sign-ins and account changes' }).waitFor();
    const rows = log.locator('tbody tr');
    // Newest first: the role change, the creation, the failed sign-in, the owner's setup.
    await expect.poll(() => log.locator('tbody td:nth-child(2)').allInnerTexts()).toEqual(['Role changed', 'Account created', 'Sign-in failed', 'Muster set up']);
    const cells = async (i: number) => (await rows.nth(i).getByRole('cell').allInnerTexts()).slice(1);
    expect(await cells(0)).toEqual(['Role changed', ADMIN.email, 'admin → viewer', OWNER.email, expect.stringMatching(/\S/)]);
    expect(await cells(1)).toEqual(['Account created', ADMIN.email, `${ADMIN.name}, as admin`, OWNER.email, expect.stringMatching(/\S/)]);
    expect(await cells(2)).toEqual(['Sign-in failed', OWNER.email, 'wrong password', 'someone not signed in', expect.stringMatching(/127\.0\.0\.1|::1|unknown/)]);
    expect(await rows.nth(0).getByRole('cell').first().locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await expectAccessible(page, 'the Admins page with the security log');
    await screenshot(page, 'security-log', log);
  });

  it('webhook changes are in the security log in words: added, changed, secret replaced, removed', async () => {
    const { page, origin } = world();
    await ownerSignedIn(page, origin);
    await page.goto(`${origin}/admins`);
    await page.getByRole('table', { name: 'Sign-ins and account changes' }).waitFor();
    const headers = { 'x-csrf-token': await csrfToken(page, origin), 'content-type': 'application/json' };
    const url = 'https://doors.example.com/muster';
    const made = await page.request.post(`${origin}/api/v1/webhooks`, { headers, data: { url, eventTypes: ['person.deactivated'] } });
    expect(made.status(), await made.text()).toBe(201);
    const id = (await made.json()).endpoint.id as string;
    expect((await page.request.patch(`${origin}/api/v1/webhooks/${id}`, { headers, data: { enabled: false } })).status()).toBe(200);
    expect((await page.request.post(`${origin}/api/v1/webhooks/${id}/rotate-secret`, { headers, data: { graceHours: 24 } })).status()).toBe(200);
    expect((await page.request.delete(`${origin}/api/v1/webhooks/${id}`, { headers: { 'x-csrf-token': headers['x-csrf-token'] } })).status()).toBe(204);

    await page.reload();
    const log = page.getByRole('table', { name: 'Sign-ins and account changes' });
    await expect.poll(async () => (await log.locator('tbody td:nth-child(2)').allInnerTexts()).slice(0, 4))
      .toEqual(['Webhook removed', 'Webhook signing secret replaced', 'Webhook changed', 'Webhook added']);
    const cells = async (i: number) => (await log.locator('tbody tr').nth(i).getByRole('cell').allInnerTexts()).slice(1, 5);
    expect(await cells(1)).toEqual(['Webhook signing secret replaced', url, 'the old secret also signs for 24 hours', OWNER.email]);
    expect(await cells(2)).toEqual(['Webhook changed', url, 'sending on → off', OWNER.email]);
    expect(await cells(3)).toEqual(['Webhook added', url, 'person.deactivated', OWNER.email]);
    await expectAccessible(page, 'the security log with webhook changes');
  });

  it('a viewer sees no template controls and no security log; the API refuses them', async () => {
    const { origin } = world();
    const { listId } = await staffList();
    await visitorCard(listId);
    await alanViewer();
    const v = await world().newPage({ viewport: { width: 1280, height: 900 } });
    await v.goto(origin + '/');
    await v.getByLabel('Email').fill(ADMIN.email);
    await v.getByLabel('Password').fill(ADMIN.password);
    await v.getByRole('button', { name: 'Sign in' }).click();
    await v.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();

    await v.goto(`${origin}/lists/${listId}/cards`);
    await v.getByRole('link', { name: 'View “Visitor card”' }).waitFor();
    for (const name of [/^Duplicate/, /^Delete/, 'Create template']) expect(await v.getByRole('button', { name }).count()).toBe(0);
    expect(await v.getByLabel('Name of the new template').count()).toBe(0);

    // Viewers have no Admins link; the page itself lists the accounts and nothing more.
    expect(await v.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admins' }).count()).toBe(0);
    await v.goto(`${origin}/admins`);
    await v.getByRole('heading', { name: 'Admins', level: 1 }).waitFor();
    await v.getByRole('table', { name: 'Admin accounts' }).waitFor();
    expect(await v.getByRole('heading', { name: 'Sign-ins and account changes' }).count()).toBe(0);
    expect((await v.request.get(`${origin}/api/v1/security-events`)).status()).toBe(403);
  });

  it('on a phone (390x844) the Cards tab and the security log fit the screen', async () => {
    const { origin } = world();
    // The list, its people and templates, and the security log as the journey leaves them.
    const scim = await staffList();
    const { listId } = scim;
    await provisioned(scim);
    await visitorCard(listId);
    await failedSignIn();
    await alanViewer();
    await webhookChanges('https://doors.example.com/muster');
    const p = await world().newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await p.goto(origin + '/');
    await p.getByLabel('Email').fill(OWNER.email);
    await p.getByLabel('Password').fill(OWNER.password);
    await p.getByRole('button', { name: 'Sign in' }).tap();
    await p.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();
    await p.goto(`${origin}/lists/${listId}/cards`);
    await p.getByRole('button', { name: 'Duplicate “Visitor card”' }).waitFor();
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await p.goto(`${origin}/admins`);
    await p.getByRole('table', { name: 'Sign-ins and account changes' }).waitFor();
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(p, 'the Admins page with the security log on a phone');
  });
});
