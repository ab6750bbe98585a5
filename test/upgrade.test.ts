/**
 * Upgrades (issue 17, item 4). Each released version's database, as scripts/make-upgrade-fixture.mjs
 * made it with that version's own code and APIs (test/fixtures/upgrade/<tag>/), is loaded into a fresh
 * database and opened by this build: the migrations since apply, and what the old version served
 * (people, groups, tokens, admin accounts, audit chains) is still served, and still verifies after new
 * writes. Then the rolling upgrade: an older node refuses a newer schema (MUSTER_SCHEMA_NEWER), and
 * two new nodes starting at once migrate once.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildMuster, listen, type Muster } from '../src/main.js';
import { main } from '../src/cli/main.js';
import { openDatabase, StoreError } from '../src/store/index.js';
import { MIGRATION_NAMES } from '../src/store/connect.js';
import { COMPACT_JOB } from '../src/jobs/compact-job.js';
import { ENGINE, freshDatabase, type TestDatabase } from './helpers/database.js';
import { call, ENTERPRISE, PATCH_OP, USER_SCHEMA } from './helpers/server.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'upgrade');
const BIN = path.join(import.meta.dirname, '..', 'bin', 'muster.js');
/** Sign-ins hash passwords with scrypt: slow on a loaded machine (test/admin-accounts.test.ts). */
const SLOW = 120_000;

interface Account { readonly email: string; readonly password: string; readonly role?: string }
interface UserView { readonly id: string; readonly userName: string; readonly [k: string]: unknown }
interface GroupView { readonly id: string; readonly displayName: string; readonly members: readonly string[]; readonly [k: string]: unknown }
interface FixtureList {
  readonly id: string; readonly name: string; readonly tokens: readonly string[]; readonly revokedTokens: readonly string[];
  readonly users: readonly UserView[]; readonly groups: readonly GroupView[]; readonly auditEvents: number; readonly auditOk: boolean;
}
interface Fixture {
  readonly tag: string;
  readonly secretKey: string;
  readonly admins: { readonly owner: Account; readonly admin: Account; readonly viewer: Account };
  readonly adminKey: string;
  readonly lists: readonly FixtureList[];
  readonly sql: string;
}

/** Every released version with a fixture: a new release adds a directory, and this suite covers it. */
const TAGS = fs.readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

function fixture(tag: string): Fixture {
  const dir = path.join(FIXTURES, tag);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return { tag, ...manifest.engines[ENGINE], sql: fs.readFileSync(path.join(dir, `${ENGINE}.sql`), 'utf8') };
}

/** A fresh database holding the fixture's dump, exactly as the old version left it. */
async function loadFixture(f: Fixture | undefined): Promise<TestDatabase> {
  const db = await freshDatabase();
  if (ENGINE === 'sqlite') {
    const s = new BetterSqlite3(db.url);
    // WAL as Muster opens it, so that a node opening it later never needs to change the journal mode.
    s.pragma('journal_mode = WAL');
    if (f) s.exec(f.sql);
    s.close();
  } else if (f) {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(f.sql);
    await c.end();
  }
  return db;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Node { readonly origin: string; readonly muster: Muster }

/** This build's Muster over the database (the migrations run here), on a real socket. */
async function start(db: TestDatabase, secretKey: string): Promise<Node> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-data-'));
  const config = loadConfig({
    MUSTER_DATABASE_URL: db.url, MUSTER_DATA_DIR: dataDir, MUSTER_SECRET_KEY: secretKey, MUSTER_LOG_LEVEL: 'silent',
    MUSTER_RATE_LIMIT: '0', MUSTER_SIGN_IN_LIMIT: '0', MUSTER_PUBLIC_RATE_LIMIT: '0',
  });
  const muster = await buildMuster(config, undefined, false);
  const { server } = await listen(muster.app, 0, '127.0.0.1');
  cleanups.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await muster.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, muster };
}

const scim = (origin: string, listId: string, token: string) => (method: string, p: string, body?: unknown) => call(`${origin}/scim/v2/lists/${listId}${p}`, {
  method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
  body: body === undefined ? undefined : JSON.stringify(body),
});

