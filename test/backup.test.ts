/**
 * Backups and restores (issue 17, item 3). SQLite: `muster backup` (a separate process, as an
 * operator's cron job would run it) copies the database while a server takes a stream of SCIM
 * writes; `muster restore` puts it back elsewhere, and every write acknowledged before the backup
 * began is there, with an audit trail that verifies and the key file that opens its secrets.
 * Restore refuses a database that is open and a backup whose audit trail was edited. PostgreSQL:
 * the pg_dump/pg_restore procedure of docs/operations.md, under the same load.
 * Needs `npx tsc -p tsconfig.json` (the backup runs bin/muster.js, which runs dist/).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { loadConfig } from '../src/config.js';
import { buildMuster } from '../src/main.js';
import { listEntries, TarError } from '../src/backup/index.js';
import { TarWriter, extractEntry, readEntry } from '../src/backup/tar.js';
import { ENGINE } from './helpers/database.js';
import { startServer, user, type TestList, type TestServer } from './helpers/server.js';

const execFileP = promisify(execFile);
const BIN = path.join(import.meta.dirname, '..', 'bin', 'muster.js');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-backup-'));
  cleanup.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

interface Run { code: number; stdout: string; stderr: string }

async function cli(env: Record<string, string>, ...args: string[]): Promise<Run> {
  const out: string[] = [], err: string[] = [];
  const code = await main(args, {
    stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env: { MUSTER_LOG_LEVEL: 'silent', ...env },
    stdin: async () => '', onStop: () => undefined,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** SCIM writes, several at a time, until stopped: every 201 is remembered (userName -> id) with the time it was answered. */
function writeLoad(list: TestList, workers = 4) {
  const acknowledged = new Map<string, { id: string; at: number }>();
  const failures: string[] = [];
  let stop = false, n = 0;
  const loops = Array.from({ length: workers }, async (_, w) => {
    while (!stop) {
      const userName = `w${w}-${n++}@example.com`;
      const r = await list.req('POST', '/Users', user(userName));
      if (r.status === 201) acknowledged.set(userName, { id: r.body.id, at: performance.now() });
      else failures.push(`${r.status} ${r.text.slice(0, 200)}`);
    }
  });
  return {
    acknowledged, failures,
    async untilAtLeast(count: number) {
      for (let i = 0; i < 1200 && acknowledged.size < count; i++) await new Promise((r) => setTimeout(r, 25));
      expect(acknowledged.size).toBeGreaterThanOrEqual(count);
    },
    async stop() {
      stop = true;
      await Promise.all(loops);
    },
  };
}

/** Writes acknowledged before `t` (performance.now()): the backup must hold every one. */
const ackedBefore = (acked: Map<string, { id: string; at: number }>, t: number) => [...acked].filter(([, v]) => v.at < t).map(([k, v]) => [k, v.id] as const);

/** Each engine has its own backup procedure: the other engine's block does not apply, so it is not registered (rather than reported as skipped). */
function describeOn(engine: string, name: string, fn: () => void): void {
  if (ENGINE === engine) describe(name, fn);
}

