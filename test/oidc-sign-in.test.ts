/**
 * Admin sign-in with the organisation's OpenID Connect provider (issue 17, item 1), against a real
 * certified provider (oidc-provider) on loopback: the browser's part is played with fetch and a
 * cookie jar, following every redirect and submitting the provider's own login and consent forms.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { startServer, type TestServer } from './helpers/server.js';
import { startProvider, type TestProvider } from './helpers/oidc-provider.js';

/** Cookies by name, as a browser keeps them for 127.0.0.1 (cookies do not depend on the port). */
class Jar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim(), value = pair.slice(i + 1).trim();
      if (!value || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function go(jar: Jar, url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), cookie: jar.header() } });
  jar.take(res);
  return res;
}

/** The first form of a page: where it posts, and its hidden fields. */
function formOf(html: string, base: string): { action: string; fields: URLSearchParams } {
  const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form on the provider's page:\n${html.slice(0, 500)}`);
  const fields = new URLSearchParams();
  for (const m of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]+)"/.exec(m[0])?.[1], value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (name) fields.set(name, value);
  }
  return { action: new URL(form[1]!.replace(/&amp;/g, '&'), base).href, fields };
}

interface Journey {
  /** Where Muster sent the browser at the end: `/` or `/?sso_error=…`. */
  readonly landed: URL;
  /** The callback URL the provider sent the browser to, and the sign-in cookie it carried. */
  readonly callback?: string;
  /** The sign-in's own cookie (one per sign-in, named after its state), as the browser held it. */
  readonly ssoCookie?: { readonly name: string; readonly value: string };
}

/** "Sign in with …": follows redirects, signs in on the provider's login page as `login`, consents, until back on Muster's `/`. */
async function signInWithProvider(srv: TestServer, jar: Jar, orgId: string, login: string, opts: { stopAtCallback?: boolean } = {}): Promise<Journey> {
  let url = `${srv.origin}/api/v1/auth/sso/start?org=${encodeURIComponent(orgId)}`;
  let res = await go(jar, url);
  let callback: string | undefined, ssoCookie: { name: string; value: string } | undefined;
  for (let step = 0; step < 20; step++) {
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      if (url.startsWith(`${srv.origin}/api/v1/auth/sso/callback`)) {
        callback = url;
        const state = new URL(url).searchParams.get('state') ?? '';
        const name = `muster_sso_${createHash('sha256').update(state).digest('base64url').slice(0, 16)}`;
        ssoCookie = jar.cookies.has(name) ? { name, value: jar.cookies.get(name)! } : undefined;
        if (opts.stopAtCallback) return { landed: new URL(url), callback, ssoCookie };
      }
      const u = new URL(url);
      if (u.origin === srv.origin && u.pathname === '/') return { landed: u, callback, ssoCookie };
      res = await go(jar, url);
      continue;
    }
    const html = await res.text();
    expect(res.status, html.slice(0, 300)).toBe(200);
    const form = formOf(html, url);
    if (/name="login"/.test(html)) {
      form.fields.set('login', login);
      form.fields.set('password', 'any password');
    }
    url = form.action;
    res = await go(jar, url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.fields.toString() });
  }
  throw new Error('the sign-in did not come back to Muster');
}

let srv: TestServer;
let idp: TestProvider;
let owner: { jar: Jar; csrf: string; orgId: string };

const json = (jar: Jar, csrf?: string) => ({ 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}), cookie: jar.header() });

