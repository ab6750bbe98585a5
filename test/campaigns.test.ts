/**
 * Photo campaigns (issue 14, item 2) over HTTP, through a real SMTP server on loopback (the
 * smtp-server package): a campaign of 50 with people without an address listed as such, a filter
 * of the list, reminders after N days on a simulated clock, resend, a refused recipient with the
 * server's reply on the person's row, the list's automatic invitations of new people, no SMTP,
 * and two nodes on one database (one of them resuming a campaign another node left half done)
 * never inviting anyone twice. Every test runs on the engine MUSTER_TEST_ENGINE names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { autoCampaignId, CAMPAIGN_JOB, campaignInviteConsumer } from '../src/email/index.js';
import { startFakeSmtp, type FakeSmtp, type ReceivedEmail } from './fakes/smtp/index.js';
import { portrait } from './helpers/sample-photos.js';
import { call, ENTERPRISE, PATCH_OP, startServer, user, type TestList, type TestServer } from './helpers/server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function smtp(opts: Parameters<typeof startFakeSmtp>[0] = {}): Promise<FakeSmtp> {
  const s = await startFakeSmtp({ tls: 'none', ...opts });
  cleanups.push(() => s.close());
  return s;
}

interface Node {
  readonly srv: TestServer;
  api(method: string, path: string, body?: unknown): ReturnType<typeof call>;
}

/** A simulated clock for the campaign service: real time plus whatever the test moves it on by. */
function clock() {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advanceDays: (d: number) => { offset += d * 86_400_000; } };
}

