/**
 * Cursor paging (RFC 9865) of Users and Groups, index paging's maintained totalResults, and the
 * ListResponse shape of both. Runs on either engine (MUSTER_TEST_ENGINE).
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CursorCodec, queryHash } from '../src/lists/cursor-codec.js';
import { ENGINE } from './helpers/database.js';
import { ScanPool, type CallerGone } from '../src/store/scan-pool.js';
import { startServer, user, type TestList, type TestServer } from './helpers/server.js';

const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
let srv: TestServer;

beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv.close());

/** A list with n users user-00@example.com … (title "even"/"odd", some without a title) and the ids in creation order. */
async function listWith(n: number): Promise<{ list: TestList; ids: string[] }> {
  const list = await srv.newList();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await list.req('POST', '/Users', user(`user-${String(i).padStart(2, '0')}@example.com`, i % 5 === 4 ? {} : { title: i % 2 ? 'odd' : 'even' }));
    expect(r.status, r.text).toBe(201);
    ids.push(r.body.id);
  }
  return { list, ids };
}

/** Follows nextCursor from the first page; every response is checked for the RFC 9865 ListResponse shape. */
async function walk(list: TestList, path: string, params: string): Promise<{ pages: { ids: string[]; body: Record<string, unknown> }[]; ids: string[] }> {
  const pages: { ids: string[]; body: Record<string, unknown> }[] = [];
  let cursor = '';
  for (let guard = 0; guard < 100; guard++) {
    const r = await list.req('GET', `${path}?cursor=${encodeURIComponent(cursor)}&${params}`);
    expect(r.status, r.text).toBe(200);
    expectListShape(r.body);
    const ids = r.body.Resources.map((x: { id: string }) => x.id);
    pages.push({ ids, body: r.body });
    if (r.body.nextCursor === undefined) break;
    cursor = r.body.nextCursor;
  }
  return { pages, ids: pages.flatMap((p) => p.ids) };
}

function expectListShape(body: Record<string, unknown>): void {
  const allowed = new Set(['schemas', 'totalResults', 'itemsPerPage', 'Resources', 'nextCursor', 'previousCursor']);
  expect(Object.keys(body).filter((k) => !allowed.has(k)), 'no startIndex or other attribute in a cursor page').toEqual([]);
  expect(body.schemas).toEqual([LIST_RESPONSE]);
  expect(Number.isInteger(body.totalResults)).toBe(true);
  expect(Array.isArray(body.Resources)).toBe(true);
  expect(body.itemsPerPage).toBe((body.Resources as unknown[]).length);
  for (const k of ['nextCursor', 'previousCursor'] as const) {
    // RFC 9865 §2: a cursor is made of RFC 3986 unreserved characters.
    if (body[k] !== undefined) expect(body[k]).toMatch(/^[A-Za-z0-9._~-]+$/);
  }
}

describe('ServiceProviderConfig (RFC 9865 §4)', () => {
  it('advertises cursor and index paging', async () => {
    const { list } = await listWith(0);
    const r = await list.req('GET', '/ServiceProviderConfig');
    expect(r.body.pagination).toEqual({ cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 100, maxPageSize: 1000, cursorTimeout: 3600 });
  });
});

