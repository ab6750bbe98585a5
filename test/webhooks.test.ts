/**
 * Webhooks (issue 15 item 3, docs/webhooks.md), on the engine MUSTER_TEST_ENGINE names: the admin
 * API, signatures checked with the documented snippets, delivery by two nodes, retries on the
 * documented schedule and pausing (simulated clock), per-person order, replay, and the SSRF
 * policy. Events are appended to the outbox directly (store.events.append), as the write paths
 * do once they produce events.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { AddressPolicy } from '../src/events/address-policy.js';
import type { NewDomainEvent } from '../src/events/types.js';
import { WebhookDispatcher, webhookRetryDelay, type WebhookDispatcherOptions } from '../src/events/webhook-dispatcher.js';
import { WebhookSender } from '../src/events/webhook-sender.js';
import { openSecretKey } from '../src/secrets/index.js';
import { call, startServer, type TestServer } from './helpers/server.js';
import { startChildNode } from './helpers/child-node.js';
import { ENGINE } from './helpers/database.js';
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js';

const run = promisify(execFile);
// Async (not execFileSync): a blocked event loop would let the server's keep-alive sockets close under fetch.
async function runWithInput(cmd: string, args: string[], input: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const p = run(cmd, args, opts);
  p.child.stdin!.end(input);
  return (await p).stdout.toString().trim();
}

const ALLOW = { MUSTER_WEBHOOKS_ALLOW_PRIVATE: 'true', MUSTER_LOG_LEVEL: process.env.WH_LOG ?? 'silent' };
const DOC = fs.readFileSync(path.join(import.meta.dirname, '..', 'docs', 'webhooks.md'), 'utf8');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

/** A code block of docs/webhooks.md, by the `<!-- snippet: … -->` marker before it. */
function snippet(name: string): string {
  const m = new RegExp(`<!-- snippet: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(DOC);
  if (!m) throw new Error(`docs/webhooks.md has no ${name} snippet`);
  return m[1]!;
}

interface Node {
  readonly srv: TestServer;
  readonly orgId: string;
  api(method: string, path: string, body?: unknown): ReturnType<typeof call>;
}

async function node(env: Record<string, string> = ALLOW, sharing?: Node): Promise<Node> {
  const srv = await startServer(env, sharing ? { sharing: sharing.srv } : {});
  cleanups.push(() => srv.close());
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  const key = await srv.adminKey(org.id);
  return {
    srv, orgId: org.id,
    api: (method, p, body) => call(`${srv.origin}/api/v1${p}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
    }),
  };
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  cleanups.push(() => r.close());
  return r;
}

const ev = (orgId: string, subject: string, n: number): NewDomainEvent => ({
  type: 'person.updated', orgId, listId: 'list-1', subject,
  payload: { userName: `${subject}@example.com`, source: 'scim', changes: { title: { before: `t${n - 1}`, after: `t${n}` } } },
});

async function addEndpoint(n: Node, url: string, extra: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const r = await n.api('POST', '/webhooks', { url, description: 'Door controller', ...extra });
  expect(r.status, r.text).toBe(201);
  return { id: r.body.endpoint.id as string, secret: r.body.secret as string };
}

/** Stops the node's own delivery, and answers a dispatcher on a clock the test moves. */
async function manual(n: Node, clock: { t: number }, opts: WebhookDispatcherOptions = {}): Promise<WebhookDispatcher> {
  await n.srv.muster.jobs.stop();
  await n.srv.muster.webhookDispatcher.stop();
  const key = await openSecretKey(loadConfig({ MUSTER_DATABASE_URL: n.srv.databaseUrl, MUSTER_DATA_DIR: n.srv.dataDir }), n.srv.muster.store);
  const sender = new WebhookSender(new AddressPolicy({ allowPrivate: true, allowedCidrs: [] }));
  cleanups.push(async () => sender.close());
  return new WebhookDispatcher(n.srv.muster.store, sender, () => key.box!, n.srv.muster.log, { now: () => new Date(clock.t), random: () => 0.5, ...opts });
}

