/**
 * Issue 14, items 3 and 4, in the web app at 1440 and 390 px, axe clean: the wallet buttons are
 * disabled with the reason and a link to the set-up while neither the organisation nor the
 * installation has wallet credentials (and come alive once the installation's are set); a capture
 * session finds whoever walks up by identifier, by a scanned card and by name, takes the photo and
 * approves it in the same step, recorded as approved by the signed-in owner. Each test starts from
 * its own fresh Muster and arranges what it needs (the list and its people, the capture setting)
 * through the API; the test of the installation's Google issuer has a Google fake of its own.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { INSTALLATION } from '../../src/store/index.js';
import { startGoogleFake } from '../fakes/google/index.js';
import { ENTERPRISE, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible } from './a11y.js';
import { api, createScimList, csrfToken, OWNER, ownerSignedIn, worldPerTest } from './browser.js';

const SAMPLES = path.resolve(import.meta.dirname, '../../node_modules/@vladmandic/face-api/demo');

// 404 is the answer for "no approved photo yet" (worldPerTest lets 401 and 404 pass).
const world = worldPerTest({ env: { MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: 'true' }, viewport: { width: 1440, height: 900 } });

let portrait: Buffer;
beforeAll(async () => {
  portrait = await sharp(path.join(SAMPLES, 'sample2.jpg')).extract({ left: 1250, top: 40, width: 600, height: 800 }).jpeg({ quality: 92 }).toBuffer();
});

type People = Record<'ada' | 'grace' | 'kate' | 'mary', string>;

async function provision(scimBase: string, token: string, userName: string, given: string, family: string, employeeNumber: string): Promise<string> {
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

/** An owner signed in, and a SCIM list "Students" of Ada, Grace, Katherine and Mary with their employee numbers. */
async function students(): Promise<{ listId: string; ids: People }> {
  const { page, origin } = world();
  await ownerSignedIn(page, origin);
  const { listId, scimBase, token } = await createScimList(page, origin, 'Students');
  const ids = {
    ada: await provision(scimBase, token, 'ada@northwind.example', 'Ada', 'Lovelace', 'S-7001'),
    grace: await provision(scimBase, token, 'grace@northwind.example', 'Grace', 'Hopper', 'S-7002'),
    kate: await provision(scimBase, token, 'kate@northwind.example', 'Katherine', 'Johnson', 'S-7003'),
    mary: await provision(scimBase, token, 'mary@northwind.example', 'Mary', 'Jackson', 'S-7004'),
  };
  return { listId, ids };
}

const issueButtons = (p: Page) => p.getByRole('group', { name: 'Issue a credential' });

