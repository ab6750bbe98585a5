import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, ENTERPRISE, NEW_ID, patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';
import { replay } from './helpers/replay.js';
import { refuseAuditDeletes } from './helpers/database.js';
import { REQUEST_LOG_KEPT_PER_LIST, runMaintenance } from '../src/jobs/maintenance.js';
import { AuditTrail, eventHash } from '../src/audit/audit-trail.js';
import { pack } from '../src/store/sqlite/packed-text.js';
import { UNAUTHENTICATED_LOGGED } from '../src/http/scim-routes.js';

let srv: TestServer;
let adminKey: string;

beforeAll(async () => {
  srv = await startServer();
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  adminKey = await srv.adminKey(org.id);
});
afterAll(() => srv.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- admin API JSON
const admin = async (path: string, key = adminKey): Promise<{ status: number; body: any; text: string; headers: Headers }> =>
  call(`${srv.origin}/api/v1${path}`, { headers: { authorization: `Bearer ${key}` } });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- admin API JSON
async function events(list: TestList, query = ''): Promise<any[]> {
  const r = await admin(`/lists/${list.id}/audit/events?order=asc&limit=1000${query}`);
  expect(r.status, r.text).toBe(200);
  return r.body.events;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event JSON
const change = (e: any, field: string) => e.changes.find((c: { field: string }) => c.field === field);

describe('the audit trail records every change of an IdP lifecycle', () => {
  it('Okta: one event per change, with before/after values, identified by its User-Agent', async () => {
    const list = await srv.newList({ name: 'Okta audit', tokenLabel: 'Production connector' });
    const vars: Record<string, string> = { token: list.token };
    await replay('okta', vars, list.base);
    const ev = await events(list);
    expect(ev.map((e) => e.action)).toEqual([
      'list.created', 'mapping.changed', 'token.created', 'token.first_used',
      'person.created', // POST
      'person.updated', // GET then PUT with new name and department
      'group.created', // POST (no members); the following rename-to-same-name PATCH changes nothing
      'group.members_added',
      'person.deactivated', 'person.reactivated', // the password PATCH changes nothing stored
      'person.deactivated', // AIW-style PUT with active false
      'group.members_removed', 'group.members_added', // remove by filter, then full replace
      'group.deleted',
    ]);
    const scim = ev.filter((e) => e.actor === 'scim' && e.action !== 'token.first_used');
    for (const e of scim) expect(e.idp, e.action).toEqual({ name: 'Okta', evidence: 'user-agent: Okta SCIM Client 1.0.0' });
    const created = ev[4];
    expect(created.target).toEqual({ type: 'person', id: vars.userId, name: 'jdoe@example.com' });
    expect(change(created, 'userName')).toEqual({ field: 'userName', before: null, after: 'jdoe@example.com' });
    const updated = ev[5];
    expect(change(updated, 'name.givenName')).toEqual({ field: 'name.givenName', before: 'Jane', after: 'Janet' });
    expect(updated.token.label).toBe('Production connector');
    expect(updated.requestId).toMatch(NEW_ID);
    expect(change(ev[8], 'active')).toEqual({ field: 'active', before: true, after: false });
    expect(change(ev[7], 'members')).toEqual({ field: 'members', before: null, after: [vars.userId] });
    expect(change(ev[11], 'members')).toEqual({ field: 'members', before: [vars.userId], after: null });
    expect(ev.every((e) => !JSON.stringify(e).includes('N3wP@ss!'))).toBe(true);
    const verify = await admin(`/lists/${list.id}/audit/verify`);
    expect(verify.body).toEqual({ listId: list.id, ok: true, checked: ev.length });
  });

  it('Entra: identified by the token label, with the normalisations each request needed', async () => {
    const list = await srv.newList({ name: 'Entra audit', tokenLabel: 'Entra ID production' });
    const manager = (await list.req('POST', '/Users', user('boss@contoso.com'))).body.id;
    const vars: Record<string, string> = { token: list.token, randomGuid: randomUUID(), managerId: manager };
    await replay('entra', vars, list.base);
    const ev = (await events(list)).filter((e) => e.target?.id === vars.userId || e.target?.id === vars.groupId);
    expect(ev.map((e) => e.action)).toEqual([
      'person.created', 'person.updated', 'person.updated', 'person.updated', // create; manager; PascalCase ops; filtered email
      'group.created', 'group.members_added', 'group.renamed',
      'person.deactivated', // Replace active "False"; the flagged form then changes nothing
      'person.reactivated', 'group.members_removed', // the flagged removal then finds nothing left to remove
      'person.deleted', 'group.deleted',
    ]);
    for (const e of ev) expect(e.idp.name, e.action).toBe('Microsoft Entra ID');
    expect(ev[1].normalisations).toContain('op-case');
    expect(change(ev[1], 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value')).toEqual({
      field: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value', before: null, after: manager,
    });
    expect(ev[7].normalisations).toEqual(expect.arrayContaining(['op-case', 'boolean-string']));
    const renamed = ev[6];
    expect(change(renamed, 'displayName')).toEqual({ field: 'displayName', before: 'Engineering', after: 'Engineering-Core' });
    expect(ev[10].target).toEqual({ type: 'person', id: vars.userId, name: 'jdoe@contoso.com' }); // kept after the person is gone
    expect(change(ev[10], 'userName')).toEqual({ field: 'userName', before: 'jdoe@contoso.com', after: null });
  });

  it('without a label or User-Agent, Entra is recognised by its dialect and remembered for the token', async () => {
    const list = await srv.newList({ name: 'Unlabelled' });
    const id = (await list.req('POST', '/Users', user('first@x.example'))).body.id;
    await list.req('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'T' }));
    await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'U' }));
    const ev = (await events(list, '&action=person.created,person.updated'));
    expect(ev.map((e) => e.idp)).toEqual([
      null,
      { name: 'Microsoft Entra ID', evidence: 'dialect: op-case' },
      { name: 'Microsoft Entra ID', evidence: 'token-history' },
    ]);
  });
});

