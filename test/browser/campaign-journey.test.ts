/**
 * Issue 14, "How it is checked", the photo campaign part, in the web app (Chromium), axe clean:
 * start a campaign for a list of 50 people from the Photos tab, read the invitations from a real
 * SMTP server on loopback (the smtp-server package), follow three of the emailed links on a
 * phone-sized page (390 px), upload, approve in the review queue, and see the campaign page count
 * them; the people without an email address are listed as such. Each test starts from its own
 * fresh Muster and its own SMTP server, and arranges what it needs (the list, a campaign, uploads,
 * approvals) through the API where that is not what it tests.
 */
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startFakeSmtp, type FakeSmtp, type ReceivedEmail } from '../fakes/smtp/index.js';
import { ENTERPRISE, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible } from './a11y.js';
import { api, createScimList, ownerSignedIn, worldPerTest } from './browser.js';

const SAMPLES = path.resolve(import.meta.dirname, '../../node_modules/@vladmandic/face-api/demo');

let portrait: Buffer;
let smtp: FakeSmtp;

/*
 * The SMTP server records what it receives, so each test has its own. Muster reads its address
 * from the environment when it starts: this beforeEach, registered before worldPerTest's, starts
 * the test's SMTP server and writes its port into the environment the world's Muster is then
 * started with (worldPerTest calls `env` before each test); its afterEach runs after the world's
 * has closed that Muster.
 */
const env: Record<string, string> = { MUSTER_SMTP_FROM: 'Northwind ID office <id@northwind.example>' };
beforeEach(async () => {
  smtp = await startFakeSmtp({ tls: 'none' });
  env.MUSTER_SMTP_URL = `smtp://127.0.0.1:${smtp.port}?tls=none`;
});
afterEach(async () => {
  await smtp?.close();
});

const world = worldPerTest({ env: () => env, viewport: { width: 1440, height: 900 } });

beforeAll(async () => {
  portrait = await sharp(path.join(SAMPLES, 'sample2.jpg')).extract({ left: 1250, top: 40, width: 600, height: 800 }).jpeg({ quality: 92 }).toBuffer();
});

const linkIn = (m: ReceivedEmail) => /http:\/\/127\.0\.0\.1:\d+\/p\/[\w-]{43}/.exec(m.raw.replace(/=\r?\n/g, ''))![0];
/** A number of the campaign's totals, by its label. */
const total = (p: Page, label: string) => p.locator(`xpath=//dl[@aria-label="Campaign totals"]//dt[normalize-space()="${label}"]/following-sibling::dd[1]`);

/** An owner signed in, and a SCIM list "Students" of 50 people, two of them without an email address: its id. */
async function studentsList(): Promise<string> {
  const { page, origin } = world();
  await ownerSignedIn(page, origin);
  const { listId, scimBase, token } = await createScimList(page, origin, 'Students');
  for (let i = 0; i < 50; i++) {
    // Two students have no email address on the list.
    const r = await fetch(`${scimBase}/Users`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: [USER_SCHEMA, ENTERPRISE], userName: `student${i}`, active: true, name: { givenName: 'Student', familyName: `Number ${i}` }, displayName: `Student ${i}`,
        emails: i < 48 ? [{ value: `student${i}@northwind.example`, type: 'work', primary: true }] : [], [ENTERPRISE]: { department: i % 2 ? 'Physics' : 'History' },
      }),
    });
    expect(r.status).toBe(201);
  }
  return listId;
}

/**
 * The Students list with a campaign started through the API as the Photos tab starts one (its
 * default rules), once the SMTP server has received its 48 invitations: the campaign page's path.
 */
async function campaignSent(): Promise<{ listId: string; campaignPath: string }> {
  const { page, origin } = world();
  const listId = await studentsList();
  const campaign = await api<{ id: string }>(page, origin, 'POST', `/lists/${listId}/campaigns`, { hours: 168, attempts: 5, reminderDays: 7 });
  await expect.poll(() => smtp.received.length, { timeout: 60_000 }).toBe(48);
  return { listId, campaignPath: `/lists/${listId}/photos/campaigns/${campaign.id}` };
}

/** The person opens their emailed link and sends a photo through the self-upload page's form (its HTTP, not the screen). */
async function uploadedFromEmail(address: string): Promise<void> {
  const link = linkIn(smtp.received.find((m) => m.to[0] === address)!);
  expect((await fetch(link)).status).toBe(200);
  const form = new FormData();
  form.set('photo', new Blob([new Uint8Array(portrait)], { type: 'image/jpeg' }), 'selfie.jpg');
  const sent = await fetch(link, { method: 'POST', body: form });
  expect(sent.status, await sent.text()).toBe(201);
}

/** The campaign with three people's photos uploaded from their emailed links (Students 3, 17 and 40). */
async function threeUploaded(): Promise<{ listId: string; campaignPath: string }> {
  const sent = await campaignSent();
  for (const n of [3, 17, 40]) await uploadedFromEmail(`student${n}@northwind.example`);
  return sent;
}

