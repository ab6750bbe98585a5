// The Graph emulator tested through real HTTP, the way Muster's sync client will use it.
import { afterEach, describe, expect, it } from 'vitest';
import { type GraphEmulator, startGraphEmulator } from './index.js';

type Json = Record<string, unknown> & { value?: Json[] };
const running: GraphEmulator[] = [];

async function start(opts: Parameters<typeof startGraphEmulator>[0] = {}): Promise<GraphEmulator> {
  const g = await startGraphEmulator(opts);
  running.push(g);
  return g;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.close()));
});

function tokenRequest(g: GraphEmulator, fields: Record<string, string> = {}, tenant = g.tenantId): Promise<Response> {
  return fetch(`${g.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: g.clientId, client_secret: g.clientSecret,
      scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials', ...fields,
    }),
  });
}

async function bearer(g: GraphEmulator): Promise<string> {
  const body = (await (await tokenRequest(g)).json()) as { access_token: string };
  return body.access_token;
}

async function get(g: GraphEmulator, pathOrUrl: string, headers: Record<string, string> = {}): Promise<Response> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${g.url}/v1.0/${pathOrUrl}`;
  return fetch(url, { headers: { Authorization: `Bearer ${await bearer(g)}`, ...headers } });
}

async function getJson(g: GraphEmulator, pathOrUrl: string, headers: Record<string, string> = {}): Promise<Json> {
  const res = await get(g, pathOrUrl, headers);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Json;
}

/** Follows nextLinks to the deltaLink, as a sync client must. */
async function round(g: GraphEmulator, first: string): Promise<{ pages: Json[]; items: Json[]; deltaLink: string }> {
  const pages: Json[] = [];
  let url: string | undefined = first;
  while (url) {
    const page = await getJson(g, url);
    pages.push(page);
    url = page['@odata.nextLink'] as string | undefined;
    if (!url) return { pages, items: pages.flatMap((p) => p.value ?? []), deltaLink: page['@odata.deltaLink'] as string };
  }
  throw new Error('unreachable');
}

describe('token endpoint', () => {
  it('issues an opaque bearer token for client credentials', async () => {
    const g = await start({ tokenLifetimeS: 1800 });
    const res = await tokenRequest(g);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 1800, ext_expires_in: 1800 });
    expect(typeof body.access_token).toBe('string');
  });

  it.each([
    ['unknown tenant', {}, 'contoso.example', 400, 'invalid_request', 90002],
    ['wrong client id', { client_id: 'nope' }, undefined, 400, 'unauthorized_client', 700016],
    ['wrong secret', { client_secret: 'wrong' }, undefined, 401, 'invalid_client', 7000215],
    ['wrong grant type', { grant_type: 'password' }, undefined, 400, 'unsupported_grant_type', 70003],
    ['non-.default scope', { scope: 'User.Read.All' }, undefined, 400, 'invalid_scope', 1002012],
  ])('refuses %s as the identity platform does', async (_name, fields, tenant, status, error, code) => {
    const g = await start();
    const res = await tokenRequest(g, fields as Record<string, string>, tenant ?? g.tenantId);
    expect(res.status).toBe(status);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error, error_codes: [code] });
    expect(body.error_description).toMatch(new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: `));
    expect(body).toHaveProperty('trace_id');
    expect(body).toHaveProperty('correlation_id');
    expect(body).toHaveProperty('timestamp');
  });
});

describe('authentication and permissions', () => {
  it('answers unknown, missing and expired tokens with 401 InvalidAuthenticationToken', async () => {
    let clock = 1_700_000_000_000;
    const g = await start({ tokenLifetimeS: 1, now: () => clock });
    const bad = await fetch(`${g.url}/v1.0/users/delta`, { headers: { Authorization: 'Bearer forged', 'client-request-id': 'abc' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('client-request-id')).toBe('abc');
    expect(bad.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await bad.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(body.error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' });
    expect(body.error.innerError).toMatchObject({ 'client-request-id': 'abc' });
    expect((await fetch(`${g.url}/v1.0/users/delta`)).status).toBe(401);

    const token = await bearer(g);
    const ok = await fetch(`${g.url}/v1.0/users/delta`, { headers: { Authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    clock += 999; // still valid just before expires_in…
    expect((await fetch(`${g.url}/v1.0/users/delta`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    clock += 1; // …and expired at it
    expect((await fetch(`${g.url}/v1.0/users/delta`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('expireAccessTokens() revokes every issued token', async () => {
    const g = await start();
    const token = await bearer(g);
    g.expireAccessTokens();
    expect((await fetch(`${g.url}/v1.0/users/delta`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('refuses a permission the app lacks with 403 Authorization_RequestDenied', async () => {
    const g = await start({ permissions: ['User.Read.All'] });
    expect((await get(g, 'users/delta')).status).toBe(200);
    const res = await get(g, 'groups/delta');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
  });

  it('answers unknown segments and ids like Graph', async () => {
    const g = await start();
    expect(await (await get(g, 'nonsense')).json()).toMatchObject({ error: { code: 'BadRequest' } });
    const missing = await get(g, 'users/00000000-0000-0000-0000-000000000000');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
  });
});

describe('users/delta', () => {
  it('pages the first round to a deltaLink, then returns only changes', async () => {
    const g = await start({ pageSize: 10 });
    const { users } = g.seed({ users: 25 });
    const first = await round(g, 'users/delta?$select=displayName,jobTitle,department');
    expect(first.pages).toHaveLength(3);
    for (const p of first.pages.slice(0, 2)) expect(p['@odata.nextLink']).toMatch(new RegExp(`^${g.url}/v1\\.0/users/delta\\?\\$skiptoken=`));
    expect(first.deltaLink).toMatch(new RegExp(`^${g.url}/v1\\.0/users/delta\\?\\$deltatoken=`));
    expect(new Set(first.items.map((u) => u.id)).size).toBe(25);
    expect(Object.keys(first.items[0] ?? {}).sort()).toEqual(['department', 'displayName', 'id', 'jobTitle']);

    const [a, b, c, d] = users.map((u) => u.id) as [string, string, string, string];
    g.updateUser(a, { jobTitle: 'Chief Badge Officer' });
    g.updateUser(b, { mobilePhone: '+1 555 0100' }); // not selected: must not appear
    g.deleteUser(c);
    g.deleteUser(d, { hard: true });
    const added = g.addUser({ displayName: 'New Starter', department: 'Sales' });
    const second = await round(g, first.deltaLink);
    const byId = new Map(second.items.map((u) => [u.id, u]));
    expect([...byId.keys()].sort()).toEqual([a, c, d, added.id].sort());
    expect(byId.get(a)).toMatchObject({ jobTitle: 'Chief Badge Officer', displayName: users[0]?.displayName, department: users[0]?.department });
    expect(byId.get(c)).toEqual({ id: c, '@removed': { reason: 'changed' } });
    expect(byId.get(d)).toEqual({ id: d, '@removed': { reason: 'deleted' } });
    expect(byId.get(added.id)).toMatchObject({ displayName: 'New Starter', jobTitle: null });

    const third = await round(g, second.deltaLink);
    expect(third.items).toEqual([]);
  });

  it('keeps a round consistent when users change mid-round, and pages change rounds too', async () => {
    const g = await start({ pageSize: 2 });
    const { users } = g.seed({ users: 6 });
    const firstPage = await getJson(g, 'users/delta?$select=displayName');
    const gone = users[4]?.id ?? '';
    g.deleteUser(gone); // not yet returned: the rest of the round must not shift past anyone
    const rest = await round(g, firstPage['@odata.nextLink'] as string);
    const seen = [...(firstPage.value ?? []), ...rest.items].map((u) => u.id);
    expect(seen.sort()).toEqual(users.map((u) => u.id).filter((id) => id !== gone).sort());

    for (const u of users.slice(0, 3)) g.updateUser(u.id, { displayName: `${u.displayName} (renamed)` });
    const changes = await round(g, rest.deltaLink);
    expect(changes.pages).toHaveLength(2);
    expect(changes.items.map((u) => u.id).sort()).toEqual([...users.slice(0, 3).map((u) => u.id), gone].sort());
    expect(changes.items.find((u) => u.id === gone)).toEqual({ id: gone, '@removed': { reason: 'changed' } });
    expect(g.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1.0/users/delta', status: 200 });
    expect(g.requests.some((r) => r.path === `/${g.tenantId}/oauth2/v2.0/token`)).toBe(true);
  });

  it('honours Prefer: return=minimal on a deltaLink', async () => {
    const g = await start();
    const [u] = g.seed({ users: 3 }).users;
    const { deltaLink } = await round(g, 'users/delta?$select=displayName,jobTitle');
    g.updateUser(u?.id ?? '', { jobTitle: 'Lead' });
    const page = await getJson(g, deltaLink, { Prefer: 'return=minimal' });
    expect(page.value).toEqual([{ id: u?.id, jobTitle: 'Lead' }]);
  });

  it('supports $deltatoken=latest (sync from now)', async () => {
    const g = await start();
    g.seed({ users: 5 });
    const page = await getJson(g, 'users/delta?$deltatoken=latest&$select=displayName');
    expect(page.value).toEqual([]);
    const u = g.addUser({ displayName: 'After' });
    const next = await round(g, page['@odata.deltaLink'] as string);
    expect(next.items).toEqual([{ id: u.id, displayName: 'After' }]);
  });

  it('tracks manager via manager@delta and serves /manager', async () => {
    const g = await start();
    const boss = g.addUser({ displayName: 'Boss' });
    const boss2 = g.addUser({ displayName: 'Boss 2' });
    const worker = g.addUser({ displayName: 'Worker', managerId: boss.id });
    const first = await round(g, 'users/delta?$select=displayName,manager');
    expect(first.items.find((u) => u.id === worker.id)?.['manager@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: boss.id }]);
    g.updateUser(worker.id, { managerId: boss2.id });
    const second = await round(g, first.deltaLink);
    expect(second.items).toEqual([{
      id: worker.id, displayName: 'Worker', 'manager@delta': [
        { '@odata.type': '#microsoft.graph.user', id: boss2.id },
        { '@odata.type': '#microsoft.graph.user', id: boss.id, '@removed': { reason: 'deleted' } },
      ],
    }]);
    // A change to another property: the user comes back without manager@delta, as Graph sends a
    // navigation property only when it changed (user-delta; delta-query-overview).
    g.updateUser(worker.id, { displayName: 'Worker (renamed)' });
    const third = await round(g, second.deltaLink);
    expect(third.items).toEqual([{ id: worker.id, displayName: 'Worker (renamed)' }]);
    // Removal: only the @removed link.
    g.updateUser(boss.id, { managerId: boss2.id });
    g.updateUser(boss.id, { managerId: null });
    const fourth = await round(g, third.deltaLink);
    expect(fourth.items).toEqual([{
      id: boss.id, displayName: 'Boss', 'manager@delta': [{ '@odata.type': '#microsoft.graph.user', id: boss2.id, '@removed': { reason: 'deleted' } }],
    }]);
    expect(await getJson(g, `users/${worker.id}/manager?$select=id`)).toMatchObject({ id: boss2.id, '@odata.type': '#microsoft.graph.user' });
    expect(await getJson(g, `users/${worker.id}?$select=displayName&$expand=manager($select=id)`))
      .toMatchObject({ id: worker.id, displayName: 'Worker (renamed)', manager: { id: boss2.id } });
    const none = await get(g, `users/${boss.id}/manager?$select=id`);
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
  });

  it('serves photos as JPEG bytes or 404 ImageNotFound', async () => {
    const g = await start();
    const [withPhoto, without] = g.seed({ users: 2 }).users;
    g.setPhoto(withPhoto?.id ?? '');
    const res = await get(g, `users/${withPhoto?.id}/photo/$value`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect([...bytes.subarray(-2)]).toEqual([0xff, 0xd9]);
    const missing = await get(g, `users/${without?.id}/photo/$value`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'ImageNotFound' } });
  });

  it('refuses tampered or foreign tokens with 400', async () => {
    const g = await start({ pageSize: 2 });
    g.seed({ users: 5, groups: [{ name: 'G', members: 5 }] });
    const page = await getJson(g, 'users/delta');
    const next = new URL(page['@odata.nextLink'] as string);
    const skip = next.searchParams.get('$skiptoken') ?? '';
    const tampered = await get(g, `users/delta?$skiptoken=${encodeURIComponent(`x${skip}`)}`);
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toMatchObject({ error: { code: 'BadRequest' } });
    expect((await get(g, `groups/delta?$skiptoken=${encodeURIComponent(skip)}`)).status).toBe(400);
    expect((await get(g, `users/delta?$deltatoken=${encodeURIComponent(skip)}`)).status).toBe(400);
  });
});

describe('groups/delta', () => {
  it('splits a large group across pages and scopes by id filter', async () => {
    const g = await start({ pageSize: 10 });
    const { groups } = g.seed({ users: 40, groups: [{ name: 'Badge holders', members: 25 }, { name: 'Other', members: 3 }, { name: 'Visitors', members: 4 }] });
    const [big, other, visitors] = groups as [typeof groups[0], typeof groups[0], typeof groups[0]];
    const filter = encodeURIComponent(`id eq '${big.id}' or id eq '${visitors.id}'`);
    const first = await round(g, `groups/delta?$select=displayName,members&$filter=${filter}`);
    const bigPages = first.items.filter((x) => x.id === big.id);
    expect(bigPages.length).toBeGreaterThan(1);
    for (const p of bigPages) expect(p.displayName).toBe('Badge holders');
    const members = new Map<string, Set<string>>();
    for (const item of first.items) {
      const set = members.get(item.id as string) ?? new Set<string>();
      for (const m of (item['members@delta'] as { id: string }[] | undefined) ?? []) set.add(m.id);
      members.set(item.id as string, set);
    }
    expect([...members.keys()].sort()).toEqual([big.id, visitors.id].sort());
    expect([...(members.get(big.id) ?? [])].sort()).toEqual([...big.members].sort());
    expect(members.get(visitors.id)?.size).toBe(4);
    expect(first.items.some((x) => x.id === other.id)).toBe(false);

    const leaver = big.members[0] ?? '';
    const joiner = g.addUser({ displayName: 'Joiner' });
    g.removeMember(big.id, leaver);
    g.addMember(big.id, joiner.id);
    g.deleteUser(big.members[1] ?? '');
    g.addMember(other.id, joiner.id); // out of scope
    g.deleteGroup(visitors.id);
    const second = await round(g, first.deltaLink);
    const changedBig = second.items.find((x) => x.id === big.id);
    expect(changedBig?.displayName).toBe('Badge holders');
    expect(changedBig?.['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: leaver, '@removed': { reason: 'deleted' } },
      { '@odata.type': '#microsoft.graph.user', id: joiner.id },
      { '@odata.type': '#microsoft.graph.user', id: big.members[1], '@removed': { reason: 'deleted' } },
    ]);
    expect(second.items.find((x) => x.id === visitors.id)).toEqual({ id: visitors.id, '@removed': { reason: 'changed' } });
    expect(second.items.some((x) => x.id === other.id)).toBe(false);
  });

  it('refuses a scoping filter with more than 50 ids', async () => {
    const g = await start();
    const ids = Array.from({ length: 51 }, (_, i) => `id eq '00000000-0000-0000-0000-${String(i).padStart(12, '0')}'`);
    expect((await get(g, `groups/delta?$filter=${encodeURIComponent(ids.join(' or '))}`)).status).toBe(400);
  });
});

describe('group picker and $count', () => {
  it('filters with startswith, searches with ConsistencyLevel, and pages with $top', async () => {
    const g = await start();
    for (const name of ['Badge Office', 'badge printers', 'Facilities', 'Site Badge Team']) g.addGroup(name);
    const starts = await getJson(g, `groups?$filter=${encodeURIComponent("startswith(displayName,'badge')")}&$select=id,displayName`);
    expect(starts.value?.map((x) => x.displayName)).toEqual(['Badge Office', 'badge printers']);

    const noHeader = await get(g, `groups?$search=${encodeURIComponent('"displayName:badge"')}`);
    expect(noHeader.status).toBe(400);
    expect(await noHeader.json()).toMatchObject({ error: { code: 'Request_UnsupportedQuery' } });
    const search = await getJson(g, `groups?$search=${encodeURIComponent('"displayName:badge"')}&$top=2&$count=true`, { ConsistencyLevel: 'eventual' });
    expect(search['@odata.count']).toBe(3);
    expect(search.value).toHaveLength(2);
    const rest = await getJson(g, search['@odata.nextLink'] as string);
    expect(rest.value?.map((x) => x.displayName)).toEqual(['Site Badge Team']);
    expect(rest['@odata.nextLink']).toBeUndefined();
  });

  it('answers $count only with ConsistencyLevel: eventual', async () => {
    const g = await start();
    g.seed({ users: 7, groups: [{ name: 'A', members: 2 }] });
    const refused = await get(g, 'users/$count');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'Request_BadRequest', message: '$count is not currently supported.' } });
    const users = await get(g, 'users/$count', { ConsistencyLevel: 'eventual' });
    expect(users.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(Number((await users.text()).trim())).toBe(7);
    expect(Number((await (await get(g, 'groups/%24count', { ConsistencyLevel: 'eventual' })).text()).trim())).toBe(1);
  });
});

describe('fault injection', () => {
  it('throttles with 429, a fractional Retry-After and Graph\'s body, then recovers', async () => {
    const g = await start();
    g.inject({ path: 'users/delta', status: 429, retryAfter: '0.5', times: 2, afterRequests: 1 });
    expect((await get(g, 'users/delta')).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await get(g, 'users/delta');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('0.5');
      expect(await res.json()).toMatchObject({ error: { code: 'TooManyRequests', message: 'Please retry again later.', innerError: { status: '429' } } });
    }
    expect((await get(g, 'users/delta')).status).toBe(200);
    expect((await get(g, 'groups/delta')).status).toBe(200);
    expect(g.requests.filter((r) => r.path === '/v1.0/users/delta').map((r) => r.status)).toEqual([200, 429, 429, 200]);
  });

  it('answers 503 ServiceNotAvailable and injected 401', async () => {
    const g = await start();
    g.inject({ path: 'groups/*', status: 503, retryAfter: '2' });
    g.inject({ path: 'users/delta', status: 401 });
    const unavailable = await get(g, 'groups/delta');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('2');
    expect(await unavailable.json()).toMatchObject({ error: { code: 'ServiceNotAvailable' } });
    expect(await (await get(g, 'users/delta')).json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  });

  it('answers an injected 410 with a Location for a full resync', async () => {
    const g = await start();
    g.seed({ users: 3 });
    const { deltaLink } = await round(g, 'users/delta?$select=displayName');
    g.inject({ path: 'users/delta', status: 410 });
    const gone = await get(g, deltaLink);
    expect(gone.status).toBe(410);
    expect(await gone.json()).toMatchObject({ error: { code: 'resyncRequired' } });
    expect(gone.headers.get('location')).toBe(`${g.url}/v1.0/users/delta?$deltatoken=&$select=displayName`);
  });

  it('expireDeltaTokens() makes old tokens answer syncStateNotFound; Location starts over', async () => {
    const g = await start({ pageSize: 2 });
    g.seed({ users: 5 });
    const firstPage = await getJson(g, 'users/delta?$select=displayName');
    const { deltaLink } = await round(g, 'users/delta?$select=displayName');
    g.expireDeltaTokens();
    for (const stale of [deltaLink, firstPage['@odata.nextLink'] as string]) {
      const res = await get(g, stale);
      expect(res.status).toBe(410);
      expect(await res.json()).toMatchObject({ error: { code: 'syncStateNotFound' } });
    }
    const location = (await get(g, deltaLink)).headers.get('location') ?? '';
    const full = await round(g, location);
    expect(full.items).toHaveLength(5);
    expect((await get(g, full.deltaLink)).status).toBe(200);
  });
});

describe('seeding', () => {
  // No wall-clock budget here: on a busy machine any time limit fails for reasons that are not the
  // emulator's. Seeding is linear (one pass per user and member); what matters is what it produces.
  it('creates 10,000 realistic users and serves them in full', async () => {
    const g = await start({ pageSize: 999 });
    const { users, groups } = g.seed({ users: 10_000, groups: [{ name: 'Everyone', members: 10_000 }] });
    expect(users).toHaveLength(10_000);
    expect(groups[0]?.members).toHaveLength(10_000);
    expect(users[500]).toMatchObject({ accountEnabled: expect.any(Boolean), employeeId: expect.any(String) });
    expect(users[500]?.managerId).toEqual(expect.any(String));
    const all = await round(g, 'users/delta?$select=displayName,employeeId,onPremisesExtensionAttributes');
    expect(all.items).toHaveLength(10_000);
    expect(all.pages).toHaveLength(11);
  });
});
