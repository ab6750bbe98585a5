/**
 * Wallets delivered under the installation's credentials (issue 14, items 1 and 4): the
 * installation owner (and nobody else) sets the installation's Apple and Google Wallet
 * credentials through the admin API, refused a new Apple pass type while passes of the old one
 * are live; an organisation's logo goes into its Apple passes; wallet passes are emailed through
 * a real SMTP server (smtp-server on loopback) from a person's page and as a job for many, and
 * recorded in the person's history; "your card is ready" follows a print batch where the
 * organisation turns it on; and email and wallet operator changes are in the security logs.
 * Every test runs on the engine MUSTER_TEST_ENGINE names, on its own server, SMTP server and
 * Google fake; a test that needs the installation's wallets sets them itself, as the owner does.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { makeTestPki, type TestPki } from './fakes/apns/certs.js';
import { startGoogleFake, type GoogleFake } from './fakes/google/index.js';
import { startGraphEmulator, type GraphEmulator } from './fakes/graph/index.js';
import { startFakeSmtp, type FakeSmtp } from './fakes/smtp/index.js';
import { portrait } from './helpers/sample-photos.js';
import { call, startServer, user, type ScimResult, type TestServer } from './helpers/server.js';
import { unzip } from './helpers/unzip.js';

/** A browser of one admin: keeps the session cookie and the CSRF token like the web app does. */
class Browser {
  cookie = '';
  csrf = '';
  constructor(private readonly origin: string) {}
  async req(method: string, p: string, body?: unknown): Promise<ScimResult> {
    const r = await call(`${this.origin}/api/v1${p}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}), ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}), origin: this.origin,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = r.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    if (r.body?.csrfToken) this.csrf = r.body.csrfToken;
    return r;
  }
}

const PASSWORD = 'a long enough passphrase';
const OWNER = 'olive@northside.example';
const OTHER_OWNER = 'sam@southside.example';
let pki: TestPki;
let next: TestPki;
let google: GoogleFake;
let smtp: FakeSmtp;
let srv: TestServer;
let owner: Browser;
let otherOwner: Browser;
let key: string;
let orgId: string;

// Certificates only read by the tests (never changed), made once: they are slow to make.
beforeAll(() => {
  pki = makeTestPki({ passTypeIdentifier: 'pass.org.muster.shared', teamIdentifier: 'SHARED1234' });
  next = makeTestPki({ passTypeIdentifier: 'pass.org.muster.next', teamIdentifier: 'SHARED1234' });
});
// Everything a test changes is new for each test: the Google fake, the SMTP server, Muster and its two owners.
beforeEach(async () => {
  google = await startGoogleFake();
  smtp = await startFakeSmtp({ key: pki.apnsServer.privateKeyPem, cert: pki.apnsServer.certificatePem });
  srv = await startServer({
    MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MUSTER_SMTP_CA_FILE: pki.caFile,
    MUSTER_SMTP_FROM: 'Muster <muster@school.example>', MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: 'true',
  });
  owner = new Browser(srv.origin);
  const setUp = await owner.req('POST', '/auth/setup', { organisation: 'Northside College', name: 'Olive Owner', email: OWNER, password: PASSWORD });
  expect(setUp.status, setUp.text).toBe(201);
  orgId = setUp.body.organisation.id;
  key = await srv.adminKey(orgId);
  const south = await srv.muster.lists.resolveOrganisation('Southside Hospital');
  await srv.muster.accounts.create(south.id, { email: OTHER_OWNER, name: 'Sam Owner', role: 'owner', password: PASSWORD });
  otherOwner = new Browser(srv.origin);
  expect((await otherOwner.req('POST', '/auth/sign-in', { email: OTHER_OWNER, password: PASSWORD })).status).toBe(200);
});
afterEach(async () => {
  await srv?.close();
  await smtp?.close();
  await google?.close();
});

const api = (method: string, path: string, body?: unknown) => call(`${srv.origin}/api/v1${path}`, {
  method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
});
const appleBody = (p: TestPki) => ({ certificate: p.pass.certificatePem, privateKey: p.pass.privateKeyPem, wwdrCertificate: p.ca.certificatePem });
const googleBody = () => ({ issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl });

/** The installation owner sets the installation's Apple (and unless 'apple only', Google) Wallet credentials, as in the first test. */
async function installationWallets(which: 'apple only' | 'both' = 'both'): Promise<void> {
  const apple = await owner.req('PUT', '/installation/apple-wallet', appleBody(pki));
  expect(apple.status, apple.text).toBe(200);
  if (which === 'apple only') return;
  const g = await owner.req('PUT', '/installation/google-wallet', googleBody());
  expect(g.status, g.text).toBe(200);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const sentTo = (address: string, count = 1) => until(`${count} email(s) to ${address}`, async () => {
  const got = smtp.received.filter((m) => m.to.includes(address));
  return got.length >= count ? got : undefined;
});
/** The raw message, quoted-printable soft line breaks joined, `=3D` decoded. */
const body = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

/** A list of the installation owner's organisation with SCIM people (each with an address unless `emails: []`). */
async function rosterList(name: string) {
  const { list, token } = await srv.muster.lists.createList({ name, uid: 'userName', org: orgId, tokenLabel: 'Okta' });
  const add = async (userName: string, extra: Record<string, unknown> = {}) => {
    const r = await call(`${srv.origin}/scim/v2/lists/${list.id}/Users`, {
      method: 'POST', headers: { authorization: `Bearer ${token!.secret}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(user(userName, extra)),
    });
    expect(r.status, r.text).toBe(201);
    return r.body.id as string;
  };
  return { id: list.id, add, token: token!.secret };
}