describeOn('sqlite', 'muster backup and restore (SQLite)', () => {
  it('backs up while the server takes writes; the restore holds every acknowledged write, a verifying audit trail and the key file', async () => {
    const server: TestServer = await startServer();
    cleanup.push(() => server.close());
    const list = await server.newList();
    const load = writeLoad(list);
    await load.untilAtLeast(40);
    const out = path.join(tmpDir(), 'muster-backup.tar');
    const began = performance.now();
    // A separate process, as cron would run it, while this process's server keeps writing.
    const b = await execFileP(process.execPath, [BIN, 'backup', '--to', out, '--json'], { env: { ...process.env, MUSTER_DATABASE_URL: server.databaseUrl, MUSTER_DATA_DIR: server.dataDir, MUSTER_LOG_LEVEL: 'silent' } });
    const during = load.acknowledged.size;
    await load.untilAtLeast(during + 10); // the server kept serving
    await load.stop();
    expect(load.failures).toEqual([]);
    const result = JSON.parse(b.stdout);
    expect(result).toMatchObject({ file: out, secretKey: 'included' });
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect(listEntries(out).map((e) => e.name)).toEqual(['muster.sqlite', 'secret.key', 'muster-backup.json']);

    // Restored elsewhere: a new machine with nothing on it yet.
    const target = tmpDir();
    const env = { MUSTER_DATABASE_URL: path.join(target, 'db', 'muster.sqlite'), MUSTER_DATA_DIR: path.join(target, 'data') };
    const r = await cli(env, 'restore', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const restored = JSON.parse(r.stdout);
    expect(restored).toMatchObject({ previous: null, secretKey: 'restored' });
    expect(restored.audit.every((a: { ok: boolean }) => a.ok)).toBe(true);
    expect(fs.readFileSync(path.join(target, 'data', 'secret.key'), 'utf8')).toBe(fs.readFileSync(path.join(server.dataDir, 'secret.key'), 'utf8'));

    const db = new BetterSqlite3(env.MUSTER_DATABASE_URL, { readonly: true });
    try {
      const ids = new Set((db.prepare('select id from users where list_id = ?').all(list.id) as { id: string }[]).map((x) => x.id));
      const must = ackedBefore(load.acknowledged, began);
      expect(must.length).toBeGreaterThanOrEqual(40);
      expect(must.filter(([, id]) => !ids.has(id))).toEqual([]);
      // One moment, not a torn copy: as many people as person.created events, and nothing the server never acknowledged.
      const created = (db.prepare("select count(*) as n from audit_events where list_id = ? and action = 'person.created'").get(list.id) as { n: number }).n;
      expect(ids.size).toBe(created);
      const all = new Set([...load.acknowledged.values()].map((v) => v.id));
      expect([...ids].filter((id) => !all.has(id))).toEqual([]);
    } finally {
      db.close();
    }
    const verify = await cli(env, 'audit', 'verify', '--json');
    expect(verify.code, verify.stderr).toBe(0);
    // The restored installation starts with the restored key (a mismatch would refuse it).
    const again = await buildMuster(loadConfig({ ...env, MUSTER_LOG_LEVEL: 'silent' }), undefined, false);
    expect(again.secretKey).toMatchObject({ kind: 'file', created: false });
    await again.close();
  }, 120_000);

  it('refuses to restore over a database that is open, and changes nothing', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const list = await server.newList();
    expect((await list.req('POST', '/Users', user('kept@example.com'))).status).toBe(201);
    const out = path.join(tmpDir(), 'b.tar');
    const env = { MUSTER_DATABASE_URL: server.databaseUrl, MUSTER_DATA_DIR: server.dataDir };
    expect((await cli(env, 'backup', '--to', out)).code).toBe(0);
    const r = await cli(env, 'restore', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/in use .* \[MUSTER_RESTORE_DATABASE_IN_USE\]$/);
    expect(fs.readdirSync(path.dirname(server.databaseUrl)).filter((f) => f.includes('restore'))).toEqual([]);
    // The server was not disturbed.
    expect((await list.req('GET', '/Users?filter=userName eq "kept@example.com"')).body.totalResults).toBe(1);
  }, 60_000);

  it('refuses a backup whose audit trail was edited (exit 3) or that is not a backup (exit 1), and keeps the current database', async () => {
    const server = await startServer();
    const list = await server.newList();
    for (const u of ['a@example.com', 'b@example.com']) expect((await list.req('POST', '/Users', user(u))).status).toBe(201);
    const dir = tmpDir();
    const good = path.join(dir, 'good.tar');
    const env = { MUSTER_DATABASE_URL: server.databaseUrl, MUSTER_DATA_DIR: server.dataDir };
    expect((await cli(env, 'backup', '--to', good)).code).toBe(0);
    await server.close();
    // A stopped installation: the good backup restored on a new machine.
    const home = tmpDir();
    const env2 = { MUSTER_DATABASE_URL: path.join(home, 'muster.sqlite'), MUSTER_DATA_DIR: home };
    expect((await cli(env2, 'restore', good)).code).toBe(0);

    // Someone edits an event in the archived database and fixes up the archive's checksum.
    const entries = listEntries(good);
    const dbCopy = path.join(dir, 'edited.sqlite');
    extractEntry(good, entries.find((e) => e.name === 'muster.sqlite')!, dbCopy);
    const edit = new BetterSqlite3(dbCopy);
    edit.prepare("update audit_events set target_name = 'someone else' where list_id = ? and action = 'person.created'").run(list.id);
    edit.close();
    const manifest = JSON.parse(readEntry(good, entries.find((e) => e.name === 'muster-backup.json')!).toString('utf8'));
    const tampered = path.join(dir, 'tampered.tar');
    const fd = fs.openSync(tampered, 'w');
    const w = new TarWriter(fd);
    manifest.database.sha256 = w.addFile('muster.sqlite', dbCopy);
    manifest.database.bytes = fs.statSync(dbCopy).size;
    w.addBuffer('secret.key', readEntry(good, entries.find((e) => e.name === 'secret.key')!));
    w.addBuffer('muster-backup.json', Buffer.from(JSON.stringify(manifest)));
    w.end();
    fs.closeSync(fd);

    const before = fs.readFileSync(env2.MUSTER_DATABASE_URL);
    const r = await cli(env2, 'restore', tampered, '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: 'MUSTER_RESTORE_AUDIT_FAILED', exitCode: 3 });
    expect(fs.readFileSync(env2.MUSTER_DATABASE_URL).equals(before)).toBe(true);
    expect(fs.readdirSync(home).sort()).toEqual(['muster.sqlite', 'secret.key']);

    const junk = path.join(dir, 'junk.tar');
    fs.writeFileSync(junk, 'not a tar file at all'.repeat(100));
    const j = await cli(env2, 'restore', junk);
    expect(j.code).toBe(1);
    expect(j.stderr).toMatch(/\[MUSTER_BACKUP_INVALID\]$/);
    expect(() => listEntries(junk)).toThrow(TarError);
    // A cut archive is refused too.
    const cut = path.join(dir, 'cut.tar');
    fs.writeFileSync(cut, fs.readFileSync(good).subarray(0, 4096));
    expect((await cli(env2, 'restore', cut)).stderr).toMatch(/\[MUSTER_BACKUP_INVALID\]$/);
    // And the good backup restores over the stopped installation, keeping the database it replaced.
    const ok = await cli(env2, 'restore', good, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    const res = JSON.parse(ok.stdout);
    expect(res.secretKey).toBe('unchanged');
    expect(fs.existsSync(res.previous)).toBe(true);
  }, 60_000);
});

describeOn('postgres', 'backups on PostgreSQL: pg_dump and pg_restore (docs/operations.md#backups)', () => {
  it('muster backup points to pg_dump', async () => {
    const r = await cli({ MUSTER_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, 'backup', '--to', path.join(tmpDir(), 'x.tar'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pg_dump .*\[MUSTER_BACKUP_POSTGRES\]$/);
  });

  it('a pg_dump taken under write load restores with pg_restore into a new database holding every acknowledged write and a verifying audit trail', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const list = await server.newList();
    const load = writeLoad(list);
    await load.untilAtLeast(40);
    const dump = path.join(tmpDir(), 'muster.dump');
    const began = performance.now();
    // The procedure of docs/operations.md: one consistent snapshot, custom format.
    await execFileP('pg_dump', ['--format=custom', '--no-owner', `--file=${dump}`, `--dbname=${server.databaseUrl}`]);
    await load.untilAtLeast(load.acknowledged.size + 10);
    await load.stop();
    expect(load.failures).toEqual([]);

    const admin = new URL(server.databaseUrl);
    const name = `${admin.pathname.slice(1)}_restored`;
    const c = new pg.Client({ connectionString: server.databaseUrl });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const restoredUrl = new URL(server.databaseUrl);
    restoredUrl.pathname = `/${name}`;
    cleanup.push(async () => {
      const d = new pg.Client({ connectionString: server.databaseUrl });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    });
    await execFileP('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${restoredUrl.toString()}`, dump]);

    const env = { MUSTER_DATABASE_URL: restoredUrl.toString(), MUSTER_DATA_DIR: server.dataDir };
    const verify = await cli(env, 'audit', 'verify', '--json');
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout).find((v: { listId: string }) => v.listId === list.id)).toMatchObject({ ok: true });
    const q = new pg.Client({ connectionString: restoredUrl.toString() });
    await q.connect();
    try {
      const ids = new Set((await q.query<{ id: string }>('select id from users where list_id = $1', [list.id])).rows.map((x) => x.id));
      const must = ackedBefore(load.acknowledged, began);
      expect(must.length).toBeGreaterThanOrEqual(40);
      expect(must.filter(([, id]) => !ids.has(id))).toEqual([]);
      const created = Number((await q.query<{ n: string }>("select count(*) as n from audit_events where list_id = $1 and action = 'person.created'", [list.id])).rows[0]!.n);
      expect(ids.size).toBe(created);
    } finally {
      await q.end();
    }
    // The restored database serves, with the installation's key.
    const again = await buildMuster(loadConfig({ ...env, MUSTER_LOG_LEVEL: 'silent' }), undefined, false);
    await again.close();
  }, 120_000);
});
