/**
 * The secret key with nothing set (issue 14, item 5): a fresh installation generates its key file
 * (0600) in the data directory and stores an Entra connection and wallet settings with it; the
 * database keeps the key's fingerprint, and a node with another key, or with none, is refused at
 * start; `muster secrets rotate` re-encrypts every stored secret, which stays readable throughout,
 * whether the key is in the file or in MUSTER_SECRET_KEY.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { secretsCommand } from '../src/cli/secrets-command.js';
import { loadConfig } from '../src/config.js';
import { readKeyFile } from '../src/secrets/index.js';
import { SEALED_COLUMNS } from '../src/store/index.js';
import { keyFingerprint, SecretBox, SecretBoxError } from '../src/secrets/secret-box.js';
import { makeTestPki, type TestPki } from './fakes/apns/certs.js';
import { createServiceAccount } from './fakes/google/index.js';
import { startGraphEmulator, type GraphEmulator } from './fakes/graph/index.js';
import { startServer, type TestServer } from './helpers/server.js';

let graph: GraphEmulator;
let pki: TestPki;
const servers: TestServer[] = [];
const tempDirs: string[] = [];
const ENTRA = { MUSTER_ENTRA_CUSTOM_ENDPOINTS: 'true' };

beforeAll(async () => {
  graph = await startGraphEmulator({ pageSize: 25 });
  graph.seed({ users: 5, groups: [{ name: 'Staff', members: 5 }], seed: 3 });
  pki = makeTestPki();
});
afterAll(async () => {
  await graph.close();
});
afterEach(async () => {
  // Nodes sharing a database close before the one that made it (which drops it).
  for (const s of servers.splice(0).reverse()) await s.close();
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function node(env: Record<string, string> = {}, sharing?: TestServer): Promise<TestServer> {
  const s = await startServer({ ...ENTRA, ...env }, sharing ? { sharing } : {});
  servers.push(s);
  return s;
}
function otherMachine(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-other-node-'));
  tempDirs.push(d);
  return d;
}
async function refusal(env: Record<string, string>, sharing: TestServer): Promise<SecretBoxError> {
  const err = await node(env, sharing).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SecretBoxError);
  return err as SecretBoxError;
}

/** An Entra connection, Apple and Google Wallet settings: one secret of each kind an organisation stores. */
async function storeSecrets(srv: TestServer) {
  const org = await srv.muster.lists.resolveOrganisation('Test organisation');
  const created = await srv.muster.lists.createList({ name: 'Entra', uid: 'userName', org: org.id, syncMethod: 'none' });
  const groupId = graph.seed({ users: 0, groups: [{ name: `Scope ${randomBytes(3).toString('hex')}`, members: 0 }], seed: 1 }).groups[0]!.id;
  await srv.muster.entra.connect(created.list, {
    tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: graph.clientSecret, groupIds: [groupId], schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url,
  });
  await srv.muster.appleWallet.put(org.id, { organizationName: 'Example Ltd', certificate: pki.pass.certificatePem, privateKey: pki.pass.privateKeyPem, wwdrCertificate: pki.ca.certificatePem }, { actor: 'test' });
  const account = createServiceAccount();
  await srv.muster.googleWallet.configure(org.id, { issuerId: '3388000000012345678', serviceAccountKey: account.keyFile }, { actor: 'test' });
  return { orgId: org.id, listId: created.list.id, googlePrivateKey: account.keyFile.private_key! };
}

/** Every secret of `srv`'s database opens through the running services, and (with `key`) under that key alone. */
async function expectReadable(srv: TestServer, s: Awaited<ReturnType<typeof storeSecrets>>, key?: string) {
  expect(await srv.muster.entra.test(s.listId)).toMatchObject({ ok: true });
  expect((await srv.muster.appleWallet.config(s.orgId))!.signing).toBeTruthy();
  if (key) {
    const box = new SecretBox(key);
    for (const c of SEALED_COLUMNS) {
      for (const row of await srv.muster.store.secretKeys.sealedAfter(c, '', 100)) expect(box.isCurrent(row.value), `${c.what} under the expected key`).toBe(true);
    }
    const google = await srv.muster.store.googleWallet.settings(s.orgId);
    expect(JSON.parse(box.open(google!.key_enc)).private_key).toBe(s.googlePrivateKey);
  }
}

