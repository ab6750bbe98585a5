/**
 * The lane of whole-list statements (src/store/scan-pool.ts) on its SQLite executor, a process of
 * its own (src/store/sqlite/scan-process.ts): statements that read a whole list run there, so the
 * serving thread stays free, each list in its turn, a few per list at most, none past its deadline.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ScanBusyError, ScanCallerGoneError, ScanPool, ScanTimeoutError, type ScanPoolOptions } from '../../../src/store/scan-pool.js';
import { SCAN_NICE, SqliteScanProcess } from '../../../src/store/sqlite/scan-process.js';

/** A statement that takes the scan process a while (a few million rows of a recursive CTE). */
const SLOW = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) AS n FROM c';

let dir: string;
let pool: ScanPool | undefined;
let proc: SqliteScanProcess | undefined;
function lane(file: string, deadlineMs = 60_000, opts: ScanPoolOptions = {}): ScanPool {
  proc = new SqliteScanProcess(file, deadlineMs);
  return new ScanPool(proc, opts);
}
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
  proc = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the scan process', () => {
  it('answers a read with its rows while the serving thread goes on with its own work', async () => {
    const { file, db } = database();
    pool = lane(file);
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
    pool = lane(file);
    const order: string[] = [];
    const run = (list: string, name: string) => pool!.all(list, SLOW, [200_000]).then(() => order.push(name));
    await Promise.all([run('a', 'a1'), run('a', 'a2'), run('a', 'a3'), run('a', 'a4'), run('b', 'b1'), run('c', 'c1'), run('b', 'b2')]);
    // a1 runs at once; then a2 (waiting first), b1, c1, then a3, b2, a4.
    expect(order).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2', 'a4']);
    db.close();
  });

  it('takes organisations in turn, then their lists: many lists of one organisation do not go before another organisation', async () => {
    const { file, db } = database();
    const orgs: Record<string, string> = { x1: 'X', x2: 'X', x3: 'X', y1: 'Y' };
    pool = lane(file, 60_000, { orgOf: async (id) => orgs[id] });
    const order: string[] = [];
    const run = (list: string, name: string) => pool!.all(list, SLOW, [200_000]).then(() => order.push(name));
    // Each list's organisation is looked up once, then remembered: enqueue in order, one after another.
    await pool.all('x1', 'SELECT 1', []);
    await pool.all('x2', 'SELECT 1', []);
    await pool.all('x3', 'SELECT 1', []);
    await pool.all('y1', 'SELECT 1', []);
    await Promise.all([run('x1', 'x1a'), run('x2', 'x2a'), run('x3', 'x3a'), run('x1', 'x1b'), run('y1', 'y1a'), run('y1', 'y1b'), run('y1', 'y1c')]);
    // x1a runs at once; then X and Y alternate, X's lists in their turn: x2a, y1a, x3a, y1b, x1b, y1c.
    expect(order).toEqual(['x1a', 'x2a', 'y1a', 'x3a', 'y1b', 'x1b', 'y1c']);
    db.close();
  });

  it('refuses writes, reports a statement\'s error to its caller alone, and sees what was committed', async () => {
    const { file, db } = database();
    pool = lane(file);
    await expect(pool.all('a', 'INSERT INTO t VALUES (?, ?)', ['a', 2])).rejects.toThrow(/only reads|readonly|query_only/i);
    await expect(pool.all('a', 'SELECT * FROM nowhere', [])).rejects.toThrow(/no such table/);
    db.prepare('INSERT INTO t VALUES (?, ?)').run('a', 3);
    expect(await pool.all('a', 'SELECT n FROM t WHERE list_id = ? ORDER BY n', ['a'])).toEqual([{ n: 1 }, { n: 3 }]);
    db.close();
  });

  it('fails what waits when closed, and refuses more', async () => {
    const { file, db } = database();
    pool = lane(file);
    const running = expect(pool.all('a', SLOW, [3_000_000])).rejects.toThrow(/closed/);
    const waiting = expect(pool.all('b', 'SELECT 1 AS one', [])).rejects.toThrow(/closed/);
    await pool.close();
    await running;
    await waiting;
    expect(proc!.processes).toBe(0);
    await expect(pool.all('a', 'SELECT 1', [])).rejects.toThrow(/closed/);
    db.close();
  });

  it('refuses at once a statement of a list that has its most waiting or running, and only that list\'s', async () => {
    const { file, db } = database();
    pool = lane(file, 60_000, { perListLimit: 3 });
    const held = [pool.all('a', SLOW, [2_000_000]), pool.all('a', SLOW, [1]), pool.all('a', SLOW, [1])];
    const refused = pool.all('a', 'SELECT 1 AS one', []);
    await expect(refused).rejects.toBeInstanceOf(ScanBusyError);
    await expect(refused).rejects.toThrow(/3 queries .* waiting or running; try again in 2 s/);
    expect(pool.refused).toBe(1);
    // Another list is not refused, and waits only its turn.
    const other = pool.all<{ one: number }>('b', 'SELECT 1 AS one', []);
    expect(await other).toEqual([{ one: 1 }]);
    expect((await Promise.all(held)).map((r) => r.length)).toEqual([1, 1, 1]);
    // Once they are answered, the list is served again.
    expect(await pool.all('a', 'SELECT 2 AS two', [])).toEqual([{ two: 2 }]);
    expect(pool.pending).toBe(0);
    db.close();
  });

  it('does not run a statement whose client left before its turn, and gives its place in the cap back', async () => {
    const { file, db } = database();
    pool = lane(file, 60_000, { perListLimit: 1 });
    let left = false;
    const first = pool.all('a', SLOW, [1_000_000]);
    const leaving = pool.all('b', 'SELECT n FROM t', [], () => left);
    const staying = pool.all<{ n: number }>('c', 'SELECT n FROM t', [], () => false);
    left = true;
    await first;
    await expect(leaving).rejects.toBeInstanceOf(ScanCallerGoneError);
    expect(await staying).toEqual([{ n: 1 }]);
    expect(pool.dropped).toBe(1);
    expect(pool.done).toBe(2);
    // List b's one place is free again.
    expect(await pool.all('b', 'SELECT n FROM t', [])).toEqual([{ n: 1 }]);
    db.close();
  });

  // A statement that cannot finish before the test lets it: the database is in rollback-journal
  // mode and the test holds an exclusive lock, so the thread's read waits (asleep, in SQLite's busy
  // handler) until the test commits. Its deadline then passes whatever the machine's speed.
  function locked(): { file: string; db: BetterSqlite3.Database; release: () => void } {
    const { file, db } = database();
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
    return { file, db, release: () => db.exec('COMMIT') };
  }

  /** Whether a process of this id still exists. */
  function running(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  it('answers a statement past its deadline with ScanTimeoutError, kills its process, and goes on with the next in a new one', async () => {
    const { file, db, release } = locked();
    pool = lane(file, 2_000);
    const stuck = pool.all('a', 'SELECT n FROM t', []);
    const pid = proc!.pid!;
    const next = pool.all<{ n: number }>('b', 'SELECT n FROM t', []);
    await expect(stuck).rejects.toBeInstanceOf(ScanTimeoutError);
    await expect(stuck).rejects.toThrow(/took longer than 2 s/);
    release();
    expect(await next).toEqual([{ n: 1 }]);
    // The overdue statement did not run on: its process was killed, and the next had a new one.
    await proc!.settled();
    expect(running(pid)).toBe(false);
    expect(proc!.pid).not.toBe(pid);
    expect(proc!.processes).toBe(1);
    expect(proc!.processesStarted).toBe(2);
    expect(pool.timedOut).toBe(1);
    expect(pool.done).toBe(2);
    db.close();
  });

  it('past deadline after deadline, no statement runs on: one process at a time, and the next statement runs in full', async () => {
    const { file, db, release } = locked();
    pool = lane(file, 2_000);
    const first = pool.all('a', 'SELECT n FROM t', []);
    const firstPid = proc!.pid!;
    const second = pool.all('b', 'SELECT n FROM t', []);
    const third = pool.all<{ n: number }>('c', 'SELECT n FROM t', []);
    await expect(first).rejects.toBeInstanceOf(ScanTimeoutError);
    const secondPid = proc!.pid!;
    expect(secondPid).not.toBe(firstPid);
    await expect(second).rejects.toBeInstanceOf(ScanTimeoutError);
    release();
    expect(await third).toEqual([{ n: 1 }]);
    await proc!.settled();
    expect(running(firstPid)).toBe(false);
    expect(running(secondPid)).toBe(false);
    expect(proc!.processes).toBe(1);
    expect(pool.timedOut).toBe(2);
    db.close();
  });

  it('runs below the server\'s priority, returns BLOBs as bytes, and a process killed from outside fails only its statement', async () => {
    const { file, db } = database();
    pool = lane(file);
    const [row] = await pool.all<{ b: Uint8Array }>('a', "SELECT x'00ff10' AS b", []);
    expect([...row!.b]).toEqual([0, 255, 16]);
    // Below the server's priority: when both want a core, the server's requests go first.
    expect(os.getPriority(proc!.pid!)).toBe(SCAN_NICE);
    // On the process itself: the lane leaves a breather after a long first statement (spawning
    // the process counts), and a statement sent through it would go to the next process.
    const pid = proc!.pid!;
    const slow = proc!.run(SLOW, [50_000_000]);
    process.kill(pid, 'SIGKILL');
    await expect(slow).rejects.toThrow(/scan process stopped \(SIGKILL\)/);
    expect(await pool.all('a', 'SELECT n FROM t', [])).toEqual([{ n: 1 }]);
    expect(proc!.pid).not.toBe(pid);
    db.close();
  });
});
