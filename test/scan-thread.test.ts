/**
 * People queries that read a whole list (a filter or an order no index answers: `co`, `ew`, `ne`,
 * `not`, `active eq`, attributes read from the JSON document) run in a lane of their own
 * (src/store/scan-pool.ts), so that they never hold the thread or the connections serving every other
 * organisation (docs/scim.md, "Queries"). Whichever thread answers, the answer is the same: here it
 * is checked against the filter evaluated in the test, for generated filters, sorts and pages, on
 * both engines (a process of its own on SQLite, a connection of its own on PostgreSQL).
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE } from './helpers/database.js';
import { startServer, user, type TestList, type TestServer } from './helpers/server.js';
import { params } from './fuzz/harness.js';
import { COUNT_LIMITS } from '../src/store/scan-pool.js';
import { PAGE_LIMITS } from '../src/lists/scim-service.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const TITLES = ['Engineer', 'Nurse', 'Head Nurse', 'Porter', 'Engineering Lead'];
const FAMILIES = ['Lovelace', 'Hopper', 'Dijkstra', 'Liskov'];

interface Person { userName: string; title: string; family: string; active: boolean }

let srv: TestServer;
let list: TestList;
const people: Person[] = [];

beforeAll(async () => {
  srv = await startServer({ MUSTER_METRICS_TOKEN: METRICS_TOKEN });
  list = await srv.newList({ name: 'Scans' });
  for (let i = 0; i < 30; i++) {
    const p = { userName: `p${String(i).padStart(2, '0')}@example.org`, title: TITLES[i % TITLES.length]!, family: FAMILIES[(i * 7) % FAMILIES.length]!, active: i % 5 !== 0 };
    // As much as Okta sends of a person: their first audit event is long enough to be stored packed.
    const r = await list.req('POST', '/Users', user(p.userName, {
      title: p.title, name: { givenName: 'Pat', familyName: p.family, formatted: `Pat ${p.family}` }, displayName: `Pat ${p.family}`, active: p.active,
      nickName: 'Pat', preferredLanguage: 'en-GB', locale: 'en-GB', timezone: 'Europe/London', userType: 'Employee',
      phoneNumbers: [{ value: `+44 20 7946 ${String(i).padStart(4, '0')}`, type: 'work' }, { value: `+44 7700 90${String(i).padStart(4, '0')}`, type: 'mobile' }],
      addresses: [{ type: 'work', streetAddress: `${i} Infirmary Street`, locality: 'Edinburgh', postalCode: 'EH1 1LZ', country: 'GB', primary: true }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: `E-${1000 + i}`, department: 'Medicine', division: 'Clinical', costCenter: 'CC-42', organization: 'Royal Infirmary' },
    }));
    expect(r.status, r.text).toBe(201);
    people.push(p);
  }
}, 120_000);
afterAll(() => srv.close());

/** A filter as text, and what it says of a person. */
interface Generated { text: string; holds: (p: Person) => boolean }

