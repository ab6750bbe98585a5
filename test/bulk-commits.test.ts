/**
 * A Bulk request's operations share commits (src/lists/bulk-service.ts): on SQLite the operations
 * of one slice join the same commit groups and the request awaits their commits together. What it
 * answers must still be what was saved: an operation whose commit failed is reported failed (and
 * the audit trail does not show it), an operation that refers to it by bulkId is refused, and the
 * operations after it stand. The commit is made to fail with a deferred foreign key, checked at
 * COMMIT, written by a trigger for people named "poison…". Runs on the engine MUSTER_TEST_ENGINE
 * names; PostgreSQL commits each operation on its own, so there only the poisoned one fails.
 */
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BULK_SLICE } from '../src/lists/bulk-service.js';
import { startServer, type TestList, type TestServer } from './helpers/server.js';
import { PROPERTY_TIMEOUT_MS, check } from './fuzz/harness.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const saved = { ...BULK_SLICE };
let srv: TestServer;
beforeEach(() => {
  // One slice for the whole request, however busy the machine: which operations share a commit is then fixed.
  BULK_SLICE.ms = 600_000;
});
afterEach(async () => {
  Object.assign(BULK_SLICE, saved);
  await srv?.close();
});

/** Makes the commit of any transaction that creates a person named "poison…" fail. */
async function poisonCommits(s: TestServer): Promise<void> {
  const db = s.muster.store.db as unknown as Kysely<never>;
  await sql`CREATE TABLE poison_parent (id INTEGER PRIMARY KEY)`.execute(db);
  await sql`CREATE TABLE poison_child (pid INTEGER REFERENCES poison_parent (id) DEFERRABLE INITIALLY DEFERRED)`.execute(db);
  if (s.muster.store.engine === 'sqlite') {
    await sql`CREATE TRIGGER poison AFTER INSERT ON users WHEN NEW.user_name_lc LIKE 'poison%' BEGIN INSERT INTO poison_child (pid) VALUES (42); END`.execute(db);
  } else {
    await sql.raw(`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.user_name_lc LIKE 'poison%' THEN INSERT INTO poison_child (pid) VALUES (42); END IF; RETURN NEW; END $$`).execute(db);
    await sql`CREATE TRIGGER poison AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION poison()`.execute(db);
  }
}

const user = (userName: string) => ({ schemas: [USER], userName, name: { givenName: userName, familyName: 'Test' } });

