// Apple Wallet end to end: a real Muster (port 0, real database), the fake APNs over HTTP/2 with
// client certificates, and a simulated iPhone Wallet talking to the PassKit web service.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from './fakes/apns/certs.js';
import { startFakeApns, type FakeApns } from './fakes/apns/index.js';
import { WalletDevice } from './fakes/apns/wallet-device.js';
import { call, PATCH_OP, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let srv: TestServer;
let pki: TestPki;
let apns: FakeApns;
let key: string;
let list: TestList;
let passkit: string;

// The certificates are only read, never changed by a test: made once.
beforeAll(() => {
  pki = makeTestPki();
});
// Every test starts from its own world: a fresh fake APNs and a fresh Muster, with an organisation
// that has a list and an admin key but no Apple Wallet certificate yet.
beforeEach(async () => {
  apns = await startFakeApns(pki);
  srv = await startServer({ MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_APNS_URL: apns.url, MUSTER_APNS_CA_FILE: pki.caFile });
  list = await srv.newList({ name: 'Staff', tokenLabel: 'Okta' });
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  key = await srv.adminKey(org.id);
  passkit = `${srv.origin}/passkit`;
});
afterEach(async () => {
  await srv?.close();
  await apns?.close();
});

const api = (method: string, path: string, body?: unknown) => call(`${srv.origin}/api/v1${path}`, {
  method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
});
const bytes = async (path: string) => {
  const r = await fetch(`${srv.origin}/api/v1${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, type: r.headers.get('content-type'), body: Buffer.from(await r.arrayBuffer()) };
};
const okta = { 'user-agent': 'Okta SCIM Client 1.0.0' };
let deviceCount = 0;
const newDevice = () => {
  deviceCount++;
  const d = new WalletDevice(passkit, `device${deviceCount}`, randomBytes(32).toString('hex'), apns);
  apns.addDevice(d.pushToken, pki.passTypeIdentifier);
  return d;
};
const waitFor = async (what: string, ok: () => boolean | Promise<boolean>, ms = 5000) => {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
};
const events = async (credentialId: string) => ((await api('GET', `/lists/${list.id}/audit/events?order=asc&limit=1000`)).body.events as Array<{ action: string; target: { id: string } | null; detail: Record<string, unknown>; requestId: string | null }>)
  .filter((e) => e.target?.id === credentialId);

async function configure() {
  const r = await api('PUT', '/apple-wallet', { organizationName: 'Example Ltd', certificate: pki.pass.certificatePem, privateKey: pki.pass.privateKeyPem, wwdrCertificate: pki.ca.certificatePem });
  expect(r.status, r.text).toBe(200);
  return r.body;
}

async function personWithPass(userName: string, extra: Record<string, unknown> = {}) {
  const created = await list.req('POST', '/Users', user(userName, { displayName: `${userName} Hopper`, title: 'Rear Admiral', ...extra }), okta);
  expect(created.status, created.text).toBe(201);
  const pass = await api('POST', `/lists/${list.id}/people/${created.body.id}/credentials`, { kind: 'apple_pass' });
  expect(pass.status, pass.text).toBe(201);
  const file = await bytes(`/lists/${list.id}/credentials/${pass.body.id}/pkpass`);
  expect(file.status).toBe(200);
  return { personId: created.body.id as string, credential: pass.body, pkpass: file.body };
}

describe('Apple Wallet settings', () => {
  it('refuses to issue a pass before the certificate is uploaded', async () => {
    const created = await list.req('POST', '/Users', user('early'), okta);
    const r = await api('POST', `/lists/${list.id}/people/${created.body.id}/credentials`, { kind: 'apple_pass' });
    expect(r.status).toBe(409);
    expect(r.body.error).toBe('apple_wallet_not_configured');
    // `source`: whose certificate the organisation's passes would use (none here: no installation certificate either).
    expect((await api('GET', '/apple-wallet')).body).toEqual({ configured: false, source: null });
  });

  it('stores the certificate encrypted and shows only metadata; identifiers come from the certificate', async () => {
    const view = await configure();
    expect(view).toMatchObject({
      configured: true, passTypeIdentifier: 'pass.com.example.staff', teamIdentifier: 'TEAM123456', organizationName: 'Example Ltd',
      certificate: { subject: expect.stringContaining('Pass Type ID: pass.com.example.staff'), fingerprint: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/), notAfter: expect.any(String) },
      wwdrCertificate: { subject: expect.stringContaining('Muster Test WWDR CA') }, privateKey: '(stored encrypted; never shown)', warnings: [],
    });
    const raw = JSON.stringify(await api('GET', '/apple-wallet'));
    expect(raw).not.toContain('PRIVATE KEY');
    expect(raw).not.toContain('BEGIN CERTIFICATE');
    const row = await srv.muster.store.appleWallet.settings((await srv.muster.lists.resolveOrganisation('Test organisation')).id);
    expect(row!.signing_enc).toMatch(/^v1\./);
    expect(row!.signing_enc).not.toContain('PRIVATE');
    const ev = (await api('GET', `/lists/${list.id}/audit/events?action=wallet.apple_configured`)).body.events;
    expect(ev[0].detail).toMatchObject({ passTypeIdentifier: 'pass.com.example.staff', certificateFingerprint: view.certificate.fingerprint });
  });

  it('warns when the certificate expires within 30 days; refuses mismatched identifiers and bad uploads', async () => {
    const soon = makeTestPki({ passDays: 10 });
    const other = await startServer({ MUSTER_SECRET_KEY: randomBytes(32).toString('base64') });
    try {
      await other.newList();
      const org = await other.muster.lists.resolveOrganisation('Test organisation');
      const k = await other.adminKey(org.id, 't');
      const put = (b: unknown) => call(`${other.origin}/api/v1/apple-wallet`, { method: 'PUT', headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' }, body: JSON.stringify(b) });
      const r = await put({ organizationName: 'Soon Ltd', p12: soon.p12('pw'), p12Password: 'pw', wwdrCertificate: Buffer.from(soon.ca.certificatePem).toString('base64') });
      expect(r.status, r.text).toBe(200);
      expect(r.body.warnings).toEqual([expect.stringMatching(/^the pass certificate expires on .* \(in (10|11) days\)/)]);
      const mismatch = await put({ organizationName: 'X', passTypeIdentifier: 'pass.com.example.other', certificate: soon.pass.certificatePem, privateKey: soon.pass.privateKeyPem, wwdrCertificate: soon.ca.certificatePem });
      expect(mismatch.body)
        .toMatchObject({ error: 'invalid_certificate', detail: expect.stringMatching(/certificate is for pass\.com\.example\.staff/) });
      expect((await put({ organizationName: 'X', p12: soon.p12('pw'), p12Password: 'wrong', wwdrCertificate: soon.ca.certificatePem })).status).toBe(400);
      const wrongWwdr = await put({ organizationName: 'X', certificate: soon.pass.certificatePem, privateKey: soon.pass.privateKeyPem, wwdrCertificate: pki.ca.certificatePem });
      expect(wrongWwdr.body.detail).toMatch(/not issued by this WWDR/);
      // names change without re-uploading; the key stays
      expect((await put({ organizationName: 'Renamed Ltd' })).body).toMatchObject({ organizationName: 'Renamed Ltd', certificate: { fingerprint: r.body.certificate.fingerprint } });
    } finally {
      await other.close();
    }
  });
});

describe('Apple passes', () => {
  // Each test's organisation has uploaded its certificate.
  beforeEach(async () => {
    await configure();
  });

  it('issues a pass for a SCIM-provisioned person: QR to /v/{code}, roster fields, web service, a random token stored hashed and sealed', async () => {
    const { credential, pkpass } = await personWithPass('grace', { [`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`]: { department: 'Navy', employeeNumber: 'E-1906' } });
    expect(credential).toMatchObject({ kind: 'apple_pass', status: 'valid' });
    const json = WalletDevice.passJson(pkpass);
    expect(json).toMatchObject({
      passTypeIdentifier: 'pass.com.example.staff', teamIdentifier: 'TEAM123456', serialNumber: credential.id, organizationName: 'Example Ltd',
      webServiceURL: `${srv.origin}/passkit`, barcodes: [{ format: 'PKBarcodeFormatQR', message: credential.verifyUrl }],
    });
    expect(String(json.authenticationToken).length).toBeGreaterThanOrEqual(16);
    const generic = json.generic as Record<string, Array<{ key: string; value: string }>>;
    expect(generic.primaryFields![0]!.value).toBe('grace Hopper');
    expect(generic.secondaryFields!.map((f) => f.value)).toEqual(['Rear Admiral', 'Navy']);
    expect(generic.auxiliaryFields!.map((f) => f.value)).toEqual(['E-1906']);
    const row = await srv.muster.store.appleWallet.pass(credential.id);
    expect(row!.auth_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(String(json.authenticationToken));
    expect((await events(credential.id)).map((e) => e.action)).toEqual(['credential.issued']);
  });

  it('a signed, expiring download link for the holder; tampered or expired links are refused', async () => {
    const { credential } = await personWithPass('katherine');
    const link = await api('POST', `/lists/${list.id}/credentials/${credential.id}/pkpass-link`, { ttlHours: 1 });
    expect(link.status, link.text).toBe(201);
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const ok = await fetch(link.body.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/vnd.apple.pkpass');
    expect(WalletDevice.passJson(Buffer.from(await ok.arrayBuffer())).serialNumber).toBe(credential.id);
    expect((await fetch(link.body.url.replace(/expires=\d+/, (m: string) => `expires=${Number(m.slice(8)) + 1}`))).status).toBe(403);
    expect((await fetch(link.body.url.replace(/expires=\d+/, 'expires=1000'))).status).toBe(403);
    expect((await api('POST', `/lists/${list.id}/credentials/${credential.id}/pkpass-link`, { ttlHours: 0 })).status).toBe(400);
  });

  it('the PassKit web service: register (201, then 200), wrong token 401, list since a tag, latest pass with 304, unregister, log', async () => {
    const { credential, pkpass } = await personWithPass('dorothy');
    const json = WalletDevice.passJson(pkpass);
    const token = String(json.authenticationToken);
    const d = newDevice();
    expect(await d.register(pki.passTypeIdentifier, credential.id, 'wrong-token-wrong-token')).toBe(401);
    expect(await d.register(pki.passTypeIdentifier, 'no-such-serial', token)).toBe(401);
    expect(await d.register('pass.com.example.other', credential.id, token)).toBe(401);
    expect(await d.add(pkpass)).toBe(201);
    expect(await d.register(pki.passTypeIdentifier, credential.id, token)).toBe(200);
    const all = await d.updatable(pki.passTypeIdentifier);
    expect(all).toMatchObject({ status: 200, body: { serialNumbers: [credential.id], lastUpdated: expect.stringMatching(/^\d+$/) } });
    expect((await d.updatable(pki.passTypeIdentifier, String(Math.floor(Date.now() / 1000) + 3600))).status).toBe(204);
    expect((await d.updatable(pki.passTypeIdentifier, '0')).body!.serialNumbers).toEqual([credential.id]);
    expect((await new WalletDevice(passkit, 'stranger', '00', undefined).updatable(pki.passTypeIdentifier)).status).toBe(204);

    const latest = await d.latest(pki.passTypeIdentifier, credential.id, token);
    expect(latest.status).toBe(200);
    expect(latest.headers.get('content-type')).toBe('application/vnd.apple.pkpass');
    const lastModified = latest.headers.get('last-modified');
    expect(lastModified).toMatch(/GMT$/);
    expect((await d.latest(pki.passTypeIdentifier, credential.id, token, lastModified)).status).toBe(304);
    expect((await d.latest(pki.passTypeIdentifier, credential.id, 'nope')).status).toBe(401);
    // A change in the same second still gives the device a newer Last-Modified: no stale 304.
    expect((await api('POST', `/lists/${list.id}/credentials/${credential.id}/suspend`, { reason: 'lost phone' })).status).toBe(200);
    const after = await d.latest(pki.passTypeIdentifier, credential.id, token, lastModified);
    expect(after.status).toBe(200);
    expect(WalletDevice.passJson(Buffer.from(await after.arrayBuffer())).voided).toBe(true);
    await waitFor('the push for the suspension', () => apns.delivered(d.pushToken).length === 1);

    const log = await fetch(`${passkit}/v1/log`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ logs: ['Pass signature invalid'] }) });
    expect(log.status).toBe(200);
    expect(await d.unregister(pki.passTypeIdentifier, credential.id, 'nope')).toBe(401);
    expect(await d.unregister(pki.passTypeIdentifier, credential.id, token)).toBe(200);
    expect((await d.updatable(pki.passTypeIdentifier)).status).toBe(204);
    const actions = (await events(credential.id)).map((e) => e.action);
    expect(actions).toEqual(['credential.issued', 'credential.device_registered', 'credential.suspended', 'credential.pass_pushed', 'credential.device_unregistered']);
  });

  it('Done when: SCIM deactivation voids the pass, pushes it over APNs, and /v/{code} answers revoked within 5 s, every step audited; reactivation reinstates', async () => {
    const { personId, credential, pkpass } = await personWithPass('ada');
    const d = newDevice();
    expect(await d.add(pkpass)).toBe(201);
    const verify = async () => (await call(credential.verifyUrl, { headers: { accept: 'application/json' } })).body.status as string;
    expect(await verify()).toBe('valid');

    const t0 = Date.now();
    const off = await list.req('PATCH', `/Users/${personId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: 'False' } }] }, okta);
    expect([200, 204], off.text).toContain(off.status);
    expect(await verify()).toBe('revoked');
    await waitFor('the push and the device\'s update', () => d.passes.get(credential.id)?.json.voided === true);
    expect(Date.now() - t0).toBeLessThan(5000);
    const push = apns.delivered(d.pushToken).at(-1)!;
    expect(push).toMatchObject({ path: `/3/device/${d.pushToken}`, topic: 'pass.com.example.staff', body: '{}' });
    expect(d.updates).toEqual([credential.id]);

    const ev = await events(credential.id);
    expect(ev.map((e) => e.action)).toEqual(['credential.issued', 'credential.device_registered', 'credential.revoked', 'credential.pass_pushed']);
    const deact = ((await api('GET', `/lists/${list.id}/audit/events?action=person.deactivated&person=${personId}`)).body.events)[0];
    expect(ev[2]!.requestId).toBe(deact.requestId);
    expect(ev[3]!.requestId).toBe(deact.requestId); // the push is traced to the deactivation that caused it
    expect(ev[3]!.detail).toMatchObject({ devices: [d.libraryId], status: 'revoked', apnsId: push.apnsId });

    // reactivation reinstates: pushed again, the device's pass is no longer voided
    await list.req('PATCH', `/Users/${personId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] }, okta);
    expect(await verify()).toBe('valid');
    await waitFor('the reinstated pass', () => d.passes.get(credential.id)?.json.voided === undefined);
    expect((await events(credential.id)).map((e) => e.action).slice(-2)).toEqual(['credential.reinstated', 'credential.pass_pushed']);
  });

  it('APNs 410 Unregistered drops the registration (and says so in the audit trail)', async () => {
    const { credential, pkpass } = await personWithPass('barbara');
    const d = newDevice();
    expect(await d.add(pkpass)).toBe(201);
    apns.unregister(d.pushToken, Date.now() + 1000);
    await api('POST', `/lists/${list.id}/credentials/${credential.id}/revoke`, { reason: 'left' });
    await waitFor('the registration to go', async () => (await srv.muster.store.appleWallet.registrationsOf(credential.id)).length === 0);
    const last = (await events(credential.id)).at(-1)!;
    expect(last).toMatchObject({ action: 'credential.device_unregistered', detail: { device: d.libraryId, reason: 'APNs 410 Unregistered' } });
  });

  it('APNs 410 on one pass drops that pass\'s registration only: the same phone\'s other pass is dropped by its own push, in its own trail', async () => {
    const a = await personWithPass('mary');
    const b = await personWithPass('hedy');
    const d = newDevice();
    expect(await d.add(a.pkpass)).toBe(201);
    expect(await d.add(b.pkpass)).toBe(201);
    apns.unregister(d.pushToken, Date.now() + 1000);
    await api('POST', `/lists/${list.id}/credentials/${a.credential.id}/revoke`, { reason: 'left' });
    await waitFor('the first registration to go', async () => (await srv.muster.store.appleWallet.registrationsOf(a.credential.id)).length === 0);
    expect((await events(a.credential.id)).at(-1)).toMatchObject({ action: 'credential.device_unregistered', detail: { device: d.libraryId, serialNumber: a.credential.id } });
    // the other pass, on the same token, is untouched and nothing was recorded against it
    expect((await srv.muster.store.appleWallet.registrationsOf(b.credential.id)).map((r) => r.device_library_identifier)).toEqual([d.libraryId]);
    expect((await events(b.credential.id)).map((e) => e.action)).toEqual(['credential.issued', 'credential.device_registered']);

    await api('POST', `/lists/${list.id}/credentials/${b.credential.id}/revoke`, { reason: 'left' });
    await waitFor('the second registration to go', async () => (await srv.muster.store.appleWallet.registrationsOf(b.credential.id)).length === 0);
    expect((await events(b.credential.id)).at(-1)).toMatchObject({ action: 'credential.device_unregistered', detail: { device: d.libraryId, serialNumber: b.credential.id } });
  });

  it('APNs 503 then 200: the push job is retried with backoff and the push is not lost', async () => {
    const { credential, pkpass } = await personWithPass('margaret');
    const d = newDevice();
    expect(await d.add(pkpass)).toBe(201);
    apns.inject({ status: 503, token: d.pushToken });
    await api('POST', `/lists/${list.id}/credentials/${credential.id}/suspend`);
    await waitFor('the retried push', () => apns.delivered(d.pushToken).length === 1 && d.passes.get(credential.id)?.json.voided === true, 8000);
    expect(apns.received.filter((p) => p.token === d.pushToken).map((p) => p.status)).toEqual([503, 200]);
    const ev = (await events(credential.id)).slice(-2);
    expect(ev.map((e) => e.action)).toEqual(['credential.push_failed', 'credential.pass_pushed']);
    expect(ev[0]!.detail).toMatchObject({ status: 503, reason: 'ServiceUnavailable', final: false });
    const job = (await srv.muster.store.roster.jobs(list.id, 50)).find((j) => j.kind === 'apple.push' && j.params.includes(credential.id))!;
    expect(job).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('a new job title from the IdP makes a new version of the pass, pushed to the phone, still valid', async () => {
    const { personId, credential, pkpass } = await personWithPass('grace2');
    const d = newDevice();
    expect(await d.add(pkpass)).toBe(201);
    const before = apns.delivered(d.pushToken).length;
    const r = await list.req('PATCH', `/Users/${personId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Admiral of the Fleet' }] }, okta);
    expect([200, 204]).toContain(r.status);
    await waitFor('the push of the new version', () => apns.delivered(d.pushToken).length > before);
    await waitFor('the phone to fetch it', () => JSON.stringify(d.passes.get(credential.id)?.json ?? {}).includes('Admiral of the Fleet'));
    expect(d.passes.get(credential.id)?.json.voided).toBeUndefined();
  });
});
