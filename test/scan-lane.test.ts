/**
 * The lane of whole-list queries on a serving node's real database (src/store/scan-pool.ts), on
 * both engines: a process of its own on SQLite, a connection of its own on PostgreSQL. Its
 * statements are read-only, stop at their deadline, and never take what the node's other requests
 * need (the serving thread; the connection pool).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { ENGINE, freshDatabase, type TestDatabase } from './helpers/database.js';
import { openDatabase, type Connection } from '../src/store/connect.js';
import { PER_LIST_LIMIT, SCAN_BUSY_RETRY_AFTER_S, ScanTimeoutError } from '../src/store/scan-pool.js';
import { SqliteScanProcess } from '../src/store/sqlite/scan-process.js';
import net from 'node:net';
import pg from 'pg';
import { startServer, user } from './helpers/server.js';

/** A statement that takes its engine a few seconds, and one that takes it a moment. */
const SLOW = ENGINE === 'postgres'
  ? 'SELECT count(*) AS n FROM (SELECT pg_sleep(0.01) FROM generate_series(1, $1::int)) s'
  : 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) AS n FROM c';
const SLOW_ARG = ENGINE === 'postgres' ? 400 : 30_000_000;

let tdb: TestDatabase | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  await conn?.scans?.close();
  await conn?.db.destroy();
  conn = undefined;
  await tdb?.drop();
  tdb = undefined;
});

/**
 * A serving node's connection. On PostgreSQL its URL sets the opposite of what the lane needs
 * (writes allowed, no statement timeout), as an operator's MUSTER_DATABASE_URL may: the lane's own
 * settings must still hold.
 */
async function serving(scanTimeoutMs: number): Promise<Connection> {
  tdb = await freshDatabase();
  const url = ENGINE === 'postgres' ? `${tdb.url}?options=${encodeURIComponent('-c default_transaction_read_only=off -c statement_timeout=0')}` : tdb.url;
  conn = await openDatabase(url, { serving: true, scanTimeoutMs });
  return conn;
}

describe(`the lane of whole-list queries (${ENGINE})`, () => {
  it('reads what is committed, and refuses to write', async () => {
    const c = await serving(60_000);
    const lane = c.scans!;
    expect(lane).toBeDefined();
    const insert = ENGINE === 'postgres' ? 'INSERT INTO organisations (id, name, created_at) VALUES ($1, $2, $3)' : 'INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?)';
    await expect(lane.all('l1', insert, ['o1', 'Nowhere', new Date().toISOString()])).rejects.toThrow(/read-only|only reads|readonly|query_only/i);
    const count = ENGINE === 'postgres' ? 'SELECT count(*)::int AS n FROM organisations WHERE name = $1' : 'SELECT count(*) AS n FROM organisations WHERE name = ?';
    expect(await lane.all('l1', count, ['Here'])).toEqual([{ n: 0 }]);
    await c.db.insertInto('organisations').values({ id: 'o2', name: 'Here', created_at: new Date().toISOString() } as never).execute();
    expect(await lane.all('l1', count, ['Here'])).toEqual([{ n: 1 }]);
  });

  it('stops a statement at its deadline with ScanTimeoutError, and the next one runs', async () => {
    const c = await serving(500);
    const lane = c.scans!;
    await expect(lane.all('l1', SLOW, [SLOW_ARG])).rejects.toBeInstanceOf(ScanTimeoutError);
    expect(await lane.all('l2', 'SELECT 7 AS seven', [])).toEqual([{ seven: 7 }]);
    expect(lane.timedOut).toBe(1);
  });

  it('takes organisations in turn, then their lists, as the lists table says', async () => {
    const c = await serving(60_000);
    const lane = c.scans!;
    const now = new Date().toISOString();
    for (const org of ['X', 'Y']) await c.db.insertInto('organisations').values({ id: org, name: `Org ${org}`, created_at: now } as never).execute();
    const lists: Record<string, string> = { x1: 'X', x2: 'X', x3: 'X', y1: 'Y' };
    for (const [id, org] of Object.entries(lists)) {
      await c.db.insertInto('lists').values({
        id, org_id: org, name: id, uid_attribute: 'userName', sync_method: 'scim', strict: 0, external_id_unique: 0, created_at: now, updated_at: now,
      }).execute();
    }
    for (const id of Object.keys(lists)) await lane.all(id, 'SELECT 1 AS one', []); // each list's organisation, looked up once
    const order: string[] = [];
    const run = (list: string, name: string) => lane.all(list, SLOW, [Math.round(SLOW_ARG / 100)]).then(() => order.push(name));
    await Promise.all([run('x1', 'x1a'), run('x2', 'x2a'), run('x3', 'x3a'), run('x1', 'x1b'), run('y1', 'y1a'), run('y1', 'y1b'), run('y1', 'y1c')]);
    // x1a runs at once; then X and Y alternate, X's lists in their turn.
    expect(order).toEqual(['x1a', 'x2a', 'y1a', 'x3a', 'y1b', 'x1b', 'y1c']);
  });

  it('leaves the node\'s own connection free while its statements run', async () => {
    const c = await serving(60_000);
    const lane = c.scans!;
    for (const l of ['l1', 'l2', 'l3']) await lane.all(l, 'SELECT 1 AS one', []); // each list's organisation, looked up once
    let slowDone = 0;
    // Long enough for ten trivial reads many times over; on SQLite the statements take CPU, so they
    // are kept to about a third of a second each (with the machine's two cores busy, three of 1.5 s ran past
    // the test's timeout), while PostgreSQL's sleep a second each whatever the load.
    const n = ENGINE === 'postgres' ? SLOW_ARG / 4 : SLOW_ARG / 20;
    const slow = ['l1', 'l2', 'l3'].map((l) => lane.all(l, SLOW, [n])).map((p) => p.then(() => slowDone++));
    // Ten reads on the node's pool (PostgreSQL) or thread (SQLite) while the lane is full: they are
    // answered before any of the lane's statements is.
    for (let i = 0; i < 10; i++) await sql`SELECT 1 AS one`.execute(c.db);
    expect(slowDone).toBe(0);
    expect(lane.pending).toBe(3);
    await Promise.all(slow);
    expect(slowDone).toBe(3);
  });
});