describe('a photo campaign from the web app to the person\'s phone and back', () => {
  it('(a) 1440 px: the Photos tab starts a campaign for the 50 people of a list; the campaign page counts the invitations as they are sent', async () => {
    const { page, origin } = world();
    const listId = await studentsList();
    await page.goto(`${origin}/lists/${listId}/photos`);
    await page.getByRole('link', { name: 'Invite by email' }).click();
    await page.getByRole('heading', { name: 'Students: photo invitations', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Count people' }).click();
    await page.getByRole('status').filter({ hasText: 'would be invited' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'would be invited' }).innerText()).toBe('50 people have no approved photo and would be invited.');
    await expectAccessible(page, 'the photo invitations page (1440 px)');
    await page.getByRole('button', { name: 'Start the campaign' }).click();
    await page.getByRole('heading', { name: 'Photo invitations: everyone without a photo', level: 1 }).waitFor();
    await expect.poll(() => total(page, 'Sent').innerText(), { timeout: 60_000 }).toBe('48');
    expect(await total(page, 'Without email').innerText()).toBe('2');
    expect(await total(page, 'People').innerText()).toBe('50');
    await page.getByRole('button', { name: 'Without email' }).click();
    await page.getByText('Showing 1–2 of 2').waitFor();
    expect(await page.getByRole('table').getByText('No email address').count()).toBe(2);
    await expectAccessible(page, 'the campaign page (1440 px)');
    expect(smtp.received).toHaveLength(48);
    expect(new Set(smtp.received.map((m) => m.to[0])).size).toBe(48);
  });

  it('(b) 390 px: three people follow their emailed links on a phone and upload a photo', async () => {
    await campaignSent();
    const followed: string[] = [];
    for (const who of ['student3@northwind.example', 'student17@northwind.example', 'student40@northwind.example']) {
      const mail = smtp.received.find((m) => m.to[0] === who)!;
      expect(mail.headers.get('subject')).toBe('Northwind School: a photo for your ID card');
      const p = await world().newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      await p.goto(linkIn(mail));
      await p.getByLabel('Your photo').setInputFiles({ name: 'selfie.jpg', mimeType: 'image/jpeg', buffer: portrait });
      // Nothing is wider than the phone.
      expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      if (followed.length === 0) await expectAccessible(p, 'the self-upload page from an emailed link (390 px)');
      await p.getByRole('button', { name: 'Send photo' }).click();
      await p.getByRole('heading', { name: /^Thank you/ }).waitFor({ timeout: 30_000 });
      followed.push(who);
      await p.close();
    }
  });

  it('(c) the three photos are approved in the review queue, and the campaign page counts them: opened, uploaded, approved', async () => {
    const { page, origin } = world();
    const { listId, campaignPath } = await threeUploaded();
    await page.goto(`${origin}/lists/${listId}/photos`);
    for (const n of ['3', '17', '40']) {
      await page.getByRole('button', { name: `Approve photo of Student ${n}` }).click();
      await page.getByRole('status').filter({ hasText: `Photo of Student ${n} approved.` }).waitFor();
    }
    await page.goto(origin + campaignPath);
    await expect.poll(() => total(page, 'Approved').innerText()).toBe('3');
    expect(await total(page, 'Uploaded').innerText()).toBe('3');
    expect(await total(page, 'Opened the link').innerText()).toBe('3');
    await page.getByRole('button', { name: 'Approved', exact: true }).click();
    await page.getByText('Showing 1–3 of 3').waitFor();
    expect((await page.getByRole('table').getByRole('link').allInnerTexts()).sort()).toEqual(['Student 17', 'Student 3', 'Student 40']);
  });

  it('(d) 390 px: the campaign page on a phone, with "Send again" per person', async () => {
    const { page, origin } = world();
    const { listId, campaignPath } = await threeUploaded();
    // The three photos approved through the API, as the review queue approves them.
    const pending = await api<{ photos: { id: string }[] }>(page, origin, 'GET', `/lists/${listId}/photos?status=pending`);
    expect(pending.photos).toHaveLength(3);
    for (const photo of pending.photos) await api(page, origin, 'POST', `/lists/${listId}/photos/${photo.id}/approve`);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(origin + campaignPath);
    await page.getByRole('button', { name: 'No photo yet' }).click();
    await page.getByText('Showing 1–45 of 45').waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.getByRole('button', { name: 'Send again to Student 0' }).click();
    await page.getByRole('status').filter({ hasText: 'A new invitation to student0@northwind.example is queued.' }).waitFor();
    await expect.poll(() => smtp.received.filter((m) => m.to[0] === 'student0@northwind.example').length, { timeout: 30_000 }).toBe(2);
    await expectAccessible(page, 'the campaign page (390 px)');
  });
});
