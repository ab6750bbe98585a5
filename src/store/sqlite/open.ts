import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Prepared statements kept per SQL text. Kysely's SQLite driver prepares every query it runs, and
 * compiling the statement was about a tenth of the server's CPU per request in every SCIM phase
 * (bench/RESULTS.md, "Where the microseconds go"); the same few dozen query texts recur, so a
 * bounded cache of compiled statements removes that cost. Statements whose text varies (IN lists
 * of different lengths) simply age out.
 */
const STATEMENT_CACHE = 256;

type Statement = BetterSqlite3.Statement;

/** The better-sqlite3 database as Kysely's dialect sees it, with `prepare` answered from the cache. */
export function cachingDatabase(sqlite: BetterSqlite3.Database, size = STATEMENT_CACHE): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare: (sql: string): SqliteStatement => {
      const hit = cache.get(sql);
      // A statement still being iterated (a streamed query) cannot run again until it is done: prepare another.
      if (hit && !hit.busy) {
        cache.delete(sql); // re-inserted below: the Map's order is the recency order
        cache.set(sql, hit);
        return hit as unknown as SqliteStatement;
      }
      const stmt = sqlite.prepare(sql);
      if (!hit) {
        cache.set(sql, stmt);
        if (cache.size > size) cache.delete(cache.keys().next().value!);
      }
      return stmt as unknown as SqliteStatement;
    },
  };
}

/** SQLite in WAL mode: readers never block the writer, and the CLI can work while a server runs. */
export function openSqlite(file: string): Kysely<Database> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(sqlite) }) });
}
