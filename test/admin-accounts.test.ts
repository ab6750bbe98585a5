import { randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FREE_SIGN_IN_FAILURES } from '../src/accounts/admin-accounts.js';
import { call, startServer, user, type ScimResult, type TestServer } from './helpers/server.js';

/** A browser of one admin: keeps the session cookie and the CSRF token like the web app does. */
class Browser {
  cookie = '';
  csrf = '';
  constructor(private readonly origin: string) {}
  async req(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimResult> {
    const r = await call(`${this.origin}/api/v1${p}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}), ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}), origin: this.origin, ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = r.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    if (r.body?.csrfToken) this.csrf = r.body.csrfToken;
    return r;
  }
}

let srv: TestServer;
let webRoot: string;
const PASSWORD = 'a long enough passphrase';
/**
 * Tests that hash and check passwords: each is deliberately slow (scrypt, 128 MiB, at most two at
 * once), and at load average 12 on 2 cores one sign-in took 7 s, so a dozen outlast vitest's 30 s.
 */
const PASSWORD_WORK_TIMEOUT = 300_000;
/** An address no other account of the test uses: a test that locks, resets or removes an account owns it. */
const fresh = (who: string) => `${who}-${randomUUID().slice(0, 8)}@acme.example`;
/**
 * The test's own owner, Olive of Acme, set up through the first-run form of the test's own server
 * (the first test proves that form), and signed in by it in a browser of the caller's own.
 */
async function setUpOwner(): Promise<Browser> {
  const b = new Browser(srv.origin);
  const r = await b.req('POST', '/auth/setup', { organisation: 'Acme', name: 'Olive Owner', email: 'olive@acme.example', password: PASSWORD });
  if (r.status !== 201) throw new Error(`the owner could not be set up: ${r.text}`);
  return b;
}
/** A list of the owner's organisation, created through the API as the web app creates one. */
async function newList(owner: Browser): Promise<ScimResult> {
  const r = await owner.req('POST', '/lists', { name: 'Staff', uidAttribute: 'employeeNumber', syncMethod: 'scim' });
  if (r.status !== 201) throw new Error(`the list could not be created: ${r.text}`);
  return r;
}

// The web build is read-only: no test writes to it, so one per file.
beforeAll(() => {
  webRoot = mkdtempSync(path.join(tmpdir(), 'muster-web-'));
  mkdirSync(path.join(webRoot, 'assets'));
  writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>Muster</title><div id="root"></div>');
  writeFileSync(path.join(webRoot, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(path.join(tmpdir(), 'muster-secret.txt'), 'secret');
});
// A server and database per test: each test sets up the owner and makes the accounts and lists it reads.
beforeEach(async () => {
  srv = await startServer({ MUSTER_WEB_ROOT: webRoot });
});
afterEach(() => srv.close());

describe('first run, sign-in and sessions', { timeout: PASSWORD_WORK_TIMEOUT }, () => {
  const owner = () => new Browser(srv.origin);

  it('starts with setupRequired, creates the owner once, and signs them in with an HttpOnly, SameSite=Strict cookie', async () => {
    const anon = owner();
    const s0 = await anon.req('GET', '/auth/session');
    expect(s0.body).toEqual({ setupRequired: true, setupAccess: 'open', admin: null, organisation: null, csrfToken: null });
    expect((await anon.req('POST', '/auth/setup', { organisation: 'Acme', name: 'Olive Owner', email: 'olive@acme.example', password: 'short' })).body)
      .toMatchObject({ error: 'invalid_body', detail: expect.stringMatching(/at least 12 characters/) });

    const ownerBrowser = owner();
    const r = await call(`${srv.origin}/api/v1/auth/setup`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: srv.origin },
      body: JSON.stringify({ organisation: 'Acme', name: 'Olive Owner', email: 'Olive@Acme.example', password: PASSWORD }),
    });
    expect(r.status, r.text).toBe(201);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^muster_session=[\w-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(r.body).toMatchObject({ setupRequired: false, admin: { email: 'olive@acme.example', role: 'owner', name: 'Olive Owner' }, organisation: { name: 'Acme' } });
    ownerBrowser.cookie = cookie.split(';')[0]!;
    ownerBrowser.csrf = r.body.csrfToken;

    const again = await owner().req('POST', '/auth/setup', { organisation: 'Evil', name: 'Mallory', email: 'm@evil.example', password: PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('already_set_up');
    expect((await owner().req('GET', '/auth/session')).body.setupRequired).toBe(false);
    expect((await ownerBrowser.req('GET', '/auth/session')).body.admin).toMatchObject({ email: 'olive@acme.example', role: 'owner' });
  });

  it('the session opens the organisation\'s API; without it the answer is 401', async () => {
    const ownerBrowser = await setUpOwner();
    expect((await ownerBrowser.req('GET', '/lists')).status).toBe(200);
    const anon = await owner().req('GET', '/lists');
    expect(anon.status).toBe(401);
    expect(anon.body.detail).toMatch(/sign in/);
  });

  it('refuses a state change without the session\'s CSRF token, or from another origin', async () => {
    const ownerBrowser = await setUpOwner();
    const noToken = await call(`${srv.origin}/api/v1/lists`, {
      method: 'POST', headers: { cookie: ownerBrowser.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'X', uidAttribute: 'userName' }),
    });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error).toBe('csrf_failed');
    const wrongToken = await ownerBrowser.req('POST', '/lists', { name: 'X', uidAttribute: 'userName' }, { 'x-csrf-token': 'x'.repeat(43) });
    expect(wrongToken.status).toBe(403);
    const foreign = await ownerBrowser.req('POST', '/lists', { name: 'X', uidAttribute: 'userName' }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const foreignSignIn = await owner().req('POST', '/auth/sign-in', { email: 'olive@acme.example', password: PASSWORD }, { origin: 'https://evil.example' });
    expect(foreignSignIn.status).toBe(403);
    // Nothing was created by the refused requests.
    expect((await ownerBrowser.req('GET', '/lists')).body.lists.filter((l: { name: string }) => l.name === 'X')).toEqual([]);
  });

  it('signs in with the right password only, case-insensitively by email, and signs out for good', async () => {
    await setUpOwner();
    const b = owner();
    const wrong = await b.req('POST', '/auth/sign-in', { email: 'olive@acme.example', password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_credentials');
    const unknown = await b.req('POST', '/auth/sign-in', { email: 'nobody@acme.example', password: PASSWORD });
    expect(unknown.body).toEqual(wrong.body);
    const ok = await b.req('POST', '/auth/sign-in', { email: 'OLIVE@acme.example', password: PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body.admin.role).toBe('owner');
    const old = b.cookie;
    expect((await b.req('POST', '/auth/sign-out')).status).toBe(204);
    const after = await call(`${srv.origin}/api/v1/lists`, { headers: { cookie: old } });
    expect(after.status).toBe(401);
  });

  // Issue 17 item 5 changed this test: ten failures used to lock the account for everyone for 15
  // minutes; now only the guessing address is slowed, with backoff (test/shared-limits.test.ts
  // proves the waits, the other address and the unknown-address answer with a frozen clock).
  it(`slows an address after ${FREE_SIGN_IN_FAILURES} failed sign-ins in a row, counting parallel guesses before any password work; unlock forgets`, async () => {
    // Its own account: a backoff left behind by a failure here must not reach any other test.
    const email = fresh('locky');
    expect((await (await setUpOwner()).req('POST', '/admins', { email, name: 'Locky', role: 'viewer', password: PASSWORD })).status).toBe(201);
    const b = owner();
    // Guesses sent all at once are each counted (one SQL statement claims an attempt) before scrypt runs.
    const guesses = await Promise.all(Array.from({ length: FREE_SIGN_IN_FAILURES + 3 }, (_, i) => b.req('POST', '/auth/sign-in', { email, password: `wrong password ${i}` })));
    const statuses = guesses.map((g) => g.status);
    expect(statuses.every((s) => s === 401 || s === 429), statuses.join()).toBe(true);
    expect(statuses.filter((s) => s === 401).length, statuses.join()).toBeGreaterThanOrEqual(FREE_SIGN_IN_FAILURES);
    for (const g of guesses.filter((x) => x.status === 429)) {
      expect(g.body).toMatchObject({ error: 'too_many_attempts', detail: expect.stringMatching(/from your address; try again in \d+ s/) });
      expect(Number(g.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    const wrong = guesses.find((g) => g.status === 401)!;
    const unknown = await b.req('POST', '/auth/sign-in', { email: fresh('nobody-at-all'), password: PASSWORD });
    expect(wrong.body).toEqual(unknown.body);
    await srv.muster.accounts.unlock(email);
    expect((await b.req('POST', '/auth/sign-in', { email, password: PASSWORD })).status).toBe(200);
  });

  it('a reset password ends the account\'s sessions', async () => {
    const email = fresh('reset');
    expect((await (await setUpOwner()).req('POST', '/admins', { email, name: 'Reset', role: 'viewer', password: PASSWORD })).status).toBe(201);
    const b = owner();
    expect((await b.req('POST', '/auth/sign-in', { email, password: PASSWORD })).status).toBe(200);
    expect((await b.req('GET', '/lists')).status).toBe(200);
    await srv.muster.accounts.resetPassword(email, 'another long passphrase');
    expect((await b.req('GET', '/lists')).status).toBe(401);
    expect((await owner().req('POST', '/auth/sign-in', { email, password: 'another long passphrase' })).status).toBe(200);
  });
});

describe('roles and organisations', { timeout: PASSWORD_WORK_TIMEOUT }, () => {
  it('an owner creates a SCIM list: the default schema and a token shown once, recorded under the admin\'s name', async () => {
    const owner = await setUpOwner();
    const r = await owner.req('POST', '/lists', { name: 'Staff', uidAttribute: 'employeeNumber', syncMethod: 'scim' });
    expect(r.status, r.text).toBe(201);
    const listId = r.body.list.id;
    expect(r.body.list).toMatchObject({ name: 'Staff', uidAttribute: 'employeeNumber', syncMethod: 'scim', counts: { total: 0, active: 0, synced: 0 }, scimBaseUrl: `${srv.origin}/scim/v2/lists/${listId}` });
    expect(r.body.token.secret).toMatch(/^mst_scim_/);
    const fields = await owner.req('GET', `/lists/${listId}/fields`);
    expect(fields.body.fields.length).toBeGreaterThanOrEqual(20);
    const created = await call(`${r.body.list.scimBaseUrl}/Users`, {
      method: 'POST', headers: { authorization: `Bearer ${r.body.token.secret}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(user('grace', { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: 'E1' } })),
    });
    expect(created.status, created.text).toBe(201);
    const list = await owner.req('GET', `/lists/${listId}`);
    expect(list.body.counts).toMatchObject({ total: 1, active: 1 });
    const ev = await owner.req('GET', `/lists/${listId}/audit/events?action=list.created`);
    expect(ev.body.events[0].actor).toBe('admin:olive@acme.example');
    expect((await owner.req('POST', '/lists', { name: 'Bad', uidAttribute: 'shoeSize' })).body).toMatchObject({ error: 'invalid_body', detail: expect.stringMatching(/employeeNumber, userName, email/) });
  });

  it('rotates a SCIM token: the new one works, the old one stops at revocation, and both steps are audited', async () => {
    const owner = await setUpOwner();
    const listId = (await newList(owner)).body.list.id;
    const before = await owner.req('GET', `/lists/${listId}/tokens`);
    const oldId = before.body.tokens[0].id;
    const created = await owner.req('POST', `/lists/${listId}/tokens`, { label: 'Okta, rotated' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^mst_scim_/);
    expect(created.body.token).toMatchObject({ label: 'Okta, rotated', revokedAt: null });
    expect(created.body.token.secret).toBeUndefined();
    const base = `${srv.origin}/scim/v2/lists/${listId}`;
    const get = (t: string) => call(`${base}/Users`, { headers: { authorization: `Bearer ${t}` } });
    expect((await get(created.body.secret)).status).toBe(200);
    expect((await owner.req('DELETE', `/lists/${listId}/tokens/${oldId}`)).status).toBe(204);
    const tokens = (await owner.req('GET', `/lists/${listId}/tokens`)).body.tokens;
    expect(tokens.find((t: { id: string }) => t.id === oldId).revokedAt).not.toBeNull();
    expect(JSON.stringify(tokens)).not.toContain(created.body.secret);
    expect((await owner.req('DELETE', `/lists/${listId}/tokens/${oldId}`)).status).toBe(404);
    const ev = (await owner.req('GET', `/lists/${listId}/audit/events?action=token.created,token.revoked`)).body.events;
    expect(ev.map((e: { action: string }) => e.action)).toEqual(['token.revoked', 'token.created', 'token.created']);
  });

  it('a viewer reads but cannot change anything; only an owner manages accounts; the last owner stays', async () => {
    const owner = await setUpOwner();
    const listId = (await newList(owner)).body.list.id;
    const v = await owner.req('POST', '/admins', { email: 'vera@acme.example', name: 'Vera Viewer', role: 'viewer', password: PASSWORD });
    expect(v.status, v.text).toBe(201);
    expect(v.body).toMatchObject({ email: 'vera@acme.example', role: 'viewer' });
    expect(v.body.password_hash).toBeUndefined();
    const viewer = new Browser(srv.origin);
    await viewer.req('POST', '/auth/sign-in', { email: 'vera@acme.example', password: PASSWORD });
    expect((await viewer.req('GET', `/lists/${listId}/people`)).status).toBe(200);
    const write = await viewer.req('POST', `/lists/${listId}/tokens`, { label: 'nope' });
    expect(write.status).toBe(403);
    expect(write.body.error).toBe('forbidden');

    const a = await owner.req('POST', '/admins', { email: 'adam@acme.example', name: 'Adam Admin', role: 'admin', password: PASSWORD });
    const adminB = new Browser(srv.origin);
    await adminB.req('POST', '/auth/sign-in', { email: 'adam@acme.example', password: PASSWORD });
    expect((await adminB.req('POST', `/lists/${listId}/tokens`, { label: 'by admin' })).status).toBe(201);
    expect((await adminB.req('POST', '/admins', { email: 'x@acme.example', name: 'X', role: 'owner', password: PASSWORD })).status).toBe(403);
    expect((await owner.req('POST', '/admins', { email: 'ADAM@acme.example', name: 'Dup', role: 'admin', password: PASSWORD })).status).toBe(409);

    const me = (await owner.req('GET', '/auth/session')).body.admin.id;
    expect((await owner.req('PATCH', `/admins/${me}`, { role: 'admin' })).body.error).toBe('last_owner');
    expect((await owner.req('DELETE', `/admins/${me}`)).body.error).toBe('cannot_remove_self');
    expect((await owner.req('PATCH', `/admins/${a.body.id}`, { role: 'viewer' })).body.role).toBe('viewer');
    expect((await adminB.req('POST', `/lists/${listId}/tokens`, { label: 'now a viewer' })).status).toBe(403);
    expect((await owner.req('DELETE', `/admins/${a.body.id}`)).status).toBe(204);
    expect((await adminB.req('GET', '/lists')).status).toBe(401);
  });

  it('an account of another organisation sees none of these lists', async () => {
    const listId = (await newList(await setUpOwner())).body.list.id;
    const other = await srv.muster.lists.resolveOrganisation('Other org');
    await srv.muster.accounts.create(other.id, { email: 'otto@other.example', name: 'Otto', role: 'owner', password: PASSWORD });
    const b = new Browser(srv.origin);
    await b.req('POST', '/auth/sign-in', { email: 'otto@other.example', password: PASSWORD });
    expect((await b.req('GET', '/lists')).body.lists).toEqual([]);
    expect((await b.req('GET', `/lists/${listId}`)).status).toBe(404);
    expect((await b.req('GET', '/admins')).body.admins.map((a: { email: string }) => a.email)).toEqual(['otto@other.example']);
  });
});

