import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE, NEW_ID, USER_SCHEMA, patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';

// One list for the file: each test writes only people of its own userNames and externalIds, and
// reads nothing of the others (no count or list of the whole list).
let srv: TestServer;
let list: TestList;

beforeAll(async () => {
  srv = await startServer();
  list = await srv.newList();
});
afterAll(() => srv.close());

describe('Users: create, read, replace, delete (RFC 7644 §3.3–§3.6)', () => {
  it('creates a user: 201, Location, ETag and meta', async () => {
    const r = await list.req('POST', '/Users', user('create.me@example.com', { externalId: 'ext-create' }));
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(r.body.id).toMatch(NEW_ID);
    expect(r.headers.get('location')).toBe(`${list.base}/Users/${r.body.id}`);
    expect(r.headers.get('etag')).toBe('W/"1"');
    expect(r.body.meta).toMatchObject({ resourceType: 'User', location: `${list.base}/Users/${r.body.id}`, version: 'W/"1"' });
    expect(Date.parse(r.body.meta.created)).not.toBeNaN();
    expect(r.body.meta.lastModified).toBe(r.body.meta.created);
    expect(r.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE].filter((s) => s !== ENTERPRISE));
  });

  it('accepts application/json and no Accept header', async () => {
    const r = await fetch(`${list.base}/Users`, {
      method: 'POST', headers: { authorization: `Bearer ${list.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(user('json.body@example.com')),
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  });

  it('never returns the password, and ignores readOnly attributes on write', async () => {
    const r = await list.req('POST', '/Users', user('pw@example.com', { password: 'S3cret!', id: 'client-chosen', meta: { created: 'x' }, groups: [{ value: 'g' }] }));
    expect(r.status).toBe(201);
    expect(r.body.password).toBeUndefined();
    expect(r.body.id).not.toBe('client-chosen');
    expect(r.body.groups).toBeUndefined();
    const g = await list.req('GET', `/Users/${r.body.id}?attributes=password,userName`);
    expect(g.body.password).toBeUndefined();
    expect(g.body.userName).toBe('pw@example.com');
  });

  it('refuses a user without userName (400 invalidValue) and a clash (409 uniqueness), case-insensitively', async () => {
    const missing = await list.req('POST', '/Users', { schemas: [USER_SCHEMA], name: { givenName: 'No' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ scimType: 'invalidValue', status: '400' });
    await list.req('POST', '/Users', user('Dupe@Example.com'));
    const clash = await list.req('POST', '/Users', user('dupe@example.COM'));
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409', scimType: 'uniqueness' });
  });

  it('enforces externalId uniqueness per list, and not across lists', async () => {
    const a = await list.req('POST', '/Users', user('ext1@example.com', { externalId: 'E-1' }));
    expect(a.status).toBe(201);
    const b = await list.req('POST', '/Users', user('ext2@example.com', { externalId: 'E-1' }));
    expect(b.status).toBe(409);
    expect(b.body.detail).toMatch(/externalId/);
    const other = await srv.newList({ name: 'Other' });
    expect((await other.req('POST', '/Users', user('ext1@example.com', { externalId: 'E-1' }))).status).toBe(201);
  });

  it('round-trips exactly what the IdP wrote: Okta GETs and PUTs the resource back unchanged', async () => {
    const body = user('roundtrip@example.com', {
      externalId: '00u1', displayName: 'Ada Lovelace', title: 'Engineer', locale: 'en-GB', timezone: 'Europe/London',
      phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work' }],
      addresses: [{ type: 'work', streetAddress: '1 Main St', locality: 'London', country: 'GB', primary: true }],
      [ENTERPRISE]: { employeeNumber: '0042', department: 'R&D', manager: { value: 'mgr-1' } },
      'urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User': { costCode: 'CC-9', badge: 7 },
    });
    const created = await list.req('POST', '/Users', body);
    expect(created.status).toBe(201);
    const got = await list.req('GET', `/Users/${created.body.id}`);
    const { meta: _m, ...resource } = got.body;
    const put = await list.req('PUT', `/Users/${created.body.id}`, resource);
    expect(put.status).toBe(200);
    const { meta: m2, ...after } = put.body;
    expect(after).toEqual(resource);
    expect(m2.version).toBe('W/"1"'); // nothing changed: same version, no new ETag, no audit event
    expect(after['urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User']).toEqual({ costCode: 'CC-9', badge: 7 });
    expect(after[ENTERPRISE].manager).toEqual({ value: 'mgr-1' });
  });

  it('PUT replaces: attributes left out are cleared', async () => {
    const c = await list.req('POST', '/Users', user('replace@example.com', { title: 'Old title', nickName: 'Nick' }));
    // In a group, so that the answer's `groups` is compared with a GET's too.
    const g = await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'PUT replaces', members: [{ value: c.body.id }] });
    expect([c.status, g.status]).toEqual([201, 201]);
    const put = await list.req('PUT', `/Users/${c.body.id}`, { schemas: [USER_SCHEMA], userName: 'replace@example.com', title: 'New title' });
    expect(put.status).toBe(200);
    expect(put.body.title).toBe('New title');
    expect(put.body.nickName).toBeUndefined();
    expect(put.body.name).toBeUndefined();
    // The answer (rendered from the document stored, not read back) is what a GET then gives.
    const got = await list.req('GET', `/Users/${c.body.id}`);
    expect(put.body).toEqual(got.body);
    expect(put.body.groups.map((x: { value: string }) => x.value)).toEqual([g.body.id]);
    expect(put.headers.get('etag')).toBe('W/"2"');
  });

  it('ETags: If-None-Match answers 304, a stale If-Match answers 412 and changes nothing', async () => {
    const c = await list.req('POST', '/Users', user('etag@example.com'));
    const id = c.body.id;
    const notModified = await list.req('GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"1"' });
    expect(notModified.status).toBe(304);
    const ok = await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'A' }), { 'if-match': 'W/"1"' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('W/"2"');
    expect(ok.body.meta.version).toBe('W/"2"');
    const stale = await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'B' }), { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    const g = await list.req('GET', `/Users/${id}`);
    expect(g.body.title).toBe('A');
    const staleDelete = await list.req('DELETE', `/Users/${id}`, undefined, { 'if-match': 'W/"1"' });
    expect(staleDelete.status).toBe(412);
    expect((await list.req('GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"1"' })).status).toBe(200);
  });

  it('a deactivated user is still returned by GET and by filters; DELETE removes it', async () => {
    const c = await list.req('POST', '/Users', user('leaver@example.com'));
    const id = c.body.id;
    expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(200);
    const g = await list.req('GET', `/Users/${id}`);
    expect(g.status).toBe(200);
    expect(g.body.active).toBe(false);
    const f = await list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "leaver@example.com"')}`);
    expect(f.body.totalResults).toBe(1);
    expect(f.body.Resources[0].active).toBe(false);
    expect((await list.req('DELETE', `/Users/${id}`)).status).toBe(204);
    expect((await list.req('GET', `/Users/${id}`)).status).toBe(404);
    expect((await list.req('DELETE', `/Users/${id}`)).status).toBe(404);
  });

  it('accepts Entra\'s manager as a bare id string and extension objects missing from schemas', async () => {
    const c = await list.req('POST', '/Users', {
      schemas: [USER_SCHEMA], userName: 'entra.quirks@example.com', active: 'True',
      [ENTERPRISE]: { manager: 'boss-id', department: 'Ops' },
    });
    expect(c.status).toBe(201);
    expect(c.body.active).toBe(true);
    expect(c.body[ENTERPRISE]).toEqual({ manager: { value: 'boss-id' }, department: 'Ops' });
    expect(c.body.schemas).toContain(ENTERPRISE);
  });

  it('serves the lower-case /users endpoint Microsoft\'s validator calls', async () => {
    const r = await list.req('GET', '/users?count=1');
    expect(r.status).toBe(200);
    expect(r.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
  });
});

describe('pages of people (issue 16: on SQLite a person is spliced from their stored text)', () => {
  const CUSTOM = 'urn:ietf:params:scim:schemas:extension:Splice:2.0:User';
  const enc = encodeURIComponent;
  /** The person as a page sends them (the splice on SQLite), as the long way sends them (excludedAttributes), and by id. */
  async function threeWays(userName: string): Promise<[unknown, unknown, unknown]> {
    const f = enc(`userName eq "${userName}"`);
    const page = await list.req('GET', `/Users?filter=${f}`);
    const long = await list.req('GET', `/Users?filter=${f}&excludedAttributes=password`);
    expect(page.status, page.text).toBe(200);
    expect(page.body.Resources).toHaveLength(1);
    const byId = await list.req('GET', `/Users/${page.body.Resources[0].id}`);
    return [page.body.Resources[0], long.body.Resources[0], byId.body];
  }

  it('a page sends each person as the long way and GET by id do, whatever they hold', async () => {
    const names: string[] = [];
    const make = async (name: string, extra: Record<string, unknown>): Promise<string> => {
      const r = await list.req('POST', '/Users', user(name, extra));
      expect(r.status, r.text).toBe(201);
      names.push(name);
      return r.body.id as string;
    };
    await make('splice.plain@example.com', {});
    await make('splice.awkward@example.com', {
      title: 'Quote " back\\slash [] {} \\u0041 "id": 😀 漢字 \u0001', password: 'never stored',
      name: { givenName: 'Zoë', familyName: '{"meta":1}' }, [ENTERPRISE]: { department: 'R&D [lab]', manager: { value: 'mgr-1' } },
    });
    // Quotes, backslashes and characters beyond ASCII, none of them anything the splice turns away.
    await make('splice.quoted@example.com', { title: 'Quote " back\\slash 😀 漢字 é', name: { givenName: 'Zoë', familyName: "O'Brien" }, [ENTERPRISE]: { department: 'R&D (lab)' } });
    await make('splice.custom@example.com', { schemas: [USER_SCHEMA, CUSTOM], [CUSTOM]: { badge: 'B-7', floors: ['1', '2'] } });
    const grouped = await make('splice.grouped@example.com', {});
    expect((await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Splice [group] "1"', members: [{ value: grouped }] })).status).toBe(201);
    const emptied = await make('splice.emptied@example.com', {});
    expect((await list.req('PATCH', `/Users/${emptied}`, patch({ op: 'remove', path: 'emails' }, { op: 'remove', path: 'phoneNumbers' }))).status).toBeLessThan(300);
    // As earlier versions (or a hand edit) may have stored them: written straight into the row.
    const stored: Record<string, string> = {
      'splice.old-empty@example.com': '"emails":[],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Kept","costCenter":[]}',
      'splice.old-proto@example.com': '"__proto__":{"polluted":true},"title":"T"',
      'splice.old-id@example.com': '"id":"not-this-one","groups":[{"value":"stale"}],"meta":{"version":"W/\\"99\\""}',
      'splice.old-escape@example.com': '"\\u0074itle":"escaped key"',
      'splice.old-late-schemas@example.com': '"title":"schemas last"',
    };
    for (const [name, tail] of Object.entries(stored)) {
      const id = await make(name, {});
      const text = name.includes('late-schemas')
        ? `{"userName":"${name}",${tail},"schemas":["${USER_SCHEMA}"]}`
        : `{"schemas":["${USER_SCHEMA}","${ENTERPRISE}"],"userName":"${name}",${tail}}`;
      await srv.muster.store.db.updateTable('users').set({ data: text }).where('id', '=', id).execute();
    }
    for (const name of names) {
      const [page, long, byId] = await threeWays(name);
      expect(page, name).toEqual(long);
      expect(page, name).toEqual(byId);
    }
    const [plain] = await threeWays('splice.plain@example.com');
    expect(Object.keys(plain as object).slice(0, 2)).toEqual(['schemas', 'id']);
    // What the server sets is never taken from the row: the person's own id and meta, no stale groups.
    const [old] = await threeWays('splice.old-id@example.com');
    expect(old).toMatchObject({ id: expect.stringMatching(NEW_ID), meta: { version: 'W/"1"' } });
    expect(old).not.toHaveProperty('groups');
    const [proto] = await threeWays('splice.old-proto@example.com');
    expect(proto).toMatchObject({ title: 'T' });
    expect(Object.keys(proto as object)).not.toContain('__proto__');
  });

  it('on SQLite a page sends the stored text as it is: a person is spliced, not parsed and written again', async () => {
    const name = 'splice.order@example.com';
    const id = (await list.req('POST', '/Users', user(name))).body.id as string;
    // A key that looks like an index ("7") comes first in a parsed object, whatever its place in
    // the text: only a person sent from their text keeps it after `title`.
    await srv.muster.store.db.updateTable('users').set({ data: `{"schemas":["${USER_SCHEMA}"],"userName":"${name}","title":"T","7":"seven"}` }).where('id', '=', id).execute();
    const f = enc(`userName eq "${name}"`);
    const page = await list.req('GET', `/Users?filter=${f}`);
    const long = await list.req('GET', `/Users?filter=${f}&excludedAttributes=password`);
    expect(page.body).toEqual(long.body);
    expect(long.text.indexOf('"7":')).toBeLessThan(long.text.indexOf('"title":'));
    if (srv.muster.store.engine === 'sqlite') expect(page.text.indexOf('"7":')).toBeGreaterThan(page.text.indexOf('"title":'));
  });

  it('a page sent as bytes is the same page, its length counted in bytes', async () => {
    const wide = '😀 Ünïcödé '.repeat(60);
    for (let i = 0; i < 30; i++) expect((await list.req('POST', '/Users', user(`splice.wide${i}@example.com`, { title: wide }))).status).toBe(201);
    const f = enc('userName sw "splice.wide"');
    const page = await list.req('GET', `/Users?filter=${f}&count=30`);
    const long = await list.req('GET', `/Users?filter=${f}&count=30&excludedAttributes=password`);
    expect(page.text.length).toBeGreaterThan(20_000);
    expect(page.body.Resources).toHaveLength(30);
    expect(page.body).toEqual(long.body);
    expect(Number(page.headers.get('content-length'))).toBe(Buffer.byteLength(page.text));
    const searched = await list.req('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName sw "splice.wide"', count: 30 });
    expect(searched.body).toEqual(page.body);
  });
});