describe('the installation owner', () => {
  it('alone sets the installation\'s wallet credentials through the admin API; every change is in the installation\'s security log', async () => {
    expect((await owner.req('GET', '/auth/session')).body.admin).toMatchObject({ email: OWNER, role: 'owner', installationOwner: true });
    expect((await otherOwner.req('GET', '/auth/session')).body.admin).toMatchObject({ role: 'owner', installationOwner: false });
    expect((await owner.req('GET', '/installation/wallets')).body).toEqual({ apple: { configured: false }, google: { configured: false } });
    // Another organisation's owner and an admin API key are refused, in words.
    for (const r of [await otherOwner.req('PUT', '/installation/apple-wallet', appleBody(pki)), await api('GET', '/installation/wallets'), await api('PUT', '/installation/google-wallet', {})]) {
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ error: 'not_installation_owner', detail: expect.stringMatching(/installation's owner/) });
    }
    const apple = await owner.req('PUT', '/installation/apple-wallet', appleBody(pki));
    expect(apple.status, apple.text).toBe(200);
    expect(apple.body).toMatchObject({ configured: true, passTypeIdentifier: 'pass.org.muster.shared', teamIdentifier: 'SHARED1234' });
    expect(apple.text).not.toContain('PRIVATE KEY');
    const g = await owner.req('PUT', '/installation/google-wallet', { issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl });
    expect(g.status, g.text).toBe(200);
    expect(g.text).not.toContain('PRIVATE KEY');
    // Both organisations now issue under them.
    expect((await api('GET', '/apple-wallet')).body).toEqual({ configured: false, source: 'installation' });
    expect((await otherOwner.req('GET', '/google-wallet')).body).toEqual({ configured: false, source: 'installation' });

    const log = await owner.req('GET', '/installation/security-events');
    expect(log.status).toBe(200);
    expect(log.body.events.map((e: { action: string }) => e.action)).toEqual(['installation.google_wallet_set', 'installation.apple_wallet_set']);
    expect(log.body.events[1]).toMatchObject({ actor: `admin:${OWNER}`, target: 'pass.org.muster.shared', detail: { passTypeIdentifier: 'pass.org.muster.shared' } });
    expect((await otherOwner.req('GET', '/installation/security-events')).status).toBe(403);
  });

  it('moves to another owner from the command line only, never to an admin', async () => {
    const south = await srv.muster.lists.resolveOrganisation('Southside Hospital');
    await srv.muster.accounts.create(south.id, { email: 'ann@southside.example', name: 'Ann Admin', role: 'admin', password: PASSWORD });
    await expect(srv.muster.accounts.makeInstallationOwner('ann@southside.example')).rejects.toMatchObject({ code: 'not_owner' });
    await srv.muster.accounts.makeInstallationOwner(OTHER_OWNER);
    expect((await otherOwner.req('GET', '/installation/wallets')).status).toBe(200);
    expect((await owner.req('GET', '/installation/wallets')).status).toBe(403);
    await srv.muster.accounts.makeInstallationOwner(OWNER);
    expect((await owner.req('GET', '/installation/wallets')).status).toBe(200);
    expect((await otherOwner.req('GET', '/installation/wallets')).status).toBe(403);
  });
});

describe('passes under the installation\'s credentials', () => {
  it('an Apple pass carries the organisation\'s logo image as logo.png and logo@2x.png, fitted in Apple\'s logo area', async () => {
    await installationWallets('apple only');
    const wide = await sharp({ create: { width: 800, height: 200, channels: 4, background: { r: 200, g: 16, b: 46, alpha: 1 } } }).png().toBuffer();
    const put = await api('PUT', '/wallet-branding', { backgroundColor: '#0b3d91', foregroundColor: '#ffffff', logo: wide.toString('base64') });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ logoImage: true, backgroundColor: '#0b3d91' });
    expect((await api('PUT', '/wallet-branding', { logo: Buffer.from('not an image').toString('base64') })).body.error).toBe('invalid_body');
    const list = await rosterList('Logo');
    const id = await list.add('logo.person');
    const pass = await api('POST', `/lists/${list.id}/people/${id}/credentials`, { kind: 'apple_pass' });
    expect(pass.status, pass.text).toBe(201);
    const r = await fetch(`${srv.origin}/api/v1/lists/${list.id}/credentials/${pass.body.id}/pkpass`, { headers: { authorization: `Bearer ${key}` } });
    const files = unzip(Buffer.from(await r.arrayBuffer()));
    const [one, two] = await Promise.all([sharp(files.get('logo.png')!).metadata(), sharp(files.get('logo@2x.png')!).metadata()]);
    expect([one.width, one.height, two.width, two.height]).toEqual([160, 40, 320, 80]);
    const { data } = await sharp(files.get('logo@2x.png')!).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)]).toEqual([200, 16, 46]);
    expect(JSON.parse(files.get('manifest.json')!.toString('utf8'))).toHaveProperty('logo@2x.png');
    // Leaving the image out keeps it; null removes it.
    expect((await api('PUT', '/wallet-branding', { backgroundColor: '#0b3d91' })).body.logoImage).toBe(true);
    expect((await api('PUT', '/wallet-branding', { backgroundColor: '#0b3d91', logo: null })).body.logoImage).toBe(false);
  });
});

