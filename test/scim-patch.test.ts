import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE, NEW_ID, PATCH_OP, patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';

// One list for the file: each test patches only people it made (`fresh`, a random userName) and
// groups of its own names, and filters only on values no other test writes.
let srv: TestServer;
let list: TestList;

beforeAll(async () => {
  srv = await startServer();
  list = await srv.newList();
});
afterAll(() => srv.close());

async function fresh(extra: Record<string, unknown> = {}): Promise<string> {
  const r = await list.req('POST', '/Users', user(`p${Math.random().toString(36).slice(2)}@example.com`, {
    emails: [{ value: 'w@work.example', type: 'work', primary: true }, { value: 'h@home.example', type: 'home' }], ...extra,
  }));
  expect(r.status).toBe(201);
  return r.body.id;
}
const get = async (id: string) => (await list.req('GET', `/Users/${id}`)).body;
/** A User PATCH answers 200 with the resource as a GET would then return it (RFC 7644 §3.5.2). */
async function ok(id: string, ...ops: Record<string, unknown>[]) {
  const r = await list.req('PATCH', `/Users/${id}`, patch(...ops));
  expect(r.status, r.text).toBe(200);
  const now = await get(id);
  expect(r.body).toEqual(now);
  expect(r.headers.get('etag')).toBe(now.meta.version);
  return now;
}

describe('PATCH path forms (RFC 7644 §3.5.2)', () => {
  it('attribute, sub-attribute, extension URN attribute', async () => {
    const id = await fresh();
    const u = await ok(id,
      { op: 'add', path: 'title', value: 'Engineer' },
      { op: 'replace', path: 'name.givenName', value: 'Augusta' },
      { op: 'add', path: `${ENTERPRISE}:department`, value: 'R&D' },
      { op: 'replace', path: `${ENTERPRISE}:manager.value`, value: 'm-1' });
    expect(u.title).toBe('Engineer');
    expect(u.name).toEqual({ givenName: 'Augusta', familyName: 'Lovelace' });
    expect(u[ENTERPRISE]).toEqual({ department: 'R&D', manager: { value: 'm-1' } });
    expect(u.schemas).toContain(ENTERPRISE);
  });

  it('value filter, and value filter with sub-attribute', async () => {
    const id = await fresh();
    let u = await ok(id, { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@work.example' });
    expect(u.emails).toEqual([{ value: 'new@work.example', type: 'work', primary: true }, { value: 'h@home.example', type: 'home' }]);
    u = await ok(id, { op: 'remove', path: 'emails[type eq "home"]' });
    expect(u.emails).toEqual([{ value: 'new@work.example', type: 'work', primary: true }]);
    u = await ok(id, { op: 'replace', path: 'emails[type eq "work"]', value: { value: 'again@work.example' } });
    expect(u.emails).toEqual([{ value: 'again@work.example', type: 'work', primary: true }]);
    const found = await list.req('GET', `/Users?filter=${encodeURIComponent('emails.value eq "again@work.example"')}`);
    expect(found.body.totalResults).toBe(1);
  });

  it('Entra replaces a work email that does not exist yet: it is created', async () => {
    const id = await fresh({ emails: [] });
    const u = await ok(id, { op: 'Replace', path: 'emails[type eq "work"].value', value: 'created@work.example' });
    expect(u.emails).toEqual([{ type: 'work', value: 'created@work.example' }]);
  });

  it('add to a multi-valued attribute appends; remove of a whole attribute clears it', async () => {
    const id = await fresh();
    let u = await ok(id, { op: 'add', path: 'phoneNumbers', value: [{ value: '+1 555', type: 'work' }] });
    u = await ok(id, { op: 'add', path: 'phoneNumbers', value: [{ value: '+1 777', type: 'mobile' }] });
    expect(u.phoneNumbers).toHaveLength(2);
    u = await ok(id, { op: 'remove', path: 'phoneNumbers' });
    expect(u.phoneNumbers).toBeUndefined();
  });

  it('no path: a value object (Okta), including dotted keys and URNs as keys (Entra aadOptscim062020)', async () => {
    const id = await fresh();
    const u = await ok(id, {
      op: 'replace',
      value: { active: false, 'name.givenName': 'Ada K.', [`${ENTERPRISE}:employeeNumber`]: '77', displayName: 'Ada', [ENTERPRISE]: { division: 'North' } },
    });
    expect(u.active).toBe(false);
    expect(u.name.givenName).toBe('Ada K.');
    expect(u.displayName).toBe('Ada');
    expect(u[ENTERPRISE]).toEqual({ employeeNumber: '77', division: 'North' });
  });

  it('Entra\'s capitalised ops and "False"/"True" strings', async () => {
    const id = await fresh();
    expect((await ok(id, { op: 'Replace', path: 'active', value: 'False' })).active).toBe(false);
    expect((await ok(id, { op: 'Add', path: 'active', value: 'True' })).active).toBe(true);
    expect((await ok(id, { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'boss' }))[ENTERPRISE].manager).toEqual({ value: 'boss' });
  });

  it('names the IdP-dialect normalisations a request needed, and a request id, in response headers', async () => {
    const id = await fresh();
    const r = await list.req('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    expect(r.headers.get('x-muster-normalisations')).toBe('op-case, boolean-string');
    expect(r.headers.get('x-request-id')).toMatch(NEW_ID);
    const plain = await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: true }));
    expect(plain.headers.get('x-muster-normalisations')).toBeNull();
  });

  it('custom extension attributes under unknown URNs', async () => {
    const id = await fresh();
    const urn = 'urn:ietf:params:scim:schemas:extension:Badge:2.0:User';
    const u = await ok(id, { op: 'add', path: `${urn}:badgeColour`, value: 'blue' });
    expect(u[urn]).toEqual({ badgeColour: 'blue' });
    expect(u.schemas).toContain(urn);
    const f = await list.req('GET', `/Users?filter=${encodeURIComponent(`${urn}:badgeColour eq "BLUE"`)}`);
    expect(f.body.totalResults).toBe(1);
  });

  it('answers 200 with the resource when the request names attributes', async () => {
    const id = await fresh();
    const r = await list.req('PATCH', `/Users/${id}?attributes=title`, patch({ op: 'add', path: 'title', value: 'CTO' }));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ schemas: expect.any(Array), id, title: 'CTO' });
  });
});

