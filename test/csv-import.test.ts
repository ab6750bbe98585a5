/**
 * CSV import under concurrency and hostile input: imports of the same people running at once (on
 * one node, and on two nodes over one database) lose nothing and record only what was written;
 * files that are not UTF-8, cells that are not well-formed Unicode or hold NUL, prototype names
 * and duplicated columns are refused with a clear message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportService } from '../src/lists/import-service.js';
import type { Repos, Store } from '../src/store/index.js';
import { call, startServer, type TestServer } from './helpers/server.js';

let a: TestServer;
let b: TestServer;
let key: string;
beforeAll(async () => {
  a = await startServer();
  b = await startServer({}, { sharing: a });
  const org = await a.muster.lists.resolveOrganisation('Test organisation');
  key = await a.adminKey(org.id, 'csv import tests');
});
afterAll(async () => {
  await b.close();
  await a.close();
});

const post = (srv: TestServer, listId: string, body: string | Uint8Array, q = '') => call(`${srv.origin}/api/v1/lists/${listId}/import${q}`, {
  method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body,
});

async function csvList(name: string): Promise<string> {
  return (await a.muster.lists.createList({ name, uid: 'email', org: 'Test organisation', syncMethod: 'none' })).list.id;
}

/** 250 people (two import batches), each with a department and a title. */
const PEOPLE = 250;
const file = (dept: string, title: string, active = true) => ['work_email,department,job_title,active',
  ...Array.from({ length: PEOPLE }, (_, i) => `p${i}@example.com,${dept} ${i},${title},${active}`)].join('\n');

/**
 * What the trail says must be what the roster holds: for every person, one update event per version
 * written after the first, and the last "after" of every roster field equal to the stored value.
 */
async function expectTrailMatchesRoster(listId: string): Promise<void> {
  const store = a.muster.store;
  const verify = await a.muster.audit.verify(store, listId);
  expect(verify.ok, JSON.stringify(verify)).toBe(true);
  const events = [];
  for await (const e of store.audit.walk(listId, 0)) if (e.target_type === 'person') events.push(e);
  const byPerson = new Map<string, typeof events>();
  for (const e of events) byPerson.set(e.target_id!, [...(byPerson.get(e.target_id!) ?? []), e]);
  const people = await store.roster.people({ listId, offset: 0, limit: 1000 });
  expect(people.length).toBe(PEOPLE);
  const versions = await store.roster.peopleByUserName(listId, people.map((p) => p.userName));
  for (const p of people) {
    const mine = byPerson.get(p.id) ?? [];
    expect(mine.filter((e) => e.action === 'person.created')).toHaveLength(1);
    // Every event after the creation wrote one version; none recorded a write that did not happen.
    expect(mine.length, `events of ${p.fields.work_email}`).toBe(versions.get(p.userName.toLowerCase())!.version);
    const last = new Map<string, unknown>();
    for (const e of mine) for (const c of JSON.parse(e.changes) as { field: string; after: unknown }[]) last.set(c.field, c.after);
    for (const k of ['department', 'job_title', 'active']) expect(last.get(`roster:${k}`), `${p.fields.work_email} ${k}`).toEqual(p.fields[k]);
  }
}

// Thousands of writes on a shared 2-core machine: a generous timeout, and no assertion on time.
describe('concurrent CSV imports of the same people', { timeout: 120_000 }, () => {
  it('on one node: every update lands once, and the audit trail records exactly what was written', async () => {
    const listId = await csvList('Concurrent, one node');
    expect((await post(a, listId, file('Start', 'none'))).body).toMatchObject({ created: PEOPLE, errors: [] });
    for (let round = 0; round < 2; round++) {
      const [x, y] = await Promise.all([post(a, listId, file(`X${round}`, `tx${round}`)), post(a, listId, file(`Y${round}`, `ty${round}`, round % 2 === 0))]);
      expect(x.status, x.text).toBe(200);
      expect(y.status, y.text).toBe(200);
      expect(x.body.errors).toEqual([]);
      expect(y.body.errors).toEqual([]);
    }
    await expectTrailMatchesRoster(listId);
  });

  it('on two nodes over one database: every update lands once, and the audit trail records exactly what was written', async () => {
    const listId = await csvList('Concurrent, two nodes');
    expect((await post(a, listId, file('Start', 'none'))).body).toMatchObject({ created: PEOPLE, errors: [] });
    for (let round = 0; round < 2; round++) {
      const [x, y] = await Promise.all([post(a, listId, file(`X${round}`, `tx${round}`)), post(b, listId, file(`Y${round}`, `ty${round}`, round % 2 === 0))]);
      expect(x.status, x.text).toBe(200);
      expect(y.status, y.text).toBe(200);
    }
    await expectTrailMatchesRoster(listId);
  });

  it('two imports creating the same new people at once create each person once', async () => {
    const listId = await csvList('Concurrent creation');
    const [x, y] = await Promise.all([post(a, listId, file('X', 'x')), post(b, listId, file('Y', 'y'))]);
    expect(x.status, x.text).toBe(200);
    expect(y.status, y.text).toBe(200);
    expect(x.body.created + y.body.created).toBe(PEOPLE);
    await expectTrailMatchesRoster(listId);
  });
});

