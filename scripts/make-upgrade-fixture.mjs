#!/usr/bin/env node
/**
 * Makes the upgrade fixture of a released version (issue 17, item 4): a database as that version
 * leaves it, which test/upgrade.test.ts loads and opens with the current code on every run.
 *
 *   scripts/with-postgres.sh node scripts/make-upgrade-fixture.mjs [TAG]     (default v0.1.0)
 *
 * 1. checks TAG out into a temporary git worktree and builds its server (tsc); its node_modules is
 *    this checkout's when every package TAG pins is installed here at the same version, else
 *    `npm ci` there (from npm's cache when offline);
 * 2. on each engine (a fresh SQLite file; a fresh database on the cluster at MUSTER_TEST_PG_URL),
 *    starts TAG's `muster serve` and provisions representative data through its real APIs: the
 *    first-run owner, a second admin and a viewer, a failed sign-in, an admin API key, a list with
 *    the default SCIM schema and its tokens (one revoked), users created, replaced, patched,
 *    deactivated and deleted over SCIM, groups with members added and removed, a second list keyed
 *    on email; every change is in the lists' audit chains;
 * 3. records what TAG's own APIs answered (people, groups, audit verification) in manifest.json,
 *    with the secrets the test needs to sign in (test-only values, made here);
 * 4. stops it and dumps each database as SQL text: sqlite.sql (schema and INSERTs, written with
 *    better-sqlite3) and postgres.sql (pg_dump --inserts), into test/fixtures/upgrade/TAG/.
 *
 * The fixture is text, so a review sees what changed; it is made once per release, never at test
 * time (CI has no tags and no network).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '..');
const tag = process.argv[2] ?? 'v0.1.0';
const pgAdmin = process.env.MUSTER_TEST_PG_URL;
if (!pgAdmin) {
  console.error('make-upgrade-fixture: needs a PostgreSQL cluster: run it as scripts/with-postgres.sh node scripts/make-upgrade-fixture.mjs');
  process.exit(1);
}
const outDir = path.join(root, 'test', 'fixtures', 'upgrade', tag);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-fixture-'));
const src = path.join(tmp, 'src');
const git = (...args) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();

// Fixed, test-only secrets: the test signs in with them. Never used outside this fixture.
const SECRET_KEY = randomBytes(32).toString('base64');
const OWNER = { email: 'owner@fixture.example', name: 'Olive Owner', password: 'fixture owner password 1' };
const ADMIN = { email: 'admin@fixture.example', name: 'Adam Admin', role: 'admin', password: 'fixture admin password 2' };
const VIEWER = { email: 'viewer@fixture.example', name: 'Vera Viewer', role: 'viewer', password: 'fixture viewer password 3' };

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function installModules() {
  const pinned = JSON.parse(git('show', `${tag}:package.json`));
  const all = { ...pinned.dependencies, ...pinned.devDependencies };
  const mismatch = Object.entries(all).filter(([name, version]) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version !== version;
    } catch {
      return true;
    }
  });
  if (mismatch.length === 0) {
    fs.symlinkSync(fs.realpathSync(path.join(root, 'node_modules')), path.join(src, 'node_modules'));
    console.error(`${tag}: every pinned package is installed here at its version; sharing node_modules`);
  } else {
    console.error(`${tag}: ${mismatch.map(([n, v]) => `${n}@${v}`).join(', ')} differ from this checkout; npm ci`);
    execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: src, stdio: 'inherit' });
  }
}

async function serve(databaseUrl, dataDir) {
  const child = spawn(process.execPath, [path.join(src, 'bin', 'muster.js'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
    cwd: src,
    env: {
      ...process.env, MUSTER_DATABASE_URL: databaseUrl, MUSTER_DATA_DIR: dataDir, MUSTER_SECRET_KEY: SECRET_KEY, MUSTER_DEMO: 'false',
      MUSTER_LOG_LEVEL: 'warn', MUSTER_RATE_LIMIT: '0', MUSTER_SIGN_IN_LIMIT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const origin = await new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${tag} muster serve exited ${code}: ${out}`)));
  });
  return {
    origin,
    cli: (...args) => execFileSync(process.execPath, [path.join(src, 'bin', 'muster.js'), ...args], {
      cwd: src, encoding: 'utf8', env: { ...process.env, MUSTER_DATABASE_URL: databaseUrl, MUSTER_DATA_DIR: dataDir, MUSTER_SECRET_KEY: SECRET_KEY, MUSTER_LOG_LEVEL: 'silent' },
    }),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function call(url, init = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!res.ok && !init.allowFailure) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return { status: res.status, headers: res.headers, body };
}

/** The admin API as a signed-in browser would call it: session cookie and CSRF token. */
function adminClient(origin, cookie, csrf) {
  return (method, p, body) => call(`${origin}/api/v1${p}`, {
    method,
    headers: { cookie, 'x-csrf-token': csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function scimClient(base, token) {
  return (method, p, body) => call(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const person = (userName, given, family, extra = {}) => ({
  schemas: [USER, ENTERPRISE], userName, name: { givenName: given, familyName: family },
  emails: [{ value: userName, type: 'work', primary: true }], active: true, ...extra,
});
const patch = (...Operations) => ({ schemas: [PATCH], Operations });

/** What the test compares after the upgrade: the SCIM resources as this version served them. */
const userView = (u) => ({
  id: u.id, userName: u.userName, externalId: u.externalId ?? null, active: u.active, name: u.name ?? null, title: u.title ?? null,
  emails: (u.emails ?? []).map((e) => e.value).sort(), department: u[ENTERPRISE]?.department ?? null,
});
const groupView = (g) => ({ id: g.id, displayName: g.displayName, externalId: g.externalId ?? null, members: (g.members ?? []).map((m) => m.value).sort() });

async function provision(origin, cli) {
  const setup = await call(`${origin}/api/v1/auth/setup`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organisation: 'Fixture Organisation', ...OWNER }),
  });
  const cookie = setup.headers.get('set-cookie').split(';')[0];
  const admin = adminClient(origin, cookie, setup.body.csrfToken);

  await admin('POST', '/admins', ADMIN);
  await admin('POST', '/admins', VIEWER);
  // A failed sign-in and a successful one: the security log has both.
  await call(`${origin}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN.email, password: 'not the password at all' }), allowFailure: true });
  await call(`${origin}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }) });
  const adminKey = JSON.parse(cli('admin-keys', 'create', '--label', 'Fixture automation', '--json')).key;

  // The first list: the default schema (userName), an IdP token, a second token, a revoked third.
  const staff = (await admin('POST', '/lists', { name: 'Staff' })).body;
  const staffToken = staff.token.secret;
  const second = (await admin('POST', `/lists/${staff.list.id}/tokens`, { label: 'Okta production' })).body;
  const revoked = (await admin('POST', `/lists/${staff.list.id}/tokens`, { label: 'Old token' })).body;
  await admin('DELETE', `/lists/${staff.list.id}/tokens/${revoked.token.id}`);
  const base = `${origin}/scim/v2/lists/${staff.list.id}`;
  const scim = scimClient(base, staffToken);
  const okta = scimClient(base, second.secret);

  const ids = [];
  const people = [
    ['ada@fixture.example', 'Ada', 'Lovelace', { externalId: 'ext-ada', title: 'Analyst', [ENTERPRISE]: { employeeNumber: '1001', department: 'Engines' } }],
    ['grace@fixture.example', 'Grace', 'Hopper', { externalId: 'ext-grace', [ENTERPRISE]: { employeeNumber: '1002', department: 'Navy' } }],
    ['alan@fixture.example', 'Alan', 'Turing', { externalId: 'ext-alan' }],
    ['katherine@fixture.example', 'Katherine', 'Johnson', {}],
    ['edsger@fixture.example', 'Edsger', 'Dijkstra', {}],
    ['barbara@fixture.example', 'Barbara', 'Liskov', { title: 'Professor' }],
  ];
  for (const [userName, given, family, extra] of people) ids.push((await scim('POST', '/Users', person(userName, given, family, extra))).body.id);
  // Changes by PATCH (two IdP dialects: the Okta token too), a PUT, a deactivation and a deletion.
  await scim('PATCH', `/Users/${ids[0]}`, patch({ op: 'replace', path: 'title', value: 'Lead analyst' }));
  await okta('PATCH', `/Users/${ids[1]}`, patch({ op: 'replace', value: { 'name.givenName': 'Rear Admiral Grace' } }));
  await scim('PUT', `/Users/${ids[2]}`, person('alan@fixture.example', 'Alan', 'Turing', { externalId: 'ext-alan', title: 'Cryptanalyst' }));
  await scim('PATCH', `/Users/${ids[3]}`, patch({ op: 'replace', path: 'active', value: false }));
  await scim('DELETE', `/Users/${ids[4]}`);

  const engineers = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineers', externalId: 'grp-eng', members: [{ value: ids[0] }, { value: ids[1] }] })).body.id;
  await scim('PATCH', `/Groups/${engineers}`, patch({ op: 'add', path: 'members', value: [{ value: ids[2] }, { value: ids[5] }] }));
  await okta('PATCH', `/Groups/${engineers}`, patch({ op: 'remove', path: `members[value eq "${ids[5]}"]` }));
  const empty = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Visitors' })).body.id;
  await scim('PATCH', `/Groups/${empty}`, patch({ op: 'replace', path: 'displayName', value: 'Visitors (2026)' }));

  // The second list: keyed on email, one person.
  const contractors = (await admin('POST', '/lists', { name: 'Contractors', uidAttribute: 'email' })).body;
  const scim2 = scimClient(`${origin}/scim/v2/lists/${contractors.list.id}`, contractors.token.secret);
  const c1 = (await scim2('POST', '/Users', person('linus@contractor.example', 'Linus', 'Torvalds'))).body.id;
  await scim2('PATCH', `/Users/${c1}`, patch({ op: 'add', path: 'title', value: 'Kernel contractor' }));

  const snapshot = async (listId, token) => {
    const s = scimClient(`${origin}/scim/v2/lists/${listId}`, token);
    const users = (await s('GET', '/Users?count=100')).body.Resources.map(userView).sort((a, b) => a.userName.localeCompare(b.userName));
    const groups = (await s('GET', '/Groups?count=100')).body.Resources.map(groupView).sort((a, b) => a.displayName.localeCompare(b.displayName));
    const verify = (await admin('GET', `/lists/${listId}/audit/verify`)).body;
    return { users, groups, auditEvents: verify.checked, auditOk: verify.ok };
  };
  return {
    secretKey: SECRET_KEY,
    admins: { owner: OWNER, admin: ADMIN, viewer: VIEWER },
    adminKey,
    lists: [
      { id: staff.list.id, name: 'Staff', uidAttribute: 'userName', tokens: [staffToken, second.secret], revokedTokens: [revoked.secret], ...(await snapshot(staff.list.id, staffToken)) },
      { id: contractors.list.id, name: 'Contractors', uidAttribute: 'email', tokens: [contractors.token.secret], revokedTokens: [], ...(await snapshot(contractors.list.id, contractors.token.secret)) },
    ],
  };
}

