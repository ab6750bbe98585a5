import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './helpers/database.js';
import { openDatabase } from '../src/store/index.js';
import { ENTERPRISE, startServer, user } from './helpers/server.js';

const run = promisify(execFile);
const BIN = path.join(import.meta.dirname, '..', 'bin', 'muster.js');
let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db.drop());

async function muster(...args: string[]) {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, MUSTER_DATABASE_URL: db.url, PORT: '9999' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the muster CLI (needs npm run build)', () => {
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
    expect(again.stderr).toMatch(/no active token/);
    const lists = JSON.parse((await muster('lists', 'list', '--json')).stdout);
    expect(lists.map((l: { id: string }) => l.id)).toContain(list.id);
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

  it('admin-keys create prints a key that opens the admin API, once; a misspelt --org is refused, not created', async () => {
    expect((await muster('lists', 'create', '--name', 'Acme staff', '--uid', 'userName', '--org', 'Acme', '--json')).code).toBe(0);
    const k = await muster('admin-keys', 'create', '--org', 'Acme', '--label', 'Ops', '--json');
    expect(k.code, k.stderr).toBe(0);
    expect(JSON.parse(k.stdout)).toMatchObject({ label: 'Ops', key: expect.stringMatching(/^mst_admin_[A-Za-z0-9_-]{43}$/) });
    const typo = await muster('admin-keys', 'create', '--org', 'Acmee', '--json');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/no organisation named or with id "Acmee"/);
  });

  it('admins create makes a web app account with a generated password, shown once; a misspelt --org is refused', async () => {
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
    expect(dup.stderr).toMatch(/already an account/);
    const listed = await muster('admins', 'list', '--org', 'Acme', '--json');
    expect(JSON.parse(listed.stdout).map((x: { email: string }) => x.email)).toEqual(['boss@acme.example', 'ops@acme.example']);
  });

  it('explains usage errors and exits non-zero', async () => {
    const mixed = await muster('lists', 'configure', '--list', 'x', '--sync', 'none', '--name', 'Y');
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/--sync changes the sync method on its own/);
    const bad = await muster('lists', 'create', '--name', 'X', '--uid', 'shoeSize');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/employeeNumber, userName, email/);
    const none = await muster('lists', 'create', '--uid', 'email');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/--name/);
    expect((await muster('frobnicate')).code).toBe(1);
  });

  it('tokens create refuses a list synced from Entra ID (issue 12, defect 9); lists list advertises no SCIM base URL for it', async () => {
    const created = JSON.parse((await muster('lists', 'create', '--name', 'From Entra', '--uid', 'userName', '--org', 'Acme', '--json')).stdout);
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