async function expectWalletButtonsDisabled(p: Page, personPage: string, screen: string) {
  await p.goto(personPage);
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
  it('(a) 1440 px: with no wallet credentials anywhere, the wallet buttons are disabled with the reason and a link to the set-up', async () => {
    const { page, origin } = world();
    const { listId, ids } = await students();
    await expectWalletButtonsDisabled(page, `${origin}/lists/${listId}/people/${ids.ada}`, 'a person page with the wallet buttons disabled (1440 px)');
    await page.getByRole('link', { name: 'Set up Google Wallet' }).click();
    await page.getByRole('heading', { name: 'Wallet settings', level: 1 }).waitFor();
    await page.getByText('Not set up: Google Wallet passes cannot be issued yet.').waitFor();
  });

  it('(b) once the operator sets the installation\'s Google issuer, the organisation issues Google passes under it', async () => {
    const { page, origin, server } = world();
    const { listId, ids } = await students();
    // The Google fake records the passes issued: this test's own.
    const google = await startGoogleFake();
    try {
      await server.muster.googleWallet.configure(INSTALLATION, { issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl }, { actor: 'cli' });
      await page.goto(`${origin}/settings/wallets`);
      await page.getByText('Passes are issued under this installation’s Google issuer account').waitFor();
      await expectAccessible(page, 'the Wallets page under the installation\'s Google issuer');
      await page.goto(`${origin}/lists/${listId}/people/${ids.ada}`);
      const googleButton = issueButtons(page).getByRole('button', { name: 'Issue a Google Wallet pass' });
      await expect.poll(() => googleButton.isDisabled()).toBe(false);
      expect(await issueButtons(page).getByRole('button', { name: 'Issue an Apple Wallet pass' }).isDisabled()).toBe(true);
      await googleButton.click();
      await page.getByRole('status').filter({ hasText: 'Google Wallet pass issued.' }).waitFor();
      await expect.poll(() => page.getByRole('list', { name: 'Credentials' }).innerText()).toContain('Google Wallet pass');
    } finally {
      await google.close();
    }
  });

  it('(c) 1440 px: a capture session finds people by identifier and by a scanned card, and approves their photos in the same step', async () => {
    const { page, origin } = world();
    const { listId, ids } = await students();
    await page.goto(`${origin}/lists/${listId}/photos/capture`);
    await page.getByRole('heading', { name: 'Students: capture session' }).waitFor();
    const approveHere = page.getByLabel('Approve photos taken here at once (recorded as approved by you)');
    await expect.poll(() => approveHere.isEnabled()).toBe(true);
    expect(await approveHere.isChecked()).toBe(false);
    await approveHere.check();
    await expect.poll(async () => ((await (await page.request.get(`${origin}/api/v1/capture-settings`)).json()) as { approveOnCapture: boolean }).approveOnCapture).toBe(true);
    await expectAccessible(page, 'the capture session with search (1440 px)');

    await captureApproved(page, 'S-7002', 'Grace Hopper', 'the capture session after an approved shot (1440 px)');

    // Katherine's card: its barcode holds the verification URL, which a hand scanner types in.
    const card = await page.request.post(`${origin}/api/v1/lists/${listId}/people/${ids.kate}/credentials`, { headers: { 'x-csrf-token': await csrfToken(page, origin) }, data: { kind: 'card' } });
    expect(card.status()).toBe(201);
    const { verifyUrl } = (await card.json()) as { verifyUrl: string };
    await captureApproved(page, verifyUrl, 'Katherine Johnson', 'the capture session after a scanned card (1440 px)');

    const approved = (await (await page.request.get(`${origin}/api/v1/lists/${listId}/photos?status=approved`)).json()) as { photos: { personId: string; source: string }[] };
    expect(approved.photos.map((x) => x.personId).sort()).toEqual([ids.grace, ids.kate].sort());
    const trail = (await (await page.request.get(`${origin}/api/v1/lists/${listId}/audit/events?action=photo.approved&limit=50`)).json()) as { events: { actor: string; detail: Record<string, unknown> }[] };
    expect(trail.events.length).toBeGreaterThanOrEqual(2);
    for (const e of trail.events) expect(e).toMatchObject({ actor: `admin:${OWNER.email}`, detail: { inCaptureSession: true } });
  });

  it('(d) 390 px: the disabled wallet buttons and a capture by name fit a phone', async () => {
    const { page, origin, context } = world();
    const { listId, ids } = await students();
    // Photos taken in a capture session are approved at once (the organisation's setting, on).
    await api(page, origin, 'PUT', '/capture-settings', { approveOnCapture: true });
    const p = await world().newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: await context.storageState() });
    await expectWalletButtonsDisabled(p, `${origin}/lists/${listId}/people/${ids.ada}`, 'a person page with the wallet buttons disabled (390 px)');
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await p.goto(`${origin}/lists/${listId}/photos/capture`);
    await p.getByRole('heading', { name: 'Students: capture session' }).waitFor();
    await expect.poll(() => p.getByLabel('Approve photos taken here at once (recorded as approved by you)').isChecked()).toBe(true);
    await captureApproved(p, 'Mary Jackson', 'Mary Jackson', 'the capture session on a phone (390 px)');
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  });
});
