/**
 * `muster wallets` (issue 14, item 4): the operator sets the installation's Apple certificate from
 * the command line; it is validated and sealed like an organisation's, shown without its key, and
 * an organisation without its own then sees Apple passes as available. Needs npm run build.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, Store } from '../src/store/index.js';
import { issueCapabilities } from '../src/credentials/wallet-capability.js';
import { makeTestPki } from './fakes/apns/certs.js';
import { freshDatabase, type TestDatabase } from './helpers/database.js';

const run = promisify(execFile);
const BIN = path.join(import.meta.dirname, '..', 'bin', 'muster.js');
const SECRET_KEY = randomBytes(32).toString('base64');
let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db.drop());

async function muster(...args: string[]) {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, MUSTER_DATABASE_URL: db.url, MUSTER_SECRET_KEY: SECRET_KEY } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('muster wallets (needs npm run build)', () => {
  it('sets, shows and removes the installation\'s Apple certificate; organisations without their own can then issue Apple passes', async () => {
    const pki = makeTestPki({ passTypeIdentifier: 'pass.org.muster.cli', teamIdentifier: 'CLITEAM123' });
    const dir = mkdtempSync(path.join(tmpdir(), 'muster-wallets-'));
    const file = (name: string, text: string) => {
      const p = path.join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const cert = file('pass.pem', pki.pass.certificatePem), key = file('pass.key', pki.pass.privateKeyPem), wwdr = file('wwdr.pem', pki.ca.certificatePem);
    const created = await muster('lists', 'create', '--name', 'Staff', '--uid', 'userName', '--org', 'Northside', '--json');
    expect(created.code, created.stderr).toBe(0);
    const orgId = JSON.parse(created.stdout).orgId as string;

    expect(JSON.parse((await muster('wallets', 'show', '--json')).stdout)).toEqual({ apple: { configured: false }, google: { configured: false } });
    const wrong = await muster('wallets', 'apple', '--certificate', cert, '--private-key', key, '--wwdr', wwdr, '--pass-type', 'pass.org.other');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/the certificate is for pass\.org\.muster\.cli/);
    const missing = await muster('wallets', 'apple', '--certificate', path.join(dir, 'nope.pem'), '--wwdr', wwdr);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--certificate: cannot read .*nope\.pem \(ENOENT\)/);

    const set = await muster('wallets', 'apple', '--certificate', cert, '--private-key', key, '--wwdr', wwdr, '--json');
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ configured: true, passTypeIdentifier: 'pass.org.muster.cli', teamIdentifier: 'CLITEAM123' });
    const shown = await muster('wallets', 'show');
    expect(shown.stdout).toMatch(/^Apple Wallet: {2}pass\.org\.muster\.cli \(team CLITEAM123\)/);
    expect(shown.stdout + set.stdout).not.toContain('PRIVATE KEY');

    const conn = await openDatabase(db.url);
    const store = new Store(conn);
    try {
      const caps = await issueCapabilities(store, orgId);
      expect(caps.apple_pass).toEqual({ available: true, source: 'installation', reason: null, setupUrl: null });
      expect(caps.google_pass.available).toBe(false);
      expect((await store.appleWallet.settings('*installation*'))?.signing_enc).not.toContain('PRIVATE KEY');
      expect((await muster('wallets', 'remove', 'apple', '--json')).stdout.trim()).toBe('{"removed":"apple"}');
      expect((await issueCapabilities(store, orgId)).apple_pass.available).toBe(false);
    } finally {
      await store.close();
    }
    expect((await muster('wallets', 'remove', 'apple')).code).toBe(1);
    expect((await muster('wallets', 'frobnicate')).code).toBe(1);
    // A dozen CLI processes, each opening the database: more than the default 30 s on a busy machine.
  }, 180_000);

  it('muster admins installation-owner moves the installation\'s ownership to another owner account, never to an admin', async () => {
    expect((await muster('lists', 'create', '--name', 'Staff', '--uid', 'userName', '--org', 'Westside', '--json')).code).toBe(0);
    const create = async (email: string, role: string) => {
      const r = await muster('admins', 'create', '--email', email, '--name', email.split('@')[0]!, '--org', 'Westside', '--role', role, '--json');
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { installationOwner: boolean };
    };
    // The first owner of an installation without one owns it.
    expect((await create('first@westside.example', 'owner')).installationOwner).toBe(true);
    expect((await create('second@westside.example', 'owner')).installationOwner).toBe(false);
    await create('helper@westside.example', 'admin');
    const moved = await muster('admins', 'installation-owner', '--email', 'second@westside.example', '--json');
    expect(moved.code, moved.stderr).toBe(0);
    expect(JSON.parse(moved.stdout)).toMatchObject({ email: 'second@westside.example', installationOwner: true });
    const refused = await muster('admins', 'installation-owner', '--email', 'helper@westside.example');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/only an owner can own the installation/);
    const all = JSON.parse((await muster('admins', 'list', '--org', 'Westside', '--json')).stdout) as { email: string; installationOwner: boolean }[];
    expect(Object.fromEntries(all.map((a) => [a.email, a.installationOwner]))).toEqual({ 'first@westside.example': false, 'second@westside.example': true, 'helper@westside.example': false });
  }, 180_000);
});
