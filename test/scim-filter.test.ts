import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CompiledQuery, sql } from 'kysely';
import { UsersRepo } from '../src/store/users-repo.js';
import { compileFilter, readsWholeList } from '../src/store/filter-sql.js';
import { parseFilter } from '../src/scim/filter/index.js';
import { createDefaultRegistry } from '../src/scim/schemas/registry.js';
import { ENTERPRISE, startServer, user, type TestList, type TestServer } from './helpers/server.js';

const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
let srv: TestServer;
/** Alice, Bob and Carol, seeded once and only read: a test that writes seeds a list of its own (`ownList`). */
let list: TestList;
let ids: Record<string, string>;

/** Alice, Bob and Carol in `into`; their ids by userName. */
async function seed(into: TestList): Promise<Record<string, string>> {
  const people = [
    user('alice@example.com', { externalId: 'A1', displayName: 'Alice Smith', title: 'Engineer', name: { givenName: 'Alice', familyName: 'Smith' },
      emails: [{ value: 'alice@work.example', type: 'work', primary: true }, { value: 'alice@home.example', type: 'home' }],
      [ENTERPRISE]: { employeeNumber: '1001', department: 'R&D', costCenter: 'C1' }, x509Certificates: [] }),
    user('bob@example.com', { externalId: 'B2', displayName: 'Bob Jones', title: 'Manager', name: { givenName: 'Bob', familyName: 'Jones' },
      emails: [{ value: 'bob@work.example', type: 'work' }], [ENTERPRISE]: { employeeNumber: '1002', department: 'Sales' }, active: false }),
    user('carol@example.org', { externalId: 'C3', displayName: 'Carol King', name: { givenName: 'Carol', familyName: 'King' },
      emails: [{ value: 'carol@home.example', type: 'home' }], phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
      [ENTERPRISE]: { employeeNumber: '1003', department: 'R&D' } }),
  ];
  const seeded: Record<string, string> = {};
  for (const p of people) {
    const r = await into.req('POST', '/Users', p);
    expect(r.status).toBe(201);
    seeded[String(p.userName)] = r.body.id;
  }
  return seeded;
}

/** A list of the test's own, seeded like the shared one, for a test that writes. */
async function ownList(name: string): Promise<{ own: TestList; ownIds: Record<string, string> }> {
  const own = await srv.newList({ name });
  return { own, ownIds: await seed(own) };
}

beforeAll(async () => {
  srv = await startServer();
  list = await srv.newList();
  ids = await seed(list);
});
afterAll(() => srv.close());

async function names(filter: string, extra = '', within: TestList = list): Promise<string[]> {
  const r = await within.req('GET', `/Users?filter=${encodeURIComponent(filter)}${extra}`);
  expect(r.status, `${filter}: ${r.text}`).toBe(200);
  return r.body.Resources.map((u: { userName: string }) => u.userName).sort();
}