const rotate = async (srv: TestServer, env: Record<string, string> = {}) => {
  const lines: string[] = [];
  const code = await secretsCommand(loadConfig({ MUSTER_DATABASE_URL: srv.databaseUrl, MUSTER_DATA_DIR: srv.dataDir, MUSTER_LOG_LEVEL: 'silent', ...env }), 'rotate', true, (l) => lines.push(l));
  expect(code).toBe(0);
  return JSON.parse(lines[0]!) as { source: string; keyFile: string | null; fingerprint: string; reencrypted: Record<string, number>; unreadable: unknown[] };
};

describe('the secret key', () => {
  it('a fresh installation with no MUSTER_SECRET_KEY makes its key file (0600), stores Entra and wallet secrets with it, and refuses nodes with another key or none', async () => {
    const a = await node();
    const file = path.join(a.dataDir, 'secret.key');
    expect(a.muster.secretKey).toEqual({ kind: 'file', path: file, created: true });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const ring = readKeyFile(file);
    expect(ring.previous).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/Back this file up together with the database/);
    // The database holds the fingerprint, never the key.
    expect(await a.muster.store.secretKeys.fingerprint()).toBe(keyFingerprint(ring.current));
    const s = await storeSecrets(a);
    await expectReadable(a, s, ring.current);

    // A second node on the same machine (same data directory) uses the same file.
    const b = await node({}, a);
    expect(b.muster.secretKey).toEqual({ kind: 'file', path: file, created: false });
    await expectReadable(b, s);
    // Another machine without the file: refused, told to copy it, and no stray key file left behind.
    const elsewhere = otherMachine();
    const none = await refusal({ MUSTER_DATA_DIR: elsewhere }, a);
    expect(none.code).toBe('MUSTER_SECRET_KEY_NOT_FOUND');
    expect(none.message).toMatch(/Copy the key file/);
    expect(fs.existsSync(path.join(elsewhere, 'secret.key'))).toBe(false);
    // Another key, from the environment: refused, with what to do.
    const other = await refusal({ MUSTER_SECRET_KEY: randomBytes(32).toString('base64') }, a);
    expect(other.code).toBe('MUSTER_SECRET_KEY_MISMATCH');
    expect(other.message).toMatch(/every node/i);
    // The right key from the environment on another machine: accepted.
    const c = await node({ MUSTER_DATA_DIR: otherMachine(), MUSTER_SECRET_KEY: ring.current }, a);
    expect(c.muster.secretKey).toEqual({ kind: 'environment' });
    await expectReadable(c, s);
  });

  it('muster secrets rotate re-encrypts every secret under a new key in the file, while the running server keeps reading them', async () => {
    const a = await node();
    const file = path.join(a.dataDir, 'secret.key');
    const old = readKeyFile(file).current;
    const s = await storeSecrets(a);
    const r = await rotate(a);
    const fresh = readKeyFile(file);
    expect(fresh.current).not.toBe(old);
    expect(fresh.previous).toEqual([]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(r).toMatchObject({ source: 'file', keyFile: file, fingerprint: keyFingerprint(fresh.current), unreadable: [] });
    expect(r.reencrypted).toEqual({ 'Entra ID client secrets': 1, 'Apple Wallet pass certificates and keys': 1, 'Google Wallet service account keys': 1 });
    expect(await a.muster.store.secretKeys.fingerprint()).toBe(keyFingerprint(fresh.current));
    // The server started before the rotation reads the re-encrypted secrets, and seals new ones under the new key.
    await expectReadable(a, s, fresh.current);
    const more = await a.muster.lists.createList({ name: 'After rotation', uid: 'userName', org: s.orgId, syncMethod: 'none' });
    const moreGroup = graph.seed({ users: 0, groups: [{ name: `After ${randomBytes(3).toString('hex')}`, members: 0 }], seed: 2 }).groups[0]!.id;
    await a.muster.entra.connect(more.list, { tenantId: graph.tenantId, clientId: graph.clientId, clientSecret: 'after', groupIds: [moreGroup], schedule: 'manual', authorityUrl: graph.url, graphUrl: graph.url });
    expect(new SecretBox(fresh.current).open((await a.muster.store.entra.get(more.list.id))!.secret_enc)).toBe('after');
    // The old key no longer starts a node; the new one does.
    expect((await refusal({ MUSTER_DATA_DIR: otherMachine(), MUSTER_SECRET_KEY: old }, a)).code).toBe('MUSTER_SECRET_KEY_MISMATCH');
    await expectReadable(await node({}, a), s, fresh.current);
    // Run again, it rotates again (nothing is left under an old key either time).
    expect((await rotate(a)).reencrypted).toMatchObject({ 'Entra ID client secrets': 2 });
  });

  it('a key from MUSTER_SECRET_KEY rotates with the old one as MUSTER_SECRET_KEY_PREVIOUS, accepted until rotation finishes', async () => {
    const k0 = randomBytes(32).toString('base64'), k1 = randomBytes(32).toString('base64');
    const a = await node({ MUSTER_SECRET_KEY: k0 });
    const s = await storeSecrets(a);
    // Without a new key beside the old one there is nothing to rotate to.
    await expect(secretsCommand(loadConfig({ MUSTER_DATABASE_URL: a.databaseUrl, MUSTER_DATA_DIR: a.dataDir, MUSTER_SECRET_KEY: k0 }), 'rotate', true, () => undefined))
      .rejects.toThrow(/MUSTER_SECRET_KEY_PREVIOUS/);
    // Every node restarts with the new key and the old: it starts (the old key matches), reads the old secrets, seals under the new key.
    const b = await node({ MUSTER_SECRET_KEY: k1, MUSTER_SECRET_KEY_PREVIOUS: k0 }, a);
    await expectReadable(b, s);
    const r = await rotate(a, { MUSTER_SECRET_KEY: k1, MUSTER_SECRET_KEY_PREVIOUS: k0 });
    expect(r).toMatchObject({ source: 'environment', keyFile: null, fingerprint: keyFingerprint(k1) });
    await expectReadable(b, s, k1);
    // Afterwards the old key alone is refused, and the new one alone is enough.
    expect((await refusal({ MUSTER_SECRET_KEY: k0 }, a)).code).toBe('MUSTER_SECRET_KEY_MISMATCH');
    await expectReadable(await node({ MUSTER_SECRET_KEY: k1 }, a), s, k1);
    expect(fs.existsSync(path.join(a.dataDir, 'secret.key'))).toBe(false);
  });

  it('secrets stored under MUSTER_SECRET_KEY before fingerprints existed: a node without that key is refused rather than given a new one', async () => {
    const k0 = randomBytes(32).toString('base64');
    const a = await node({ MUSTER_SECRET_KEY: k0 });
    await storeSecrets(a);
    // As an installation from before this release: secrets, but no fingerprint yet.
    await a.muster.store.db.deleteFrom('secret_key_fingerprints').execute();
    const dir = otherMachine();
    const err = await refusal({ MUSTER_DATA_DIR: dir }, a);
    expect(err.code).toBe('MUSTER_SECRET_KEY_NOT_FOUND');
    expect(err.message).toMatch(/set it again/);
    expect(fs.existsSync(path.join(dir, 'secret.key'))).toBe(false);
    expect((await refusal({ MUSTER_SECRET_KEY: randomBytes(32).toString('base64') }, a)).code).toBe('MUSTER_SECRET_KEY_MISMATCH');
    await node({ MUSTER_SECRET_KEY: k0 }, a);
    expect(await a.muster.store.secretKeys.fingerprint()).toBe(keyFingerprint(k0));
  });
});
