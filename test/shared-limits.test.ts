/**
 * Limits that hold across nodes (issue 17, item 5): two Muster nodes on one database count a
 * token's SCIM requests, a client address's public-page and sign-in requests, and failed sign-ins
 * per (account, address) together, so two nodes do not give twice the limit. Both nodes read one
 * frozen clock (MusterOptions.limitsClock) that the test moves on, so every count is exact: no
 * assertion depends on how fast this machine is.
 *
 * PostgreSQL shares limits by default; on SQLite the nodes share them with MUSTER_SHARED_LIMITS=on
 * (several processes on one file), which this suite sets there.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENGINE } from './helpers/database.js';
import { callFrom } from './helpers/from-address.js';
import { call, startServer, type ScimResult, type TestServer } from './helpers/server.js';
import { FREE_SIGN_IN_FAILURES } from '../src/accounts/admin-accounts.js';

const SHARED: Record<string, string> = ENGINE === 'sqlite' ? { MUSTER_SHARED_LIMITS: 'on' } : {};
/** A pair of nodes on a fresh database and their one clock. */
async function twoNodes(env: Record<string, string>): Promise<{ a: TestServer; b: TestServer; clock: { t: number } }> {
  const clock = { t: Date.now() };
  const limitsClock = () => clock.t;
  const a = await startServer({ ...SHARED, ...env }, { muster: { limitsClock } });
  const b = await startServer({ ...SHARED, ...env }, { sharing: a, muster: { limitsClock } });
  return { a, b, clock };
}
const admitted = (rs: readonly ScimResult[]) => rs.filter((r) => r.status !== 429).length;
const PASSWORD = 'a long enough passphrase';

