import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let srv: TestServer;
let list: TestList;
let other: TestList;

beforeAll(async () => {
  srv = await startServer({ MUSTER_MAX_BODY_BYTES: '4096' });
  list = await srv.newList();
  other = await srv.newList({ name: 'Other' });
});
afterAll(() => srv.close());

const isScimError = (body: { schemas: string[]; status: string; detail: string }, status: number) => {
  expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  expect(body.status).toBe(String(status));
  expect(body.detail.length).toBeGreaterThan(5);
};

describe('authentication', () => {
  it.each([
    ['no header', {}],
    ['wrong scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['unknown token', { authorization: 'Bearer mst_scim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
  ])('%s: 401 with WWW-Authenticate: Bearer', async (_n, headers) => {
    const r = await call(`${list.base}/Users`, { headers });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    isScimError(r.body, 401);
  });

  it('a token of one list gets 401 on every other list and on the admin API', async () => {
    for (const path of ['/Users', '/Groups', '/ServiceProviderConfig', '/Schemas', '/Bulk']) {
      const r = await call(`${other.base}${path}`, { headers: { authorization: `Bearer ${list.token}` } });
      expect(r.status, path).toBe(401);
    }
    const admin = await call(`${srv.origin}/api/lists`, { headers: { authorization: `Bearer ${list.token}` } });
    expect(admin.status).toBe(401);
  });

  it('a revoked token stops working at once; another token of the list keeps working (rotation)', async () => {
    const second = await srv.muster.lists.createToken(list.id, 'Okta production');
    const h = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });
    expect((await call(`${list.base}/Users`, h(second.secret))).status).toBe(200);
    await srv.muster.lists.revokeToken(list.id, second.token.id);
    expect((await call(`${list.base}/Users`, h(second.secret))).status).toBe(401);
    expect((await call(`${list.base}/Users`, h(list.token))).status).toBe(200);
    const tokens = await srv.muster.lists.listTokens(list.id);
    expect(tokens.find((t) => t.id === second.token.id)?.revokedAt).toBeTruthy();
    expect(tokens.find((t) => t.label === 'Initial token')?.lastUsedAt).toBeTruthy();
    expect(JSON.stringify(tokens)).not.toContain(list.token);
  });
});

describe('bad input gets a clear SCIM error and changes nothing', () => {
  it('malformed JSON is 400 invalidSyntax', async () => {
    const r = await list.req('POST', '/Users', '{"userName": "x",');
    expect(r.status).toBe(400);
    expect(r.body.scimType).toBe('invalidSyntax');
  });

  it('a body that is not an object, or empty, is 400', async () => {
    for (const body of ['[]', '"text"', '42', 'null', '']) {
      const r = await list.req('POST', '/Users', body);
      expect(r.status, body).toBe(400);
    }
  });

  it('a body over the limit is 413, whether or not Content-Length says so', async () => {
    const big = JSON.stringify(user('big@example.com', { title: 'x'.repeat(10_000) }));
    const r = await list.req('POST', '/Users', big);
    expect(r.status).toBe(413);
    isScimError(r.body, 413);
    const chunked = await call(`${list.base}/Users`, {
      method: 'POST', headers: { authorization: `Bearer ${list.token}`, 'content-type': 'application/json' },
      body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } }), duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const f = await list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "big@example.com"')}`);
    expect(f.body.totalResults).toBe(0);
  });

  it('an unsupported media type is 415', async () => {
    const r = await list.req('POST', '/Users', '<user/>', { 'content-type': 'application/xml' });
    expect(r.status).toBe(415);
  });

  it('wrong types are 400 invalidValue', async () => {
    for (const bad of [{ userName: 42, active: 'perhaps' }, { userName: 'a@b.c', name: 'not an object' }, { userName: 'a@b.c', emails: [{ value: true }] }]) {
      const r = await list.req('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.scimType).toBe('invalidValue');
    }
  });

  it('unknown resources are 404, wrong methods 405 with Allow, unknown endpoints 404', async () => {
    expect((await list.req('GET', '/Users/0')).status).toBe(404); // PingFederate probes /Users/0
    const m = await list.req('DELETE', '/Users');
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('GET, POST');
    expect((await list.req('GET', '/Nope')).status).toBe(404);
    expect((await list.req('GET', '/Users/a/b')).status).toBe(404);
    expect((await call(`${srv.origin}/scim/v2/lists/does-not-exist/Users`, { headers: { authorization: `Bearer ${list.token}` } })).status).toBe(401);
  });

  it('a huge startIndex is an empty page, and a broken percent-escape a 404, never a 500', async () => {
    const r = await list.req('GET', '/Users?startIndex=1e20');
    expect(r.status).toBe(200);
    expect(r.body.Resources).toEqual([]);
    expect((await list.req('GET', '/Users/%E0%A4%A')).status).toBe(404);
    expect((await list.req('DELETE', '/Users/%E0%A4%A')).status).toBe(404);
    const bulk = await list.req('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: user('escape.bulk@example.com') }, { method: 'DELETE', path: '/Users/%E0%A4%A' }],
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.Operations.map((o: { status: string }) => o.status)).toEqual(['201', '400']);
  });

  it('bad paging parameters are 400 invalidValue', async () => {
    const r = await list.req('GET', '/Users?count=ten');
    expect(r.status).toBe(400);
    expect(r.body.scimType).toBe('invalidValue');
    expect((await list.req('GET', '/Users?sortOrder=sideways')).status).toBe(400);
  });

  it('no request of any shape produces a 500', async () => {
    const rnd = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(Math.random() * 94))).join('');
    const shapes: unknown[] = [
      { Operations: [{ op: 'add', path: 'emails[value eq "x"].type', value: { nested: [1, 2] } }] },
      { schemas: [], userName: { a: 1 } }, { userName: 'x', 'urn:x': 5 }, { userName: 'y', emails: 'not-a-list@x' },
      { userName: 'z', name: { givenName: ['a'] } }, { userName: 'w', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': [] },
    ];
    for (let i = 0; i < 60; i++) shapes.push(rnd(1 + (i % 40)));
    const created = (await list.req('POST', '/Users', user('fuzz.target@example.com'))).body.id;
    for (const s of shapes) {
      const body = typeof s === 'string' ? s : JSON.stringify(s);
      for (const [method, path] of [['POST', '/Users'], ['PUT', `/Users/${created}`], ['PATCH', `/Users/${created}`], ['POST', '/Groups'], ['POST', '/Bulk'], ['POST', '/Users/.search']]) {
        const r = await list.req(method!, path!, body);
        expect(r.status, `${method} ${path} ${body}`).toBeLessThan(500);
      }
      const q = await list.req('GET', `/Users?filter=${encodeURIComponent(typeof s === 'string' ? s : 'userName eq "x"')}&sortBy=${encodeURIComponent(rnd(5))}`);
      expect(q.status).toBeLessThan(500);
    }
  });
});
