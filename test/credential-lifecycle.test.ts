/**
 * Issue #8's "done when", as one journey over real HTTP: a person provisioned through SCIM sends
 * a selfie through their self-upload link, an admin approves it, their card is printed (the PDF
 * checked as pixels), they get an Apple and a Google Wallet pass; then the IdP deactivates them,
 * and within 5 seconds the Apple pass is voided and pushed (fake APNs over HTTP/2 with client
 * certificates), the Google object is EXPIRED (fake Google), and every QR code answers revoked,
 * with every step in the audit trail.
 */
import { randomBytes } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isDark, rasterise } from './unit/credentials/test-fixtures.js';
import { makeTestPki, type TestPki } from './fakes/apns/certs.js';
import { startFakeApns, type FakeApns } from './fakes/apns/index.js';
import { WalletDevice } from './fakes/apns/wallet-device.js';
import { startGoogleFake, type GoogleFake } from './fakes/google/index.js';
import { call, ENTERPRISE, PATCH_OP, startServer, user, type TestList, type TestServer } from './helpers/server.js';
import { portrait } from './helpers/sample-photos.js';

let srv: TestServer;
let pki: TestPki;
let apns: FakeApns;
let google: GoogleFake;
let key: string;
let list: TestList;

beforeAll(async () => {
  pki = makeTestPki();
  apns = await startFakeApns(pki);
  google = await startGoogleFake();
  srv = await startServer({
    MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_APNS_URL: apns.url, MUSTER_APNS_CA_FILE: pki.caFile, MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: 'true',
  });
  list = await srv.newList({ name: 'Staff', tokenLabel: 'Okta' });
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  key = await srv.adminKey(org.id);
});
afterAll(async () => {
  await srv.close();
  await apns.close();
  await google.close();
});