const fragment = fc.constantFrom('eng', 'nurse', 'Nurse', 'head', 'er', 'ead', 'ov', 'hop', 'x', 'LISKOV', 'e');
const lc = (s: string) => s.toLowerCase();
const atom: fc.Arbitrary<Generated> = fc.oneof(
  fc.tuple(fc.constantFrom('co', 'sw', 'ew', 'eq', 'ne'), fragment, fc.constantFrom('title', 'name.familyName')).map(([op, v, attr]): Generated => {
    const of = (p: Person) => lc(attr === 'title' ? p.title : p.family);
    const w = lc(v);
    const test = op === 'co' ? (s: string) => s.includes(w) : op === 'sw' ? (s: string) => s.startsWith(w) : op === 'ew' ? (s: string) => s.endsWith(w) : op === 'eq' ? (s: string) => s === w : (s: string) => s !== w;
    return { text: `${attr} ${op} "${v}"`, holds: (p) => test(of(p)) };
  }),
  fc.constantFrom('Nurse', 'Porter', 'Engineer').map((t): Generated => ({ text: `title eq "${t}"`, holds: (p) => lc(p.title) === lc(t) })),
  fc.boolean().map((a): Generated => ({ text: `active eq ${a}`, holds: (p) => p.active === a })),
  fc.integer({ min: 0, max: 35 }).map((i): Generated => {
    const u = `p${String(i).padStart(2, '0')}@example.org`;
    return { text: `userName eq "${u}"`, holds: (p) => p.userName === u };
  }),
);
const filter: fc.Arbitrary<Generated> = fc.letrec<{ f: Generated }>((tie) => ({
  f: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('f'), tie('f')).map(([a, b]): Generated => ({ text: `(${a.text}) and (${b.text})`, holds: (p) => a.holds(p) && b.holds(p) })),
    fc.tuple(tie('f'), tie('f')).map(([a, b]): Generated => ({ text: `(${a.text}) or (${b.text})`, holds: (p) => a.holds(p) || b.holds(p) })),
    tie('f').map((a): Generated => ({ text: `not (${a.text})`, holds: (p) => !a.holds(p) })),
  ),
})).f;

const names = (body: { Resources?: { userName: string }[] }) => (body.Resources ?? []).map((r) => r.userName);
const get = async (query: Record<string, string>) => {
  const r = await list.req('GET', `/Users?${new URLSearchParams(query).toString()}`);
  expect(r.status, r.text).toBe(200);
  return r.body as { totalResults: number; Resources?: { userName: string }[]; nextCursor?: string };
};