const sqlValue = (v) => {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return `X'${v.toString('hex')}'`;
  return `'${String(v).replaceAll("'", "''")}'`;
};

/** Schema and rows as SQL text, in the order a fresh database accepts them (foreign keys off while loading). */
function dumpSqlite(file) {
  const db = new Database(file, { readonly: true });
  db.defaultSafeIntegers(true);
  const objects = db.prepare("select type, name, tbl_name, sql from sqlite_master where sql is not null order by rowid").all();
  const lines = ['-- Muster ' + tag + ' SQLite database, made by scripts/make-upgrade-fixture.mjs; do not edit.', 'PRAGMA foreign_keys = OFF;', 'BEGIN;'];
  const tables = objects.filter((o) => o.type === 'table' && !o.name.startsWith('sqlite_'));
  for (const t of tables) lines.push(`${t.sql};`);
  for (const t of [...tables, { name: 'sqlite_sequence' }]) {
    if (t.name === 'sqlite_sequence' && !objects.some((o) => o.name === 'sqlite_sequence')) continue;
    const cols = db.prepare(`select name from pragma_table_info(?)`).all(t.name).map((c) => c.name);
    const order = /without\s+rowid/i.test(t.sql ?? '') ? '' : ' order by rowid';
    for (const row of db.prepare(`select ${cols.map((c) => `"${c}"`).join(', ')} from "${t.name}"${order}`).raw(true).all()) {
      lines.push(`INSERT INTO "${t.name}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${row.map(sqlValue).join(', ')});`);
    }
  }
  for (const o of objects.filter((x) => x.type !== 'table')) lines.push(`${o.sql};`);
  lines.push('COMMIT;', '');
  db.close();
  return lines.join('\n');
}

