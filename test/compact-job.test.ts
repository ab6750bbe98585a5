/**
 * The `storage.compact` job (src/jobs/compact-job.ts, queued by migration 045): people stored as
 * written before migration 043 are rewritten in the form a write makes now, and nothing a reader
 * sees changes: SCIM documents and their versions, the roster, search, the audit trail and the
 * outbox. Rows are put in the old form here as the old version wrote them; the upgrade test
 * (test/upgrade.test.ts) runs the job over a database an old release really made.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPACT_JOB, compactJob } from '../src/jobs/compact-job.js';
import type { JobRow } from '../src/store/index.js';
import { compactedData } from '../src/store/compact-rows.js';
import { readStoredFields } from '../src/roster/derivation.js';
import { userDocOf } from '../src/scim/schemas-code.js';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../src/scim/schemas/index.js';
import { ENGINE } from './helpers/database.js';
import { call, startServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let key: string;
const orgName = 'Compaction organisation';
beforeAll(async () => {
  srv = await startServer();
  const org = await srv.muster.lists.resolveOrganisation(orgName);
  key = await srv.adminKey(org.id, 'compaction tests');
});
afterAll(() => srv.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers
const admin = async (method: string, path: string, body?: unknown): Promise<any> => {
  const r = await call(`${srv.origin}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(r.status, r.text).toBeLessThan(300);
  return r.body;
};

/** Puts each of the list's people back in the form written before migration 043, with `extra` fields by key besides theirs. */
async function makeOld(listId: string, extra: Record<string, Record<string, string>> = {}): Promise<void> {
  const store = srv.muster.store;
  const slots = await store.roster.slots(listId);
  const rows = await store.db.selectFrom('users').select(['id', 'data', 'fields', 'user_name', 'user_name_lc']).where('list_id', '=', listId).execute();
  for (const r of rows) {
    const userName = r.user_name === '' ? r.user_name_lc : r.user_name;
    const values = { ...readStoredFields(r.fields, slots), ...extra[userName] };
    const search = [userName, ...Object.values(values).map(String)].join(' ').toLowerCase();
    await store.db.updateTable('users').set({ fields: JSON.stringify(values), search, user_name: userName, data: JSON.stringify(userDocOf(r.data)) })
      .where('id', '=', r.id).execute();
  }
}

const count = async (table: 'audit_events' | 'outbox_events', listId: string): Promise<number> =>
  Number((await srv.muster.store.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).where('list_id', '=', listId).executeTakeFirstOrThrow()).n);

