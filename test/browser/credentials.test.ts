/**
 * Photos, cards and credentials in the web app, end to end (issue #8): a real Muster (real HTTP,
 * fresh SQLite database, the real face check) serving the built app, driven in Chromium; people
 * provisioned and deactivated through the real SCIM endpoint. Each test starts from its own fresh
 * Muster and arranges what it needs (the owner, the SCIM list, people, photos, credentials) through
 * the API, except the step it is testing.
 */
import path from 'node:path';
import sharp from 'sharp';
import { PDFDocument } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ENTERPRISE, PATCH_OP, USER_SCHEMA } from '../helpers/server.js';
import { createServiceAccount } from '../fakes/google/index.js';
import { expectAccessible } from './a11y.js';
import { api, createScimList, csrfToken, OWNER, ownerSignedIn, screenshot, signUpOwner, worldPerTest } from './browser.js';

const VIEWER = { name: 'Victor Viewer', email: 'viewer@northwind.example', password: 'viewer password 1' };
const SAMPLES = path.resolve(import.meta.dirname, '../../node_modules/@vladmandic/face-api/demo');

let portrait: Buffer;
let group: Buffer;

// 404 is the answer for "no approved photo yet"; 403, 409 and 422 are refusals the journeys provoke on purpose.
const world = worldPerTest({ expectedConsole: /status of (403|409|422)/ });

/** A SCIM list: its id, SCIM base URL and token. */
interface Scim { listId: string; scimBase: string; token: string }

