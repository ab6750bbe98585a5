/**
 * Wallets without per-organisation developer accounts (issue 14, item 4): the installation's
 * Apple and Google credentials are used by every organisation that has none of its own, with the
 * organisation's name and colours on the pass; an organisation's own credentials take precedence;
 * with neither, the admin API says why the wallet kinds cannot be issued and where to set them up.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INSTALLATION } from '../src/store/index.js';
import { makeTestPki, type TestPki } from './fakes/apns/certs.js';
import { startFakeApns, type FakeApns } from './fakes/apns/index.js';
import { startGoogleFake, type GoogleFake } from './fakes/google/index.js';
import { call, startServer, user, type TestServer } from './helpers/server.js';
import { unzip } from './helpers/unzip.js';

let srv: TestServer;
let shared: TestPki;
let own: TestPki;
let apns: FakeApns;
let google: GoogleFake;
const orgs: Record<'a' | 'b', { key: string; listId: string; token: string; scim: string }> = {} as never;

// The certificates are only read, never changed by a test: made once.
beforeAll(() => {
  shared = makeTestPki({ passTypeIdentifier: 'pass.org.muster.shared', teamIdentifier: 'SHARED1234' });
  own = makeTestPki({ passTypeIdentifier: 'pass.com.example.own', teamIdentifier: 'OWNTEAM123' });
});
// Every test starts from its own world: fresh fakes and a fresh Muster with two organisations, each
// with a list and an admin key, and no wallet credentials anywhere (neither theirs nor the installation's).
beforeEach(async () => {
  apns = await startFakeApns(shared);
  google = await startGoogleFake();
  srv = await startServer({ MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_APNS_URL: apns.url, MUSTER_APNS_CA_FILE: shared.caFile, MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: 'true' });
  for (const [k, name] of [['a', 'Northside College'], ['b', 'Southside Hospital']] as const) {
    const org = await srv.muster.lists.resolveOrganisation(name);
    const r = await srv.muster.lists.createList({ name: 'Staff', uid: 'userName', org: org.id, tokenLabel: 'Okta' });
    orgs[k] = {
      key: await srv.adminKey(org.id),
      listId: r.list.id, token: r.token!.secret, scim: `${srv.origin}/scim/v2/lists/${r.list.id}`,
    };
  }
});
afterEach(async () => {
  await srv?.close();
  await apns?.close();
  await google?.close();
});

const api = (org: 'a' | 'b', method: string, path: string, body?: unknown) => call(`${srv.origin}/api/v1${path}`, {
  method, headers: { authorization: `Bearer ${orgs[org].key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
});
const pkpass = async (org: 'a' | 'b', credentialId: string) => {
  const r = await fetch(`${srv.origin}/api/v1/lists/${orgs[org].listId}/credentials/${credentialId}/pkpass`, { headers: { authorization: `Bearer ${orgs[org].key}` } });
  expect(r.status).toBe(200);
  return JSON.parse(unzip(Buffer.from(await r.arrayBuffer())).get('pass.json')!.toString('utf8')) as Record<string, unknown>;
};
let n = 0;
async function person(org: 'a' | 'b'): Promise<string> {
  const r = await call(`${orgs[org].scim}/Users`, {
    method: 'POST', headers: { authorization: `Bearer ${orgs[org].token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify(user(`walker${++n}`, { displayName: `Walker ${n}` })),
  });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}
/** What the operator does (`muster` CLI): the installation's Apple certificate and Google service account. */
async function setInstallationWallets() {
  await srv.muster.appleWallet.put(INSTALLATION, { certificate: shared.pass.certificatePem, privateKey: shared.pass.privateKeyPem, wwdrCertificate: shared.ca.certificatePem }, { actor: 'cli' });
  await srv.muster.googleWallet.configure(INSTALLATION, { issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl }, { actor: 'cli' });
}
const issue = (org: 'a' | 'b', personId: string, kind: string) => api(org, 'POST', `/lists/${orgs[org].listId}/people/${personId}/credentials`, { kind });