describe('cursor paging (RFC 9865 §2)', () => {
  it('walks every user once, in creation order; nextCursor only before the last page, previousCursor only after the first', async () => {
    const { list, ids } = await listWith(23);
    const { pages, ids: seen } = await walk(list, '/Users', 'count=10');
    expect(seen).toEqual(ids);
    expect(pages.map((p) => p.ids.length)).toEqual([10, 10, 3]);
    expect(pages.map((p) => p.body.totalResults)).toEqual([23, 23, 23]);
    expect(pages[0]!.body.previousCursor).toBeUndefined();
    expect(pages[1]!.body.previousCursor).toBeDefined();
    expect(pages[2]!.body.nextCursor).toBeUndefined();
    // The previous cursor of page 3 gives page 2 again, and that page's own cursors work both ways.
    const back = await list.req('GET', `/Users?cursor=${pages[2]!.body.previousCursor}&count=10`);
    expect(back.status, back.text).toBe(200);
    expect(back.body.Resources.map((x: { id: string }) => x.id)).toEqual(pages[1]!.ids);
    const first = await list.req('GET', `/Users?cursor=${back.body.previousCursor}&count=10`);
    expect(first.body.Resources.map((x: { id: string }) => x.id)).toEqual(pages[0]!.ids);
    expect(first.body.previousCursor).toBeUndefined();
    const again = await list.req('GET', `/Users?cursor=${first.body.nextCursor}&count=10`);
    expect(again.body.Resources.map((x: { id: string }) => x.id)).toEqual(pages[1]!.ids);
  });

  it('a page size that divides the list ends without an empty page; count=0 gives totalResults and a cursor to start from', async () => {
    const { list, ids } = await listWith(10);
    const { pages } = await walk(list, '/Users', 'count=5');
    expect(pages.map((p) => p.ids.length)).toEqual([5, 5]);
    const zero = await list.req('GET', '/Users?cursor&count=0');
    expect(zero.body).toMatchObject({ totalResults: 10, itemsPerPage: 0, Resources: [] });
    const next = await list.req('GET', `/Users?cursor=${zero.body.nextCursor}&count=3`);
    expect(next.body.Resources.map((x: { id: string }) => x.id)).toEqual(ids.slice(0, 3));
  });

  it('with a filter and with sortBy (nullable and not) in both orders', async () => {
    const { list } = await listWith(17);
    const all = (await list.req('GET', '/Users?count=100')).body.Resources as { id: string; userName: string; title?: string }[];
    const odd = all.filter((u) => u.title === 'odd').map((u) => u.id);
    expect((await walk(list, '/Users', `count=2&filter=${encodeURIComponent('title eq "odd"')}`)).ids).toEqual(odd);
    const byName = [...all].sort((a, b) => (a.userName < b.userName ? -1 : 1)).map((u) => u.id);
    expect((await walk(list, '/Users', 'count=4&sortBy=userName')).ids).toEqual(byName);
    expect((await walk(list, '/Users', 'count=4&sortBy=userName&sortOrder=descending')).ids).toEqual([...byName].reverse());
    // title: "even" < "odd", then the users without one (nulls last), each run in creation order.
    const byTitle = [...all.filter((u) => u.title === 'even'), ...all.filter((u) => u.title === 'odd'), ...all.filter((u) => u.title === undefined)].map((u) => u.id);
    const walked = await walk(list, '/Users', 'count=3&sortBy=title');
    expect(walked.ids).toEqual(byTitle);
    expect((await walk(list, '/Users', 'count=3&sortBy=title&sortOrder=descending')).ids).toEqual([...byTitle].reverse());
    expect(walked.pages.every((p) => p.body.totalResults === 17)).toBe(true);
  });

  it('Groups, and POST /Users/.search with a cursor in the SearchRequest', async () => {
    const { list, ids } = await listWith(5);
    const groups: string[] = [];
    for (let i = 0; i < 7; i++) groups.push((await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `g${i}` })).body.id);
    expect((await walk(list, '/Groups', 'count=3')).ids).toEqual(groups);
    expect((await walk(list, '/Groups', 'count=3&sortBy=displayName&sortOrder=descending')).ids).toEqual([...groups].reverse());
    const seen: string[] = [];
    let cursor = '';
    for (let guard = 0; guard < 10; guard++) {
      const r = await list.req('POST', '/Users/.search', { schemas: [SEARCH], cursor, count: 2 });
      expect(r.status, r.text).toBe(200);
      expectListShape(r.body);
      seen.push(...r.body.Resources.map((x: { id: string }) => x.id));
      if (!r.body.nextCursor) break;
      cursor = r.body.nextCursor;
    }
    expect(seen).toEqual(ids);
  });

  it('refuses cursors that are not for this list, endpoint or query (invalidCursor), old ones (expiredCursor), and bad counts (invalidCount)', async () => {
    const { list } = await listWith(3);
    const { list: other } = await listWith(3);
    const first = await list.req('GET', '/Users?cursor=&count=1');
    const next = first.body.nextCursor as string;
    const expectError = async (path: string, scimType: string) => {
      const r = await list.req('GET', path);
      expect(r.status, r.text).toBe(400);
      expect(r.body.scimType).toBe(scimType);
      expect(r.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    };
    await expectError(`/Users?cursor=${next.slice(0, -2)}${next.endsWith('AA') ? 'BB' : 'AA'}`, 'invalidCursor');
    const [payload, mac] = next.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), s: 0 })).toString('base64url');
    await expectError(`/Users?cursor=${forged}.${mac}`, 'invalidCursor');
    await expectError('/Users?cursor=not-a-cursor', 'invalidCursor');
    await expectError(`/Groups?cursor=${next}`, 'invalidCursor');
    await expectError(`/Users?cursor=${next}&filter=${encodeURIComponent('userName pr')}`, 'invalidCursor');
    await expectError(`/Users?cursor=${next}&sortBy=userName`, 'invalidCursor');
    const r = await other.req('GET', `/Users?cursor=${next}`);
    expect([r.status, r.body.scimType]).toEqual([400, 'invalidCursor']);
    // A cursor issued two hours ago, under the installation's key, for this very query.
    const key = (await srv.muster.store.paging.cursorKey());
    const old = new CursorCodec(key, 3600).encode({ listId: list.id, rt: 'User', query: queryHash(undefined, undefined, undefined), direction: 'next', position: { seq: 1 }, issued: Math.floor(Date.now() / 1000) - 7200 });
    await expectError(`/Users?cursor=${old}`, 'expiredCursor');
    await expectError('/Users?cursor=&count=-1', 'invalidCount');
    await expectError('/Users?cursor=&startIndex=1', 'invalidValue');
    const root = await list.req('POST', '/.search', { schemas: [SEARCH], cursor: '' });
    expect(root.status).toBe(400);
  });
});

