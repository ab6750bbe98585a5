/**
 * A real Muster over a real database, listening on a real socket (port 0), for HTTP tests.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { AdminKeys } from '../../src/accounts/admin-keys.js';
import { buildMuster, listen, type Muster, type MusterOptions } from '../../src/main.js';
import { freshDatabase, type TestDatabase } from './database.js';

export interface TestServer {
  readonly origin: string;
  readonly databaseUrl: string;
  /** MUSTER_DATA_DIR: where the generated secret key is kept (a node sharing a database shares it, as on one machine). */
  readonly dataDir: string;
  readonly muster: Muster;
  /** Creates a list and returns its SCIM base URL and a token. */
  newList(opts?: { name?: string; uid?: string; externalIdUnique?: boolean; tokenLabel?: string; org?: string }): Promise<TestList>;
  /** A new admin API key of the organisation (made as `muster admin-keys create` makes one), for `Authorization: Bearer`. */
  adminKey(orgId: string, label?: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestList {
  readonly id: string;
  readonly base: string;
  readonly token: string;
  /** fetch against the list's SCIM base with its bearer token and a JSON body. */
  req(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResult>;
}

export interface ScimResult {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions read arbitrary JSON
  readonly body: any;
  readonly text: string;
}

export async function call(url: string, init: RequestInit): Promise<ScimResult> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/**
 * `opts.sharing`: a second node over the first server's database (several stateless Muster nodes
 * in front of one database); the database is dropped by the server that created it.
 */
export async function startServer(env: Record<string, string> = {}, opts: { sharing?: TestServer; muster?: MusterOptions } = {}): Promise<TestServer> {
  const db: TestDatabase = opts.sharing ? { url: opts.sharing.databaseUrl, drop: async () => undefined } : await freshDatabase();
  // Never the working directory's ./data (the default on PostgreSQL): a temporary one per database.
  const ownDataDir = env.MUSTER_DATA_DIR || opts.sharing ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'muster-data-'));
  const dataDir = env.MUSTER_DATA_DIR || opts.sharing?.dataDir || ownDataDir!;
  const dropAll = async () => {
    await db.drop();
    if (ownDataDir) fs.rmSync(ownDataDir, { recursive: true, force: true });
  };
  // Throttling is off unless a test turns it on (test/scim-strict-throttle.test.ts does).
  const config = loadConfig({ MUSTER_DATABASE_URL: db.url, MUSTER_DATA_DIR: dataDir, MUSTER_LOG_LEVEL: 'silent', MUSTER_RATE_LIMIT: '0', MUSTER_SIGN_IN_LIMIT: '0', MUSTER_PUBLIC_RATE_LIMIT: '0', ...env });
  let muster: Muster;
  try {
    muster = await buildMuster(config, undefined, true, opts.muster);
  } catch (err) {
    await dropAll();
    throw err;
  }
  const { server } = await listen(muster.app, 0, '127.0.0.1');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    muster,
    databaseUrl: db.url,
    dataDir,
    async newList(opts = {}) {
      const r = await muster.lists.createList({
        name: opts.name ?? 'Staff', uid: opts.uid ?? 'userName', externalIdUnique: opts.externalIdUnique, tokenLabel: opts.tokenLabel, org: opts.org ?? 'Test organisation',
      });
      const base = `${origin}/scim/v2/lists/${r.list.id}`;
      const token = r.token!.secret;
      return {
        id: r.list.id, base, token,
        req: (method, path, body, headers = {}) => call(base + path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...headers },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        }),
      };
    },
    async adminKey(orgId, label = 'tests') {
      return (await new AdminKeys(muster.store, muster.audit, muster.lists).create(orgId, label)).secret;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await muster.close();
      await dropAll();
    },
  };
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** The form of an id Muster makes for a person, group or request (src/runtime/ids.ts): 20 characters of lower-case Crockford base32. */
export const NEW_ID = /^[0-9a-hjkmnp-tv-z]{20}$/;

export function user(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    userName,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: `${userName.replace(/@.*/, '')}@work.example`, type: 'work', primary: true }],
    active: true,
    ...extra,
  };
}

export const patch = (...ops: Record<string, unknown>[]) => ({ schemas: [PATCH_OP], Operations: ops });
