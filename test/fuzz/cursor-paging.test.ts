/**
 * RFC 9865 cursor paging over a list that changes while it is paged: whatever is created, deleted
 * or updated between and during page requests, a person who existed from the first page to the
 * last (and whose sort key did not change) is returned exactly once, and no one is returned
 * twice. Keyset pages make this hold; OFFSET paging would skip or repeat people when rows before
 * the offset come and go.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_TIMEOUT_MS, PROPERTY_TIMEOUT_MS, check } from './harness.js';
import { startServer, user, type TestList, type TestServer } from '../helpers/server.js';

const FILE = 'test/fuzz/cursor-paging.test.ts';
let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv?.close(), CLOSE_TIMEOUT_MS);

/** What happens to the list while one page is being read (sent at the same time as the page request). */
const change = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), title: fc.boolean() }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('retitle' as const), pick: fc.nat() }),
);

const scenario = fc.record({
  stable: fc.integer({ min: 1, max: 12 }),
  volatile: fc.integer({ min: 0, max: 8 }),
  pageSize: fc.integer({ min: 1, max: 6 }),
  query: fc.constantFrom(
    '', 'sortBy=userName', 'sortBy=userName&sortOrder=descending', `filter=${encodeURIComponent('title pr')}`,
    `filter=${encodeURIComponent('title pr')}&sortBy=userName&sortOrder=descending`, 'sortOrder=descending',
  ),
  changes: fc.array(fc.array(change, { maxLength: 4 }), { minLength: 1, maxLength: 12 }),
});

let lists = 0;
async function create(list: TestList, name: string, title: boolean): Promise<string> {
  const r = await list.req('POST', '/Users', user(`${name}@example.com`, title ? { title: 'T' } : {}));
  if (r.status !== 201) throw new Error(`create ${name}: HTTP ${r.status} ${r.text}`);
  return r.body.id;
}

describe('cursor paging while the list changes (RFC 9865)', () => {
  it('never repeats anyone, and never skips anyone who existed throughout', async () => {
    await check(FILE, fc.asyncProperty(scenario, async (s) => {
      // A fresh list per run: nothing is shared between runs.
      const list = await srv.newList({ name: `Cursor run ${++lists}` });
      const stable = new Set<string>();
      const volatile: string[] = [];
      let made = 0;
      // Stable and volatile people interleaved, so that deletions fall before, inside and after every page.
      for (let i = 0; i < Math.max(s.stable, s.volatile); i++) {
        if (i < s.stable) stable.add(await create(list, `s${i}`, true));
        if (i < s.volatile) volatile.push(await create(list, `v${made++}`, i % 2 === 0));
      }
      const seen: string[] = [];
      let cursor = '';
      for (let page = 0; page < 200; page++) {
        const changes = s.changes[page % s.changes.length]!;
        const work = changes.map(async (c) => {
          if (c.kind === 'create') {
            volatile.push(await create(list, `v${made++}`, c.title));
          } else if (c.kind === 'delete' && volatile.length) {
            const [id] = volatile.splice(c.pick % volatile.length, 1);
            const r = await list.req('DELETE', `/Users/${id}`);
            if (r.status !== 204) throw new Error(`delete: HTTP ${r.status} ${r.text}`);
          } else if (c.kind === 'retitle') {
            // An update that changes neither the filter's outcome nor the sort key (userName).
            const ids = [...stable];
            const r = await list.req('PATCH', `/Users/${ids[c.pick % ids.length]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `T${page}` }] });
            if (r.status !== 200 && r.status !== 204) throw new Error(`patch: HTTP ${r.status} ${r.text}`);
          }
        });
        const [r] = await Promise.all([list.req('GET', `/Users?cursor=${encodeURIComponent(cursor)}&count=${s.pageSize}${s.query ? `&${s.query}` : ''}`), ...work]);
        if (r.status !== 200) throw new Error(`page ${page}: HTTP ${r.status} ${r.text}`);
        seen.push(...r.body.Resources.map((u: { id: string }) => u.id));
        if (r.body.nextCursor === undefined) break;
        cursor = r.body.nextCursor;
      }
      const counts = new Map<string, number>();
      for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
      expect([...counts].filter(([, n]) => n > 1), 'returned twice').toEqual([]);
      expect([...stable].filter((id) => !counts.has(id)), 'skipped although it existed throughout').toEqual([]);
    }), 12);
  }, PROPERTY_TIMEOUT_MS);
});
