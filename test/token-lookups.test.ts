/**
 * Every SCIM request looks up its token and the token's list. On SQLite a serving node keeps the
 * look-up while the rows it read stay the same (src/store/sqlite/table-watch.ts), and PostgreSQL
 * looks it up each time; on both, a change made anywhere reaches the very next request: a token
 * revoked, a list no longer synced by SCIM, by this node or by another connection (the `muster`
 * command, another node).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { ENGINE } from './helpers/database.js';
import { openDatabase, type Connection } from '../src/store/connect.js';
import { TOKEN_LOOKUP_READS } from '../src/store/tokens-repo.js';
import { call, startServer, user, type TestServer } from './helpers/server.js';
import { TokenAuth } from '../src/http/auth.js';

let srv: TestServer | undefined;
let node2: TestServer | undefined;
let other: Connection | undefined;
afterEach(async () => {
  await node2?.close();
  node2 = undefined;
  await other?.db.destroy();
  other = undefined;
  await srv?.close();
  srv = undefined;
});

/** Counts the statements this process runs on SQLite whose text matches `re`, while `fn` runs. */
async function statementsRun(re: RegExp, fn: () => Promise<void>): Promise<number> {
  const probe = new BetterSqlite3(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<'all' | 'get' | 'run' | 'iterate', (...a: unknown[]) => unknown>;
  probe.close();
  let n = 0;
  const spies = (['all', 'get', 'run', 'iterate'] as const).map((m) => {
    const original = proto[m];
    return vi.spyOn(proto, m).mockImplementation(function (this: { source: string }, ...a: unknown[]) {
      if (re.test(this.source)) n++;
      return original.apply(this, a);
    });
  });
  try {
    await fn();
  } finally {
    for (const s of spies) s.mockRestore();
  }
  return n;
}

const TOKEN_LOOKUP = /from "tokens" inner join "lists"/;
/** The read of people's groups (UsersRepo.groupsOf). */
const GROUPS_OF = /from "group_members" as "gm" inner join "groups"/;
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe(`a token's look-up (${ENGINE})`, () => {
  it('watches every column of a token it reads (all but a use\'s time) and only columns its list has', async () => {
    srv = await startServer();
    const tables = await srv.muster.store.db.introspection.getTables();
    const columns = (name: string) => tables.find((t) => t.name === name)!.columns.map((c) => c.name).sort();
    // The look-up reads every column of tokens (selectAll): a new one is watched, or said not to matter here.
    expect([...TOKEN_LOOKUP_READS.tokens, 'last_used_at'].sort()).toEqual(columns('tokens'));
    for (const c of TOKEN_LOOKUP_READS.lists) expect(columns('lists')).toContain(c);
    for (const c of TOKEN_LOOKUP_READS.list_counts) expect(columns('list_counts')).toContain(c);
  });

  it('reaches the next request when another connection revokes the token or turns SCIM off, and when this node does', async () => {
    srv = await startServer();
    const list = await srv.newList({ name: 'Kept' });
    const second = await srv.newList({ name: 'Second' });
    other = await openDatabase(srv.databaseUrl);

    let looked = await statementsRun(TOKEN_LOOKUP, async () => {
      for (let i = 0; i < 20; i++) expect((await list.req('GET', '/Users')).status).toBe(200);
    });
    // SQLite keeps it: at most once for twenty requests (a use's time, written once a minute, is not watched).
    if (ENGINE === 'sqlite') expect(looked).toBeLessThanOrEqual(1);

    // Another connection (the `muster` command, another node) revokes the token while requests are
    // in flight: every request sent after the revocation is refused.
    const inFlight = Array.from({ length: 16 }, () => list.req('GET', '/Users'));
    await other.db.updateTable('tokens').set({ revoked_at: new Date().toISOString() }).where('list_id', '=', list.id).execute();
    const after = await Promise.all(Array.from({ length: 16 }, () => list.req('GET', '/Users')));
    for (const r of await Promise.all(inFlight)) expect([200, 401]).toContain(r.status);
    for (const r of after) expect(r.status, r.text).toBe(401);

    // Another connection turns SCIM off for the second list: its token's next request is refused with 403.
    expect((await second.req('GET', '/Users')).status).toBe(200);
    await other.db.updateTable('lists').set({ sync_method: 'none' }).where('id', '=', second.id).execute();
    const off = await second.req('GET', '/Users');
    expect(off.status, off.text).toBe(403);
    await other.db.updateTable('lists').set({ sync_method: 'scim' }).where('id', '=', second.id).execute();
    expect((await second.req('GET', '/Users')).status).toBe(200);

    // This node turns strict mode on: the next request is strict (Entra ID's "True" for a boolean refused).
    expect((await second.req('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@example.org', active: 'True' })).status).toBe(201);
    const org = await srv.muster.lists.resolveOrganisation('Test organisation');
    const key = await srv.adminKey(org.id);
    const patched = await fetch(`${srv.origin}/api/v1/lists/${second.id}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ strict: true }),
    });
    expect(patched.status).toBe(200);
    const strict = await second.req('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'grace@example.org', active: 'True' });
    expect(strict.status, strict.text).toBe(400);

    // This node revokes the second list's token through the admin API: refused at once.
    const tokens = await fetch(`${srv.origin}/api/v1/lists/${second.id}/tokens`, { headers: { authorization: `Bearer ${key}` } });
    const [token] = ((await tokens.json()) as { tokens: { id: string }[] }).tokens;
    const revoked = await fetch(`${srv.origin}/api/v1/lists/${second.id}/tokens/${token!.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
    expect(revoked.status).toBeLessThan(300);
    expect((await second.req('GET', '/Users')).status).toBe(401);

    // A token never seen is looked up each time, and refused.
    looked = await statementsRun(TOKEN_LOOKUP, async () => {
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${list.base}/Users`, { headers: { authorization: 'Bearer mst_not_a_token' } });
        expect(r.status).toBe(401);
      }
    });
    if (ENGINE === 'sqlite') expect(looked).toBe(3);
  });

  it('says whether the list holds a group: a read in a list without one does not read people\'s groups, and a group made anywhere reaches the next read', async () => {
    srv = await startServer();
    const list = await srv.newList({ name: 'Groups later' });
    const ada = (await list.req('POST', '/Users', user('ada'))).body.id as string;
    const grace = (await list.req('POST', '/Users', user('grace'))).body.id as string;
    const reads = async (fn: () => Promise<void>) => (ENGINE === 'sqlite' ? statementsRun(GROUPS_OF, fn) : (await fn(), 0));

    // No group yet: a person read by id and by filter comes without groups, and they are not read.
    const none = await reads(async () => {
      const got = await list.req('GET', `/Users/${ada}`);
      expect(got.status, got.text).toBe(200);
      expect(got.body.groups).toBeUndefined();
      const found = await list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "ada"')}`);
      expect(found.body.Resources.map((r: { id: string; groups?: unknown }) => [r.id, r.groups])).toEqual([[ada, undefined]]);
      // Nor does the answer to a PATCH or a PUT of a person.
      const patched = await list.req('PATCH', `/Users/${ada}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Analyst' }] });
      expect([patched.status, patched.body.title, patched.body.groups]).toEqual([200, 'Analyst', undefined]);
      const put = await list.req('PUT', `/Users/${grace}`, user('grace', { title: 'Admiral' }));
      expect([put.status, put.body.title, put.body.groups]).toEqual([200, 'Admiral', undefined]);
    });
    if (ENGINE === 'sqlite') expect(none).toBe(0);

    // This node creates a group holding ada: her next read has it.
    const staff = await list.req('POST', '/Groups', { schemas: [GROUP], displayName: 'Staff', members: [{ value: ada }] });
    expect(staff.status, staff.text).toBe(201);
    const withGroup = await list.req('GET', `/Users/${ada}`);
    expect(withGroup.body.groups.map((g: { value: string; display: string }) => [g.value, g.display])).toEqual([[staff.body.id, 'Staff']]);
    // So has the answer to her next PATCH.
    const patchedLater = await list.req('PATCH', `/Users/${ada}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] });
    expect(patchedLater.body.groups.map((g: { display: string }) => g.display)).toEqual(['Staff']);

    // Another node on the same database deletes it and makes another, holding grace: the next reads here say so.
    node2 = await startServer({}, { sharing: srv });
    const on2 = (method: string, p: string, body?: unknown) => call(`${node2!.origin}/scim/v2/lists/${list.id}${p}`, {
      method, headers: { authorization: `Bearer ${list.token}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect((await on2('DELETE', `/Groups/${staff.body.id}`)).status).toBe(204);
    expect((await list.req('GET', `/Users/${ada}`)).body.groups).toBeUndefined();
    const night = await on2('POST', '/Groups', { schemas: [GROUP], displayName: 'Night shift', members: [{ value: grace }] });
    expect(night.status, night.text).toBe(201);
    const found = await list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "grace"')}`);
    expect(found.body.Resources[0].groups.map((g: { display: string }) => g.display)).toEqual(['Night shift']);
  });

  it('shows the groups of people a filter found by their groups, even when the list held none as the token was checked', async () => {
    srv = await startServer();
    const list = await srv.newList({ name: 'Group made meanwhile' });
    const ada = (await list.req('POST', '/Users', user('ada'))).body.id as string;
    const staff = await list.req('POST', '/Groups', { schemas: [GROUP], displayName: 'Staff', members: [{ value: ada }] });
    expect(staff.status, staff.text).toBe(201);
    // As if the group had been made between this request's token check and its read.
    const check = TokenAuth.prototype.authenticate;
    const stale = vi.spyOn(TokenAuth.prototype, 'authenticate').mockImplementation(async function (this: TokenAuth, ...a: Parameters<TokenAuth['authenticate']>) {
      return { ...(await check.apply(this, a)), listHasGroups: false };
    });
    try {
      const groupsOf = async (filter: string) => {
        const r = await list.req('GET', `/Users?filter=${encodeURIComponent(filter)}`);
        expect(r.status, r.text).toBe(200);
        return r.body.Resources.map((x: { id: string; groups?: { value: string }[] }) => [x.id, x.groups?.map((g) => g.value)]);
      };
      for (const filter of [`groups.value eq "${staff.body.id}"`, 'groups[display eq "Staff"]', 'not (groups pr) or userName eq "ada"', `urn:ietf:params:scim:schemas:core:2.0:User:GROUPS.value eq "${staff.body.id}"`]) {
        expect(await groupsOf(filter), filter).toEqual([[ada, [staff.body.id]]]);
      }
      // A filter that does not name groups answers as of the token check.
      expect(await groupsOf('userName eq "ada"')).toEqual([[ada, undefined]]);
      expect(stale).toHaveBeenCalled();
    } finally {
      stale.mockRestore();
    }
  });
});