const api = (method: string, p: string, body?: unknown) => call(`${srv.origin}/api/v1${p}`, {
  method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
});
const download = async (p: string) => Buffer.from(await (await fetch(`${srv.origin}/api/v1${p}`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer());
const okta = { 'user-agent': 'Okta SCIM Client 1.0.0' };
const status = async (verifyUrl: string) => (await call(verifyUrl, { headers: { accept: 'application/json' } })).body.status as string;
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('joined → photographed → approved → printed → both wallet passes → deactivated by the IdP → revoked everywhere within 5 s, all in the audit trail', async () => {
  // Joined: Okta provisions Łukasz.
  const created = await list.req('POST', '/Users', user('lukasz', {
    name: { givenName: 'Łukasz', familyName: 'Żółć' }, displayName: 'Łukasz Żółć', title: 'Engineer', [ENTERPRISE]: { employeeNumber: 'E-1001', department: 'Research' },
  }), okta);
  expect(created.status, created.text).toBe(201);
  const id = created.body.id as string;

  // Photographed: he opens his self-upload link and sends a selfie (a real multipart form post).
  const link = await api('POST', `/lists/${list.id}/people/${id}/photo-link`, {});
  const selfie = await portrait();
  const form = new FormData();
  form.set('photo', new Blob([new Uint8Array(selfie)], { type: 'image/jpeg' }), 'selfie.jpg');
  const sent = await fetch(link.body.url, { method: 'POST', body: form });
  expect(sent.status, await sent.text()).toBe(201);

  // Approved.
  const queue = await api('GET', `/lists/${list.id}/photos?status=pending`);
  const photo = queue.body.photos.find((p: { personId: string }) => p.personId === id);
  expect((await api('POST', `/lists/${list.id}/photos/${photo.id}/approve`)).body.status).toBe('approved');

  // Printed: a card-printer PDF whose front shows the photo and the name.
  const templateId = (await api('GET', `/lists/${list.id}/card-templates`)).body.templates[0].id;
  const job = await api('POST', `/lists/${list.id}/print-jobs`, { templateId, layout: 'card', sides: 'both', personIds: [id] });
  await until('the print job', async () => (await api('GET', `/lists/${list.id}/jobs/${job.body.id}`)).body.status === 'done', 20_000);
  const pdf = await download(`/lists/${list.id}/print-jobs/${job.body.id}/pdf`);
  expect((await PDFDocument.load(pdf)).getPageCount()).toBe(2);
  const front = await rasterise(new Uint8Array(pdf), 0, 3);
  const mm = 72 / 25.4;
  expect(new Set(front.region(5 * mm, 15 * mm, 23 * mm, 30 * mm).map((p) => p.map((v) => v >> 4).join(','))).size).toBeGreaterThan(40);
  expect(front.region(32 * mm, 15 * mm, 50 * mm, 10 * mm).filter(isDark).length).toBeGreaterThan(50);
  const card = (await api('GET', `/lists/${list.id}/people/${id}/credentials`)).body.credentials.find((c: { kind: string }) => c.kind === 'card');
  expect(card.status).toBe('valid');

  // Both wallet passes, once the organisation has set them up.
  expect((await api('PUT', '/apple-wallet', { organizationName: 'Example Ltd', certificate: pki.pass.certificatePem, privateKey: pki.pass.privateKeyPem, wwdrCertificate: pki.ca.certificatePem })).status).toBe(200);
  expect((await api('PUT', '/google-wallet', { issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl })).status).toBe(200);
  const apple = (await api('POST', `/lists/${list.id}/people/${id}/credentials`, { kind: 'apple_pass' })).body;
  const gpass = (await api('POST', `/lists/${list.id}/people/${id}/credentials`, { kind: 'google_pass' })).body;
  expect(gpass.google.saveUrl).toMatch(/^https:\/\/pay\.google\.com\/gp\/v\/save\//);
  expect(google.getObject(gpass.google.objectId)?.state).toBe('ACTIVE');
  const iphone = new WalletDevice(`${srv.origin}/passkit`, 'iphone-of-lukasz', randomBytes(32).toString('hex'), apns);
  apns.addDevice(iphone.pushToken, pki.passTypeIdentifier);
  expect(await iphone.add(await download(`/lists/${list.id}/credentials/${apple.id}/pkpass`))).toBe(201);
  for (const c of [card, apple, gpass]) expect(await status(c.verifyUrl)).toBe('valid');

  // Left: Okta deactivates him.
  const t0 = Date.now();
  const off = await list.req('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: 'False' } }] }, okta);
  expect([200, 204], off.text).toContain(off.status);
  for (const c of [card, apple, gpass]) expect(await status(c.verifyUrl)).toBe('revoked');
  await until('the Apple pass voided on the iPhone', () => iphone.passes.get(apple.id)?.json.voided === true);
  await until('the Google object expired', () => google.getObject(gpass.google.objectId)?.state === 'EXPIRED');
  expect(Date.now() - t0).toBeLessThan(5000);

  // Every step, in order, in the (verifiable) audit trail.
  const mine = new Set([id, card.id, apple.id, gpass.id]);
  let trail: { action: string; requestId: string | null }[] = [];
  await until('the audit of both wallet updates', async () => {
    trail = (await api('GET', `/lists/${list.id}/audit/events?order=asc&limit=1000`)).body.events
      .filter((e: { target: { id: string } | null; detail: { personId?: string } | null }) => mine.has(e.target?.id ?? '') || mine.has(e.detail?.personId ?? ''));
    const actions = trail.map((e) => e.action);
    return actions.includes('credential.pass_pushed') && actions.includes('credential.google_object_updated');
  });
  const actions = trail.map((e) => e.action);
  expect(actions.slice(0, 4)).toEqual(['person.created', 'photo.link_created', 'photo.uploaded', 'photo.approved']);
  expect(actions.filter((a) => a === 'credential.issued')).toHaveLength(3);
  const printed = (await api('GET', `/lists/${list.id}/audit/events?action=cards.printed`)).body.events;
  expect(printed.map((e: { detail: { jobId: string; printed: number } }) => [e.detail.jobId, e.detail.printed])).toEqual([[job.body.id, 1]]);
  const deactivated = trail.find((e) => e.action === 'person.deactivated')!;
  const afterDeactivation = trail.slice(trail.indexOf(deactivated) + 1);
  expect(afterDeactivation.filter((e) => e.action === 'credential.revoked')).toHaveLength(3);
  for (const e of afterDeactivation) expect(e.requestId, e.action).toBe(deactivated.requestId);
  expect(afterDeactivation.map((e) => e.action)).toEqual(expect.arrayContaining(['credential.pass_pushed', 'credential.google_object_updated']));

  // Issue 13, item 4: the person's own history (what the person page and "Open in the audit trail"
  // read) holds every one of these events, the wallet passes' included, in words.
  const history = (await api('GET', `/lists/${list.id}/audit/events?order=asc&limit=1000&personId=${id}`)).body.events as { seq: number; action: string; words: { title: string } }[];
  // Everything found above by credential and person id (and the print batch, filed under everyone it printed).
  expect(history.map((e) => e.seq)).toEqual(expect.arrayContaining(trail.map((e) => (e as unknown as { seq: number }).seq)));
  const titles = history.map((e) => e.words.title);
  for (const t of ['Self-upload link sent', 'Photo uploaded', 'Photo approved', 'Credential issued: printed card', 'Credential issued: Apple Wallet pass', 'Credential issued: Google Wallet pass', 'Cards printed', 'Pass update pushed to the phone', 'Google Wallet pass expired', 'Credential revoked: printed card']) {
    expect(titles, t).toContainEqual(expect.stringContaining(t));
  }
  expect((await api('GET', `/lists/${list.id}/audit/verify`)).body.ok).toBe(true);
}, 60_000);