/**
 * A GET sent on a raw socket, so that the test decides when the client hangs up: `hangUp()` closes
 * the connection and waits for it to close; `answered()` is what the server sent meanwhile.
 */
async function rawGet(address: string, bearer: string): Promise<{ hangUp(): Promise<void>; answered(): string }> {
  const url = new URL(address);
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise((r) => socket.once('connect', r));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  let answered = '';
  socket.on('data', (d: Buffer) => { answered += d.toString('latin1'); });
  socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${bearer}\r\n\r\n`);
  return {
    async hangUp() {
      socket.destroy();
      await closed;
    },
    answered: () => answered,
  };
}

describe(`a list whose lane is full (${ENGINE}), over HTTP`, () => {
  it('gets 429 with Retry-After for its next whole-list query, on SCIM and on the People page, while its lookups and other lists go on', async () => {
    const srv = await startServer();
    let release = async (): Promise<void> => undefined;
    try {
      const busy = await srv.newList({ name: 'Busy' });
      const other = await srv.newList({ name: 'Other' });
      for (const l of [busy, other]) expect((await l.req('POST', '/Users', user('ada@example.org', { title: 'Engineer' }))).status).toBe(201);
      const lane = srv.muster.store.scanLane!;
      // Sixteen statements in the busy list's name: one holding the lane, fifteen waiting behind it.
      const hold = await holdLane(lane, busy.id, srv.databaseUrl);
      release = hold.release;
      const held = [hold.held, ...Array.from({ length: PER_LIST_LIMIT - 1 }, () => lane.all(busy.id, 'SELECT 1 AS one', []))];
      expect(lane.pending).toBe(PER_LIST_LIMIT);

      const refused = await busy.req('GET', `/Users?filter=${encodeURIComponent('title co "eng"')}`);
      expect(refused.status, refused.text).toBe(429);
      expect(refused.headers.get('retry-after')).toBe(String(SCAN_BUSY_RETRY_AFTER_S));
      expect(refused.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429' });

      const org = await srv.muster.lists.resolveOrganisation('Test organisation');
      const key = await srv.adminKey(org.id);
      const people = await fetch(`${srv.origin}/api/v1/lists/${busy.id}/people?search=ada`, { headers: { authorization: `Bearer ${key}` } });
      expect(people.status).toBe(429);
      expect(people.headers.get('retry-after')).toBe(String(SCAN_BUSY_RETRY_AFTER_S));
      expect(await people.json()).toMatchObject({ error: 'busy', detail: expect.stringMatching(/many searches of this list are running at once; try again in 2 seconds/) });

      // The audit trail's export searched by name: refused before the download starts, not an empty file.
      const exported = await fetch(`${srv.origin}/api/v1/lists/${busy.id}/audit/export?person=ada&format=csv`, { headers: { authorization: `Bearer ${key}` } });
      expect(exported.status).toBe(429);
      expect(exported.headers.get('retry-after')).toBe(String(SCAN_BUSY_RETRY_AFTER_S));

      // The IdP's lookup never enters the lane: answered while the lane is held.
      const lookup = await busy.req('GET', `/Users?filter=${encodeURIComponent('userName eq "ada@example.org"')}`);
      expect(lookup.status).toBe(200);
      expect(lookup.body.totalResults).toBe(1);

      // The Lists page still lists it: its maintained number of people, without the counts that read the list.
      // The other list's counts wait behind the held statement; the busy list's are refused at once.
      // Another list's whole-list query is not refused: it waits its turn.
      const listing = fetch(`${srv.origin}/api/v1/lists`, { headers: { authorization: `Bearer ${key}` } });
      const othersQuery = other.req('GET', `/Users?filter=${encodeURIComponent('title co "eng"')}`);
      while (lane.refused < 6 || lane.pending < PER_LIST_LIMIT + 2) await new Promise((r) => setTimeout(r, 10));
      await release();
      const lists = await listing;
      expect(lists.status).toBe(200);
      const shown = ((await lists.json()) as { lists: { id: string; people: number | null; counts?: { total: number } }[] }).lists;
      expect(shown.find((l) => l.id === busy.id)).toMatchObject({ people: 1 });
      expect(shown.find((l) => l.id === busy.id)!.counts).toBeUndefined();
      expect(shown.find((l) => l.id === other.id)).toMatchObject({ people: 1, counts: { total: 1, active: 1 } });

      const otherFilter = await othersQuery;
      expect(otherFilter.status, otherFilter.text).toBe(200);
      expect(otherFilter.body.totalResults).toBe(1);

      await Promise.all(held);
      // The SCIM query, the People page's three reads (its page, its count, the list's counts), the export, the Lists page's counts.
      expect(lane.refused).toBe(6);
      // Once the list's queries are answered, it is served again.
      const again = await busy.req('GET', `/Users?filter=${encodeURIComponent('title co "eng"')}`);
      expect(again.status, again.text).toBe(200);
      expect(again.body.totalResults).toBe(1);
    } finally {
      await release();
      await srv.close();
    }
  });
});

/**
 * PostgreSQL ends connections on a restart, a failover or `pg_terminate_backend`. The node's
 * statement on such a connection fails; the process goes on, and the next statement gets a new
 * connection. (SQLite's lane is a process: one that dies is in unit/store/scan-pool.)
 */
if (ENGINE === 'postgres') describe('connections the PostgreSQL server ends', () => {
  it('the lane runs on a new connection, with its settings', async () => {
    const c = await serving(60_000);
    const lane = c.scans!;
    const pid = (await lane.all<{ pid: number }>('l1', 'SELECT pg_backend_pid() AS pid', []))[0]!.pid;
    await sql`SELECT pg_terminate_backend(${pid})`.execute(c.db);
    // The statement that finds the connection gone fails; the lane does not keep it.
    await lane.all('l1', 'SELECT 1 AS one', []).catch(() => undefined);
    const again = await lane.all<{ pid: number; ro: string; timeout: string }>('l1',
      "SELECT pg_backend_pid() AS pid, current_setting('default_transaction_read_only') AS ro, current_setting('statement_timeout') AS timeout", []);
    expect(again[0]!.pid).not.toBe(pid);
    expect(again[0]).toMatchObject({ ro: 'on', timeout: '1min' });
  });

  it('a statement running on the node\'s own pool fails, the process goes on, and the next statement runs', async () => {
    const c = await serving(60_000);
    const uncaught: unknown[] = [];
    const heard = (err: unknown) => uncaught.push(err);
    process.prependListener('uncaughtException', heard);
    try {
      const running = sql`SELECT pg_sleep(30)`.execute(c.db).then(() => 'ran', (err: Error) => err.message);
      const killer = new pg.Client({ connectionString: tdb!.url });
      await killer.connect();
      try {
        let ended = 0;
        while (ended === 0) {
          ended = (await killer.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(30)'")).rowCount ?? 0;
        }
      } finally {
        await killer.end();
      }
      expect(await running).toMatch(/terminat/);
      // The connection's end reaches pg a moment after the statement's error.
      for (let i = 0; i < 20; i++) expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(c.db)).rows).toEqual([{ one: 1 }]);
      expect(uncaught).toEqual([]);
    } finally {
      process.removeListener('uncaughtException', heard);
    }
  });
});

/**
 * A statement that holds the lane, in `listId`'s name, until `release()`; `held` settles when it has
 * run. However slowly a busy machine gets through the test's requests, the lane stays held until
 * the test has queued them. On PostgreSQL the statement waits for an advisory lock the test holds.
 * SQLite's lane is a process whose statements cannot wait on the test: there the statement is
 * handed to the process only once released. `release` may be called more than once.
 *
 * The list's organisation is looked up first: that look-up runs on the node's own connection, and a
 * request sent meanwhile could otherwise reach the lane before the statement meant to hold it.
 */
async function holdLane(lane: NonNullable<Connection['scans']>, listId: string, databaseUrl: string): Promise<{ held: Promise<unknown>; release(): Promise<void> }> {
  await lane.all(listId, 'SELECT 1 AS one', []);
  if (ENGINE !== 'postgres') {
    const HELD = "SELECT 'held' AS held";
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const run = SqliteScanProcess.prototype.run;
    const spy = vi.spyOn(SqliteScanProcess.prototype, 'run').mockImplementation(function (this: SqliteScanProcess, text, parameters) {
      return text === HELD ? gate.then(() => run.call(this, text, parameters)) : run.call(this, text, parameters);
    });
    const held = lane.all(listId, HELD, []);
    return {
      held,
      async release() {
        open();
        spy.mockRestore();
      },
    };
  }
  const key = 86_421;
  const locker = new pg.Client({ connectionString: databaseUrl });
  await locker.connect();
  await locker.query('SELECT pg_advisory_lock($1)', [key]);
  const held = lane.all(listId, 'SELECT pg_advisory_xact_lock($1::bigint) AS held', [key]);
  let released: Promise<void> | undefined;
  // Called again in the test's `finally`, so that a failed test does not leave the lock held.
  const release = () => (released ??= locker.query('SELECT pg_advisory_unlock($1)', [key]).then(() => locker.end()));
  return { held, release };
}

describe(`a SCIM client that leaves while its query waits for the lane (${ENGINE})`, () => {
  it('does not have its query run, and another client\'s waiting query still is', async () => {
    const srv = await startServer();
    let release = async (): Promise<void> => undefined;
    try {
      const list = await srv.newList({ name: 'Leaving' });
      expect((await list.req('POST', '/Users', user('ada@example.org', { title: 'Engineer' }))).status).toBe(201);
      const lane = srv.muster.store.scanLane!;
      await lane.all(list.id, 'SELECT 1 AS one', []); // the list's organisation, looked up once
      // A statement holds the lane; both clients' queries wait behind it.
      const hold = await holdLane(lane, 'another-list', srv.databaseUrl);
      release = hold.release;
      const leaving = await rawGet(`${list.base}/Users?filter=${encodeURIComponent('title co "eng"')}`, list.token);
      while (lane.pending < 2) await new Promise((r) => setTimeout(r, 10));
      const staying = list.req('GET', `/Users?filter=${encodeURIComponent('title co "eng"')}`);
      while (lane.pending < 3) await new Promise((r) => setTimeout(r, 10));
      await leaving.hangUp();
      const doneBefore = lane.done;
      await release();
      await hold.held;
      const stayed = await staying;
      expect(stayed.status, stayed.text).toBe(200);
      expect(stayed.body.totalResults).toBe(1);
      // The leaving client's query was dropped at its turn: one statement run after the held one, not two.
      expect(lane.dropped).toBe(1);
      expect(lane.done - doneBefore).toBe(2);
      expect(lane.pending).toBe(0);
    } finally {
      await release();
      await srv.close();
    }
  });
});

describe(`a People page search cancelled while it waits for the lane (${ENGINE})`, () => {
  it('does not have its three reads run, answers nothing, and a search that stays is answered', async () => {
    const srv = await startServer();
    let release = async (): Promise<void> => undefined;
    try {
      const list = await srv.newList({ name: 'Typed over' });
      expect((await list.req('POST', '/Users', user('ada@example.org', { title: 'Engineer' }))).status).toBe(201);
      const org = await srv.muster.lists.resolveOrganisation('Test organisation');
      const key = await srv.adminKey(org.id);
      const lane = srv.muster.store.scanLane!;
      await lane.all(list.id, 'SELECT 1 AS one', []); // the list's organisation, looked up once
      const hold = await holdLane(lane, 'another-list', srv.databaseUrl);
      release = hold.release;
      // The web app aborts the fetch of a search typed over: the connection closes before the answer.
      const leaving = await rawGet(`${srv.origin}/api/v1/lists/${list.id}/people?search=ad`, key);
      // Its page, its count and the list's counts wait behind the held statement.
      while (lane.pending < 4) await new Promise((r) => setTimeout(r, 10));
      const staying = fetch(`${srv.origin}/api/v1/lists/${list.id}/people?search=ada`, { headers: { authorization: `Bearer ${key}` } });
      while (lane.pending < 7) await new Promise((r) => setTimeout(r, 10));
      await leaving.hangUp();
      const doneBefore = lane.done;
      await release();
      await hold.held;
      const stayed = await staying;
      expect(stayed.status).toBe(200);
      expect(await stayed.json()).toMatchObject({ total: 1, people: [{ userName: 'ada@example.org' }], counts: { total: 1, active: 1 } });
      expect(leaving.answered()).toBe('');
      expect(lane.dropped).toBe(3);
      expect(lane.done - doneBefore).toBe(4);
      expect(lane.pending).toBe(0);
    } finally {
      await release();
      await srv.close();
    }
  });
});