describe('PATCH is atomic and refuses bad operations', () => {
  it('applies all operations or none', async () => {
    const id = await fresh({ title: 'Before' });
    const before = await get(id);
    const r = await list.req('PATCH', `/Users/${id}`, patch(
      { op: 'replace', path: 'title', value: 'After' },
      { op: 'replace', path: 'nosuchattribute', value: 'x' },
    ));
    expect(r.status).toBe(400);
    expect(r.body.scimType).toBe('invalidPath');
    expect(await get(id)).toEqual(before);
  });

  it.each([
    [{ schemas: [PATCH_OP], Operations: [] }, 'invalidSyntax'],
    [{ schemas: [PATCH_OP], Operations: [{ op: 'move', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    [{ schemas: [PATCH_OP], Operations: [{ op: 'remove' }] }, 'noTarget'],
    [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[type eq', value: 'x' }] }, 'invalidPath'],
    [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'id', value: 'x' }] }, 'mutability'],
    [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'maybe' }] }, 'invalidValue'],
    [{ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'userName' }] }, 'invalidValue'],
    [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.nosuch', value: 'x' }] }, 'invalidPath'],
  ])('%j → 400 %s', async (body, scimType) => {
    const id = await fresh();
    const before = await get(id);
    const r = await list.req('PATCH', `/Users/${id}`, body);
    expect(r.status).toBe(400);
    expect(r.body.scimType).toBe(scimType);
    expect(await get(id)).toEqual(before);
  });
});