/**
 * The import service over the server's real store, except that the first `stale` conditional
 * updates touch no row, as if a writer that skipped the list lock had moved the version on.
 */
function importerWithStaleReads(stale: number): ImportService {
  const store = a.muster.store;
  let left = stale;
  const wrapped = Object.create(store) as Store;
  wrapped.transaction = <T>(fn: (tx: Repos) => Promise<T>) => store.transaction((tx) => {
    const users = Object.create(tx.users) as Repos['users'];
    users.update = async (...args) => (left-- > 0 ? false : tx.users.update(...args));
    return fn({ ...tx, users });
  });
  return new ImportService(wrapped, a.muster.audit);
}

describe('an update that touches no row', () => {
  it('records nothing for it: the batch is rolled back and read again, and the trail matches the roster', async () => {
    const listId = await csvList('Stale reads');
    expect((await post(a, listId, file('Start', 'none'))).body).toMatchObject({ created: PEOPLE, errors: [] });
    const list = (await a.muster.store.lists.get(listId))!;
    const r = await importerWithStaleReads(2).importCsv(list, file('Later', 'new'), false, { actor: 'test' });
    expect(r).toMatchObject({ updated: PEOPLE, errors: [] });
    await expectTrailMatchesRoster(listId);
  });

  it('gives up with 409 import_conflict when every try reads stale, and leaves no event for what it did not write', async () => {
    const listId = await csvList('Always stale');
    expect((await post(a, listId, file('Start', 'none'))).body).toMatchObject({ created: PEOPLE, errors: [] });
    const list = (await a.muster.store.lists.get(listId))!;
    const err = await importerWithStaleReads(1_000_000).importCsv(list, file('Never', 'written'), false, { actor: 'test' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 409, code: 'import_conflict' });
    expect((err as Error).message).toMatch(/^people of rows 2–201 kept changing while they were imported/);
    expect(await a.muster.store.audit.query({ listId, actions: ['person.updated'], order: 'asc', limit: 10 })).toEqual([]);
    await expectTrailMatchesRoster(listId);
  });

  it('refuses a cell with a lone surrogate (text handed to the importer as a string) with a per-row error', async () => {
    const listId = await csvList('Lone surrogates');
    const list = (await a.muster.store.lists.get(listId))!;
    const r = await new ImportService(a.muster.store, a.muster.audit).importCsv(list, 'work_email,first_name\neve\udfff@example.com,Eve\nana@example.com,\ud800na\nbob@example.com,Bob\n', false, { actor: 'test' });
    expect(r).toMatchObject({ created: 1 });
    expect(r.errors).toEqual([
      { row: 2, column: 'work_email', value: 'eve\udfff@example.com', problem: 'the value is not well-formed Unicode text (it has a lone surrogate)' },
      { row: 3, column: 'first_name', value: '\ud800na', problem: 'the value is not well-formed Unicode text (it has a lone surrogate)' },
    ]);
    expect((await a.muster.audit.verify(a.muster.store, listId)).ok).toBe(true);
  });
});