describe('people queries that read the whole list', () => {
  it('answer what the filter says, whole, by page and by cursor, in the order asked (property)', async () => {
    await fc.assert(fc.asyncProperty(filter, fc.constantFrom('ascending', 'descending'), fc.integer({ min: 1, max: 12 }), async (f, sortOrder, startIndex) => {
      const expected = people.filter(f.holds).map((p) => p.userName).sort();
      if (sortOrder === 'descending') expected.reverse();
      const whole = await get({ filter: f.text, sortBy: 'userName', sortOrder, count: '100' });
      expect(whole.totalResults, f.text).toBe(expected.length);
      expect(names(whole), f.text).toEqual(expected);
      const page = await get({ filter: f.text, sortBy: 'userName', sortOrder, startIndex: String(startIndex), count: '4' });
      expect(page.totalResults).toBe(expected.length);
      expect(names(page), `${f.text} from ${startIndex}`).toEqual(expected.slice(startIndex - 1, startIndex + 3));
      const walked: string[] = [];
      let cursor = '';
      for (let i = 0; i < 20; i++) {
        const c = await get({ filter: f.text, sortBy: 'userName', sortOrder, cursor, count: '7' });
        expect(c.totalResults).toBe(expected.length);
        walked.push(...names(c));
        if (!c.nextCursor) break;
        cursor = c.nextCursor;
      }
      expect(walked, `${f.text} by cursor`).toEqual(expected);
    }), params(40));
  });

  it('an order no index gives, without a filter, is the whole list\'s work too, and still right', async () => {
    const byTitle = await get({ sortBy: 'title', count: '100' });
    expect(byTitle.totalResults).toBe(people.length);
    const titles = (byTitle.Resources as unknown as { title: string }[]).map((r) => lc(r.title));
    expect(titles).toEqual([...titles].sort());
  });

  it('runs in the lane of whole-list queries exactly when no index answers (a thread on SQLite, a connection of its own on PostgreSQL)', async () => {
    const scans = async () => {
      const text = await (await fetch(`${srv.origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      return Number(/^muster_scan_queries_total (\d+)/m.exec(text)?.[1]);
    };
    const before = await scans();
    // How many reads the lane has run since `before`.
    const counted = (n: number) => before + n;
    // IdPs' lookups: on the serving thread, as fast as an index makes them.
    await get({ filter: 'userName eq "p01@example.org"' });
    await get({ filter: 'externalId eq "nope"' });
    await get({ filter: 'emails[value eq "p01@work.example"]' });
    await get({ filter: 'userName eq "p01@example.org" and title co "eng"' });
    await get({ count: '5' });
    await get({ sortBy: 'userName', count: '5' });
    expect(await scans()).toBe(counted(0));
    // A page that is not full needs no count: one statement on the thread; a full one, two.
    await get({ filter: 'title co "nurse"' });
    expect(await scans()).toBe(counted(1));
    await get({ filter: 'title co "e"', count: '2' });
    expect(await scans()).toBe(counted(3));
    await get({ filter: 'not (active eq true)', count: '100' });
    await get({ sortBy: 'title', count: '100' });
    expect(await scans()).toBe(counted(5));
    // Shapes that look like lookups but read the list: `eq null` (the people without one) beside
    // another test, a date range, and cursor pages in an order that puts people without a value last.
    expect((await get({ filter: 'externalId eq null and title co "e"', count: '100' })).totalResults).toBe(people.length);
    expect((await get({ filter: 'meta.lastModified gt "1970-01-01T00:00:00Z"', count: '100' })).totalResults).toBe(people.length);
    expect(names(await get({ sortBy: 'displayName', cursor: '', count: '100' }))).toHaveLength(people.length);
    expect(await scans()).toBe(counted(8));
    // Groups: by name, id or a member's id on the indexes; by members' display names, every membership of the list.
    const all = await list.req('GET', '/Users?count=100&attributes=id');
    const ids = (all.body.Resources as { id: string }[]).map((r) => r.id);
    const g = await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Ward 7', members: ids.slice(0, 3).map((value) => ({ value })) });
    expect(g.status, g.text).toBe(201);
    const groups = async (filter: string) => {
      const r = await list.req('GET', `/Groups?filter=${encodeURIComponent(filter)}&excludedAttributes=members`);
      expect(r.status, r.text).toBe(200);
      return (r.body.Resources as { displayName: string }[] | undefined ?? []).map((x) => x.displayName);
    };
    expect(await groups('displayName eq "Ward 7"')).toEqual(['Ward 7']);
    expect(await groups(`id eq "${g.body.id}" and members[value eq "${ids[0]}"]`)).toEqual(['Ward 7']);
    expect(await groups(`members[value eq "${ids[1]}"]`)).toEqual(['Ward 7']);
    expect(await scans()).toBe(counted(8));
    expect(await groups('members[display co "pat"]')).toEqual(['Ward 7']);
    expect(await groups('displayName co "ward"')).toEqual(['Ward 7']);
    expect(await scans()).toBe(counted(10));
    await list.req('DELETE', `/Groups/${g.body.id}`);

    // The roster page searches, counts and sorts the whole list: there too (its page, its count, the list's counts).
    const org = await srv.muster.lists.resolveOrganisation('Test organisation');
    const key = await srv.adminKey(org.id);
    const roster = await fetch(`${srv.origin}/api/v1/lists/${list.id}/people?search=${encodeURIComponent('nurse lovelace')}`, { headers: { authorization: `Bearer ${key}` } });
    expect(roster.status).toBe(200);
    const found = (await roster.json()) as { total: number; people: { userName: string }[] };
    const expected = people.filter((p) => lc(p.title).includes('nurse') && lc(p.family) === 'lovelace').map((p) => p.userName).sort();
    expect(found.people.map((p) => p.userName).sort()).toEqual(expected);
    expect(found.total).toBe(expected.length);
    expect(await scans()).toBe(counted(13));

    // The audit trail searched by name: there too, and its packed events read as written.
    if (ENGINE === 'sqlite') {
      const packed = await sql<{ n: number }>`SELECT count(*) AS n FROM audit_events WHERE list_id = ${list.id} AND typeof(changes) = 'blob'`.execute(srv.muster.store.db);
      expect(Number(packed.rows[0]!.n)).toBeGreaterThanOrEqual(people.length);
    }
    const trail = await fetch(`${srv.origin}/api/v1/lists/${list.id}/audit/events?person=${encodeURIComponent('nurse lovelace')}&limit=100`, { headers: { authorization: `Bearer ${key}` } });
    expect(trail.status).toBe(200);
    const events = ((await trail.json()) as { events: { action: string; target: { name: string }; changes: { field: string; after: unknown }[] }[] }).events;
    expect(events.map((e) => e.target.name).sort()).toEqual(expected);
    expect(events.every((e) => e.action === 'person.created' && e.changes.some((c) => c.field === 'title' && lc(String(c.after)).includes('nurse')))).toBe(true);
    expect(await scans()).toBe(counted(14));
  });

  it('sends to the lane what an index answers but would read much of the list: an order of a filter\'s matches, a deep startIndex, a count of many matches', async () => {
    const scans = async () => {
      const text = await (await fetch(`${srv.origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      return Number(/^muster_scan_queries_total (\d+)/m.exec(text)?.[1]);
    };
    const before = await scans();
    const lovelaces = people.filter((p) => p.family === 'Lovelace').map((p) => p.userName).sort();
    expect(lovelaces.length).toBeGreaterThan(3);
    // An equality an index answers, in an order: the matches are sorted, however many (one page, not full: no count).
    const sorted = await get({ filter: 'displayName eq "Pat Lovelace"', sortBy: 'userName', sortOrder: 'descending' });
    expect(names(sorted)).toEqual([...lovelaces].reverse());
    expect(await scans()).toBe(before + 1);
    // Without an order, the same equality stays here; its count too, while the matches are few.
    const page = await get({ filter: 'displayName eq "Pat Lovelace"', count: '2' });
    expect(page.totalResults).toBe(lovelaces.length);
    expect(names(page)).toEqual(lovelaces.slice(0, 2));
    expect(await scans()).toBe(before + 1);
    // Past COUNT_LIMITS.hereUpTo matches (lowered here to 3), the count is taken again in the lane.
    const limit = COUNT_LIMITS.hereUpTo;
    COUNT_LIMITS.hereUpTo = 3;
    try {
      const many = await get({ filter: 'displayName eq "Pat Lovelace"', count: '2' });
      expect(many.totalResults).toBe(lovelaces.length);
      expect(names(many)).toEqual(lovelaces.slice(0, 2));
      expect(await scans()).toBe(before + 2);
      // ... and a filter whose matches are within it is still counted here.
      const one = await get({ filter: 'userName eq "p03@example.org" or userName eq "p04@example.org"', count: '1' });
      expect(one.totalResults).toBe(2);
      expect(await scans()).toBe(before + 2);
    } finally {
      COUNT_LIMITS.hereUpTo = limit;
    }
    // A page from PAGE_LIMITS.deepOffset skips its offset in the lane (lowered here to 3), with the
    // same people as any page; totalResults from the list's counter, or counted here.
    const byIndex = async (startIndex: number, count: number, extra: Record<string, string> = {}) => get({ startIndex: String(startIndex), count: String(count), ...extra });
    const everyone = names(await byIndex(1, 100));
    expect(everyone).toHaveLength(people.length);
    expect(await scans()).toBe(before + 2);
    const offset = PAGE_LIMITS.deepOffset;
    PAGE_LIMITS.deepOffset = 3;
    try {
      const deep = await byIndex(5, 5);
      expect(deep.totalResults).toBe(people.length);
      expect(names(deep)).toEqual(everyone.slice(4, 9));
      expect(await scans()).toBe(before + 3);
      const shallow = await byIndex(3, 5);
      expect(names(shallow)).toEqual(everyone.slice(2, 7));
      expect(await scans()).toBe(before + 3);
      // A filter an index answers, paged deep: the same matches as a whole page of them.
      const filtered = await byIndex(4, 3, { filter: 'displayName eq "Pat Lovelace"' });
      expect(filtered.totalResults).toBe(lovelaces.length);
      expect(names(filtered)).toEqual(lovelaces.slice(3, 6));
      expect(await scans()).toBe(before + 4);
    } finally {
      PAGE_LIMITS.deepOffset = offset;
    }
  });
});
