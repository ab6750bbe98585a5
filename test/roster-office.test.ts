/**
 * Issue 13, item 5: what an ID office asks of the roster. Each person's photo and credential
 * status, the filters "no photo", "photo waiting for approval", "no card yet" and "revoked"
 * (SQL in the store, combined with paging and counts), and the person's manager by name.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { call, ENTERPRISE, startServer, user, type TestList, type TestServer } from './helpers/server.js';

let srv: TestServer;
let key: string;
let list: TestList;
const ids = new Map<string, string>();

const api = (method: string, p: string, body?: unknown) => call(`${srv.origin}/api/v1${p}`, {
  method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
});

/** A photo row as the photo service leaves it (the checks themselves are tested in test/photos.test.ts). */
async function photo(person: string, status: 'pending' | 'approved' | 'rejected', n: number): Promise<void> {
  await srv.muster.store.photos.insert({
    id: `ph-${person}-${n}`, list_id: list.id, person_id: ids.get(person)!, status, source: 'admin_upload', image: Buffer.from([1, 2, 3]),
    width: 600, height: 800, metrics: '{}', reject_reason: status === 'rejected' ? 'blurred' : null, uploaded_by: 'test', created_at: `2026-01-0${n}T00:00:00.000Z`,
  });
}

// A new server and roster for each test (the manager test adds people): no test sees another's.
beforeEach(async () => {
  ids.clear();
  srv = await startServer();
  list = await srv.newList({ name: 'Hospital staff', tokenLabel: 'Okta' });
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  key = await srv.adminKey(org.id);
  // ada: approved photo, valid card · bob: nothing · cyd: pending photo · dee: rejected photo, revoked card
  // eve: approved + newer pending photo, one revoked and one valid card
  for (const name of ['ada', 'bob', 'cyd', 'dee', 'eve']) {
    const r = await list.req('POST', '/Users', user(`${name}@example.com`, { displayName: name.toUpperCase() }));
    expect(r.status).toBe(201);
    ids.set(name, r.body.id);
  }
  await photo('ada', 'approved', 1);
  await photo('cyd', 'pending', 1);
  await photo('dee', 'rejected', 1);
  await photo('eve', 'approved', 1);
  await photo('eve', 'pending', 2);
  const card = async (name: string) => (await api('POST', `/lists/${list.id}/people/${ids.get(name)}/credentials`, { kind: 'card' })).body.id as string;
  await card('ada');
  const deeCard = await card('dee');
  expect((await api('POST', `/lists/${list.id}/credentials/${deeCard}/revoke`, { reason: 'card lost' })).status).toBe(200);
  const eveOld = await card('eve');
  expect((await api('POST', `/lists/${list.id}/credentials/${eveOld}/revoke`, { reason: 'card lost' })).status).toBe(200);
  await card('eve');
});
afterEach(async () => {
  await srv?.close();
});

const names = (body: { people: { userName: string }[] }) => body.people.map((p) => p.userName.replace(/@.*/, '')).sort();

it('shows each person\'s photo status and credential status on the roster', async () => {
  const r = await api('GET', `/lists/${list.id}/people?limit=50`);
  expect(r.status).toBe(200);
  const by = new Map<string, { photoStatus: string; credentialStatus: string }>(r.body.people.map((p: { userName: string }) => [p.userName.replace(/@.*/, ''), p]));
  expect([...by].map(([n, p]) => [n, p.photoStatus, p.credentialStatus])).toEqual([
    ['ada', 'approved', 'valid'], ['bob', 'none', 'none'], ['cyd', 'pending', 'none'], ['dee', 'rejected', 'revoked'], ['eve', 'pending', 'valid'],
  ]);
});

it('filters: no photo, photo waiting for approval, no card yet, revoked; totals follow the filter', async () => {
  const q = async (qs: string) => (await api('GET', `/lists/${list.id}/people?${qs}`)).body;
  expect(names(await q('photo=none'))).toEqual(['bob', 'dee']);
  expect(names(await q('photo=pending'))).toEqual(['cyd', 'eve']);
  expect(names(await q('credential=none'))).toEqual(['bob', 'cyd']);
  expect(names(await q('credential=revoked'))).toEqual(['dee']);
  const combined = await q('photo=pending&credential=none');
  expect(names(combined)).toEqual(['cyd']);
  expect(combined.total).toBe(1);
  // Paging over a filter: the total is the filter's, pages hold the rest.
  const first = await q('photo=none&limit=1&sort=created');
  expect(first.total).toBe(2);
  expect(first.people).toHaveLength(1);
  expect(names(await q('photo=none&limit=1&offset=1&sort=created'))).not.toEqual(names(first));
  // The list's counts stay the list's.
  expect(combined.counts.total).toBe(5);
});

it('refuses filter values it does not know, in words', async () => {
  const r = await api('GET', `/lists/${list.id}/people?photo=approved`);
  expect(r.status).toBe(400);
  expect(r.body.detail).toMatch(/photo must be none .* or pending/);
  expect((await api('GET', `/lists/${list.id}/people?credential=valid`)).status).toBe(400);
});

it('names the manager on the person page, and says when the manager is not on the list', async () => {
  const ada = ids.get('ada')!;
  const r = await list.req('POST', '/Users', user('fay@example.com', { [ENTERPRISE]: { manager: { value: ada } } }));
  expect(r.status).toBe(201);
  const fay = await api('GET', `/lists/${list.id}/people/${r.body.id}`);
  expect(fay.body.references).toEqual([{ field: 'manager', id: ada, name: 'ADA', onList: true }]);
  const g = await list.req('POST', '/Users', user('gus@example.com', { [ENTERPRISE]: { manager: { value: 'someone-else' } } }));
  const gus = await api('GET', `/lists/${list.id}/people/${g.body.id}`);
  expect(gus.body.references).toEqual([{ field: 'manager', id: 'someone-else', name: null, onList: false }]);
  // Without a manager there is nothing to name.
  expect((await api('GET', `/lists/${list.id}/people/${ada}`)).body.references).toEqual([]);
});
