import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../src/store/connect.js';
import { openSqlite, startCheckpointer } from '../../../../src/store/sqlite/open.js';

const dirs: string[] = [];
const open: Array<Kysely<never>> = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.destroy();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmpFile = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-ckpt-'));
  dirs.push(d);
  return path.join(d, 'm.sqlite');
};
const pragma = async (db: Kysely<never>, name: string) => Object.values((await sql<Record<string, number>>`${sql.raw(`PRAGMA ${name}`)}`.execute(db)).rows[0]!)[0];

/** Writes about 2 MB (500 pages): half of what makes SQLite's own automatic checkpoint run. */
async function write2MB(db: Kysely<never>) {
  await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT)`.execute(db);
  const body = 'x'.repeat(4000);
  for (let i = 0; i < 50; i++) {
    await db.transaction().execute(async (tx) => {
      for (let j = 0; j < 10; j++) await sql`INSERT INTO t (b) VALUES (${body})`.execute(tx);
    });
  }
}

async function until(what: string, fn: () => boolean, ms = 10_000) {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('SQLite checkpoints on a thread of their own', () => {
  it('a worker thread copies the write-ahead log into the database before SQLite\'s own threshold would', async () => {
    const file = tmpFile();
    const db = openSqlite(file) as unknown as Kysely<never>;
    open.push(db);
    expect(await pragma(db, 'wal_autocheckpoint')).toBe(1000); // SQLite's own checkpoint stays on, the backstop
    expect(await pragma(db, 'journal_size_limit')).toBe(16 * 1_048_576);
    await write2MB(db);
    // 2 MB is below SQLite's own 1,000-page threshold: only the thread can have copied it.
    await until('the database file to hold the rows', () => fs.statSync(file).size >= 2_000_000);
    expect((await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(db)).rows[0]!.n).toBe(500);
  });

  it('without the thread the rows stay in the log until SQLite\'s automatic checkpoint (1,000 pages)', async () => {
    const file = tmpFile();
    const db = openSqlite(file, { checkpointThread: false }) as unknown as Kysely<never>;
    open.push(db);
    expect(await pragma(db, 'journal_size_limit')).toBe(-1);
    await write2MB(db);
    expect(fs.statSync(file).size).toBeLessThan(100_000);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(2_000_000);
  });

  it('only a serving node starts the thread: a short command (the CLI) leaves checkpoints to SQLite', async () => {
    const file = tmpFile();
    const command = await openDatabase(file);
    open.push(command.db as unknown as Kysely<never>);
    // journal_size_limit is set with the thread (above); SQLite's default is -1.
    expect(await pragma(command.db as unknown as Kysely<never>, 'journal_size_limit')).toBe(-1);
    const serving = await openDatabase(file, { serving: true });
    open.push(serving.db as unknown as Kysely<never>);
    expect(await pragma(serving.db as unknown as Kysely<never>, 'journal_size_limit')).toBe(16 * 1_048_576);
  });

  it('a thread that cannot open the database ends quietly: the serving connection checkpoints as SQLite does by default', async () => {
    const raw = new BetterSqlite3(':memory:');
    try {
      startCheckpointer(raw, path.join(tmpFile(), 'missing', 'nothing.sqlite'), 50);
      await new Promise((r) => setTimeout(r, 200)); // the thread's error, if it were not handled, would surface here
      expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    } finally {
      raw.close();
    }
  });
});