async function compact(listId: string): Promise<{ status: string; result: { converted: number; processed: number } }> {
  const id = randomUUID();
  await srv.muster.store.roster.enqueue({ id, listId, kind: COMPACT_JOB, params: {}, total: 0, now: new Date().toISOString() });
  for (let i = 0; i < 600; i++) {
    const j = await admin('GET', `/lists/${listId}/jobs/${id}`);
    if (j.status === 'done' || j.status === 'failed') return j;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the compaction job did not finish');
}

/** What readers see of a list: each SCIM document (ETag included), each person in the roster, a search's finds, the audit trail and outbox counts. */
async function seen(list: { id: string; req: (m: string, p: string) => Promise<{ body: { Resources: { id: string }[] } }> } | { id: string }, word: string) {
  const people = (await admin('GET', `/lists/${list.id}/people?sort=created&limit=100`)).people as { id: string }[];
  const shown = [];
  for (const p of people) shown.push(await admin('GET', `/lists/${list.id}/people/${p.id}`));
  const scim = 'req' in list ? await Promise.all(people.map(async (p) => (await list.req('GET', `/Users/${p.id}`)).body)) : [];
  const found = ((await admin('GET', `/lists/${list.id}/people?search=${encodeURIComponent(word)}`)).people as { id: string }[]).map((p) => p.id).sort();
  return { people, shown, scim, found, audit: await count('audit_events', list.id), outbox: await count('outbox_events', list.id) };
}

describe(`storage.compact (${ENGINE})`, () => {
  it('rewrites old-form people of a SCIM list in the new form: documents, versions, roster, search, audit trail and outbox unchanged', async () => {
    const list = await srv.newList({ name: 'Compact SCIM', org: orgName });
    for (const [userName, dept] of [['ada.lovelace', 'Analytical Engines'], ['Grace.Hopper', 'Compilers'], ['alan.turing', undefined]] as const) {
      const r = await list.req('POST', '/Users', {
        schemas: [USER_SCHEMA, ...(dept ? [ENTERPRISE_USER_SCHEMA] : [])], userName, title: 'Clerk', name: { givenName: userName.split('.')[0], familyName: 'X' },
        ...(dept ? { [ENTERPRISE_USER_SCHEMA]: { department: dept } } : {}),
      });
      expect(r.status, r.text).toBe(201);
    }
    await makeOld(list.id);
    const old = await srv.muster.store.db.selectFrom('users').select(['fields', 'search', 'user_name', 'data']).where('list_id', '=', list.id).orderBy('seq').execute();
    expect(old.every((r) => r.fields!.startsWith('{') && r.search !== null && r.user_name !== '')).toBe(true);
    const before = await seen(list, 'ENGINES');
    expect(before.found).toHaveLength(1);

    const job = await compact(list.id);
    expect(job).toMatchObject({ status: 'done', result: { converted: 3, processed: 3 } });

    const rows = await srv.muster.store.db.selectFrom('users').select(['user_name', 'user_name_lc', 'fields', 'search', 'data']).where('list_id', '=', list.id).orderBy('seq').execute();
    expect(rows.map((r) => r.user_name)).toEqual(['', 'Grace.Hopper', '']);
    for (const r of rows) {
      expect(r.fields!.startsWith('[')).toBe(true);
      expect(r.search).toBeNull();
      const schemas = typeof r.data === 'string' ? (JSON.parse(r.data) as { schemas: unknown }).schemas : (r.data as { schemas: unknown }).schemas;
      expect(typeof schemas).toBe('number');
    }
    expect(await seen(list, 'ENGINES')).toEqual(before);

    // Nothing is left to convert: a second run reads every person and writes none.
    expect(await compact(list.id)).toMatchObject({ status: 'done', result: { converted: 0, processed: 3 } });
    expect(await seen(list, 'ENGINES')).toEqual(before);
  });

  it('never writes over a person written after the batch read them: that write stands', async () => {
    const list = await srv.newList({ name: 'Compact race', org: orgName });
    const ids: string[] = [];
    for (const userName of ['first', 'second', 'third']) {
      const r = await list.req('POST', '/Users', { schemas: [USER_SCHEMA], userName, title: 'Clerk' });
      expect(r.status, r.text).toBe(201);
      ids.push((r.body as { id: string }).id);
    }
    await makeOld(list.id);
    const repo = srv.muster.store.roster;
    const slotsFor = repo.slotsFor.bind(repo);
    let patched = false;
    // Between the batch's read and its write (slotsFor runs for each old-form row read), an IdP
    // changes the second person.
    repo.slotsFor = async (...args) => {
      if (!patched) {
        patched = true;
        const r = await list.req('PATCH', `/Users/${ids[1]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Director' }] });
        expect(r.status, r.text).toBe(200);
      }
      return slotsFor(...args);
    };
    try {
      expect(await repo.compactAfter(list.id, 0, 100)).toMatchObject({ read: 3, converted: 2 });
    } finally {
      repo.slotsFor = slotsFor;
    }
    expect(patched).toBe(true);
    const second = (await list.req('GET', `/Users/${ids[1]}`)).body as { title: string; meta: { version: string } };
    expect(second.title).toBe('Director');
    const person = await admin('GET', `/lists/${list.id}/people/${ids[1]}`);
    expect(person.fields.job_title).toBe('Director');
    // The PATCH wrote the new form itself; the others were converted by the batch.
    const rows = await srv.muster.store.db.selectFrom('users').select(['search']).where('list_id', '=', list.id).execute();
    expect(rows.every((r) => r.search === null)).toBe(true);
  });

  it('keeps, on a list without sync, the value of a field the list no longer has: it is given a slot and still shows', async () => {
    const { list } = await srv.muster.lists.createList({ name: 'Compact imported', uid: 'userName', org: orgName, syncMethod: 'none' });
    await admin('POST', `/lists/${list.id}/import`, 'username,department,job_title\nkim,Ops,Clerk\nlee,Finance,\n');
    // A value under a key the list never had a slot for, as a removal before migration 043 left it.
    await makeOld(list.id, { kim: { locker_number: 'L-17' } });
    const before = await seen({ id: list.id }, 'l-17');
    expect(before.shown.map((p) => p.fields.locker_number ?? null)).toEqual(['L-17', null]);
    expect(before.found).toEqual([before.people[0]!.id]);

    expect(await compact(list.id)).toMatchObject({ status: 'done', result: { converted: 2, processed: 2 } });
    expect((await srv.muster.store.roster.slots(list.id)).slotOf.has('locker_number')).toBe(true);
    expect(await seen({ id: list.id }, 'l-17')).toEqual(before);
  });

  it('leaves a person already in the new form as it is, and converts the others', async () => {
    const list = await srv.newList({ name: 'Compact mixed', org: orgName });
    for (const userName of ['one', 'two']) expect((await list.req('POST', '/Users', { schemas: [USER_SCHEMA], userName })).status).toBe(201);
    const [one] = await srv.muster.store.db.selectFrom('users').select(['id', 'fields', 'data', 'version']).where('list_id', '=', list.id).where('user_name_lc', '=', 'one').execute();
    await makeOld(list.id);
    // `one` as a write makes it, back again: nothing of theirs is converted.
    await srv.muster.store.db.updateTable('users').set({ fields: one!.fields, search: null, user_name: '', data: typeof one!.data === 'string' ? one!.data : JSON.stringify(one!.data) }).where('id', '=', one!.id).execute();
    expect(await compact(list.id)).toMatchObject({ status: 'done', result: { converted: 1, processed: 2 } });
    expect(await srv.muster.store.db.selectFrom('users').select(['version']).where('id', '=', one!.id).executeTakeFirstOrThrow()).toEqual({ version: one!.version });
  });

  it('works in batches, and resumes from the state it saved when taken over: every person converted once', async () => {
    const list = await srv.newList({ name: 'Compact batches', org: orgName });
    for (let i = 0; i < 7; i++) expect((await list.req('POST', '/Users', { schemas: [USER_SCHEMA], userName: `person.${i}`, title: `T${i}` })).status).toBe(201);
    await makeOld(list.id);
    const before = await seen(list, 't3');
    const job = { id: randomUUID(), list_id: list.id, kind: COMPACT_JOB, status: 'running', params: '{}', total: 7, done: 0 } as unknown as JobRow;
    const saved: { params: unknown; done: number }[] = [];
    // Two batches of 2, then the job is no longer this worker's: the handler stops without a result.
    const first = await compactJob(srv.muster.store, 2)(job, async (params, done) => (saved.push({ params, done }), saved.length < 2));
    expect(first).toBeUndefined();
    expect(saved).toEqual([{ params: { after: expect.any(Number), converted: 2 }, done: 2 }, { params: { after: expect.any(Number), converted: 4 }, done: 4 }]);
    const rows = async () => srv.muster.store.db.selectFrom('users').select(['search']).where('list_id', '=', list.id).orderBy('seq').execute();
    expect((await rows()).map((r) => r.search === null)).toEqual([true, true, true, true, false, false, false]);
    // Taken over: another run starts from what was saved last.
    const resumed = { ...job, params: JSON.stringify(saved[1]!.params), done: 4 } as JobRow;
    const result = await compactJob(srv.muster.store, 2)(resumed, async (params, done) => (saved.push({ params, done }), true));
    expect(result).toEqual({ converted: 7, processed: 7 });
    expect(saved.slice(2).map((x) => x.done)).toEqual([6, 7]);
    expect((await rows()).every((r) => r.search === null)).toBe(true);
    expect(await seen(list, 't3')).toEqual(before);
  });

  it('is claimed after every other kind of job, and one at a time on a node (a low kind)', async () => {
    const { list } = await srv.muster.lists.createList({ name: 'Low kinds', uid: 'userName', org: orgName, syncMethod: 'none' });
    const events: string[] = [];
    const gate = () => {
      let open!: () => void;
      const p = new Promise<void>((r) => (open = r));
      return { p, open };
    };
    const lowGate = gate(), otherGate = gate();
    const job = (g: { p: Promise<void> }, free?: string) => async (j: JobRow) => {
      events.push(`start ${j.params}`);
      if (j.params !== free) await g.p;
      events.push(`end ${j.params}`);
      return {};
    };
    const runner = srv.muster.jobs;
    runner.register('test.low', job(lowGate), { low: true });
    runner.register('test.other', job(otherGate, '"y"'));
    const until = async (what: string) => {
      for (let i = 0; !events.includes(what); i++) {
        if (i > 600) throw new Error(`never: ${what} (${events.join(', ')})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const enqueue = (kind: string, name: string, age: number) =>
      srv.muster.store.roster.enqueue({ id: randomUUID(), listId: list.id, kind, params: name, total: 1, now: new Date(Date.now() - age * 1000).toISOString() });
    // With the runner stopped, the two low jobs go in first: the oldest of the queue.
    await runner.stop();
    await enqueue('test.low', 'a', 40);
    await enqueue('test.low', 'b', 35);
    for (const [i, name] of ['o1', 'o2', 'o3', 'o4'].entries()) await enqueue('test.other', name, 30 - i);
    runner.start();
    // The four others take the runner's four slots; the older low jobs wait.
    for (const name of ['o1', 'o2', 'o3', 'o4']) await until(`start "${name}"`);
    expect(events.filter((e) => e.includes('"a"') || e.includes('"b"'))).toEqual([]);
    otherGate.open();
    await until('start "a"');
    // Another job starts after a: the runner filled its slots again, and b still waits for a.
    await enqueue('test.other', 'y', 5);
    await until('end "y"');
    expect(events).not.toContain('start "b"');
    lowGate.open();
    await until('end "b"');
    expect(events.indexOf('start "b"')).toBeGreaterThan(events.indexOf('end "a"'));
  });
});

describe('compactedData', () => {
  const doc = fc.record({
    schemas: fc.constantFrom([USER_SCHEMA], [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], [ENTERPRISE_USER_SCHEMA, USER_SCHEMA], [USER_SCHEMA, 'urn:example:custom']),
    id: fc.string(), userName: fc.string(), active: fc.boolean(),
    name: fc.option(fc.record({ givenName: fc.string(), familyName: fc.string() }), { nil: undefined }),
  }, { requiredKeys: ['schemas', 'id', 'userName', 'active'] });

  it('property: the document read back is the document stored, in SQLite\'s text and in PostgreSQL\'s object (keys in any order)', () => {
    fc.assert(fc.property(doc, fc.boolean(), (d, asObject) => {
      const text = JSON.stringify(d);
      // jsonb keeps no key order: the object comes back with its keys shuffled (here: reversed).
      const stored: unknown = asObject ? Object.fromEntries(Object.entries(JSON.parse(text) as object).reverse()) : text;
      const out = compactedData(stored);
      const coded = [[USER_SCHEMA], [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]].some((s) => JSON.stringify(s) === JSON.stringify(d.schemas));
      expect(out !== undefined).toBe(coded);
      if (out === undefined) return;
      expect(out).toMatch(/^\{"schemas":[01],/);
      expect(userDocOf(out)).toEqual(JSON.parse(text));
      if (!asObject) expect(Object.keys(userDocOf(out))).toEqual(Object.keys(JSON.parse(text) as object)); // SQLite's text keeps its order
      expect(compactedData(asObject ? JSON.parse(out) : out)).toBeUndefined(); // once coded, left alone
    }));
  });
});
