/**
 * GET /api/v1/events (issue 15, item 4) on the engine MUSTER_TEST_ENGINE names: 100,000 events
 * paged with no gap and no repeat, filters by type and list, another organisation's events never
 * shown, and a cursor past retention answered 410.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runMaintenance } from '../src/jobs/maintenance.js';
import type { NewDomainEvent } from '../src/events/types.js';
import { call, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let srv: TestServer;
let list: TestList;
let key: string;
let orgId: string;

beforeAll(async () => {
  srv = await startServer();
  list = await srv.newList({ name: 'Staff' });
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  orgId = org.id;
  key = await srv.adminKey(org.id);
});
afterAll(async () => {
  await srv.close();
});

const events = (q: string) => call(`${srv.origin}/api/v1/events${q}`, { headers: { authorization: `Bearer ${key}` } });

const fake = (org: string, i: number, listId: string | null = list.id): NewDomainEvent => (i % 3 === 0
  ? { type: 'person.deactivated', orgId: org, listId, subject: `p${i}`, payload: { userName: `p${i}`, source: 'scim' } }
  : { type: 'person.updated', orgId: org, listId, subject: `p${i}`, payload: { userName: `p${i}`, source: 'scim', changes: { job_title: { after: `t${i}` } } } });

it('pages through 100,000 events with no gap and no repeat, while another organisation writes too', { timeout: 600_000 }, async () => {
  const start = await srv.muster.store.events.headId();
  const total = 100_000;
  const perTx = 10_000;
  for (let i = 0; i < total; i += perTx) {
    await srv.muster.store.transaction((tx) => tx.events.append([
      ...Array.from({ length: perTx }, (_, k) => fake(orgId, i + k)),
      // Another organisation's events interleave by id; they are never shown here.
      ...Array.from({ length: 10 }, (_, k) => fake('another-org', k, null)),
    ]));
  }
  const seen: number[] = [];
  let after = String(start);
  let lastSeq = 0;
  for (;;) {
    const r = await events(`?after=${after}&limit=1000`);
    expect(r.status, r.text).toBe(200);
    if (r.body.events.length === 0) {
      expect(r.body.next).toBe(after);
      break;
    }
    for (const e of r.body.events as { id: number; seq: number; orgId: string; subject: string }[]) {
      expect(e.orgId).toBe(orgId);
      expect(e.seq).toBe(lastSeq === 0 ? e.seq : lastSeq + 1);
      lastSeq = e.seq;
      seen.push(Number(e.subject.slice(1)));
    }
    after = r.body.next;
  }
  expect(seen.length).toBe(total);
  expect(seen.every((v, i) => v === i)).toBe(true);
});

it('filters by type and by list, and checks its parameters', async () => {
  const other = await srv.newList({ name: 'Visitors' });
  const head = await srv.muster.store.events.headId();
  const a = (await list.req('POST', '/Users', user('ada'))).body.id as string;
  const b = (await other.req('POST', '/Users', user('bo'))).body.id as string;
  expect((await list.req('DELETE', `/Users/${a}`)).status).toBe(204);

  let r = await events(`?after=${head}&list=${other.id}`);
  expect(r.status, r.text).toBe(200);
  expect(r.body.events.map((e: { type: string; subject: string }) => [e.type, e.subject])).toEqual([['person.created', b]]);
  r = await events(`?after=${head}&type=person.deleted,person.created&type=group.created`);
  expect(r.body.events.map((e: { type: string; subject: string }) => [e.type, e.subject])).toEqual([['person.created', a], ['person.created', b], ['person.deleted', a]]);
  const page = await events(`?after=${head}&limit=1`);
  expect(page.body.events).toHaveLength(1);
  expect(page.body.next).toBe(String(page.body.events[0].id));

  expect((await events('?type=person.exploded')).body.error).toBe('invalid_parameter');
  expect((await events('?limit=0')).status).toBe(400);
  expect((await events('?after=-1')).status).toBe(400);
  expect((await events('?list=no-such-list')).status).toBe(404);
  expect((await call(`${srv.origin}/api/v1/events`, {})).status).toBe(401);
});

it('answers 410 events_cursor_expired once retention has removed events after the cursor, and pages on from the cursor it names', async () => {
  const old = '2001-01-01T00:00:00.000Z';
  const head = await srv.muster.store.events.headId();
  await srv.muster.store.events.append([{ ...fake(orgId, 1), occurredAt: old }, { ...fake(orgId, 2), occurredAt: old }]);
  await srv.muster.store.events.append([fake(orgId, 3)]);
  const r = await runMaintenance(srv.muster.store, srv.muster.audit, { auditRetentionDays: 0, requestLogRetentionDays: 7, verificationLogRetentionDays: 90, eventsRetentionDays: 30 }, new Date());
  expect(r.events).toBeGreaterThanOrEqual(2);
  expect(r.failures).toEqual([]);
  const gone = await events(`?after=${head}`);
  expect(gone.status).toBe(410);
  expect(gone.body.error).toBe('events_cursor_expired');
  const pruned = await srv.muster.store.events.prunedThrough(orgId);
  expect(gone.body.detail).toContain(`after=${pruned}`);
  const resumed = await events(`?after=${pruned}`);
  expect(resumed.status).toBe(200);
  expect(resumed.body.events.map((e: { subject: string }) => e.subject)).toEqual(['p3']);
});
