/**
 * Roster search over the stored fields (store/roster-search.ts, migration 043), on the engine the
 * suite runs on: people written in the slot form and people still in the form written before
 * (fields by key with a search text) are found by the same words, as a search in JS over their
 * lower-cased values finds them; sort, the person page and the audit trail's person search read
 * both forms.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedDocument, storedFields } from '../src/roster/derivation.js';
import { SEARCH_WORD_MAX, searchWords } from '../src/store/roster-search.js';
import { ENGINE } from './helpers/database.js';
import { call, startServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let key: string;
let orgName: string;
beforeAll(async () => {
  srv = await startServer();
  orgName = 'Search organisation';
  const org = await srv.muster.lists.resolveOrganisation(orgName);
  key = await srv.adminKey(org.id, 'roster search tests');
});
afterAll(() => srv.close());

const FIELDS = ['first_name', 'last_name', 'department', 'job_title', 'employee_number'] as const;

interface Person { readonly userName: string; readonly values: Record<string, string | boolean>; readonly legacy: boolean }

/** What search matched before migration 043: every word inside the lower-cased userName or a lower-cased value. */
const reference = (p: Person, words: readonly string[]): boolean =>
  words.every((w) => [p.userName, ...Object.values(p.values).map(String)].some((t) => t.toLowerCase().includes(w)));

/** Writes `people` to a new list: the slot form as a write makes it, or the keyed form with its search text, as written before. */
async function listOf(people: readonly Person[]): Promise<{ listId: string; ids: string[] }> {
  const { list } = await srv.muster.lists.createList({ name: `Search ${Math.random()}`, uid: 'userName', org: orgName, syncMethod: 'none' });
  const store = srv.muster.store;
  const slots = await store.roster.slots(list.id);
  const ids: string[] = [];
  let n = 0;
  for (const p of people) {
    const id = `p${n++}x${Math.random().toString(36).slice(2, 10)}`;
    ids.push(id);
    const now = new Date().toISOString();
    await store.users.insert({
      id, listId: list.id, userName: p.userName, externalId: null, externalIdUnique: false, displayName: null, employeeNumber: null, active: true, emails: [],
      data: importedDocument(p.userName, true), version: 1, created: now, lastModified: now,
      derived: { fields: storedFields(p.values, slots), problems: '[]', problemCount: 0, mappingVersion: 0 },
    });
    if (p.legacy) {
      const search = [p.userName, ...Object.values(p.values).map(String)].join(' ').toLowerCase();
      await store.db.updateTable('users').set({ fields: JSON.stringify(p.values), search }).where('id', '=', id).execute();
    }
  }
  return { listId: list.id, ids };
}

const found = async (listId: string, search: string): Promise<string[]> =>
  (await srv.muster.store.roster.people({ listId, search, offset: 0, limit: 1000 })).map((r) => r.id).sort();