async function userNamed(list: TestList, userName: string): Promise<string | undefined> {
  const r = await list.req('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
  expect(r.status).toBe(200);
  return r.body.Resources[0]?.id;
}

describe('Bulk operations share commits and answer what was saved', () => {
  it('reports the operations of a failed commit as failed, refuses those that refer to them, keeps the rest, and the audit trail shows only what was saved', async () => {
    srv = await startServer();
    const list = await srv.newList({ name: 'Staff' });
    await poisonCommits(srv);
    const edsger = (await list.req('POST', '/Users', user('edsger'))).body.id as string;
    const r = await list.req('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: user('ada') },
        { method: 'POST', path: '/Users', bulkId: 'p', data: user('poison1') },
        { method: 'POST', path: '/Users', bulkId: 'b', data: user('grace') },
        // Ada becomes the manager of someone already on the list.
        { method: 'PATCH', path: `/Users/${edsger}`, bulkId: 'pa', data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'bulkId:a' } }] } },
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'Ward 3', members: [{ value: 'bulkId:b' }] } },
        { method: 'POST', path: '/Groups', bulkId: 'h', data: { schemas: [GROUP], displayName: 'Ward 4', members: [{ value: 'bulkId:p' }] } },
        { method: 'POST', path: '/Users', bulkId: 'c', data: user('linus') },
      ],
    });
    expect(r.status).toBe(200);
    const ops = r.body.Operations as Array<{ bulkId: string; status: string; location?: string; response?: { detail: string } }>;
    const status = Object.fromEntries(ops.map((o) => [o.bulkId, Number(o.status)]));
    expect(Object.keys(status).sort()).toEqual(['a', 'b', 'c', 'g', 'h', 'p', 'pa']);

    // Whatever the engine: the poisoned create failed and is not there; what refers to it is refused; the last stands.
    expect(status.p).toBeGreaterThanOrEqual(500);
    expect(await userNamed(list, 'poison1')).toBeUndefined();
    expect(status.h).toBe(409);
    expect(ops.find((o) => o.bulkId === 'h')!.response!.detail).toContain('bulkId "p", which failed');
    expect(status.c).toBe(201);
    if (srv.muster.store.engine === 'sqlite') {
      // The first three shared one commit, which failed: none of them is saved, and the PATCH and
      // the group that refer to them are refused rather than applied to people who do not exist.
      expect([status.a, status.p, status.b]).toEqual([503, 503, 503]);
      expect(ops.find((o) => o.bulkId === 'a')!.response!.detail).toContain('could not save this operation');
      expect(status.g).toBe(409);
      expect(status.pa).toBe(409);
    } else {
      // Each operation commits on its own: only the poisoned one failed.
      expect([status.a, status.b, status.g]).toEqual([201, 201, 201]);
      expect(status.pa).toBe(200);
    }

    // Every operation reported done is there, every one reported failed is not.
    for (const [name, id] of [['ada', 'a'], ['grace', 'b'], ['linus', 'c']] as const) {
      const found = await userNamed(list, name);
      expect(found !== undefined, `${name} is there exactly when its create is reported done`).toBe(status[id]! < 400);
      if (found) expect(ops.find((o) => o.bulkId === id)!.location).toBe(`${list.base}/Users/${found}`);
    }
    const manager = (await list.req('GET', `/Users/${edsger}`)).body[ENTERPRISE]?.manager?.value;
    expect(manager).toBe(status.pa === 200 ? await userNamed(list, 'ada') : undefined);
    const groups = await list.req('GET', '/Groups');
    expect(groups.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(status.g === 201 ? ['Ward 3'] : []);

    // The audit trail holds an event for each saved create (Edsger's came before the Bulk request), none for one that was not, and verifies.
    const created = await srv.muster.store.audit.query({ listId: list.id, actions: ['person.created'], order: 'asc', limit: 100 });
    const saved = ['edsger', ...[['ada', 'a'], ['grace', 'b'], ['linus', 'c']].filter(([, id]) => status[id!]! < 400).map(([name]) => name)];
    expect(created.map((e) => JSON.parse(e.changes).find((c: { field: string }) => c.field === 'userName')?.after).sort()).toEqual(saved.sort());
    expect(await srv.muster.audit.verify(srv.muster.store, list.id)).toMatchObject({ ok: true });
  });

  it('with failOnErrors, counts a failed commit as the error it is and runs nothing after the limit', async () => {
    srv = await startServer();
    const list = await srv.newList({ name: 'Staff' });
    await poisonCommits(srv);
    const r = await list.req('POST', '/Bulk', {
      schemas: [BULK],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: user('ada') },
        { method: 'POST', path: '/Users', bulkId: 'p', data: user('poison2') },
        { method: 'POST', path: '/Users', bulkId: 'b', data: user('grace') },
      ],
    });
    expect(r.status).toBe(200);
    // Each operation's commit is known before the next runs: ada stands, the poisoned one fails, grace is never tried.
    expect(r.body.Operations.map((o: { bulkId: string; status: string }) => [o.bulkId, Number(o.status) >= 400])).toEqual([['a', false], ['p', true]]);
    expect(await userNamed(list, 'ada')).toBeDefined();
    expect(await userNamed(list, 'poison2')).toBeUndefined();
    expect(await userNamed(list, 'grace')).toBeUndefined();
  });

  it('many creates in one slice are each saved, answered with their own location, and audited once', async () => {
    srv = await startServer();
    const list = await srv.newList({ name: 'Staff' });
    const n = 300;
    const r = await list.req('POST', '/Bulk', {
      schemas: [BULK],
      Operations: Array.from({ length: n }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: user(`person${i}@example.org`) })),
    });
    expect(r.status).toBe(200);
    expect(r.body.Operations.every((o: { status: string }) => o.status === '201')).toBe(true);
    const ids = r.body.Operations.map((o: { location: string }) => o.location.split('/').pop());
    expect(new Set(ids).size).toBe(n);
    const all = await list.req('GET', '/Users?count=1');
    expect(all.body.totalResults).toBe(n);
    const created = await srv.muster.store.audit.query({ listId: list.id, actions: ['person.created'], order: 'asc', limit: 1000 });
    expect(created.map((e) => e.target_id).sort()).toEqual([...ids].sort());
    expect(await srv.muster.audit.verify(srv.muster.store, list.id)).toMatchObject({ ok: true });
  });

  it('a listener of committed work that throws does not fail the writes it was told of: they are answered as saved', async () => {
    srv = await startServer();
    const list = await srv.newList({ name: 'Listeners' });
    const store = srv.muster.store;
    const told: string[] = [];
    store.onListenerError = (err) => told.push((err as Error).message);
    const offEvents = store.onEventsCommitted(() => {
      throw new Error('events listener bug');
    });
    const offJobs = store.onJobEnqueued(() => {
      throw new Error('jobs listener bug');
    });
    try {
      const one = await list.req('POST', '/Users', user('single@example.org'));
      expect(one.status, one.text).toBe(201);
      const bulk = await list.req('POST', '/Bulk', {
        schemas: [BULK],
        Operations: Array.from({ length: 5 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: user(`bulk${i}@example.org`) })),
      });
      expect(bulk.status, bulk.text).toBe(200);
      expect(bulk.body.Operations.map((o: { status: string }) => o.status)).toEqual(['201', '201', '201', '201', '201']);
      const off = await list.req('PATCH', `/Users/${one.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] });
      expect(off.status, off.text).toBe(200);
      // A new roster field queues a job (its derivation): the job queue's listener is told, and throws.
      const master = (await store.lists.get(list.id))!;
      const added = await srv.muster.roster.addField(master, { key: 'badge_tag', label: 'Badge tag', type: 'text' }, { actor: 'test' });
      expect(added.field.key).toBe('badge_tag');
    } finally {
      offEvents();
      offJobs();
    }
    expect((await list.req('GET', '/Users?count=1')).body.totalResults).toBe(6);
    expect(told).toContain('events listener bug');
    expect(told).toContain('jobs listener bug');
    const created = await store.audit.query({ listId: list.id, actions: ['person.created'], order: 'asc', limit: 100 });
    expect(created).toHaveLength(6);
    expect(await srv.muster.audit.verify(store, list.id)).toMatchObject({ ok: true });
  });
});

describe('Bulk requests take slices in turns', () => {
  it('two Bulk requests sliced one operation at a time interleave, and a PATCH sent meanwhile is answered; everything is saved and audited once', async () => {
    // A slice of no time: every operation ends one, so the two requests take turns operation by operation.
    BULK_SLICE.ms = 0;
    srv = await startServer();
    const list = await srv.newList({ name: 'Staff' });
    const edsger = (await list.req('POST', '/Users', user('edsger'))).body.id as string;
    const n = 300;
    const bulk = (prefix: string) => list.req('POST', '/Bulk', {
      schemas: [BULK],
      Operations: Array.from({ length: n }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `${prefix}${i}`, data: user(`${prefix}${i}@example.org`) })),
    });
    const patch = list.req('PATCH', `/Users/${edsger}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Porter' }] });
    const [x, y, p] = await Promise.all([bulk('x'), bulk('y'), patch]);
    expect(p.status).toBe(200);
    for (const r of [x, y]) {
      expect(r.status).toBe(200);
      expect(r.body.Operations.map((o: { status: string }) => o.status)).toEqual(Array(n).fill('201'));
    }
    expect((await list.req('GET', '/Users?count=1')).body.totalResults).toBe(2 * n + 1);
    expect((await list.req('GET', `/Users/${edsger}`)).body.title).toBe('Porter');
    const created = await srv.muster.store.audit.query({ listId: list.id, actions: ['person.created'], order: 'asc', limit: 1000 });
    expect(created.length).toBe(2 * n + 1);
    // In the order they were saved, the two requests' people alternate rather than one request's all coming first.
    const from = created.slice(1).map((e) => JSON.parse(e.changes).find((c: { field: string }) => c.field === 'userName').after[0] as string);
    const switches = from.filter((c, i) => i > 0 && c !== from[i - 1]).length;
    expect(switches).toBeGreaterThan(10);
    expect(await srv.muster.audit.verify(srv.muster.store, list.id)).toMatchObject({ ok: true });
  });
});