/** The claims of a "Save to Google Wallet" link (https://pay.google.com/gp/v/save/{jwt}). */
const saveClaims = (url: string): Record<string, unknown> => {
  const jwt = url.replace(/^https:\/\/pay\.google\.com\/gp\/v\/save\//, '');
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
};

describe('wallet credentials of the installation', () => {
  it('with neither the organisation\'s nor the installation\'s, the person and their credentials say why the wallets cannot be issued, and where to set them up', async () => {
    const id = await person('a');
    const p = await api('a', 'GET', `/lists/${orgs.a.listId}/people/${id}`);
    expect(p.status, p.text).toBe(200);
    expect(p.body.issue.card).toMatchObject({ available: true });
    for (const kind of ['apple_pass', 'google_pass']) {
      expect(p.body.issue[kind]).toMatchObject({ available: false, source: null, setupUrl: '/settings/wallets' });
      expect(p.body.issue[kind].reason).toMatch(/not set up/);
    }
    const creds = await api('a', 'GET', `/lists/${orgs.a.listId}/people/${id}/credentials`);
    expect(creds.body.issue.apple_pass).toEqual(p.body.issue.apple_pass);
    expect((await issue('a', id, 'apple_pass')).body.error).toBe('apple_wallet_not_configured');
    expect((await issue('a', id, 'google_pass')).body.error).toBe('google_wallet_not_configured');
    expect((await api('a', 'GET', '/apple-wallet')).body).toEqual({ configured: false, source: null });
    expect((await api('a', 'GET', `/lists/${orgs.a.listId}/people/${id}/wallet-links`)).body).toEqual({ apple: null, google: null });
  });

  it('once the operator sets them, every organisation issues passes under them with its own name and colours', async () => {
    await setInstallationWallets();
    expect((await api('a', 'PUT', '/wallet-branding', { backgroundColor: '#0B3D91', foregroundColor: '#FFFFFF', logoUrl: 'https://northside.example/logo.png' })).status).toBe(200);
    expect((await api('a', 'PUT', '/wallet-branding', { backgroundColor: 'navy' })).body.error).toBe('invalid_body');

    for (const org of ['a', 'b'] as const) {
      const id = await person(org);
      const p = await api(org, 'GET', `/lists/${orgs[org].listId}/people/${id}`);
      expect(p.body.issue.apple_pass).toEqual({ available: true, source: 'installation', reason: null, setupUrl: null });
      expect(p.body.issue.google_pass).toMatchObject({ available: true, source: 'installation' });
      expect((await api(org, 'GET', '/apple-wallet')).body).toEqual({ configured: false, source: 'installation' });
      expect((await api(org, 'GET', '/google-wallet')).body).toEqual({ configured: false, source: 'installation' });

      const apple = await issue(org, id, 'apple_pass');
      expect(apple.status, apple.text).toBe(201);
      const pass = await pkpass(org, apple.body.id);
      expect(pass).toMatchObject({ passTypeIdentifier: 'pass.org.muster.shared', teamIdentifier: 'SHARED1234', organizationName: org === 'a' ? 'Northside College' : 'Southside Hospital' });
      expect(pass.backgroundColor).toBe(org === 'a' ? 'rgb(11, 61, 145)' : 'rgb(31, 41, 55)');

      const g = await issue(org, id, 'google_pass');
      expect(g.status, g.text).toBe(201);
      expect(g.body.google.saveUrl).toMatch(/^https:\/\/pay\.google\.com\/gp\/v\/save\//);
      const object = google.getObject(g.body.google.objectId as string) as Record<string, unknown>;
      expect(g.body.google.objectId).toBe(`${google.issuerId}.${g.body.id}`);
      expect(object).toMatchObject({ cardTitle: { defaultValue: { value: org === 'a' ? 'Northside College' : 'Southside Hospital' } } });
      if (org === 'a') expect(object).toMatchObject({ hexBackgroundColor: '#0b3d91', logo: { sourceUri: { uri: 'https://northside.example/logo.png' } } });
      else expect(object.hexBackgroundColor).toBeUndefined();

      // What a pass-delivery email carries: the Apple download link and Google's "Save" link.
      const links = await api(org, 'GET', `/lists/${orgs[org].listId}/people/${id}/wallet-links`);
      expect(links.status, links.text).toBe(200);
      expect(links.body).toMatchObject({ apple: { credentialId: apple.body.id }, google: { credentialId: g.body.id } });
      // The same save link, signed again: its claims match but for the issue time (iat, in seconds), which may have moved on.
      expect(saveClaims(links.body.google.saveUrl as string)).toEqual({ ...saveClaims(g.body.google.saveUrl as string), iat: expect.any(Number) });
      expect(links.body.apple.url).toMatch(new RegExp(`^${srv.origin}/passes/apple/${apple.body.id}\\.pkpass\\?expires=\\d+&signature=`));
      const download = await fetch(links.body.apple.url as string);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('application/vnd.apple.pkpass');
    }
  });

  it('an organisation\'s own credentials take precedence; passes issued before keep being signed by the installation\'s', async () => {
    await setInstallationWallets();
    const before = await person('b');
    const old = await issue('b', before, 'apple_pass');
    expect(old.status).toBe(201);
    const put = await api('b', 'PUT', '/apple-wallet', { organizationName: 'Southside Hospital', certificate: own.pass.certificatePem, privateKey: own.pass.privateKeyPem, wwdrCertificate: own.ca.certificatePem });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ configured: true, source: 'organisation', passTypeIdentifier: 'pass.com.example.own' });

    const id = await person('b');
    expect((await api('b', 'GET', `/lists/${orgs.b.listId}/people/${id}`)).body.issue.apple_pass).toMatchObject({ available: true, source: 'organisation' });
    const fresh = await issue('b', id, 'apple_pass');
    expect(await pkpass('b', fresh.body.id)).toMatchObject({ passTypeIdentifier: 'pass.com.example.own', teamIdentifier: 'OWNTEAM123' });
    expect(await pkpass('b', old.body.id)).toMatchObject({ passTypeIdentifier: 'pass.org.muster.shared', teamIdentifier: 'SHARED1234' });
    // The other organisation still uses the installation's.
    const other = await person('a');
    expect((await api('a', 'GET', `/lists/${orgs.a.listId}/people/${other}`)).body.issue.apple_pass).toMatchObject({ source: 'installation' });
  });

  it('the installation\'s credentials are stored sealed, shown without their keys, and removed by the operator', async () => {
    await setInstallationWallets();
    const sealed = await srv.muster.store.googleWallet.settings(INSTALLATION);
    expect(sealed?.key_enc).not.toContain('PRIVATE KEY');
    const v = await srv.muster.googleWallet.view(INSTALLATION);
    expect(JSON.stringify(v)).not.toContain('PRIVATE KEY');
    await srv.muster.googleWallet.remove(INSTALLATION, { actor: 'cli' });
    const id = await person('a');
    expect((await api('a', 'GET', `/lists/${orgs.a.listId}/people/${id}`)).body.issue.google_pass).toMatchObject({ available: false, setupUrl: '/settings/wallets' });
  });
});
