/**
 * Admin API changes of one list made at once, from two nodes over one database (both engines):
 * roster field and list changes read under the list's lock, so none is lost and every audit
 * event's "before" is what the previous one wrote ("after").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE } from './helpers/database.js';
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

/**
 * On PostgreSQL from two nodes. On SQLite from one: the two test nodes share a file in one
 * process, where a transaction that writes while the other node's is open waits synchronously for
 * a lock only this thread could release (one process serves a SQLite file in production, and its
 * transactions run one at a time).
 */
describe('the last owner and the last card template, changed at once', () => {
  const other = () => (ENGINE === 'postgres' ? b : a);
  const refusedOnce = (rs: PromiseSettledResult<unknown>[], code: string) => {
    expect(rs.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((rs.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code });
  };

  it('two owners demoted, or removed, at once: one goes, the other is refused, and the organisation keeps an owner', async () => {
    const org = (await a.muster.lists.resolveOrganisation('Owners at once')).id;
    const owner = (email: string) => a.muster.accounts.create(org, { email, name: email, role: 'owner', password: 'a long enough passphrase' });
    const one = await owner('one@owners.example');
    const two = await owner('two@owners.example');
    for (let round = 0; round < 4; round++) {
      refusedOnce(await Promise.allSettled([a.muster.accounts.setRole(org, one.id, 'admin'), other().muster.accounts.setRole(org, two.id, 'admin')]), 'last_owner');
      expect(await a.muster.store.admins.countOwners(org)).toBe(1);
      for (const id of [one.id, two.id]) await a.muster.accounts.setRole(org, id, 'owner');
    }
    refusedOnce(await Promise.allSettled([a.muster.accounts.remove(org, one.id, 'someone else'), other().muster.accounts.remove(org, two.id, 'someone else')]), 'last_owner');
    expect(await a.muster.store.admins.countOwners(org)).toBe(1);
  });

  it('a list\'s last two card templates deleted at once: one goes, the other is refused', async () => {
    const list = await a.newList({ name: 'Templates at once' });
    const templates = async () => (await api(a, 'GET', `/lists/${list.id}/card-templates`)).body.templates as { id: string; name: string; template: Record<string, unknown> }[];
    for (let round = 0; round < 4; round++) {
      const [first] = await templates();
      const second = await api(other(), 'POST', `/lists/${list.id}/card-templates`, { ...first!.template, name: `Second ${round}` });
      expect(second.status, second.text).toBe(201);
      const rs = await Promise.all([api(a, 'DELETE', `/lists/${list.id}/card-templates/${first!.id}`), api(other(), 'DELETE', `/lists/${list.id}/card-templates/${second.body.id}`)]);
      expect(rs.map((r) => r.status).sort()).toEqual([204, 409]);
      expect(rs.find((r) => r.status === 409)!.body.error).toBe('last_template');
      expect(await templates()).toHaveLength(1);
    }
  });
});
