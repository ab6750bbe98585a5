import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, SqliteQueryCompiler, ValueNode, type LimitNode, type OperationNode, type QueryCompiler, type RawNode, type SqliteDatabase, type SqliteDialectConfig, type SqliteStatement, type Driver, type DialectAdapter } from 'kysely';
import type { Database } from '../schema.js';
import { TableWatch } from './table-watch.js';
import { CommitGroups } from './commit-groups.js';
import { BUSY_TIMEOUT_MS, LockWaitingDriver } from './write-lock.js';
import { runsNow } from '../prepared.js';

/**
 * Prepared statements kept per SQL text. Kysely's SQLite driver prepares every query it runs, and
 * compiling the statement was about a tenth of the server's CPU per request in every SCIM phase
 * (bench/RESULTS.md, "Where the microseconds go"); the same few dozen query texts recur, so a
 * bounded cache of compiled statements removes that cost. A text enters the cache the second time
 * it is prepared: texts that vary (IN lists of different lengths, filter shapes, page sizes:
 * LiteralLimitCompiler) are compiled as before but cannot push out the statements every request
 * runs, whatever one list's client sends.
 */
const STATEMENT_CACHE = 256;

type Statement = BetterSqlite3.Statement;

/** The better-sqlite3 database as Kysely's dialect sees it, with `prepare` answered from the cache. */
export function cachingDatabase(sqlite: BetterSqlite3.Database, size = STATEMENT_CACHE, onClose?: () => void, groups?: CommitGroups): SqliteDatabase {
  const cache = new Map<string, Statement>();
  /** Texts prepared once and not cached (yet), oldest first. */
  const seenOnce = new Set<string>();
  return {
    close: () => {
      groups?.dispose();
      onClose?.();
      cache.clear();
      seenOnce.clear();
      sqlite.close();
    },
    prepare: (sql: string): SqliteStatement => {
      const control = groups?.control(sql);
      if (control) return control as unknown as SqliteStatement;
      const hit = cache.get(sql);
      // A statement still being iterated (a streamed query) cannot run again until it is done: prepare another.
      if (hit && !hit.busy) {
        cache.delete(sql); // re-inserted below: the Map's order is the recency order
        cache.set(sql, hit);
        groups?.before(sql, hit);
        return hit as unknown as SqliteStatement;
      }
      const stmt = sqlite.prepare(sql);
      if (!hit && seenOnce.delete(sql)) {
        cache.set(sql, stmt);
        if (cache.size > size) cache.delete(cache.keys().next().value!);
      } else if (!hit) {
        seenOnce.add(sql);
        if (seenOnce.size > size * 2) seenOnce.delete(seenOnce.values().next().value!);
      }
      groups?.before(sql, stmt);
      return stmt as unknown as SqliteStatement;
    },
  };
}

/** The whole number a LIMIT parameter holds, when it can be written as text. */
function literalLimit(node: OperationNode): number | undefined {
  const v = ValueNode.is(node) ? node.value : undefined;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** A raw query's text just before a parameter that is its LIMIT (`... LIMIT ${n}`). */
const ENDS_WITH_LIMIT = /\blimit\s*$/i;

/**
 * SQLite's compiler with a query's LIMIT written into the SQL text when it is a whole number,
 * instead of bound as a parameter: a built query's `.limit(n)`, and `LIMIT ${n}` in a raw `sql`
 * query. SQLite (3.53, as better-sqlite3 bundles it) marks a bound LIMIT as a value the query plan
 * may depend on, so binding it again before a run, even to the same value, makes SQLite compile
 * the statement afresh on that run: every run of a cached statement with `LIMIT ?` paid a full
 * compile (a page query 10 µs instead of 3, measured in bench/RESULTS.md, "A bound LIMIT"). A
 * bound OFFSET does not do this. Any other value (negative, not whole, an expression) stays a
 * parameter. Each distinct limit is a statement text of its own (the cache admits a text on its
 * second use: cachingDatabase).
 */
export class LiteralLimitCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    const n = literalLimit(node.limit);
    if (n !== undefined) this.append(`limit ${n}`);
    else super.visitLimit(node);
  }

  /** As Kysely's, with a whole-number parameter right after `LIMIT` written as text. */
  protected override visitRaw(node: RawNode): void {
    const { sqlFragments, parameters } = node;
    for (let i = 0; i < sqlFragments.length; ++i) {
      const text = sqlFragments[i]!;
      this.append(text);
      const p = parameters[i];
      if (p === undefined) continue;
      const n = literalLimit(p);
      if (n !== undefined && ENDS_WITH_LIMIT.test(text)) this.append(String(n));
      else this.visitNode(p);
    }
  }
}

class MusterSqliteDialect extends SqliteDialect {
  private driver: Driver | undefined;

  constructor(config: SqliteDialectConfig, private readonly wrapDriver?: (driver: Driver) => Driver) {
    super(config);
  }

  // Kysely makes the driver, then the adapter, once per database (its transactions share both):
  // statements compiled for this adapter may run without the connection's hand-over (prepared.ts).
  // Were the order ever the other, nothing would be registered and every statement would go Kysely's way.
  override createAdapter(): DialectAdapter {
    const adapter = super.createAdapter();
    const driver = this.driver;
    if (driver instanceof LockWaitingDriver) runsNow(adapter, (query, inTransaction) => driver.runNow(query, inTransaction));
    return adapter;
  }

  override createQueryCompiler(): QueryCompiler {
    return new LiteralLimitCompiler();
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    this.driver = this.wrapDriver ? this.wrapDriver(driver) : driver;
    return this.driver;
  }
}