describe('index paging keeps working, with totalResults from the maintained count', () => {
  it('totalResults follows creates, deletes and Bulk, and equals a counted filter', async () => {
    const { list, ids } = await listWith(6);
    const total = async () => (await list.req('GET', '/Users?startIndex=1&count=2')).body.totalResults as number;
    const counted = async () => (await list.req('GET', `/Users?count=0&filter=${encodeURIComponent('userName pr')}`)).body.totalResults as number;
    expect([await total(), await counted()]).toEqual([6, 6]);
    expect((await list.req('DELETE', `/Users/${ids[0]}`)).status).toBe(204);
    expect((await list.req('DELETE', `/Users/${ids[1]}`)).status).toBe(204);
    const bulk = await list.req('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [1, 2, 3].map((i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: user(`bulk-${i}@example.com`) })),
    });
    expect(bulk.status, bulk.text).toBe(200);
    expect([await total(), await counted()]).toEqual([7, 7]);
    // A refused create (a duplicate userName) leaves the count alone: the trigger ran in the rolled-back transaction.
    expect((await list.req('POST', '/Users', user('bulk-1@example.com'))).status).toBe(409);
    expect(await total()).toBe(7);
    const page = await list.req('GET', '/Users?startIndex=3&count=2');
    expect(Object.keys(page.body).sort()).toEqual(['Resources', 'itemsPerPage', 'schemas', 'startIndex', 'totalResults']);
    expect(page.body).toMatchObject({ startIndex: 3, itemsPerPage: 2, totalResults: 7 });
    const groups = await list.req('GET', '/Groups');
    expect(groups.body.totalResults).toBe(0);
  });
});

describe('page sizes', () => {
  it('each count gets its own number of resources, in turn, by index, by cursor and by filter; on SQLite no statement binds its LIMIT', async () => {
    const { list, ids } = await listWith(5);
    // Five people sharing a displayName: a filter an index answers with several matches, in this process.
    const same: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await list.req('POST', '/Users', user(`same-${i}@example.com`, { displayName: 'Same Name' }));
      expect(r.status, r.text).toBe(201);
      same.push(r.body.id);
    }
    // Every statement this process runs on SQLite, by its text, and every statement sent to the lane
    // of whole-list reads (which runs them in a process of its own).
    const ran = new Set<string>();
    const laneRan = new Set<string>();
    const probe = new BetterSqlite3(':memory:');
    const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<'all' | 'get' | 'run' | 'iterate', (...a: unknown[]) => unknown>;
    probe.close();
    const spies: { mockRestore(): void }[] = [];
    try {
      for (const m of ['all', 'get', 'run', 'iterate'] as const) {
        const original = proto[m];
        spies.push(vi.spyOn(proto, m).mockImplementation(function (this: { source: string }, ...a: unknown[]) {
          ran.add(this.source);
          return original.apply(this, a);
        }));
      }
      const lane = ScanPool.prototype.all;
      spies.push(vi.spyOn(ScanPool.prototype, 'all').mockImplementation(function (this: ScanPool, listId: string, sqlText: string, parameters: readonly unknown[], gone?: CallerGone) {
        laneRan.add(sqlText);
        return lane.call(this, listId, sqlText, parameters, gone);
      }));
      const idsOf = (r: { body: { Resources: { id: string }[] } }) => r.body.Resources.map((x) => x.id);
      const all = [...ids, ...same];
      for (const count of [1, 3, 1, 5, 2, 7]) {
        expect(idsOf(await list.req('GET', `/Users?startIndex=1&count=${count}`))).toEqual(all.slice(0, count));
        expect(idsOf(await list.req('GET', `/Users?cursor=&count=${count}`))).toEqual(all.slice(0, count));
        expect(idsOf(await list.req('GET', `/Users?count=${count}&filter=${encodeURIComponent('userName sw "user-"')}`))).toEqual(ids.slice(0, count));
        expect(idsOf(await list.req('GET', `/Users?count=${count}&filter=${encodeURIComponent('displayName eq "Same Name"')}`))).toEqual(same.slice(0, count));
        expect(idsOf(await list.req('GET', `/Users?count=${count}&filter=${encodeURIComponent('userName eq "user-01@example.com"')}`))).toEqual([ids[1]]);
      }
      expect((await list.req('PATCH', `/Users/${ids[2]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] })).status).toBe(200);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    if (ENGINE === 'sqlite') {
      expect(ran.size).toBeGreaterThan(10);
      expect([...laneRan].some((s) => /\blimit\s+\d+/i.test(s))).toBe(true); // the lane's pages (userName sw) were watched
      expect([...ran, ...laneRan].filter((s) => /\blimit\s+\?/i.test(s))).toEqual([]);
    }
  });
});