describe('Bulk answers are what was saved, whatever the mix (property)', () => {
  type Op =
    | { kind: 'create'; poison: boolean }
    | { kind: 'manager'; of: number }
    | { kind: 'group'; members: number[] };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('create' as const), poison: fc.nat(3).map((n) => n === 0) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('manager' as const), of: fc.nat(11) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('group' as const), members: fc.uniqueArray(fc.nat(11), { maxLength: 3 }) }) },
  );

  it('a create, a manager set by bulkId and a group of bulkIds are answered done exactly when saved; the audit trail shows exactly those and verifies', async () => {
    srv = await startServer();
    await poisonCommits(srv);
    const sqlite = srv.muster.store.engine === 'sqlite';
    let run = 0;
    await check('test/bulk-commits.test.ts', fc.asyncProperty(
      fc.array(op, { minLength: 1, maxLength: 12 }), fc.constantFrom(0, 600_000), fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 2 }),
      async (ops, sliceMs, failOnErrors) => {
        BULK_SLICE.ms = sliceMs;
        const list = await srv.newList({ name: `Mix ${run++}` });
        const edsger = (await list.req('POST', '/Users', user('edsger'))).body.id as string;
        // References only to earlier creates (bulkId c<i>); a reference to an op that is not a create is dropped.
        const creates = new Set(ops.flatMap((o, i) => (o.kind === 'create' ? [i] : [])));
        const earlier = (i: number, j: number) => j < i && creates.has(j);
        const body = ops.map((o, i) => {
          if (o.kind === 'create') return { method: 'POST', path: '/Users', bulkId: `c${i}`, data: user(`${o.poison ? 'poison' : 'person'}${i}`) };
          if (o.kind === 'manager') {
            const ref = earlier(i, o.of) ? `bulkId:c${o.of}` : edsger;
            return { method: 'PATCH', path: `/Users/${edsger}`, bulkId: `m${i}`, data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: ref } }] } };
          }
          const members = o.members.filter((j) => earlier(i, j)).map((j) => ({ value: `bulkId:c${j}` }));
          return { method: 'POST', path: '/Groups', bulkId: `g${i}`, data: { schemas: [GROUP], displayName: `Group ${i}`, members } };
        });
        const r = await list.req('POST', '/Bulk', { schemas: [BULK], ...(failOnErrors !== undefined ? { failOnErrors } : {}), Operations: body });
        expect(r.status).toBe(200);
        const answered = new Map<string, number>((r.body.Operations as Array<{ bulkId: string; status: string }>).map((o) => [o.bulkId, Number(o.status)]));
        const errors = [...answered.values()].filter((st) => st >= 400).length;
        const poisoned = (id: string) => { const o = ops[Number(id.slice(1))]; return id.startsWith('c') && o?.kind === 'create' && o.poison; };
        // failOnErrors: never more errors than it allows, and stopping early only at that many.
        if (failOnErrors !== undefined) {
          expect(errors).toBeLessThanOrEqual(failOnErrors);
          if (answered.size < ops.length) expect(errors).toBe(failOnErrors);
        } else expect(answered.size).toBe(ops.length);
        for (const [id, st] of answered) {
          // No unexpected failure: 503 for a commit that failed (SQLite), 500 only where PostgreSQL's COMMIT refused a poisoned create.
          if (st >= 500) expect(sqlite ? st === 503 : st === 500 && poisoned(id)).toBe(true);
        }

        const people = await list.req('GET', '/Users?count=100');
        const byName = new Map<string, string>(people.body.Resources.map((u: { userName: string; id: string }) => [u.userName, u.id]));
        const saved = new Set<number>();
        ops.forEach((o, i) => {
          if (o.kind !== 'create') return;
          const st = answered.get(`c${i}`);
          const there = byName.has(`${o.poison ? 'poison' : 'person'}${i}`);
          expect(there, `create c${i} (${st}) is there exactly when answered done`).toBe(st === 201);
          if (o.poison) expect(there).toBe(false);
          if (there) saved.add(i);
        });
        const groups = await list.req('GET', '/Groups?count=100');
        const groupByName = new Map<string, { members?: Array<{ value: string }> }>(groups.body.Resources.map((g: { displayName: string }) => [g.displayName, g]));
        ops.forEach((o, i) => {
          if (o.kind !== 'group') return;
          const g = groupByName.get(`Group ${i}`);
          expect(g !== undefined, `group g${i} (${answered.get(`g${i}`)}) is there exactly when answered done`).toBe(answered.get(`g${i}`) === 201);
          // A saved group names only saved people: one that referred to an unsaved one was refused.
          if (g) expect((g.members ?? []).map((m) => m.value).sort()).toEqual(o.members.filter((j) => earlier(i, j)).map((j) => byName.get(`person${j}`)).sort());
        });
        // Edsger's manager is the last manager change answered done, or none.
        const lastDone = ops.map((o, i) => [o, i] as const).filter(([o, i]) => o.kind === 'manager' && answered.get(`m${i}`) === 200).pop();
        const expected = lastDone ? (earlier(lastDone[1], (lastDone[0] as { of: number }).of) ? byName.get(`person${(lastDone[0] as { of: number }).of}`) : edsger) : undefined;
        expect((await list.req('GET', `/Users/${edsger}`)).body[ENTERPRISE]?.manager?.value).toBe(expected);

        const created = await srv.muster.store.audit.query({ listId: list.id, actions: ['person.created'], order: 'asc', limit: 100 });
        expect(created.map((e) => e.target_id).sort()).toEqual([...byName.values()].sort());
        const groupsCreated = await srv.muster.store.audit.query({ listId: list.id, actions: ['group.created'], order: 'asc', limit: 100 });
        expect(groupsCreated.length).toBe(groupByName.size);
        expect(await srv.muster.audit.verify(srv.muster.store, list.id)).toMatchObject({ ok: true });
      }), 25);
  }, PROPERTY_TIMEOUT_MS);
});
