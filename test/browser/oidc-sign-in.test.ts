/**
 * Sign-in with the organisation's identity provider, in Chromium, through a real certified OpenID
 * provider's own login and consent pages (oidc-provider on loopback): the owner connects it on the
 * Admins page, a person types their work address, gets "Sign in with …", signs in at the provider
 * and lands in Muster with the role of their group; someone in no mapped group is told why in words.
 * Each test starts from its own fresh Muster and its own provider, and arranges the owner (and the
 * connection, where it is not what the test is about) through the API.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { api, OWNER, ownerSignedIn, worldPerTest } from './browser.js';
import { expectAccessible } from './a11y.js';

// The provider runs on loopback, by the name localhost: the operator allows private addresses, as on a closed network.
const world = worldPerTest({ env: { MUSTER_OIDC_ALLOW_HTTP: 'true', MUSTER_OIDC_ALLOW_PRIVATE: 'true' } });

/** The running test's own provider (it keeps its users, sessions and grants). */
let current: TestProvider | undefined;

beforeEach(async () => {
  // Another site than Muster (localhost, not 127.0.0.1), as a real provider is: the way back is a cross-site redirect.
  const idp = await startProvider([`${world().origin}/api/v1/auth/sso/callback`], 'localhost');
  current = idp;
  idp.users.set('ada@northwind.example', { email: 'ada@northwind.example', email_verified: true, name: 'Ada Lovelace', groups: ['muster-admins'] });
  idp.users.set('bob@northwind.example', { email: 'bob@northwind.example', email_verified: true, name: 'Bob', groups: ['sales'] });
});

afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** The provider of the running test. */
function provider(): TestProvider {
  if (!current) throw new Error('the provider exists only inside a test');
  return current;
}

/** A page in a context of its own whose requests never leave the machine: the provider's own pages link a web font, answered empty here. */
async function newPage(): Promise<Page> {
  const p = await world().newPage({ viewport: { width: 1280, height: 900 } });
  await p.context().route((u) => u.hostname !== '127.0.0.1' && u.hostname !== 'localhost', (r) => r.fulfill({ status: 200, contentType: 'text/css', body: '' }));
  return p;
}

/** On the provider's own pages: its login form (any password), then its consent page. */
async function atProvider(p: Page, login: string): Promise<void> {
  await p.waitForURL((u) => u.origin === provider().issuer);
  await p.locator('input[name="login"]').fill(login);
  await p.locator('input[name="password"]').fill('any password');
  await p.getByRole('button', { name: 'Sign-in' }).click();
  await p.getByRole('button', { name: 'Continue' }).click();
}

/** The owner, and the connection as the first test saves it on the Admins page (through the API here). */
async function connected(): Promise<void> {
  const { page, origin } = world();
  const { issuer, clientId, clientSecret } = provider();
  await ownerSignedIn(page, origin);
  await api(page, origin, 'PUT', '/sso', {
    displayName: 'Northwind ID', issuer, clientId, clientSecret, allowedDomains: ['northwind.example'], groupClaim: 'groups',
    groupRoles: [{ group: 'muster-owners', role: 'owner' }, { group: 'muster-admins', role: 'admin' }],
  });
}

describe('signing in with the organisation\'s identity provider, in a browser', () => {
  it('the owner connects the provider on the Admins page', async () => {
    const { page, origin } = world();
    const idp = provider();
    await ownerSignedIn(page, origin);
    await page.goto(`${origin}/admins`);
    await page.getByRole('heading', { name: 'Single sign-on' }).waitFor();
    await expect.poll(() => page.getByText('Redirect URI to register').innerText()).toContain(`${origin}/api/v1/auth/sso/callback`);
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
    const { origin } = world();
    await connected();
    const p = await newPage();
    await p.goto(`${origin}/`);
    await p.getByLabel('Email').fill('ada@northwind.example');
    const button = p.getByRole('link', { name: 'Sign in with Northwind ID' });
    await button.waitFor();
    await expectAccessible(p, 'the sign-in page offering single sign-on');
    await button.click();
    await atProvider(p, 'ada@northwind.example');
    await p.waitForURL(`${origin}/`);
    await p.getByRole('heading', { name: 'Lists', level: 1 }).waitFor();
    const session = (await (await p.request.get(`${origin}/api/v1/auth/session`)).json()) as { admin: { email: string; role: string } };
    expect(session.admin).toMatchObject({ email: 'ada@northwind.example', role: 'admin' });
  });

  it('someone in no mapped group is told why, in words, on the sign-in page', async () => {
    const { origin } = world();
    await connected();
    const p = await newPage();
    await p.goto(`${origin}/?org=${encodeURIComponent(await orgId(p))}`);
    await p.getByRole('link', { name: 'Sign in with Northwind ID' }).click();
    await atProvider(p, 'bob@northwind.example');
    await p.waitForURL(/sso_error=group_not_mapped/);
    await expect.poll(() => p.getByRole('alert').innerText()).toMatch(/None of your groups at the identity provider gives access to Muster/);
    await expectAccessible(p, 'the sign-in page with a single sign-on refusal');
  });
});

/** The organisation's id, as the owner's sign-in link carries it (asked by a page no one is signed in on). */
async function orgId(p: Page): Promise<string> {
  const r = await p.request.post(`${world().origin}/api/v1/auth/sso/discover`, { data: { email: OWNER.email } });
  return ((await r.json()) as { sso: { orgId: string } }).sso.orgId;
}
