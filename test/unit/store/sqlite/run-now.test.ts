import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Connection } from '../../../../src/store/connect.js';
import { Prepared } from '../../../../src/store/prepared.js';
import type { Database } from '../../../../src/store/schema.js';
import { LockWaitingDriver, WRITE_LOCK } from '../../../../src/store/sqlite/write-lock.js';

// Prepared statements on SQLite run at once, without Kysely's hand-over of the one connection
// (src/store/sqlite/write-lock.ts, LockWaitingDriver.runNow), only where that changes nothing:
// inside the transaction that holds the connection, or outside any while nobody holds it.

const dirs: string[] = [];
const closing: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of closing.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function open(serving: boolean): Promise<{ conn: Connection; db: Kysely<Database>; file: string }> {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-run-now-'));
  dirs.push(d);
  const file = path.join(d, 'm.sqlite');
  const conn = await openDatabase(file, { serving });
  closing.push(() => conn.db.destroy());
  await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`.execute(conn.db);
  return { conn, db: conn.db, file };
}

// Prepared's builders are typed against Muster's schema; these statements use the test's table.
const INSERT = new Prepared<{ id: number; v: string }, never>(['id', 'v'], (db, p) => ({ compile: () => sql<never>`INSERT INTO t (id, v) VALUES (${p.id}, ${p.v})`.compile(db) }));
const READ = new Prepared<{ id: number }, { v: string }>(['id'], (db, p) => ({ compile: () => sql<{ v: string }>`SELECT v FROM t WHERE id = ${p.id}`.compile(db) }));
const COUNT = new Prepared<{ min: number }, { n: number }>(['min'], (db, p) => ({ compile: () => sql<{ n: number }>`SELECT count(*) AS n FROM t WHERE id >= ${p.min}`.compile(db) }));

const turn = () => new Promise((r) => setImmediate(r));

/** How each Prepared statement was run: at once (a result) or handed to Kysely (undefined). */
function watchRunNow(): Array<'now' | 'kysely'> {
  const ways: Array<'now' | 'kysely'> = [];
  const original = LockWaitingDriver.prototype.runNow;
  vi.spyOn(LockWaitingDriver.prototype, 'runNow').mockImplementation(function (this: LockWaitingDriver, query, inTransaction) {
    const r = original.call(this, query, inTransaction);
    ways.push(r ? 'now' : 'kysely');
    return r;
  } as typeof original);
  return ways;
}

describe('Prepared statements run at once on SQLite', () => {
  for (const serving of [false, true]) {
    it(`${serving ? 'serving (group commit)' : 'not serving'}: at once when nobody holds the connection and inside the transaction that does; a statement outside waits for a transaction in progress and never sees its uncommitted rows`, async () => {
      const { db } = await open(serving);
      const ways = watchRunNow();
      await INSERT.execute(db, { id: 1, v: 'one' });
      expect(ways).toEqual(['now']);

      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const written = new Promise<void>((r) => (inserted = r));
      const tx = db.transaction().execute(async (trx) => {
        await INSERT.execute(trx, { id: 2, v: 'two' });
        expect((await READ.first(trx, { id: 2 }))?.v).toBe('two');
        inserted();
        await gate;
        await INSERT.execute(trx, { id: 3, v: 'three' });
        throw new Error('undo');
      }).catch((e: unknown) => e);
      await written;
      expect(ways.slice(1)).toEqual(['now', 'now']);

      // Outside the transaction, while it holds the connection: handed to Kysely, which waits for it.
      let outsideDone = false;
      const outside = COUNT.first(db, { min: 2 }).then((r) => {
        outsideDone = true;
        return r?.n;
      });
      for (let i = 0; i < 5; i++) await turn();
      expect(outsideDone).toBe(false);
      expect(ways[3]).toBe('kysely');
      release();
      expect(((await tx) as Error).message).toBe('undo');
      // It ran after the rollback: rows 2 and 3 never were.
      expect(await outside).toBe(0);
      expect((await READ.first(db, { id: 1 }))?.v).toBe('one');
      expect(ways.at(-1)).toBe('now');
    });
  }

  it('a transaction used after its end is refused, as Kysely refuses it', async () => {
    const { db } = await open(true);
    let stale: Kysely<Database> | undefined;
    await db.transaction().execute(async (trx) => {
      stale = trx;
      await INSERT.execute(trx, { id: 1, v: 'one' });
    });
    await expect(READ.first(stale!, { id: 1 })).rejects.toThrow(/already committed/);
  });

  it('serving: a write outside any transaction that finds another process holding the write lock waits for it, without another run through Kysely first, then runs once', async () => {
    const { db, file } = await open(true);
    const saved = { ...WRITE_LOCK };
    Object.assign(WRITE_LOCK, { firstPauseMs: 1, maxPauseMs: 5, waitMs: 20_000 });
    closing.push(() => { Object.assign(WRITE_LOCK, saved); });
    const other = new BetterSqlite3(file);
    closing.push(() => { other.close(); });
    other.exec('BEGIN IMMEDIATE');
    other.prepare('INSERT INTO t (id, v) VALUES (10, ?)').run('theirs');
    const ways = watchRunNow();
    let done = false;
    const mine = INSERT.execute(db, { id: 11, v: 'mine' }).then(() => (done = true));
    for (let i = 0; i < 5; i++) await turn();
    expect(done).toBe(false);
    // Taken on from runNow to the wait (a promise), not handed to Kysely, whose connection would
    // run it once more first, holding the thread for another busy timeout.
    expect(ways[0]).toBe('now');
    // Reads go on meanwhile: at once, the connection handed back by the waiting write.
    expect(await COUNT.first(db, { min: 0 })).toEqual({ n: 0 });
    expect(ways[1]).toBe('now');
    other.exec('COMMIT');
    await mine;
    expect((await db.selectFrom('t' as never).selectAll().orderBy('id' as never).execute())).toEqual([{ id: 10, v: 'theirs' }, { id: 11, v: 'mine' }]);
  });

  it('a property: any mix of statements outside and inside transactions that commit or roll back leaves what Kysely alone would', async () => {
    const step = fc.record({ inTx: fc.boolean(), ids: fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 4 }), undo: fc.boolean() });
    await fc.assert(fc.asyncProperty(fc.boolean(), fc.array(step, { minLength: 1, maxLength: 12 }), async (serving, steps) => {
      const { db } = await open(serving);
      const expected = new Map<number, string>();
      // Every step starts in the same turn, and each gives the loop a turn after each statement:
      // transactions stay open across turns while plain statements come.
      const outcomes = await Promise.all(steps.map(async (s, k) => {
        const v = `s${k}`;
        if (!s.inTx) {
          for (const id of s.ids) {
            await INSERT.execute(db, { id: id * 100 + k, v });
            await turn();
          }
          return 'done';
        }
        return db.transaction().execute(async (trx) => {
          for (const id of s.ids) {
            await INSERT.execute(trx, { id: id * 100 + k, v });
            await turn();
          }
          if (s.undo) throw new Error('undo');
          return 'done';
        }).catch(() => 'undone');
      }));
      steps.forEach((s, k) => {
        if (outcomes[k] === 'done') for (const id of s.ids) expected.set(id * 100 + k, `s${k}`);
      });
      const rows = await db.selectFrom('t' as never).select(['id' as never, 'v' as never]).execute() as { id: number; v: string }[];
      expect(new Map(rows.map((r) => [r.id, r.v]))).toEqual(expected);
    }), { numRuns: 25 });
  });
});