describe('wallet passes by email', () => {
  it('from a person\'s page: issues the passes they lack, emails both links through the wallet-pass template, and the history says so', async () => {
    await installationWallets();
    const list = await rosterList('Delivery');
    const id = await list.add('grace.hopper', { name: { givenName: 'Grace', familyName: 'Hopper' }, displayName: 'Grace Hopper' });
    const r = await api('POST', `/lists/${list.id}/people/${id}/wallet-passes/email`, {});
    expect(r.status, r.text).toBe(202);
    expect(r.body).toMatchObject({ issued: ['apple_pass', 'google_pass'], apple: true, google: true, message: { kind: 'wallet_pass', to: 'grace.hopper@work.example', state: 'queued' } });
    const [mail] = await sentTo('grace.hopper@work.example');
    const text = body(mail!.raw);
    expect(mail!.headers.get('subject')).toBe('Your Northside College ID for your phone');
    expect(text).toContain('Hello Grace Hopper');
    const appleLink = new RegExp(`${srv.origin}/passes/apple/[\\w-]+\\.pkpass\\?expires=\\d+&signature=[\\w-]+`).exec(text)?.[0];
    expect(appleLink, text).toBeTruthy();
    expect(text).toMatch(/https:\/\/pay\.google\.com\/gp\/v\/save\/[\w.-]+/);
    const pkpass = await fetch(appleLink!);
    expect(pkpass.status).toBe(200);
    expect(pkpass.headers.get('content-type')).toBe('application/vnd.apple.pkpass');
    await until('the message sent', async () => (await srv.muster.store.email.get(r.body.message.id))?.state === 'sent');

    // The person's history, in roster words.
    const history = await api('GET', `/lists/${list.id}/audit/events?personId=${id}&limit=50`);
    const emailed = history.body.events.find((e: { action: string }) => e.action === 'email.queued');
    expect(emailed.words.title).toBe('Wallet passes emailed');
    expect(emailed.words.facts).toEqual(expect.arrayContaining([
      { label: 'Sent to', text: 'grace.hopper@work.example' }, { label: 'Passes issued for it', text: 'Apple Wallet pass, Google Wallet pass' },
    ]));
    expect(history.body.events.filter((e: { action: string }) => e.action === 'credential.issued')).toHaveLength(2);

    // Again: the same passes, nothing issued.
    const again = await api('POST', `/lists/${list.id}/people/${id}/wallet-passes/email`, {});
    expect(again.body.issued).toEqual([]);
    await sentTo('grace.hopper@work.example', 2);

    // Nobody to send to, or nobody to issue to: refused in words, nothing queued.
    const noAddress = await list.add('no.address', { emails: [] });
    expect((await api('POST', `/lists/${list.id}/people/${noAddress}/wallet-passes/email`, {})).body.error).toBe('no_email_address');
    const leaver = await list.add('leaver');
    await call(`${srv.origin}/scim/v2/lists/${list.id}/Users/${leaver}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${list.token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] }),
    });
    expect((await api('POST', `/lists/${list.id}/people/${leaver}/wallet-passes/email`, {})).body.error).toBe('person_inactive');
  });

  it('to a selection or the whole list, as a job with progress that skips whom it cannot serve', async () => {
    await installationWallets();
    const list = await rosterList('Many');
    const a = await list.add('many.a'), b = await list.add('many.b'), none = await list.add('many.none', { emails: [] });
    const started = await api('POST', `/lists/${list.id}/wallet-passes/email`, { personIds: [a, none, b] });
    expect(started.status, started.text).toBe(202);
    const job = await until('the delivery job', async () => {
      const j = await api('GET', `/lists/${list.id}/jobs/${started.body.jobId}`);
      return j.body.status === 'done' || j.body.status === 'failed' ? j.body : undefined;
    });
    expect(job).toMatchObject({ status: 'done', total: 3, done: 3, percent: 100, result: { sent: 2, skippedCount: 1, skipped: [{ id: none, reason: 'no_email_address' }] } });
    await sentTo('many.a@work.example');
    await sentTo('many.b@work.example');

    // Everyone active on the list: the two again (their passes are reused).
    const all = await api('POST', `/lists/${list.id}/wallet-passes/email`);
    const done = await until('the whole-list job', async () => {
      const j = await api('GET', `/lists/${list.id}/jobs/${all.body.jobId}`);
      return j.body.status === 'done' || j.body.status === 'failed' ? j.body : undefined;
    });
    expect(done.result).toMatchObject({ sent: 2, skippedCount: 1 });
    await sentTo('many.a@work.example', 2);
    expect((await api('POST', `/lists/${list.id}/wallet-passes/email`, { personIds: [] })).body.error).toBe('invalid_body');
  });
});

describe('"your card is ready"', () => {
  it('is emailed to each person of a finished print batch only while the organisation has it on, and the switch is in the security log', async () => {
    expect((await api('GET', '/email')).body.cardReadyEmail).toBe(false);
    const on = await owner.req('PUT', '/email', { cardReadyEmail: true });
    expect(on.status, on.text).toBe(200);
    expect(on.body).toMatchObject({ cardReadyEmail: true, senderName: null });
    const list = await rosterList('Cards');
    const id = await list.add('card.holder', { displayName: 'Card Holder' });
    const up = await call(`${srv.origin}/api/v1/lists/${list.id}/people/${id}/photo`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'image/jpeg' }, body: new Uint8Array(await portrait()) });
    expect(up.status, up.text).toBe(201);
    await api('POST', `/lists/${list.id}/photos/${up.body.id}/approve`);
    const templateId = (await api('GET', `/lists/${list.id}/card-templates`)).body.templates[0].id;
    const print = async () => {
      const job = await api('POST', `/lists/${list.id}/print-jobs`, { templateId, layout: 'card', personIds: [id] });
      expect(job.status, job.text).toBe(202);
      return until('the print job', async () => {
        const j = await api('GET', `/lists/${list.id}/jobs/${job.body.id}`);
        return j.body.status === 'done' || j.body.status === 'failed' ? j.body : undefined;
      }, 60_000);
    };
    expect((await print()).status).toBe('done');
    const [mail] = await sentTo('card.holder@work.example');
    expect(mail!.headers.get('subject')).toBe('Your Northside College ID card is ready');
    const printed = (await api('GET', `/lists/${list.id}/audit/events?personId=${id}&action=cards.printed`)).body.events;
    expect(printed[0].detail).toMatchObject({ printed: 1, cardReadyEmails: 1 });

    expect((await owner.req('PUT', '/email', { cardReadyEmail: false })).body.cardReadyEmail).toBe(false);
    expect((await print()).status).toBe('done');
    const messages = (await api('GET', `/email/messages?personId=${id}`)).body.messages;
    expect(messages.filter((m: { kind: string }) => m.kind === 'card_ready')).toHaveLength(1);

    const log = (await owner.req('GET', '/security-events')).body.events.filter((e: { action: string }) => e.action === 'card_ready_email.changed');
    expect(log.map((e: { detail: unknown; actor: string }) => [e.detail, e.actor])).toEqual([[{ on: false }, `admin:${OWNER}`], [{ on: true }, `admin:${OWNER}`]]);
  });
});

describe('email operator changes', () => {
  it('the sender, reply-to and templates changed or reset are in the organisation\'s security log, by whom', async () => {
    expect((await owner.req('PUT', '/email', { senderName: 'Northside ID office', replyTo: 'id@northside.example' })).status).toBe(200);
    expect((await api('GET', '/email')).body).toMatchObject({ senderName: 'Northside ID office', replyTo: 'id@northside.example' });
    const tpl = await owner.req('PUT', '/email/templates/wallet_pass', { subject: 'Your pass, {{name}}', text: 'Apple: {{appleLink}} Google: {{googleLink}}', html: '' });
    expect(tpl.status, tpl.text).toBe(200);
    expect((await owner.req('DELETE', '/email/templates/wallet_pass')).status).toBe(200);
    const events = (await owner.req('GET', '/security-events')).body.events as { action: string; actor: string; target: string | null; detail: Record<string, unknown> }[];
    const of = (action: string) => events.find((e) => e.action === action)!;
    expect(of('email.settings_changed')).toMatchObject({ actor: `admin:${OWNER}`, detail: { senderName: { before: null, after: 'Northside ID office' }, replyTo: { after: 'id@northside.example' } } });
    expect(of('email.template_saved')).toMatchObject({ actor: `admin:${OWNER}`, target: 'wallet_pass', detail: { subject: 'Your pass, {{name}}' } });
    expect(of('email.template_reset')).toMatchObject({ target: 'wallet_pass' });
  });
});

describe('switching the installation\'s Apple pass type', () => {
  it('is refused while passes of the old one are live, saying what would break; allowed once they are revoked', async () => {
    await installationWallets('apple only');
    const list = await rosterList('Switch');
    const id = await list.add('switch.person');
    const pass = await api('POST', `/lists/${list.id}/people/${id}/credentials`, { kind: 'apple_pass' });
    expect(pass.status, pass.text).toBe(201);
    const refused = await owner.req('PUT', '/installation/apple-wallet', appleBody(next));
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('pass_type_in_use');
    expect(refused.body.detail).toMatch(/Apple pass(es)? issued under the installation's pass\.org\.muster\.shared .* still in use/);
    expect(refused.body.detail).toMatch(/could no longer be updated/);
    expect((await owner.req('GET', '/installation/wallets')).body.apple.passTypeIdentifier).toBe('pass.org.muster.shared');
    // A renewed certificate of the same pass type is always accepted.
    expect((await owner.req('PUT', '/installation/apple-wallet', appleBody(pki))).status).toBe(200);
    // Every live pass of the old type, in any organisation, revoked: the switch goes through.
    for (const c of await srv.muster.store.db.selectFrom('credentials').select(['id', 'list_id']).where('kind', '=', 'apple_pass').where('status', '!=', 'revoked').execute()) {
      expect((await api('POST', `/lists/${c.list_id}/credentials/${c.id}/revoke`, { reason: 'new pass type' })).status).toBe(200);
    }
    const switched = await owner.req('PUT', '/installation/apple-wallet', appleBody(next));
    expect(switched.status, switched.text).toBe(200);
    expect(switched.body.passTypeIdentifier).toBe('pass.org.muster.next');
  });
});

describe('a fresh start with no environment variables', () => {
  let graph: GraphEmulator;
  afterEach(async () => graph?.close());

  it('connects Entra (against the emulator) and sets up wallets without ever being told to set a key', async () => {
    graph = await startGraphEmulator();
    const { groups } = graph.seed({ users: 3, groups: [{ name: 'Staff', members: 3 }], seed: 5 });
    // Only what points Muster at the fakes instead of Microsoft and Google.
    const fresh = await startServer({ MUSTER_ENTRA_CUSTOM_ENDPOINTS: 'true', MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: 'true' });
    try {
      expect(fresh.muster.secretKey).toMatchObject({ kind: 'file', created: true });
      const b = new Browser(fresh.origin);
      const said: string[] = [];
      const req = async (method: string, p: string, bodyIn?: unknown) => {
        const r = await b.req(method, p, bodyIn);
        said.push(r.text);
        return r;
      };
      expect((await req('POST', '/auth/setup', { organisation: 'Fresh College', name: 'Fay First', email: 'fay@fresh.example', password: PASSWORD })).status).toBe(201);
      const list = await req('POST', '/lists', { name: 'Staff', uidAttribute: 'userName', syncMethod: 'none' });
      expect(list.status, list.text).toBe(201);
      const listId = (list.body.list?.id ?? list.body.id) as string;
      const connect = await req('PUT', `/lists/${listId}/entra`, {
        tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, groupIds: [groups[0]!.id], schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url,
      });
      expect(connect.status, connect.text).toBe(200);
      expect((await req('POST', `/lists/${listId}/entra/test`)).body).toMatchObject({ ok: true });
      expect((await req('PUT', '/installation/apple-wallet', appleBody(pki))).status).toBe(200);
      expect((await req('PUT', '/installation/google-wallet', { issuerId: google.issuerId, serviceAccountKey: google.account.keyFile, apiUrl: google.apiUrl })).status).toBe(200);
      expect((await req('PUT', '/apple-wallet', { organizationName: 'Fresh College', ...appleBody(next) })).status).toBe(200);
      for (const text of said) expect(text).not.toMatch(/MUSTER_SECRET_KEY|secret key/i);
    } finally {
      await fresh.close();
    }
  });
});

describe('the installation\'s wallets from the environment', () => {
  it('are stored at start from the files named, once (a restart or a second node changes nothing), and recorded as set by the environment', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-wallet-env-'));
    const file = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
      return path.join(dir, name);
    };
    const env = {
      MUSTER_SECRET_KEY: randomBytes(32).toString('base64'), MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS: 'true',
      MUSTER_APPLE_PASS_CERTIFICATE_FILE: file('pass.pem', pki.pass.certificatePem), MUSTER_APPLE_PASS_KEY_FILE: file('pass.key', pki.pass.privateKeyPem),
      MUSTER_APPLE_WWDR_FILE: file('wwdr.pem', pki.ca.certificatePem),
      MUSTER_GOOGLE_WALLET_ISSUER_ID: google.issuerId, MUSTER_GOOGLE_WALLET_KEY_FILE: file('key.json', JSON.stringify(google.account.keyFile)),
    };
    const a = await startServer(env);
    let b: TestServer | undefined;
    try {
      const v = await a.muster.installationWallets.view();
      expect(v.apple).toMatchObject({ configured: true, passTypeIdentifier: 'pass.org.muster.shared' });
      expect(v.google).toMatchObject({ configured: true, issuerId: google.issuerId });
      const events = async (s: TestServer) => (await s.muster.installationWallets.events(50)).events.map((e) => `${e.action} by ${e.actor}`);
      expect(await events(a)).toEqual(['installation.google_wallet_set by environment', 'installation.apple_wallet_set by environment']);
      b = await startServer(env, { sharing: a });
      expect(await events(b)).toHaveLength(2);
      // Files Muster cannot use leave the stored credentials as they are.
      fs.writeFileSync(env.MUSTER_APPLE_PASS_CERTIFICATE_FILE, next.pass.certificatePem);
      await b.close();
      b = await startServer(env, { sharing: a });
      expect((await b.muster.installationWallets.view()).apple).toMatchObject({ passTypeIdentifier: 'pass.org.muster.shared' });
      expect(await events(b)).toHaveLength(2);
    } finally {
      await b?.close();
      await a.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => loadConfig({ MUSTER_APPLE_PASS_CERTIFICATE_FILE: '/x.pem' })).toThrow(/MUSTER_APPLE_PASS_KEY_FILE go together[\s\S]*MUSTER_APPLE_WWDR_FILE must name/);
    expect(() => loadConfig({ MUSTER_GOOGLE_WALLET_ISSUER_ID: '3388000000022222228' })).toThrow(/MUSTER_GOOGLE_WALLET_KEY_FILE go together/);
  });
});