/** The same views scripts/make-upgrade-fixture.mjs recorded from the old version. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SCIM resources as JSON
const userView = (u: any) => ({
  id: u.id, userName: u.userName, externalId: u.externalId ?? null, active: u.active, name: u.name ?? null, title: u.title ?? null,
  emails: (u.emails ?? []).map((e: { value: string }) => e.value).sort(), department: u[ENTERPRISE]?.department ?? null,
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SCIM resources as JSON
const groupView = (g: any) => ({ id: g.id, displayName: g.displayName, externalId: g.externalId ?? null, members: (g.members ?? []).map((m: { value: string }) => m.value).sort() });

async function migrationRows(url: string): Promise<string[]> {
  const c = await openDatabase(url);
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(c.db);
    return rows.map((r) => r.name);
  } finally {
    await c.db.destroy();
  }
}

async function signIn(origin: string, a: Account) {
  return call(`${origin}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: a.email, password: a.password }) });
}

describe.each(TAGS)('a database made by Muster %s', (tag) => {
  it('upgrades: the migrations since apply, and people, groups, tokens, accounts and audit chains survive', { timeout: SLOW }, async () => {
    const f = fixture(tag);
    const db = await loadFixture(f);
    cleanups.push(() => db.drop());
    const node = await start(db, f.secretKey);

    // Every migration of this build is recorded once; the old ones are still there.
    const names = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(node.muster.store.db);
    expect(names.rows.map((r) => r.name)).toEqual([...MIGRATION_NAMES].sort());

    for (const list of f.lists) {
      // Every token the old version issued still authenticates; the revoked one still does not.
      for (const token of list.tokens) expect((await scim(node.origin, list.id, token)('GET', '/Users?count=1')).status).toBe(200);
      for (const token of list.revokedTokens) expect((await scim(node.origin, list.id, token)('GET', '/Users?count=1')).status).toBe(401);
      const s = scim(node.origin, list.id, list.tokens[0]!);
      const users = (await s('GET', '/Users?count=100')).body;
      expect(users.totalResults).toBe(list.users.length);
      expect(users.Resources.map(userView).sort((a: UserView, b: UserView) => a.userName.localeCompare(b.userName))).toEqual(list.users);
      const groups = (await s('GET', '/Groups?count=100')).body;
      expect(groups.Resources.map(groupView).sort((a: GroupView, b: GroupView) => a.displayName.localeCompare(b.displayName))).toEqual(list.groups);
      // Each person one by one too (the single-resource path reads other columns than the list).
      for (const u of list.users) expect(userView((await s('GET', `/Users/${u.id}`)).body)).toEqual(u);

      // Each person's last change, which this version reads from the audit trail, is the one the
      // old version kept in the row (users.last_op, no longer written): same write, same IdP, same request.
      const kept = await node.muster.store.db.selectFrom('users').select(['id', 'last_op', 'fields', 'search']).where('list_id', '=', list.id).execute();
      expect(kept.length).toBe(list.users.length);
      for (const row of kept) {
        const old = JSON.parse(row.last_op!) as { action: string; idp: string | null; requestId: string | null };
        const shown = await call(`${node.origin}/api/v1/lists/${list.id}/people/${row.id}`, { headers: { authorization: `Bearer ${f.adminKey}` } });
        expect(shown.status, shown.text).toBe(200);
        expect(shown.body.lastOperation).toMatchObject({ action: old.action, idp: old.idp, requestId: old.requestId });
        // Their roster fields, still by key with a search text (migration 043 rewrites no one), show and are found as before.
        // (Written with their empty fields as null then: issue 16 left them out from a later version.)
        const fields = Object.fromEntries(Object.entries(JSON.parse(row.fields!) as Record<string, unknown>).filter(([, v]) => v !== null));
        expect(row.search).not.toBeNull();
        expect(Object.fromEntries(Object.entries(shown.body.fields as Record<string, unknown>).filter(([, v]) => v !== null))).toEqual(fields);
        const word = String(Object.values(fields).find((v) => typeof v === 'string' && !/\s/.test(v))).toUpperCase();
        const found = await call(`${node.origin}/api/v1/lists/${list.id}/people?search=${encodeURIComponent(word)}`, { headers: { authorization: `Bearer ${f.adminKey}` } });
        expect(found.body.people.map((p: { id: string }) => p.id)).toContain(row.id);
      }

      // The chain the old version wrote verifies under this version's hashing, event for event.
      const v = await node.muster.audit.verify(node.muster.store, list.id);
      expect(v).toEqual({ listId: list.id, ok: true, checked: list.auditEvents });
    }

    // The accounts sign in with the passwords they had, in their roles; the admin API key still works.
    for (const a of [f.admins.owner, f.admins.admin, f.admins.viewer]) {
      const r = await signIn(node.origin, a);
      expect(r.status, a.email).toBe(200);
      expect(r.body.admin.email).toBe(a.email);
    }
    const viaKey = await call(`${node.origin}/api/v1/lists`, { headers: { authorization: `Bearer ${f.adminKey}` } });
    expect(viaKey.status).toBe(200);
    expect(viaKey.body.lists.map((l: { name: string }) => l.name).sort()).toEqual(f.lists.map((l) => l.name).sort());
    expect((await signIn(node.origin, { email: f.admins.admin.email, password: 'not the password at all' })).status).toBe(401);
  });

  it('compacts each list\'s people in the background (migration 045): the new stored form, with nothing anyone sees changed', { timeout: SLOW }, async () => {
    const f = fixture(tag);
    const db = await loadFixture(f);
    cleanups.push(() => db.drop());
    const node = await start(db, f.secretKey);
    const store = node.muster.store;
    const queued = await store.db.selectFrom('jobs').select(['id', 'list_id', 'total']).where('kind', '=', COMPACT_JOB).execute();
    const withPeople = f.lists.filter((l) => l.users.length > 0);
    expect(queued.map((j) => [j.list_id, Number(j.total)]).sort()).toEqual(withPeople.map((l) => [l.id, l.users.length]).sort());
    // Each person's SCIM document (version included) and what the roster shows of them.
    const documents = async (list: FixtureList) => {
      const s = scim(node.origin, list.id, list.tokens[0]!);
      return Promise.all(list.users.map(async (u) => {
        const shown = await call(`${node.origin}/api/v1/lists/${list.id}/people/${u.id}`, { headers: { authorization: `Bearer ${f.adminKey}` } });
        return { scim: (await s('GET', `/Users/${u.id}`)).body as unknown, fields: shown.body.fields as unknown, problems: shown.body.problems as unknown };
      }));
    };
    const before = await Promise.all(withPeople.map(documents));
    // People the fixture's version stored in the old form (all, for a release before migration 043).
    const oldForm = async (listId: string) => Number((await store.db.selectFrom('users').select(sql<number>`count(*)`.as('n')).where('list_id', '=', listId)
      .where((eb) => eb.or([eb('search', 'is not', null), eb('fields', 'like', '{%')])).executeTakeFirstOrThrow()).n);
    const toConvert = await Promise.all(withPeople.map((l) => oldForm(l.id)));

    node.muster.startJobs();
    for (let i = 0; ; i++) {
      const jobs = await store.db.selectFrom('jobs').select(['status', 'result', 'list_id']).where('kind', '=', COMPACT_JOB).execute();
      if (jobs.every((j) => j.status === 'done')) {
        for (const [i, l] of withPeople.entries()) expect(JSON.parse(jobs.find((j) => j.list_id === l.id)!.result!)).toEqual({ converted: toConvert[i], processed: l.users.length });
        break;
      }
      expect(jobs.filter((j) => j.status === 'failed')).toEqual([]);
      if (i > 600) throw new Error('the compaction jobs did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const [i, list] of withPeople.entries()) {
      expect(await oldForm(list.id)).toBe(0);
      // Every document as it was, version (ETag) included; the audit trail holds no new event and verifies.
      expect(await documents(list)).toEqual(before[i]);
      expect(await node.muster.audit.verify(store, list.id)).toEqual({ listId: list.id, ok: true, checked: list.auditEvents });
    }
  });

  it('`muster lists compact --wait` works the compaction in the command, before any node starts, and a second run converts no one', { timeout: SLOW }, async () => {
    const f = fixture(tag);
    const db = await loadFixture(f);
    cleanups.push(() => db.drop());
    const run = async (...args: string[]) => {
      const out: string[] = [], err: string[] = [];
      const code = await main(['lists', 'compact', '--wait', '--json', ...args], {
        stdout: (x) => void out.push(x), stderr: (x) => void err.push(x),
        env: { MUSTER_DATABASE_URL: db.url, MUSTER_SECRET_KEY: f.secretKey, MUSTER_LOG_LEVEL: 'silent' }, stdin: async () => '', onStop: () => undefined,
      });
      expect(err.join('')).toBe('');
      return { code, jobs: JSON.parse(out.join('')) as { status: string; result: { converted: number; processed: number } }[] };
    };
    const withPeople = f.lists.filter((l) => l.users.length > 0);
    // The command migrates the database (045 queues a job a list) and waits for those jobs rather than queueing more.
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.jobs.map((j) => j.status)).toEqual(withPeople.map(() => 'done'));
    expect(first.jobs.map((j) => j.result.processed).sort()).toEqual(withPeople.map((l) => l.users.length).sort());
    const second = await run('--list', withPeople[0]!.id);
    expect(second).toEqual({ code: 0, jobs: [expect.objectContaining({ status: 'done', result: { converted: 0, processed: withPeople[0]!.users.length } })] });
    const node = await start(db, f.secretKey);
    for (const list of withPeople) {
      const rows = await node.muster.store.db.selectFrom('users').select(['fields', 'search']).where('list_id', '=', list.id).execute();
      expect(rows.every((r) => (r.fields === null || r.fields.startsWith('[')) && r.search === null)).toBe(true);
      expect(await node.muster.audit.verify(node.muster.store, list.id)).toEqual({ listId: list.id, ok: true, checked: list.auditEvents });
    }
  });

  it('keeps every audit chain verifying through new writes after the upgrade, and through `muster audit verify`', { timeout: SLOW }, async () => {
    const f = fixture(tag);
    const db = await loadFixture(f);
    cleanups.push(() => db.drop());
    const node = await start(db, f.secretKey);
    const [staff, second] = f.lists as [FixtureList, FixtureList];
    const s = scim(node.origin, staff.id, staff.tokens[1]!);
    const [first, other] = staff.users as [UserView, UserView];
    const group = staff.groups.find((g) => g.members.length > 0)!;

    // New people and changes to old ones, group membership, a deletion: each appends to the old chain.
    const created = await s('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'new.after.upgrade@fixture.example', active: true });
    expect(created.status).toBe(201);
    expect((await s('PATCH', `/Users/${first.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Upgraded' }] })).status).toBe(200);
    // The old version's copy of the last change is cleared by the write (an old node still serving would show none, not an old one).
    const row = await node.muster.store.db.selectFrom('users').select(['last_op', 'fields', 'search']).where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(row.last_op).toBeNull();
    // The write stores their fields by slot, without a search text, and records only what it changed.
    expect(row.fields!.startsWith('[')).toBe(true);
    expect(row.search).toBeNull();
    const [patched] = await node.muster.store.audit.query({ listId: staff.id, targetId: first.id, order: 'desc', limit: 1 });
    expect((JSON.parse(patched!.changes) as { field: string }[]).map((c) => c.field)).toEqual(['title', 'roster:job_title']);
    expect((await s('PATCH', `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: created.body.id }] }] })).status).toBeLessThan(300);
    expect((await s('DELETE', `/Users/${other.id}`)).status).toBe(204);
    const s2 = scim(node.origin, second.id, second.tokens[0]!);
    expect((await s2('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'new@contractor.example', emails: [{ value: 'new@contractor.example', primary: true }], active: true })).status).toBe(201);
    // An admin API change as well (a token, under the owner's session from the old version's password).
    const owner = await signIn(node.origin, f.admins.owner);
    const cookie = owner.headers.get('set-cookie')!.split(';')[0]!;
    const token = await call(`${node.origin}/api/v1/lists/${staff.id}/tokens`, {
      method: 'POST', headers: { cookie, 'x-csrf-token': owner.body.csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ label: 'After the upgrade' }),
    });
    expect(token.status).toBe(201);
    expect((await scim(node.origin, staff.id, token.body.secret)('GET', '/Users?count=1')).status).toBe(200);

    for (const list of f.lists) {
      const v = await node.muster.audit.verify(node.muster.store, list.id);
      expect(v.ok, JSON.stringify(v)).toBe(true);
      expect(v.checked).toBeGreaterThan(list.auditEvents);
    }
    // The operator's check: `muster audit verify` over the upgraded database, every list ok (exit 0).
    const out: string[] = [], err: string[] = [];
    const code = await main(['audit', 'verify', '--json'], {
      stdout: (x) => void out.push(x), stderr: (x) => void err.push(x),
      env: { MUSTER_DATABASE_URL: db.url, MUSTER_SECRET_KEY: f.secretKey, MUSTER_LOG_LEVEL: 'silent' }, stdin: async () => '', onStop: () => undefined,
    });
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    const results = JSON.parse(out.join('')) as Array<{ listId: string; ok: boolean }>;
    expect(results.map((r) => r.listId).sort()).toEqual(f.lists.map((l) => l.id).sort());
    expect(results.every((r) => r.ok)).toBe(true);
  });
});

describe('rolling upgrades', () => {
  const FUTURE = '999-from-a-newer-muster';

  it('an older node refuses a database a newer Muster migrated: MUSTER_SCHEMA_NEWER, exit 2, nothing changed', { timeout: SLOW }, async () => {
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const c = await openDatabase(db.url);
    await sql`insert into kysely_migration (name, timestamp) values (${FUTURE}, ${new Date().toISOString()})`.execute(c.db);
    await c.db.destroy();

    const refused = await openDatabase(db.url).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreError);
    expect(refused).toMatchObject({ code: 'MUSTER_SCHEMA_NEWER' });
    expect((refused as Error).message).toContain(`migration ${FUTURE}`);
    expect((refused as Error).message).toMatch(/newer Muster.*run that version or newer/);

    // `muster serve`, as a node of the older version starts: one line naming the migration, exit 2.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-data-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const out: string[] = [], err: string[] = [];
    const code = await main(['serve', '--port', '0'], {
      stdout: (x) => void out.push(x), stderr: (x) => void err.push(x),
      env: { MUSTER_DATABASE_URL: db.url, MUSTER_DATA_DIR: dataDir, MUSTER_LOG_LEVEL: 'silent', MUSTER_DEMO: 'false' },
      stdin: async () => '', onStop: () => undefined,
    });
    expect(code).toBe(2);
    expect(out.join('')).toBe('');
    expect(err.join('').trim().split('\n').at(-1)).toMatch(new RegExp(`^muster: this database was upgraded by a newer Muster \\(migration ${FUTURE}, .*\\[MUSTER_SCHEMA_NEWER\\]$`));

    // The refusal changed nothing: the newer version's record is intact and nothing else was added.
    const raw = ENGINE === 'sqlite' ? new BetterSqlite3(db.url, { readonly: true }) : undefined;
    try {
      const names = raw
        ? (raw.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name)
        : await pgNames(db.url);
      expect(names).toEqual([...MIGRATION_NAMES, FUTURE].sort());
    } finally {
      raw?.close();
    }
  });

  /**
   * Two nodes of this build (real processes: `muster audit verify` opens and migrates the database as
   * `serve` does) start while a third party holds the migration lock, so both must wait for it; when it
   * is released, one migrates and the other finds nothing left to do. Had both run a migration, the
   * second would fail (its tables exist), so two clean exits and one record per migration prove once.
   * Needs the built server (npm run build): bin/muster.js runs dist/.
   */
  it.each(['fresh', ...TAGS])('two new nodes starting at once on a %s database both start, and each migration runs once', { timeout: SLOW }, async (from) => {
    const f = from === 'fresh' ? undefined : fixture(from);
    const db = await loadFixture(f);
    cleanups.push(() => db.drop());
    const secretKey = f?.secretKey ?? randomBytes(32).toString('base64');

    const release = await holdMigrationLock(db.url);
    let released = false;
    cleanups.push(async () => {
      if (!released) await release.free();
    });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-data-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const env = { ...process.env, MUSTER_DATABASE_URL: db.url, MUSTER_SECRET_KEY: secretKey, MUSTER_DATA_DIR: dataDir, MUSTER_LOG_LEVEL: 'silent' };
    const nodes = [run(env), run(env)];
    await release.whenWaiting(nodes.map((n) => n.pid));
    released = true;
    await release.free();
    const results = await Promise.all(nodes.map((n) => n.done));
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lists = JSON.parse(r.stdout) as Array<{ ok: boolean }>;
      expect(lists.length).toBe(f?.lists.length ?? 0);
      expect(lists.every((l) => l.ok)).toBe(true);
    }
    expect(await migrationRows(db.url)).toEqual([...MIGRATION_NAMES].sort());
  });
});

