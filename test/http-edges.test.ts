/**
 * Issue 12, defect 11 (the smaller ones): every 429 of sign-in says when to come back; proxy
 * headers count only when MUSTER_TRUST_PROXY says a proxy sets them; SCIM writes refuse
 * text/plain as docs/scim.md says; viewers cannot read the request log, which holds bodies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, patch, startServer, user, type ScimResult, type TestServer } from './helpers/server.js';

const PASSWORD = 'a long enough passphrase';
let plain: TestServer;
let proxied: TestServer;

beforeAll(async () => {
  // One sign-in or set-up attempt a minute per address, so the second one is throttled.
  plain = await startServer({ MUSTER_SIGN_IN_LIMIT: '1' });
  proxied = await startServer({ MUSTER_TRUST_PROXY: 'true' });
});
afterAll(async () => {
  await plain.close();
  await proxied.close();
});

/** First-run set-up from this machine (open on loopback); returns the owner's cookie, CSRF token and the Set-Cookie line. */
async function setUp(srv: TestServer, headers: Record<string, string> = {}) {
  const r = await call(`${srv.origin}/api/v1/auth/setup`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: srv.origin, ...headers },
    body: JSON.stringify({ organisation: 'Edges', name: 'Olive Owner', email: 'olive@edges.example', password: PASSWORD }),
  });
  expect(r.status, r.text).toBe(201);
  const setCookie = r.headers.get('set-cookie')!;
  return { cookie: setCookie.split(';')[0]!, csrf: r.body.csrfToken as string, setCookie, orgId: r.body.organisation.id as string };
}

const createList = (srv: TestServer, s: { cookie: string; csrf: string }, headers: Record<string, string>): Promise<ScimResult> =>
  call(`${srv.origin}/api/v1/lists`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf, ...headers },
    body: JSON.stringify({ name: `List ${Math.random()}`, uidAttribute: 'userName' }),
  });

describe('sign-in throttling, proxy headers and the request log (admin API)', () => {
  let owner: Awaited<ReturnType<typeof setUp>>;

  beforeAll(async () => {
    owner = await setUp(plain);
  });

  it('a throttled sign-in answers 429 with Retry-After, the seconds the detail names', async () => {
    // Set-up took the one attempt of this minute.
    const r = await call(`${plain.origin}/api/v1/auth/sign-in`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: plain.origin }, body: JSON.stringify({ email: 'olive@edges.example', password: PASSWORD }),
    });
    expect(r.status).toBe(429);
    expect(r.body.error).toBe('too_many_attempts');
    const seconds = /try again in (\d+) s/.exec(r.body.detail)?.[1];
    expect(seconds).toBeDefined();
    expect(r.headers.get('retry-after')).toBe(seconds);
  });

  it('without MUSTER_TRUST_PROXY, X-Forwarded-Host cannot make another site\'s Origin pass, and X-Forwarded-Proto does not make the cookie Secure', async () => {
    const forged = await createList(plain, owner, { origin: 'https://evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(forged.status).toBe(403);
    expect(forged.body.error).toBe('csrf_failed');
    const signIn = await call(`${plain.origin}/api/v1/auth/sign-in`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' },
      body: JSON.stringify({ email: 'olive@edges.example', password: PASSWORD }),
    });
    expect(signIn.status).toBe(403);
    expect(signIn.body.error).toBe('csrf_failed');
    // The real origin still works.
    expect((await createList(plain, owner, { origin: plain.origin })).status).toBe(201);
  });

  it('viewers cannot read the request log (it holds request bodies); owners and admin keys can', async () => {
    const list = await plain.newList({ name: 'Logged' });
    await list.req('POST', '/Users', user('logged@example.com', { password: 'not in the log' }));
    await plain.muster.requestLog.flush();
    await plain.muster.accounts.create(owner.orgId, { email: 'vera@edges.example', name: 'Vera Viewer', role: 'viewer', password: PASSWORD });
    const viewer = await plain.muster.accounts.signIn({ email: 'vera@edges.example', password: PASSWORD });
    // The list must be in the viewer's organisation: move it there as an owner would have made it.
    await plain.muster.store.db.updateTable('lists').set({ org_id: owner.orgId }).where('id', '=', list.id).execute();
    const path = `${plain.origin}/api/v1/lists/${list.id}/request-log`;
    const asViewer = await call(path, { headers: { cookie: `muster_session=${viewer.cookie}` } });
    expect(asViewer.status).toBe(403);
    expect(asViewer.body.error).toBe('forbidden');
    expect(asViewer.text).not.toContain('logged@example.com');
    // Viewers still read the audit trail.
    expect((await call(`${plain.origin}/api/v1/lists/${list.id}/audit/events`, { headers: { cookie: `muster_session=${viewer.cookie}` } })).status).toBe(200);
    const asOwner = await call(path, { headers: { cookie: owner.cookie } });
    expect(asOwner.status).toBe(200);
    expect(asOwner.text).toContain('logged@example.com');
    const key = await plain.adminKey(owner.orgId, 'ops');
    expect((await call(path, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });
});

describe('with MUSTER_TRUST_PROXY=true, behind a proxy that sets X-Forwarded-Host and X-Forwarded-Proto', () => {
  it('the Origin is checked against X-Forwarded-Host, and X-Forwarded-Proto https makes the session cookie Secure', async () => {
    const owner = await setUp(proxied, { origin: 'https://muster.example', 'x-forwarded-host': 'muster.example', 'x-forwarded-proto': 'https' });
    expect(owner.setCookie).toMatch(/; Secure/);
    // Through the proxy, from the public origin.
    expect((await createList(proxied, owner, { origin: 'https://muster.example', 'x-forwarded-host': 'muster.example' })).status).toBe(201);
    // Another site is still another site: the proxy names the public host, not the attacker's.
    const other = await createList(proxied, owner, { origin: 'https://evil.example', 'x-forwarded-host': 'muster.example' });
    expect(other.status).toBe(403);
    expect(other.body.error).toBe('csrf_failed');
  });
});

describe('SCIM request Content-Type (docs/scim.md)', () => {
  it('text/plain is 415 on every write and changes nothing; JSON types and no Content-Type are accepted', async () => {
    const list = await plain.newList({ name: 'Types' });
    const body = JSON.stringify(user('typed@example.com'));
    const textPlain = await list.req('POST', '/Users', body, { 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(415);
    expect(textPlain.body.detail).toMatch(/application\/scim\+json/);
    expect((await list.req('POST', '/Bulk', JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: user('typed@example.com') }] }), { 'content-type': 'text/plain; charset=utf-8' })).status).toBe(415);
    expect((await list.req('GET', '/Users?filter=userName eq "typed@example.com"')).body.totalResults).toBe(0);

    const none = await call(`${list.base}/Users`, { method: 'POST', headers: { authorization: `Bearer ${list.token}` }, body: new Blob([body]) });
    expect(none.status, none.text).toBe(201);
    const id = none.body.id as string;
    const patchBody = JSON.stringify(patch({ op: 'replace', path: 'displayName', value: 'Typed' }));
    expect((await list.req('PATCH', `/Users/${id}`, patchBody, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await list.req('PUT', `/Users/${id}`, body, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await list.req('PATCH', `/Users/${id}`, patchBody, { 'content-type': 'application/scim+json; charset=utf-8' })).status).toBeLessThan(300);
    expect((await list.req('PATCH', `/Users/${id}`, patchBody, { 'content-type': 'application/json' })).status).toBeLessThan(300);
  });
});
