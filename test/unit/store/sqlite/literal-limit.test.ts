/**
 * A LIMIT written into the SQL text on SQLite (LiteralLimitCompiler): SQLite compiles a
 * statement again on every run whose LIMIT was bound, so a whole-number limit is never a parameter;
 * each limit still returns its own number of rows from the statement cache.
 */
import BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqlite } from '../../../../src/store/sqlite/open.js';

interface T { t: { id: number } }
let db: Kysely<T>;
let prepared: string[];

beforeEach(async () => {
  prepared = [];
  const original = BetterSqlite3.prototype.prepare;
  vi.spyOn(BetterSqlite3.prototype, 'prepare').mockImplementation(function (this: BetterSqlite3.Database, source: string) {
    prepared.push(source);
    return original.call(this, source);
  });
  db = openSqlite(':memory:') as unknown as Kysely<T>;
  await sql`CREATE TABLE t (id INTEGER PRIMARY KEY)`.execute(db);
  await sql`INSERT INTO t (id) VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10)`.execute(db);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await db?.destroy();
});

const ids = async (limit: number | RawBuilder<number>) =>
  (await db.selectFrom('t').select('id').orderBy('id').limit(limit).execute()).map((r) => r.id);

describe('a LIMIT on SQLite', () => {
  it('is written into the statement when it is a whole number, and each limit gets its own rows', async () => {
    // Alternating limits: a cached statement of one limit must never answer another.
    for (const n of [1, 3, 1, 0, 10, 3]) expect(await ids(n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].slice(0, n));
    const selects = prepared.filter((s) => s.startsWith('select "id" from "t"'));
    expect(new Set(selects)).toEqual(new Set([0, 1, 3, 10].map((n) => `select "id" from "t" order by "id" limit ${n}`)));
    expect(prepared.filter((s) => /\blimit\s+\?/i.test(s))).toEqual([]);
  });

  it('stays a parameter when it is not a whole number known when the query is compiled', async () => {
    // A negative LIMIT is no limit in SQLite; an expression is computed when the statement runs.
    expect(await ids(-1)).toHaveLength(10);
    expect(await ids(sql<number>`${2} + 1`)).toEqual([1, 2, 3]);
    expect(prepared.filter((s) => /\blimit\s+\?/i.test(s))).toEqual([
      'select "id" from "t" order by "id" limit ?',
      'select "id" from "t" order by "id" limit ? + 1',
    ]);
  });

  it('in a raw query is written as text after LIMIT when whole; other parameters, OFFSET and other limits stay bound', async () => {
    const raw = async (q: RawBuilder<{ id: number }>) => (await q.execute(db)).rows.map((r) => r.id);
    expect(await raw(sql`SELECT id FROM t WHERE id > ${3} ORDER BY id LIMIT ${2}`)).toEqual([4, 5]);
    expect(await raw(sql`SELECT id FROM t ORDER BY id LIMIT ${0}`)).toEqual([]);
    expect(await raw(sql`SELECT id FROM t ORDER BY id limit ${2} OFFSET ${1}`)).toEqual([2, 3]);
    expect(await raw(sql`SELECT id FROM t ORDER BY id LIMIT ${-1} OFFSET ${8}`)).toEqual([9, 10]);
    expect(prepared).toEqual(expect.arrayContaining([
      'SELECT id FROM t WHERE id > ? ORDER BY id LIMIT 2',
      'SELECT id FROM t ORDER BY id LIMIT 0',
      'SELECT id FROM t ORDER BY id limit 2 OFFSET ?',
      'SELECT id FROM t ORDER BY id LIMIT ? OFFSET ?',
    ]));
  });
});
