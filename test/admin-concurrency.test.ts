/**
 * Admin API changes of one list made at once, from two nodes over one database (both engines):
 * roster field and list changes read under the list's lock, so none is lost and every audit
 * event's "before" is what the previous one wrote ("after").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startServer, type TestServer } from './helpers/server.js';

let a: TestServer;
let b: TestServer;
let key: string;
beforeAll(async () => {
  a = await startServer();
  b = await startServer({}, { sharing: a });
  const org = await a.muster.lists.resolveOrganisation('Test organisation');
  key = await a.adminKey(org.id, 'concurrency tests');
});
afterAll(async () => {
  await b.close();
  await a.close();
});

const api = (srv: TestServer, method: string, path: string, body?: unknown) => call(`${srv.origin}/api/v1${path}`, {
  method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
  body: body === undefined ? undefined : JSON.stringify(body),
});
const node = (i: number) => (i % 2 ? b : a);

async function events(listId: string, action: string) {
  const rows = await a.muster.store.audit.query({ listId, actions: [action], order: 'asc', limit: 1000 });
  return rows.map((r) => ({ changes: JSON.parse(r.changes) as { field: string; before: unknown; after: unknown }[], target: r.target_name }));
}

/** Each event's "before" is the previous event's "after": no event describes a change from a state that had already gone. */
function expectChained(changes: { before: unknown; after: unknown }[], first: unknown, last: unknown): void {
  let prev = first;
  for (const c of changes) {
    expect(c.before).toEqual(prev);
    prev = c.after;
  }
  expect(prev).toEqual(last);
}

describe('roster fields changed at once from two nodes', () => {
  it('adds every field (none lost), one mapping.changed event each', async () => {
    const list = await a.newList({ name: 'Fields at once' });
    const before = (await api(a, 'GET', `/lists/${list.id}/fields`)).body.fields.length;
    const keys = Array.from({ length: 8 }, (_, i) => `extra_${i}`);
    const rs = await Promise.all(keys.map((k, i) => api(node(i), 'POST', `/lists/${list.id}/fields`, { key: k, label: `Extra ${i}`, type: 'text' })));
    for (const r of rs) expect(r.status, r.text).toBe(201);
    const fields = (await api(a, 'GET', `/lists/${list.id}/fields`)).body.fields.map((f: { key: string }) => f.key);
    expect(fields).toHaveLength(before + keys.length);
    expect(fields).toEqual(expect.arrayContaining(keys));
    const added = (await events(list.id, 'mapping.changed')).flatMap((e) => e.changes).filter((c) => c.before === null && String(c.field).startsWith('fields.extra_'));
    expect(added).toHaveLength(keys.length);
    expect((await a.muster.audit.verify(a.muster.store, list.id)).ok).toBe(true);
  });

  it('records label changes in the order they were applied, each from the label the previous one left', async () => {
    const list = await a.newList({ name: 'Labels at once' });
    const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => api(node(i), 'PATCH', `/lists/${list.id}/fields/department`, { label: `Department ${i}` })));
    for (const r of rs) expect(r.status, r.text).toBe(200);
    const final = (await api(a, 'GET', `/lists/${list.id}/fields`)).body.fields.find((f: { key: string }) => f.key === 'department').label;
    const changes = (await events(list.id, 'mapping.changed')).flatMap((e) => e.changes).filter((c) => c.field === 'fields.department');
    expect(changes).toHaveLength(8);
    expectChained(changes.map((c) => ({ before: (c.before as { label: string }).label, after: (c.after as { label: string }).label })), 'Department', final);
  });
});

describe('a list changed at once from two nodes', () => {
  it('records renames in the order they were applied, each from the name the previous one left', async () => {
    const list = await a.newList({ name: 'Rename 0' });
    const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => api(node(i), 'PATCH', `/lists/${list.id}`, { name: `Rename ${i + 1}` })));
    for (const r of rs) expect(r.status, r.text).toBe(200);
    const final = (await api(a, 'GET', `/lists/${list.id}`)).body.name;
    const changes = (await events(list.id, 'list.configured')).flatMap((e) => e.changes).filter((c) => c.field === 'name');
    expectChained(changes, 'Rename 0', final);
  });

  it('turns SCIM on once when asked twice at once: one sync method change, one initial token', async () => {
    const none = (await a.muster.lists.createList({ name: 'Turn SCIM on', uid: 'userName', org: 'Test organisation', syncMethod: 'none' })).list;
    const rs = await Promise.all([0, 1, 2, 3].map((i) => api(node(i), 'PATCH', `/lists/${none.id}`, { syncMethod: 'scim' })));
    for (const r of rs) expect(r.status, r.text).toBe(200);
    expect(rs.filter((r) => r.body.token)).toHaveLength(1);
    expect(await events(none.id, 'list.sync_method_changed')).toHaveLength(1);
    expect((await api(a, 'GET', `/lists/${none.id}/tokens`)).body.tokens).toHaveLength(1);
  });
});
