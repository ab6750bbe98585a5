/**
 * A database that cannot take a statement now is a passing outage, not Muster's defect: SCIM and
 * the admin API answer 503 with Retry-After (src/store/unavailable.ts), nothing is half applied,
 * and the same request succeeds once the database is back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { ENGINE, freshDatabase, type TestDatabase } from './helpers/database.js';
import { openDatabase, type Connection } from '../src/store/connect.js';
import { databaseUnavailable } from '../src/store/unavailable.js';
import { WRITE_LOCK } from '../src/store/sqlite/write-lock.js';
import { Store } from '../src/store/store.js';
import { REQUEST_LOG_BACKLOG, RequestLog } from '../src/audit/request-log.js';
import { TokenAuth } from '../src/http/auth.js';
import { AuditTrail } from '../src/audit/audit-trail.js';
import { startServer, user, type TestServer } from './helpers/server.js';

/** The error `run` fails with. */
async function errorOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

/**
 * Takes SQLite's write lock on `holder` as another process would, without stopping this thread:
 * the node under test shares it, and while one of its commit groups is open (until the end of the
 * turn), SQLite's own wait here would hold the thread the group needs to commit.
 */
async function takeWriteLock(holder: Database.Database): Promise<void> {
  holder.pragma('busy_timeout = 0');
  for (;;) {
    try {
      holder.exec('BEGIN IMMEDIATE');
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

let tdb: TestDatabase | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  await conn?.db.destroy();
  conn = undefined;
  await tdb?.drop();
  tdb = undefined;
});

describe(`the engine's errors (${ENGINE})`, () => {
  it('tell a database that cannot take a statement now from a statement that is wrong', async () => {
    tdb = await freshDatabase();
    conn = await openDatabase(tdb.url);
    const db = conn.db;
    // Wrong statements, and Muster's own failures: not an outage.
    expect(databaseUnavailable(await errorOf(() => sql`SELEC 1`.execute(db)))).toBe(false);
    expect(databaseUnavailable(await errorOf(() => sql`SELECT * FROM no_such_table`.execute(db)))).toBe(false);
    await db.insertInto('organisations').values({ id: 'o1', name: 'One', created_at: new Date().toISOString() } as never).execute();
    expect(databaseUnavailable(await errorOf(() => db.insertInto('organisations').values({ id: 'o1', name: 'Again', created_at: new Date().toISOString() } as never).execute()))).toBe(false);
    for (const other of [new Error('boom'), new TypeError('x is undefined'), null, undefined, 'text', { code: 42 }]) expect(databaseUnavailable(other)).toBe(false);

    if (ENGINE === 'sqlite') {
      // Another connection holds the write lock, and this one does not wait for it.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-busy-'));
      try {
        const file = path.join(dir, 'busy.sqlite');
        const a = new Database(file);
        a.pragma('journal_mode = WAL');
        a.exec('CREATE TABLE t (n INTEGER)');
        const b = new Database(file);
        b.pragma('busy_timeout = 0');
        a.exec('BEGIN IMMEDIATE');
        const busy = await errorOf(() => b.exec('BEGIN IMMEDIATE'));
        expect(busy).toMatchObject({ code: 'SQLITE_BUSY' });
        expect(databaseUnavailable(busy)).toBe(true);
        a.exec('ROLLBACK');
        a.close();
        b.close();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      return;
    }
    // PostgreSQL: the server ends the connection a statement runs on (a restart, a failover), alone
    // or in a transaction (whose ROLLBACK then fails, and is what Kysely throws)…
    const admin = new pg.Client({ connectionString: tdb.url });
    await admin.connect();
    const end = async () => {
      let ended = 0;
      while (ended === 0) {
        ended = (await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(30)'")).rowCount ?? 0;
      }
    };
    const running = sql`SELECT pg_sleep(30)`.execute(db).then(() => undefined, (err: unknown) => err);
    await end();
    const terminated = await running;
    expect(terminated).toMatchObject({ code: '57P01' });
    expect(databaseUnavailable(terminated)).toBe(true);
    const inTransaction = db.transaction().execute((tx) => sql`SELECT pg_sleep(30)`.execute(tx)).then(() => undefined, (err: unknown) => err);
    await end();
    expect(databaseUnavailable(await inTransaction)).toBe(true);
    await admin.end();
    // A statement with more parameters than the protocol carries (08P01): Muster's fault, not an outage.
    const tooMany = await errorOf(() => db.selectFrom('organisations').select('id').where('id', 'in', Array.from({ length: 70_000 }, (_, i) => `o${i}`)).execute());
    expect(databaseUnavailable(tooMany)).toBe(false);
    // …or nothing listens where it should be.
    const refused = new pg.Client({ connectionString: 'postgres://muster@127.0.0.1:1/muster' });
    const unreachable = await errorOf(() => refused.connect());
    expect(unreachable).toMatchObject({ code: 'ECONNREFUSED' });
    expect(databaseUnavailable(unreachable)).toBe(true);
  });
});

/**
 * Makes the server's database refuse writes, as an outage would; `restore()` gives it back.
 * - PostgreSQL refuses the node's connections (ALLOW_CONNECTIONS false, superusers included), and
 *   the connections it had are ended, as in a restart: nothing at all can be read or written.
 * - SQLite: another connection holds the write lock (a `sqlite3` shell left in a transaction).
 *   Reads go on. A write waits for the lock (src/store/sqlite/write-lock.ts); the test shortens
 *   the wait from 5 s to 200 ms so that each write gives up soon.
 */
async function outage(srv: TestServer): Promise<{ reads: boolean; restore(): Promise<void> }> {
  let restored = false;
  if (ENGINE === 'sqlite') {
    const waitMs = WRITE_LOCK.waitMs;
    WRITE_LOCK.waitMs = 200;
    const holder = new Database(srv.databaseUrl);
    await takeWriteLock(holder);
    return {
      reads: true,
      async restore() {
        if (restored) return;
        restored = true;
        holder.exec('ROLLBACK');
        holder.close();
        WRITE_LOCK.waitMs = waitMs;
      },
    };
  }
  const name = new URL(srv.databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.MUSTER_TEST_PG_URL });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  // The node's pool lets go of the ended connections once it hears of their end.
  while (srv.muster.store.poolStats().total > 0) await new Promise((r) => setTimeout(r, 10));
  return {
    reads: false,
    async restore() {
      if (restored) return;
      restored = true;
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    },
  };
}

describe(`a database that cannot take a write now (${ENGINE})`, () => {
  it('is answered 503 with Retry-After on SCIM, in a Bulk operation and on the admin API, changes nothing, and the same requests succeed once it is back', async () => {
    const srv = await startServer();
    let restore = async (): Promise<void> => undefined;
    try {
      const list = await srv.newList({ name: 'Outage' });
      const org = await srv.muster.lists.resolveOrganisation('Test organisation');
      const key = await srv.adminKey(org.id);
      expect((await list.req('GET', '/Users')).body.totalResults).toBe(0);
      const events = async () => {
        const trail = await fetch(`${srv.origin}/api/v1/lists/${list.id}/audit/events?limit=1000`, { headers: { authorization: `Bearer ${key}` } });
        expect(trail.status).toBe(200);
        return ((await trail.json()) as { events: { action: string }[] }).events.map((e) => e.action);
      };
      const recorded = await events();

      const down = await outage(srv);
      restore = down.restore;
      const created = await list.req('POST', '/Users', user('ada@example.org'));
      expect(created.status, created.text).toBe(503);
      expect(created.headers.get('retry-after')).toBe('5');
      expect(created.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503',
        detail: 'the database is not answering; try again in 5 seconds',
      });
      if (down.reads) {
        // The request got as far as its Bulk operations (its token was read): each answers 503.
        const bulk = await list.req('POST', '/Bulk', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
          Operations: [{ method: 'POST', path: '/Users', bulkId: 'g', data: user('grace@example.org') }],
        });
        expect(bulk.status, bulk.text).toBe(200);
        expect(bulk.body.Operations).toMatchObject([{ bulkId: 'g', status: '503', response: { status: '503', detail: 'the database is not answering; try again in 5 seconds' } }]);
      }
      const token = await fetch(`${srv.origin}/api/v1/lists/${list.id}/tokens`, {
        method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ label: 'Second' }),
      });
      expect(token.status).toBe(503);
      expect(token.headers.get('retry-after')).toBe('5');
      expect(await token.json()).toMatchObject({ error: 'database_unavailable', detail: expect.stringMatching(/^the database is not answering; try again in 5 seconds/) });
      // The health check reads: 503 while nothing can be read.
      expect((await fetch(`${srv.origin}/healthz`)).status).toBe(down.reads ? 200 : 503);
      await restore();

      // Nothing was half applied: no person, no token, and no audit record of any.
      expect((await list.req('GET', '/Users')).body.totalResults).toBe(0);
      const tokens = await fetch(`${srv.origin}/api/v1/lists/${list.id}/tokens`, { headers: { authorization: `Bearer ${key}` } });
      expect(((await tokens.json()) as { tokens: { label: string }[] }).tokens.map((t) => t.label)).not.toContain('Second');
      expect(await events()).toEqual(recorded);

      // The IdP's retry is applied.
      const again = await list.req('POST', '/Users', user('ada@example.org'));
      expect(again.status, again.text).toBe(201);
      expect((await list.req('GET', '/Users')).body.totalResults).toBe(1);
      expect(await events()).toEqual(['person.created', ...recorded]);
    } finally {
      await restore();
      await srv.close();
    }
  });
});