describe('failures, transactions and the request log', () => {
  it('a failed request changes nothing and leaves a provisioning.failed event with its SCIM error', async () => {
    const list = await srv.newList({ name: 'Failures' });
    const r = await list.req('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], password: 'hunter2', name: { givenName: 'No' } });
    expect(r.status).toBe(400);
    const ev = await events(list, '&action=provisioning.failed');
    expect(ev).toHaveLength(1);
    expect(ev[0].detail).toEqual({ method: 'POST', path: `/scim/v2/lists/${list.id}/Users`, status: 400, scimType: 'invalidValue', detail: r.body.detail });
    expect(await events(list, '&action=person.created')).toEqual([]);
    await srv.muster.requestLog.flush();
    const log = await admin(`/lists/${list.id}/request-log?failed=true`);
    expect(log.body.requests[0]).toMatchObject({ method: 'POST', status: 400, requestId: r.headers.get('x-request-id') });
    expect(log.body.requests[0].requestBody).toContain('[redacted]');
    expect(log.body.requests[0].requestBody).not.toContain('hunter2');
    expect(JSON.parse(log.body.requests[0].responseBody)).toEqual(r.body);
    const malformed = await list.req('POST', '/Users', '{"userName": "half');
    expect(malformed.status).toBe(400);
    await srv.muster.requestLog.flush();
    const raw = await admin(`/lists/${list.id}/request-log?requestId=${malformed.headers.get('x-request-id')}`);
    expect(raw.body.requests[0].requestBody).toBe('{"userName": "half');
  });

  it('a Bulk request\'s body is stored packed on SQLite and reads back as it was logged', async () => {
    const list = await srv.newList({ name: 'Bulk log' });
    const body = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: Array.from({ length: 20 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: user(`bulk${i}@example.com`, { title: 'Teacher' }) })),
    };
    const r = await list.req('POST', '/Bulk', body);
    expect(r.status, r.text).toBe(200);
    await srv.muster.requestLog.flush();
    const log = await admin(`/lists/${list.id}/request-log?requestId=${r.headers.get('x-request-id')}`);
    const entry = log.body.requests[0];
    expect(entry.requestBody.length).toBeGreaterThan(4096);
    expect(JSON.parse(entry.requestBody)).toEqual(body);
    expect(JSON.parse(entry.responseBody)).toEqual(r.body);
    const stored = await srv.muster.store.db.selectFrom('request_log').select(['request_body']).where('request_id', '=', r.headers.get('x-request-id')!).executeTakeFirstOrThrow();
    expect(stored.request_body instanceof Uint8Array ? 'blob' : 'text').toBe(srv.muster.store.engine === 'sqlite' ? 'blob' : 'text');
  });

  it('the request log keeps its newest entries under MUSTER_REQUEST_LOG_MAX_ENTRIES, removing the oldest in chunks, whatever their age', async () => {
    const fresh = await startServer();
    try {
      const list = await fresh.newList();
      for (let i = 0; i < 12; i++) expect((await list.req('GET', `/Users?filter=${encodeURIComponent(`userName eq "nobody${i}@example.com"`)}`)).status).toBe(200);
      await fresh.muster.requestLog.flush();
      const ids = async () => (await fresh.muster.store.audit.requests({ listId: list.id, failedOnly: false, limit: 100 })).map((r) => r.id).sort((a, b) => a - b);
      const before = await ids();
      expect(before.length).toBeGreaterThanOrEqual(12);
      // The plan names the newest entry that goes; removals go two at a time, oldest first, each naming whether more may remain.
      expect(await fresh.muster.store.audit.requestCapPlan(before.length - 5)).toEqual([{ listId: list.id, upTo: before[4] }]);
      expect(await fresh.muster.store.audit.removeRequests(list.id, before[4]!, 2)).toEqual({ removed: 2, more: true });
      expect(await ids()).toEqual(before.slice(2));
      const r = await runMaintenance(fresh.muster.store, fresh.muster.audit, { auditRetentionDays: 0, requestLogRetentionDays: 7, verificationLogRetentionDays: 90, eventsRetentionDays: 30, requestLogMaxEntries: 4, requestLogKeptPerList: 0 }, new Date());
      expect(r).toMatchObject({ requestLogEntries: before.length - 2 - 4, failures: [] });
      expect(await ids()).toEqual(before.slice(-4));
      expect(await fresh.muster.store.audit.requestCapPlan(4)).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('over MUSTER_REQUEST_LOG_MAX_ENTRIES, a list\'s burst takes its own oldest entries: each list keeps an equal share of the cap, a quiet one all of its own', async () => {
    const fresh = await startServer();
    try {
      const [quiet, steady, busy] = [await fresh.newList({ name: 'Quiet' }), await fresh.newList({ name: 'Steady' }), await fresh.newList({ name: 'Busy' })];
      const send = async (list: TestList, n: number) => {
        for (let i = 0; i < n; i++) expect((await list.req('GET', `/Users?count=1&startIndex=${i + 1}`)).status).toBe(200);
      };
      // The quiet and steady lists' entries are the oldest; then the busy list's IdP sends a burst.
      await send(quiet, 5);
      await send(steady, 8);
      await send(busy, 30);
      await fresh.muster.requestLog.flush();
      const ids = async (list: TestList) => (await fresh.muster.store.audit.requests({ listId: list.id, failedOnly: false, limit: 100 })).map((r) => r.id).sort((a, b) => a - b);
      const [q, s, b] = [await ids(quiet), await ids(steady), await ids(busy)];
      expect([q.length, s.length, b.length]).toEqual([5, 8, 30]);
      // A cap of 20: the quiet list keeps its 5; the other two are over an equal split of the 15 left, and keep 7 each.
      const r = await runMaintenance(fresh.muster.store, fresh.muster.audit, { auditRetentionDays: 0, requestLogRetentionDays: 7, verificationLogRetentionDays: 90, eventsRetentionDays: 30, requestLogMaxEntries: 20, requestLogKeptPerList: 0 }, new Date());
      expect(r).toMatchObject({ requestLogEntries: 1 + 23, failures: [] });
      expect(await ids(quiet)).toEqual(q);
      expect(await ids(steady)).toEqual(s.slice(-7));
      expect(await ids(busy)).toEqual(b.slice(-7));
      expect(await fresh.muster.store.audit.requestCapPlan(20)).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it(`over a cap smaller than the lists can share out, each list keeps its newest ${REQUEST_LOG_KEPT_PER_LIST} entries`, async () => {
    const fresh = await startServer();
    try {
      const [small, large] = [await fresh.newList({ name: 'Small' }), await fresh.newList({ name: 'Large' })];
      const send = async (list: TestList, n: number) => {
        for (let i = 0; i < n; i++) expect((await list.req('GET', `/Users?count=1&startIndex=${i + 1}`)).status).toBe(200);
      };
      await send(small, 3);
      await send(large, REQUEST_LOG_KEPT_PER_LIST + 5);
      await fresh.muster.requestLog.flush();
      const ids = async (list: TestList) => (await fresh.muster.store.audit.requests({ listId: list.id, failedOnly: false, limit: 500 })).map((r) => r.id).sort((a, b) => a - b);
      const [s, l] = [await ids(small), await ids(large)];
      expect([s.length, l.length]).toEqual([3, REQUEST_LOG_KEPT_PER_LIST + 5]);
      // A cap of 1: an equal split would leave each list nothing.
      const r = await runMaintenance(fresh.muster.store, fresh.muster.audit, { auditRetentionDays: 0, requestLogRetentionDays: 7, verificationLogRetentionDays: 90, eventsRetentionDays: 30, requestLogMaxEntries: 1 }, new Date());
      expect(r).toMatchObject({ requestLogEntries: 5, failures: [] });
      expect(await ids(small)).toEqual(s);
      expect(await ids(large)).toEqual(l.slice(-REQUEST_LOG_KEPT_PER_LIST));
    } finally {
      await fresh.close();
    }
  });

  it('property: the cap\'s plan keeps at most the cap, takes nothing from a list under its share, leaves the lists it cuts equal, and none below its floor', async () => {
    const fresh = await startServer();
    try {
      const repo = fresh.muster.store.audit;
      await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 5 }), async (sizes, keep, floor) => {
        await fresh.muster.store.db.deleteFrom('request_log').execute();
        const rows = sizes.flatMap((n, l) => Array.from({ length: n }, (_, i) => ({
          time: new Date().toISOString(), list_id: `list-${l}`, request_id: `r-${l}-${i}`, method: 'GET', path: '/Users', status: 200, duration_ms: 1,
          user_agent: null, token_label: null, idp: null, request_body: null, response_body: null,
        })));
        // Interleaved, as lists' requests arrive.
        rows.sort((x, y) => Number(x.request_id.split('-')[2]) - Number(y.request_id.split('-')[2]));
        if (rows.length) await fresh.muster.store.db.insertInto('request_log').values(rows).execute();
        const plan = await repo.requestCapPlan(keep, floor);
        for (const cut of plan) while ((await repo.removeRequests(cut.listId, cut.upTo, 3)).more);
        const after = await Promise.all(sizes.map(async (_, l) => (await repo.requests({ listId: `list-${l}`, failedOnly: false, limit: 100 })).length));
        const total = sizes.reduce((a, n) => a + n, 0);
        if (total <= keep) {
          expect(plan).toEqual([]);
          expect(after).toEqual(sizes);
          return;
        }
        // No list is cut below its newest `floor` entries.
        for (const [l, n] of sizes.entries()) expect(after[l]).toBeGreaterThanOrEqual(Math.min(n, floor));
        const cut = sizes.map((n, l) => after[l]! < n);
        const kept = sizes.filter((_, l) => !cut[l]).reduce((a, n) => a + n, 0);
        // Every list cut keeps the same share: an equal split of what the lists left whole leave of
        // the cap, or the floor where that split is below it...
        const even = Math.floor((keep - kept) / cut.filter(Boolean).length);
        const share = Math.max(even, floor);
        for (const [l, n] of after.entries()) if (cut[l]) expect(n).toBe(share);
        // ...a list left whole has no more than that share...
        for (const [l, n] of sizes.entries()) if (!cut[l]) expect(n).toBeLessThanOrEqual(share);
        // ...and the log holds no more than the cap unless the floor is what it keeps.
        if (even >= floor) expect(after.reduce((a, n) => a + n, 0)).toBeLessThanOrEqual(keep);
      }), { numRuns: 40 });
    } finally {
      await fresh.close();
    }
  });

  it('requests without a valid token are logged up to an allowance per client address, and only under a list that exists: the rest are answered alike, counted, and not logged', async () => {
    const fresh = await startServer();
    const perSecond = UNAUTHENTICATED_LOGGED.perAddress.perSecond;
    // No allowance comes back while the test runs, however slow the machine.
    UNAUTHENTICATED_LOGGED.perAddress.perSecond = 1e-9;
    try {
      const [target, other] = [await fresh.newList({ name: 'Named in the URL' }), await fresh.newList({ name: 'Holder of the token' })];
      const send = (url: string, headers: Record<string, string>) =>
        call(url, { method: 'POST', headers: { 'content-type': 'application/scim+json', ...headers }, body: JSON.stringify(user(`${randomUUID()}@example.com`)) });
      // A list id no list has: refused, and not logged.
      for (let i = 0; i < 2; i++) expect((await send(`${fresh.origin}/scim/v2/lists/${randomUUID()}/Users`, { authorization: `Bearer ${other.token}` })).status).toBe(401);
      // Refused for its URL before its token was looked at: it counts too.
      const early = await send(`${target.base}/Users?x=%00`, { authorization: `Bearer ${target.token}` });
      expect(early.status).toBe(400);
      const wrong: Record<string, string>[] = [{ authorization: 'Bearer not-a-token' }, { authorization: `Bearer ${other.token}` }, {}];
      for (let i = 0; i < 20; i++) {
        const r = await send(`${target.base}/Users`, wrong[i % 3]!);
        expect(r.status).toBe(401);
        expect(r.body.status).toBe('401');
      }
      // The list's own IdP, from the same address, is logged as ever.
      const ok = await target.req('GET', '/Users?count=1');
      expect(ok.status).toBe(200);
      await fresh.muster.requestLog.flush();
      const logged = await fresh.muster.store.audit.requests({ listId: target.id, failedOnly: false, limit: 100 });
      const allowance = UNAUTHENTICATED_LOGGED.perAddress.burst;
      expect(logged.filter((r) => r.status === 400).map((r) => r.request_id)).toEqual([early.headers.get('x-request-id')]);
      expect(logged.filter((r) => r.status === 401)).toHaveLength(allowance - 3);
      expect(logged.filter((r) => r.status === 200).map((r) => r.request_id)).toEqual([ok.headers.get('x-request-id')]);
      expect(Number((await fresh.muster.store.db.selectFrom('request_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n)).toBe(allowance - 2 + 1);
      expect((await fresh.muster.metrics.requestLogSkipped.get()).values.map((v) => [v.labels.reason, v.value]).sort()).toEqual([['unauthenticated', 3], ['unknown_list', 2]]);
    } finally {
      UNAUTHENTICATED_LOGGED.perAddress.perSecond = perSecond;
      await fresh.close();
    }
  });

  it('a URL naming no list by a nasty id (NUL, a broken or overlong UTF-8 sequence, prototype keys, 4,000 characters) gets a 4xx without a token, and nothing is logged under it', async () => {
    const fresh = await startServer();
    try {
      const list = await fresh.newList();
      const ids = ['%00', 'a%00b', '%ED%A0%80', '%E0%80%80', '__proto__', 'constructor', 'x'.repeat(4000), '%F0%9F%98%80', `${list.id}%00`];
      for (const id of ids) {
        const r = await call(`${fresh.origin}/scim/v2/lists/${id}/Users`, { headers: { authorization: 'Bearer not-a-token' } });
        expect([400, 401]).toContain(r.status);
      }
      await fresh.muster.requestLog.flush();
      expect(await fresh.muster.store.db.selectFrom('request_log').select('list_id').execute()).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('requests without a valid token are logged up to an allowance on the node, whatever their addresses', async () => {
    const fresh = await startServer();
    const node = { ...UNAUTHENTICATED_LOGGED.perNode };
    Object.assign(UNAUTHENTICATED_LOGGED.perNode, { burst: 4, perSecond: 1e-9 });
    try {
      const list = await fresh.newList();
      for (let i = 0; i < 9; i++) expect((await call(`${list.base}/Users`, { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
      await fresh.muster.requestLog.flush();
      expect(await fresh.muster.store.audit.requests({ listId: list.id, failedOnly: false, limit: 100 })).toHaveLength(4);
      expect((await fresh.muster.metrics.requestLogSkipped.get()).values).toEqual([{ labels: { reason: 'unauthenticated' }, value: 5 }]);
    } finally {
      Object.assign(UNAUTHENTICATED_LOGGED.perNode, node);
      await fresh.close();
    }
  });

  it('retention goes on past a list whose trail cannot be pruned: the others are pruned, and the failure names the list', async () => {
    const fresh = await startServer();
    try {
      const [stuck, fine] = [await fresh.newList({ name: 'Stuck' }), await fresh.newList({ name: 'Fine' })];
      for (const list of [stuck, fine]) expect((await list.req('POST', '/Users', user(`${list.id}@example.com`))).status).toBe(201);
      // A real failure inside the database: deleting the stuck list's events raises an error.
      await refuseAuditDeletes(fresh.muster.store.db as unknown as Kysely<never>, fresh.muster.store.engine, stuck.id);
      const count = async (listId: string) => (await fresh.muster.store.audit.query({ listId, order: 'asc', limit: 100 })).length;
      const [stuckBefore, fineBefore] = [await count(stuck.id), await count(fine.id)];
      expect(Math.min(stuckBefore, fineBefore)).toBeGreaterThan(0);
      await fresh.muster.requestLog.flush();
      expect((await fresh.muster.store.audit.requests({ listId: fine.id, failedOnly: false, limit: 10 })).length).toBeGreaterThan(0);
      // Ten days from now, every event is past a one-day retention.
      const later = new Date(Date.now() + 10 * 86_400_000);
      const r = await runMaintenance(fresh.muster.store, fresh.muster.audit, { auditRetentionDays: 1, requestLogRetentionDays: 1, verificationLogRetentionDays: 1, eventsRetentionDays: 1 }, later);
      expect(r.failures).toEqual([{ task: 'audit trail', listId: stuck.id, error: expect.stringMatching(/refused by a trigger/) }]);
      expect(await count(stuck.id)).toBe(stuckBefore);
      expect(await count(fine.id)).toBe(0);
      expect(r.auditEvents).toBe(fineBefore);
      // The other tasks ran: the request log (before the audit trail), kept a day, is empty.
      expect(await fresh.muster.store.audit.requests({ listId: fine.id, failedOnly: false, limit: 10 })).toEqual([]);
      expect((await fresh.muster.audit.verify(fresh.muster.store, fine.id)).ok).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('retention stops going through the lists when the database cannot take a statement, and says how many it did not try', async () => {
    const fresh = await startServer();
    try {
      for (const name of ['One', 'Two', 'Three']) await fresh.newList({ name });
      const lists = await fresh.muster.store.lists.all();
      const tried: string[] = [];
      // The database held by another process past busy_timeout: what better-sqlite3 throws then.
      const busy = new (class extends AuditTrail {
        override async prune(): Promise<number> {
          tried.push('prune');
          throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        }
      })(true);
      const r = await runMaintenance(fresh.muster.store, busy, { auditRetentionDays: 1, requestLogRetentionDays: 1, verificationLogRetentionDays: 1, eventsRetentionDays: 1 }, new Date());
      expect(tried).toHaveLength(1);
      expect(r.failures).toEqual([
        { task: 'audit trail', listId: lists[0]!.id, error: 'database is locked' },
        { task: 'audit trail', error: `${lists.length - 1} more lists not tried: the database was unavailable` },
      ]);
    } finally {
      await fresh.close();
    }
  });

  it('no change without its event: when the event cannot be written, the change is rolled back', async () => {
    const fresh = await startServer();
    try {
      const list = await fresh.newList();
      await sql`DROP TABLE audit_events`.execute(fresh.muster.store.db);
      const r = await list.req('POST', '/Users', user('orphan@example.com'));
      expect(r.status).toBe(500);
      expect(await fresh.muster.store.users.count({ listId: list.id })).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});

describe('several events in one transaction', () => {
  it('chain one after another from the head the transaction locked, and a prune in the same transaction keeps the chain verifiable', async () => {
    const list = await srv.newList({ name: 'One transaction' });
    const store = srv.muster.store;
    const before = (await store.audit.chain(list.id, false))!;
    await store.transaction(async (tx) => {
      expect(await tx.audit.chain(list.id, true)).toEqual(before);
      for (const name of ['first', 'second', 'third']) {
        await srv.muster.audit.record(tx, list.id, { action: 'list.configured', target: { type: 'list', id: list.id, name }, changes: [{ field: 'name', before: null, after: name }] }, { actor: 'cli' });
      }
      const head = (await tx.audit.chain(list.id, false))!;
      expect(head.headSeq).toBe(before.headSeq + 3);
      // What the transaction holds is what its own statements read back.
      const row = (await tx.audit.query({ listId: list.id, order: 'desc', limit: 1 }))[0]!;
      expect({ seq: row.seq, hash: row.hash }).toEqual({ seq: head.headSeq, hash: head.headHash });
      const dropped = await tx.audit.dropThrough(list.id, before.headSeq, (await tx.audit.query({ listId: list.id, seq: before.headSeq, order: 'asc', limit: 1 }))[0]!.hash);
      expect(dropped).toBeGreaterThan(0);
      expect(await tx.audit.chain(list.id, true)).toMatchObject({ headSeq: before.headSeq + 3, anchorSeq: before.headSeq });
      await srv.muster.audit.record(tx, list.id, { action: 'list.configured', target: { type: 'list', id: list.id, name: 'fourth' }, changes: [{ field: 'name', before: 'third', after: 'fourth' }] }, { actor: 'cli' });
    });
    expect(await store.audit.chain(list.id, false)).toMatchObject({ headSeq: before.headSeq + 4, anchorSeq: before.headSeq });
    expect(await srv.muster.audit.verify(store, list.id)).toEqual({ listId: list.id, ok: true, checked: 4 });
  });
});

describe('tamper evidence', () => {
  async function seeded(): Promise<TestList> {
    const list = await srv.newList({ name: `Chain ${randomUUID()}` });
    for (let i = 0; i < 5; i++) await list.req('POST', '/Users', user(`chain${i}@example.com`));
    return list;
  }
  const verify = (list: TestList) => srv.muster.audit.verify(srv.muster.store, list.id);
  const seqOf = async (list: TestList, n: number) => (await events(list))[n].seq as number;

  it('an edited event is named', async () => {
    const list = await seeded();
    const seq = await seqOf(list, 4);
    await srv.muster.store.db.updateTable('audit_events').set({ target_name: 'someone else' }).where('list_id', '=', list.id).where('seq', '=', seq).execute();
    const r = await verify(list);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ seq, reason: expect.stringMatching(/edited/) });
  });

  it('each hash is stored once (prev_hash as the empty text, on SQLite the hash as its 32 bytes), and prevHash reads back as the previous event\'s hash on any page and after retention', async () => {
    const list = await seeded();
    const people = (await list.req('GET', '/Users?count=10')).body.Resources.map((u: { id: string }) => u.id);
    for (const id of people.slice(0, 3)) expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Analyst' }))).status).toBe(200);
    const all = await events(list);
    const hashOf = new Map<number, string>(all.map((e) => [e.seq, e.hash]));
    expect(all[0]).toMatchObject({ seq: 1, prevHash: '' });
    for (const e of all.slice(1)) expect(e.prevHash).toBe(hashOf.get(e.seq - 1));
    for (const e of all) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    const db = srv.muster.store.db;
    const kind = srv.muster.store.engine === 'sqlite' ? sql<string>`typeof(hash)` : sql<string>`pg_typeof(hash)::text`;
    const stored = await db.selectFrom('audit_events').select(['prev_hash', kind.as('k'), sql<number>`length(hash)`.as('n')]).where('list_id', '=', list.id).execute();
    expect(stored.map((r) => [r.prev_hash, r.k, Number(r.n)])).toEqual(all.map(() => ['', ...(srv.muster.store.engine === 'sqlite' ? ['blob', 32] : ['text', 64])]));
    // Pages whose events are not next to one another, newest first, and from a cursor.
    // (A search by name reads in the lane of whole-list reads, whose rows come back as copies: the hash as a Uint8Array.)
    for (const query of ['&action=person.updated', '&action=person.created', '&order=desc&limit=2', `&cursor=${all[3].seq}&limit=3`, '&person=chain1']) {
      const page = (await admin(`/lists/${list.id}/audit/events?order=asc&limit=1000${query}`)).body.events;
      expect(page.length).toBeGreaterThan(0);
      for (const e of page) expect(e.prevHash).toBe(e.seq === 1 ? '' : hashOf.get(e.seq - 1));
    }
    // Retention up to the first person.created: that event, first on a page of every event and on
    // a page of person.created events, reads its prevHash from the anchor (its previous event is gone).
    const first = all.find((e) => e.action === 'person.created');
    await srv.muster.store.transaction((tx) => tx.audit.dropThrough(list.id, first.seq - 1, hashOf.get(first.seq - 1)!));
    expect((await events(list))[0]).toMatchObject({ seq: first.seq, prevHash: hashOf.get(first.seq - 1) });
    expect((await admin(`/lists/${list.id}/audit/events?order=asc&action=person.created`)).body.events[0]).toMatchObject({ seq: first.seq, prevHash: hashOf.get(first.seq - 1) });
    expect(await verify(list)).toEqual({ listId: list.id, ok: true, checked: all.length - (first.seq - 1) });
  });

  it('an event edited with a hash made to match is named at the event after it, whose hash covers it', async () => {
    const list = await seeded();
    const seq = await seqOf(list, 3);
    const [row] = await srv.muster.store.audit.query({ listId: list.id, seq, order: 'asc', limit: 1 });
    const forged = { ...row!, target_name: 'someone else' };
    const hash = eventHash(forged);
    await srv.muster.store.db.updateTable('audit_events')
      .set({ target_name: 'someone else', hash: srv.muster.store.engine === 'sqlite' ? Buffer.from(hash, 'hex') : hash })
      .where('list_id', '=', list.id).where('seq', '=', seq).execute();
    const r = await verify(list);
    expect(r.firstBad).toMatchObject({ seq: seq + 1, reason: expect.stringMatching(/does not match its hash \(the event, or the one before it, was edited\)/) });
  });

  it('a chain of events stored as earlier versions stored them (both hashes as hex) and as this one stores them reads and verifies as one', async () => {
    const list = await seeded();
    const all = await events(list);
    // The first half as an earlier version wrote them: prev_hash in full, the hash as hex text.
    for (const e of all.slice(0, Math.ceil(all.length / 2))) {
      await srv.muster.store.db.updateTable('audit_events').set({ prev_hash: e.prevHash, hash: e.hash }).where('list_id', '=', list.id).where('seq', '=', e.seq).execute();
    }
    expect(await events(list)).toEqual(all);
    expect(await verify(list)).toEqual({ listId: list.id, ok: true, checked: all.length });
    const more = await list.req('POST', '/Users', user('after.upgrade@example.com'));
    expect(more.status).toBe(201);
    const after = await events(list);
    expect(after.at(-1).prevHash).toBe(all.at(-1).hash);
    expect((await verify(list)).ok).toBe(true);
  });

  it('property: for generated chains, retention points and pages (actions, order, cursor, limit), every event reads the previous event\'s hash as its prevHash, and the chain verifies', async () => {
    const actions = ['person.updated', 'person.deactivated', 'group.created'] as const;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(...actions), { minLength: 1, maxLength: 12 }),
      fc.nat(), fc.subarray([...actions]), fc.constantFrom('asc' as const, 'desc' as const), fc.integer({ min: 1, max: 6 }), fc.nat(),
      async (written, dropAt, only, order, limit, cursorAt) => {
        const list = await srv.newList({ name: `Chain property ${randomUUID()}` });
        for (const action of written) {
          await srv.muster.store.transaction((tx) => srv.muster.audit.record(tx, list.id, { action, target: { type: 'person', id: randomUUID(), name: 'someone' }, changes: [{ field: 'title', before: null, after: 'x' }] }, { actor: 'test' }));
        }
        const all = await srv.muster.store.audit.query({ listId: list.id, order: 'asc', limit: 1000 });
        const hashOf = new Map<number, string>(all.map((r) => [r.seq, r.hash]));
        // Retention through any event but the last.
        const dropped = all[dropAt % all.length]!;
        if (dropped.seq < all.at(-1)!.seq) await srv.muster.store.transaction((tx) => tx.audit.dropThrough(list.id, dropped.seq, dropped.hash));
        const cursor = all[cursorAt % all.length]!.seq;
        const filter = only.length ? { actions: only } : {};
        const pages = [await srv.muster.store.audit.query({ listId: list.id, order, limit, cursor, ...filter }), await srv.muster.store.audit.query({ listId: list.id, order, limit, ...filter })];
        for (const r of pages.flat()) expect(r.prev_hash).toBe(r.seq === 1 ? '' : hashOf.get(r.seq - 1));
        expect((await srv.muster.audit.verify(srv.muster.store, list.id)).ok).toBe(true);
      },
    ), { numRuns: 40 });
  });

  it('a long event is stored packed on SQLite (PostgreSQL compresses it itself), reads back as written, and a packed value edited on disk is named', async () => {
    const list = await seeded();
    // A person with every attribute of the default schema: their first event is about 3 KB.
    const full = user('full@example.com', {
      displayName: 'Ada Lovelace', title: 'Analyst', userType: 'Employee', externalId: 'ext-1', nickName: 'Ada',
      phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work' }, { value: '+44 7700 900000', type: 'mobile' }],
      addresses: [{ streetAddress: '1 High Street', locality: 'London', postalCode: 'SW1A 1AA', country: 'GB', type: 'work' }],
      [ENTERPRISE]: { employeeNumber: '100001', department: 'Engineering', division: 'R&D', costCenter: 'CC-1', organization: 'Acme', manager: { value: 'boss' } },
    });
    expect((await list.req('POST', '/Users', full)).status).toBe(201);
    const created = (await events(list)).filter((e) => e.action === 'person.created');
    const db = srv.muster.store.db;
    const kind = srv.muster.store.engine === 'sqlite' ? sql<string>`typeof(changes)` : sql<string>`pg_typeof(changes)::text`;
    const kinds = await db.selectFrom('audit_events').select(['seq', kind.as('k')]).where('list_id', '=', list.id).where('action', '=', 'person.created').orderBy('seq').execute();
    // The five short events stay text; the long one is packed on SQLite.
    expect(kinds.map((r) => r.k)).toEqual([...created.slice(0, 5).map(() => 'text'), srv.muster.store.engine === 'sqlite' ? 'blob' : 'text']);
    const long = created[5];
    expect(JSON.stringify(long.changes).length).toBeGreaterThan(2000);
    expect(long.changes).toContainEqual({ field: 'roster:city', before: null, after: 'London' });
    expect(long.changes).toContainEqual({ field: `${ENTERPRISE}:costCenter`, before: null, after: 'CC-1' });
    expect(await verify(list)).toMatchObject({ ok: true });
    // The export reads it back as written too.
    const exported = (await admin(`/lists/${list.id}/audit/export?format=jsonl`)).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(exported.find((e) => e.seq === long.seq).changes).toEqual(long.changes);
    // Another well-formed packed value, then bytes that do not unpack: each is an edit, named.
    const seq = long.seq as number;
    const otherText = JSON.stringify([...long.changes, { field: 'title', before: null, after: 'Director' }]);
    const other = srv.muster.store.engine === 'sqlite' ? pack(otherText) : otherText;
    if (srv.muster.store.engine === 'sqlite') expect(other).toBeInstanceOf(Uint8Array);
    await db.updateTable('audit_events').set({ changes: other }).where('list_id', '=', list.id).where('seq', '=', seq).execute();
    expect((await verify(list)).firstBad).toMatchObject({ seq, reason: expect.stringMatching(/edited/) });
    if (srv.muster.store.engine === 'sqlite') {
      await db.updateTable('audit_events').set({ changes: Buffer.from([1, 0xff, 0x00, 0x13]) }).where('list_id', '=', list.id).where('seq', '=', seq).execute();
      expect((await verify(list)).firstBad).toMatchObject({ seq, reason: expect.stringMatching(/edited/) });
      // The trail still opens, with the undecodable content shown as text.
      const page = await admin(`/lists/${list.id}/audit/events?order=asc&limit=1000`);
      expect(page.status).toBe(200);
      expect(page.body.events.find((e: { seq: number }) => e.seq === seq).changes).toMatch(/does not unpack/);
    }
  });

  it('an event removed from the middle, or from the end, is detected', async () => {
    const list = await seeded();
    const middle = await seqOf(list, 3);
    await srv.muster.store.db.deleteFrom('audit_events').where('list_id', '=', list.id).where('seq', '=', middle).execute();
    expect((await verify(list)).firstBad).toMatchObject({ seq: middle, reason: expect.stringMatching(/missing/) });
    const tail = await seeded();
    const last = (await events(tail)).at(-1).seq;
    await srv.muster.store.db.deleteFrom('audit_events').where('list_id', '=', tail.id).where('seq', '=', last).execute();
    expect((await verify(tail)).firstBad).toMatchObject({ seq: last, reason: expect.stringMatching(/missing from the end/) });
  });

  it('retention drops old events and the rest still verifies; the admin API and CSV export read it', async () => {
    const list = await seeded();
    const all = await events(list);
    const cutoff = all[4].time;
    await srv.muster.store.db.updateTable('audit_events').set({ time: '2000-01-01T00:00:00.000Z' }).where('list_id', '=', list.id).where('seq', '<=', 2).execute();
    // Moving times changed hashed content: re-check that verify notices, then prune the doctored events away.
    expect((await verify(list)).ok).toBe(false);
    const dropped = await srv.muster.audit.prune(srv.muster.store, list.id, cutoff < '2001' ? cutoff : '2001-01-01T00:00:00.000Z');
    expect(dropped).toBe(2);
    expect(await verify(list)).toEqual({ listId: list.id, ok: true, checked: all.length - 2 });
    const csv = await admin(`/lists/${list.id}/audit/export?format=csv&action=person.created`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    // Issue 13: the CSV reads in the list's words, with the raw paths and JSON in their own columns.
    expect(lines[0]).toBe('seq,time,action,event,target_type,target_id,target_name,idp,idp_evidence,token_label,request_id,actor,changes,fields,change_paths,details,changes_json,detail_json,normalisations,hash');
    expect(lines).toHaveLength(1 + 5);
    const jsonl = await admin(`/lists/${list.id}/audit/export?format=jsonl`);
    expect(jsonl.text.trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual(all.slice(2).map((e) => e.seq));
  });
});

describe('the admin API', () => {
  it('refuses SCIM tokens and unknown keys, and hides other organisations\' lists', async () => {
    const list = await srv.newList({ name: 'Mine' });
    expect((await admin('/lists', list.token)).status).toBe(401);
    expect((await admin('/lists', 'mst_admin_nope')).status).toBe(401);
    expect((await call(`${srv.origin}/api/v1/lists`, {})).status).toBe(401);
    const otherOrg = await srv.muster.lists.resolveOrganisation('Another org');
    const otherKey = await srv.adminKey(otherOrg.id, 'x');
    expect((await admin(`/lists/${list.id}/audit/events`, otherKey)).status).toBe(404);
    const mine = await admin('/lists');
    expect(mine.body.lists.map((l: { id: string }) => l.id)).toContain(list.id);
    expect((await admin('/lists', otherKey)).body.lists).toEqual([]);
    const spec = await call(`${srv.origin}/api/v1/openapi.json`, {});
    expect(spec.body.openapi).toBe('3.1.0');
  });

  it('PATCH /lists/{id} changes nothing when any part of the body is invalid', async () => {
    const list = await srv.newList({ name: 'Half' });
    const r = await call(`${srv.origin}/api/v1/lists/${list.id}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ syncMethod: 'none', strict: 'yes' }),
    });
    expect(r.status).toBe(400);
    expect((await srv.muster.store.lists.get(list.id))!.syncMethod).toBe('scim');
    expect((await list.req('GET', '/Users')).status).toBe(200); // its token still works
  });

  it('filters by action, person, IdP and time, with a cursor', async () => {
    const list = await srv.newList({ name: 'Search', tokenLabel: 'Okta prod' });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await list.req('POST', '/Users', user(`s${i}@example.com`))).body.id);
    await list.req('PATCH', `/Users/${ids[2]}`, patch({ op: 'replace', path: 'active', value: false }));
    const byPerson = await events(list, `&person=${ids[2]}`);
    expect(byPerson.map((e) => e.action)).toEqual(['person.created', 'person.deactivated']);
    expect((await events(list, '&idp=Okta')).length).toBe(8);
    expect((await events(list, '&idp=PingOne')).length).toBe(0);
    expect((await events(list, '&since=2999-01-01')).length).toBe(0);
    const p1 = await admin(`/lists/${list.id}/audit/events?action=person.created&limit=3`);
    const p2 = await admin(`/lists/${list.id}/audit/events?action=person.created&limit=3&cursor=${p1.body.next}`);
    const p3 = await admin(`/lists/${list.id}/audit/events?action=person.created&limit=3&cursor=${p2.body.next}`);
    const seen = [...p1.body.events, ...p2.body.events, ...p3.body.events].map((e) => e.target.id);
    expect(seen).toEqual([...ids].reverse());
    expect(p3.body.next).toBeNull();
    expect((await admin(`/lists/${list.id}/audit/events?action=person.exploded`)).status).toBe(400);
    expect((await admin(`/lists/${list.id}/audit/events?since=yesterday`)).status).toBe(400);
  });
});

describe('set-up guides', () => {
  it('serves each IdP\'s guide with the list\'s base URL filled in', async () => {
    const list = await srv.newList({ name: 'Guided' });
    for (const idp of ['okta', 'entra-id', 'pingone', 'onelogin', 'jumpcloud', 'google-workspace', 'rippling']) {
      const r = await admin(`/lists/${list.id}/setup/${idp}`);
      expect(r.status, idp).toBe(200);
      expect(r.body.markdown).not.toContain('<your-muster>');
      expect(r.body.markdown).not.toContain('<listId>');
    }
    const okta = await admin(`/lists/${list.id}/setup/okta`);
    expect(okta.body.markdown).toContain(list.base);
    expect((await admin(`/lists/${list.id}/setup/myspace`)).status).toBe(404);
  });
});