describe('filters compile to SQL (RFC 7644 §3.4.2.2)', () => {
  it.each([
    ['userName eq "ALICE@example.com"', ['alice@example.com']],
    ['userName ne "alice@example.com"', ['bob@example.com', 'carol@example.org']],
    ['userName co "@example.c"', ['alice@example.com', 'bob@example.com']],
    ['userName sw "CA"', ['carol@example.org']],
    ['userName ew ".org"', ['carol@example.org']],
    ['userName gt "b"', ['bob@example.com', 'carol@example.org']],
    ['userName le "bob@example.com"', ['alice@example.com', 'bob@example.com']],
    ['externalId eq "A1"', ['alice@example.com']],
    ['externalId eq "a1"', []],
    ['title pr', ['alice@example.com', 'bob@example.com']],
    ['not (title pr)', ['carol@example.org']],
    ['active eq false', ['bob@example.com']],
    ['active eq "True"', ['alice@example.com', 'carol@example.org']],
    ['name.familyName eq "smith"', ['alice@example.com']],
    ['name.givenName sw "b" or name.givenName sw "c"', ['bob@example.com', 'carol@example.org']],
    ['emails.value eq "bob@work.example"', ['bob@example.com']],
    ['emails eq "alice@home.example"', ['alice@example.com']],
    ['emails[type eq "work"].value eq "alice@work.example"', ['alice@example.com']],
    ['emails[type eq "work" and value co "@work"]', ['alice@example.com', 'bob@example.com']],
    ['emails[type eq "home"]', ['alice@example.com', 'carol@example.org']],
    ['emails[type eq "work" and primary eq true]', ['alice@example.com']],
    ['phoneNumbers[type eq "mobile"]', ['carol@example.org']],
    ['phoneNumbers pr', ['carol@example.org']],
    [`${ENTERPRISE}:employeeNumber eq "1002"`, ['bob@example.com']],
    [`${ENTERPRISE}:department eq "r&d" and active eq true`, ['alice@example.com', 'carol@example.org']],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@example.com"', ['bob@example.com']],
    ['displayName eq "Alice Smith" or displayName eq "Bob Jones" and active eq true', ['alice@example.com']],
    ['(displayName eq "Alice Smith" or displayName eq "Bob Jones") and active eq false', ['bob@example.com']],
    ['meta.created gt "2000-01-01T00:00:00Z"', ['alice@example.com', 'bob@example.com', 'carol@example.org']],
    ['meta.lastModified lt 2000-01-01T00:00:00Z', []],
    ['meta.resourceType eq "User"', ['alice@example.com', 'bob@example.com', 'carol@example.org']],
    ['DisplayName EQ "carol king"', ['carol@example.org']],
    ['name.FamilyName eq King and (emails.Value co example.com or emails.Value co home.example)', ['carol@example.org']],
  ])('%s', async (filter, expected) => {
    expect(await names(filter)).toEqual(expected);
  });

  it('filters on groups membership', async () => {
    const { own, ownIds } = await ownList('Groups membership');
    const g = await own.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Eng', members: [{ value: ownIds['alice@example.com'] }] });
    expect(g.status).toBe(201);
    expect(await names(`groups.value eq "${g.body.id}"`, '', own)).toEqual(['alice@example.com']);
    expect(await names('groups[display eq "eng"]', '', own)).toEqual(['alice@example.com']);
    const byMember = await own.req('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${ownIds['alice@example.com']}"`)}`);
    expect(byMember.body.totalResults).toBe(1);
  });

  it('an id filter finds exactly one user; a random GUID finds an empty ListResponse, never 404', async () => {
    expect(await names(`id eq "${ids['bob@example.com']}"`)).toEqual(['bob@example.com']);
    const r = await list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "6f2b0a1e-1d1c-4c0e-9b3e-123456789abc"')}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('accepts + for spaces and a trailing & (Entra, OneLogin)', async () => {
    const r = await list.req('GET', '/Users?filter=userName+eq+%22bob%40example.com%22&');
    expect(r.status).toBe(200);
    expect(r.body.totalResults).toBe(1);
  });

  it('a lookup of users or groups by one equality, read straight from its index, answers as the same filter through the page window', async () => {
    // Externally assigned ids may repeat here, so that an equality can match several people.
    const own = await srv.newList({ name: 'Equalities', externalIdUnique: false });
    const people: { id: string; userName: string; externalId: string; displayName: string; employeeNumber: string; email: string }[] = [];
    for (let i = 0; i < 14; i++) {
      const p = { userName: `p${i}@example.com`, externalId: `X${i % 3}`, displayName: `Name ${i % 4}`, employeeNumber: `E${i % 5}`, email: `shared${i % 3}@work.example` };
      const r = await own.req('POST', '/Users', user(p.userName, {
        externalId: p.externalId, displayName: p.displayName, emails: [{ value: p.email, type: i % 2 ? 'work' : 'home' }], [ENTERPRISE]: { employeeNumber: p.employeeNumber },
      }));
      expect(r.status).toBe(201);
      people.push({ ...p, id: r.body.id });
    }
    const equality = fc.tuple(fc.constantFrom(...people), fc.boolean()).chain(([p, missing]) => fc.constantFrom(
      `userName eq "${missing ? 'nobody@example.com' : p.userName.toUpperCase()}"`,
      `externalId eq "${missing ? 'X9' : p.externalId}"`,
      `displayName eq "${p.displayName.toLowerCase()}"`,
      `${ENTERPRISE}:employeeNumber eq "${p.employeeNumber}"`,
      `emails.value eq "${p.email}"`,
      `emails[type eq "work"].value eq "${p.email}"`,
      `id eq "${missing ? 'nope' : p.id}"`,
    ));
    const groups: { id: string; displayName: string; externalId: string; member: string }[] = [];
    for (let i = 0; i < 8; i++) {
      const g = { displayName: `Team ${i % 3}`, externalId: `G${i % 2}`, member: people[i % 4]!.id };
      const r = await own.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: g.displayName, externalId: g.externalId, members: [{ value: g.member }] });
      expect(r.status).toBe(201);
      groups.push({ ...g, id: r.body.id });
    }
    const groupEquality = fc.tuple(fc.constantFrom(...groups), fc.boolean()).chain(([g, missing]) => fc.constantFrom(
      `displayName eq "${missing ? 'Team 9' : g.displayName.toUpperCase()}"`,
      `externalId eq "${g.externalId}"`,
      `id eq "${missing ? 'nope' : g.id}"`,
      `members[value eq "${g.member}"]`,
      `members.value eq "${g.member}"`,
    ));
    const page = async (of: string, filter: string, extra: string) => {
      const r = await own.req('GET', `${of}?filter=${encodeURIComponent(filter)}${extra}`);
      expect(r.status, r.text).toBe(200);
      return { total: r.body.totalResults, items: r.body.itemsPerPage, ids: r.body.Resources.map((x: { id: string }) => x.id) };
    };
    const cases = [
      { of: '/Users', equality, created: people.map((p) => p.id), none: 'userName eq "nobody@example.com"', extra: '' },
      { of: '/Groups', equality: groupEquality, created: groups.map((g) => g.id), none: 'displayName eq "nobody"', extra: '&excludedAttributes=members' },
    ];
    for (const c of cases) {
      await fc.assert(fc.asyncProperty(c.equality, fc.integer({ min: 1, max: c.created.length + 2 }), fc.boolean(), async (filter, count, descending) => {
        const extra = `&count=${count}${descending ? '&sortOrder=descending' : ''}${c.extra}`;
        // The `and` takes the window of the deferred join; it matches exactly what `filter` does.
        const straight = await page(c.of, filter, extra);
        expect(straight).toEqual(await page(c.of, `(${filter}) and not (${c.none})`, extra));
        // Matches come in the order they were created (or its reverse), as a window gives them.
        const positions = straight.ids.map((id: string) => c.created.indexOf(id));
        expect(positions).toEqual([...positions].sort((a, b) => (descending ? b - a : a - b)));
      }), { numRuns: 50 });
    }
  });

  it('a lookup by userName, id or (where unique) externalId is one read of its unique key, and answers as the same filter through the general path', async () => {
    // Spellings that differ in case and Unicode normalisation (userNameKey), and a name whose lower case is longer.
    const names = ['zoë@example.com', 'ÅSA.Berg@example.com', 'İlkay@example.com', 'plain@example.com'];
    const lists: { own: TestList; unique: boolean; people: { id: string; userName: string; externalId: string }[] }[] = [];
    for (const unique of [true, false]) {
      const own = await srv.newList({ name: `Unique keys ${unique}`, externalIdUnique: unique });
      const people: { id: string; userName: string; externalId: string }[] = [];
      for (const [i, n] of names.entries()) {
        // Without unique externalIds, two people share one.
        const externalId = unique ? `Ext-${i}` : `Ext-${i % 2}`;
        const r = await own.req('POST', '/Users', user(n, { externalId, emails: [{ value: 'shared@work.example', type: 'work' }] }));
        expect(r.status, r.text).toBe(201);
        people.push({ id: r.body.id, userName: n, externalId });
      }
      lists.push({ own, unique, people });
    }
    const spell = fc.constantFrom((s: string) => s, (s: string) => s.toUpperCase(), (s: string) => s.toLowerCase(), (s: string) => s.normalize('NFD'), (s: string) => s.normalize('NFC'));
    const lookup = (people: { id: string; userName: string; externalId: string }[]) => fc.oneof(
      fc.tuple(fc.constantFrom(...people), spell, fc.constantFrom('userName', 'USERNAME', 'urn:ietf:params:scim:schemas:core:2.0:User:userName'), fc.boolean())
        .map(([p, f, a, missing]) => `${a} eq "${f(missing ? 'nobody.' + p.userName : p.userName)}"`),
      fc.tuple(fc.constantFrom(...people), fc.constantFrom('id', 'ID'), fc.boolean()).map(([p, a, upper]) => `${a} eq "${upper ? p.id.toUpperCase() : p.id}"`), // ids are case-exact
      // externalId is caseExact: another case is another value.
      fc.tuple(fc.constantFrom(...people), spell, fc.constantFrom('externalId', 'EXTERNALID', 'urn:ietf:params:scim:schemas:core:2.0:User:externalId'))
        .map(([p, f, a]) => `${a} eq "${f(p.externalId)}"`),
    );
    const extra = fc.tuple(fc.constantFrom('', '&count=1', '&count=3', '&count=0'), fc.constantFrom('', '&startIndex=1', '&startIndex=2'),
      fc.constantFrom('', '&attributes=userName', '&excludedAttributes=emails', '&sortOrder=descending')).map((parts) => parts.join(''));
    const byKey = vi.spyOn(UsersRepo.prototype, 'byKey');
    try {
      for (const { own, unique, people } of lists) {
        await fc.assert(fc.asyncProperty(lookup(people), extra, async (filter, params) => {
          const get = async (f: string) => {
            const r = await own.req('GET', `/Users?filter=${encodeURIComponent(f)}${params}`);
            expect(r.status, r.text).toBe(200);
            return r.body;
          };
          byKey.mockClear();
          const straight = await get(filter);
          // Only a first page that can hold someone reads the key alone; externalId only where the list keeps it unique.
          const first = !params.includes('startIndex=2') && !params.includes('count=0');
          expect(byKey).toHaveBeenCalledTimes(first && (/username|^id eq/i.test(filter) || (unique && /externalid/i.test(filter))) ? 1 : 0);
          // The `and` goes the general way (compiled filter, page window or count); it matches exactly what `filter` does.
          expect(straight).toEqual(await get(`(${filter}) and not (userName eq "nobody@example.com")`));
        }), { numRuns: 100 });
      }
    } finally {
      byKey.mockRestore();
    }
  });

  it('externalId filters and sorts answer by their meaning, and read an index, in lists with and without unique externalIds', async () => {
    // externalId is caseExact (RFC 7643 §3.1). Ordered values stay lower case letters and digits, which every collation orders alike.
    const values: Record<'unique' | 'repeats', (string | null)[]> = {
      unique: ['a', 'ab', 'abc', 'b', 'B', 'ba', '10', '9', null, null],
      repeats: ['a', 'ab', 'ab', 'b', 'B', 'ba', '10', '10', null, 'a'],
    };
    type Person = { userName: string; externalId: string | null };
    const lists: { own: TestList; unique: boolean; people: Person[] }[] = [];
    for (const unique of [true, false]) {
      const own = await srv.newList({ name: `externalIds ${unique}`, externalIdUnique: unique });
      const people = values[unique ? 'unique' : 'repeats'].map((externalId, i) => ({ userName: `p${i}@example.com`, externalId }));
      for (const p of people) {
        const r = await own.req('POST', '/Users', user(p.userName, p.externalId === null ? {} : { externalId: p.externalId }));
        expect(r.status, r.text).toBe(201);
      }
      lists.push({ own, unique, people });
    }
    type Term = { text: string; test: (x: string | null) => boolean };
    const ordered = fc.constantFrom('a', 'ab', 'b', 'ba', 'c', '10', '9', '');
    const term: fc.Arbitrary<Term> = fc.oneof(
      fc.tuple(fc.constantFrom('a', 'ab', 'b', 'B', '10', 'A', 'zz'), fc.constantFrom('externalId', 'EXTERNALID', 'urn:ietf:params:scim:schemas:core:2.0:User:externalId')).map(([v, a]) =>
        ({ text: `${a} eq "${v}"`, test: (x: string | null) => x === v })),
      fc.constantFrom('a', 'B', 'zz').map((v) => ({ text: `externalId ne "${v}"`, test: (x: string | null) => x !== v })),
      fc.constantFrom('a', 'b', '1').map((v) => ({ text: `externalId co "${v}"`, test: (x: string | null) => x !== null && x.includes(v) })),
      fc.constantFrom('a', 'b', '1').map((v) => ({ text: `externalId sw "${v}"`, test: (x: string | null) => x !== null && x.startsWith(v) })),
      fc.constantFrom('a', 'b', '0').map((v) => ({ text: `externalId ew "${v}"`, test: (x: string | null) => x !== null && x.endsWith(v) })),
      fc.tuple(fc.constantFrom('gt', 'ge', 'lt', 'le'), ordered).map(([op, v]) => ({
        text: `externalId ${op} "${v}"`,
        // Only lower-case values are ordered: B is left out of the comparison by an `and` below.
        test: (x: string | null) => x !== null && (op === 'gt' ? x > v : op === 'ge' ? x >= v : op === 'lt' ? x < v : x <= v),
      })).map((t) => ({ text: `(${t.text} and not (externalId eq "B"))`, test: (x: string | null) => x !== 'B' && t.test(x) })),
      fc.constant({ text: 'externalId pr', test: (x: string | null) => x !== null }),
      fc.constant({ text: 'externalId eq null', test: (x: string | null) => x === null }),
    );
    const filter: fc.Arbitrary<Term> = fc.letrec<{ f: Term }>((tie) => ({
      f: fc.oneof({ depthSize: 'small', withCrossShrink: true },
        term,
        fc.tuple(tie('f'), tie('f')).map(([l, r]) => ({ text: `(${l.text} or ${r.text})`, test: (x: string | null) => l.test(x) || r.test(x) })),
        fc.tuple(tie('f'), tie('f')).map(([l, r]) => ({ text: `(${l.text} and ${r.text})`, test: (x: string | null) => l.test(x) && r.test(x) })),
        tie('f').map((t) => ({ text: `not (${t.text})`, test: (x: string | null) => !t.test(x) }))),
    })).f;
    for (const { own, people } of lists) {
      await fc.assert(fc.asyncProperty(filter, fc.constantFrom('', '&sortBy=externalId', '&sortBy=externalId&sortOrder=descending'), async (f, sort) => {
        const r = await own.req('GET', `/Users?filter=${encodeURIComponent(f.text)}${sort}&count=100`);
        expect(r.status, `${f.text}: ${r.text}`).toBe(200);
        const got = (r.body.Resources as Person[]).map((u) => u.userName).sort();
        expect(got, f.text).toEqual(people.filter((p) => f.test(p.externalId)).map((p) => p.userName).sort());
        if (sort) {
          // The order of those that have one (where people without one go is the engine's).
          const order = (r.body.Resources as Person[]).map((u) => u.externalId).filter((x) => x !== undefined && x !== 'B') as string[];
          const want = [...order].sort();
          expect(order, f.text + sort).toEqual(sort.includes('descending') ? want.reverse() : want);
        }
      }), { numRuns: 120 });
    }
    // An equality and a range read the index that holds the list's externalIds, never the whole list.
    const registry = createDefaultRegistry();
    const store = srv.muster.store;
    const plan = async (listId: string, unique: boolean, resource: 'User' | 'Group', text: string): Promise<string> => {
      const table = resource === 'User' ? 'users' : 'groups';
      const where = compileFilter({ flavor: store.flavor, registry, resource, listId, externalIdUnique: unique }, parseFilter(text));
      const q = store.db.selectFrom(table).select(`${table}.id` as 'users.id').where(`${table}.list_id` as 'users.list_id', '=', listId).where(where as never).compile();
      if (store.engine === 'sqlite') {
        const rows = await store.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${q.sql}`, [...q.parameters]));
        return rows.rows.map((x) => x.detail).join('\n');
      }
      // A few rows are cheaper to read whole: forbid that, to see which index the engine can use.
      return store.db.transaction().execute(async (tx) => {
        await sql`SET LOCAL enable_seqscan = off`.execute(tx);
        const rows = await tx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${q.sql}`, [...q.parameters]));
        return rows.rows.map((x) => x['QUERY PLAN']).join('\n');
      });
    };
    for (const { own, unique } of lists) {
      const index = unique ? 'users_list_external_id_key' : 'users_list_external_id';
      const ctx = { flavor: store.flavor, registry, resource: 'User' as const, listId: own.id, externalIdUnique: unique };
      for (const text of ['externalId eq "ab"', 'externalId eq "a" or externalId eq "b"', 'externalId gt "b"', 'userName sw "p" and externalId eq "a"', 'userName eq "p1@example.com" or externalId eq "a"']) {
        // A range may hold the whole list, and SQLite reads a partial index for a branch of an `or`
        // only whole: such filters go to the lane of whole-list reads (a range still reads the index).
        const or = text.includes(' or ');
        expect(readsWholeList(ctx, parseFilter(text), undefined), text).toBe(text.includes(' gt ') || (!unique && or));
        // PostgreSQL costs an `or` over a list of ten as cheaper read through any of the list's indexes.
        if ((!unique && or) || (store.engine === 'postgres' && or)) continue;
        const p = await plan(own.id, unique, 'User', text);
        expect(p, `${text} (unique ${unique})`).toMatch(new RegExp(`\\b${index}\\b(?!_key)`));
        // The index narrows by the value, not only by the list.
        if (store.engine === 'sqlite') expect(p, text).not.toMatch(/SCAN users|\(list_id=\?\)/);
        else expect(p, text).toMatch(unique ? /Index Cond: .*external_id_key [=>]/ : /Index Cond: .*external_id [=>]/);
      }
      // Entra sync's look-up of people by their Graph ids reads the same index.
      const known = await store.users.byExternalIds({ id: own.id, externalIdUnique: unique }, ['a', 'ab', 'B', 'zz', '10']);
      expect([...known.keys()].sort()).toEqual(['10', 'B', 'a', 'ab']);
      expect(await plan(own.id, unique, 'Group', 'externalId eq "g"')).toMatch(new RegExp(`\\b${unique ? 'groups_list_external_id_key' : 'groups_list_external_id'}\\b(?!_key)`));
      // The deactivated people are read from the index that holds only them (migration 044), in
      // either spelling of false (Entra writes "False").
      for (const text of ['active eq false', 'active eq "False"']) expect(await plan(own.id, unique, 'User', text), text).toMatch(/\busers_list_deactivated\b/);
    }
  });

  it.each([
    'userName eq',
    'userName eq "a" and',
    '(userName eq "a"',
    'userName xx "a"',
    'nosuchattr eq "a"',
    'name eq "a"',
    'active gt true',
    'meta.created gt "yesterday"',
    'emails[type eq "work"',
    'emails[nosuch eq "x"]',
  ])('refuses %s with 400 invalidFilter', async (filter) => {
    const r = await list.req('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    expect(r.status).toBe(400);
    expect(r.body.scimType).toBe('invalidFilter');
  });
});

