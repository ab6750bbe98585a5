/**
 * Several stateless Muster nodes in front of one database: two real servers, on their own ports,
 * share a database (on both engines). Tokens, sessions and jobs live in SQL, so any node serves
 * any request, a job queued on one is worked by another, and concurrent writes to one list from
 * both keep the audit chain whole.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PATCH_OP, call, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let a: TestServer;
let b: TestServer;
let list: TestList;

beforeAll(async () => {
  a = await startServer();
  b = await startServer({}, { sharing: a });
  list = await a.newList({ name: 'Shared' });
});
afterAll(async () => {
  await b.close();
  await a.close();
});

const on = (srv: TestServer) => ({
  scim: (method: string, path: string, body?: unknown) => call(`${srv.origin}/scim/v2/lists/${list.id}${path}`, {
    method, headers: { authorization: `Bearer ${list.token}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }),
});

it('a token, a person and a browser session made on one node work on the other', async () => {
  const created = await on(a).scim('POST', '/Users', user('ada'));
  expect(created.status, created.text).toBe(201);
  const got = await on(b).scim('GET', `/Users/${created.body.id}`);
  expect(got.status).toBe(200);
  expect(got.body.userName).toBe('ada');

  const setup = await call(`${a.origin}/api/v1/auth/setup`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: a.origin },
    body: JSON.stringify({ organisation: 'Two nodes', name: 'Olive', email: 'olive@two.example', password: 'a long enough passphrase' }),
  });
  expect(setup.status, setup.text).toBe(201);
  const cookie = setup.headers.get('set-cookie')!.split(';')[0]!;
  const lists = await call(`${b.origin}/api/v1/lists`, { headers: { cookie } });
  expect(lists.status).toBe(200);
  expect(lists.body.lists.map((l: { name: string }) => l.name)).toContain('Shared');
  // A state change on node B with the CSRF token node A issued.
  const token = await call(`${b.origin}/api/v1/lists/${list.id}/tokens`, {
    method: 'POST', headers: { cookie, 'x-csrf-token': setup.body.csrfToken, 'content-type': 'application/json', origin: b.origin }, body: JSON.stringify({ label: 'made on B' }),
  });
  expect(token.status, token.text).toBe(201);
  expect((await call(`${a.origin}/scim/v2/lists/${list.id}/Users`, { headers: { authorization: `Bearer ${token.body.secret}` } })).status).toBe(200);
});

it('concurrent writes to one list from both nodes all land, and the audit chain stays whole', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await on(a).scim('POST', '/Users', user(`p${i}`))).body.id);
  const writes = ids.flatMap((id, i) => [0, 1, 2].map((k) => on(k % 2 ? a : b).scim('PATCH', `/Users/${id}`, {
    schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `Title ${i}.${k}` }],
  })));
  const results = await Promise.all(writes);
  expect(results.map((r) => r.status).every((s) => s === 200 || s === 204), results.map((r) => r.text).join('\n')).toBe(true);
  const verify = await a.muster.audit.verify(a.muster.store, list.id);
  expect(verify.ok).toBe(true);
  const updates = await a.muster.store.audit.query({ listId: list.id, actions: ['person.updated'], order: 'asc', limit: 1000 });
  expect(updates.length).toBe(18);
});

it('a job queued on a node that stops is worked by the other', async () => {
  await a.muster.jobs.stop();
  const issued = await a.muster.credentials.issue((await a.muster.store.lists.get(list.id))!, (await on(a).scim('POST', '/Users', user('leaver'))).body.id, 'card', { actor: 'test' });
  const templateId = (await a.muster.cards.templates((await a.muster.store.lists.get(list.id))!, { actor: 'test' }))[0]!.id;
  const jobId = await a.muster.cards.print((await a.muster.store.lists.get(list.id))!, { templateId, layout: 'card' }, { actor: 'test' }, a.origin);
  let status = '';
  for (let i = 0; i < 200 && status !== 'done'; i++) {
    status = (await b.muster.store.roster.job(jobId))!.status;
    if (status !== 'done') await new Promise((r) => setTimeout(r, 50));
  }
  expect(status).toBe('done');
  // And a deactivation through node B revokes what node A verifies.
  const person = issued.person_id;
  await on(b).scim('PATCH', `/Users/${person}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
  const v = await call(`${a.origin}/v/${issued.verify_code}`, { headers: { accept: 'application/json' } });
  expect(v.body.status).toBe('revoked');
  a.muster.jobs.start();
});