async function scim(list: Scim, method: string, pathname: string, body?: unknown): Promise<Response> {
  return fetch(list.scimBase + pathname, {
    method, headers: { authorization: `Bearer ${list.token}`, 'content-type': 'application/scim+json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function provision(list: Scim, userName: string, given: string, family: string): Promise<string> {
  const r = await scim(list, 'POST', '/Users', {
    schemas: [USER_SCHEMA, ENTERPRISE], userName, active: true, name: { givenName: given, familyName: family }, displayName: `${given} ${family}`,
    emails: [{ value: userName, type: 'work', primary: true }], title: 'Engineer', [ENTERPRISE]: { department: 'Mathematics', employeeNumber: String(1000 + userName.length) },
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

/** The SCIM list "Staff" with Ada and Grace provisioned, created through the API by an owner already signed in. */
async function provisioned(): Promise<Scim & { ada: string; grace: string }> {
  const { page, origin } = world();
  const list = await createScimList(page, origin);
  const ada = await provision(list, 'ada@northwind.example', 'Ada', 'Lovelace');
  const grace = await provision(list, 'grace@northwind.example', 'Grace', 'Hopper');
  return { ...list, ada, grace };
}

/** An owner signed in (through the API) and the list "Staff" with Ada and Grace. */
async function staff(): Promise<Scim & { ada: string; grace: string }> {
  const { page, origin } = world();
  await ownerSignedIn(page, origin);
  return provisioned();
}

/** A portrait uploaded by the owner through the API: the photo's id, waiting for review. */
async function uploaded(listId: string, personId: string, source: 'admin' | 'capture' = 'admin'): Promise<string> {
  const { page, origin } = world();
  return (await api<{ id: string }>(page, origin, 'POST', `/lists/${listId}/people/${personId}/photo?source=${source}`, portrait, 'image/jpeg')).id;
}

/** A portrait the person sent through a self-upload link (the public /p/ form), waiting for review. */
async function selfUploaded(listId: string, personId: string): Promise<void> {
  const { page, origin } = world();
  const link = await api<{ url: string }>(page, origin, 'POST', `/lists/${listId}/people/${personId}/photo-link`, {});
  const form = new FormData();
  form.set('photo', new Blob([portrait], { type: 'image/jpeg' }), 'me.jpg');
  const r = await fetch(link.url, { method: 'POST', body: form });
  expect(r.status, await r.text()).toBe(201);
}

/** An approved portrait for the person, uploaded and approved through the API. */
async function approvedPhoto(listId: string, personId: string): Promise<void> {
  const { page, origin } = world();
  await api(page, origin, 'POST', `/lists/${listId}/photos/${await uploaded(listId, personId)}/approve`);
}

/** A printed card issued to the person through the API. */
async function issuedCard(listId: string, personId: string): Promise<string> {
  const { page, origin } = world();
  return (await api<{ id: string }>(page, origin, 'POST', `/lists/${listId}/people/${personId}/credentials`, { kind: 'card' })).id;
}

async function signIn(p: Page, who: { email: string; password: string }) {
  await p.goto(world().origin + '/');
  await p.getByLabel('Email').fill(who.email);
  await p.getByLabel('Password').fill(who.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();
}

const personUrl = (listId: string, personId: string) => `${world().origin}/lists/${listId}/people/${personId}`;
const credentialItems = (p: Page) => p.getByRole('list', { name: 'Credentials' }).getByRole('listitem');

describe('photos, cards and credentials in the web app', () => {
  beforeAll(async () => {
    // A 600×800 portrait with exactly one face, and a group photo that must be refused.
    portrait = await sharp(path.join(SAMPLES, 'sample2.jpg')).extract({ left: 1250, top: 40, width: 600, height: 800 }).jpeg({ quality: 92 }).toBuffer();
    group = await sharp(path.join(SAMPLES, 'sample1.jpg')).jpeg({ quality: 92 }).toBuffer();
  });

  it('(a) the owner sets up Muster and a SCIM list; people arrive through the real SCIM endpoint', async () => {
    const { page, origin } = world();
    await signUpOwner(page, origin);
    const { listId, ada } = await provisioned();
    await page.goto(personUrl(listId, ada));
    await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
    await page.getByText('No approved photo yet.').waitFor();
    await page.getByText('No credentials yet.').waitFor();
  });

  it('(b) a self-upload link from the person page, opened on a phone: a group photo is refused, a portrait accepted', async () => {
    const { page, origin } = world();
    const { listId, ada } = await staff();
    await page.goto(personUrl(listId, ada));
    await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
    await page.getByText('Send a self-upload link').click();
    await page.getByLabel('Link works for (hours)').fill('24');
    await page.getByLabel('Tries allowed').fill('3');
    await page.getByLabel('Consent text (optional)').fill('I agree that my photo is printed on my staff card.');
    await page.getByRole('button', { name: 'Create link' }).click();
    const url = (await page.getByLabel('Self-upload link').innerText()).trim();
    expect(url).toMatch(new RegExp(`^${origin}/p/[\\w-]{20,}$`));
    expect(await page.locator('.fresh-link').innerText()).toMatch(/Works until .+, 3 tries/);
    await expect.poll(() => page.getByRole('list', { name: 'History of Ada Lovelace' }).innerText()).toContain('Self-upload link sent');

    const p = await world().newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await p.goto(url);
    await p.getByRole('heading', { name: 'Your ID photo for Northwind School' }).waitFor();
    await p.getByText('Hello Ada Lovelace.').waitFor();
    await expectAccessible(p, 'the self-upload page on a phone');
    await screenshot(p, 'self-upload-phone');
    await p.getByLabel('Your photo').setInputFiles({ name: 'group.jpg', mimeType: 'image/jpeg', buffer: group });
    await p.getByRole('checkbox').check();
    await p.getByRole('button', { name: 'Send photo' }).tap();
    await p.getByText('There is more than one face in the photo.').waitFor();
    expect(await p.locator('body').innerText()).toContain('2 tries left with this link.');
    await expectAccessible(p, 'the self-upload page with a refusal, on a phone');
    await p.getByLabel('Your photo').setInputFiles({ name: 'me.jpg', mimeType: 'image/jpeg', buffer: portrait });
    await p.getByRole('checkbox').check();
    await p.getByRole('button', { name: 'Send photo' }).tap();
    await p.getByRole('heading', { name: 'Thank you, Ada Lovelace' }).waitFor();
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(p, 'the self-upload thank-you page on a phone');
    await p.context().close();

    // The person page shows the photo waiting for review, without a reload of the history.
    await page.reload();
    await expect.poll(() => page.getByRole('list', { name: 'Photo history' }).innerText()).toContain('Waiting for review');
    expect(await page.getByRole('list', { name: 'Photo history' }).innerText()).toContain('sent by the person');
    await expectAccessible(page, 'a person page with a photo waiting for review');
  });

  it('an admin upload on the person page explains a refusal in words, and accepts a portrait', async () => {
    const { page } = world();
    const { listId, grace } = await staff();
    await page.goto(personUrl(listId, grace));
    await page.getByRole('heading', { name: 'Grace Hopper', level: 1 }).waitFor();
    await page.getByLabel('Upload photo').setInputFiles({ name: 'group.jpg', mimeType: 'image/jpeg', buffer: group });
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.innerText(), { timeout: 20_000 }).toContain('The photo was not accepted.');
    expect(await alert.innerText()).toContain('There is more than one face in the photo. Take it with only you in the picture.');
    await expectAccessible(page, 'a person page with a refused upload');
    await page.getByLabel('Upload photo').setInputFiles({ name: 'grace.jpg', mimeType: 'image/jpeg', buffer: portrait });
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'passed the checks' }).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.getByRole('list', { name: 'Photo history' }).innerText()).toContain('uploaded by an admin');
  });

  it('(c) the Photos tab: the queue with images and metrics; approve one, reject one with a reason, filters', async () => {
    const { page, origin } = world();
    const { listId, ada: adaId, grace: graceId } = await staff();
    await selfUploaded(listId, adaId);
    await uploaded(listId, graceId);
    await page.goto(personUrl(listId, graceId));
    await page.getByRole('heading', { name: 'Grace Hopper', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'List sections' }).getByRole('link', { name: 'Photos' }).click();
    await page.getByRole('heading', { name: 'Staff: photos' }).waitFor();
    const queue = page.getByRole('list', { name: 'Waiting for review photos' });
    const ada = queue.getByRole('listitem', { name: 'Photo of Ada Lovelace' });
    const grace = queue.getByRole('listitem', { name: 'Photo of Grace Hopper' });
    await ada.waitFor();
    await grace.waitFor();
    // Oldest first: Ada sent hers before Grace's was uploaded.
    expect((await queue.getByRole('listitem').allInnerTexts())[0]).toContain('Ada Lovelace');
    expect(await page.getByLabel('Photos per status').innerText()).toMatch(/Waiting for review\s*2/);
    expect(await ada.innerText()).toMatch(/Brightness\s*\d+/);
    expect(await ada.innerText()).toMatch(/Sharpness\s*\d+/);
    // The image really loaded (a broken image has no natural width).
    await expect.poll(() => ada.getByRole('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(600);
    await expectAccessible(page, 'the Photos tab');
    await screenshot(page, 'photo-queue');

    // Keyboard: Reject opens a reason field that takes focus; the reason is required.
    await grace.getByRole('button', { name: 'Reject… photo of Grace Hopper' }).focus();
    await page.keyboard.press('Enter');
    const reason = grace.getByLabel('Reason for rejecting the photo of Grace Hopper');
    await expect.poll(() => reason.evaluate((el) => (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement === el)).toBe(true);
    expect(await grace.getByRole('button', { name: 'Reject', exact: true }).isDisabled()).toBe(true);
    await page.keyboard.type('Please take it against a plain wall.');
    await expectAccessible(page, 'the Photos tab with a rejection reason open');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'rejected' }).innerText()).toContain('Photo of Grace Hopper rejected.');

    await ada.getByRole('button', { name: 'Approve photo of Ada Lovelace' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'approved' }).innerText()).toContain('Photo of Ada Lovelace approved.');
    await page.getByText('Nothing waits for review.').waitFor();
    await expect.poll(() => page.getByLabel('Photos per status').innerText()).toMatch(/Approved\s*1[\s\S]*Rejected\s*1/);

    await page.getByRole('button', { name: 'Rejected', exact: true }).click();
    const rejected = page.getByRole('list', { name: 'Rejected photos' });
    await expect.poll(() => rejected.innerText()).toContain('Reason: Please take it against a plain wall.');
    await expectAccessible(page, 'the Photos tab, rejected photos');
    await page.getByRole('button', { name: 'Approved', exact: true }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Approved photos' }).innerText()).toContain('Ada Lovelace');

    // The API agrees.
    const answer = (await (await page.request.get(`${origin}/api/v1/lists/${listId}/photos?status=approved`)).json()) as { photos: { personId: string }[] };
    expect(answer.photos.map((x) => x.personId)).toEqual([adaId]);
  });

  it('a capture session queues who has no photo, uploads a shot with source=capture and moves on', async () => {
    const { page, origin } = world();
    const { listId, ada, grace } = await staff();
    await approvedPhoto(listId, ada);
    await api(page, origin, 'POST', `/lists/${listId}/photos/${await uploaded(listId, grace)}/reject`, { reason: 'Please take it against a plain wall.' });
    await page.goto(`${origin}/lists/${listId}/photos`);
    await page.getByRole('link', { name: 'Start a capture session' }).click();
    await page.getByRole('heading', { name: 'Staff: capture session' }).waitFor();
    // Ada has an approved photo; Grace's was rejected, so she is the one left.
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'without a photo' }).innerText()).toBe('Person 1 of 1 without a photo.');
    await page.getByRole('heading', { name: 'Grace Hopper', level: 2 }).waitFor();
    await expectAccessible(page, 'the capture session');
    await page.getByLabel('Take or choose a photo').setInputFiles({ name: 'shot.jpg', mimeType: 'image/jpeg', buffer: portrait });
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'passed the checks' }).innerText(), { timeout: 20_000 })
      .toBe('Photo of Grace Hopper passed the checks and waits for review.');
    await page.getByRole('button', { name: 'Next person' }).click();
    await page.getByText('Session finished: all 1 people done.').waitFor();
    await expectAccessible(page, 'the capture session, finished');
    const pending = (await (await page.request.get(`${origin}/api/v1/lists/${listId}/photos?status=pending`)).json()) as { photos: { personId: string; source: string }[] };
    expect(pending.photos).toEqual([expect.objectContaining({ personId: grace, source: 'capture' })]);
  });

  it('(d) the card editor: change a text element, the SVG preview follows, a bad value is shown at its element, save', async () => {
    const { page, origin } = world();
    const { listId, ada, grace } = await staff();
    await approvedPhoto(listId, ada);
    await uploaded(listId, grace, 'capture');
    await page.goto(`${origin}/lists/${listId}/photos`);
    await page.getByRole('navigation', { name: 'List sections' }).getByRole('link', { name: 'Cards' }).click();
    await page.getByRole('heading', { name: 'Staff: cards' }).waitFor();
    await expectAccessible(page, 'the Cards tab');
    await page.getByRole('link', { name: 'Edit “Staff ID”' }).click();
    await page.getByRole('heading', { name: 'Card editor: Staff ID' }).waitFor();
    const front = page.getByRole('img', { name: 'Card preview, front' });
    await page.getByLabel('Preview person').selectOption({ label: 'Ada Lovelace' });
    // Placeholders are filled from Ada's roster fields, and the photo box shows her approved photo.
    await expect.poll(() => front.locator('text').allTextContents()).toContain('Ada Lovelace');
    await expect.poll(() => front.locator('image').count()).toBe(1);

    await page.getByRole('list', { name: 'Elements on the front' }).getByRole('button', { name: /^card-kind/ }).click();
    await page.getByLabel('Text', { exact: true }).fill('VISITOR {employee_number}');
    await expect.poll(() => front.locator('text').allTextContents()).toContain('VISITOR 1021');
    expect(await front.locator('text').allTextContents()).not.toContain('STAFF');
    const size = page.getByLabel('Font size (pt)');
    await size.fill('100');
    await page.getByRole('button', { name: 'Save template' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Not saved' }).innerText()).toMatch(/Not saved: the template has \d+ problems?/);
    expect(await page.getByRole('list', { name: 'Elements on the front' }).getByRole('listitem').filter({ hasText: 'card-kind' }).innerText()).toMatch(/\d+ problems?/);
    expect(await size.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field.invalid .field-problem').first().innerText()).toMatch(/4 and 72/);
    await expectAccessible(page, 'the card editor with a problem shown');
    await screenshot(page, 'card-editor', size);
    await size.fill('9');
    await page.getByRole('button', { name: 'Save template' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).innerText()).toBe('Saved “Staff ID”.');

    const answer = page.waitForResponse((r) => r.url().endsWith('/card-templates/preview'));
    await page.getByRole('button', { name: 'Preview as PDF' }).click();
    const preview = await answer;
    expect(preview.status()).toBe(200);
    expect(preview.headers()['content-type']).toBe('application/pdf');
    const link = page.getByRole('link', { name: 'Open the card preview (PDF)' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toMatch(/^blob:/);
    await expectAccessible(page, 'the card editor after saving');

    const saved = (await (await page.request.get(`${origin}/api/v1/lists/${listId}/card-templates`)).json()) as { templates: { id: string; template: { front: { elements: { id: string; text?: string }[] } } }[] };
    expect(saved.templates[0]!.template.front.elements.find((e) => e.id === 'card-kind')?.text).toBe('VISITOR {employee_number}');
    // The same preview, asked again for the saved template: Ada's card, front and back.
    const again = await page.request.post(`${origin}/api/v1/lists/${listId}/card-templates/preview`, {
      headers: { 'x-csrf-token': await csrfToken(page, origin) }, data: { personId: ada, templateId: saved.templates[0]!.id },
    });
    expect((await PDFDocument.load(await again.body())).getPageCount()).toBe(2);
  });

  it('(e) prints on the card layout with progress, reports who was skipped, and the PDF has a front and a back', async () => {
    const { page, origin } = world();
    const { listId, ada, grace } = await staff();
    await approvedPhoto(listId, ada);
    await uploaded(listId, grace, 'capture');
    const templates = await api<{ templates: { id: string }[] }>(page, origin, 'GET', `/lists/${listId}/card-templates`);
    await page.goto(`${origin}/lists/${listId}/cards/${templates.templates[0]!.id}`);
    await page.getByRole('heading', { name: 'Card editor: Staff ID' }).waitFor();
    await page.getByRole('link', { name: '← Card templates' }).click();
    await page.getByRole('heading', { name: 'Print cards' }).waitFor();
    await page.getByLabel('Layout').selectOption('card');
    await page.getByLabel('Sides').selectOption('both');
    await page.getByLabel('Chosen people').check();
    await page.getByLabel(/Ada Lovelace/).check();
    await page.getByLabel(/Grace Hopper/).check();
    await page.getByRole('button', { name: 'Print', exact: true }).click();
    const status = page.getByRole('status').filter({ hasText: 'Printing' });
    await expect.poll(() => status.innerText(), { timeout: 30_000 }).toBe('Printing finished: 1 card printed on 2 pages, 1 skipped.');
    expect(await page.getByRole('progressbar', { name: 'Printing' }).getAttribute('value')).toBe('100');
    // Grace's photo still waits for review: she is skipped, in words.
    expect(await page.getByRole('list', { name: 'Skipped people' }).innerText()).toBe('Grace Hopper: photo not approved yet');
    await expectAccessible(page, 'the Cards tab after printing');
    const href = await page.getByRole('link', { name: 'Download the PDF' }).getAttribute('href');
    const res = await page.request.get(origin + href!);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('application/pdf');
    const pdf = await PDFDocument.load(await res.body());
    expect(pdf.getPageCount()).toBe(2);
    // A CR80 page, landscape: 242.65 × 153.01 pt.
    const { width, height } = pdf.getPage(0).getSize();
    expect([Math.round(width), Math.round(height)]).toEqual([243, 153]);
  });

  it('(f) credentials on the person page: a wallet pass not set up is disabled with the reason; a card is issued, suspended and reinstated; a SCIM deactivation revokes both', async () => {
    const { page } = world();
    const list = await staff();
    await approvedPhoto(list.listId, list.ada);
    await issuedCard(list.listId, list.ada);
    await page.goto(personUrl(list.listId, list.ada));
    await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('img', { name: 'Approved photo of Ada Lovelace' }).evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(600);
    // Ada holds a printed card (issued through the API, as a print run issues one).
    await expect.poll(() => credentialItems(page).count()).toBe(1);
    expect(await credentialItems(page).first().getAttribute('aria-label')).toBe('Printed card, Valid');

    // Issue 14: a wallet that is not set up is a disabled button with the reason and the set-up link, not a click into an error.
    const googleButton = page.getByRole('button', { name: 'Issue a Google Wallet pass' });
    await expect.poll(() => googleButton.isDisabled()).toBe(true);
    const problem = page.locator(`#${await googleButton.getAttribute('aria-describedby')}`);
    expect(await problem.innerText()).toMatch(/^Google Wallet is not set up: .* Set up Google Wallet$/);
    expect(await problem.getByRole('link', { name: 'Set up Google Wallet' }).getAttribute('href')).toBe('/settings/wallets');
    await expectAccessible(page, 'a person page with photos, credentials and a wallet not set up');

    await page.getByRole('button', { name: 'Issue a printed card' }).click();
    await expect.poll(() => credentialItems(page).count()).toBe(2);
    const first = credentialItems(page).first();
    await first.getByRole('button', { name: /^Suspend…/ }).click();
    await page.getByLabel('Reason (optional)').fill('Reported lost');
    await page.getByRole('button', { name: 'Suspend printed card' }).click();
    await expect.poll(() => first.getAttribute('aria-label')).toBe('Printed card, Suspended');
    expect(await first.innerText()).toContain('Reason: Reported lost');
    await first.getByRole('button', { name: /^Reinstate/ }).click();
    await expect.poll(() => first.getAttribute('aria-label')).toBe('Printed card, Valid');
    await expectAccessible(page, 'a person page with credentials');
    await screenshot(page, 'person-credentials', page.getByRole('heading', { name: 'Credentials' }));

    const verifyUrl = (await first.getByRole('link', { name: /\/v\// }).innerText()).trim();
    // The guard checks the card on a phone.
    const guard = await world().newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await guard.goto(verifyUrl);
    await guard.getByRole('heading', { name: 'Valid' }).waitFor();
    expect(await guard.locator('body').innerText()).toContain('Ada Lovelace');
    expect(await guard.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(guard, 'the verification page, valid, on a phone');

    // The IdP deactivates Ada: both cards turn revoked on the open person page, without a reload.
    const off = await scim(list, 'PATCH', `/Users/${list.ada}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect([200, 204]).toContain(off.status);
    await expect.poll(async () => (await credentialItems(page).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))))
      .toEqual(['Printed card, Revoked', 'Printed card, Revoked']);
    expect(await first.innerText()).toContain('Reason: person deactivated');
    await page.getByText('Deactivated', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: /^Issue/ }).count()).toBe(0);
    // The verification page keeps itself current every 10 s without a reload (a page without script reloads): the guard's open page turns revoked by itself.
    await guard.getByRole('heading', { name: 'Revoked' }).waitFor();
    expect(await guard.getByRole('img').count()).toBe(0);
    await expectAccessible(guard, 'the verification page, revoked, on a phone');
    const json = (await (await fetch(verifyUrl, { headers: { accept: 'application/json' } })).json()) as { status: string };
    expect(json.status).toBe('revoked');
    await guard.context().close();
  });

  it('the wallet settings page shows what is missing and never offers secrets back', async () => {
    const { page, origin } = world();
    await ownerSignedIn(page, origin);
    await page.goto(origin + '/');
    await page.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallets' }).click();
    await page.getByRole('heading', { name: 'Wallet settings', level: 1 }).waitFor();
    await page.getByText('Not set up: Apple Wallet passes cannot be issued yet.').waitFor();
    await page.getByText('Not set up: Google Wallet passes cannot be issued yet.').waitFor();
    for (const label of ['Issuer id', 'Service account key (JSON file)', 'Certificate file (.p12)', '.p12 password', 'WWDR certificate (PEM)']) {
      expect(await page.getByLabel(label, { exact: true }).count(), label).toBe(1);
    }
    // A key file that is not JSON is explained before anything is sent.
    await page.getByLabel('Issuer id').fill('3388000000022222228');
    await page.getByLabel('Service account key (JSON file)').setInputFiles({ name: 'key.json', mimeType: 'application/json', buffer: Buffer.from('not json') });
    await page.getByRole('button', { name: 'Save Google Wallet settings' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('that file is not JSON');
    await expectAccessible(page, 'the Wallets settings page');
  });

  it('(g) a viewer sees photos, credentials, cards and wallet settings with no write controls', async () => {
    const { page, origin } = world();
    const list = await staff();
    const { listId, ada, grace } = list;
    await approvedPhoto(listId, ada);
    await issuedCard(listId, ada);
    // A suspended card, which an owner would be offered to reinstate.
    await api(page, origin, 'POST', `/lists/${listId}/credentials/${await issuedCard(listId, ada)}/suspend`, {});
    await uploaded(listId, grace, 'capture');
    // Google Wallet set up, whose settings an owner would be offered to remove.
    await api(page, origin, 'PUT', '/google-wallet', { issuerId: '3388000000022222228', serviceAccountKey: createServiceAccount().keyFile });
    const created = await page.request.post(`${origin}/api/v1/admins`, {
      headers: { 'x-csrf-token': await csrfToken(page, origin) }, data: { ...VIEWER, role: 'viewer' },
    });
    expect(created.status()).toBe(201);
    // What the viewer must not be offered, the owner is: the checks below are not vacuous.
    await page.goto(personUrl(listId, ada));
    await page.getByRole('button', { name: /^Reinstate/ }).waitFor();
    await page.goto(`${origin}/settings/wallets`);
    await page.getByRole('button', { name: 'Remove Google Wallet' }).waitFor();
    const v = await world().newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(v, VIEWER);

    await v.goto(personUrl(listId, ada));
    await v.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
    await expect.poll(() => credentialItems(v).count()).toBe(2);
    await v.getByRole('list', { name: 'Credentials' }).getByRole('listitem', { name: 'Printed card, Suspended' }).waitFor();
    await v.getByRole('list', { name: 'Photo history' }).waitFor();
    expect(await v.getByLabel('Upload photo').count()).toBe(0);
    expect(await v.getByText('Send a self-upload link').count()).toBe(0);
    for (const name of [/^Issue/, /^Suspend/, /^Revoke/, /^Reinstate/]) expect(await v.getByRole('button', { name }).count()).toBe(0);

    await v.getByRole('navigation', { name: 'List sections' }).getByRole('link', { name: 'Photos' }).click();
    await v.getByRole('heading', { name: 'Staff: photos' }).waitFor();
    await v.getByRole('listitem', { name: 'Photo of Grace Hopper' }).waitFor();
    for (const name of [/^Approve photo/, /^Reject… photo/, /^Approve selected/]) expect(await v.getByRole('button', { name }).count()).toBe(0);
    expect(await v.getByRole('checkbox').count()).toBe(0);
    expect(await v.getByRole('link', { name: 'Start a capture session' }).count()).toBe(0);

    await v.getByRole('navigation', { name: 'List sections' }).getByRole('link', { name: 'Cards' }).click();
    await v.getByRole('heading', { name: 'Staff: cards' }).waitFor();
    await v.getByRole('link', { name: 'View “Staff ID”' }).waitFor();
    expect(await v.getByRole('heading', { name: 'Print cards' }).count()).toBe(0);
    await v.getByRole('link', { name: 'View “Staff ID”' }).click();
    await v.getByRole('heading', { name: 'Card editor: Staff ID' }).waitFor();
    await v.getByText('Read-only: viewers cannot change card templates.').waitFor();
    expect(await v.getByRole('button', { name: 'Save template' }).count()).toBe(0);
    expect(await v.getByRole('button', { name: /^Add to/ }).count()).toBe(0);
    expect(await v.getByLabel('X (mm)').isDisabled()).toBe(true);
    await expectAccessible(v, 'the card editor, read-only');

    await v.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallets' }).click();
    await v.getByRole('heading', { name: 'Wallet settings', level: 1 }).waitFor();
    await v.getByText('Read-only: viewers cannot change wallet settings.').waitFor();
    await v.getByText('3388000000022222228', { exact: true }).waitFor();
    await expectAccessible(v, 'the Wallets settings page, read-only');
    expect(await v.getByRole('button', { name: /^Save|^Remove/ }).count()).toBe(0);
    expect(await v.getByLabel('Issuer id').count()).toBe(0);

    // The capture page says it is read-only rather than offering a camera, with someone in its
    // queue (Alan, with no photo) whom an owner would be offered the camera for.
    await provision(list, 'alan@northwind.example', 'Alan', 'Turing');
    await v.goto(`${origin}/lists/${listId}/photos/capture`);
    await v.getByText('Read-only: viewers cannot take photos.').waitFor();
    await v.getByText('Person 1 of 1 without a photo.').waitFor();
    expect(await v.getByLabel('Take or choose a photo').count()).toBe(0);
    await v.context().close();
  });

  it('on a phone (390x844) the Photos tab and the card editor fit the screen', async () => {
    const { origin } = world();
    const { listId, ada, grace } = await staff();
    await approvedPhoto(listId, ada);
    await uploaded(listId, grace, 'capture');
    const p = await world().newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await signIn(p, OWNER);
    await p.goto(`${origin}/lists/${listId}/photos`);
    await p.getByRole('listitem', { name: 'Photo of Grace Hopper' }).waitFor();
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(p, 'the Photos tab on a phone');
    await p.goto(`${origin}/lists/${listId}/cards`);
    await p.getByRole('link', { name: 'Edit “Staff ID”' }).tap();
    await p.getByRole('img', { name: 'Card preview, front' }).waitFor();
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(p, 'the card editor on a phone');
    await p.context().close();
  });
});