describe('the security log', { timeout: PASSWORD_WORK_TIMEOUT }, () => {
  it('records set-up, sign-ins, failures and lock-outs, sign-outs and account changes with who and from where; viewers cannot read it', async () => {
    // The events it reads are made here, on a server and accounts of its own.
    const owner = await setUpOwner();
    // An account of another organisation, whose events must stay out of Acme's log.
    const other = await srv.muster.lists.resolveOrganisation('Other org');
    await srv.muster.accounts.create(other.id, { email: 'otto@other.example', name: 'Otto', role: 'owner', password: PASSWORD });
    expect((await new Browser(srv.origin).req('POST', '/auth/sign-in', { email: 'otto@other.example', password: PASSWORD })).status).toBe(200);
    const [locked, changed, viewerEmail] = [fresh('sec-locked'), fresh('sec-changed'), fresh('sec-viewer')];
    for (const [email, role] of [[locked, 'viewer'], [changed, 'admin'], [viewerEmail, 'viewer']]) {
      expect((await owner.req('POST', '/admins', { email, name: 'Sec', role, password: PASSWORD })).status).toBe(201);
    }
    // The FREE_SIGN_IN_FAILURES-th failure in a row from one address starts its backoff: `admin.locked` (issue 17 item 5: per address now).
    for (let i = 0; i < FREE_SIGN_IN_FAILURES; i++) await new Browser(srv.origin).req('POST', '/auth/sign-in', { email: locked, password: 'a guess that is wrong' });
    await srv.muster.accounts.unlock(locked);
    await srv.muster.accounts.resetPassword(locked, 'another long passphrase');
    const someone = new Browser(srv.origin);
    expect((await someone.req('POST', '/auth/sign-in', { email: locked, password: 'another long passphrase' })).status).toBe(200);
    expect((await someone.req('POST', '/auth/sign-out')).status).toBe(204);
    const changedId = (await owner.req('GET', '/admins')).body.admins.find((a: { email: string }) => a.email === changed).id;
    expect((await owner.req('PATCH', `/admins/${changedId}`, { role: 'viewer' })).status).toBe(200);
    expect((await owner.req('DELETE', `/admins/${changedId}`)).status).toBe(204);

    const all: { action: string; actor: string; target: string | null; detail: Record<string, unknown> | null; address: string | null }[] = [];
    let cursor: number | null | undefined;
    do {
      const page = await owner.req('GET', `/security-events?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status, page.text).toBe(200);
      all.push(...page.body.events);
      cursor = page.body.next;
    } while (cursor);
    expect(all.some((e) => e.action === 'admin.setup')).toBe(true);
    const mine = all.filter((e) => e.target === locked || e.target === changed);
    const actions = new Set(mine.map((e) => e.action));
    for (const a of ['admin.signed_in', 'admin.sign_in_failed', 'admin.locked', 'admin.unlocked', 'admin.signed_out', 'admin.created', 'admin.role_changed', 'admin.removed', 'admin.password_reset']) {
      expect(actions, a).toContain(a);
    }
    const failed = mine.find((e) => e.action === 'admin.sign_in_failed')!;
    expect(failed).toMatchObject({ actor: 'anonymous', target: locked, address: expect.stringMatching(/127\.0\.0\.1/) });
    expect(mine.find((e) => e.action === 'admin.locked')).toMatchObject({ actor: 'system', target: locked, address: expect.stringMatching(/127\.0\.0\.1/), detail: { after: FREE_SIGN_IN_FAILURES, scope: 'address' } });
    expect(mine.find((e) => e.action === 'admin.role_changed')).toMatchObject({ actor: 'admin:olive@acme.example', target: changed, detail: { before: 'admin', after: 'viewer' } });
    // Only this organisation's: Otto's account is not in Acme's log.
    expect(all.some((e) => e.target === 'otto@other.example')).toBe(false);
    const viewer = new Browser(srv.origin);
    await viewer.req('POST', '/auth/sign-in', { email: viewerEmail, password: PASSWORD });
    expect((await viewer.req('GET', '/security-events')).status).toBe(403);
  });
});

describe('the web app is served at /', () => {
  it('answers index.html for app pages, files by path, 404 for missing files, and never a file outside the build', async () => {
    for (const p of ['/', '/lists/abc/people', '/sign-in']) {
      const r = await fetch(srv.origin + p);
      expect(r.status, p).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/text\/html/);
      expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(await r.text()).toContain('<div id="root">');
    }
    const js = await fetch(`${srv.origin}/assets/app-1234.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${srv.origin}/assets/missing.js`)).status).toBe(404);
    const traversal = await fetch(`${srv.origin}/%2e%2e/muster-secret.txt`);
    expect(await traversal.text()).not.toBe('secret');
    // SCIM and the API keep their own 404s.
    expect((await fetch(`${srv.origin}/api/v1/nope`)).status).toBe(401);
    expect((await fetch(`${srv.origin}/scim/v2/nope`)).headers.get('content-type')).toMatch(/scim\+json/);
  });
});

describe('first run and sign-in on a server reachable from the network', { timeout: PASSWORD_WORK_TIMEOUT }, () => {
  it('with MUSTER_SETUP_TOKEN, set-up needs the token; sign-ins are throttled per client address', async () => {
    const net = await startServer({ MUSTER_SETUP_TOKEN: 'a-very-long-setup-token', MUSTER_SIGN_IN_LIMIT: '8' });
    try {
      const b = new Browser(net.origin);
      expect((await b.req('GET', '/auth/session')).body).toMatchObject({ setupRequired: true, setupAccess: 'token' });
      const owner = { organisation: 'Net', name: 'Nora', email: 'nora@net.example', password: PASSWORD };
      const without = await b.req('POST', '/auth/setup', owner);
      expect(without.status).toBe(403);
      expect(without.body.error).toBe('setup_token_required');
      expect((await b.req('POST', '/auth/setup', { ...owner, setupToken: 'a-very-long-setup-tokeX' })).status).toBe(403);
      expect((await b.req('POST', '/auth/setup', { ...owner, setupToken: 'a-very-long-setup-token' })).status).toBe(201);
      // 8 a minute, 4 at once, set-up and sign-in together. The bucket refills one every 7.5 s, and
      // on a loaded machine the set-up posts can take that long: so rather than counting on what is
      // left, guesses are sent all at once, more than the burst; some must be refused before any
      // password work, whatever the clock did.
      const guesses = await Promise.all(Array.from({ length: 7 }, () => new Browser(net.origin).req('POST', '/auth/sign-in', { email: 'nora@net.example', password: 'a guess that is wrong' })));
      expect(guesses.every((g) => g.status === 401 || g.status === 429), guesses.map((g) => g.status).join()).toBe(true);
      const refused = guesses.find((g) => g.status === 429)!;
      expect(refused, guesses.map((g) => g.status).join()).toBeDefined();
      expect(refused.body).toMatchObject({ error: 'too_many_attempts', detail: expect.stringMatching(/try again in \d+ s/) });
    } finally {
      await net.close();
    }
  });
});
