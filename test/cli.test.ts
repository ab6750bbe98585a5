/**
 * The `muster` command. Most tests call main(argv, io) in this process, with their own stdout,
 * stderr and environment: the same code as bin/muster.js runs, without paying a Node start-up per
 * call (which hit the 30 s timeout on a loaded machine, issue 12). A few tests spawn the real
 * command, for what only a process shows: exit codes, `serve` on a busy port, the start banner.
 */
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase, refuseAuditDeletes, type TestDatabase } from './helpers/database.js';
import { openDatabase } from '../src/store/index.js';
import { main } from '../src/cli/main.js';
import { ENTERPRISE, USER_SCHEMA, startServer, user } from './helpers/server.js';

const execFileP = promisify(execFile);
const BIN = path.join(import.meta.dirname, '..', 'bin', 'muster.js');
/** The database muster() runs on: a fresh one per test of "the muster CLI", so no test sees another's lists, organisations or accounts. */
let db: TestDatabase;

interface Run { code: number; stdout: string; stderr: string }

/** Runs the command in process, as bin/muster.js would. */
async function muster(...args: string[]): Promise<Run> {
  return musterWith({}, '', ...args);
}

async function musterWith(env: Record<string, string>, stdin: string, ...args: string[]): Promise<Run> {
  const out: string[] = [], err: string[] = [];
  const code = await main(args, {
    stdout: (s) => void out.push(s), stderr: (s) => void err.push(s),
    env: { MUSTER_DATABASE_URL: db.url, PORT: '9999', MUSTER_LOG_LEVEL: 'silent', ...env },
    stdin: async () => stdin,
    onStop: () => undefined,
  });
  return { code, stdout: out.map((l) => l + '\n').join(''), stderr: err.map((l) => l + '\n').join('') };
}