async function node(server: FakeSmtp | undefined, opts: { sharing?: Node; clock?: () => Date } = {}): Promise<Node> {
  const env: Record<string, string> = server ? { MUSTER_SMTP_URL: `smtp://127.0.0.1:${server.port}?tls=none`, MUSTER_SMTP_FROM: 'Muster <muster@school.example>' } : {};
  const srv = await startServer(env, { ...(opts.sharing ? { sharing: opts.sharing.srv } : {}), ...(opts.clock ? { muster: { campaignClock: opts.clock } } : {}) });
  cleanups.push(() => srv.close());
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  const key = await srv.adminKey(org.id);
  return {
    srv,
    api: (method, path, body) => call(`${srv.origin}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
    }),
  };
}

async function people(list: TestList, n: number, prefix: string, extra: (i: number) => Record<string, unknown> = () => ({})): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await list.req('POST', '/Users', user(`${prefix}${i}`, { displayName: `${prefix} ${i}`, ...extra(i) }));
    expect(r.status, r.text).toBe(201);
    ids.push(r.body.id as string);
  }
  return ids;
}

/** `what` names the wait; as a function, it is called on a timeout to say what was seen instead. */
async function until(what: string | (() => Promise<string>), fn: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const linkIn = (m: ReceivedEmail) => /http:\/\/127\.0\.0\.1:\d+\/p\/[\w-]{43}/.exec(m.raw.replace(/=\r?\n/g, ''))![0];

async function campaignDone(n: Node, listId: string, id: string, sent: number) {
  await until(`campaign ${id} sent ${sent}`, async () => {
    const c = (await n.api('GET', `/lists/${listId}/campaigns/${id}`)).body;
    return c.status === 'finished' && !c.running && c.totals.sent === sent;
  });
  return (await n.api('GET', `/lists/${listId}/campaigns/${id}`)).body;
}

async function selfUpload(url: string) {
  const fd = new FormData();
  fd.set('photo', new Blob([new Uint8Array(await portrait())], { type: 'image/jpeg' }), 'IMG_0001.jpg');
  const r = await fetch(url, { method: 'POST', body: fd });
  await r.text();
  return r.status;
}

// Fifty people, a photo check and an SMTP round trip each: generous on a busy machine (no timing is asserted).
describe('photo campaigns', { timeout: 180_000 }, () => {
  it('invites 50 people without a photo, each once with their own link; lists those without an address; counts opened, uploaded, approved; pages the people; records it in the trail', async () => {
    const server = await smtp();
    const n = await node(server);
    const list = await n.srv.newList({ name: 'Students' });
    const ids = await people(list, 50, 'student');
    const [noMail1, noMail2] = await people(list, 2, 'nomail', () => ({ emails: [] }));
    const [gone] = await people(list, 1, 'gone');
    expect((await list.req('PATCH', `/Users/${gone}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })).status).toBe(200);
    const [pictured] = await people(list, 1, 'pictured');
    const admin = await n.srv.muster.photos.upload((await n.srv.muster.store.lists.get(list.id))!, pictured!, await portrait(), 'admin', { actor: 'test' });
    await n.srv.muster.photos.decide((await n.srv.muster.store.lists.get(list.id))!, admin.id, 'approve', { actor: 'test' });

    expect((await n.api('POST', `/lists/${list.id}/campaigns/preview`, {})).body).toEqual({ people: 52 });
    const started = await n.api('POST', `/lists/${list.id}/campaigns`, { hours: 48, attempts: 3 });
    expect(started.status, started.text).toBe(202);
    expect(started.body).toMatchObject({ kind: 'campaign', name: 'Photo invitations: everyone without a photo', link: { hours: 48, attempts: 3 } });
    const c = await campaignDone(n, list.id, started.body.id, 50);
    expect(c.totals).toMatchObject({ selected: 52, people: 52, pending: 0, noEmail: 2, skipped: 0, sent: 50, failed: 0, opened: 0, uploaded: 0, approved: 0 });

    // Each of the 50 got exactly one invitation, with their own working link.
    expect(server.received).toHaveLength(50);
    expect(new Set(server.received.map((m) => m.to[0])).size).toBe(50);
    expect(server.received.map((m) => m.to[0]).sort()).toEqual(ids.map((_, i) => `student${i}@work.example`).sort());
    const links = new Set(server.received.map(linkIn));
    expect(links.size).toBe(50);
    expect(server.received[0]!.headers.get('subject')).toBe('Test organisation: a photo for your ID card');

    // Those without an address are listed as such, not skipped silently.
    const noEmail = (await n.api('GET', `/lists/${list.id}/campaigns/${c.id}/people?filter=no_email`)).body;
    expect(noEmail.total).toBe(2);
    expect(noEmail.people.map((p: { personId: string }) => p.personId).sort()).toEqual([noMail1, noMail2].sort());
    expect(noEmail.people[0]).toMatchObject({ state: 'no_email', email: null });

    // One opens the link, one uploads, one uploads and is approved.
    const mail = (i: number) => server.received.find((m) => m.to[0] === `student${i}@work.example`)!;
    expect((await call(linkIn(mail(0)), {})).status).toBe(200);
    expect(await selfUpload(linkIn(mail(1)))).toBe(201);
    expect(await selfUpload(linkIn(mail(2)))).toBe(201);
    const pending = (await n.api('GET', `/lists/${list.id}/photos?status=pending`)).body.photos.find((p: { personId: string }) => p.personId === ids[2]);
    expect((await n.api('POST', `/lists/${list.id}/photos/${pending.id}/approve`, {})).status).toBe(200);
    const after = (await n.api('GET', `/lists/${list.id}/campaigns/${c.id}`)).body;
    expect(after.totals).toMatchObject({ opened: 3, uploaded: 2, approved: 1 });
    const states = new Map((await n.api('GET', `/lists/${list.id}/campaigns/${c.id}/people?limit=500`)).body.people.map((p: { personId: string; state: string }) => [p.personId, p.state]));
    expect([states.get(ids[0]), states.get(ids[1]), states.get(ids[2]), states.get(ids[3])]).toEqual(['opened', 'uploaded', 'approved', 'sent']);

    // Paged: 52 people, 20 a page.
    const page3 = (await n.api('GET', `/lists/${list.id}/campaigns/${c.id}/people?offset=40&limit=20`)).body;
    expect(page3).toMatchObject({ total: 52, offset: 40, limit: 20 });
    expect(page3.people).toHaveLength(12);
    expect((await n.api('GET', `/lists/${list.id}/campaigns/${c.id}/people?filter=nope`)).status).toBe(400);

    // The trail, in roster words: started, invitations sent (filed under each person), finished.
    const events = (await n.api('GET', `/lists/${list.id}/audit/events?limit=500`)).body.events as { action: string; detail: Record<string, unknown>; title?: string }[];
    const actions = events.map((e) => e.action);
    expect(actions).toContain('campaign.started');
    expect(actions).toContain('campaign.finished');
    const sentEvents = events.filter((e) => e.action === 'campaign.invitations_sent');
    expect(sentEvents.reduce((s, e) => s + (e.detail.invited as number), 0)).toBe(50);
    expect(sentEvents.reduce((s, e) => s + (e.detail.withoutEmail as number), 0)).toBe(2);
    expect(events.find((e) => e.action === 'campaign.finished')!.detail).toMatchObject({ invited: 50, withoutEmail: 2 });
    const history = (await n.api('GET', `/lists/${list.id}/audit/events?person=${ids[5]}`)).body.events.map((e: { action: string }) => e.action);
    expect(history).toContain('campaign.invitations_sent');
    expect(JSON.stringify(events)).toMatch(/Photo invitations sent/);
  });

  it('a filter: a roster field value and new people since a date', async () => {
    const server = await smtp();
    const n = await node(server);
    const list = await n.srv.newList({ name: 'Staff' });
    const nurses = await people(list, 3, 'nurse', () => ({ [ENTERPRISE]: { department: 'Nursing' } }));
    await people(list, 2, 'porter', () => ({ [ENTERPRISE]: { department: 'Portering' } }));
    // One nurse joined long ago.
    await n.srv.muster.store.db.updateTable('users').set({ created: '2020-01-01T00:00:00.000Z' }).where('id', '=', nurses[0]!).execute();
    const filter = { field: 'department', value: 'nursing', since: '2024-01-01' };
    expect((await n.api('POST', `/lists/${list.id}/campaigns/preview`, { filter })).body).toEqual({ people: 2 });
    expect((await n.api('POST', `/lists/${list.id}/campaigns/preview`, { filter: { field: '__proto__', value: 'x' } })).status).toBe(400);
    const r = await n.api('POST', `/lists/${list.id}/campaigns`, { filter });
    expect(r.status, r.text).toBe(202);
    expect(r.body.name).toBe('Photo invitations: Department is nursing, new since 2024-01-01');
    await campaignDone(n, list.id, r.body.id, 2);
    expect(server.received.map((m) => m.to[0]).sort()).toEqual(['nurse1@work.example', 'nurse2@work.example']);
  });

  it('reminders after N days go to those who have not uploaded, once, with a new link, through the reminder template', async () => {
    const server = await smtp();
    const time = clock();
    const n = await node(server, { clock: time.now });
    const list = await n.srv.newList({ name: 'Reminded' });
    await people(list, 4, 'r');
    const r = await n.api('POST', `/lists/${list.id}/campaigns`, { reminderDays: 3 });
    const c = await campaignDone(n, list.id, r.body.id, 4);
    expect(c.reminderDays).toBe(3);
    const uploaded = server.received.find((m) => m.to[0] === 'r0@work.example')!;
    expect(await selfUpload(linkIn(uploaded))).toBe(201);
    // Two days on: nothing is due.
    time.advanceDays(2);
    expect(await n.srv.muster.campaigns.tick()).toBe(0);
    // Four days on: the three who sent nothing are reminded, once.
    time.advanceDays(2);
    expect(await n.srv.muster.campaigns.tick()).toBe(1);
    await until('3 reminders sent', async () => server.received.length === 7);
    const reminders = server.received.slice(4);
    expect(reminders.map((m) => m.to[0]).sort()).toEqual(['r1@work.example', 'r2@work.example', 'r3@work.example']);
    for (const m of reminders) expect(m.headers.get('subject')).toBe('Reminder from Test organisation: a photo for your ID card');
    // The reminder's link is new, and works.
    const first = server.received.find((m) => m.to[0] === 'r1@work.example')!;
    const second = reminders.find((m) => m.to[0] === 'r1@work.example')!;
    expect(linkIn(second)).not.toBe(linkIn(first));
    expect((await call(linkIn(second), {})).status).toBe(200);
    await until('campaign idle', async () => !(await n.api('GET', `/lists/${list.id}/campaigns/${c.id}`)).body.running);
    expect((await n.api('GET', `/lists/${list.id}/campaigns/${c.id}`)).body.totals.reminded).toBe(3);
    // At most one reminder (the default): days later, nothing more.
    time.advanceDays(10);
    expect(await n.srv.muster.campaigns.tick()).toBe(0);
    const events = (await n.api('GET', `/lists/${list.id}/audit/events?action=campaign.reminders_sent`)).body.events;
    expect(events.reduce((s: number, e: { detail: { reminded: number } }) => s + e.detail.reminded, 0)).toBe(3);
  });

  it('a recipient the server refuses shows as failed with the SMTP reply; resend to the corrected address is sent, and recorded', async () => {
    const server = await smtp({ onRecipient: (a) => (a.startsWith('bounce') ? { code: 550, message: '5.1.1 <bounce0@work.example>: mailbox unavailable' } : undefined) });
    const n = await node(server);
    const list = await n.srv.newList({ name: 'Bounces' });
    const [bounced] = await people(list, 1, 'bounce');
    await people(list, 2, 'fine');
    const r = await n.api('POST', `/lists/${list.id}/campaigns`, {});
    await until('campaign settled', async () => {
      const c = (await n.api('GET', `/lists/${list.id}/campaigns/${r.body.id}`)).body;
      return c.status === 'finished' && c.totals.sent === 2 && c.totals.failed === 1;
    });
    const failed = (await n.api('GET', `/lists/${list.id}/campaigns/${r.body.id}/people?filter=failed`)).body.people;
    expect(failed).toEqual([expect.objectContaining({ personId: bounced, state: 'failed', email: 'bounce0@work.example', lastReply: expect.stringMatching(/^550 5\.1\.1 .*mailbox unavailable/) })]);
    // The address is corrected at the IdP; the admin sends again.
    expect((await list.req('PATCH', `/Users/${bounced}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails', value: [{ value: 'ada.new@work.example', primary: true }] }] })).status).toBe(200);
    const again = await n.api('POST', `/lists/${list.id}/campaigns/${r.body.id}/people/${bounced}/resend`, {});
    expect(again.status, again.text).toBe(202);
    expect(again.body).toMatchObject({ personId: bounced, email: 'ada.new@work.example', sends: 2 });
    await until('resent', async () => server.received.some((m) => m.to[0] === 'ada.new@work.example'));
    await until('row sent', async () => (await n.api('GET', `/lists/${list.id}/campaigns/${r.body.id}/people?filter=failed`)).body.total === 0);
    const history = (await n.api('GET', `/lists/${list.id}/audit/events?person=${bounced}`)).body.events.map((e: { action: string }) => e.action);
    expect(history).toEqual(expect.arrayContaining(['campaign.invitations_sent', 'campaign.invitation_resent']));
    expect((await n.api('POST', `/lists/${list.id}/campaigns/${r.body.id}/people/nobody/resend`, {})).status).toBe(404);
  });

  it('a list that invites new people automatically: people the IdP creates are invited; turned off, nobody more', async () => {
    const server = await smtp();
    const n = await node(server);
    const list = await n.srv.newList({ name: 'Automatic' });
    await people(list, 1, 'before');
    expect((await n.api('GET', `/lists/${list.id}/campaign-settings`)).body).toMatchObject({ enabled: false });
    const on = await n.api('PUT', `/lists/${list.id}/campaign-settings`, { enabled: true, hours: 24 });
    expect(on.status, on.text).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, hours: 24 });
    const [newcomer] = await people(list, 1, 'newcomer');
    await until('newcomer invited', async () => server.received.some((m) => m.to[0] === 'newcomer0@work.example'));
    const all = (await n.api('GET', `/lists/${list.id}/campaigns`)).body;
    expect(all.automatic.enabled).toBe(true);
    const auto = all.campaigns.find((c: { kind: string }) => c.kind === 'auto');
    const row = (await n.api('GET', `/lists/${list.id}/campaigns/${auto.id}/people`)).body.people;
    expect(row).toEqual([expect.objectContaining({ personId: newcomer })]);
    expect(server.received.some((m) => m.to[0] === 'before0@work.example')).toBe(false);
    expect((await n.api('PUT', `/lists/${list.id}/campaign-settings`, { enabled: false })).status).toBe(200);
    await people(list, 1, 'later');
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.received.some((m) => m.to[0] === 'later0@work.example')).toBe(false);
    const actions = (await n.api('GET', `/lists/${list.id}/audit/events?action=campaign.automatic_changed`)).body.events;
    expect(actions).toHaveLength(2);
  });

  it('automatic invitations are for people created since they were last turned on, however late the creation is handled', async () => {
    const server = await smtp();
    const n = await node(server);
    const store = n.srv.muster.store;
    const list = await n.srv.newList({ name: 'Late events' });
    const auto = autoCampaignId(list.id);
    const settings = async (b: Record<string, unknown>) => expect((await n.api('PUT', `/lists/${list.id}/campaign-settings`, b)).status).toBe(200);
    // What the consumers' safety net does every few seconds: every person.created of the list handed
    // to the consumer again, long after its commit (the nudge found them irrelevant while it was off).
    const consumer = campaignInviteConsumer(n.srv.muster.campaigns);
    const handleAllAgain = async () => {
      for (const e of await store.events.readAfter({ afterId: 0, types: ['person.created'], listId: list.id, limit: 100 })) {
        if (await (consumer.relevant?.(e) ?? true)) await store.transaction((tx) => consumer.handle(tx, e));
      }
    };
    const [early] = await people(list, 1, 'early');
    await settings({ enabled: true });
    const [newcomer] = await people(list, 1, 'newcomer');
    await until('newcomer invited', async () => server.received.some((m) => m.to[0] === 'newcomer0@work.example'));
    await handleAllAgain();
    expect(await store.campaigns.person(auto, early!)).toBeUndefined();
    expect(await store.campaigns.person(auto, newcomer!)).toMatchObject({ state: 'invited' });
    // A change of settings while on keeps who counts as new.
    const bound = (await store.campaigns.get(auto))!.selected_through;
    await settings({ enabled: true, hours: 12 });
    expect((await store.campaigns.get(auto))!.selected_through).toBe(bound);
    // Off, someone joins, on again: they were created while it was off.
    await settings({ enabled: false });
    const [meanwhile] = await people(list, 1, 'meanwhile');
    await settings({ enabled: true });
    await handleAllAgain();
    expect(await store.campaigns.person(auto, meanwhile!)).toBeUndefined();
    expect(await store.campaigns.person(auto, early!)).toBeUndefined();
    expect(await store.campaigns.countPeople(auto)).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(server.received.map((m) => m.to[0])).toEqual(['newcomer0@work.example']);
  });

  it('without SMTP the campaigns say so and refuse to start, naming the copy-the-link fallback', async () => {
    const n = await node(undefined);
    const list = await n.srv.newList({ name: 'No mail' });
    await people(list, 1, 'x');
    expect((await n.api('GET', `/lists/${list.id}/campaigns`)).body).toMatchObject({ configured: false, campaigns: [] });
    const r = await n.api('POST', `/lists/${list.id}/campaigns`, {});
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: 'email_not_configured', detail: expect.stringMatching(/pass them on yourself/) });
    expect((await n.api('PUT', `/lists/${list.id}/campaign-settings`, { enabled: true })).status).toBe(409);
  });

  it('queues no further ahead of sending than 100 messages: with the relay holding every message, 150 people stop at 100 queued, then all are invited once it lets go', async () => {
    let release!: () => void;
    const relayHolds = new Promise<void>((r) => { release = r; });
    const server = await smtp({ hold: () => relayHolds });
    const n = await node(server);
    const list = await n.srv.newList({ name: 'Paced' });
    await people(list, 150, 'q');
    const id = (await n.api('POST', `/lists/${list.id}/campaigns`, {})).body.id as string;
    const totals = async () => (await n.api('GET', `/lists/${list.id}/campaigns/${id}`)).body.totals;
    await until('100 queued', async () => (await totals()).queued >= 100);
    // The job checks before each batch of 10: 99 + 10 at most; the others wait, not invited yet.
    // (It would go on after 10 s without progress, a relay that is down; this test looks well within.)
    const held = await totals();
    expect(held.queued).toBeLessThanOrEqual(109);
    expect(held.pending).toBeGreaterThanOrEqual(150 - 109);
    expect(server.received).toHaveLength(0);
    release();
    await until('all 150 sent', async () => (await totals()).sent === 150);
    expect(server.received).toHaveLength(150);
    expect(new Set(server.received.map((m) => m.to[0])).size).toBe(150);
  });

  it('two nodes on one database: a campaign left half done by one node is finished by the other, and two jobs working one campaign at once invite each person once', async () => {
    const server = await smtp();
    const a = await node(server);
    const b = await node(server, { sharing: a });
    const list = await a.srv.newList({ name: 'Two nodes' });
    await people(list, 60, 'p');
    await Promise.all([a.srv.muster.jobs.stop(), b.srv.muster.jobs.stop()]);
    const started = await a.api('POST', `/lists/${list.id}/campaigns`, {});
    const id = started.body.id as string;
    const job = (await a.srv.muster.store.db.selectFrom('jobs').selectAll().where('kind', '=', CAMPAIGN_JOB).executeTakeFirstOrThrow());
    // Node A works the job until it has invited some people, then "dies": its save answers false.
    await a.srv.muster.store.roster.claim('node-dead', new Date().toISOString(), new Date(Date.now() + 60_000).toISOString(), [CAMPAIGN_JOB]);
    let saves = 0;
    await expect(a.srv.muster.campaigns.run((await a.srv.muster.store.roster.job(job.id))!, async () => ++saves < 3)).rejects.toThrow(/taken over/);
    const invitedSoFar = (await a.srv.muster.store.db.selectFrom('campaign_people').select('person_id').where('campaign_id', '=', id).where('state', '=', 'invited').execute()).length;
    expect(invitedSoFar).toBeGreaterThan(0);
    expect(invitedSoFar).toBeLessThan(60);
    // Its lock runs out; and a second job for the same campaign is queued as if two nodes raced.
    await a.srv.muster.store.db.updateTable('jobs').set({ locked_until: new Date(0).toISOString() }).where('id', '=', job.id).execute();
    await a.srv.muster.store.roster.enqueue({ id: 'duplicate-job', listId: list.id, kind: CAMPAIGN_JOB, params: { campaignId: id }, total: 0, now: new Date().toISOString() });
    a.srv.muster.jobs.start();
    b.srv.muster.jobs.start();
    await until('all 60 sent', async () => (await a.api('GET', `/lists/${list.id}/campaigns/${id}`)).body.totals.sent === 60, 60_000);
    await until('both jobs done', async () => (await a.srv.muster.store.db.selectFrom('jobs').select('status').where('kind', '=', CAMPAIGN_JOB).execute()).every((j) => j.status === 'done'), 30_000);
    expect(server.received).toHaveLength(60);
    expect(new Set(server.received.map((m) => m.to[0])).size).toBe(60);
    const messages = await a.srv.muster.store.db.selectFrom('email_messages').select(['person_id']).where('campaign_id', '=', id).execute();
    expect(messages).toHaveLength(60);
    const c = (await a.api('GET', `/lists/${list.id}/campaigns/${id}`)).body;
    expect(c).toMatchObject({ status: 'finished', running: false, totals: { people: 60, sent: 60, pending: 0 } });
    expect((await a.api('GET', `/lists/${list.id}/audit/events?action=campaign.finished`)).body.events).toHaveLength(1);
  });
  it('the totals are counters (migration 032) that equal a recount of every person after a mixed run: uploads, approvals, a rejection, opened links, a bounce, a resend, reminders, automatic invitations and a deleted photo', async () => {
    const server = await smtp({ onRecipient: (a) => (a.startsWith('bounce') ? { code: 550, message: '5.1.1 mailbox unavailable' } : undefined) });
    const time = clock();
    const a = await node(server, { clock: time.now });
    const list = await a.srv.newList({ name: 'Counted' });
    const ids = await people(list, 24, 'c');
    const [bounced] = await people(list, 1, 'bounce');
    await people(list, 1, 'nomail', () => ({ emails: [] }));
    const row = async () => (await a.srv.muster.store.lists.get(list.id))!;
    const same = async (id: string) => {
      const [counted, recounted] = await Promise.all([a.srv.muster.store.campaigns.totals(id), a.srv.muster.store.campaigns.recount(id)]);
      expect(counted).toEqual(recounted);
      return counted;
    };
    const started = await a.api('POST', `/lists/${list.id}/campaigns`, { reminderDays: 2 });
    expect(started.status, started.text).toBe(202);
    const id = started.body.id as string;
    // While the job runner and the outbox work the campaign, people open links and upload, someone
    // is deactivated, and an admin uploads and approves for someone maybe still pending: each change
    // moves the counters in its own transaction, concurrently with the campaign's batches and the
    // messages' sends (on PostgreSQL over several pooled connections at once).
    const first = () => server.received.filter((m) => /^c\d+@/.test(m.to[0]!)).slice(0, 6);
    await until('first invitations', async () => first().length === 6);
    const concurrent: Promise<unknown>[] = first().map((m, i) => (i % 3 === 0 ? call(linkIn(m), {}) : selfUpload(linkIn(m))));
    const early = new Set(first().map((m) => m.to[0]));
    // Someone not among them is approved meanwhile (an admin's upload), whatever the campaign has reached.
    const other = ids.findIndex((_, i) => !early.has(`c${i}@work.example`));
    concurrent.push((async () => {
      const p = await a.srv.muster.photos.upload(await row(), ids[other]!, await portrait(), 'admin', { actor: 'test' });
      await a.srv.muster.photos.decide(await row(), p.id, 'approve', { actor: 'test' });
    })());
    concurrent.push(list.req('PATCH', `/Users/${ids[ids.length - 1 === other ? 0 : ids.length - 1]}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }));
    const outcomes = (await Promise.all(concurrent)).map((x) => (typeof x === 'number' ? x : (x as { status?: number } | undefined)?.status ?? null));
    await until('campaign settled', async () => {
      const c = (await a.api('GET', `/lists/${list.id}/campaigns/${id}`)).body;
      return c.status === 'finished' && !c.running && c.totals.queued === 0;
    }, 60_000);
    await same(id);

    // Decisions: approve two uploads, reject one.
    const pendingPhotos = (await a.api('GET', `/lists/${list.id}/photos?status=pending`)).body.photos as { id: string; personId: string }[];
    // Four of the first six uploaded (201 each), one of whom may have been deactivated meanwhile.
    const why = async () => JSON.stringify({ outcomes, early: [...early], photos: await a.srv.muster.store.db.selectFrom('photos').select(['person_id', 'status', 'source']).execute() });
    expect(pendingPhotos.length, await why()).toBeGreaterThanOrEqual(3);
    await a.srv.muster.photos.decide(await row(), pendingPhotos[0]!.id, 'approve', { actor: 'test' });
    await a.srv.muster.photos.decide(await row(), pendingPhotos[1]!.id, 'reject', { actor: 'test' }, 'too dark');
    await a.srv.muster.photos.decide(await row(), pendingPhotos[2]!.id, 'approve', { actor: 'test' });
    await same(id);
    // An approved photo is deleted (as list or person clean-up would): uploaded and approved fall back.
    await a.srv.muster.store.db.deleteFrom('photos').where('id', '=', pendingPhotos[2]!.id).execute();
    await same(id);

    // The bounce is resent to a corrected address; reminders go to those who sent nothing.
    expect((await list.req('PATCH', `/Users/${bounced}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails', value: [{ value: 'fixed@work.example', primary: true }] }] })).status).toBe(200);
    expect((await a.api('POST', `/lists/${list.id}/campaigns/${id}/people/${bounced}/resend`, {})).status).toBe(202);
    time.advanceDays(3);
    expect(await a.srv.muster.campaigns.tick()).toBe(1);
    await until('reminders sent', async () => {
      const t = (await a.api('GET', `/lists/${list.id}/campaigns/${id}`)).body;
      return !t.running && t.totals.reminded > 0 && t.totals.queued === 0;
    }, 60_000);
    const counted = await same(id);
    expect(counted).toMatchObject({ people: 26, pending: 0, noEmail: 1, failed: 0 });
    expect(counted.reminded).toBeGreaterThan(0);
    expect(counted.approved).toBeGreaterThanOrEqual(2);

    // The list's automatic campaign counts people the IdP adds, and its counters too.
    expect((await a.api('PUT', `/lists/${list.id}/campaign-settings`, { enabled: true })).status).toBe(200);
    const newcomers = await people(list, 3, 'n');
    await until('newcomers invited', async () => newcomers.every((_, i) => server.received.some((m) => m.to[0] === `n${i}@work.example`)));
    const auto = (await a.api('GET', `/lists/${list.id}/campaigns`)).body.campaigns.find((c: { kind: string }) => c.kind === 'auto');
    // On a timeout, what the automatic campaign holds: its counters, a recount, and each person's row and message.
    const autoSeen = async () => JSON.stringify({
      totals: await a.srv.muster.store.campaigns.totals(auto.id), recount: await a.srv.muster.store.campaigns.recount(auto.id),
      people: await a.srv.muster.store.db.selectFrom('campaign_people as cp').leftJoin('users', 'users.id', 'cp.person_id').leftJoin('email_messages as em', 'em.id', 'cp.message_id')
        .select(['users.user_name_lc', 'cp.state', 'cp.email_state', 'cp.added_at', 'cp.sends', 'em.state as message_state', 'em.attempts', 'em.last_reply'])
        .where('cp.campaign_id', '=', auto.id).orderBy('cp.added_at').execute(),
      messages: await a.srv.muster.store.db.selectFrom('email_messages').select(['to_address', 'state', 'attempts', 'leased_by', 'lease_until', 'last_reply'])
        .where('campaign_id', '=', auto.id).execute(),
    });
    await until(async () => `automatic sent 3, seeing ${await autoSeen()}`, async () => (await a.srv.muster.store.campaigns.totals(auto.id)).sent === 3);
    await same(auto.id);
    await same(id);
  });
});
