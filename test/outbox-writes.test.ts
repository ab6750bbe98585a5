/**
 * Every write that matters appends its domain events to the outbox in its own transaction
 * (issue 15, item 1): SCIM Users and Groups (create, PUT, PATCH, DELETE, Bulk), CSV import,
 * credentials, list configuration; a refused write appends nothing. On both engines.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DomainEvent } from '../src/events/types.js';
import { call, patch, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let srv: TestServer;
let list: TestList;
let key: string;
let orgId: string;

beforeAll(async () => {
  srv = await startServer();
  list = await srv.newList({ name: 'Staff' });
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  orgId = org.id;
  key = await srv.adminKey(org.id);
});
afterAll(async () => {
  await srv.close();
});

const api = (method: string, p: string, body?: unknown, type = 'application/json') => call(`${srv.origin}/api/v1${p}`, {
  method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': type } : {}) }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
});

/** The events appended since `after`, and the new cursor. */
async function since(after: number): Promise<{ events: DomainEvent[]; head: number }> {
  const events = await srv.muster.store.events.readAfter({ orgId, afterId: after, limit: 1000 });
  return { events, head: events.length ? events[events.length - 1]!.id : after };
}
const brief = (events: readonly DomainEvent[]) => events.map((e) => `${e.type} ${e.subject ?? ''}`.trim());

it('a SCIM person journey appends created, updated (roster keys before/after), deactivated, reactivated and deleted, in order', async () => {
  let { head } = await since(0);
  const created = await list.req('POST', '/Users', user('ada', { title: 'Engineer' }));
  expect(created.status, created.text).toBe(201);
  const id = created.body.id as string;
  let got = await since(head);
  expect(brief(got.events)).toEqual([`person.created ${id}`]);
  const c = got.events[0]!;
  expect(c.listId).toBe(list.id);
  expect(c.type === 'person.created' && c.payload).toMatchObject({ userName: 'ada', source: 'scim', active: true, fields: { job_title: 'Engineer' } });
  head = got.head;

  expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Lead' }))).status).toBe(200);
  got = await since(head);
  expect(brief(got.events)).toEqual([`person.updated ${id}`]);
  const u = got.events[0]!;
  expect(u.type === 'person.updated' && u.payload.changes.job_title).toEqual({ before: 'Engineer', after: 'Lead' });
  head = got.head;

  expect((await list.req('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(200);
  expect((await list.req('PUT', `/Users/${id}`, user('ada', { title: 'Lead', active: true }))).status).toBe(200);
  expect((await list.req('DELETE', `/Users/${id}`)).status).toBe(204);
  got = await since(head);
  expect(brief(got.events).filter((s) => !s.startsWith('person.updated'))).toEqual([`person.deactivated ${id}`, `person.reactivated ${id}`, `person.deleted ${id}`]);
  // The per-organisation seq has no gap.
  const all = await srv.muster.store.events.readAfter({ orgId, afterId: 0, limit: 1000 });
  expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
});

it('a refused write appends nothing', async () => {
  expect((await list.req('POST', '/Users', user('bo'))).status).toBe(201);
  const { head } = await since(0);
  expect((await list.req('POST', '/Users', user('bo'))).status).toBe(409);
  expect((await since(head)).events).toEqual([]);
});

it('groups: created, members changed (added and removed ids), renamed, deleted; Bulk appends like single requests', async () => {
  const p = (await list.req('POST', '/Users', user('cy'))).body.id as string;
  let { head } = await since(0);
  const g = await list.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Crew', members: [{ value: p }] });
  expect(g.status, g.text).toBe(201);
  const gid = g.body.id as string;
  expect((await list.req('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: `members[value eq "${p}"]` }, { op: 'replace', path: 'displayName', value: 'Crew 2' }))).status).toBeLessThan(300);
  expect((await list.req('DELETE', `/Groups/${gid}`)).status).toBe(204);
  let got = await since(head);
  expect(brief(got.events)).toEqual([`group.created ${gid}`, `group.members_changed ${gid}`, `group.updated ${gid}`, `group.members_changed ${gid}`, `group.deleted ${gid}`]);
  const [, added, renamed, removed] = got.events;
  expect(added!.type === 'group.members_changed' && added!.payload).toMatchObject({ added: [p], removed: [] });
  expect(removed!.type === 'group.members_changed' && removed!.payload).toMatchObject({ added: [], removed: [p] });
  expect(renamed!.type === 'group.updated' && renamed!.payload.changes.displayName).toEqual({ before: 'Crew', after: 'Crew 2' });
  head = got.head;

  const bulk = await list.req('POST', '/Bulk', {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
    Operations: [{ method: 'POST', path: '/Users', bulkId: 'x', data: user('dee') }, { method: 'POST', path: '/Users', bulkId: 'y', data: user('dee') }],
  });
  expect(bulk.status, bulk.text).toBe(200);
  got = await since(head);
  expect(got.events.map((e) => e.type)).toEqual(['person.created']);
});

it('CSV import, credentials and list configuration append their events, with their source', async () => {
  const csvList = (await srv.muster.lists.createList({ name: 'Visitors', uid: 'email', org: 'Test organisation', syncMethod: 'none' })).list.id;
  let { head } = await since(0);
  const imp = await api('POST', `/lists/${csvList}/import`, 'work_email,job_title,active\nv1@example.com,Guest,true\n', 'text/csv');
  expect(imp.status, imp.text).toBeLessThan(300);
  let got = await since(head);
  const created = got.events.find((e) => e.type === 'person.created');
  expect(created?.listId).toBe(csvList);
  expect(created?.type === 'person.created' && created.payload).toMatchObject({ source: 'import', fields: { work_email: 'v1@example.com', job_title: 'Guest' } });
  head = got.head;

  const person = (await list.req('POST', '/Users', user('eve'))).body.id as string;
  const cred = await api('POST', `/lists/${list.id}/people/${person}/credentials`, { kind: 'card' });
  expect(cred.status, cred.text).toBe(201);
  expect((await list.req('PATCH', `/Users/${person}`, patch({ op: 'replace', path: 'active', value: false }))).status).toBe(200);
  got = await since(head);
  expect(brief(got.events)).toEqual([`person.created ${person}`, `credential.issued ${person}`, `person.deactivated ${person}`, `credential.status_changed ${person}`]);
  const s = got.events[3]!;
  expect(s.type === 'credential.status_changed' && s.payload).toMatchObject({ credentialId: cred.body.id, kind: 'card', from: 'valid', to: 'revoked' });
  head = got.head;

  expect((await api('PATCH', `/lists/${list.id}`, { name: 'Staff renamed' })).status).toBe(200);
  got = await since(head);
  expect(got.events.map((e) => [e.type, e.listId, e.subject])).toEqual([['list.updated', list.id, null]]);
  expect(got.events[0]!.type === 'list.updated' && got.events[0]!.payload).toEqual({ what: 'list.configured', source: 'admin' });
});
