/**
 * The SQLite scan thread (src/store/sqlite/scan-pool.ts): statements that read a whole list run
 * there, so the serving thread stays free, each list in its turn.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ScanPool } from '../../../src/store/sqlite/scan-pool.js';

/** A statement that takes the scan thread a while (a few million rows of a recursive CTE). */
const SLOW = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) AS n FROM c';

let dir: string;
let pool: ScanPool | undefined;
function database(): { file: string; db: BetterSqlite3.Database } {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-scan-'));
  const file = path.join(dir, 'muster.sqlite');
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (list_id TEXT, n INTEGER)');
  db.prepare('INSERT INTO t VALUES (?, ?)').run('a', 1);
  return { file, db };
}
afterEach(async () => {
  await pool?.close();
  pool = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the scan thread', () => {
  it('answers a read with its rows while the serving thread goes on with its own work', async () => {
    const { file, db } = database();
    pool = new ScanPool(file);
    let turns = 0, ownReads = 0, finished = false;
    const scan = pool.all<{ n: number }>('a', SLOW, [3_000_000]).finally(() => (finished = true));
    // The event loop turns, and this thread reads the database, while the scan runs.
    while (!finished) {
      await new Promise((r) => setImmediate(r));
      turns++;
      if (db.prepare('SELECT n FROM t').get()) ownReads++;
    }
    expect(await scan).toEqual([{ n: 3_000_000 }]);
    expect(turns).toBeGreaterThan(1);
    expect(ownReads).toBe(turns);
    expect(pool.done).toBe(1);
    expect(pool.pending).toBe(0);
    db.close();
  });

  it('takes lists in turn: a list with many waiting does not go before a list that came later more than once', async () => {
    const { file, db } = database();
    pool = new ScanPool(file);
    const order: string[] = [];
    const run = (list: string, name: string) => pool!.all(list, SLOW, [200_000]).then(() => order.push(name));
    await Promise.all([run('a', 'a1'), run('a', 'a2'), run('a', 'a3'), run('a', 'a4'), run('b', 'b1'), run('c', 'c1'), run('b', 'b2')]);
    // a1 runs at once; then a2 (waiting first), b1, c1, then a3, b2, a4.
    expect(order).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2', 'a4']);
    db.close();
  });

  it('refuses writes, reports a statement\'s error to its caller alone, and sees what was committed', async () => {
    const { file, db } = database();
    pool = new ScanPool(file);
    await expect(pool.all('a', 'INSERT INTO t VALUES (?, ?)', ['a', 2])).rejects.toThrow(/only reads|readonly|query_only/i);
    await expect(pool.all('a', 'SELECT * FROM nowhere', [])).rejects.toThrow(/no such table/);
    db.prepare('INSERT INTO t VALUES (?, ?)').run('a', 3);
    expect(await pool.all('a', 'SELECT n FROM t WHERE list_id = ? ORDER BY n', ['a'])).toEqual([{ n: 1 }, { n: 3 }]);
    db.close();
  });

  it('fails what waits when closed, and refuses more', async () => {
    const { file, db } = database();
    pool = new ScanPool(file);
    const running = expect(pool.all('a', SLOW, [3_000_000])).rejects.toThrow(/closed/);
    const waiting = expect(pool.all('b', 'SELECT 1 AS one', [])).rejects.toThrow(/closed/);
    await pool.close();
    await running;
    await waiting;
    await expect(pool.all('a', 'SELECT 1', [])).rejects.toThrow(/closed/);
    db.close();
  });
});
