/**
 * The lane of whole-list queries on a serving node's real database (src/store/scan-pool.ts), on
 * both engines: a thread of its own on SQLite, a connection of its own on PostgreSQL. Its
 * statements are read-only, stop at their deadline, and never take what the node's other requests
 * need (the serving thread; the connection pool).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ENGINE, freshDatabase, type TestDatabase } from './helpers/database.js';
import { openDatabase, type Connection } from '../src/store/connect.js';
import { ScanTimeoutError } from '../src/store/scan-pool.js';

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

async function serving(scanTimeoutMs: number): Promise<Connection> {
  tdb = await freshDatabase();
  conn = await openDatabase(tdb.url, { serving: true, scanTimeoutMs });
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

  it('leaves the node\'s own connection free while its statements run', async () => {
    const c = await serving(60_000);
    const lane = c.scans!;
    let slowDone = 0;
    const slow = [lane.all('l1', SLOW, [SLOW_ARG / 4]), lane.all('l2', SLOW, [SLOW_ARG / 4]), lane.all('l3', SLOW, [SLOW_ARG / 4])].map((p) => p.then(() => slowDone++));
    // Ten reads on the node's pool (PostgreSQL) or thread (SQLite) while the lane is full: they are
    // answered before any of the lane's statements is.
    for (let i = 0; i < 10; i++) await sql`SELECT 1 AS one`.execute(c.db);
    expect(slowDone).toBe(0);
    expect(lane.pending).toBe(3);
    await Promise.all(slow);
    expect(slowDone).toBe(3);
  });
});