// Near the real time: what the service stamps (a replay, a ping) is due on this clock too.
const T0 = Date.now();

describe('webhook endpoints (admin API)', () => {
  it('shows the secret once, never lists it, refuses unknown event types and bad URLs', async () => {
    const n = await node();
    const types = await n.api('GET', '/webhooks/event-types');
    expect(types.body.eventTypes).toContainEqual({ type: 'person.deactivated', meaning: expect.stringContaining('inactive') });
    const made = await addEndpoint(n, 'https://doors.example.com/muster', { eventTypes: ['person.deactivated', 'person.deleted'] });
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const list = await n.api('GET', '/webhooks');
    expect(list.body.endpoints).toHaveLength(1);
    expect(list.body.endpoints[0]).toMatchObject({ id: made.id, url: 'https://doors.example.com/muster', eventTypes: ['person.deactivated', 'person.deleted'], enabled: true, pausedAt: null });
    expect(list.text).not.toContain(made.secret);
    // Stored sealed: the database never holds the secret in clear.
    const rows = await n.srv.muster.store.db.selectFrom('webhook_secrets').select('secret_enc').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret_enc).not.toContain(made.secret.slice(6));
    expect((await n.api('POST', '/webhooks', { url: 'https://x.example.com', eventTypes: ['person.exploded'] })).body).toMatchObject({ error: 'invalid_body' });
    expect((await n.api('POST', '/webhooks', { url: 'ftp://x.example.com' })).body).toMatchObject({ error: 'invalid_url' });
    expect((await n.api('POST', '/webhooks', { url: 'https://user:pw@x.example.com' })).body).toMatchObject({ error: 'invalid_url' });
    const patched = await n.api('PATCH', `/webhooks/${made.id}`, { eventTypes: null, enabled: false });
    expect(patched.body.endpoint).toMatchObject({ eventTypes: null, enabled: false });
    // A PATCH that changes nothing is not a change.
    expect((await n.api('PATCH', `/webhooks/${made.id}`, { enabled: false })).status).toBe(200);
    expect((await n.api('POST', `/webhooks/${made.id}/rotate-secret`, { graceHours: 0 })).status).toBe(200);
    expect((await n.api('DELETE', `/webhooks/${made.id}`)).status).toBe(204);
    expect((await n.api('GET', `/webhooks/${made.id}`)).status).toBe(404);
    // Each change is in the organisation's security log, by whom, newest first; refusals are not.
    const log = await n.api('GET', '/security-events?limit=10');
    expect(log.status, log.text).toBe(200);
    const hooks = log.body.events.filter((e: { action: string }) => e.action.startsWith('webhook.')).reverse();
    const url = 'https://doors.example.com/muster';
    expect(hooks.map((e: { action: string; target: string }) => [e.action, e.target])).toEqual([
      ['webhook.created', url], ['webhook.changed', url], ['webhook.secret_rotated', url], ['webhook.removed', url],
    ]);
    expect(hooks.every((e: { actor: string }) => /^admin-key:/.test(e.actor))).toBe(true);
    expect(hooks[0].detail).toEqual({ endpointId: made.id, eventTypes: ['person.deactivated', 'person.deleted'], enabled: true });
    expect(hooks[1].detail).toEqual({
      endpointId: made.id, eventTypes: { before: ['person.deactivated', 'person.deleted'], after: null }, enabled: { before: true, after: false },
    });
    expect(hooks[2].detail).toEqual({ endpointId: made.id, previousSecretHours: 0 });
    expect(JSON.stringify(log.body)).not.toContain(made.secret);
  });
});