describe('what a PATCH answers (issue 12, SCIM details)', () => {
  it('a User PATCH answers 200 with the resource, narrowed by attributes or excludedAttributes', async () => {
    const id = await fresh({ title: 'Before' });
    const full = await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'After' }));
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(full.body).toMatchObject({ id, title: 'After', emails: expect.any(Array), meta: { resourceType: 'User', version: full.headers.get('etag') } });
    expect(full.headers.get('location')).toBe(`${list.base}/Users/${id}`);
    const narrow = await list.req('PATCH', `/Users/${id}?attributes=title`, patch({ op: 'replace', path: 'title', value: 'Narrow' }));
    expect(narrow.status).toBe(200);
    expect(Object.keys(narrow.body).sort()).toEqual(['id', 'schemas', 'title']);
    const without = await list.req('PATCH', `/Users/${id}?excludedAttributes=emails,meta`, patch({ op: 'replace', path: 'title', value: 'Without' }));
    expect(without.status).toBe(200);
    expect(without.body.title).toBe('Without');
    expect(without.body.emails).toBeUndefined();
    expect(without.body.userName).toEqual(expect.any(String));
  });

  it('a Group PATCH answers 204, or 200 with the group when attributes are asked for', async () => {
    const member = await fresh();
    const gid = (await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Patched' })).body.id;
    const r = await list.req('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: member }] }));
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const asked = await list.req('PATCH', `/Groups/${gid}?attributes=displayName`, patch({ op: 'replace', path: 'displayName', value: 'Renamed' }));
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ id: gid, displayName: 'Renamed' });
    expect(asked.body.members).toBeUndefined();
  });

  it('an empty multi-valued attribute is unassigned: omitted, never []', async () => {
    // The last values removed by PATCH: emails by filter, phone numbers whole.
    const id = await fresh({ phoneNumbers: [{ value: '+1 555 0100', type: 'work' }] });
    const after = await ok(id,
      { op: 'remove', path: 'emails[type eq "work"]' },
      { op: 'remove', path: 'emails[type eq "home"]' },
      { op: 'remove', path: 'phoneNumbers[type eq "work"]' });
    expect(after).not.toHaveProperty('emails');
    expect(after).not.toHaveProperty('phoneNumbers');
    // [] in a POST or PUT is the same as no value (RFC 7643 §2.5).
    const posted = await list.req('POST', '/Users', user(`empty${Math.random().toString(36).slice(2)}@example.com`, { emails: [], phoneNumbers: [], addresses: [] }));
    expect(posted.status).toBe(201);
    for (const a of ['emails', 'phoneNumbers', 'addresses']) expect(posted.body).not.toHaveProperty(a);
    const put = await list.req('PUT', `/Users/${id}`, { ...user(after.userName, { emails: [] }) });
    expect(put.status).toBe(200);
    expect(put.body).not.toHaveProperty('emails');
    // A group's last member removed: no `members`, on GET, on the list and in a search.
    const gid = (await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Emptied ${id}`, members: [{ value: id }] })).body.id;
    expect((await list.req('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: `members[value eq "${id}"]` }))).status).toBe(204);
    const g = await list.req('GET', `/Groups/${gid}`);
    expect(g.body).not.toHaveProperty('members');
    const listed = await list.req('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "Emptied ${id}"`)}`);
    expect(listed.body.Resources).toHaveLength(1);
    expect(listed.body.Resources[0]).not.toHaveProperty('members');
    const empty = await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Born empty ${id}`, members: [] });
    expect(empty.body).not.toHaveProperty('members');
  });

  it('a resource stored with [] before this rule is returned without it', async () => {
    const id = await fresh();
    const rec = (await srv.muster.store.users.get(list.id, id))!;
    await srv.muster.store.db.updateTable('users').set({ data: JSON.stringify({ ...rec.data, emails: [], [ENTERPRISE]: { department: 'Kept', costCenter: [] } }) })
      .where('id', '=', id).execute();
    const u = await get(id);
    expect(u).not.toHaveProperty('emails');
    expect(u[ENTERPRISE]).toEqual({ department: 'Kept' });
  });
});