describe('two openDatabase calls at once in one process', () => {
  it.each(['fresh', ...TAGS])('on a %s database both open, each migration recorded once', { timeout: SLOW }, async (from) => {
    const db = await loadFixture(from === 'fresh' ? undefined : fixture(from));
    cleanups.push(() => db.drop());
    const both = await Promise.all([openDatabase(db.url), openDatabase(db.url)]);
    for (const c of both) await c.db.destroy();
    expect(await migrationRows(db.url)).toEqual([...MIGRATION_NAMES].sort());
  });
});

async function pgNames(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ name: string }>('select name from kysely_migration order by name')).rows.map((r) => r.name);
  } finally {
    await c.end();
  }
}

function run(env: NodeJS.ProcessEnv): { pid: number; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, 'audit', 'verify', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
  return { pid: child.pid!, done };
}

/** Whether the process has the file open (Linux /proc; undefined where there is no /proc). */
function hasOpen(pid: number, file: string): boolean | undefined {
  const dir = `/proc/${pid}/fd`;
  if (!fs.existsSync('/proc/self/fd')) return undefined;
  try {
    const target = fs.realpathSync(file);
    return fs.readdirSync(dir).some((fd) => {
      try {
        return fs.readlinkSync(path.join(dir, fd)) === target;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Holds what a migrating node takes first, as another node in the middle of migrating would:
 * - PostgreSQL: Kysely's migration advisory lock (the key its PostgresAdapter uses); `whenWaiting`
 *   returns once that many other sessions wait for it in pg_locks;
 * - SQLite: the write lock (BEGIN IMMEDIATE), which Muster's migration takes first. SQLite shows
 *   no waiters, so `whenWaiting` waits until both processes have the file open (Linux /proc), which
 *   they do just before asking for the lock, then holds it past an ordinary write's busy timeout;
 *   they must wait, not fail.
 */
async function holdMigrationLock(url: string): Promise<{ whenWaiting(pids: readonly number[]): Promise<void>; free(): Promise<void> }> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  if (ENGINE === 'sqlite') {
    const s = new BetterSqlite3(url);
    s.prepare('begin immediate').run();
    return {
      async whenWaiting(pids) {
        // A node opens the file, checks it answers (select 1) and asks for the write lock at once:
        // once both have the file open, they are at the lock or a few statements from it.
        for (let i = 0; i < 300 && !pids.every((p) => hasOpen(p, url) ?? true); i++) await pause(100);
        // Held past an ordinary write's busy timeout (5 s, sqlite/open.ts): a node waits for a migration longer.
        await pause(6_000);
      },
      free: async () => {
        s.prepare('commit').run();
        s.close();
      },
    };
  }
  const KYSELY_MIGRATION_LOCK = '3853314791062309107';
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`select pg_advisory_lock(${KYSELY_MIGRATION_LOCK})`);
  return {
    async whenWaiting(pids) {
      const n = pids.length;
      for (let i = 0; i < 600; i++) {
        const { rows } = await c.query<{ n: string }>(
          "select count(*) as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())");
        if (Number(rows[0]!.n) >= n) return;
        await pause(100);
      }
      throw new Error(`${n} nodes never waited for the migration lock`);
    },
    async free() {
      await c.query(`select pg_advisory_unlock(${KYSELY_MIGRATION_LOCK})`);
      await c.end();
    },
  };
}