describe('SCIM throttling per token, across two nodes', () => {
  let n: Awaited<ReturnType<typeof twoNodes>>;
  beforeAll(async () => {
    n = await twoNodes({ MUSTER_RATE_LIMIT: '20', MUSTER_RATE_LIMIT_BURST: '30' });
  });
  afterAll(async () => {
    await n.b.close();
    await n.a.close();
  });

  it('admits the burst, then the rate, in total over both nodes: not twice', async () => {
    const list = await n.a.newList();
    const other = await n.a.newList({ name: 'Other' });
    const on = (srv: TestServer, l = list) => call(`${srv.origin}/scim/v2/lists/${l.id}/Users?count=1`, { headers: { authorization: `Bearer ${l.token}` } });
    // 45 at each node at one instant: the shared bucket holds 30, so 30 go through in all (each node alone would admit 30).
    const first = await Promise.all(Array.from({ length: 90 }, (_, i) => on(i % 2 ? n.a : n.b)));
    expect(admitted(first)).toBe(30);
    expect(first.filter((r) => r.status !== 429).every((r) => r.status === 200)).toBe(true);
    const refused = first.find((r) => r.status === 429)!;
    expect(refused.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another token has its own bucket.
    expect((await on(n.b, other)).status).toBe(200);
    // One second later the bucket has refilled 20: 20 in all, wherever they land.
    n.clock.t += 1000;
    const second = await Promise.all(Array.from({ length: 60 }, (_, i) => on(i % 3 ? n.a : n.b)));
    expect(admitted(second)).toBe(20);
    // Half a second: 10 (a node leases what is waiting on it, so nothing is stranded on the other).
    n.clock.t += 500;
    const third = await Promise.all(Array.from({ length: 30 }, (_, i) => on(i % 2 ? n.a : n.b)));
    expect(admitted(third)).toBe(10);
  });
});

describe('public-page and sign-in limits per client address, across two nodes', () => {
  // Nodes and a clock per test: each counts from full buckets at its own instant.
  let n: Awaited<ReturnType<typeof twoNodes>>;
  beforeEach(async () => {
    n = await twoNodes({ MUSTER_PUBLIC_RATE_LIMIT: '2', MUSTER_SIGN_IN_LIMIT: '4', MUSTER_TRUST_PROXY: 'true' });
  });
  afterEach(async () => {
    await n.b.close();
    await n.a.close();
  });

  it('counts /v requests from one address on both nodes together; another address has its own', async () => {
    const verify = (srv: TestServer) => call(`${srv.origin}/v/NOSUCHCODE`, { headers: { accept: 'application/json' } });
    // 2/s with bursts of 3×: 6 in all at one instant.
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => verify(i % 2 ? n.a : n.b)));
    expect(admitted(first)).toBe(6);
    expect(first.filter((r) => r.status !== 429).every((r) => r.status === 404)).toBe(true);
    expect(first.find((r) => r.status === 429)!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await callFrom('127.0.0.2', `${n.b.origin}/v/NOSUCHCODE`, { headers: { accept: 'application/json' } })).status).toBe(404);
    n.clock.t += 1000;
    const second = await Promise.all(Array.from({ length: 10 }, (_, i) => verify(i % 2 ? n.a : n.b)));
    expect(admitted(second)).toBe(2);
  });

  it('behind a trusted proxy, keys on the address the proxy saw: the last X-Forwarded-For entry, not what the client wrote before it', async () => {
    const verify = (srv: TestServer, xff: string) => call(`${srv.origin}/v/NOSUCHCODE`, { headers: { accept: 'application/json', 'x-forwarded-for': xff } });
    // A client rotating a forged first entry is still one address to the proxy.
    const forged = await Promise.all(Array.from({ length: 10 }, (_, i) => verify(i % 2 ? n.a : n.b, `10.0.0.${i}, 203.0.113.7`)));
    expect(admitted(forged)).toBe(6);
    // Another client behind the same proxy (the same socket address) has its own budget.
    expect((await verify(n.a, '203.0.113.8')).status).toBe(404);
  });

  it('counts sign-ins started from one address on both nodes together (MUSTER_SIGN_IN_LIMIT)', async () => {
    // /auth/sso/start shares the sign-in budget and does no password work: 4 a minute, 2 at once.
    const start = async (srv: TestServer) => (await fetch(`${srv.origin}/api/v1/auth/sso/start?org=none`, { redirect: 'manual' })).headers.get('location') ?? '';
    const tries = await Promise.all(Array.from({ length: 8 }, (_, i) => start(i % 2 ? n.a : n.b)));
    expect(tries.filter((l) => !l.includes('too_many_attempts')).length, tries.join()).toBe(2);
    n.clock.t += 15_000; // one more a quarter-minute later
    const later = await Promise.all(Array.from({ length: 4 }, (_, i) => start(i % 2 ? n.a : n.b)));
    expect(later.filter((l) => !l.includes('too_many_attempts')).length, later.join()).toBe(1);
  });
});

