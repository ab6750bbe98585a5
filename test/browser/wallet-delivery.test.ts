/**
 * Issue 14, "How it is checked" (second half), in the web app at 1440 and 390 px, axe clean: the
 * installation owner sets the installation's Apple and Google Wallet credentials on the
 * Installation screen (against the test PKI and the Google fake); an organisation with none of
 * its own then emails a person their wallet passes from the person's page and everyone on the
 * list as a job with progress; the emails are read from the test SMTP server (smtp-server on
 * loopback) with their Apple Wallet and "Save to Google Wallet" links, the Apple link downloads
 * the pass, and the person's history says "Wallet passes emailed". Each test starts from its own
 * fresh Muster, SMTP server and Google fake, and arranges what it needs (the list, its people, the
 * installation's wallets, passes emailed) through the API where that is not what it tests.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../fakes/apns/certs.js';
import { startGoogleFake, type GoogleFake } from '../fakes/google/index.js';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp/index.js';
import { ENTERPRISE, USER_SCHEMA } from '../helpers/server.js';
import { expectAccessible } from './a11y.js';
import { api, createScimList, ownerSignedIn, worldPerTest } from './browser.js';

// The test PKI is files and keys that nothing changes: one for the file.
let pki: TestPki;
let google: GoogleFake;
let smtp: FakeSmtp;

/*
 * The SMTP server and the Google fake record what they receive, so each test has its own. Muster
 * reads the SMTP server's address from the environment when it starts: this beforeEach, registered
 * before worldPerTest's, starts the test's fakes and writes the SMTP port into the environment the
 * world's Muster is then started with (worldPerTest calls `env` before each test); its afterEach
 * runs after the world's has closed that Muster. The Google fake's address is given per test,
 * through the Installation settings.
 */
const env: Record<string, string> = {
  MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: 'true', MUSTER_SMTP_FROM: 'Muster <muster@northwind.example>',
};
beforeAll(() => {
  pki = makeTestPki({ passTypeIdentifier: 'pass.org.muster.shared', teamIdentifier: 'SHARED1234' });
  env.MUSTER_SMTP_CA_FILE = pki.caFile;
});
beforeEach(async () => {
  google = await startGoogleFake();
  smtp = await startFakeSmtp({ key: pki.apnsServer.privateKeyPem, cert: pki.apnsServer.certificatePem });
  env.MUSTER_SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
});
afterEach(async () => {
  await smtp?.close();
  await google?.close();
});

const world = worldPerTest({ env: () => env, viewport: { width: 1440, height: 900 } });

