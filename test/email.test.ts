/**
 * Email through a real SMTP server (issue 14, item 1): Muster's outbox against the smtp-server
 * package listening on loopback, over STARTTLS with AUTH and over TLS from the start; a server that
 * refuses a recipient (5xx: failed, never retried), one that answers 4xx and then accepts (retried
 * with backoff, then sent once), one that is down (retried with growing backoff, sent once it is
 * up); templates and sender settings per organisation; and two Muster nodes on one database never
 * sending a message twice. Every test runs on the engine MUSTER_TEST_ENGINE names.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmailMessageRow } from '../src/store/index.js';
import { makeTestPki, type TestPki } from './fakes/apns/certs.js';
import { closedPort, startFakeSmtp, type FakeSmtp } from './fakes/smtp/index.js';
import { call, startServer, user, type TestServer } from './helpers/server.js';

let pki: TestPki;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => {
  pki = makeTestPki();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => undefined);

const FROM = 'Muster <muster@school.example>';

async function smtp(opts: Parameters<typeof startFakeSmtp>[0] = {}): Promise<FakeSmtp> {
  const s = await startFakeSmtp({ key: pki.apnsServer.privateKeyPem, cert: pki.apnsServer.certificatePem, ...opts });
  cleanups.push(() => s.close());
  return s;
}

interface Node {
  readonly srv: TestServer;
  readonly key: string;
  api(method: string, path: string, body?: unknown): ReturnType<typeof call>;
}

async function node(env: Record<string, string>, sharing?: Node): Promise<Node> {
  const srv = await startServer({ MUSTER_SMTP_CA_FILE: pki.caFile, MUSTER_SMTP_FROM: FROM, ...env }, sharing ? { sharing: sharing.srv } : {});
  cleanups.push(() => srv.close());
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  const key = await srv.adminKey(org.id);
  return {
    srv, key,
    api: (method, path, body) => call(`${srv.origin}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
    }),
  };
}

async function person(n: Node, userName: string, extra: Record<string, unknown> = {}) {
  const list = await n.srv.newList({ name: `List ${userName}` });
  const r = await list.req('POST', '/Users', user(userName, extra));
  expect(r.status, r.text).toBe(201);
  return { listId: list.id, personId: r.body.id as string, email: `${userName}@work.example` };
}

async function invite(n: Node, p: { listId: string; personId: string }): Promise<string> {
  const r = await n.api('POST', `/lists/${p.listId}/people/${p.personId}/photo-link/email`, { hours: 48 });
  expect(r.status, r.text).toBe(202);
  expect(r.body.message).toMatchObject({ kind: 'photo_invitation', state: 'queued', to: expect.stringContaining('@work.example') });
  expect(JSON.stringify(r.body)).not.toMatch(/\/p\//); // the link goes to the person, not to the admin's screen
  return r.body.message.id as string;
}

const row = async (n: Node, id: string) => (await n.srv.muster.store.email.get(id))!;

async function until(what: string, fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const settled = (n: Node, id: string, attempts = 1) => until(`message ${id} settled after ${attempts} attempt(s)`, async () => {
  const m = await row(n, id);
  return m.state === 'sent' || m.state === 'failed' || (m.state === 'queued' && Number(m.attempts) >= attempts);
});
/** Time passes: the message's backoff is over. */
const dueNow = (n: Node, id: string) => n.srv.muster.store.db.updateTable('email_messages').set({ next_attempt_at: new Date(0).toISOString() }).where('id', '=', id).execute();

function expectBackoff(m: EmailMessageRow, attempts: number) {
  expect(m.state).toBe('queued');
  expect(Number(m.attempts)).toBe(attempts);
  // 1 minute doubled per attempt, ±20% jitter, counted from the failed attempt.
  const wait = Date.parse(m.next_attempt_at) - Date.parse(m.updated_at);
  const base = 60_000 * 2 ** (attempts - 1);
  expect(wait).toBeGreaterThanOrEqual(base * 0.8 - 1);
  expect(wait).toBeLessThanOrEqual(base * 1.2 + 1);
}