describe(`roster search over stored fields (${ENGINE})`, () => {
  it('property: finds exactly whom lower-casing every value finds, in both stored forms', async () => {
    // Quotes, backslashes, LIKE's and GLOB's and regular expressions' own characters, cased letters
    // with and without an ASCII form, digits. Not `,` `[` `]` in words, nor İ, a final Σ or the
    // Kelvin sign (roster-search.ts says why).
    const cased = fc.constantFrom('a', 'B', 'é', 'É', 'ø', 'Ø', 'ẞ', 'ß', 'ñ', 'Ñ', 'z', 'Z');
    const other = fc.constantFrom('1', '7', '"', '\\', '%', '_', '*', '?', '.', '(', '+', '^', '$', '|', '{', '-', '€', '中', "'", 'n');
    const text = fc.array(fc.oneof({ arbitrary: cased, weight: 3 }, { arbitrary: other, weight: 1 }), { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''));
    const value = fc.oneof(text, fc.constantFrom('[x]', 'a,b', 'ÉLODIE', 'Straße'));
    const person = fc.record({
      userName: text,
      values: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 }),
      active: fc.boolean(),
      legacy: fc.boolean(),
    });
    const word = (people: readonly { userName: string; values: Record<string, string> }[]) => fc.oneof(
      { arbitrary: text, weight: 1 },
      {
        // A slice of something a person holds, in either case: most words find someone.
        arbitrary: fc.tuple(fc.nat(people.length - 1), fc.nat(5), fc.nat(9), fc.nat(6), fc.boolean(), fc.boolean()).map(([i, v, start, len, inName, upper]) => {
          const p = people[i]!;
          const held = Object.values(p.values);
          const src = inName || !held.length ? p.userName : held[v % held.length]!;
          const s = src.slice(start % src.length, (start % src.length) + 1 + len);
          return upper ? s.toUpperCase() : s;
        }),
        weight: 4,
      },
    ).filter((w) => w.length > 0 && !/[\s,[\]]/.test(w));
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(person, { minLength: 1, maxLength: 6, selector: (p) => p.userName.toLowerCase() }).chain((people) => fc.tuple(fc.constant(people), fc.array(word(people), { minLength: 1, maxLength: 3 }))),
      async ([generated, words]) => {
        const people: Person[] = generated.map((p, i) => ({ userName: `${p.userName}#${i}`, values: { ...p.values, active: p.active }, legacy: p.legacy }));
        const { listId, ids } = await listOf(people);
        const lowered = words.map((w) => w.toLowerCase());
        const want = ids.filter((_, i) => reference(people[i]!, lowered)).sort();
        expect(await found(listId, words.join(' '))).toEqual(want);
      },
    ), { numRuns: ENGINE === 'postgres' ? 40 : 60 });
  });

  it('finds a word only inside a value: not across two values, not in a field\'s name, not in the array\'s quotes', async () => {
    const people: Person[] = [
      { userName: 'one', values: { first_name: 'Ada', last_name: 'Byron' }, legacy: false },
      { userName: 'two', values: { first_name: 'Grace "G"', department: 'C:\\Ops' }, legacy: false },
      { userName: 'three', values: { department: 'ÉCOLE', job_title: 'Straße' }, legacy: true },
    ];
    const { listId, ids } = await listOf(people);
    expect(await found(listId, 'ada')).toEqual([ids[0]]);
    expect(await found(listId, 'ada","byron')).toEqual([]);
    expect(await found(listId, 'first_name')).toEqual([]);
    expect(await found(listId, '"g"')).toEqual([ids[1]]);
    expect(await found(listId, '"')).toEqual([ids[1]]);
    expect(await found(listId, ':\\ops')).toEqual([ids[1]]);
    expect(await found(listId, 'école straße')).toEqual([ids[2]]);
    expect(await found(listId, 'STRASSE')).toEqual([]);
    // The userName of a person in the slot form is searched in `user_name_lc`.
    expect(await found(listId, 'TWO')).toEqual([ids[1]]);
  });

  it('finds a value with a control character by its words, and (as documented) by the letters of its escape', async () => {
    const { listId, ids } = await listOf([
      { userName: 'lines', values: { job_title: 'Night\nshift', department: 'Tab\there' }, legacy: false },
      { userName: 'other', values: { job_title: 'Day' }, legacy: false },
    ]);
    expect(await found(listId, 'night')).toEqual([ids[0]]);
    expect(await found(listId, 'shift')).toEqual([ids[0]]);
    expect(await found(listId, 'here')).toEqual([ids[0]]);
    // Stored as "Night\nshift": the n of the escape finds it too (docs/roster.md, "How search matches").
    expect(await found(listId, 'nshift')).toEqual([ids[0]]);
  });

  it('cuts a word longer than SEARCH_WORD_MAX to its first characters: it finds a little more, never less', async () => {
    const long = 'Ŝ'.repeat(SEARCH_WORD_MAX - 1) + 'ab'; // cased non-ASCII letters: PostgreSQL's class regex, SQLite's GLOB
    const { listId, ids } = await listOf([
      { userName: 'long', values: { job_title: long.toLowerCase() + 'cd' }, legacy: false },
      { userName: 'many', values: { job_title: 'ŝ'.repeat(SEARCH_WORD_MAX + 50) }, legacy: false },
    ]);
    expect(searchWords(`${long}zzz x`)).toEqual([long.slice(0, SEARCH_WORD_MAX), 'x']);
    expect(searchWords('😀'.repeat(SEARCH_WORD_MAX + 5))).toEqual(['😀'.repeat(SEARCH_WORD_MAX)]); // code points, not halves of a pair
    expect(await found(listId, long)).toEqual([ids[0]]);
    // Past the cut the word may differ: what the first 200 characters find is found.
    expect(await found(listId, `${long}zzz`)).toEqual([ids[0]]);
    expect(await found(listId, 'Ŝ'.repeat(5_000))).toEqual([ids[1]]);
    // A cut never parts a letter from its combining mark: the userName's key is NFC, where e + ◌́ is é and a bare e is not.
    const decomposed = `x${'e\u0301'.repeat(SEARCH_WORD_MAX)}`;
    const marked = await listOf([{ userName: decomposed, values: {}, legacy: false }, { userName: 'other', values: {}, legacy: false }]);
    expect(searchWords(decomposed)[0]).toBe(`x${'e\u0301'.repeat(99)}`);
    expect(await found(marked.listId, decomposed)).toEqual([marked.ids[0]]);
  });

  it('matches the letters JS lower-cases by their place or into two characters, and splits words at commas and brackets', async () => {
    const people: Person[] = [
      { userName: 'tr', values: { department: 'İzmir', job_title: 'ΟΔΟΣ' }, legacy: false },
      { userName: 'kelvin', values: { department: '5 K', job_title: 'Smith, John [ops]' }, legacy: false },
      { userName: 'Émile', values: { first_name: 'x' }, legacy: false },
    ];
    const { listId, ids } = await listOf(people);
    // İ as it is written (its lower case is i and a dot, which no i in the word matches).
    expect(await found(listId, 'İzmir')).toEqual([ids[0]]);
    expect(await found(listId, 'izmir')).toEqual([]);
    // σ, ς and Σ are one letter, whichever the word and the value hold.
    for (const w of ['ΟΔΟΣ', 'οδος', 'οδοσ', 'ΟΔΟς']) expect(await found(listId, w), w).toEqual([ids[0]]);
    // The Kelvin sign is not a k.
    expect(await found(listId, 'k')).toEqual([ids[1]]);
    // Commas and brackets split words: the array's punctuation is never looked for.
    expect(await found(listId, 'smith,john')).toEqual([ids[1]]);
    expect(await found(listId, '[ops]')).toEqual([ids[1]]);
    expect(await found(listId, ', [ ]')).toEqual(ids.slice().sort());
    // A userName typed decomposed finds its key (NFC).
    expect(await found(listId, 'E\u0301mile')).toEqual([ids[2]]);
  });

  it('sorts, shows and exports people of both forms alike, and the audit trail finds both by a value', async () => {
    const csv = 'username,first_name,department\nold.one,Zoë,Finance\nnew.one,Ava,Étude\n';
    const { list } = await srv.muster.lists.createList({ name: 'Both forms', uid: 'userName', org: orgName, syncMethod: 'none' });
    const api = (method: string, path: string, body?: string, type = 'text/csv') => call(`${srv.origin}/api/v1/lists/${list.id}${path}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': type } : {}) }, body,
    });
    expect((await api('POST', '/import', csv)).status).toBe(200);
    const store = srv.muster.store;
    const old = await store.db.selectFrom('users').select(['id', 'fields']).where('list_id', '=', list.id).where('user_name_lc', '=', 'old.one').executeTakeFirstOrThrow();
    // As written before migration 043: fields by key, with the search text.
    await store.db.updateTable('users').set({ fields: JSON.stringify({ username: 'old.one', first_name: 'Zoë', department: 'Finance', active: true }), search: 'old.one zoë finance true' })
      .where('id', '=', old.id).execute();
    const page = async (q: string) => (await api('GET', `/people?${q}`)).body as { people: { userName: string; fields: Record<string, unknown> }[] };
    expect((await page('sort=first_name')).people.map((p) => p.userName)).toEqual(['new.one', 'old.one']);
    expect((await page('sort=first_name&order=desc')).people.map((p) => p.userName)).toEqual(['old.one', 'new.one']);
    const exported = (await api('GET', '/people/export')).text.split(/\r?\n/).filter(Boolean);
    const header = exported[0]!.split(',');
    const row = (who: string) => exported.find((l) => l.includes(who))!.split(',');
    expect(row('old.one')[header.indexOf('first_name')]).toBe('Zoë');
    expect(row('new.one')[header.indexOf('department')]).toBe('Étude');
    const both = (await page('')).people;
    expect(both.find((p) => p.userName === 'old.one')!.fields).toMatchObject({ first_name: 'Zoë', department: 'Finance', job_title: null });
    expect(both.find((p) => p.userName === 'new.one')!.fields).toMatchObject({ first_name: 'Ava', department: 'Étude', job_title: null });
    expect((await page('search=ZOË')).people.map((p) => p.userName)).toEqual(['old.one']);
    expect((await page('search=étude')).people.map((p) => p.userName)).toEqual(['new.one']);
    const fresh = await store.db.selectFrom('users').select('id').where('list_id', '=', list.id).where('user_name_lc', '=', 'new.one').executeTakeFirstOrThrow();
    for (const [text, who] of [['finance', old.id], ['ÉTUDE', fresh.id]] as const) {
      const events = await store.audit.query({ listId: list.id, personText: text, order: 'desc', limit: 10 });
      expect([...new Set(events.map((e) => e.target_id))]).toEqual([who]);
    }
    // A new file's row for the old person writes them in the slot form, and the change is only what the file changed.
    expect((await api('POST', '/import', 'username,department\nold.one,Audit\n')).status).toBe(200);
    const after = await store.db.selectFrom('users').select(['fields', 'search']).where('id', '=', old.id).executeTakeFirstOrThrow();
    expect(after.search).toBeNull();
    expect(after.fields!.startsWith('[')).toBe(true);
    const [change] = await store.audit.query({ listId: list.id, targetId: old.id, order: 'desc', limit: 1 });
    expect(JSON.parse(change!.changes)).toEqual([{ field: 'roster:department', before: 'Finance', after: 'Audit' }]);
    expect((await page('search=zoë audit')).people.map((p) => p.userName)).toEqual(['old.one']);
  });
});

describe(`roster fields stored by slot (${ENGINE})`, () => {
  const admin = (method: string, path: string, body?: unknown) => call(`${srv.origin}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });

  it('keeps a field\'s slot through removal and re-adding, gives a new field a new slot, and a value comes back with its field', async () => {
    const { list } = await srv.muster.lists.createList({ name: 'Slots', uid: 'userName', org: orgName, syncMethod: 'none' });
    expect((await admin('POST', `/lists/${list.id}/import`, 'username,department\nkim,Ops\n')).status).toBe(200);
    const before = await srv.muster.store.roster.slots(list.id);
    const fieldKeys = ((await admin('GET', `/lists/${list.id}/fields`)).body.fields as { key: string }[]).map((f) => f.key);
    expect(fieldKeys.map((k) => before.slotOf.get(k))).toEqual(fieldKeys.map((_, i) => i));
    const dept = before.slotOf.get('department')!;
    expect((await admin('DELETE', `/lists/${list.id}/fields/department`)).status).toBe(200);
    // A list without sync keeps the file's values of a removed field: shown after the list's fields.
    const kim = async () => ((await admin('GET', `/lists/${list.id}/people`)).body.people as { fields: Record<string, unknown> }[])[0]!.fields;
    expect(Object.keys(await kim()).at(-1)).toBe('department');
    expect((await admin('POST', `/lists/${list.id}/fields`, { key: 'locker', label: 'Locker', type: 'text' })).status).toBe(201);
    expect((await admin('POST', `/lists/${list.id}/fields`, { key: 'department', label: 'Department', type: 'text' })).status).toBe(201);
    const after = await srv.muster.store.roster.slots(list.id);
    expect(after.slotOf.get('department')).toBe(dept);
    expect(after.slotOf.get('locker')).toBe(before.keys.length);
    expect(await kim()).toMatchObject({ username: 'kim', department: 'Ops', locker: null });
    // Moving a field changes its place on the list, not its slot.
    const fields = (await admin('GET', `/lists/${list.id}/fields`)).body.fields as { key: string }[];
    expect(fields.at(-1)!.key).toBe('department');
    expect((await admin('PATCH', `/lists/${list.id}/fields/department`, { label: 'Team' })).status).toBe(200);
    expect((await srv.muster.store.roster.slots(list.id)).slotOf.get('department')).toBe(dept);
  });

  it('holds a userName once when it is its own key, and shows every userName as given', async () => {
    const list = await srv.newList({ uid: 'userName', name: 'User names held once', org: orgName });
    for (const n of ['plain.lower', 'Mixed.Case', 'E\u0301mile']) expect((await list.req('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: n })).status).toBe(201);
    const stored = await srv.muster.store.db.selectFrom('users').select(['user_name', 'user_name_lc']).where('list_id', '=', list.id).orderBy('seq').execute();
    expect(stored).toEqual([{ user_name: '', user_name_lc: 'plain.lower' }, { user_name: 'Mixed.Case', user_name_lc: 'mixed.case' }, { user_name: 'E\u0301mile', user_name_lc: 'émile' }]);
    const shown = (await admin('GET', `/lists/${list.id}/people?sort=created`)).body.people as { userName: string }[];
    expect(shown.map((p) => p.userName)).toEqual(['plain.lower', 'Mixed.Case', 'E\u0301mile']);
    const g = await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'All', members: (await list.req('GET', '/Users')).body.Resources.map((u: { id: string }) => ({ value: u.id })) });
    expect(g.status).toBe(201);
    expect(((await list.req('GET', `/Groups/${g.body.id}`)).body.members as { display: string }[]).map((m) => m.display).sort()).toEqual(['E\u0301mile', 'Mixed.Case', 'plain.lower']);
  });

  it('a mapping change writes every person still in the old form in the new one, recording only those whose values changed', async () => {
    const list = await srv.newList({ uid: 'userName', name: 'Remap converts', org: orgName });
    const ids: string[] = [];
    // Cy has no department: the change leaves his values as they are.
    for (const [n, dept] of [['ann', 'Sales'], ['bob', 'Research'], ['cy', undefined]] as const) {
      const r = await list.req('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: n, title: 'Clerk', ...(dept ? { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: dept } } : {}) });
      expect(r.status).toBe(201);
      ids.push(r.body.id as string);
    }
    const store = srv.muster.store;
    // Both as written before migration 043.
    for (const id of ids) {
      const u = await store.users.get(list.id, id);
      const fields = (await store.roster.people({ listId: list.id, personId: id, offset: 0, limit: 1 }))[0]!.fields;
      const keyed = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
      await store.db.updateTable('users').set({ fields: JSON.stringify(keyed), search: 'old text' }).where('id', '=', u!.id).execute();
    }
    // Upper-cases the department: Ann's and Bob's change, Cy's do not.
    const mapping = (await admin('GET', `/lists/${list.id}/mapping`)).body.entries as { source: string; field: string; transform: string }[];
    const next = mapping.map((m) => (m.field === 'department' ? { ...m, transform: 'upper' } : m));
    const changed = await admin('PUT', `/lists/${list.id}/mapping`, { entries: next });
    expect(changed.status, changed.text).toBe(202);
    const finished = async (jobId: string) => {
      for (let i = 0; i < 400; i++) {
        const j = await admin('GET', `/lists/${list.id}/jobs/${jobId}`);
        if (j.body.status === 'done' || j.body.status === 'failed') return j.body as { status: string; result: unknown };
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the job did not finish');
    };
    expect(await finished(changed.body.job.id)).toMatchObject({ status: 'done', result: { changed: 2, converted: 1, processed: 3 } });
    const rows = await store.db.selectFrom('users').select(['id', 'fields', 'search']).where('list_id', '=', list.id).execute();
    expect(rows.map((r) => [r.fields!.startsWith('['), r.search])).toEqual([[true, null], [true, null], [true, null]]);
    const people = (await admin('GET', `/lists/${list.id}/people?sort=department`)).body.people as { userName: string; fields: Record<string, unknown> }[];
    expect(people.filter((p) => p.fields.department !== null).map((p) => p.fields.department)).toEqual(['RESEARCH', 'SALES']);
    expect(people.find((p) => p.userName === 'cy')!.fields).toMatchObject({ department: null, job_title: 'Clerk', username: 'cy' });
    expect(people.every((p) => p.fields.job_title === 'Clerk')).toBe(true);
    const remapped = await store.audit.query({ listId: list.id, actions: ['person.updated'], order: 'asc', limit: 10 });
    expect(remapped.map((e) => JSON.parse(e.changes))).toEqual([
      [{ field: 'roster:department', before: 'Sales', after: 'SALES' }], [{ field: 'roster:department', before: 'Research', after: 'RESEARCH' }],
    ]);
    // A second change that alters nobody's values writes no one and records nothing.
    const again = await admin('POST', `/lists/${list.id}/fields`, { key: 'locker', label: 'Locker', type: 'text' });
    expect(again.status, again.text).toBe(201);
    expect(await finished(again.body.jobId)).toMatchObject({ status: 'done', result: { changed: 0, converted: 0, processed: 3 } });
    expect(await store.audit.query({ listId: list.id, actions: ['person.updated'], order: 'asc', limit: 10 })).toHaveLength(2);
  });
});