async function configure(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${srv.origin}/api/v1/sso`, {
    method: 'PUT', headers: json(owner.jar, owner.csrf),
    body: JSON.stringify({ displayName: 'Test IdP', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, ...body }),
  });
}

async function sessionOf(jar: Jar) {
  return (await (await fetch(`${srv.origin}/api/v1/auth/session`, { headers: { cookie: jar.header() } })).json()) as { admin: { id: string; email: string; role: string } | null };
}

async function events(): Promise<{ action: string; target: string | null; detail: Record<string, unknown> | null }[]> {
  return ((await (await fetch(`${srv.origin}/api/v1/security-events?limit=100`, { headers: { cookie: owner.jar.header() } })).json()) as { events: [] }).events;
}

beforeEach(async () => {
  // The provider runs on loopback: the operator allows it, as one would for a provider on the site network.
  srv = await startServer({ MUSTER_OIDC_ALLOW_HTTP: 'true', MUSTER_OIDC_ALLOWED_CIDRS: '127.0.0.0/8' });
  idp = await startProvider([`${srv.origin}/api/v1/auth/sso/callback`]);
  const jar = new Jar();
  const res = await go(jar, `${srv.origin}/api/v1/auth/setup`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organisation: 'Example', name: 'Olive Owner', email: 'olive@example.org', password: 'correct horse battery staple' }),
  });
  const s = (await res.json()) as { csrfToken: string; organisation: { id: string } };
  expect(res.status).toBe(201);
  owner = { jar, csrf: s.csrfToken, orgId: s.organisation.id };
});

afterEach(async () => {
  await idp.close();
  await srv.close();
});

// Every test signs in through a real provider and hashes passwords with scrypt (set-up, sign-ins,
// the CLI reset): CPU-bound, and slow on a loaded machine with PostgreSQL.
describe('sign-in with the organisation\'s OpenID Connect provider', { timeout: 120_000 }, () => {
  it('signs a new person in (account made just in time with the group\'s role), updates the role from the groups at the next sign-in, and logs it all', async () => {
    const put = await configure({ allowedDomains: ['example.org'], groupClaim: 'groups', groupRoles: [{ group: 'muster-admins', role: 'admin' }, { group: 'muster-viewers', role: 'viewer' }] });
    expect(put.status, await put.clone().text()).toBe(200);
    const view = (await (await fetch(`${srv.origin}/api/v1/sso`, { headers: { cookie: owner.jar.header() } })).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ configured: true, displayName: 'Test IdP', clientSecret: '(stored encrypted; never shown)', redirectUri: `${srv.origin}/api/v1/auth/sso/callback` });
    expect(JSON.stringify(view)).not.toContain(idp.clientSecret);

    // The sign-in page finds the provider from the address typed.
    const found = await fetch(`${srv.origin}/api/v1/auth/sso/discover`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ada@Example.org' }) });
    expect(await found.json()).toEqual({ sso: { orgId: owner.orgId, name: 'Test IdP', passwordsOff: false } });

    idp.users.set('ada', { email: 'ada@example.org', email_verified: true, name: 'Ada Lovelace', groups: ['muster-admins', 'staff'] });
    const jar = new Jar();
    const first = await signInWithProvider(srv, jar, owner.orgId, 'ada');
    expect(first.landed.search).toBe('');
    expect(jar.cookies.has('muster_session')).toBe(true);
    expect((await sessionOf(jar)).admin).toMatchObject({ email: 'ada@example.org', role: 'admin' });

    idp.users.set('ada', { email: 'ada@example.org', email_verified: true, name: 'Ada Lovelace', groups: ['muster-viewers'] });
    const again = new Jar();
    expect((await signInWithProvider(srv, again, owner.orgId, 'ada')).landed.search).toBe('');
    expect((await sessionOf(again)).admin).toMatchObject({ email: 'ada@example.org', role: 'viewer' });

    const log = await events();
    const actions = log.map((e) => e.action);
    expect(actions).toContain('sso.configured');
    expect(log.filter((e) => e.action === 'admin.sso_created')).toEqual([expect.objectContaining({ target: 'ada@example.org', detail: expect.objectContaining({ role: 'admin' }) })]);
    expect(log.filter((e) => e.action === 'admin.sso_signed_in')).toHaveLength(2);
    expect(log.find((e) => e.action === 'admin.role_changed')).toMatchObject({ target: 'ada@example.org', detail: { before: 'admin', after: 'viewer', by: 'group claim' } });
  });

  it('matches an existing account by its verified email', async () => {
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    idp.users.set('olive', { email: 'olive@example.org', email_verified: true, name: 'Olive' });
    const jar = new Jar();
    expect((await signInWithProvider(srv, jar, owner.orgId, 'olive')).landed.search).toBe('');
    expect((await sessionOf(jar)).admin).toMatchObject({ email: 'olive@example.org', role: 'owner' });
    expect((await events()).map((e) => e.action)).not.toContain('admin.sso_created');
  });

  it('binds an account to the person at the provider (iss and sub): a reassigned address does not open it, a changed address follows it', async () => {
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    // Olive's password account is linked to her person at the provider at her first single sign-on.
    idp.users.set('olive-at-idp', { email: 'olive@example.org', email_verified: true, name: 'Olive' });
    expect((await signInWithProvider(srv, new Jar(), owner.orgId, 'olive-at-idp')).landed.search).toBe('');
    expect((await events()).filter((e) => e.action === 'admin.sso_linked')).toEqual([expect.objectContaining({ target: 'olive@example.org', detail: { provider: 'Test IdP' } })]);

    idp.users.set('ada', { email: 'ada@example.org', email_verified: true, name: 'Ada' });
    const adaJar = new Jar();
    expect((await signInWithProvider(srv, adaJar, owner.orgId, 'ada')).landed.search).toBe('');
    const adaId = (await sessionOf(adaJar)).admin!.id;

    // Ada leaves; the provider gives her address to someone new (another subject): refused, and nothing is signed in.
    idp.users.set('ada-newcomer', { email: 'ada@example.org', email_verified: true, name: 'Another Ada' });
    const newcomer = new Jar();
    expect((await signInWithProvider(srv, newcomer, owner.orgId, 'ada-newcomer')).landed.searchParams.get('sso_error')).toBe('sso_account_mismatch');
    expect(newcomer.cookies.has('muster_session')).toBe(false);
    expect((await events()).find((e) => e.action === 'admin.sso_refused')).toMatchObject({ target: 'ada@example.org', detail: { reason: 'sso_account_mismatch' } });
    // Nor does the owner's address, given to the newcomer: the owner's account is bound to another person.
    idp.users.set('olive-impostor', { email: 'olive@example.org', email_verified: true });
    expect((await signInWithProvider(srv, new Jar(), owner.orgId, 'olive-impostor')).landed.searchParams.get('sso_error')).toBe('sso_account_mismatch');

    // Ada's address changes at the provider: she keeps her account, which takes the new address.
    idp.users.set('ada', { email: 'ada.byron@example.org', email_verified: true, name: 'Ada' });
    const renamed = new Jar();
    expect((await signInWithProvider(srv, renamed, owner.orgId, 'ada')).landed.search).toBe('');
    expect((await sessionOf(renamed)).admin).toMatchObject({ id: adaId, email: 'ada.byron@example.org' });
    expect((await events()).find((e) => e.action === 'admin.sso_email_changed')).toMatchObject({ target: 'ada.byron@example.org', detail: { before: 'ada@example.org', after: 'ada.byron@example.org' } });

    // A new address that another account holds: Ada still signs in as herself, never as that account.
    idp.users.set('ada', { email: 'olive@example.org', email_verified: true, name: 'Ada' });
    const clash = new Jar();
    expect((await signInWithProvider(srv, clash, owner.orgId, 'ada')).landed.search).toBe('');
    expect((await sessionOf(clash)).admin).toMatchObject({ id: adaId, email: 'ada.byron@example.org', role: 'viewer' });
    expect((await events()).find((e) => e.action === 'admin.sso_signed_in')).toMatchObject({ target: 'ada.byron@example.org', detail: { addressRefused: 'olive@example.org' } });

    // Once an owner removes the old account, the newcomer at ada@ gets an account of their own.
    const removed = await fetch(`${srv.origin}/api/v1/admins/${adaId}`, { method: 'DELETE', headers: json(owner.jar, owner.csrf) });
    expect(removed.status).toBe(204);
    const again = new Jar();
    expect((await signInWithProvider(srv, again, owner.orgId, 'ada-newcomer')).landed.search).toBe('');
    expect((await sessionOf(again)).admin).toMatchObject({ email: 'ada@example.org' });
    expect((await sessionOf(again)).admin!.id).not.toBe(adaId);
  });

  it('links accounts again by verified email when the organisation moves to another provider', async () => {
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    idp.users.set('ada', { email: 'ada@example.org', email_verified: true });
    const first = new Jar();
    expect((await signInWithProvider(srv, first, owner.orgId, 'ada')).landed.search).toBe('');
    const adaId = (await sessionOf(first)).admin!.id;

    const next = await startProvider([`${srv.origin}/api/v1/auth/sso/callback`]);
    try {
      const moved = await fetch(`${srv.origin}/api/v1/sso`, {
        method: 'PUT', headers: json(owner.jar, owner.csrf),
        body: JSON.stringify({ displayName: 'New IdP', issuer: next.issuer, clientId: next.clientId, clientSecret: next.clientSecret, allowedDomains: ['example.org'] }),
      });
      expect(moved.status, await moved.clone().text()).toBe(200);
      next.users.set('a.lovelace', { email: 'ada@example.org', email_verified: true });
      const jar = new Jar();
      expect((await signInWithProvider(srv, jar, owner.orgId, 'a.lovelace')).landed.search).toBe('');
      expect((await sessionOf(jar)).admin).toMatchObject({ id: adaId, email: 'ada@example.org' });
      expect((await events()).find((e) => e.action === 'admin.sso_linked')).toMatchObject({ target: 'ada@example.org', detail: { provider: 'New IdP', previousIssuer: idp.issuer } });
    } finally {
      await next.close();
    }
  });

  it('links accounts again by verified email when the organisation moves to another application at the same provider (another sub)', async () => {
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    idp.users.set('ada', { email: 'ada@example.org', email_verified: true });
    const first = new Jar();
    expect((await signInWithProvider(srv, first, owner.orgId, 'ada')).landed.search).toBe('');
    const adaId = (await sessionOf(first)).admin!.id;

    // The application is registered again: the same person, another subject (pairwise, as Entra ID's per-application sub).
    expect((await configure({ clientId: idp.pairwiseClient.clientId, clientSecret: idp.pairwiseClient.clientSecret, allowedDomains: ['example.org'] })).status).toBe(200);
    const jar = new Jar();
    expect((await signInWithProvider(srv, jar, owner.orgId, 'ada')).landed.search).toBe('');
    expect((await sessionOf(jar)).admin).toMatchObject({ id: adaId, email: 'ada@example.org' });
    expect((await events()).find((e) => e.action === 'admin.sso_linked' && (e.detail as { previousClientId?: string }).previousClientId))
      .toMatchObject({ target: 'ada@example.org', detail: { provider: 'Test IdP', previousClientId: idp.clientId } });

    // Bound to the new application: another person there with Ada's address is refused, not let in as her.
    idp.users.set('ada-newcomer', { email: 'ada@example.org', email_verified: true });
    const newcomer = new Jar();
    expect((await signInWithProvider(srv, newcomer, owner.orgId, 'ada-newcomer')).landed.searchParams.get('sso_error')).toBe('sso_account_mismatch');
    expect(newcomer.cookies.has('muster_session')).toBe(false);
  });

  it('refuses an ID token issued for another client (wrong audience)', async () => {
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    idp.users.set('ada', { email: 'ada@example.org', email_verified: true });
    idp.misbehave.wrongAudience = true;
    const jar = new Jar();
    const j = await signInWithProvider(srv, jar, owner.orgId, 'ada');
    expect(j.landed.searchParams.get('sso_error')).toBe('token_invalid');
    expect(jar.cookies.has('muster_session')).toBe(false);
    expect((await events()).find((e) => e.action === 'admin.sso_refused')).toMatchObject({ detail: { reason: 'token_invalid', detail: expect.stringMatching(/aud/) } });
  });

  it('refuses an expired ID token', async () => {
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    idp.users.set('ada', { email: 'ada@example.org', email_verified: true });
    idp.misbehave.expired = true;
    const jar = new Jar();
    const j = await signInWithProvider(srv, jar, owner.orgId, 'ada');
    expect(j.landed.searchParams.get('sso_error')).toBe('token_invalid');
    expect((await events()).find((e) => e.action === 'admin.sso_refused')).toMatchObject({ detail: { reason: 'token_invalid', detail: expect.stringMatching(/exp/) } });
  });

  it('refuses a subject no account can be bound to (a control character, over 255 characters), and binds none', async () => {
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    for (const login of ['ada\u0001lovelace', 'a'.repeat(256)]) {
      idp.users.set(login, { email: 'ada@example.org', email_verified: true });
      const jar = new Jar();
      const j = await signInWithProvider(srv, jar, owner.orgId, login);
      expect(j.landed.searchParams.get('sso_error'), login).toBe('token_invalid');
      expect(jar.cookies.has('muster_session')).toBe(false);
    }
    const refused = (await events()).filter((e) => e.action === 'admin.sso_refused');
    expect(refused.map((e) => (e.detail as { detail: string }).detail).sort()).toEqual([expect.stringMatching(/256 characters/), expect.stringMatching(/printable ASCII/)]);
    expect((await events()).some((e) => e.action === 'admin.sso_linked' || e.action === 'admin.sso_signed_in')).toBe(false);
  });

  it('refuses a replayed state, and a callback in a browser that did not start the sign-in', async () => {
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    idp.users.set('ada', { email: 'ada@example.org', email_verified: true });
    const jar = new Jar();
    const j = await signInWithProvider(srv, jar, owner.orgId, 'ada');
    expect(j.landed.search).toBe('');
    // The same answer again, with the same browser cookie: the state was used.
    const replayJar = new Jar();
    replayJar.cookies.set(j.ssoCookie!.name, j.ssoCookie!.value);
    const replay = await go(replayJar, j.callback!);
    expect(replay.status).toBe(303);
    expect(new URL(replay.headers.get('location')!, srv.origin).searchParams.get('sso_error')).toBe('state_mismatch');
    expect(replayJar.cookies.has('muster_session')).toBe(false);

    // A fresh answer brought to another browser (login CSRF): refused, and the state is spent for the browser that started it too.
    const started = new Jar();
    const k = await signInWithProvider(srv, started, owner.orgId, 'ada', { stopAtCallback: true });
    const victim = new Jar();
    const other = await go(victim, k.callback!);
    expect(new URL(other.headers.get('location')!, srv.origin).searchParams.get('sso_error')).toBe('state_mismatch');
    expect(victim.cookies.has('muster_session')).toBe(false);
    const late = await go(started, k.callback!);
    expect(new URL(late.headers.get('location')!, srv.origin).searchParams.get('sso_error')).toBe('state_mismatch');
    expect((await events()).filter((e) => e.action === 'admin.sso_refused').map((e) => e.detail?.reason)).toContain('state_mismatch');
  });

  it('completes sign-ins started in two tabs of one browser, each with its own cookie, each once', async () => {
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    idp.users.set('ada', { email: 'ada@example.org', email_verified: true });
    const browser = new Jar();
    // Both tabs reach the provider's answer before either comes back: the second start must not orphan the first.
    const tab1 = await signInWithProvider(srv, browser, owner.orgId, 'ada', { stopAtCallback: true });
    const tab2 = await signInWithProvider(srv, browser, owner.orgId, 'ada', { stopAtCallback: true });
    expect(tab1.ssoCookie).toBeDefined();
    expect(tab2.ssoCookie).toBeDefined();
    expect(tab2.ssoCookie!.name).not.toBe(tab1.ssoCookie!.name);
    for (const tab of [tab1, tab2]) {
      const back = await go(browser, tab.callback!);
      expect(back.headers.get('location')).toBe('/');
      expect((await sessionOf(browser)).admin).toMatchObject({ email: 'ada@example.org' });
      expect(browser.cookies.has(tab.ssoCookie!.name)).toBe(false); // spent, and deleted
    }
    // Each answer is good once only.
    const replay = await go(browser, tab1.callback!);
    expect(new URL(replay.headers.get('location')!, srv.origin).searchParams.get('sso_error')).toBe('state_mismatch');
  });

  it('refuses a person outside the allowed domains, and one in no mapped group', async () => {
    expect((await configure({ allowedDomains: ['example.org'], groupClaim: 'groups', groupRoles: [{ group: 'muster-admins', role: 'admin' }] })).status).toBe(200);
    idp.users.set('bob', { email: 'bob@elsewhere.org', email_verified: true, groups: ['muster-admins'] });
    idp.users.set('carol', { email: 'carol@example.org', email_verified: true, groups: ['sales'] });
    expect((await signInWithProvider(srv, new Jar(), owner.orgId, 'bob')).landed.searchParams.get('sso_error')).toBe('domain_not_allowed');
    expect((await signInWithProvider(srv, new Jar(), owner.orgId, 'carol')).landed.searchParams.get('sso_error')).toBe('group_not_mapped');
    const refused = (await events()).filter((e) => e.action === 'admin.sso_refused');
    expect(refused.map((e) => [e.target, e.detail?.reason])).toEqual(expect.arrayContaining([['bob@elsewhere.org', 'domain_not_allowed'], ['carol@example.org', 'group_not_mapped']]));
    const admins = (await (await fetch(`${srv.origin}/api/v1/admins`, { headers: { cookie: owner.jar.header() } })).json()) as { admins: { email: string }[] };
    expect(admins.admins.map((a) => a.email)).toEqual(['olive@example.org']);
  });

  it('says so when the provider cannot be reached', async () => {
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    await idp.close();
    const res = await go(new Jar(), `${srv.origin}/api/v1/auth/sso/start?org=${owner.orgId}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/?sso_error=idp_unreachable');
    idp = await startProvider([]);
  });

  it('with passwords off refuses password sign-in, while the CLI reset still lets an owner in once (break-glass)', async () => {
    expect((await configure({ allowedDomains: ['example.org'], passwordsOff: true })).status).toBe(200);
    const signIn = (password: string) => fetch(`${srv.origin}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'olive@example.org', password }) });
    const off = await signIn('correct horse battery staple');
    expect(off.status).toBe(403);
    expect(await off.json()).toMatchObject({ error: 'passwords_off', detail: expect.stringContaining('Sign in with Test IdP') });
    // A wrong password still gets the same 401 as ever: passwords off reveals nothing to a guesser.
    expect((await signIn('not the password at all')).status).toBe(401);

    const out: string[] = [];
    const code = await main(['admins', 'reset-password', '--email', 'olive@example.org', '--password-stdin'], {
      stdout: (s) => void out.push(s), stderr: (s) => void out.push(s),
      env: { MUSTER_DATABASE_URL: srv.databaseUrl, MUSTER_DATA_DIR: srv.dataDir, MUSTER_LOG_LEVEL: 'silent' },
      stdin: async () => 'break glass password 2026', onStop: () => undefined,
    });
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/Passwords are off .* signs olive@example.org in once/);
    const glassJar = new Jar();
    const glass = await go(glassJar, `${srv.origin}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'olive@example.org', password: 'break glass password 2026' }) });
    expect(glass.status).toBe(200);
    expect(((await glass.json()) as { admin: { role: string } }).admin.role).toBe('owner');
    owner = { ...owner, jar: glassJar };
    // Once: the next password sign-in is refused again.
    expect((await signIn('break glass password 2026')).status).toBe(403);
    expect((await events()).map((e) => e.action)).toContain('admin.break_glass_sign_in');
  });

  it('lets only owners change the connection, and refuses settings that would let anyone in', async () => {
    expect((await configure({})).status).toBe(400);
    expect(await (await configure({})).json()).toMatchObject({ error: 'invalid_body', detail: expect.stringMatching(/allow at least one email domain/) });
    expect((await configure({ issuer: 'ftp://example.org' })).status).toBe(400);
    expect((await configure({ allowedDomains: ['example.org'] })).status).toBe(200);
    const created = await fetch(`${srv.origin}/api/v1/admins`, {
      method: 'POST', headers: json(owner.jar, owner.csrf), body: JSON.stringify({ email: 'ed@example.org', name: 'Ed', role: 'admin', password: 'another long password' }),
    });
    expect(created.status).toBe(201);
    const edJar = new Jar();
    const ed = await go(edJar, `${srv.origin}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ed@example.org', password: 'another long password' }) });
    const edCsrf = ((await ed.json()) as { csrfToken: string }).csrfToken;
    const refused = await fetch(`${srv.origin}/api/v1/sso`, { method: 'DELETE', headers: json(edJar, edCsrf) });
    expect(refused.status).toBe(403);
    expect((await fetch(`${srv.origin}/api/v1/sso`, { method: 'DELETE', headers: json(owner.jar, owner.csrf) })).status).toBe(204);
  });
});

describe('where the provider may be', { timeout: 120_000 }, () => {
  it('refuses an issuer on a loopback, private or link-local address unless the operator allows it, and saves nothing', async () => {
    const strict = await startServer({ MUSTER_OIDC_ALLOW_HTTP: 'true' });
    try {
      const jar = new Jar();
      const res = await go(jar, `${strict.origin}/api/v1/auth/setup`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ organisation: 'Strict', name: 'Sam Owner', email: 'sam@example.org', password: 'correct horse battery staple' }),
      });
      expect(res.status).toBe(201);
      const { csrfToken } = (await res.json()) as { csrfToken: string };
      for (const issuer of [idp.issuer, 'http://169.254.169.254/latest', 'http://localhost:8080', 'http://[::1]:8080', 'http://10.1.2.3', 'http://[::ffff:127.0.0.1]:9']) {
        const r = await fetch(`${strict.origin}/api/v1/sso`, {
          method: 'PUT', headers: json(jar, csrfToken),
          body: JSON.stringify({ displayName: 'Lab', issuer, clientId: 'muster', clientSecret: 'secret', allowedDomains: ['example.org'] }),
        });
        expect(r.status, issuer).toBe(400);
        expect(await r.json()).toMatchObject({ error: 'invalid_body', detail: expect.stringMatching(/^issuer: .* is a private, loopback, link-local or otherwise special address; single sign-on may not reach it unless the operator allows it \(MUSTER_OIDC_ALLOWED_CIDRS\)$/) });
      }
      const view = (await (await fetch(`${strict.origin}/api/v1/sso`, { headers: { cookie: jar.header() } })).json()) as Record<string, unknown>;
      expect(view).toMatchObject({ configured: false });
    } finally {
      await strict.close();
    }
  });
});