describe('webhook delivery', () => {
  it('signs deliveries so that the documented Node, Python and (when installed) Go snippets verify them, through a secret rotation', async () => {
    const n = await node();
    const rec = await receiver();
    const ep = await addEndpoint(n, rec.url);
    await n.srv.muster.store.events.append([ev(n.orgId, 'person-1', 1)]);
    await rec.until((r) => r.length >= 1);
    const first = rec.received[0]!;
    expect(first.json).toMatchObject({ type: 'person.updated', subject: 'person-1', payload: { changes: { title: { after: 't1' } } } });
    expect(first.headers['muster-event-type']).toBe('person.updated');
    expect(first.deliveryId).toMatch(/^whd_/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-snippet-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'verify.mjs'), snippet('node'));
    const { verifyMusterSignature } = await import(path.join(dir, 'verify.mjs')) as { verifyMusterSignature: (s: string, h: string, b: string | Buffer, tol?: number) => boolean };
    const header = String(first.headers['muster-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyMusterSignature(ep.secret, header, first.body)).toBe(true);
    expect(verifyMusterSignature(ep.secret, header, Buffer.from(first.body))).toBe(true);
    expect(verifyMusterSignature(ep.secret, header, first.body.replace('t1', 't2'))).toBe(false);
    expect(verifyMusterSignature(`${ep.secret}x`, header, first.body)).toBe(false);
    expect(verifyMusterSignature(ep.secret, header, first.body, -1)).toBe(false); // outside the tolerance

    // Python: the documented function, fed the same bytes.
    fs.writeFileSync(path.join(dir, 'verify.py'), `${snippet('python')}\nimport sys\nprint(verify_muster_signature(sys.argv[1], sys.argv[2], sys.stdin.buffer.read()))\n`);
    const py = (secret: string, body: string) => runWithInput('python3', [path.join(dir, 'verify.py'), secret, header], body);
    expect(await py(ep.secret, first.body)).toBe('True');
    expect(await py(ep.secret, first.body.replace('t1', 't2'))).toBe('False');
    // Go is run where it is installed (docs say which machine lacked it).
    let go: string | undefined;
    try {
      go = (await run('which', ['go'])).stdout.toString().trim() || undefined;
    } catch {
      go = undefined;
    }
    if (go) {
      fs.mkdirSync(path.join(dir, 'gov'));
      fs.writeFileSync(path.join(dir, 'gov', 'go.mod'), 'module musterwebhook\n\ngo 1.21\n');
      fs.writeFileSync(path.join(dir, 'gov', 'verify.go'), snippet('go'));
      fs.writeFileSync(path.join(dir, 'gov', 'verify_test.go'), `package musterwebhook\nimport ("io"; "os"; "testing"; "time")\nfunc TestVerify(t *testing.T) { b, _ := io.ReadAll(os.Stdin); if !VerifyMusterSignature(os.Getenv("S"), os.Getenv("H"), b, 5*time.Minute) { t.Fatal("bad") } }\n`);
      await runWithInput(go, ['test', './...'], first.body, { cwd: path.join(dir, 'gov'), env: { ...process.env, S: ep.secret, H: header } });
    }

    // A rotation: both secrets sign during the grace period.
    const rotated = await n.api('POST', `/webhooks/${ep.id}/rotate-secret`, { graceHours: 24 });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.endpoint.previousSecretExpiresAt).not.toBeNull();
    await n.srv.muster.store.events.append([ev(n.orgId, 'person-1', 2)]);
    await rec.until((r) => r.length >= 2);
    const second = rec.received[1]!;
    const h2 = String(second.headers['muster-signature']);
    expect(h2).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyMusterSignature(rotated.body.secret, h2, second.body)).toBe(true);
    expect(verifyMusterSignature(ep.secret, h2, second.body)).toBe(true);
    expect(second.deliveryId).not.toBe(first.deliveryId);
  });

  it('two nodes on one database deliver every event once in effect, in order per person', async () => {
    const a = await node();
    // PostgreSQL: two in-process nodes. SQLite: better-sqlite3 waits for a lock synchronously,
    // which would stall both nodes of one process; the second node is a process of its own.
    let storeB = a.srv.muster.store;
    if (ENGINE === 'postgres') storeB = (await node(ALLOW, a)).srv.muster.store;
    else {
      const child = await startChildNode({ MUSTER_DATABASE_URL: a.srv.databaseUrl, MUSTER_DATA_DIR: a.srv.dataDir, ...ALLOW });
      cleanups.push(() => child.stop());
    }
    const rec = await receiver();
    // A little latency, so that both nodes have deliveries in flight at once.
    rec.answer = () => ({ status: 200, body: 'ok', delayMs: Math.floor(Math.random() * 5) });
    await addEndpoint(a, rec.url);
    const total = 200;
    const subjects = 10;
    const appended: number[] = [];
    for (let i = 0; i < total; i += 10) {
      const store = (i / 10) % 2 === 0 ? a.srv.muster.store : storeB;
      await store.events.append(Array.from({ length: 10 }, (_, k) => ev(a.orgId, `p${(i + k) % subjects}`, i + k)));
    }
    for (const e of await a.srv.muster.store.events.readAfter({ afterId: 0, limit: 1000 })) appended.push(e.id);
    expect(appended).toHaveLength(total);
    await rec.until((r) => new Set(r.map((x) => x.eventId)).size >= total);
    // Once in effect: one delivery id per event; a repeat (none expected here) would carry the same id.
    const byDelivery = new Map<string, number>();
    for (const r of rec.received) {
      const prev = byDelivery.get(r.deliveryId);
      if (prev !== undefined) expect(prev).toBe(r.eventId);
      byDelivery.set(r.deliveryId, r.eventId!);
    }
    expect([...new Set(byDelivery.values())].sort((x, y) => x - y)).toEqual(appended);
    expect(byDelivery.size).toBe(total);
    // Per person, first receipts in event order.
    const seen = new Set<string>();
    const lastPer = new Map<string, number>();
    for (const r of rec.received) {
      if (seen.has(r.deliveryId)) continue;
      seen.add(r.deliveryId);
      const s = r.json.subject!;
      expect(r.eventId!).toBeGreaterThan(lastPer.get(s) ?? 0);
      lastPer.set(s, r.eventId!);
    }
    // The last answers may still be on their way to being recorded.
    let undelivered = -1;
    for (let i = 0; i < 100 && undelivered !== 0; i++) {
      if (i) await new Promise((r) => setTimeout(r, 50));
      undelivered = (await a.srv.muster.store.db.selectFrom('webhook_deliveries').select('state').where('state', '!=', 'delivered').execute()).length;
    }
    expect(undelivered).toBe(0);
  });

  it('retries 5xx on the documented schedule (simulated clock) for 24 hours, then fails the delivery', async () => {
    const n = await node();
    const clock = { t: T0 };
    const d = await manual(n, clock, { pauseAfterMs: 0 });
    const rec = await receiver();
    rec.answer = () => ({ status: 503, body: 'maintenance' });
    const ep = await addEndpoint(n, rec.url);
    await n.srv.muster.store.events.append([ev(n.orgId, 'p1', 1)]);
    const waits: number[] = [];
    for (let i = 0; i < 60; i++) {
      await d.drain();
      const [row] = await n.srv.muster.store.db.selectFrom('webhook_deliveries').selectAll().execute();
      if (row!.state !== 'pending') break;
      const next = Date.parse(row!.next_attempt_at);
      waits.push(next - clock.t);
      clock.t = next;
    }
    // random() = 0.5: no jitter; 30 s doubling to an hour, then hourly, until 24 hours have passed.
    const expected = Array.from({ length: waits.length }, (_, i) => Math.min(3_600_000, 30_000 * 2 ** i));
    expect(waits).toEqual(expected);
    expect(clock.t - T0).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(clock.t - T0).toBeLessThan(25 * 3_600_000);
    const deliveries = (await n.api('GET', `/webhooks/${ep.id}/deliveries`)).body.deliveries;
    expect(deliveries[0]).toMatchObject({ state: 'failed', lastStatus: 503, lastError: expect.stringContaining('gave up after 24 hours') });
    expect(deliveries[0].attemptLog).toHaveLength(waits.length + 1);
    expect(deliveries[0].attemptLog[0]).toMatchObject({ attempt: 1, status: 503, responseExcerpt: 'maintenance' });
    expect(rec.received).toHaveLength(waits.length + 1);
    // The jitter: ±20% around the exponential wait.
    expect(webhookRetryDelay(3, undefined, () => 0)).toBe(96_000);
    expect(webhookRetryDelay(3, undefined, () => 1)).toBe(144_000);
  });

  it('honours Retry-After on 429, and neither retries nor follows a redirect or a 404', async () => {
    const n = await node();
    const clock = { t: T0 };
    const d = await manual(n, clock);
    const rec = await receiver();
    const ep = await addEndpoint(n, rec.url);
    rec.answer = (r) => (r.json.subject === 'p429' ? { status: 429, headers: { 'retry-after': '120' } }
      : r.json.subject === 'p302' ? { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data' } } : { status: 404, body: 'no such hook' });
    await n.srv.muster.store.events.append([ev(n.orgId, 'p429', 1), ev(n.orgId, 'p302', 2), ev(n.orgId, 'p404', 3)]);
    await d.drain();
    const rows = await n.srv.muster.store.db.selectFrom('webhook_deliveries').selectAll().orderBy('event_id').execute();
    expect(rows.map((r) => [r.state, Number(r.last_status)])).toEqual([['pending', 429], ['failed', 302], ['failed', 404]]);
    expect(Date.parse(rows[0]!.next_attempt_at) - clock.t).toBe(120_000);
    expect(rows[1]!.last_error).toContain('redirects are not followed');
    expect(rows[2]!.last_error).toContain('not retried');
    expect(rec.received).toHaveLength(3); // the redirect's target was never asked
    clock.t += 60_000;
    expect(await d.drain()).toBe(0);
    clock.t += 60_000;
    rec.answer = () => ({ status: 200 });
    expect(await d.drain()).toBe(1);
    // A failed delivery replayed by hand keeps its delivery id.
    const replay = await n.api('POST', `/webhooks/${ep.id}/deliveries/${rows[2]!.id}/replay`);
    expect(replay.status, replay.text).toBe(202);
    await d.drain();
    expect(rec.received.at(-1)!.deliveryId).toBe(rows[2]!.id);
    const after = (await n.api('GET', `/webhooks/${ep.id}/deliveries/${rows[2]!.id}`)).body.delivery;
    expect(after).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(after.attemptLog.map((a: { status: number }) => a.status)).toEqual([404, 200]);
    // Settled deliveries and their attempts are kept 30 days.
    clock.t += 29 * 24 * 3_600_000;
    await d.drain();
    expect(await n.srv.muster.store.db.selectFrom('webhook_deliveries').select('id').execute()).toHaveLength(3);
    clock.t += 2 * 24 * 3_600_000;
    await d.drain();
    expect(await n.srv.muster.store.db.selectFrom('webhook_deliveries').select('id').execute()).toHaveLength(0);
    expect(await n.srv.muster.store.db.selectFrom('webhook_attempts').select('id').execute()).toHaveLength(0);
  });

  it('a failing delivery holds back later events of the same person only', async () => {
    const n = await node();
    const clock = { t: T0 };
    const d = await manual(n, clock);
    const rec = await receiver();
    await addEndpoint(n, rec.url);
    let failA = true;
    rec.answer = (r) => (r.json.subject === 'A' && failA ? { status: 500 } : { status: 200 });
    await n.srv.muster.store.events.append([ev(n.orgId, 'A', 1), ev(n.orgId, 'B', 2), ev(n.orgId, 'A', 3), ev(n.orgId, 'B', 4)]);
    await d.drain();
    const okOrder = () => rec.received.filter((r) => r.headers['muster-delivery-id'] && r.json).map((r) => `${r.json.subject}${r.eventId}`);
    const firstIds = (await n.srv.muster.store.events.readAfter({ afterId: 0, limit: 10 })).map((e) => e.id);
    // A's first failed; B's two went (different people are sent side by side: any order between them).
    expect([...okOrder()].sort()).toEqual([`A${firstIds[0]}`, `B${firstIds[1]}`, `B${firstIds[3]}`].sort());
    expect(okOrder().filter((x) => x.startsWith('B'))).toEqual([`B${firstIds[1]}`, `B${firstIds[3]}`]);
    failA = false;
    clock.t += 60_000;
    await d.drain();
    expect(okOrder().slice(3)).toEqual([`A${firstIds[0]}`, `A${firstIds[2]}`]);
  });

  it('pauses an endpoint that answered 500 for an hour, keeps its events, pings it anyway, and delivers them in order on resume', async () => {
    const n = await node();
    const clock = { t: T0 };
    const d = await manual(n, clock);
    const rec = await receiver();
    rec.answer = () => ({ status: 500, body: 'down' });
    const ep = await addEndpoint(n, rec.url);
    await n.srv.muster.store.events.append([ev(n.orgId, 'p1', 1)]);
    let paused: string | null = null;
    for (let i = 0; i < 30 && !paused; i++) {
      await d.drain();
      const e = (await n.api('GET', `/webhooks/${ep.id}`)).body.endpoint;
      paused = e.pausedAt;
      if (!paused) {
        const [row] = await n.srv.muster.store.db.selectFrom('webhook_deliveries').select('next_attempt_at').execute();
        clock.t = Date.parse(row!.next_attempt_at);
      }
    }
    expect(paused).not.toBeNull();
    expect(clock.t - T0).toBeGreaterThanOrEqual(3_600_000);
    expect(clock.t - T0).toBeLessThan(2 * 3_600_000);
    const view = (await n.api('GET', '/webhooks')).body.endpoints[0];
    expect(view.pausedReason).toMatch(/every delivery attempt failed for \d+ minutes/);
    // Paused: nothing is sent, new events are kept.
    const before = rec.received.length;
    await n.srv.muster.store.events.append([ev(n.orgId, 'p1', 2), ev(n.orgId, 'p2', 3)]);
    clock.t += 10 * 3_600_000;
    expect(await d.drain()).toBe(0);
    expect(rec.received).toHaveLength(before);
    // A test ping still goes out.
    rec.answer = () => ({ status: 200 });
    const ping = await n.api('POST', `/webhooks/${ep.id}/test`);
    expect(ping.status, ping.text).toBe(202);
    expect(await d.drain()).toBe(1);
    expect(rec.received.at(-1)!.json.type).toBe('webhook.test');
    // Resumed: everything held, in order, each with a fresh retry window.
    expect((await n.api('POST', `/webhooks/${ep.id}/resume`)).body.endpoint.pausedAt).toBeNull();
    const resumed = (await n.api('GET', '/security-events?limit=5')).body.events.find((e: { action: string }) => e.action === 'webhook.resumed');
    expect(resumed).toMatchObject({ target: rec.url, detail: { endpointId: ep.id, pausedReason: view.pausedReason } });
    await d.drain();
    expect(rec.received.slice(before + 1).map((r) => r.json.subject)).toEqual(expect.arrayContaining(['p1', 'p1', 'p2']));
    const states = await n.srv.muster.store.db.selectFrom('webhook_deliveries').select('state').execute();
    expect(states.every((s) => s.state === 'delivered')).toBe(true);
    const p1 = rec.received.slice(before + 1).filter((r) => r.json.subject === 'p1').map((r) => r.eventId!);
    expect(p1).toEqual([...p1].sort((x, y) => x - y));
  });

  it('settles a drained batch together: an attempt row per delivery, and the endpoint health in the order the attempts ended', async () => {
    const n = await node();
    const clock = { t: T0 };
    const d = await manual(n, clock);
    const rec = await receiver();
    const ep = await addEndpoint(n, rec.url);
    const health = async () => n.srv.muster.store.db.selectFrom('webhook_endpoints').select(['failing_since', 'consecutive_failures', 'paused_at']).where('id', '=', ep.id).executeTakeFirstOrThrow();
    // A failure that ends before a success: the success clears the streak.
    rec.answer = (r) => (r.json.subject === 'A' ? { status: 500 } : { status: 200, delayMs: 150 });
    await n.srv.muster.store.events.append([ev(n.orgId, 'A', 1), ev(n.orgId, 'B', 2), ev(n.orgId, 'C', 3)]);
    expect(await d.drain()).toBe(3);
    expect(await health()).toMatchObject({ failing_since: null, consecutive_failures: 0, paused_at: null });
    const settled = await n.srv.muster.store.db.selectFrom('webhook_deliveries').select(['id', 'state', 'attempts', 'settled_at']).execute();
    expect(settled.map((x) => x.state).sort()).toEqual(['delivered', 'delivered', 'pending']);
    const attempts = await n.srv.muster.store.db.selectFrom('webhook_attempts').select(['delivery_id', 'attempt', 'status']).execute();
    expect(attempts.map((a) => a.delivery_id).sort()).toEqual(settled.map((x) => x.id).sort());
    expect(attempts.every((a) => Number(a.attempt) === 1)).toBe(true);
    // A success that ends before failures: the streak is the failures after it.
    rec.answer = (r) => (r.json.subject === 'E' ? { status: 200 } : { status: 503, delayMs: 150 });
    await n.srv.muster.store.events.append([ev(n.orgId, 'D', 4), ev(n.orgId, 'E', 5), ev(n.orgId, 'F', 6)]);
    clock.t += 10_000; // A's retry is not due yet: this batch is D, E and F.
    expect(await d.drain()).toBe(3);
    const h = await health();
    expect(Number(h.consecutive_failures)).toBe(2);
    expect(h.failing_since).toBe(new Date(clock.t).toISOString());
    expect(h.paused_at).toBeNull();
    expect(await n.srv.muster.store.db.selectFrom('webhook_attempts').select('id').execute()).toHaveLength(6);
  });
});

describe('outbound addresses (SSRF)', () => {
  it('refuses private and loopback URLs when saved, and a name resolving to one at connect time, unless allowed', async () => {
    const n = await node({});
    for (const url of ['http://127.0.0.1:8080/', 'http://[::1]/', 'http://169.254.169.254/latest', 'https://10.1.2.3/', 'http://100.64.0.1/', 'http://[fd00::1]/', 'http://[::ffff:127.0.0.1]/', 'http://localhost/', 'http://2130706433/']) {
      const r = await n.api('POST', '/webhooks', { url });
      expect(r.status, url).toBe(400);
      expect(r.body.error, url).toBe('address_refused');
    }
    // A name is checked where it resolves, when connecting (DNS rebinding).
    const rec = await receiver();
    const host = os.hostname();
    const addresses = await dns.lookup(host, { all: true });
    const policy = new AddressPolicy({ allowPrivate: false, allowedCidrs: [] });
    expect(addresses.every((a) => !policy.allows(a.address)), `${host} resolves to ${JSON.stringify(addresses)}`).toBe(true);
    const ep = await addEndpoint(n, `http://${host}:${rec.port}/hook`);
    await n.srv.muster.store.events.append([ev(n.orgId, 'p1', 1)]);
    let d: { state: string; attemptLog: { error: string }[] } | undefined;
    for (let i = 0; i < 100; i++) {
      d = (await n.api('GET', `/webhooks/${ep.id}/deliveries`)).body.deliveries[0];
      if (d?.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(d).toMatchObject({ state: 'failed' });
    expect(d!.attemptLog[0]!.error).toContain('private, loopback');
    expect(rec.received).toHaveLength(0);
    // The operator's allow-list opens a range.
    expect(new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] }).allows('127.0.0.1')).toBe(true);
    expect(new AddressPolicy({ allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] }).allows('10.0.0.1')).toBe(false);
    expect(policy.allows('8.8.8.8')).toBe(true);
    expect(policy.allows('2606:4700::1111')).toBe(true);
    expect(policy.allows('::ffff:8.8.8.8')).toBe(false);
    expect(policy.allows('fe80::1')).toBe(false);
    expect(policy.allows('224.0.0.1')).toBe(false);
  });
});