describe('CSV files and cells that are refused', () => {
  const peopleOf = async (listId: string) => (await a.muster.store.roster.people({ listId, offset: 0, limit: 100 })).map((p) => p.fields.work_email);

  it('refuses __proto__, constructor and prototype as column names, changing nothing', async () => {
    const listId = await csvList('Prototype headers');
    for (const name of ['__proto__', 'constructor', 'prototype', ' Constructor ']) {
      const r = await post(a, listId, `work_email,${name}\nana@example.com,{"polluted":1}\n`);
      expect(r.status, r.text).toBe(400);
      expect(r.body).toMatchObject({ error: 'invalid_csv' });
      expect(r.body.detail).toMatch(new RegExp(`^row 1: "${name.trim()}" cannot name a column; columns are field keys or labels: `));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await peopleOf(listId)).toEqual([]);
    expect((await a.muster.audit.verify(a.muster.store, listId)).ok).toBe(true);
  });

  it('refuses two columns of one field (one name twice, or its key and its label), naming both', async () => {
    const listId = await csvList('Duplicate columns');
    const same = await post(a, listId, 'work_email,department,department\nana@example.com,Ops,Sales\n');
    expect(same.status, same.text).toBe(400);
    expect(same.body).toEqual({ error: 'invalid_csv', detail: 'row 1: columns 2 ("department") and 3 ("department") both name the field "department"; keep one of them' });
    const keyAndLabel = await post(a, listId, 'Work email,department,work_email\nana@example.com,Ops,ben@example.com\n', '?dryRun=true');
    expect(keyAndLabel.status).toBe(400);
    expect(keyAndLabel.body.detail).toBe('row 1: columns 1 ("Work email") and 3 ("work_email") both name the field "work_email"; keep one of them');
    const ownTwice = await post(a, listId, 'id,work_email,ID\n1,ana@example.com,2\n');
    expect(ownTwice.body.detail).toBe('row 1: columns 1 ("id") and 3 ("ID") both name Muster\'s own column "id"; keep one of them');
    expect(await peopleOf(listId)).toEqual([]);
  });

  it('refuses a file that is not UTF-8, naming the line, rather than storing U+FFFD', async () => {
    const listId = await csvList('Not UTF-8');
    // "José" as Windows-1252 saves it, and a lone surrogate as WTF-8 bytes.
    for (const [bytes, line] of [
      [Buffer.concat([Buffer.from('work_email,first_name\nana@example.com,Ana\njose@example.com,Jos'), Buffer.from([0xe9]), Buffer.from('\n')]), 3],
      [Buffer.concat([Buffer.from('work_email,first_name\neve@example.com,Eve'), Buffer.from([0xed, 0xbf, 0xbf]), Buffer.from('\n')]), 2],
    ] as const) {
      const r = await post(a, listId, new Uint8Array(bytes));
      expect(r.status, r.text).toBe(400);
      expect(r.body).toEqual({ error: 'invalid_csv', detail: `line ${line}: the file is not UTF-8 text; save it as "CSV UTF-8" (or re-encode it as UTF-8) and import it again` });
    }
    expect(await peopleOf(listId)).toEqual([]);
    // The same names as UTF-8 are imported as written.
    const ok = await post(a, listId, 'work_email,first_name\njose@example.com,José\n');
    expect(ok.body).toMatchObject({ created: 1, errors: [] });
    expect((await a.muster.store.roster.people({ listId, offset: 0, limit: 10 }))[0]!.fields.first_name).toBe('José');
  });

  it('skips a row with a NUL character with a per-row error, importing the others, and the chain verifies', async () => {
    const listId = await csvList('NUL cells');
    const r = await post(a, listId, 'work_email,first_name,department\nana@example.com,Ana,Ops\nnul@example.com,N\u0000l,Ops\nben@example.com,Ben,Sa\u0000les\n');
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ created: 1 });
    expect(r.body.errors).toEqual([
      { row: 3, column: 'first_name', value: 'N\u0000l', problem: 'the value contains a NUL character (U+0000)' },
      { row: 4, column: 'department', value: 'Sa\u0000les', problem: 'the value contains a NUL character (U+0000)' },
    ]);
    expect(await peopleOf(listId)).toEqual(['ana@example.com']);
    const header = await post(a, listId, 'work_email,first\u0000name\nana@example.com,Ana\n');
    expect(header.status).toBe(400);
    expect(header.body.detail).toBe('row 1: the name of column 2 contains a NUL character (U+0000)');
    expect((await a.muster.audit.verify(a.muster.store, listId)).ok).toBe(true);
  });
});
