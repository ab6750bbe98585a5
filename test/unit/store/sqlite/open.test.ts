import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { cachingDatabase, openSqlite, PAGE_SIZE } from '../../../../src/store/sqlite/open.js';

let raw: BetterSqlite3.Database | undefined;
afterEach(() => {
  if (raw?.open) raw.close();
});

function db(size?: number) {
  raw = new BetterSqlite3(':memory:');
  raw.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  for (let i = 1; i <= 5; i++) raw.prepare('INSERT INTO t (v) VALUES (?)').run(`v${i}`);
  return cachingDatabase(raw, size);
}

describe('the SQLite statement cache', () => {
  it('answers the same SQL with the same compiled statement, with fresh parameters each time', () => {
    const d = db();
    d.prepare('SELECT v FROM t WHERE id = ?'); // first use: compiled, not kept yet
    const a = d.prepare('SELECT v FROM t WHERE id = ?');
    const b = d.prepare('SELECT v FROM t WHERE id = ?');
    expect(b).toBe(a);
    expect(a.all([2])).toEqual([{ v: 'v2' }]);
    expect(b.all([4])).toEqual([{ v: 'v4' }]);
  });

  it('prepares another statement while the cached one is still being iterated (a streamed query)', () => {
    const d = db();
    d.prepare('SELECT id FROM t ORDER BY id');
    const s = d.prepare('SELECT id FROM t ORDER BY id');
    const seen: number[] = [];
    for (const row of s.iterate([]) as Iterable<{ id: number }>) {
      const inner = d.prepare('SELECT id FROM t ORDER BY id');
      expect(inner).not.toBe(s);
      expect(inner.all([])).toHaveLength(5);
      seen.push(row.id);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(d.prepare('SELECT id FROM t ORDER BY id')).toBe(s);
  });

  it('keeps at most `size` statements, dropping the least recently used', () => {
    const d = db(2);
    for (const text of ['SELECT 1', 'SELECT 2', 'SELECT 3']) d.prepare(text); // each seen once
    const one = d.prepare('SELECT 1');
    const two = d.prepare('SELECT 2');
    expect(d.prepare('SELECT 1')).toBe(one); // 1 is now the most recent
    d.prepare('SELECT 3'); // its second use: kept, and evicts 2
    expect(d.prepare('SELECT 1')).toBe(one);
    expect(d.prepare('SELECT 2')).not.toBe(two);
  });

  it('keeps a text from its second use on, so texts used once never push out the others', () => {
    const d = db(2);
    d.prepare('SELECT v FROM t WHERE id = ?');
    const hot = d.prepare('SELECT v FROM t WHERE id = ?');
    // One client sending many different texts (filter shapes, page sizes), each once.
    for (let i = 0; i < 50; i++) expect(d.prepare(`SELECT v FROM t LIMIT ${i}`).all([])).toHaveLength(Math.min(i, 5));
    expect(d.prepare('SELECT v FROM t WHERE id = ?')).toBe(hot);
    const first = d.prepare('SELECT 99');
    const second = d.prepare('SELECT 99');
    expect(second).not.toBe(first);
    expect(d.prepare('SELECT 99')).toBe(second);
  });

  it('sees rows written after the statement was cached, and schema changes', () => {
    const d = db();
    const count = () => (d.prepare('SELECT count(*) AS n FROM t').all([]) as { n: number }[])[0]!.n;
    expect(count()).toBe(5);
    d.prepare('INSERT INTO t (v) VALUES (?)').run(['v6']);
    expect(count()).toBe(6);
    expect(d.prepare('SELECT * FROM t WHERE id = ?').all([1])).toEqual([{ id: 1, v: 'v1' }]);
    raw!.exec('ALTER TABLE t ADD COLUMN w TEXT');
    expect(d.prepare('SELECT * FROM t WHERE id = ?').all([1])).toEqual([{ id: 1, v: 'v1', w: null }]);
  });
});

describe('the page size of a database file', () => {
  const pageSize = async (file: string) => {
    const k = openSqlite(file, { checkpointThread: false });
    try {
      await sql`CREATE TABLE IF NOT EXISTS t (v TEXT)`.execute(k);
      await sql`INSERT INTO t (v) VALUES ('x')`.execute(k);
      return (await sql<{ page_size: number }>`PRAGMA page_size`.execute(k)).rows[0]?.page_size;
    } finally {
      await k.destroy();
    }
  };

  it('is 8 KiB for a new file, and an existing file keeps the size it was made with', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-page-'));
    try {
      expect(PAGE_SIZE).toBe(8192);
      expect(await pageSize(path.join(dir, 'new.sqlite'))).toBe(8192);
      const old = path.join(dir, 'old.sqlite');
      const made = new BetterSqlite3(old);
      made.pragma('page_size = 4096');
      made.exec("CREATE TABLE t (v TEXT); INSERT INTO t (v) VALUES ('before')");
      made.close();
      expect(await pageSize(old)).toBe(4096);
      const check = new BetterSqlite3(old, { readonly: true });
      expect(check.prepare('SELECT v FROM t ORDER BY rowid').all()).toEqual([{ v: 'before' }, { v: 'x' }]);
      check.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
