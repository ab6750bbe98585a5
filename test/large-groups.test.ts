/**
 * Large groups are sent as they are read (docs/scim.md, "Large groups"): from
 * MUSTER_GROUP_STREAM_FROM members a group read streams its members a page at a time instead of
 * building the whole answer in memory. Here the threshold is 5, so a 12-member group streams, and
 * a second node over the same database, with the default threshold, builds the same answers whole:
 * for any projection, both must say the same.
 */
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startServer, user, type ScimResult, type TestList, type TestServer } from './helpers/server.js';
import { params } from './fuzz/harness.js';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

type Person = { id: string; userName: string };
let streaming: TestServer;
let whole: TestServer;
/**
 * The list of the groups Everyone (12 members), Two and Nobody, made once and only read: a test
 * that writes groups makes a list of its own (`listOfTwelve`).
 */
let list: TestList;
let people: Person[];
let big: string, small: string, empty: string;

/** The same request to the other node, with the list's token. */
const onWhole = (method: string, path: string, body?: unknown, of: TestList = list): Promise<ScimResult> =>
  call(`${of.base.replace(streaming.origin, whole.origin)}${path}`, {
    method, headers: { authorization: `Bearer ${of.token}`, 'content-type': 'application/scim+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** A new list on the streaming node with twelve people, Member 0 to Member 11, and no group. */
async function listOfTwelve(name: string): Promise<{ list: TestList; people: Person[] }> {
  const made = await streaming.newList({ name });
  const twelve: Person[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await made.req('POST', '/Users', user(`member${i}@example.org`, { displayName: `Member ${i}` }));
    expect(r.status, r.text).toBe(201);
    twelve.push({ id: r.body.id as string, userName: `member${i}@example.org` });
  }
  return { list: made, people: twelve };
}

/** Members in one order, so that answers compare whatever order each node sent them in. */
function sorted(doc: unknown): unknown {
  if (Array.isArray(doc)) return doc.map(sorted);
  if (doc === null || typeof doc !== 'object') return doc;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    // By each member's whole JSON: a projection may leave `value` out (attributes=members.display).
    out[k] = k === 'members' && Array.isArray(v) ? v.map((m) => JSON.stringify(sorted(m))).sort().map((m) => JSON.parse(m) as unknown) : sorted(v);
  }
  return out;
}

beforeAll(async () => {
  streaming = await startServer({ MUSTER_GROUP_STREAM_FROM: '5', MUSTER_METRICS_TOKEN: METRICS_TOKEN });
  whole = await startServer({}, { sharing: streaming });
  ({ list, people } = await listOfTwelve('Large groups'));
  const group = async (displayName: string, members: typeof people) => {
    const r = await list.req('POST', '/Groups', { schemas: [GROUP], displayName, members: members.map((p) => ({ value: p.id })) });
    expect(r.status, r.text).toBe(201);
    return r.body.id as string;
  };
  big = await group('Everyone', people);
  small = await group('Two', people.slice(0, 2));
  empty = await group('Nobody', []);
}, 120_000);

afterAll(async () => {
  await whole.close();
  await streaming.close();
});

describe('a group of many members, sent as it is read', () => {
  it('GET answers every member once, with its reference and display, after the group\'s other attributes', async () => {
    const r = await list.req('GET', `/Groups/${big}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/scim\+json/);
    expect(r.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    // Sent as read (chunked, no length known in advance); the small group is one string with its length.
    expect(r.headers.get('content-length')).toBeNull();
    expect((await list.req('GET', `/Groups/${small}`)).headers.get('content-length')).not.toBeNull();
    expect((await onWhole('GET', `/Groups/${big}`)).headers.get('content-length')).not.toBeNull();
    expect(r.body).toMatchObject({ schemas: [GROUP], id: big, displayName: 'Everyone', meta: { resourceType: 'Group', location: `${list.base}/Groups/${big}` } });
    const members = r.body.members as { value: string; $ref: string; type: string; display: string }[];
    expect(members.map((m) => m.value).sort()).toEqual(people.map((p) => p.id).sort());
    for (const m of members) {
      expect(m).toEqual({ value: m.value, $ref: `${list.base}/Users/${m.value}`, type: 'User', display: `Member ${people.findIndex((p) => p.id === m.value)}` });
    }
    // A conditional GET still answers 304 without a body.
    const again = await call(`${list.base}/Groups/${big}`, { headers: { authorization: `Bearer ${list.token}`, 'if-none-match': r.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('honours attributes and excludedAttributes on the members it streams', async () => {
    const values = await list.req('GET', `/Groups/${big}?attributes=members.value`);
    expect(values.status).toBe(200);
    expect(Object.keys(values.body).sort()).toEqual(['id', 'members', 'schemas']);
    expect((values.body.members as object[]).every((m) => Object.keys(m).join() === 'value')).toBe(true);
    expect(values.body.members).toHaveLength(12);
    const without = await list.req('GET', `/Groups/${big}?excludedAttributes=members`);
    expect(without.body.members).toBeUndefined();
    expect(without.body.displayName).toBe('Everyone');
  });

  it('lists, cursor pages and searches hold the large group streamed beside small and empty ones', async () => {
    const listed = await list.req('GET', '/Groups?sortBy=displayName');
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 3 });
    const byName = new Map((listed.body.Resources as { displayName: string; members?: unknown[] }[]).map((g) => [g.displayName, g]));
    expect(byName.get('Everyone')?.members).toHaveLength(12);
    expect(byName.get('Two')?.members).toHaveLength(2);
    expect(byName.get('Nobody')?.members).toBeUndefined();

    const first = await list.req('GET', '/Groups?cursor&count=1&sortBy=displayName');
    expect(first.status, first.text).toBe(200);
    expect(first.body.Resources).toHaveLength(1);
    expect(first.body.Resources[0]).toMatchObject({ id: big, displayName: 'Everyone' });
    expect(first.body.Resources[0].members).toHaveLength(12);
    expect(typeof first.body.nextCursor).toBe('string');

    const searched = await list.req('POST', '/Groups/.search', { schemas: [SEARCH], filter: 'displayName eq "Everyone"' });
    expect(searched.status).toBe(200);
    expect(searched.body.Resources[0].members).toHaveLength(12);
    const root = await list.req('POST', '/.search', { schemas: [SEARCH], filter: 'displayName eq "Everyone"' });
    expect(root.status).toBe(200);
    expect(root.body.Resources.find((g: { id: string }) => g.id === big)?.members).toHaveLength(12);
  });

  it('a write\'s answer streams too, narrowed as asked, and the request log keeps a note instead of the body', async () => {
    const { list, people } = await listOfTwelve('Written groups');
    const created = await list.req('POST', '/Groups', { schemas: [GROUP], displayName: 'Six', members: people.slice(0, 6).map((p) => ({ value: p.id })) });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('content-length')).toBeNull();
    expect(created.headers.get('location')).toBe(`${list.base}/Groups/${created.body.id}`);
    expect(created.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    expect((created.body.members as { value: string }[]).map((m) => m.value).sort()).toEqual(people.slice(0, 6).map((p) => p.id).sort());

    // Okta and OneLogin PUT a group's name alone: membership stays, and the answer holds it.
    const put = await list.req('PUT', `/Groups/${created.body.id}`, { schemas: [GROUP], displayName: 'Six renamed' });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ id: created.body.id, displayName: 'Six renamed' });
    expect(put.body.members).toHaveLength(6);

    const patched = await list.req('PATCH', `/Groups/${created.body.id}?attributes=members.value`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: people[6]!.id }] }],
    });
    expect(patched.status, patched.text).toBe(200);
    expect(Object.keys(patched.body).sort()).toEqual(['id', 'members', 'schemas']);
    expect((patched.body.members as { value: string }[]).map((m) => m.value).sort()).toEqual(people.slice(0, 7).map((p) => p.id).sort());
    const bare = await list.req('PATCH', `/Groups/${created.body.id}?excludedAttributes=members`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Seven' }],
    });
    expect(bare.status).toBe(200);
    expect(bare.body.members).toBeUndefined();
    expect(bare.headers.get('content-length')).not.toBeNull();

    await streaming.muster.requestLog.flush();
    const org = await streaming.muster.lists.resolveOrganisation('Test organisation');
    const key = await streaming.adminKey(org.id);
    const log = await fetch(`${streaming.origin}/api/v1/lists/${list.id}/request-log?requestId=${put.headers.get('x-request-id')}`, { headers: { authorization: `Bearer ${key}` } });
    const entries = ((await log.json()) as { requests: { status: number; responseBody: unknown }[] }).requests;
    expect(entries.map((e) => e.status)).toEqual([200]);
    expect(JSON.stringify(entries[0]!.responseBody)).toMatch(/sent as it was read: not kept/);
  });

  it('a page of groups each under the threshold, together over it, is streamed too', async () => {
    const { list, people } = await listOfTwelve('Small groups');
    const made: string[] = [];
    for (const [name, n] of [['Under three', 3], ['Under four', 4]] as const) {
      const r = await list.req('POST', '/Groups', { schemas: [GROUP], displayName: name, members: people.slice(0, n).map((p) => ({ value: p.id })) });
      expect(r.status, r.text).toBe(201);
      made.push(r.body.id as string);
    }
    try {
      // 3 and 4 members: each under 5 (MUSTER_GROUP_STREAM_FROM here), 7 together.
      const one = await list.req('GET', `/Groups/${made[0]}`);
      expect(one.headers.get('content-length')).not.toBeNull();
      const q = `/Groups?filter=${encodeURIComponent('displayName sw "under"')}&sortBy=displayName`;
      const both = await list.req('GET', q);
      expect(both.status, both.text).toBe(200);
      expect(both.headers.get('content-length')).toBeNull();
      expect((both.body.Resources as { displayName: string; members: unknown[] }[]).map((g) => [g.displayName, g.members.length])).toEqual([['Under four', 4], ['Under three', 3]]);
      expect(sorted(both.body)).toEqual(sorted(JSON.parse((await onWhole('GET', q, undefined, list)).text.replaceAll(whole.origin, streaming.origin))));
    } finally {
      for (const id of made) await list.req('DELETE', `/Groups/${id}`);
    }
  });

  it('says what a node that builds the answer whole says, for any projection (property)', async () => {
    const attr = fc.constantFrom('displayName', 'members', 'members.value', 'members.display', 'members.$ref', 'members.type', 'externalId', 'meta', 'meta.version', 'id');
    const projection = fc.record({ attributes: fc.uniqueArray(attr, { maxLength: 3 }), excluded: fc.uniqueArray(attr, { maxLength: 3 }), group: fc.constantFrom('big', 'small', 'empty', 'list') });
    await fc.assert(fc.asyncProperty(projection, async ({ attributes, excluded, group }) => {
      const q = new URLSearchParams();
      if (attributes.length) q.set('attributes', attributes.join(','));
      else if (excluded.length) q.set('excludedAttributes', excluded.join(','));
      const path = group === 'list' ? `/Groups?sortBy=displayName&${q}` : `/Groups/${{ big, small, empty }[group]}?${q}`;
      const [a, b] = [await list.req('GET', path), await onWhole('GET', path)];
      expect(a.status, a.text).toBe(b.status);
      expect(a.body, `streamed answer to ${path} is JSON`).toBeDefined();
      // The other node names itself in every $ref and location.
      expect(sorted(a.body)).toEqual(sorted(b.text ? JSON.parse(b.text.replaceAll(whole.origin, streaming.origin)) : undefined));
    }), params(40));
  }, 120_000);
});

describe('a client that leaves a large group\'s answer', () => {
  /** Requests the node is serving now, and group reads it has answered, from GET /metrics (which counts itself). */
  const gauges = async () => {
    const text = await (await fetch(`${streaming.origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const inFlight = Number(/^muster_http_requests_in_flight (\d+)/m.exec(text)?.[1]);
    const groupReads = [...text.matchAll(/^muster_http_requests_total\{method="GET",route="[^"]*\/Groups\/:id"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    return { inFlight, groupReads };
  };

  it('leaves nothing in flight, whether it leaves before the answer starts or in the middle of it', async () => {
    // 700 members: about 90 KB of members, more than the first chunk of the answer (64 KiB).
    const crowd = await streaming.newList({ name: 'Crowd' });
    const ops = Array.from({ length: 700 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `p${i}`, data: user(`crowd${i}@example.org`, { displayName: `Crowd Member ${i}` }) }));
    const bulk = await crowd.req('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: ops });
    expect(bulk.status, bulk.text.slice(0, 300)).toBe(200);
    const ids = (bulk.body.Operations as { location: string; status: string }[]).map((o) => { expect(o.status).toBe('201'); return o.location.split('/').pop()!; });
    const g = await crowd.req('POST', '/Groups?excludedAttributes=members', { schemas: [GROUP], displayName: 'Crowd', members: ids.map((value) => ({ value })) });
    expect(g.status, g.text).toBe(201);
    const whole = await crowd.req('GET', `/Groups/${g.body.id}`);
    expect(whole.text.length).toBeGreaterThan(70_000);
    expect(whole.body.members).toHaveLength(700);

    const before = await gauges();
    const url = new URL(`${crowd.base}/Groups/${g.body.id}`);
    const request = `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${crowd.token}\r\n\r\n`;
    // One hangs up as soon as the request is written, one after the answer's first bytes.
    for (const leaveAfterFirstBytes of [false, true]) {
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(Number(url.port), url.hostname, () => {
          socket.write(request);
          if (!leaveAfterFirstBytes) { socket.destroy(); resolve(); }
        });
        socket.once('data', () => { socket.destroy(); resolve(); });
        socket.once('error', reject);
      });
    }
    // Both requests are answered (counted once their answer ended) and none is left in flight:
    // only the metrics request itself.
    for (let i = 0; ; i++) {
      const now = await gauges();
      if (now.groupReads === before.groupReads + 2 && now.inFlight === 1) break;
      if (i > 200) throw new Error(`still in flight: ${JSON.stringify({ before, now })}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  });
});
