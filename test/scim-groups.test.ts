import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';
import { MEMBER_FILTER_LIMITS } from '../src/lists/scim-service.js';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
// One server for the file; each test has a list of its own (lists share nothing), with six people.
let srv: TestServer;
let list: TestList;
let users: string[];

beforeAll(async () => {
  srv = await startServer();
});
beforeEach(async () => {
  list = await srv.newList();
  users = [];
  for (let i = 0; i < 6; i++) {
    const r = await list.req('POST', '/Users', user(`member${i}@example.com`, { displayName: `Member ${i}` }));
    expect(r.status, r.text).toBe(201);
    users.push(r.body.id);
  }
});
afterAll(() => srv.close());

const memberIds = async (gid: string) => ((await list.req('GET', `/Groups/${gid}`)).body.members ?? []).map((m: { value: string }) => m.value).sort();

describe('Groups and membership deltas', () => {
  it('creates a group with members and renders them with display and $ref', async () => {
    const r = await list.req('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', externalId: 'g-eng', members: [{ value: users[0] }, { value: users[1], display: 'IdP name' }] });
    expect(r.status).toBe(201);
    const byValue = (a: { value?: string }, b: { value?: string }) => String(a.value).localeCompare(String(b.value));
    expect([...r.body.members].sort(byValue)).toEqual([
      { value: users[0], $ref: `${list.base}/Users/${users[0]}`, type: 'User', display: 'Member 0' },
      { value: users[1], $ref: `${list.base}/Users/${users[1]}`, type: 'User', display: 'IdP name' },
    ].sort(byValue));
    const u = await list.req('GET', `/Users/${users[0]}`);
    expect(u.body.groups).toEqual([{ value: r.body.id, $ref: `${list.base}/Groups/${r.body.id}`, display: 'Engineering', type: 'direct' }]);
  });

  it('adds and removes one member at a time, in every dialect, idempotently', async () => {
    const gid = (await list.req('POST', '/Groups', { schemas: [GROUP], displayName: 'Deltas', members: [] })).body.id;
    const send = async (...ops: Record<string, unknown>[]) => {
      const r = await list.req('PATCH', `/Groups/${gid}`, patch(...ops));
      expect(r.status, r.text).toBe(204);
    };
    await send({ op: 'add', path: 'members', value: [{ value: users[0], display: 'x' }, { value: users[1] }] });
    await send({ op: 'Add', path: 'members', value: [{ $ref: null, value: users[2] }] }); // Entra
    await send({ op: 'add', path: 'members', value: [{ value: users[2] }] }); // already there: fine
    expect(await memberIds(gid)).toEqual([users[0], users[1], users[2]].sort());
    await send({ op: 'remove', path: `members[value eq "${users[0]}"]` }); // Okta, Entra flag
    await send({ op: 'Remove', path: 'members', value: [{ value: users[1] }] }); // Entra default, JumpCloud
    await send({ op: 'remove', path: `members[value eq "${users[5]}"]` }); // not a member: fine
    expect(await memberIds(gid)).toEqual([users[2]]);
    await send({ op: 'replace', path: 'members', value: [{ value: users[3] }, { value: users[4] }] }); // Okta full push
    expect(await memberIds(gid)).toEqual([users[3], users[4]].sort());
    await send({ op: 'replace', value: { id: gid, displayName: 'Deltas renamed' } }); // Okta's membership push header
    const g = await list.req('GET', `/Groups/${gid}`);
    expect(g.body.displayName).toBe('Deltas renamed');
    expect(g.body.members).toHaveLength(2);
    await send({ op: 'remove', path: 'members[type eq "User" and value eq "nobody"]' });
    expect(await memberIds(gid)).toHaveLength(2);
    await send({ op: 'remove', path: 'members' });
    expect(await memberIds(gid)).toEqual([]);
  });

  it('ignores member values that name no user of this list, and never lets another list\'s user in', async () => {
    const other = await srv.newList({ name: 'Other list' });
    const outsider = (await other.req('POST', '/Users', user('outsider@example.com'))).body.id;
    const gid = (await list.req('POST', '/Groups', { schemas: [GROUP], displayName: 'Guarded' })).body.id;
    const r = await list.req('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: outsider }, { value: 'garbage' }, { value: users[0] }] }));
    expect(r.status).toBe(204);
    expect(await memberIds(gid)).toEqual([users[0]]);
    const viaOther = await other.req('GET', `/Groups/${gid}`);
    expect(viaOther.status).toBe(404);
  });

  it('excludedAttributes=members leaves members out; PUT replaces metadata and the member set', async () => {
    const gid = (await list.req('POST', '/Groups', { schemas: [GROUP], displayName: 'Put me', members: [{ value: users[0] }] })).body.id;
    const ex = await list.req('GET', `/Groups/${gid}?excludedAttributes=members`);
    expect(ex.body.members).toBeUndefined();
    expect(ex.body.displayName).toBe('Put me');
    const listed = await list.req('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "put me"')}`);
    expect(listed.body.totalResults).toBe(1);
    expect(listed.body.Resources[0].members).toBeUndefined();
    const put = await list.req('PUT', `/Groups/${gid}`, { schemas: [GROUP], id: gid, displayName: 'Put done', members: [{ value: users[1] }, { value: users[2] }] });
    expect(put.status).toBe(200);
    expect(await memberIds(gid)).toEqual([users[1], users[2]].sort());
    const metaOnly = await list.req('PUT', `/Groups/${gid}`, { schemas: [GROUP], displayName: 'Meta only' });
    expect(metaOnly.status).toBe(200);
    expect(await memberIds(gid)).toHaveLength(2);
  });

  it('a member change bumps the group version; deleting a user removes it from groups', async () => {
    const c = await list.req('POST', '/Groups', { schemas: [GROUP], displayName: 'Versioned' });
    const gid = c.body.id;
    expect(c.body.meta.version).toBe('W/"1"');
    const tmp = (await list.req('POST', '/Users', user('temp.member@example.com'))).body.id;
    await list.req('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: tmp }] }));
    expect((await list.req('GET', `/Groups/${gid}`)).body.meta.version).toBe('W/"2"');
    await list.req('DELETE', `/Users/${tmp}`);
    expect(await memberIds(gid)).toEqual([]);
    expect((await list.req('DELETE', `/Groups/${gid}`)).status).toBe(204);
    expect((await list.req('GET', `/Groups/${gid}`)).status).toBe(404);
  });

  it('a large group takes a one-member change without rewriting its members', async () => {
    const many: string[] = [];
    const created = await list.req('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: Array.from({ length: 300 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: user(`bulk${i}@example.com`) })),
    });
    expect(created.status).toBe(200);
    for (const op of created.body.Operations) many.push(op.location.split('/').pop());
    const gid = (await list.req('POST', '/Groups', { schemas: [GROUP], displayName: 'Big', members: many.map((value) => ({ value })) })).body.id;
    const before = (await list.req('GET', `/Groups/${gid}`)).body.members;
    expect(before).toHaveLength(300);
    await list.req('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: `members[value eq "${many[150]}"]` }));
    const after = (await list.req('GET', `/Groups/${gid}`)).body.members;
    expect(after).toHaveLength(299);
    // Untouched member rows keep their identity and order: only the one row was deleted.
    expect(after).toEqual(before.filter((m: { value: string }) => m.value !== many[150]));
  });

  it('refuses a member filter other than value eq on a group past MEMBER_FILTER_LIMITS (it would read every member), and changes nothing', async () => {
    const gid = (await list.req('POST', '/Groups', { schemas: [GROUP], displayName: 'Filtered', members: users.slice(0, 4).map((value) => ({ value })) })).body.id;
    const limit = MEMBER_FILTER_LIMITS.upTo;
    MEMBER_FILTER_LIMITS.upTo = 3;
    try {
      const r = await list.req('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: 'members[display co "member 1"]' }));
      expect(r.status, r.text).toBe(400);
      expect(r.body).toMatchObject({ status: '400', scimType: 'tooMany', detail: expect.stringMatching(/more than 3 members.*members\[value eq "id"\]/) });
      expect(await memberIds(gid)).toEqual(users.slice(0, 4).sort());
      // By value it is a seek, whatever the group's size; and an `and` holding one too.
      expect((await list.req('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: `members[value eq "${users[0]}"]` }))).status).toBe(204);
      expect((await list.req('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: `members[type eq "User" and value eq "${users[1]}"]` }))).status).toBe(204);
      expect(await memberIds(gid)).toEqual(users.slice(2, 4).sort());
      // Within the limit, any filter.
      expect((await list.req('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: 'members[display co "member 3"]' }))).status).toBe(204);
      expect(await memberIds(gid)).toEqual([users[2]]);
    } finally {
      MEMBER_FILTER_LIMITS.upTo = limit;
    }
  });

  it('removes every member of a group larger than one step (500) with `remove members`, and the trail says who left', async () => {
    const crowd = await srv.newList({ name: 'Crowd' });
    const ops = Array.from({ length: 1_050 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `p${i}`, data: user(`crowd${i}@example.org`) }));
    const ids: string[] = [];
    for (let i = 0; i < ops.length; i += 525) {
      const bulk = await crowd.req('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: ops.slice(i, i + 525) });
      expect(bulk.status, bulk.text.slice(0, 300)).toBe(200);
      ids.push(...(bulk.body.Operations as { location: string }[]).map((o) => o.location.split('/').pop()!));
    }
    const g = await crowd.req('POST', '/Groups?excludedAttributes=members', { schemas: [GROUP], displayName: 'Everyone', members: ids.map((value) => ({ value })) });
    expect(g.status, g.text).toBe(201);
    const r = await crowd.req('PATCH', `/Groups/${g.body.id}`, patch({ op: 'remove', path: 'members' }));
    expect(r.status, r.text).toBe(204);
    const after = await crowd.req('GET', `/Groups/${g.body.id}`);
    expect(after.body.members ?? []).toEqual([]);
    const org = await srv.muster.lists.resolveOrganisation('Test organisation');
    const key = await srv.adminKey(org.id);
    const trail = await fetch(`${srv.origin}/api/v1/lists/${crowd.id}/audit/events?personId=${g.body.id}&limit=5`, { headers: { authorization: `Bearer ${key}` } });
    const events = ((await trail.json()) as { events: { action: string; changes: { field: string; before: unknown }[] }[] }).events;
    const left = events.find((e) => e.action === 'group.members_removed')?.changes.find((c) => c.field === 'members');
    expect([...(left?.before as string[])].sort()).toEqual([...ids].sort());
  });
});
