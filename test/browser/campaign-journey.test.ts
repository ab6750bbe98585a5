/**
 * Issue 14, "How it is checked", the photo campaign part, in the web app (Chromium), axe clean:
 * start a campaign for a list of 50 people from the Photos tab, read the invitations from a real
 * SMTP server on loopback (the smtp-server package), follow three of the emailed links on a
 * phone-sized page (390 px), upload, approve in the review queue, and see the campaign page count
 * them; the people without an email address are listed as such.
 */
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startFakeSmtp, type FakeSmtp, type ReceivedEmail } from '../fakes/smtp/index.js';
import { ENTERPRISE, startServer, type TestServer, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible } from './a11y.js';
import { afterStep, createScimList, launch, recordPageErrors, requireBuiltApp, signUpOwner } from './browser.js';

const SAMPLES = path.resolve(import.meta.dirname, '../../node_modules/@vladmandic/face-api/demo');

let smtp: FakeSmtp;
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let listId = '';
let campaignUrl = '';
let portrait: Buffer;
const pageErrors: string[] = [];
const followed: string[] = [];

const linkIn = (m: ReceivedEmail) => /http:\/\/127\.0\.0\.1:\d+\/p\/[\w-]{43}/.exec(m.raw.replace(/=\r?\n/g, ''))![0];
/** A number of the campaign's totals, by its label. */
const total = (p: Page, label: string) => p.locator(`xpath=//dl[@aria-label="Campaign totals"]//dt[normalize-space()="${label}"]/following-sibling::dd[1]`);

describe('a photo campaign from the web app to the person\'s phone and back', () => {
  beforeAll(async () => {
    requireBuiltApp();
    portrait = await sharp(path.join(SAMPLES, 'sample2.jpg')).extract({ left: 1250, top: 40, width: 600, height: 800 }).jpeg({ quality: 92 }).toBuffer();
    smtp = await startFakeSmtp({ tls: 'none' });
    browser = await launch();
    server = await startServer({ MUSTER_SMTP_URL: `smtp://127.0.0.1:${smtp.port}?tls=none`, MUSTER_SMTP_FROM: 'Northwind ID office <id@northwind.example>' });
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = recordPageErrors(await context.newPage(), pageErrors);
  });

  afterEach(async (ctx) => afterStep(ctx, page, pageErrors));

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it('(a) 1440 px: the Photos tab starts a campaign for the 50 people of a list; the campaign page counts the invitations as they are sent', async () => {
    await signUpOwner(page, server.origin);
    let scimBase = '', token = '';
    ({ listId, scimBase, token } = await createScimList(page, server.origin, 'Students'));
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
    await page.goto(`${server.origin}/lists/${listId}/photos`);
    await page.getByRole('link', { name: 'Invite by email' }).click();
    await page.getByRole('heading', { name: 'Students: photo invitations', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Count people' }).click();
    await page.getByRole('status').filter({ hasText: 'would be invited' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'would be invited' }).innerText()).toBe('50 people have no approved photo and would be invited.');
    await expectAccessible(page, 'the photo invitations page (1440 px)');
    await page.getByRole('button', { name: 'Start the campaign' }).click();
    await page.getByRole('heading', { name: 'Photo invitations: everyone without a photo', level: 1 }).waitFor();
    campaignUrl = page.url();
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
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      for (const who of ['student3@northwind.example', 'student17@northwind.example', 'student40@northwind.example']) {
        const mail = smtp.received.find((m) => m.to[0] === who)!;
        expect(mail.headers.get('subject')).toBe('Northwind School: a photo for your ID card');
        const p = recordPageErrors(await phone.newPage(), pageErrors);
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
    } finally {
      await phone.close();
    }
  });

  it('(c) the three photos are approved in the review queue, and the campaign page counts them: opened, uploaded, approved', async () => {
    await page.goto(`${server.origin}/lists/${listId}/photos`);
    for (const n of ['3', '17', '40']) {
      await page.getByRole('button', { name: `Approve photo of Student ${n}` }).click();
      await page.getByRole('status').filter({ hasText: `Photo of Student ${n} approved.` }).waitFor();
    }
    await page.goto(campaignUrl);
    await expect.poll(() => total(page, 'Approved').innerText()).toBe('3');
    expect(await total(page, 'Uploaded').innerText()).toBe('3');
    expect(await total(page, 'Opened the link').innerText()).toBe('3');
    await page.getByRole('button', { name: 'Approved', exact: true }).click();
    await page.getByText('Showing 1–3 of 3').waitFor();
    expect((await page.getByRole('table').getByRole('link').allInnerTexts()).sort()).toEqual(['Student 17', 'Student 3', 'Student 40']);
  });

  it('(d) 390 px: the campaign page on a phone, with "Send again" per person', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(campaignUrl);
    await page.getByRole('button', { name: 'No photo yet' }).click();
    await page.getByText('Showing 1–45 of 45').waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.getByRole('button', { name: 'Send again to Student 0' }).click();
    await page.getByRole('status').filter({ hasText: 'A new invitation to student0@northwind.example is queued.' }).waitFor();
    await expect.poll(() => smtp.received.filter((m) => m.to[0] === 'student0@northwind.example').length, { timeout: 30_000 }).toBe(2);
    await expectAccessible(page, 'the campaign page (390 px)');
  });
});
