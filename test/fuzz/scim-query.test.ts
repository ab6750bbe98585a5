/**
 * Fuzzing SCIM queries (RFC 7644 §3.4.2 filter, sort and paging, §3.4.2.5 attributes and
 * excludedAttributes, §3.4.3 POST .search) and the admin API's roster search: a query never
 * changes anything, whatever it asks.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { SEARCH, attributeList, encodeQuery, filter, groupBody, mutate, mutation, nastyString, node, toJson, userBody } from './arbitraries.js';
import { CLOSE_TIMEOUT_MS, PROPERTY_TIMEOUT_MS, adminHeaders, assertAuditVerifies, check, scimHeaders, send, startFuzzServer, type FuzzServer } from './harness.js';
import type { TestList } from '../helpers/server.js';

const FILE = 'test/fuzz/scim-query.test.ts';
let f: FuzzServer;
let list: TestList;
let userId: string;
beforeAll(async () => {
  f = await startFuzzServer();
  // One list for every query: queries must leave it as it is, so runs cannot disturb each other.
  list = await f.srv.newList({ name: 'Fuzz queries' });
  const ids: string[] = [];
  for (const n of ['ada', 'grace', 'edsger']) ids.push((await list.req('POST', '/Users', userBody(n))).body.id);
  await list.req('POST', '/Groups', groupBody('all', ids));
  userId = ids[0]!;
});
afterAll(() => f?.close(), CLOSE_TIMEOUT_MS);

const query = fc.record({
  filter: fc.option(filter, { nil: undefined }),
  attributes: fc.option(attributeList, { nil: undefined }),
  excludedAttributes: fc.option(attributeList, { nil: undefined }),
  sortBy: fc.option(fc.oneof(fc.constantFrom('userName', 'meta.lastModified', 'displayName', '__proto__', 'name.__proto__'), nastyString), { nil: undefined }),
  sortOrder: fc.option(fc.oneof(fc.constantFrom('ascending', 'descending'), nastyString), { nil: undefined }),
  startIndex: fc.option(fc.oneof(fc.integer().map(String), nastyString), { nil: undefined }),
  count: fc.option(fc.oneof(fc.integer({ min: -5, max: 100_000 }).map(String), nastyString), { nil: undefined }),
}, { requiredKeys: [] });

describe('SCIM queries', () => {
  it('GET with filter, attributes, sorting and paging: never 5xx, changes nothing', async () => {
    await check(FILE, fc.asyncProperty(fc.constantFrom('/Users', '/Groups', '/Users/ID', '/Groups/nope'), query, async (path, q) => {
      const params = Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeQuery(Array.isArray(v) ? v.join(',') : String(v))}`).join('&');
      await send(f, list.id, { method: 'GET', url: `${list.base}${path.replace('ID', userId)}?${params}`, headers: scimHeaders(list.token) }, { readOnly: true });
      await assertAuditVerifies(f, list.id);
    }), 80);
  }, PROPERTY_TIMEOUT_MS);

  it('POST .search with a mutated SearchRequest: never 5xx, changes nothing', async () => {
    await check(FILE, fc.asyncProperty(fc.constantFrom('/Users/.search', '/Groups/.search', '/.search'), query, mutation, async (path, q, m) => {
      const body = Object.fromEntries(Object.entries({ schemas: [SEARCH], ...q }).filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, k === 'startIndex' || k === 'count' ? (Number.isFinite(Number(v)) ? Number(v) : v) : v]));
      await send(f, list.id, { method: 'POST', url: list.base + path, headers: scimHeaders(list.token), body: toJson(mutate(node(body), m)) }, { readOnly: true });
      await assertAuditVerifies(f, list.id);
    }), 60);
  }, PROPERTY_TIMEOUT_MS);

  it('the admin roster search, sort and paging: never 5xx, changes nothing', async () => {
    const p = fc.record({
      search: nastyString, sort: fc.oneof(fc.constantFrom('created', 'lastModified', 'work_email', '__proto__', 'constructor'), nastyString),
      status: fc.oneof(fc.constantFrom('active', 'deactivated'), nastyString), order: fc.constantFrom('asc', 'desc'),
      offset: fc.oneof(fc.nat().map(String), nastyString), limit: fc.oneof(fc.integer({ min: -1, max: 1000 }).map(String), nastyString),
    }, { requiredKeys: [] });
    await check(FILE, fc.asyncProperty(p, async (q) => {
      const params = Object.entries(q).map(([k, v]) => `${k}=${encodeQuery(v)}`).join('&');
      await send(f, list.id, { method: 'GET', url: `${f.srv.origin}/api/v1/lists/${list.id}/people?${params}`, headers: adminHeaders(f) }, { readOnly: true });
    }), 40);
  }, PROPERTY_TIMEOUT_MS);
});