async function provision(scimBase: string, token: string, userName: string, given: string, family: string): Promise<string> {
  const r = await fetch(`${scimBase}/Users`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: [USER_SCHEMA, ENTERPRISE], userName, active: true, name: { givenName: given, familyName: family }, displayName: `${given} ${family}`,
      emails: [{ value: userName, type: 'work', primary: true }],
    }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

/** The emails the test SMTP server received for an address, once there are `count`. */
async function mailTo(address: string, count = 1) {
  await expect.poll(() => smtp.received.filter((m) => m.to.includes(address)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(count);
  return smtp.received.filter((m) => m.to.includes(address)).map((m) => ({ subject: m.headers.get('subject'), text: m.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=') }));
}

/**
 * An owner signed in, a SCIM list "Students" with Ada, Grace and Katherine, and the installation's
 * Apple and Google Wallet credentials set through the installation owner's API (the Google fake's
 * API URL with them, as the CLI sets it): the list's id and the people's ids.
 */
async function studentsUnderInstallationWallets(): Promise<{ listId: string; ids: Record<'ada' | 'grace' | 'kate', string> }> {
  const { page, origin } = world();
  await ownerSignedIn(page, origin);
  const { listId, scimBase, token } = await createScimList(page, origin, 'Students');
  const ids = {
    ada: await provision(scimBase, token, 'ada@northwind.example', 'Ada', 'Lovelace'),
    grace: await provision(scimBase, token, 'grace@northwind.example', 'Grace', 'Hopper'),
    kate: await provision(scimBase, token, 'kate@northwind.example', 'Katherine', 'Johnson'),
  };
  await api(page, origin, 'PUT', '/installation/apple-wallet', { certificate: pki.pass.certificatePem, privateKey: pki.pass.privateKeyPem, wwdrCertificate: pki.ca.certificatePem });
  await api(page, origin, 'PUT', '/installation/google-wallet', { issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl });
  return { listId, ids };
}

describe('wallet passes delivered by email under the installation\'s credentials', () => {
  it('(a) 1440 px: the installation owner sets the installation\'s Apple and Google Wallet credentials on the Installation screen', async () => {
    const { page, origin, server } = world();
    await ownerSignedIn(page, origin);
    await page.goto(origin + '/');
    await page.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Installation' }).click();
    await page.getByRole('heading', { name: 'Installation wallets', level: 1 }).waitFor();
    await page.getByText('Not set: organisations without their own certificate cannot issue Apple Wallet passes.').waitFor();
    await expectAccessible(page, 'the Installation screen, nothing set (1440 px)');

    const apple = page.getByRole('region', { name: 'Apple Wallet for every organisation' });
    await apple.getByLabel('PEM text (certificate and private key)').check();
    await apple.getByLabel('Pass certificate (PEM)', { exact: true }).fill(pki.pass.certificatePem);
    await apple.getByLabel('Private key (PEM)').fill(pki.pass.privateKeyPem);
    await apple.getByLabel('WWDR certificate (PEM)', { exact: true }).fill(pki.ca.certificatePem);
    await apple.getByRole('button', { name: 'Save Apple Wallet settings' }).click();
    await apple.getByRole('status').filter({ hasText: 'Apple Wallet is set up.' }).waitFor();
    await apple.locator('dd code', { hasText: 'pass.org.muster.shared' }).waitFor();

    const gw = page.getByRole('region', { name: 'Google Wallet for every organisation' });
    await gw.getByLabel('Issuer id').fill(google.issuerId);
    await gw.getByLabel('Service account key (JSON file)').setInputFiles({ name: 'key.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(google.account.keyFile)) });
    await gw.getByRole('button', { name: 'Save Google Wallet settings' }).click();
    await gw.getByRole('status').filter({ hasText: 'Google Wallet is set up.' }).waitFor();
    // The API URL of the fake is not on the form: point the installation's settings at it as the CLI would.
    await server.muster.installationWallets.putGoogle({ issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl }, { actor: 'cli' });

    const log = page.getByRole('list', { name: 'Changes to the installation’s wallets' });
    await page.getByRole('button', { name: 'Refresh changes' }).click();
    await expect.poll(() => log.innerText()).toContain('Installation Apple Wallet certificate set by owner@northwind.example');
    expect(await log.innerText()).toContain('Installation Google Wallet issuer set by owner@northwind.example');
    await expectAccessible(page, 'the Installation screen with both wallets set (1440 px)');

    // The organisation has none of its own: its Wallet settings say passes go out under the installation's.
    await page.getByRole('link', { name: 'Wallets' }).click();
    await page.getByText('Passes are issued under this installation’s Apple certificate').waitFor();
  });

  it('(b) 1440 px: a person\'s page emails their wallet passes; the email has both links, the Apple one downloads the pass, and the history says so', async () => {
    const { page, origin } = world();
    const { listId, ids } = await studentsUnderInstallationWallets();
    await page.goto(`${origin}/lists/${listId}/people/${ids.ada}`);
    await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Email wallet passes' }).click();
    await page.getByRole('status').filter({ hasText: 'Email with the Apple Wallet and Google Wallet links queued to ada@northwind.example.' }).waitFor();
    await expect.poll(() => page.getByRole('list', { name: 'Credentials' }).innerText()).toMatch(/Apple Wallet pass[\s\S]*Google Wallet pass|Google Wallet pass[\s\S]*Apple Wallet pass/);

    const [mail] = await mailTo('ada@northwind.example');
    expect(mail!.subject).toBe('Your Northwind School ID for your phone');
    const appleLink = new RegExp(`${origin}/passes/apple/[\\w-]+\\.pkpass\\?expires=\\d+&signature=[\\w-]+`).exec(mail!.text)?.[0];
    expect(appleLink, mail!.text).toBeTruthy();
    expect(mail!.text).toMatch(/https:\/\/pay\.google\.com\/gp\/v\/save\/[\w.-]+/);
    const pass = await fetch(appleLink!);
    expect(pass.status).toBe(200);
    expect(pass.headers.get('content-type')).toBe('application/vnd.apple.pkpass');

    const history = page.getByRole('list', { name: 'History of Ada Lovelace' });
    await expect.poll(() => history.innerText()).toContain('Wallet passes emailed');
    await expectAccessible(page, 'a person page after emailing their wallet passes (1440 px)');
  });

  it('(c) 1440 px: everyone on the list is emailed their passes as a job with progress', async () => {
    const { page, origin } = world();
    const { listId } = await studentsUnderInstallationWallets();
    await page.goto(`${origin}/lists/${listId}/people`);
    await page.getByRole('heading', { name: 'Students: people', level: 1 }).waitFor();
    await page.getByText('Email wallet passes', { exact: true }).click();
    await page.getByRole('button', { name: 'Email wallet passes to everyone active' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Wallet passes emailed to' }).innerText(), { timeout: 30_000 }).toBe('Wallet passes emailed to 3 people.');
    expect(await page.getByRole('progressbar', { name: 'Emailing wallet passes' }).getAttribute('value')).toBe('100');
    // One email each: nobody was emailed their passes before in this test's own Muster.
    for (const address of ['grace@northwind.example', 'kate@northwind.example', 'ada@northwind.example']) expect(await mailTo(address)).toHaveLength(1);
    await expectAccessible(page, 'the people page after emailing everyone their passes (1440 px)');
  });

  it('(d) 390 px: a person\'s history on a phone shows the passes emailed', async () => {
    const { page, origin, context } = world();
    const { listId, ids } = await studentsUnderInstallationWallets();
    // Everyone on the list emailed their passes, as the people page's job does it.
    const job = await api<{ jobId: string }>(page, origin, 'POST', `/lists/${listId}/wallet-passes/email`, {});
    await expect.poll(async () => (await api<{ status: string }>(page, origin, 'GET', `/lists/${listId}/jobs/${job.jobId}`)).status, { timeout: 30_000 }).toBe('done');
    await mailTo('grace@northwind.example');
    const p = await world().newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: await context.storageState() });
    await p.goto(`${origin}/lists/${listId}/people/${ids.grace}`);
    await p.getByRole('heading', { name: 'Grace Hopper', level: 1 }).waitFor();
    await expect.poll(() => p.getByRole('list', { name: 'History of Grace Hopper' }).innerText()).toContain('Wallet passes emailed');
    await p.getByRole('button', { name: 'Email wallet passes' }).waitFor();
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(p, 'a person page with the passes emailed (390 px)');
  });
});