/** Runs the real command in a child process (needs npm run build: bin/muster.js imports dist/). */
async function spawned(env: Record<string, string>, ...args: string[]): Promise<Run> {
  try {
    const r = await execFileP(process.execPath, [BIN, ...args], { env: { ...process.env, MUSTER_LOG_LEVEL: 'silent', ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lastLine = (s: string) => s.trimEnd().split('\n').pop() ?? '';

describe('the muster CLI', () => {
  beforeEach(async () => {
    db = await freshDatabase();
  });
  afterEach(() => db.drop());

  it('lists create --json prints id, scimBaseUrl and token; tokens create/list/revoke work on the same database', async () => {
    const created = await muster('lists', 'create', '--name', 'Students', '--uid', 'email', '--json');
    expect(created.code, created.stderr).toBe(0);
    const list = JSON.parse(created.stdout);
    expect(list).toMatchObject({ name: 'Students', uidAttribute: 'email' });
    expect(list.scimBaseUrl).toBe(`http://127.0.0.1:9999/scim/v2/lists/${list.id}`);
    expect(list.token).toMatch(/^mst_scim_[A-Za-z0-9_-]{43}$/);

    const t = JSON.parse((await muster('tokens', 'create', '--list', list.id, '--label', 'Okta production', '--json')).stdout);
    expect(t).toMatchObject({ listId: list.id, label: 'Okta production' });
    const tokens = JSON.parse((await muster('tokens', 'list', '--list', list.id, '--json')).stdout);
    expect(tokens.map((x: { label: string }) => x.label)).toEqual(['Initial token', 'Okta production']);
    expect(JSON.stringify(tokens)).not.toContain(t.token);
    const revoked = await muster('tokens', 'revoke', '--list', list.id, '--token', t.id, '--json');
    expect(JSON.parse(revoked.stdout)).toEqual({ id: t.id, listId: list.id, revoked: true });
    const again = await muster('tokens', 'revoke', '--list', list.id, '--token', t.id);
    expect(again.code).toBe(1);
    expect(lastLine(again.stderr)).toMatch(/^muster: .*no active token.* \[MUSTER_TOKEN_NOT_FOUND\]$/);
    const lists = JSON.parse((await muster('lists', 'list', '--json')).stdout);
    expect(lists.map((l: { id: string }) => l.id)).toEqual([list.id]);
  });

  it('audit verify checks every chain, and names the event an edit broke (exit 3)', async () => {
    const created = JSON.parse((await muster('lists', 'create', '--name', 'Audited', '--uid', 'userName', '--json')).stdout);
    await muster('tokens', 'create', '--list', created.id, '--label', 'Second', '--json');
    const ok = await muster('audit', 'verify', '--list', created.id, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([{ listId: created.id, ok: true, checked: 4 }]); // list, token, default mapping, second token
    const conn = await openDatabase(db.url);
    try {
      await conn.db.updateTable('audit_events').set({ token_label: 'forged' }).where('list_id', '=', created.id).where('seq', '=', 2).execute();
    } finally {
      await conn.db.destroy();
    }
    const bad = await muster('audit', 'verify', '--list', created.id);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(new RegExp(`list ${created.id}: TAMPERED at event seq 2 \\(row id \\d+\\): its content does not match its hash`));
  });

  it('audit prune applies retention; a list whose trail cannot be pruned is named on stderr (exit 1) and the others are pruned', async () => {
    const [stuck, fine] = [
      JSON.parse((await muster('lists', 'create', '--name', 'Stuck', '--uid', 'userName', '--json')).stdout),
      JSON.parse((await muster('lists', 'create', '--name', 'Fine', '--uid', 'userName', '--json')).stdout),
    ];
    const conn = await openDatabase(db.url);
    try {
      await conn.db.updateTable('audit_events').set({ time: '2000-01-01T00:00:00.000Z' }).execute();
      await refuseAuditDeletes(conn.db as unknown as Kysely<never>, conn.engine, stuck.id);
    } finally {
      await conn.db.destroy();
    }
    const r = await musterWith({ MUSTER_AUDIT_RETENTION_DAYS: '1' }, '', 'audit', 'prune', '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.failures).toEqual([{ task: 'audit trail', listId: stuck.id, error: expect.stringMatching(/refused by a trigger/) }]);
    expect(out.auditEvents).toBeGreaterThan(0);
    expect(r.stderr).toMatch(new RegExp(`^muster: could not prune the audit trail of list ${stuck.id}: .*refused by a trigger`, 'm'));
    const verified = JSON.parse((await muster('audit', 'verify', '--list', fine.id, '--json')).stdout);
    expect(verified).toEqual([{ listId: fine.id, ok: true, checked: 0 }]);
  });

  it('admin-keys create prints a key that opens the admin API, once; a misspelt --org is refused, not created', async () => {
    expect((await muster('lists', 'create', '--name', 'Acme staff', '--uid', 'userName', '--org', 'Acme', '--json')).code).toBe(0);
    const k = await muster('admin-keys', 'create', '--org', 'Acme', '--label', 'Ops', '--json');
    expect(k.code, k.stderr).toBe(0);
    expect(JSON.parse(k.stdout)).toMatchObject({ label: 'Ops', key: expect.stringMatching(/^mst_admin_[A-Za-z0-9_-]{43}$/) });
    const typo = await muster('admin-keys', 'create', '--org', 'Acmee', '--json');
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe('');
    expect(JSON.parse(typo.stderr)).toEqual({ error: 'MUSTER_ORG_NOT_FOUND', detail: expect.stringMatching(/no organisation named or with id "Acmee"/), exitCode: 1 });
  });

  it('admins create makes a web app account with a generated password, shown once; a misspelt --org is refused', async () => {
    // Acme comes to be with its first list (admins create makes no organisation: a misspelt --org is refused).
    expect((await muster('lists', 'create', '--name', 'Acme staff', '--uid', 'userName', '--org', 'Acme', '--json')).code).toBe(0);
    // The installation's first account is its owner even without --role; later ones are admins.
    const first = await muster('admins', 'create', '--org', 'Acme', '--email', 'Boss@Acme.example', '--name', 'Boss', '--json');
    expect(JSON.parse(first.stdout)).toMatchObject({ email: 'boss@acme.example', role: 'owner' });
    const a = await muster('admins', 'create', '--org', 'Acme', '--email', 'Ops@Acme.example', '--name', 'Ops Person', '--json');
    expect(a.code, a.stderr).toBe(0);
    const made = JSON.parse(a.stdout);
    expect(made).toMatchObject({ email: 'ops@acme.example', role: 'admin', organisation: 'Acme', password: expect.stringMatching(/^[\w-]{24}$/) });
    const typo = await muster('admins', 'create', '--org', 'Acmee', '--email', 'x@acme.example', '--name', 'X');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/no organisation named or with id "Acmee"/);
    const dup = await muster('admins', 'create', '--org', 'Acme', '--email', 'ops@acme.example', '--name', 'Again');
    expect(dup.code).toBe(1);
    expect(lastLine(dup.stderr)).toMatch(/already an account.*\[MUSTER_ACCOUNT_REFUSED\]$/);
    const dupJson = await muster('admins', 'create', '--org', 'Acme', '--email', 'ops@acme.example', '--name', 'Again', '--json');
    expect(JSON.parse(dupJson.stderr)).toMatchObject({ error: 'MUSTER_ACCOUNT_REFUSED', reason: 'admin_exists', exitCode: 1 });
    // --password-stdin reads the injected stdin, trimmed.
    const piped = await musterWith({}, 'a long enough password\n', 'admins', 'create', '--org', 'Acme', '--email', 'pipe@acme.example', '--name', 'Pipe', '--password-stdin', '--json');
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout)).not.toHaveProperty('password');
    const listed = await muster('admins', 'list', '--org', 'Acme', '--json');
    expect(JSON.parse(listed.stdout).map((x: { email: string }) => x.email)).toEqual(['boss@acme.example', 'ops@acme.example', 'pipe@acme.example']);
  }, 60_000); // four scrypt hashes: CPU-bound, slow on a loaded machine

  it('usage errors: the command\'s usage line, then the error last and short with its code; exit 1', async () => {
    const mixed = await muster('lists', 'configure', '--list', 'x', '--sync', 'none', '--name', 'Y');
    expect(mixed.code).toBe(1);
    expect(lastLine(mixed.stderr)).toMatch(/^muster: --sync changes the sync method on its own.* \[MUSTER_CLI_USAGE\]$/);
    const bad = await muster('lists', 'create', '--name', 'X', '--uid', 'shoeSize');
    expect(bad.code).toBe(1);
    expect(lastLine(bad.stderr)).toMatch(/employeeNumber, userName, email.*\[MUSTER_LIST_UID_INVALID\]$/);
    const none = await muster('lists', 'create', '--uid', 'email');
    expect(none.code).toBe(1);
    expect(none.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^usage: muster lists create --name NAME \[--uid /),
      '(muster lists create --help explains each flag)',
      'muster: missing --name [MUSTER_CLI_USAGE]',
    ]);
    const port = await muster('serve', '--port', 'eighty');
    expect(port.code).toBe(1);
    expect(lastLine(port.stderr)).toBe('muster: --port must be an integer from 0 to 65535, got "eighty" [MUSTER_CLI_USAGE]');
    const typo = await muster('lists', 'create', '--nmae', 'X');
    expect(typo.code).toBe(1);
    expect(lastLine(typo.stderr)).toBe('muster: Unknown option \'--nmae\' [MUSTER_CLI_USAGE]');
    const unknown = await muster('frobnicate');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('muster: unknown command "frobnicate"; muster --help lists the commands [MUSTER_CLI_USAGE]\n');
    const group = await muster('lists');
    expect(lastLine(group.stderr)).toBe('muster: "muster lists" needs a subcommand: create, configure, list, compact; muster lists --help shows them [MUSTER_CLI_USAGE]');
    const nothing = await muster();
    expect(nothing.code).toBe(1);
    expect(lastLine(nothing.stderr)).toBe('muster: no command given [MUSTER_CLI_USAGE]');
    // --json: the error is JSON on stderr, stdout stays empty.
    const json = await muster('lists', 'create', '--uid', 'email', '--json');
    expect(json).toEqual({ code: 1, stdout: '', stderr: '{"error":"MUSTER_CLI_USAGE","detail":"missing --name","exitCode":1}\n' });
  });

  it('every command has its own help, exit 0: muster -h, help, lists --help, lists create --help, help tokens revoke', async () => {
    const overview = await muster('-h');
    expect(overview.code).toBe(0);
    expect(overview.stdout).toMatch(/^muster: keeps ID-credential rosters/);
    expect(overview.stdout).toMatch(/\n {2}lists create {2,}create a list/);
    expect((await muster('help')).stdout).toBe(overview.stdout);
    const group = await muster('lists', '--help');
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/muster lists create --name NAME/);
    expect(group.stdout).not.toMatch(/tokens create/);
    const one = await muster('lists', 'create', '--help');
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^usage: muster lists create --name NAME/);
    expect(one.stdout).toMatch(/--external-id-unique {4}true \(default\) or false/);
    expect(one.stdout).not.toMatch(/admins/);
    const viaHelp = await muster('help', 'tokens', 'revoke');
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toMatch(/^usage: muster tokens revoke --list ID --token TOKEN_ID/);
    const none = await muster('help', 'frobnicate');
    expect(none.code).toBe(1);
    expect(lastLine(none.stderr)).toMatch(/\[MUSTER_CLI_USAGE\]$/);
  });

  it('a database that cannot be reached says so (MUSTER_DATABASE_UNREACHABLE, exit 2), not "migration failed"', async () => {
    // Port 1 refuses connections; the password must not appear in the message.
    const pgDown = await musterWith({ MUSTER_DATABASE_URL: 'postgres://muster:s3cret@127.0.0.1:1/muster' }, '', 'lists', 'list', '--json');
    expect(pgDown.code).toBe(2);
    const e = JSON.parse(pgDown.stderr);
    expect(e).toMatchObject({ error: 'MUSTER_DATABASE_UNREACHABLE', exitCode: 2 });
    expect(e.detail).toMatch(/cannot reach the database \(postgres at 127\.0\.0\.1:1\/muster\)/);
    expect(pgDown.stderr).not.toContain('s3cret');
    // A SQLite path whose directory cannot be made (a file stands where the directory would be).
    const sqliteBad = await musterWith({ MUSTER_DATABASE_URL: path.join(BIN, 'muster.sqlite') }, '', 'lists', 'list');
    expect(sqliteBad.code).toBe(2);
    expect(lastLine(sqliteBad.stderr)).toMatch(/^muster: cannot reach the database \(sqlite at .*\[MUSTER_DATABASE_UNREACHABLE\]$/);
  });

  it('tokens create refuses a list synced from Entra ID (issue 12, defect 9); lists list advertises no SCIM base URL for it', async () => {
    const made = await muster('lists', 'create', '--name', 'From Entra', '--uid', 'userName', '--json');
    expect(made.code, made.stderr).toBe(0);
    const created = JSON.parse(made.stdout);
    // As `muster entra connect` leaves it (connecting needs Graph; the sync method is what counts).
    const conn = await openDatabase(db.url);
    try {
      await conn.db.updateTable('lists').set({ sync_method: 'entra' }).where('id', '=', created.id).execute();
    } finally {
      await conn.db.destroy();
    }
    const entra = await muster('tokens', 'create', '--list', created.id, '--json');
    expect(entra.code).toBe(1);
    expect(entra.stderr).toMatch(/syncs from Entra ID, not SCIM/);
    expect(entra.stdout).not.toMatch(/mst_scim_/);
    const lists = JSON.parse((await muster('lists', 'list', '--json')).stdout) as { id: string; scimBaseUrl: string | null }[];
    expect(lists.find((l) => l.id === created.id)?.scimBaseUrl).toBeNull();
  });

  it('lists create without --uid keys the list on userName; lists configure --uid changes it while the list is empty, and is refused after (issue 13, item 1)', async () => {
    const created = await muster('lists', 'create', '--name', 'Badges', '--org', 'Badge office', '--json');
    expect(created.code, created.stderr).toBe(0);
    const list = JSON.parse(created.stdout);
    expect(list.uidAttribute).toBe('userName');
    const changed = await muster('lists', 'configure', '--list', list.id, '--uid', 'employeeNumber', '--json');
    expect(changed.code, changed.stderr).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({ id: list.id, uidAttribute: 'employeeNumber' });
    const wrong = await muster('lists', 'configure', '--list', list.id, '--uid', 'badge');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/MUSTER_LIST_UID_INVALID|must be one of employeeNumber, userName, email/);
    // One person arrives over SCIM (a server on the same database): the identifier is fixed now.
    const srv = await startServer({ MUSTER_DATABASE_URL: db.url });
    try {
      const r = await fetch(`${srv.origin}/scim/v2/lists/${list.id}/Users`, {
        method: 'POST', headers: { authorization: `Bearer ${list.token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(user('ada', { [ENTERPRISE]: { employeeNumber: 'E1' } })),
      });
      expect(r.status).toBe(201);
    } finally {
      await srv.close();
    }
    const locked = await muster('lists', 'configure', '--list', list.id, '--uid', 'email', '--name', 'Renamed');
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/already has 1 person.*create a new list with the identifier you want, or remove everyone from this list first/is);
    const after = JSON.parse((await muster('lists', 'list', '--json')).stdout) as { id: string; name: string; uidAttribute: string }[];
    expect(after.find((l) => l.id === list.id)).toMatchObject({ name: 'Badges', uidAttribute: 'employeeNumber' });
  });
});

/** A real process pays Node's start-up and Muster's imports: on a loaded 2-core machine that is seconds, not a fault. */
const PROCESS_TIMEOUT = 120_000;

describe('the muster command as a process (needs npm run build)', () => {
  it('muster --help exits 0', async () => {
    const r = await spawned({}, '--help');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^muster: keeps ID-credential rosters/);
  }, PROCESS_TIMEOUT);

  it('serve on a busy port exits 2 with one line naming PORT and --port, and creates no demo list or token', async () => {
    const own = await freshDatabase();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (blocker.address() as net.AddressInfo).port;
      const r = await spawned({ MUSTER_DATABASE_URL: own.url, HOST: '127.0.0.1' }, 'serve', '--port', String(port));
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toEqual([`muster: port ${port} on 127.0.0.1 is already in use: stop what listens there, or choose another port with PORT=… or --port … [MUSTER_PORT_IN_USE]`]);
      const conn = await openDatabase(own.url);
      try {
        expect(await conn.db.selectFrom('lists').select('id').execute()).toEqual([]);
        expect(await conn.db.selectFrom('tokens').select('id').execute()).toEqual([]);
      } finally {
        await conn.db.destroy();
      }
    } finally {
      blocker.close();
      await own.drop();
    }
  }, PROCESS_TIMEOUT);

  it('serve prints export lines that the README\'s "Try it" request works with as they are, and stops on SIGTERM (exit 0)', async () => {
    const own = await freshDatabase();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: { ...process.env, MUSTER_DATABASE_URL: own.url, HOST: '127.0.0.1', MUSTER_LOG_LEVEL: 'silent' } });
    try {
      let stdout = '';
      const exported = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = /^export (BASE=\S+ TOKEN=\S+)$/m.exec(stdout);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited ${code} before printing the export line: ${stdout}`)));
      });
      expect(stdout).toMatch(/^# for a shell \(README, "Try it"\):\nexport BASE=/m);
      const vars = Object.fromEntries(exported.split(' ').map((kv) => kv.split('=', 2) as [string, string]));
      // The README's request, with its body as the README has it.
      const res = await fetch(`${vars.BASE}/Users`, {
        method: 'POST', headers: { authorization: `Bearer ${vars.TOKEN}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [USER_SCHEMA, ENTERPRISE], userName: 'ada@example.com', name: { givenName: 'Ada', familyName: 'Lovelace' }, [ENTERPRISE]: { employeeNumber: '1001' } }),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      expect(await res.json()).toMatchObject({ schemas: expect.arrayContaining([USER_SCHEMA, ENTERPRISE]), userName: 'ada@example.com' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await own.drop();
    }
  }, PROCESS_TIMEOUT);
});