/** How often the checkpointer thread moves the write-ahead log into the database file. */
export const CHECKPOINT_EVERY_MS = 250;
/** A log that grew during a burst is cut back to this size when it starts over. */
const WAL_SIZE_LIMIT = 16 * 1_048_576;

/**
 * The checkpointer thread's code (CommonJS, run with `eval`, so that it needs no file of its own
 * in dist/ or under the test runner): its own connection to the database file, on which it runs
 * `PRAGMA wal_checkpoint(PASSIVE)` every `everyMs`. A passive checkpoint never waits for a lock
 * and never blocks the writer (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html); one that
 * finds the database busy simply does what it can and the next one carries on.
 */
const CHECKPOINTER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
let timer;
let stopped = false;
// While the log has frames left to copy, again soon: the log starts over (and is truncated to
// journal_size_limit) only at a write that finds every frame copied, so the thread must catch up
// in the gaps between writes rather than once per interval.
const tick = () => {
  let behind = false;
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    behind = r.checkpointed < r.log;
  } catch { /* SQLITE_BUSY or a locked file: next time */ }
  if (!stopped) timer = setTimeout(tick, behind ? 5 : workerData.everyMs);
};
timer = setTimeout(tick, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  stopped = true;
  clearTimeout(timer);
  try { db.close(); } catch { /* already gone */ }
  parentPort.close();
});
`;

/**
 * Checkpoints ahead of the event loop. With SQLite's automatic checkpoint alone, the commit that
 * makes the WAL reach 1,000 pages copies them all into the database and syncs both files before it
 * returns: 10–20 ms on the thread that serves every request, once every few hundred writes (a
 * request arriving then waits for it; bench/RESULTS.md, "A photo campaign"). A worker thread now
 * copies the frames every `everyMs`, so that after a burst the log starts over at the next write
 * without the serving thread copying anything. Under writes at full speed that is not enough: a
 * pass that copies every frame waits `everyMs` for the next, and the log starts over only in a
 * write transaction that begins with every frame copied, while the next group has always begun
 * before a pass ends. So the log reaches 1,000 pages, and SQLite's automatic checkpoint (kept on,
 * the backstop that bounds the log) runs in a COMMIT on the serving thread after all: 13–16 ms,
 * about once every 200 PATCHes (bench/RESULTS.md, "Making a busy log start over without the
 * serving thread"). A larger threshold
 * made a campaign's latency tail shorter but, under writes at full speed, rarer and longer stalls
 * (PATCH p99 68 and 85–100 ms against 51–53 ms; bench/RESULTS.md, "SQLite checkpoints on a thread").
 */
export function startCheckpointer(sqlite: BetterSqlite3.Database, file: string, everyMs: number): () => void {
  let worker: Worker;
  try {
    worker = new Worker(CHECKPOINTER, { eval: true, workerData: { file: path.resolve(file), driver: createRequire(import.meta.url).resolve('better-sqlite3'), everyMs } });
  } catch {
    return () => undefined; // no threads here: SQLite's automatic checkpoint does it all
  }
  worker.unref();
  // Without a listener an error in the thread (the file gone) would be thrown in this one.
  worker.on('error', () => undefined);
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  return () => {
    worker.postMessage('stop');
  };
}

export interface SqliteOptions {
  /** Checkpoint on a worker thread (the default for a file), or inline with SQLite's automatic checkpoint. */
  readonly checkpointThread?: boolean;
  /** Given the connection's group commit (commit-groups.ts), off until enabled: a serving node enables it once migrated. */
  readonly onGroups?: (groups: CommitGroups) => void;
  /** Given a watch of the connection's tables (table-watch.ts), to watch once migrated. */
  readonly onWatch?: (watch: TableWatch) => void;
}

/** Bytes per page of a new database file. */
export const PAGE_SIZE = 8192;

/** SQLite in WAL mode: readers never block the writer, and the CLI can work while a server runs. */
export function openSqlite(file: string, opts: SqliteOptions = {}): Kysely<Database> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  // A new database gets 8 KiB pages (SQLite's default is 4 KiB; it can only be set before the
  // first table, and an existing file keeps its size). A person's row is about 2.3 KB, so a 4 KiB
  // page held one and left 1.7 KB unused: 8 KiB pages hold three, and the same 5,000 people take
  // 10 % less space with the same CPU per write (bench/RESULTS.md, "SQLite page size").
  sqlite.pragma(`page_size = ${PAGE_SIZE}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('temp_store = MEMORY');
  const stop = file !== ':memory:' && (opts.checkpointThread ?? true) ? startCheckpointer(sqlite, file, CHECKPOINT_EVERY_MS) : undefined;
  // Every connection to a file has one: off unless enabled, it still closes this process's other
  // connections' open groups before it writes (a CLI command run in a test process, beside a server).
  const watch = opts.onWatch ? new TableWatch(sqlite) : undefined;
  if (watch) opts.onWatch!(watch);
  // A group undone after its members were released: what was read from them meanwhile was never saved.
  const groups = file !== ':memory:' ? new CommitGroups(sqlite, path.resolve(file), watch ? () => watch.moved() : undefined) : undefined;
  if (groups) opts.onGroups?.(groups);
  // Serving, a statement that finds another process holding the write lock waits with timers (write-lock.ts).
  const wrap = groups ? (driver: Driver) => new LockWaitingDriver(driver, sqlite, groups) : undefined;
  return new Kysely<Database>({ dialect: new MusterSqliteDialect({ database: cachingDatabase(sqlite, STATEMENT_CACHE, stop, groups) }, wrap) });
}