if (ENGINE === 'sqlite') describe('SQLite: another process holds the write lock for a while (sqlite3 shell left in a transaction)', () => {
  // Long enough that no wait ends on a slow machine before the test lets the lock go.
  let waitMs = WRITE_LOCK.waitMs;
  beforeEach(() => {
    waitMs = WRITE_LOCK.waitMs;
    WRITE_LOCK.waitMs = 600_000;
  });
  afterEach(() => {
    WRITE_LOCK.waitMs = waitMs;
    holder?.close();
    holder = undefined;
  });

  /** Another connection (a `sqlite3` shell) holding the write lock of a fresh database the node's connection serves. */
  let holder: Database.Database | undefined;
  async function servingWithLockHeld(): Promise<{ c: Connection; db: Connection['db']; holder: Database.Database }> {
    tdb = await freshDatabase();
    const c = (conn = await openDatabase(tdb.url, { serving: true }));
    holder = new Database(tdb.url);
    await takeWriteLock(holder);
    return { c, db: c.db, holder };
  }
  const untilWaiting = async (c: Connection) => {
    while (!c.writeLock!.waiting) await new Promise((r) => setTimeout(r, 5));
  };
  const newOrganisation = (db: Connection['db'], id: string) => db.insertInto('organisations').values({ id, name: id, created_at: new Date().toISOString() } as never);

  it('a single write outside any transaction waits too, with the connection lent to reads meanwhile, and is applied once the lock is let go', async () => {
    const { c, db, holder } = await servingWithLockHeld();
    let settled = false;
    const write = newOrganisation(db, 'held').execute().finally(() => (settled = true));
    await untilWaiting(c);
    expect((await db.selectFrom('organisations').select('id').where('id', '=', 'held').execute())).toEqual([]);
    expect(settled).toBe(false);
    holder.exec('ROLLBACK');
    await write;
    expect((await db.selectFrom('organisations').select('id').where('id', '=', 'held').execute())).toEqual([{ id: 'held' }]);
    expect(c.writeLock!.waiting).toBe(false);
  });

  it('the request log holds a bounded backlog while its writes wait, then writes it and says how many requests it did not log', async () => {
    const { c, holder } = await servingWithLockHeld();
    const store = new Store(c);
    const errors: string[] = [];
    const log = new RequestLog(store, 'all', (err) => errors.push(String(err)));
    const rows = REQUEST_LOG_BACKLOG.rows;
    REQUEST_LOG_BACKLOG.rows = 5;
    try {
      const row = (i: number) => ({
        time: new Date().toISOString(), list_id: 'l1', request_id: `r${i}`, method: 'GET', path: `/Users?i=${i}`, status: 200,
        duration_ms: 1, user_agent: null, token_label: null, idp: null, request_body: null, response_body: null,
      });
      for (let i = 0; i < 3; i++) log.add(row(i));
      const first = log.flush();
      await untilWaiting(c);
      for (let i = 3; i < 9; i++) log.add(row(i)); // 2 more fit (5 waiting), 4 do not
      expect(errors).toEqual([expect.stringMatching(/^Error: the request log is behind \(5 requests waiting for the database\)/)]);
      holder.exec('ROLLBACK');
      await first;
      await log.flush();
      const logged = (await store.db.selectFrom('request_log').select('request_id').orderBy('id').execute()).map((r) => r.request_id);
      expect(logged).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      expect(errors).toHaveLength(2);
      expect(errors[1]).toBe('Error: 4 requests were not logged (the request log was behind, or its writes failed)');
      // Caught up: the next requests are logged again.
      log.add(row(9));
      await log.flush();
      expect((await store.db.selectFrom('request_log').select('request_id').where('request_id', '=', 'r9').execute())).toHaveLength(1);
    } finally {
      REQUEST_LOG_BACKLOG.rows = rows;
    }
  });

  it('the request log stops a flush at the first batch the database cannot take, and says how many requests it did not log', async () => {
    const { c } = await servingWithLockHeld();
    const store = new Store(c);
    const errors: string[] = [];
    const log = new RequestLog(store, 'all', (err) => errors.push(String(err)));
    WRITE_LOCK.waitMs = 50;
    for (let i = 0; i < 150; i++) { // fewer than a flush's 200, so one flush
      log.add({ time: new Date().toISOString(), list_id: 'l1', request_id: `r${i}`, method: 'GET', path: '/Users', status: 200, duration_ms: 1 });
    }
    await log.flush(); // two batches of up to 100: the first waits and fails, the second is not tried
    expect(errors).toEqual([expect.stringMatching(/SqliteError: database is locked/), 'Error: 150 requests were not logged (the request log was behind, or its writes failed)']);
  });

  it('a statement whose wait is over fails with SQLITE_BUSY and leaves the connection to the next ones', async () => {
    const { c, db, holder } = await servingWithLockHeld();
    WRITE_LOCK.waitMs = 50;
    await expect(newOrganisation(db, 'first').execute()).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    await expect(db.transaction().execute((trx) => newOrganisation(trx, 'second').execute())).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    holder.exec('ROLLBACK');
    // The connection was handed back each time: reads, a single write and a transaction run.
    await newOrganisation(db, 'third').execute();
    await db.transaction().execute((trx) => newOrganisation(trx, 'fourth').execute());
    const ids = (await db.selectFrom('organisations').select('id').where('id', 'in', ['first', 'second', 'third', 'fourth']).orderBy('id').execute()).map((r) => r.id);
    expect(ids).toEqual(['fourth', 'third']);
    expect(c.writeLock!.waiting).toBe(false);
  });

  it('a token\'s last-use time, a minute after its first use, is written without the request waiting for it', async () => {
    const srv = await startServer();
    try {
      const list = await srv.newList({ name: 'Touch' });
      let now = new Date('2026-12-06T10:00:00Z');
      const auth = new TokenAuth(srv.muster.store, new AuditTrail(true), { now: () => now });
      await auth.authenticate(`Bearer ${list.token}`, list.id); // its first use: recorded, with its audit event
      const lastUsed = async () => (await srv.muster.store.db.selectFrom('tokens').select('last_used_at').where('list_id', '=', list.id).executeTakeFirstOrThrow()).last_used_at;
      expect(await lastUsed()).toBe('2026-12-06T10:00:00.000Z');
      holder = new Database(srv.databaseUrl);
      await takeWriteLock(holder);
      now = new Date('2026-12-06T10:01:01Z');
      // Answered while another process holds the lock (before, a kept look-up still said "never
      // used", so every minute took the first use's transaction, which waited for the lock).
      expect((await auth.authenticate(`Bearer ${list.token}`, list.id)).list.id).toBe(list.id);
      holder.exec('ROLLBACK');
      while ((await lastUsed()) !== '2026-12-06T10:01:01.000Z') await new Promise((r) => setTimeout(r, 5));
    } finally {
      await srv.close();
    }
  });

  it('stops no read: a write waits for the lock with timers, and is applied once it is let go', async () => {
    const srv = await startServer();
    const holder = new Database(srv.databaseUrl);
    try {
      const list = await srv.newList({ name: 'Held' });
      const org = await srv.muster.lists.resolveOrganisation('Test organisation');
      const key = await srv.adminKey(org.id);
      const admin = (p: string) => fetch(`${srv.origin}/api/v1${p}`, { headers: { authorization: `Bearer ${key}` } });
      expect((await list.req('GET', '/Users')).body.totalResults).toBe(0);

      await takeWriteLock(holder);
      let settled = false;
      const created = list.req('POST', '/Users', user('ada@example.org')).finally(() => (settled = true));
      while (!srv.muster.store.waitingForWriteLock) await new Promise((r) => setTimeout(r, 5));
      // While it waits, the node answers: SCIM reads, the admin API, the health check. Before, the
      // write waited in SQLite's busy handler on the only thread, and all of these waited with it.
      const read = await list.req('GET', `/Users?filter=${encodeURIComponent('userName eq "ada@example.org"')}`);
      expect(read.status).toBe(200);
      expect(read.body.totalResults).toBe(0);
      expect((await admin(`/lists/${list.id}`)).status).toBe(200);
      expect((await fetch(`${srv.origin}/healthz`)).status).toBe(200);
      expect(settled).toBe(false);
      expect(srv.muster.store.waitingForWriteLock).toBe(true);

      holder.exec('ROLLBACK');
      const res = await created;
      expect(res.status, res.text).toBe(201);
      expect(srv.muster.store.waitingForWriteLock).toBe(false);
      expect((await list.req('GET', '/Users')).body.totalResults).toBe(1);
      const trail = await admin(`/lists/${list.id}/audit/events?limit=100`);
      const actions = ((await trail.json()) as { events: { action: string }[] }).events.map((e) => e.action);
      expect(actions.filter((a) => a === 'person.created')).toHaveLength(1);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
      await srv.close();
    }
  });
});
