import { createVerify, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GoogleWallet, WalletSettingsError } from '../src/credentials/google/google-wallet.js';
import { SecretBox } from '../src/secrets/secret-box.js';
import { startGoogleFake, type GoogleFake } from './fakes/google/index.js';
import { call, ENTERPRISE, PATCH_OP, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let google: GoogleFake;
let srv: TestServer;
let key: string;
let list: TestList;
const SECRET_KEY = randomBytes(32).toString('base64');

// Every test starts from its own world: a fresh Google (no class, no objects, no requests yet) and
// a fresh Muster, with an organisation that has a list and an admin key but no Google Wallet yet.
beforeEach(async () => {
  google = await startGoogleFake();
  srv = await startServer({ MUSTER_SECRET_KEY: SECRET_KEY, MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: 'true' });
  list = await srv.newList({ name: 'Staff', tokenLabel: 'Okta' });
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  key = await srv.adminKey(org.id);
});
afterEach(async () => {
  await srv?.close();
  await google?.close();
});

const api = (method: string, path: string, body?: unknown) => call(`${srv.origin}/api/v1${path}`, {
  method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
});
const okta = { 'user-agent': 'Okta SCIM Client 1.0.0' };
const setActive = (id: string, value: boolean) => list.req('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value }] }, okta);

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const objectState = (id: string, state: string) => until(`object ${id} ${state}`, () => google.getObject(id)?.state === state);

async function person(userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await list.req('POST', '/Users', user(userName, { displayName: `${userName} Hopper`, title: 'Rear Admiral', [ENTERPRISE]: { department: 'Navy', employeeNumber: 'E-1906' }, ...extra }), okta);
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}

async function googlePass(personId: string) {
  const r = await api('POST', `/lists/${list.id}/people/${personId}/credentials`, { kind: 'google_pass' });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

function decodeJwt(jwt: string) {
  const [h, p, s] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), claims: JSON.parse(Buffer.from(p!, 'base64url').toString()), input: `${h}.${p}`, signature: Buffer.from(s!, 'base64url') };
}

describe('Google Wallet settings', () => {
  it('a pass cannot be issued before the organisation set up Google Wallet', async () => {
    const id = await person('early');
    const r = await api('POST', `/lists/${list.id}/people/${id}/credentials`, { kind: 'google_pass' });
    expect(r.status).toBe(409);
    expect(r.body.error).toBe('google_wallet_not_configured');
  });

  it('stores the service account key encrypted and shows only its metadata', async () => {
    const bad = await api('PUT', '/google-wallet', { issuerId: google.issuerId, serviceAccountKey: { ...google.account.keyFile, private_key: 'nope' }, apiUrl: google.apiUrl });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_service_account_key');
    const put = await api('PUT', '/google-wallet', { issuerId: google.issuerId, serviceAccountKey: JSON.stringify(google.account.keyFile), apiUrl: google.apiUrl });
    expect(put.status, put.text).toBe(200);
    const got = await api('GET', '/google-wallet');
    expect(got.body).toMatchObject({
      configured: true, issuerId: google.issuerId, classId: `${google.issuerId}.muster-id`, tokenUrl: google.tokenUrl, apiUrl: google.apiUrl,
      serviceAccount: { clientEmail: google.account.clientEmail, keyId: google.account.keyId, privateKey: '(stored encrypted; never shown)' },
    });
    expect(got.text).not.toContain('PRIVATE KEY');
    const row = await srv.muster.store.googleWallet.settings(got.body.issuerId ? (await srv.muster.lists.resolveOrganisation('Test organisation')).id : '');
    expect(row!.key_enc).toMatch(/^v1\./);
    expect(row!.key_enc).not.toContain('PRIVATE');
    expect(JSON.parse(new SecretBox(SECRET_KEY).open(row!.key_enc)).private_key).toBe(google.account.keyFile.private_key);
    const events = (await api('GET', `/lists/${list.id}/audit/events?action=google_wallet.configured`)).body.events;
    expect(events[0].detail).toMatchObject({ clientEmail: google.account.clientEmail, keyId: google.account.keyId });
    expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');
  });

  it('refuses endpoints other than Google\'s unless the server allows custom endpoints', async () => {
    const strict = new GoogleWallet(srv.muster.store, srv.muster.audit, () => new SecretBox(SECRET_KEY), srv.muster.log, {});
    const org = await srv.muster.lists.resolveOrganisation('Test organisation');
    // The key file's token_uri points at the fake: refused too, an admin cannot redirect the assertion.
    await expect(strict.configure(org.id, { issuerId: google.issuerId, serviceAccountKey: google.account.keyFile }, { actor: 'test' })).rejects.toMatchObject({ code: 'invalid_endpoint' });
    await expect(strict.configure(org.id, { issuerId: google.issuerId, serviceAccountKey: { ...google.account.keyFile, token_uri: 'https://oauth2.googleapis.com/token' }, apiUrl: 'http://169.254.169.254/' }, { actor: 'test' }))
      .rejects.toBeInstanceOf(WalletSettingsError);
  });
});

describe('Google Wallet passes', () => {
  // Each test's organisation has set up Google Wallet.
  beforeEach(async () => {
    const put = await api('PUT', '/google-wallet', { issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl });
    expect(put.status, put.text).toBe(200);
  });

  it('issues a pass: the object at Google, a save link whose RS256 JWT verifies with the service account\'s public key; the class is created once and the token reused', async () => {
    const tokenCallsBefore = google.requests.filter((r) => r.path === '/token').length;
    const id = await person('grace');
    const pass = await googlePass(id);
    const objectId = `${google.issuerId}.${pass.id}`, classId = `${google.issuerId}.muster-id`;
    expect(pass).toMatchObject({ kind: 'google_pass', status: 'valid', google: { objectId, classId, state: 'ACTIVE', lastError: null } });
    expect(google.getObject(objectId)).toMatchObject({
      id: objectId, classId, state: 'ACTIVE',
      cardTitle: { defaultValue: { value: 'Test organisation' } }, header: { defaultValue: { value: 'grace Hopper' } }, subheader: { defaultValue: { value: 'Rear Admiral' } },
      barcode: { type: 'QR_CODE', value: pass.verifyUrl },
      textModulesData: [{ id: 'department', header: 'Department', body: 'Navy' }, { id: 'employee_number', header: 'Employee number', body: 'E-1906' }],
    });

    expect(pass.google.saveUrl).toMatch(/^https:\/\/pay\.google\.com\/gp\/v\/save\/[\w-]+\.[\w-]+\.[\w-]+$/);
    const jwt = decodeJwt(pass.google.saveUrl.slice('https://pay.google.com/gp/v/save/'.length));
    expect(createVerify('RSA-SHA256').update(jwt.input).verify(google.account.publicKey, jwt.signature)).toBe(true);
    expect(jwt.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: google.account.keyId });
    expect(jwt.claims).toEqual({
      iss: google.account.clientEmail, aud: 'google', typ: 'savetowallet', iat: expect.any(Number), origins: [srv.origin],
      payload: { genericObjects: [{ id: objectId, classId }] },
    });
    expect(Math.abs(jwt.claims.iat - Date.now() / 1000)).toBeLessThan(60);

    await googlePass(await person('katherine'));
    expect(google.requests.filter((r) => r.method === 'POST' && r.path === '/walletobjects/v1/genericClass')).toHaveLength(1);
    expect(google.getClass(classId)).toEqual({ id: classId });
    expect(google.requests.filter((r) => r.path === '/token').length - tokenCallsBefore).toBeLessThanOrEqual(1);
    // The queued jobs find Google up to date and change nothing.
    await until('jobs done', async () => (await srv.muster.store.roster.jobs(list.id, 50)).filter((j) => j.kind === 'google-wallet-sync').every((j) => j.status === 'done'));
    expect((await api('GET', `/lists/${list.id}/audit/events?action=credential.google_object_created`)).body.events.filter((e: { target: { id: string } }) => e.target.id === pass.id)).toHaveLength(1);
  });

  it('done when: a SCIM deactivation expires the Google object within 5 s, /v/{code} answers revoked, every step is in the audit trail; reactivation makes it ACTIVE again', async () => {
    const id = await person('ada');
    const pass = await googlePass(id);
    const objectId = pass.google.objectId as string;
    expect(google.getObject(objectId)?.state).toBe('ACTIVE');

    const t0 = Date.now();
    const off = await setActive(id, false);
    expect([200, 204], off.text).toContain(off.status);
    expect((await call(pass.verifyUrl, { headers: { accept: 'application/json' } })).body.status).toBe('revoked');
    await objectState(objectId, 'EXPIRED');
    expect(Date.now() - t0).toBeLessThan(5000);

    const trail = async () => (await api('GET', `/lists/${list.id}/audit/events?order=asc&limit=1000`)).body.events
      .filter((e: { target: { id: string }; detail: { personId?: string } | null }) => e.target?.id === id || e.detail?.personId === id);
    const steps = await until('audit of the Google update', async () => {
      const ev = await trail();
      return ev.some((e: { action: string }) => e.action === 'credential.google_object_updated') ? ev : undefined;
    });
    expect(steps.map((e: { action: string }) => e.action)).toEqual([
      'person.created', 'credential.issued', 'credential.google_object_created', 'person.deactivated', 'credential.revoked', 'credential.google_object_updated',
    ]);
    const [, , , deact, revoked, updated] = steps;
    expect(revoked.requestId).toBe(deact.requestId);
    expect(updated.requestId).toBe(deact.requestId);
    expect(updated).toMatchObject({ actor: 'system', changes: [{ field: 'google.state', before: 'ACTIVE', after: 'EXPIRED' }], detail: { objectId, state: 'EXPIRED' } });
    const listed = (await api('GET', `/lists/${list.id}/people/${id}/credentials`)).body.credentials[0];
    expect(listed).toMatchObject({ status: 'revoked', google: { state: 'EXPIRED', saveUrl: null } });

    await setActive(id, true);
    await objectState(objectId, 'ACTIVE');
    expect((await call(pass.verifyUrl, { headers: { accept: 'application/json' } })).body.status).toBe('valid');
    const after = await until('reinstated at Google', async () => {
      const ev = await trail();
      return ev.filter((e: { action: string }) => e.action === 'credential.google_object_updated').length === 2 ? ev : undefined;
    });
    expect(after.slice(-3).map((e: { action: string }) => e.action)).toEqual(['person.reactivated', 'credential.reinstated', 'credential.google_object_updated']);
  });

  it('an admin\'s suspension survives a 503 and a 429 with Retry-After mid-way; nothing is lost', async () => {
    const pass = await googlePass(await person('margaret'));
    const objectId = pass.google.objectId as string;
    google.inject({ target: 'genericObject', method: 'PATCH', status: 503, times: 2 });
    expect((await api('POST', `/lists/${list.id}/credentials/${pass.id}/suspend`, { reason: 'lost phone' })).status).toBe(200);
    await objectState(objectId, 'EXPIRED');

    google.inject({ target: 'genericObject', method: 'PATCH', status: 429, retryAfter: '1' });
    const t0 = Date.now();
    expect((await api('POST', `/lists/${list.id}/credentials/${pass.id}/reinstate`)).status).toBe(200);
    await objectState(objectId, 'ACTIVE');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // Retry-After honoured
    const patches = google.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(objectId)).map((r) => r.status);
    expect(patches).toEqual([503, 503, 200, 429, 200]);
  });

  it('a longer outage: the job is deferred with backoff, the failure is in the audit trail, and the update lands when Google is back', async () => {
    const pass = await googlePass(await person('frances'));
    const objectId = pass.google.objectId as string;
    google.inject({ target: 'genericObject', method: 'PATCH', status: 503, times: 5 });
    await api('POST', `/lists/${list.id}/credentials/${pass.id}/revoke`, { reason: 'left' });
    const failed = await until('failure recorded', async () => (await api('GET', `/lists/${list.id}/audit/events?action=credential.google_update_failed`)).body.events
      .find((e: { target: { id: string } }) => e.target.id === pass.id));
    expect(failed.detail).toMatchObject({ httpStatus: 503, googleStatus: 'UNAVAILABLE', attempt: 1, retryInSeconds: 2 });
    expect((await api('GET', `/lists/${list.id}/people/${pass.personId}/credentials`)).body.credentials[0].google.lastError).toMatch(/^503 UNAVAILABLE/);
    await objectState(objectId, 'EXPIRED', );
    const listed = (await api('GET', `/lists/${list.id}/people/${pass.personId}/credentials`)).body.credentials[0];
    expect(listed.google).toMatchObject({ state: 'EXPIRED', lastError: null });
  }, 15_000);

  it('an expired access token is renewed once; an object deleted at Google is recreated in the right state', async () => {
    const pass = await googlePass(await person('hedy'));
    const objectId = pass.google.objectId as string;
    const tokensBefore = google.requests.filter((r) => r.path === '/token' && r.status === 200).length;
    google.expireAccessTokens();
    await api('POST', `/lists/${list.id}/credentials/${pass.id}/suspend`);
    await objectState(objectId, 'EXPIRED');
    const recent = () => JSON.stringify(google.requests.slice(-12).map((r) => `${r.method} ${r.path} ${r.status}`));
    expect(google.requests.filter((r) => r.path === '/token' && r.status === 200).length, recent()).toBe(tokensBefore + 1);
    expect(google.requests.some((r) => r.status === 401 && r.path.endsWith(objectId))).toBe(true);

    google.forgetObject(objectId);
    await api('POST', `/lists/${list.id}/credentials/${pass.id}/reinstate`);
    await objectState(objectId, 'ACTIVE');
    expect(google.getObject(objectId)).toMatchObject({ barcode: { value: pass.verifyUrl }, header: { defaultValue: { value: 'hedy Hopper' } } });
    // Google holds the recreated object before the job commits its audit event: wait for the event.
    const createdEvents = async () => (await api('GET', `/lists/${list.id}/audit/events?action=credential.google_object_created`)).body.events
      .filter((e: { target: { id: string } }) => e.target.id === pass.id);
    const created = await until('the recreation in the audit trail', async () => {
      const ev = await createdEvents();
      return ev.length >= 2 ? ev : undefined;
    });
    expect(created, recent()).toHaveLength(2);
  });

  it('one node at a time pushes a pass to Google: while another holds the pass\'s lease, the update waits and then lands', async () => {
    const id = await person('leased');
    const pass = await googlePass(id);
    const objectId = pass.google.objectId as string;
    // Another node is in the middle of pushing this pass. (The job queued by the issue may hold the
    // lease for a moment: take it as soon as it is free.)
    const now = Date.now();
    await until('the lease', () => srv.muster.store.googleWallet.claimSync(pass.id, new Date().toISOString(), new Date(now + 60_000).toISOString()));
    expect(await srv.muster.store.googleWallet.claimSync(pass.id, new Date(now).toISOString(), new Date(now + 60_000).toISOString())).toBe(false);
    await setActive(id, false);
    await new Promise((r) => setTimeout(r, 700));
    expect(google.getObject(objectId)?.state).toBe('ACTIVE'); // not pushed while the lease is held
    await srv.muster.store.googleWallet.releaseSync(pass.id);
    await objectState(objectId, 'EXPIRED');
    const failures = (await api('GET', `/lists/${list.id}/audit/events?action=credential.google_update_failed`)).body.events
      .filter((e: { target: { id: string } }) => e.target?.id === pass.id);
    expect(failures).toEqual([]); // waiting for a lease is not a failure
  });

  it('a new job title from the IdP is rewritten on the Google object, its state untouched', async () => {
    const id = await person('promoted');
    const pass = await googlePass(id);
    const objectId = pass.google.objectId as string;
    expect(google.getObject(objectId)?.subheader).toMatchObject({ defaultValue: { value: 'Rear Admiral' } });
    const r = await list.req('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Admiral' }] }, okta);
    expect([200, 204]).toContain(r.status);
    await until('the new title at Google', () => (google.getObject(objectId)?.subheader as { defaultValue?: { value?: string } } | undefined)?.defaultValue?.value === 'Admiral');
    expect(google.getObject(objectId)?.state).toBe('ACTIVE');
  });
});
