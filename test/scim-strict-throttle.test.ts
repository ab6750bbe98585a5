import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patch, startServer, user, type TestServer } from './helpers/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv.close());

describe('strict mode', () => {
  it('refuses non-RFC forms with an error naming the rule, accepts RFC requests, and is recorded', async () => {
    const list = await srv.newList({ name: 'Strict' });
    const lenient = await srv.newList({ name: 'Lenient' });
    const configured = await srv.muster.lists.configure(list.id, { strict: true });
    expect(configured.strict).toBe(true);
    const id = (await list.req('POST', '/Users', user('strict@example.com'))).body.id;
    const pascal = await list.req('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'x' }));
    expect(pascal.status).toBe(400);
    expect(pascal.body.scimType).toBe('invalidSyntax');
    expect(pascal.body.detail).toMatch(/strict mode refuses this request: RFC 7644 §3\.5\.2: "op" is one of/);
    const falseString = await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: 'False' }));
    expect(falseString.status).toBe(400);
    expect(falseString.body.scimType).toBe('invalidValue');
    expect((await list.req('GET', '/users')).status).toBe(400); // endpoint-case
    expect((await list.req('GET', `/Users/${id}`)).body.active).toBe(true); // nothing half-applied
    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(200);
    // RFC 7644 §3.5.1 lets readOnly values be ignored: strict mode accepts an Okta-style PUT with id and meta.
    const got = (await list.req('GET', `/Users/${id}`)).body;
    expect((await list.req('PUT', `/Users/${id}`, got)).status).toBe(200);
    // The same requests are accepted on a list with strict mode off (the default).
    const lid = (await lenient.req('POST', '/Users', user('lenient@example.com'))).body.id;
    expect((await lenient.req('PATCH', `/Users/${lid}`, patch({ op: 'Replace', path: 'active', value: 'False' }))).status).toBe(200);
    const ev = await srv.muster.store.audit.query({ listId: list.id, actions: ['list.configured'], order: 'asc', limit: 10 });
    expect(JSON.parse(ev[0]!.changes)).toEqual([{ field: 'strict', before: false, after: true }]);
  });
});

describe('throttling per token', () => {
  let limitedSrv: TestServer;
  // The limiter reads this frozen clock (milliseconds), moved on by the test: the counts are exact
  // however slowly this machine answers the burst.
  const clock = { t: Date.now() };
  beforeAll(async () => {
    limitedSrv = await startServer({ MUSTER_RATE_LIMIT: '4', MUSTER_RATE_LIMIT_BURST: '6' }, { muster: { limitsClock: () => clock.t } });
  });
  afterAll(() => limitedSrv.close());

  it('answers a burst past the limit with 429, a SCIM error and Retry-After, then recovers', async () => {
    const list = await limitedSrv.newList({ name: 'Throttled' });
    const other = await limitedSrv.newList({ name: 'Other token' });
    const results = await Promise.all(Array.from({ length: 12 }, () => list.req('GET', '/Users?count=1')));
    const limited = results.filter((r) => r.status === 429);
    // The burst (6) is admitted, the rest refused: no time passes on the limiter's clock.
    expect(results.filter((r) => r.status === 200).length).toBe(6);
    expect(limited.length).toBe(6);
    const r = limited[0]!;
    expect(r.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429' });
    const wait = Number(r.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    // Another token is not slowed down by this one.
    expect((await other.req('GET', '/Users?count=1')).status).toBe(200);
    expect((await list.req('GET', '/Users?count=1')).status).toBe(429);
    clock.t += wait * 1000;
    expect((await list.req('GET', '/Users?count=1')).status).toBe(200);
  });
});
