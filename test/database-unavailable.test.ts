/**
 * A database that cannot take a statement now is a passing outage, not Muster's defect: SCIM and
 * the admin API answer 503 with Retry-After (src/store/unavailable.ts), nothing is half applied,
 * and the same request succeeds once the database is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { ENGINE, freshDatabase, type TestDatabase } from './helpers/database.js';
import { openDatabase, type Connection } from '../src/store/connect.js';
import { databaseUnavailable } from '../src/store/unavailable.js';
import { startServer, user } from './helpers/server.js';

/** The error `run` fails with. */
async function errorOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
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
    // PostgreSQL: the server ends the connection a statement runs on (a restart, a failover)…
    const running = sql`SELECT pg_sleep(30)`.execute(db).then(() => undefined, (err: unknown) => err);
    const admin = new pg.Client({ connectionString: tdb.url });
    await admin.connect();
    let ended = 0;
    while (ended === 0) {
      ended = (await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()")).rowCount ?? 0;
    }
    await admin.end();
    const terminated = await running;
    expect(terminated).toMatchObject({ code: '57P01' });
    expect(databaseUnavailable(terminated)).toBe(true);
    // …or nothing listens where it should be.
    const refused = new pg.Client({ connectionString: 'postgres://muster@127.0.0.1:1/muster' });
    const unreachable = await errorOf(() => refused.connect());
    expect(unreachable).toMatchObject({ code: 'ECONNREFUSED' });
    expect(databaseUnavailable(unreachable)).toBe(true);
  });
});

/**
 * PostgreSQL refuses the node's connections (ALLOW_CONNECTIONS false, superusers included), and the
 * connections it had are ended, as in a restart. SQLite's counterpart, another process holding the
 * write lock, is answered 503 too (the errors above), but only after busy_timeout (5 s) for each of
 * the request's writes, too slow to send through HTTP here.
 */
if (ENGINE === 'postgres') describe('a PostgreSQL database that refuses connections', () => {
  it('is answered 503 with Retry-After on SCIM and the admin API, changes nothing, and the same requests succeed once it is back', async () => {
    const srv = await startServer();
    const name = new URL(srv.databaseUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.MUSTER_TEST_PG_URL });
    await admin.connect();
    let restored = false;
    const restore = async () => {
      if (!restored) await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      restored = true;
    };
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

      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      // The node's pool lets go of the ended connections once it hears of their end.
      while (srv.muster.store.poolStats().total > 0) await new Promise((r) => setTimeout(r, 10));

      const created = await list.req('POST', '/Users', user('ada@example.org'));
      expect(created.status, created.text).toBe(503);
      expect(created.headers.get('retry-after')).toBe('5');
      expect(created.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503',
        detail: 'the database is not answering; try again in 5 seconds',
      });
      const token = await fetch(`${srv.origin}/api/v1/lists/${list.id}/tokens`, {
        method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ label: 'Second' }),
      });
      expect(token.status).toBe(503);
      expect(token.headers.get('retry-after')).toBe('5');
      expect(await token.json()).toMatchObject({ error: 'database_unavailable', detail: expect.stringMatching(/^the database is not answering; nothing could be read or saved\. Try again in 5 seconds/) });
      const health = await fetch(`${srv.origin}/healthz`);
      expect(health.status).toBe(503);
      await restore();

      // Nothing was half applied: no person, no token, and no audit record of either.
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
      await admin.end();
      await srv.close();
    }
  });
});