describe('email through a real SMTP server', () => {
  it('sends a self-upload invitation over STARTTLS with AUTH, in the organisation\'s words, with values escaped in HTML, and records the server\'s reply', async () => {
    const server = await smtp({ auth: { user: 'muster', pass: 'p@ss:word/1' } });
    const n = await node({ MUSTER_SMTP_URL: `smtp://muster:${encodeURIComponent('p@ss:word/1')}@127.0.0.1:${server.port}` });
    expect((await n.api('GET', '/email')).body).toMatchObject({ configured: true, fromAddress: 'muster@school.example', senderName: null, replyTo: null, defaultSenderName: 'Test organisation' });
    expect((await n.api('PUT', '/email', { senderName: 'Riverside College ID office', replyTo: 'idcards@riverside.example' })).status).toBe(200);
    const tpl = await n.api('PUT', '/email/templates/photo_invitation', {
      subject: 'Photo for {{name}}', text: 'Dear {{name}}, upload here: {{link}} (until {{expires}})', html: '<p>Dear <b>{{name}}</b>, <a href="{{link}}">upload</a></p>',
    });
    expect(tpl.status, tpl.text).toBe(200);
    const p = await person(n, 'ada', { displayName: 'Ada <i>"Countess"</i> & Co' });
    const id = await invite(n, p);
    await settled(n, id);
    const m = await row(n, id);
    expect(m).toMatchObject({ state: 'sent', attempts: 1, to_address: p.email, person_id: p.personId, kind: 'photo_invitation' });
    expect(m.last_reply).toMatch(/^250 .*queued as 1/);
    expect(server.received).toHaveLength(1);
    const got = server.received[0]!;
    expect(got).toMatchObject({ to: [p.email], from: 'muster@school.example', secure: true, user: 'muster' });
    expect(got.headers.get('from')).toBe('Riverside College ID office <muster@school.example>');
    expect(got.headers.get('reply-to')).toBe('idcards@riverside.example');
    expect(got.messageId).toBe(m.message_id);
    expect(got.raw).toContain('Dear <b>Ada &lt;i&gt;&quot;Countess&quot;&lt;/i&gt; &amp; Co</b>');
    // The link in the email is the person's own, and it works.
    const link = /http:\/\/127\.0\.0\.1:\d+\/p\/[\w-]{43}/.exec(got.raw.replace(/=\r?\n/g, ''))![0];
    expect((await call(link, {})).status).toBe(200);
    // The person's audit trail says an invitation was queued; the messages list shows it sent.
    const events = (await n.api('GET', `/lists/${p.listId}/audit/events?action=email.queued`)).body.events;
    expect(events).toHaveLength(1);
    expect(events[0].detail).toMatchObject({ messageId: id, kind: 'photo_invitation', to: p.email });
    const list = (await n.api('GET', `/email/messages?personId=${p.personId}`)).body.messages;
    expect(list).toEqual([expect.objectContaining({ id, state: 'sent', attempts: 1, lastReply: expect.stringMatching(/^250/) })]);
  });

  it('sends over TLS from the start (smtps://)', async () => {
    const server = await smtp({ tls: 'implicit' });
    const n = await node({ MUSTER_SMTP_URL: `smtps://127.0.0.1:${server.port}` });
    const id = await invite(n, await person(n, 'grace'));
    await settled(n, id);
    expect((await row(n, id)).state).toBe('sent');
    expect(server.received.map((r) => r.secure)).toEqual([true]);
  });

  it('a recipient the server refuses (550) fails at once with the reply, and is never tried again', async () => {
    const server = await smtp({ onRecipient: (a) => (a.startsWith('gone@') ? { code: 550, message: '5.1.1 <gone@work.example>: mailbox unavailable' } : undefined) });
    const n = await node({ MUSTER_SMTP_URL: `smtp://127.0.0.1:${server.port}` });
    const gone = await invite(n, await person(n, 'gone'));
    const fine = await invite(n, await person(n, 'fine'));
    await settled(n, gone);
    await settled(n, fine);
    const m = await row(n, gone);
    expect(m).toMatchObject({ state: 'failed', attempts: 1, sent_at: null });
    expect(m.last_reply).toMatch(/^550 5\.1\.1 .*mailbox unavailable/);
    expect((await row(n, fine)).state).toBe('sent');
    // Even when it would be due again, a failed message stays failed.
    await dueNow(n, gone);
    await new Promise((r) => setTimeout(r, 1500));
    expect(server.recipientsTried.filter((a) => a.startsWith('gone@'))).toHaveLength(1);
    expect((await row(n, gone)).state).toBe('failed');
  });

  it('a temporary refusal (451) is retried with backoff, then sent exactly once', async () => {
    let refusals = 1;
    const server = await smtp({ onRecipient: () => (refusals-- > 0 ? { code: 451, message: '4.7.1 Greylisted, try again later' } : undefined) });
    const n = await node({ MUSTER_SMTP_URL: `smtp://127.0.0.1:${server.port}` });
    const id = await invite(n, await person(n, 'grey'));
    await settled(n, id);
    const first = await row(n, id);
    expectBackoff(first, 1);
    expect(first.last_reply).toMatch(/^451 4\.7\.1 Greylisted/);
    expect(server.received).toHaveLength(0);
    await dueNow(n, id);
    await settled(n, id, 2);
    expect(await row(n, id)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(server.received).toHaveLength(1);
    expect(server.recipientsTried).toHaveLength(2);
  });

  it('a server that is down: retried with growing backoff, sent once it is up', async () => {
    const port = await closedPort();
    const n = await node({ MUSTER_SMTP_URL: `smtp://127.0.0.1:${port}?tls=none` });
    const id = await invite(n, await person(n, 'patient'));
    await settled(n, id);
    const first = await row(n, id);
    expectBackoff(first, 1);
    expect(first.last_reply).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
    await dueNow(n, id);
    await settled(n, id, 2);
    expectBackoff(await row(n, id), 2);
    const server = await smtp({ tls: 'none', port });
    await dueNow(n, id);
    await settled(n, id, 3);
    expect(await row(n, id)).toMatchObject({ state: 'sent', attempts: 3 });
    expect(server.received).toHaveLength(1);
  });

  it('templates: defaults, a preview with sample values escaped, every problem of a bad draft, and reset', async () => {
    const n = await node({ MUSTER_SMTP_URL: 'smtp://127.0.0.1:2525' });
    const all = (await n.api('GET', '/email/templates')).body.templates;
    expect(all.map((t: { kind: string }) => t.kind)).toEqual(['photo_invitation', 'photo_reminder', 'wallet_pass', 'card_ready']);
    expect(all[0]).toMatchObject({ custom: false, required: ['link'], values: expect.objectContaining({ link: expect.any(String) }) });
    const preview = await n.api('POST', '/email/templates/card_ready/preview', { subject: 'Card for {{name}}', text: 'Collect it, {{name}}.', html: '<p>{{organisation}} & {{name}}</p>' });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toMatchObject({ subject: 'Card for Ada Lovelace', text: 'Collect it, Ada Lovelace.', html: '<p>Test organisation & Ada Lovelace</p>', from: { name: 'Test organisation', address: 'muster@school.example' } });
    const bad = await n.api('PUT', '/email/templates/photo_reminder', { subject: '', text: 'Hello {{nmae}}', html: '' });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toBe('invalid_template');
    expect(bad.body.problems.map((p: { message: string }) => p.message)).toEqual(expect.arrayContaining(['give the message a subject', 'the message must contain {{link}}', expect.stringMatching(/\{\{nmae\}\} is not a value/)]));
    expect((await n.api('PUT', '/email/templates/nope', { subject: 'x', text: 'y' })).status).toBe(404);
    expect((await n.api('PUT', '/email/templates/card_ready', { subject: 'Ready', text: 'Yours, {{name}}' })).body).toMatchObject({ custom: true, subject: 'Ready', html: '' });
    expect((await n.api('DELETE', '/email/templates/card_ready')).body).toMatchObject({ custom: false, subject: 'Your {{organisation}} ID card is ready' });
    expect((await n.api('PUT', '/email', { replyTo: 'not an address' })).status).toBe(400);
  });

  it('without SMTP the API says so, and an invitation is refused with the copy-the-link fallback named', async () => {
    const n = await node({ MUSTER_SMTP_FROM: '', MUSTER_SMTP_CA_FILE: '' });
    expect((await n.api('GET', '/email')).body).toMatchObject({ configured: false, fromAddress: null });
    const p = await person(n, 'nomail');
    const r = await n.api('POST', `/lists/${p.listId}/people/${p.personId}/photo-link/email`, {});
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: 'email_not_configured', detail: expect.stringMatching(/Copy the link/) });
    // The link itself still works as before.
    expect((await n.api('POST', `/lists/${p.listId}/people/${p.personId}/photo-link`, {})).status).toBe(201);
  });

  it('a person without an email address cannot be invited by email', async () => {
    const n = await node({ MUSTER_SMTP_URL: 'smtp://127.0.0.1:2525' });
    const p = await person(n, 'noaddress', { emails: [] });
    const r = await n.api('POST', `/lists/${p.listId}/people/${p.personId}/photo-link/email`, {});
    expect(r.status).toBe(422);
    expect(r.body.error).toBe('no_email_address');
  });

  it('a lease takes at most its batch of the due messages, and never one twice (on PostgreSQL it once took them all)', async () => {
    const server = await smtp();
    const a = await node({ MUSTER_SMTP_URL: `smtp://127.0.0.1:${server.port}` });
    const org = await a.srv.muster.lists.resolveOrganisation('Test organisation');
    await a.srv.muster.jobs.stop();
    await a.srv.muster.store.transaction((tx) => a.srv.muster.email.enqueue(tx, Array.from({ length: 40 }, (_, i) => ({
      orgId: org.id, listId: null, personId: null, kind: 'card_ready' as const, to: `l${i}@work.example`, values: { name: `Person ${i}` },
    })), { actor: 'test' }));
    const now = new Date().toISOString(), until = new Date(Date.now() + 60_000).toISOString();
    const first = await a.srv.muster.store.email.claim('worker-1', now, until, 10);
    const second = await a.srv.muster.store.email.claim('worker-2', now, until, 10);
    expect(first).toHaveLength(10);
    expect(second).toHaveLength(10);
    expect(new Set([...first, ...second].map((m) => m.id)).size).toBe(20);
    expect([...first, ...second].every((m) => m.state === 'sending')).toBe(true);
  });

  it('MUSTER_SMTP_MAX_PER_SECOND paces the sending: 40 messages at 20 a second take at least 1.5 s, each sent once', async () => {
    const server = await smtp();
    const a = await node({ MUSTER_SMTP_URL: `smtp://127.0.0.1:${server.port}`, MUSTER_SMTP_MAX_PER_SECOND: '20' });
    const org = await a.srv.muster.lists.resolveOrganisation('Test organisation');
    await a.srv.muster.jobs.stop();
    await a.srv.muster.store.transaction((tx) => a.srv.muster.email.enqueue(tx, Array.from({ length: 40 }, (_, i) => ({
      orgId: org.id, listId: null, personId: null, kind: 'card_ready' as const, to: `r${i}@work.example`, values: { name: `Person ${i}` },
    })), { actor: 'test' }));
    const started = performance.now();
    a.srv.muster.jobs.start();
    await until('all 40 sent', async () => (await a.srv.muster.store.email.recent(org.id, { state: 'sent', limit: 500 })).length === 40, 30_000);
    // Batches of 10, the next no sooner than 10 / 20 s after the one before: the fourth starts at 1.5 s
    // at the earliest. Only a lower bound: a busy machine can make it slower, never faster.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(server.received).toHaveLength(40);
    expect(new Set(server.received.map((r) => r.messageId)).size).toBe(40);
  });

  it('two Muster nodes on one database send each of 60 messages exactly once', async () => {
    const server = await smtp();
    const url = `smtp://127.0.0.1:${server.port}`;
    const a = await node({ MUSTER_SMTP_URL: url });
    const b = await node({ MUSTER_SMTP_URL: url }, a);
    const org = await a.srv.muster.lists.resolveOrganisation('Test organisation');
    // Queued while both runners are stopped, so that both start on the same backlog at once.
    await Promise.all([a.srv.muster.jobs.stop(), b.srv.muster.jobs.stop()]);
    const ids = await a.srv.muster.store.transaction((tx) => a.srv.muster.email.enqueue(tx, Array.from({ length: 60 }, (_, i) => ({
      orgId: org.id, listId: null, personId: null, kind: 'card_ready' as const, to: `p${i}@work.example`, values: { name: `Person ${i}` },
    })), { actor: 'test' }));
    a.srv.muster.jobs.start();
    b.srv.muster.jobs.start();
    await until('all 60 sent', async () => (await a.srv.muster.store.email.recent(org.id, { state: 'sent', limit: 500 })).length === 60, 30_000);
    expect(server.received).toHaveLength(60);
    expect(new Set(server.received.map((r) => r.messageId)).size).toBe(60);
    expect(server.received.map((r) => r.to[0]).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `p${i}@work.example`).sort());
    for (const id of ids) expect(Number((await row(a, id)).attempts)).toBe(1);
  });
});