describe('sign-in backoff per (account, address), across two nodes', { timeout: 300_000 }, () => {
  // Nodes, a clock and an owner per test: each test's failures, backoffs and security log are its own.
  let n: Awaited<ReturnType<typeof twoNodes>>;
  const email = 'olive@acme.example';
  beforeEach(async () => {
    n = await twoNodes({});
    await n.a.muster.accounts.setUp({ organisation: 'Acme', name: 'Olive', email, password: PASSWORD });
  });
  afterEach(async () => {
    await n.b.close();
    await n.a.close();
  });
  const signIn = (srv: TestServer, from: string, body: Record<string, string>) => callFrom(from, `${srv.origin}/api/v1/auth/sign-in`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: srv.origin }, body: JSON.stringify(body),
  });

  it('slows the guessing address with exponential backoff, on every node; the owner still signs in from another address', async () => {
    // Guesses alternate between the nodes: the count is in the database.
    for (let i = 0; i < FREE_SIGN_IN_FAILURES; i++) {
      const r = await signIn(i % 2 ? n.a : n.b, '127.0.0.1', { email, password: `wrong guess ${i}` });
      expect(r.status, r.text).toBe(401);
    }
    // The right password from the guessing address now waits 1 s, before any password work…
    const held = await signIn(n.a, '127.0.0.1', { email, password: PASSWORD });
    expect(held.status).toBe(429);
    expect(held.body).toEqual({ error: 'too_many_attempts', detail: 'too many failed sign-ins to this account from your address; try again in 1 s (sign-ins from other addresses are not slowed)' });
    expect(held.headers.get('retry-after')).toBe('1');
    expect((await signIn(n.b, '127.0.0.1', { email, password: PASSWORD })).status).toBe(429);
    // …while the real owner, elsewhere, is not locked out.
    const owner = await signIn(n.b, '127.0.0.2', { email, password: PASSWORD });
    expect(owner.status, owner.text).toBe(200);
    // An address with no account answers the same, so the backoff tells nobody which accounts exist.
    const nobody = 'nobody@acme.example';
    for (let i = 0; i < FREE_SIGN_IN_FAILURES; i++) expect((await signIn(n.a, '127.0.0.1', { email: nobody, password: `wrong ${i}` })).status).toBe(401);
    expect((await signIn(n.b, '127.0.0.1', { email: nobody, password: PASSWORD })).body).toEqual(held.body);
    // The wait doubles with each further failure: 1 s, then 2 s, …
    n.clock.t += 1000;
    expect((await signIn(n.b, '127.0.0.1', { email, password: 'wrong again' })).status).toBe(401);
    const doubled = await signIn(n.a, '127.0.0.1', { email, password: PASSWORD });
    expect([doubled.status, doubled.headers.get('retry-after')]).toEqual([429, '2']);
    // After the wait, the right password signs in and the address starts afresh.
    n.clock.t += 2000;
    expect((await signIn(n.a, '127.0.0.1', { email, password: PASSWORD })).status).toBe(200);
    expect((await signIn(n.b, '127.0.0.1', { email, password: 'one typo' })).status).toBe(401);

    // The security log: failures and the start of the backoff name the address, and only it.
    const { events } = await n.a.muster.accounts.securityEvents((await n.a.muster.store.admins.byEmail(email))!.org_id, 100);
    const slowed = events.filter((e) => e.action === 'admin.locked');
    expect(slowed).toHaveLength(1);
    expect(slowed[0]).toMatchObject({ target: email, address: expect.stringMatching(/127\.0\.0\.1$/), detail: { after: FREE_SIGN_IN_FAILURES, seconds: 1, scope: 'address' } });
    expect(events.some((e) => e.action === 'admin.sign_in_failed' && (e.detail as { reason?: string } | null)?.reason === 'backoff')).toBe(true);
  });

  it('a guess whose clock read a moment earlier than a parallel one\'s is still free while failures are free', async () => {
    // Parallel guesses each read the clock before their claim reaches the database, so a claim can
    // arrive after one whose clock read later (on PostgreSQL, 4 of 8 parallel guesses were refused so).
    for (let i = 0; i < FREE_SIGN_IN_FAILURES; i++) {
      n.clock.t += i % 2 ? -5 : 5;
      const r = await signIn(i % 2 ? n.a : n.b, '127.0.0.1', { email, password: `wrong guess ${i}` });
      expect(r.status, `guess ${i + 1}: ${r.text}`).toBe(401);
    }
    // The next guess waits, whatever the clock's small steps back.
    n.clock.t -= 5;
    expect((await signIn(n.a, '127.0.0.1', { email, password: PASSWORD })).status).toBe(429);
  });

  it('`muster admins unlock` forgets an account\'s failures from every address', async () => {
    const nora = 'nora@acme.example';
    const org = (await n.a.muster.store.admins.byEmail(email))!.org_id;
    await n.a.muster.accounts.create(org, { email: nora, name: 'Nora', role: 'viewer', password: PASSWORD });
    for (const from of ['127.0.0.3', '127.0.0.4']) {
      for (let i = 0; i < FREE_SIGN_IN_FAILURES; i++) await signIn(n.a, from, { email: nora, password: `wrong ${i}` });
      expect((await signIn(n.b, from, { email: nora, password: PASSWORD })).status).toBe(429);
    }
    await n.b.muster.accounts.unlock(nora);
    for (const from of ['127.0.0.3', '127.0.0.4']) expect((await signIn(n.a, from, { email: nora, password: PASSWORD })).status).toBe(200);
  });
});
