import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE, PATCH_OP, patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';

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
async function ok(id: string, ...ops: Record<string, unknown>[]) {
  const r = await list.req('PATCH', `/Users/${id}`, patch(...ops));
  expect(r.status, r.text).toBe(204);
  return get(id);
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
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
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
