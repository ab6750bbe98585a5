/**
 * Sign-in with the organisation's identity provider, in Chromium, through a real certified OpenID
 * provider's own login and consent pages (oidc-provider on loopback): the owner connects it on the
 * Admins page, a person types their work address, gets "Sign in with …", signs in at the provider
 * and lands in Muster with the role of their group; someone in no mapped group is told why in words.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server.js';
import { startProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { afterStep, launch, OWNER, recordPageErrors, requireBuiltApp, signUpOwner } from './browser.js';
import { expectAccessible } from './a11y.js';

let server: TestServer;
let idp: TestProvider;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** A browser context whose requests never leave the machine: the provider's own pages link a web font, answered empty here. */
async function newPage(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await ctx.route((u) => u.hostname !== '127.0.0.1' && u.hostname !== 'localhost', (r) => r.fulfill({ status: 200, contentType: 'text/css', body: '' }));
  return recordPageErrors(await ctx.newPage(), pageErrors);
}

/** On the provider's own pages: its login form (any password), then its consent page. */
async function atProvider(p: Page, login: string): Promise<void> {
  await p.waitForURL((u) => u.origin === idp.issuer);
  await p.locator('input[name="login"]').fill(login);
  await p.locator('input[name="password"]').fill('any password');
  await p.getByRole('button', { name: 'Sign-in' }).click();
  await p.getByRole('button', { name: 'Continue' }).click();
}

describe('signing in with the organisation\'s identity provider, in a browser', () => {
  beforeAll(async () => {
    requireBuiltApp();
    browser = await launch();
    // The provider runs on loopback, by the name localhost: the operator allows private addresses, as on a closed network.
    server = await startServer({ MUSTER_OIDC_ALLOW_HTTP: 'true', MUSTER_OIDC_ALLOW_PRIVATE: 'true' });
    // Another site than Muster (localhost, not 127.0.0.1), as a real provider is: the way back is a cross-site redirect.
    idp = await startProvider([`${server.origin}/api/v1/auth/sso/callback`], 'localhost');
    idp.users.set('ada@northwind.example', { email: 'ada@northwind.example', email_verified: true, name: 'Ada Lovelace', groups: ['muster-admins'] });
    idp.users.set('bob@northwind.example', { email: 'bob@northwind.example', email_verified: true, name: 'Bob', groups: ['sales'] });
    page = await newPage();
  });

  afterEach(async (ctx) => afterStep(ctx, page, pageErrors));

  afterAll(async () => {
    await browser?.close();
    await idp?.close();
    await server?.close();
  });

  it('the owner connects the provider on the Admins page', async () => {
    await signUpOwner(page, server.origin);
    await page.goto(`${server.origin}/admins`);
    await page.getByRole('heading', { name: 'Single sign-on' }).waitFor();
    await expect.poll(() => page.getByText('Redirect URI to register').innerText()).toContain(`${server.origin}/api/v1/auth/sso/callback`);
    await page.getByLabel('Name on the sign-in button').fill('Northwind ID');
    await page.getByLabel('Issuer URL').fill(idp.issuer);
    await page.getByLabel('Client ID').fill(idp.clientId);
    await page.getByLabel('Client secret').fill(idp.clientSecret);
    await page.getByLabel('Allowed domains').fill('northwind.example');
    await page.getByLabel('Group claim', { exact: true }).fill('groups');
    await page.getByLabel('Groups and their roles').fill('muster-owners = owner\nmuster-admins = admin');
    await page.getByRole('button', { name: 'Save single sign-on' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'saved' }).innerText()).toContain('Single sign-on saved');
    await expect.poll(() => page.getByText('Admins sign in with Northwind ID').count()).toBe(1);
    await expectAccessible(page, 'the Admins page with single sign-on');
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  it('a person types their work address, signs in at the provider, and lands in Muster with their group\'s role', async () => {
    const p = await newPage();
    await p.goto(`${server.origin}/`);
    await p.getByLabel('Email').fill('ada@northwind.example');
    const button = p.getByRole('link', { name: 'Sign in with Northwind ID' });
    await button.waitFor();
    await expectAccessible(p, 'the sign-in page offering single sign-on');
    await button.click();
    await atProvider(p, 'ada@northwind.example');
    await p.waitForURL(`${server.origin}/`);
    await p.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();
    const session = (await (await p.request.get(`${server.origin}/api/v1/auth/session`)).json()) as { admin: { email: string; role: string } };
    expect(session.admin).toMatchObject({ email: 'ada@northwind.example', role: 'admin' });
    await p.context().close();
  });

  it('someone in no mapped group is told why, in words, on the sign-in page', async () => {
    const p = await newPage();
    await p.goto(`${server.origin}/?org=${encodeURIComponent(await orgId())}`);
    await p.getByRole('link', { name: 'Sign in with Northwind ID' }).click();
    await atProvider(p, 'bob@northwind.example');
    await p.waitForURL(/sso_error=group_not_mapped/);
    await expect.poll(() => p.getByRole('alert').innerText()).toMatch(/None of your groups at the identity provider gives access to Muster/);
    await expectAccessible(p, 'the sign-in page with a single sign-on refusal');
    await p.context().close();
  });
});

/** The organisation's id, as the owner's sign-in link carries it. */
async function orgId(): Promise<string> {
  const ctx = await browser.newContext();
  const r = await ctx.request.post(`${server.origin}/api/v1/auth/sso/discover`, { data: { email: OWNER.email } });
  const id = ((await r.json()) as { sso: { orgId: string } }).sso.orgId;
  await ctx.close();
  return id;
}