describe('paging, sorting and attribute selection', () => {
  it('pages with startIndex/count and counts with totalResults', async () => {
    const p1 = await list.req('GET', '/Users?startIndex=1&count=2');
    expect(p1.body).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 2 });
    const p2 = await list.req('GET', '/Users?startIndex=3&count=2');
    expect(p2.body).toMatchObject({ totalResults: 3, startIndex: 3, itemsPerPage: 1 });
    const ids1 = p1.body.Resources.map((u: { id: string }) => u.id);
    expect(ids1).not.toContain(p2.body.Resources[0].id);
    const none = await list.req('GET', '/Users?count=0');
    expect(none.body).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
  });

  it('caps count at the maximum page size the ServiceProviderConfig advertises', async () => {
    const spc = await list.req('GET', '/ServiceProviderConfig');
    const max = spc.body.filter.maxResults;
    const r = await list.req('GET', `/Users?count=${max + 50}`);
    expect(r.status).toBe(200);
    expect(r.body.itemsPerPage).toBeLessThanOrEqual(max);
  });

  it('sorts by sortBy/sortOrder', async () => {
    const asc = await list.req('GET', '/Users?sortBy=name.givenName&sortOrder=descending');
    expect(asc.body.Resources.map((u: { name: { givenName: string } }) => u.name.givenName)).toEqual(['Carol', 'Bob', 'Alice']);
    const byNumber = await list.req('GET', `/Users?sortBy=${encodeURIComponent(`${ENTERPRISE}:employeeNumber`)}`);
    expect(byNumber.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.org']);
    expect((await list.req('GET', '/Users?sortBy=nosuch')).status).toBe(400);
  });

  it('returns only the attributes asked for, plus id and schemas', async () => {
    const r = await list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "alice@example.com"')}&attributes=userName,name.givenName`);
    expect(r.body.Resources[0]).toEqual({ schemas: expect.any(Array), id: ids['alice@example.com'], userName: 'alice@example.com', name: { givenName: 'Alice' } });
    const ex = await list.req('GET', `/Users/${ids['alice@example.com']}?excludedAttributes=emails,name.familyName,${ENTERPRISE}:department`);
    expect(ex.body.emails).toBeUndefined();
    expect(ex.body.name).toEqual({ givenName: 'Alice' });
    expect(ex.body[ENTERPRISE]).toEqual({ employeeNumber: '1001', costCenter: 'C1' });
    expect(ex.body.id).toBe(ids['alice@example.com']);
  });

  it('POST .search takes the same query in a SearchRequest body, per type and at the root', async () => {
    // Its own list, holding a group beside the people, for the root search to find both types.
    const { own, ownIds } = await ownList('Search');
    const g = await own.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Eng', members: [{ value: ownIds['alice@example.com'] }] });
    expect(g.status).toBe(201);
    const body = { schemas: [SEARCH], filter: 'title pr', attributes: ['userName'], count: 10 };
    const r = await own.req('POST', '/Users/.search', body);
    expect(r.status).toBe(200);
    expect(r.body.totalResults).toBe(2);
    expect(Object.keys(r.body.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
    const root = await own.req('POST', '/.search', { schemas: [SEARCH], filter: 'meta.created pr', count: 100 });
    expect(root.status).toBe(200);
    const types = new Set(root.body.Resources.map((x: { meta: { resourceType: string } }) => x.meta.resourceType));
    expect(types).toEqual(new Set(['User', 'Group']));
    expect((await own.req('GET', '/.search')).status).toBe(405);
  });
});