function dumpPostgres(url) {
  const text = execFileSync('pg_dump', ['--inserts', '--no-owner', '--no-privileges', '--no-comments', url], { encoding: 'utf8', maxBuffer: 1 << 28 });
  // psql meta-commands (\restrict, \unrestrict in PostgreSQL 15.14 and later) are not SQL: a test loads this with a client library.
  return text.split('\n').filter((l) => !l.startsWith('\\')).filter((l) => !/^-- Dumped (from|by)/.test(l)).join('\n');
}

async function onEngine(engine) {
  const dataDir = fs.mkdtempSync(path.join(tmp, `data-${engine}-`));
  let url, drop = async () => undefined;
  if (engine === 'sqlite') url = path.join(dataDir, 'muster.sqlite');
  else {
    const name = `muster_fixture_${randomBytes(4).toString('hex')}`;
    const c = new pg.Client({ connectionString: pgAdmin });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const u = new URL(pgAdmin);
    u.pathname = `/${name}`;
    url = u.toString();
    drop = async () => {
      const d = new pg.Client({ connectionString: pgAdmin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    };
  }
  const server = await serve(url, dataDir);
  let manifest;
  try {
    manifest = await provision(server.origin, server.cli);
  } finally {
    await server.stop();
  }
  const text = engine === 'sqlite' ? dumpSqlite(url) : dumpPostgres(url);
  await drop();
  return { manifest, text };
}

try {
  git('worktree', 'add', '--detach', src, tag);
  installModules();
  execFileSync(path.join(src, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: src, stdio: 'inherit' });
  fs.mkdirSync(outDir, { recursive: true });
  const manifest = { tag, commit: git('rev-parse', `${tag}^{commit}`), engines: {} };
  for (const engine of ['sqlite', 'postgres']) {
    const r = await onEngine(engine);
    fs.writeFileSync(path.join(outDir, `${engine}.sql`), r.text);
    manifest.engines[engine] = r.manifest;
    console.error(`${tag}: wrote ${path.relative(root, path.join(outDir, `${engine}.sql`))}`);
  }
  fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
} finally {
  try {
    git('worktree', 'remove', '--force', src);
  } catch (err) {
    console.error(`could not remove the worktree ${src}: ${err.message}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}
