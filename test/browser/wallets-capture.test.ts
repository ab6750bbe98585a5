/**
 * Issue 14, items 3 and 4, in the web app at 1440 and 390 px, axe clean: the wallet buttons are
 * disabled with the reason and a link to the set-up while neither the organisation nor the
 * installation has wallet credentials (and come alive once the installation's are set); a capture
 * session finds whoever walks up by identifier, by a scanned card and by name, takes the photo and
 * approves it in the same step, recorded as approved by the signed-in owner.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { INSTALLATION } from '../../src/store/index.js';
import { startGoogleFake, type GoogleFake } from '../fakes/google/index.js';
import { ENTERPRISE, startServer, type TestServer, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible } from './a11y.js';
import { afterStep, createScimList, csrfToken, launch, OWNER, requireBuiltApp, signUpOwner } from './browser.js';

const SAMPLES = path.resolve(import.meta.dirname, '../../node_modules/@vladmandic/face-api/demo');

let server: TestServer;
let google: GoogleFake;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let listId = '';
let scimBase = '';
let token = '';
const ids: Record<string, string> = {};
let portrait: Buffer;
const pageErrors: string[] = [];

function watch(p: Page): Page {
  p.setDefaultTimeout(20_000);
  p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`));
  p.on('console', (m) => {
    // 404 is the answer for "no approved photo yet".
    if (m.type() === 'error' && !/status of (404)/.test(m.text())) pageErrors.push(`${p.url()}: console: ${m.text()}`);
  });
  return p;
}

async function provision(userName: string, given: string, family: string, employeeNumber: string): Promise<string> {
  const r = await fetch(`${scimBase}/Users`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: [USER_SCHEMA, ENTERPRISE], userName, active: true, name: { givenName: given, familyName: family }, displayName: `${given} ${family}`,
      emails: [{ value: userName, type: 'work', primary: true }], [ENTERPRISE]: { employeeNumber },
    }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

const issueButtons = (p: Page) => p.getByRole('group', { name: 'Issue a credential' });

async function expectWalletButtonsDisabled(p: Page, screen: string) {
  await p.goto(`${server.origin}/lists/${listId}/people/${ids.ada}`);
  await p.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
  const apple = issueButtons(p).getByRole('button', { name: 'Issue an Apple Wallet pass' });
  // Every button is disabled while the person's capabilities load: wait for the card button to come on first.
  await expect.poll(() => issueButtons(p).getByRole('button', { name: 'Issue a printed card' }).isDisabled()).toBe(false);
  expect(await apple.isDisabled()).toBe(true);
  expect(await issueButtons(p).getByRole('button', { name: 'Issue a Google Wallet pass' }).isDisabled()).toBe(true);
  // The reason is the button's description, and the set-up is one click away.
  const why = await apple.getAttribute('aria-describedby');
  expect(await p.locator(`#${why}`).innerText()).toMatch(/^Apple Wallet is not set up: upload your Pass Type ID certificate, or ask the operator/);
  expect(await p.getByRole('link', { name: 'Set up Apple Wallet' }).getAttribute('href')).toBe('/settings/wallets');
  expect(await p.getByRole('link', { name: 'Set up Google Wallet' }).getAttribute('href')).toBe('/settings/wallets');
  await expectAccessible(p, screen);
}

async function captureApproved(p: Page, search: string, who: string, screen: string) {
  await p.getByLabel('Find a person').fill(search);
  await p.getByRole('button', { name: 'Find', exact: true }).click();
  if (search === who) await p.getByRole('list', { name: 'People found' }).getByRole('button', { name: who }).click();
  await p.getByRole('heading', { name: who, level: 2 }).waitFor();
  await p.getByLabel('Take or choose a photo').setInputFiles({ name: 'shot.jpg', mimeType: 'image/jpeg', buffer: portrait });
  await expect.poll(() => p.getByRole('status').filter({ hasText: 'passed the checks' }).innerText(), { timeout: 30_000 })
    .toBe(`Photo of ${who} passed the checks and is approved.`);
  await expectAccessible(p, screen);
}

describe('wallets without developer accounts, and capture sessions for whoever walks up', () => {
  beforeAll(async () => {
    requireBuiltApp();
    portrait = await sharp(path.join(SAMPLES, 'sample2.jpg')).extract({ left: 1250, top: 40, width: 600, height: 800 }).jpeg({ quality: 92 }).toBuffer();
    google = await startGoogleFake();
    browser = await launch();
    server = await startServer({ MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: 'true' });
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = watch(await context.newPage());
  });

  afterEach(async (ctx) => afterStep(ctx, page, pageErrors));

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await google?.close();
  });

  it('(a) 1440 px: with no wallet credentials anywhere, the wallet buttons are disabled with the reason and a link to the set-up', async () => {
    await signUpOwner(page, server.origin);
    ({ listId, token, scimBase } = await createScimList(page, server.origin, 'Students'));
    ids.ada = await provision('ada@northwind.example', 'Ada', 'Lovelace', 'S-7001');
    ids.grace = await provision('grace@northwind.example', 'Grace', 'Hopper', 'S-7002');
    ids.kate = await provision('kate@northwind.example', 'Katherine', 'Johnson', 'S-7003');
    ids.mary = await provision('mary@northwind.example', 'Mary', 'Jackson', 'S-7004');
    await expectWalletButtonsDisabled(page, 'a person page with the wallet buttons disabled (1440 px)');
    await page.getByRole('link', { name: 'Set up Google Wallet' }).click();
    await page.getByRole('heading', { name: 'Wallet settings', level: 1 }).waitFor();
    await page.getByText('Not set up: Google Wallet passes cannot be issued yet.').waitFor();
  });

  it('(b) once the operator sets the installation\'s Google issuer, the organisation issues Google passes under it', async () => {
    await server.muster.googleWallet.configure(INSTALLATION, { issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl }, { actor: 'cli' });
    await page.reload();
    await page.getByText('Passes are issued under this installation’s Google issuer account').waitFor();
    await expectAccessible(page, 'the Wallets page under the installation\'s Google issuer');
    await page.goto(`${server.origin}/lists/${listId}/people/${ids.ada}`);
    const googleButton = issueButtons(page).getByRole('button', { name: 'Issue a Google Wallet pass' });
    await expect.poll(() => googleButton.isDisabled()).toBe(false);
    expect(await issueButtons(page).getByRole('button', { name: 'Issue an Apple Wallet pass' }).isDisabled()).toBe(true);
    await googleButton.click();
    await page.getByRole('status').filter({ hasText: 'Google Wallet pass issued.' }).waitFor();
    await expect.poll(() => page.getByRole('list', { name: 'Credentials' }).innerText()).toContain('Google Wallet pass');
    await server.muster.googleWallet.remove(INSTALLATION, { actor: 'cli' });
  });

  it('(c) 1440 px: a capture session finds people by identifier and by a scanned card, and approves their photos in the same step', async () => {
    await page.goto(`${server.origin}/lists/${listId}/photos/capture`);
    await page.getByRole('heading', { name: 'Students: capture session' }).waitFor();
    const approveHere = page.getByLabel('Approve photos taken here at once (recorded as approved by you)');
    await expect.poll(() => approveHere.isEnabled()).toBe(true);
    expect(await approveHere.isChecked()).toBe(false);
    await approveHere.check();
    await expect.poll(async () => ((await (await page.request.get(`${server.origin}/api/v1/capture-settings`)).json()) as { approveOnCapture: boolean }).approveOnCapture).toBe(true);
    await expectAccessible(page, 'the capture session with search (1440 px)');

    await captureApproved(page, 'S-7002', 'Grace Hopper', 'the capture session after an approved shot (1440 px)');

    // Katherine's card: its barcode holds the verification URL, which a hand scanner types in.
    const card = await page.request.post(`${server.origin}/api/v1/lists/${listId}/people/${ids.kate}/credentials`, { headers: { 'x-csrf-token': await csrfToken(page, server.origin) }, data: { kind: 'card' } });
    expect(card.status()).toBe(201);
    const { verifyUrl } = (await card.json()) as { verifyUrl: string };
    await captureApproved(page, verifyUrl, 'Katherine Johnson', 'the capture session after a scanned card (1440 px)');

    const approved = (await (await page.request.get(`${server.origin}/api/v1/lists/${listId}/photos?status=approved`)).json()) as { photos: { personId: string; source: string }[] };
    expect(approved.photos.map((x) => x.personId).sort()).toEqual([ids.grace, ids.kate].sort());
    const trail = (await (await page.request.get(`${server.origin}/api/v1/lists/${listId}/audit/events?action=photo.approved&limit=50`)).json()) as { events: { actor: string; detail: Record<string, unknown> }[] };
    expect(trail.events.length).toBeGreaterThanOrEqual(2);
    for (const e of trail.events) expect(e).toMatchObject({ actor: `admin:${OWNER.email}`, detail: { inCaptureSession: true } });
  });

  it('(d) 390 px: the disabled wallet buttons and a capture by name fit a phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: await context.storageState() });
    const p = watch(await phone.newPage());
    try {
      await expectWalletButtonsDisabled(p, 'a person page with the wallet buttons disabled (390 px)');
      expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await p.goto(`${server.origin}/lists/${listId}/photos/capture`);
      await p.getByRole('heading', { name: 'Students: capture session' }).waitFor();
      await expect.poll(() => p.getByLabel('Approve photos taken here at once (recorded as approved by you)').isChecked()).toBe(true);
      await captureApproved(p, 'Mary Jackson', 'Mary Jackson', 'the capture session on a phone (390 px)');
      expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    } finally {
      await phone.close();
    }
  });
});
