import type BetterSqlite3 from 'better-sqlite3';
import { onBackgroundStep } from '../../runtime/turns.js';
import { BUSY_TIMEOUT_MS, WRITE_LOCK, WriteLockWait } from './write-lock.js';

/**
 * Group commit for a serving node's SQLite connection (issue 16, "Find the cost, then remove it").
 *
 * A COMMIT in WAL mode appends every page the transaction dirtied to the log (two `write` calls a
 * page) and, once the log reaches SQLite's automatic checkpoint size, copies the log into the
 * database and syncs both files. Measured per statement at 3,000 people (bench/RESULTS.md, "Group
 * commit"), it was 60–70 % of the SQLite time of a SCIM create or PATCH: 400–700 µs, against
 * 10–120 µs for each of the statements before it. Concurrent writes share most of those pages
 * (the list's chain head, the right-hand leaves of every index that
 * grows by time or sequence), so committing them together writes each shared page once.
 *
 * How: the transactions that begin in one turn of the event loop run as SAVEPOINTs of one open
 * transaction, which commits at the end of the turn (`setImmediate`), or sooner when something
 * needs it closed. Each keeps its own outcome: a transaction that fails is rolled back to its
 * savepoint and leaves the others alone. Its caller learns it committed only once the group has
 * (`memberCommit()`, taken by Store.transaction while the transaction is open and awaited before
 * it answers, or handed to a caller that awaits it later), so no request is answered, and no job
 * or webhook woken, for a write that is not yet in the log.
 *
 * What changes for everything else on this connection: a statement outside any transaction run
 * while a group is open (the next request's token check, a request-log insert) runs inside it,
 * sees the group's writes, and is committed with it. Statements SQLite refuses inside a
 * transaction (anything but SELECT, INSERT, UPDATE, DELETE and WITH: VACUUM, PRAGMA, DDL) close
 * the group first, as does a write on another connection of this process to the same file (two
 * nodes in one test process), which would otherwise wait for a lock this thread holds.
 */

/** The SQL texts Kysely's SQLite driver runs for a transaction (kysely/dist/…/sqlite-driver.js). */
const BEGIN = 'begin';
const COMMIT = 'commit';
const ROLLBACK = 'rollback';
const SAVEPOINT = 'muster_member';
/** Statements that may run inside the group's open transaction. */
const DML = /^\s*(select|insert|update|delete|with|replace)\b/i;

interface Group {
  readonly committed: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Every open group of this process: a write on one connection closes the others' first. */
const everyGroup = new Set<CommitGroups>();
// A background step (a campaign batch, webhook deliveries) commits the open groups before it runs:
// the requests whose changes they hold are answered first, not after the step.
onBackgroundStep(() => {
  for (const g of everyGroup) g.close();
});
/** The connections of this process that asked for groups, by file: grouping is for one per file. */
const servingOf = new Map<string, Set<CommitGroups>>();

/** A statement as Kysely's SQLite driver uses it (reader, run, all; iterate for streams). */
interface StatementLike {
  readonly reader: boolean;
  readonly readonly: boolean;
  readonly busy: boolean;
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}

export class CommitGroups {
  private group: Group | undefined;
  /** A member is between its begin and its commit or rollback (it may await in between: LARGE_WRITE). */
  private active = false;
  /** The end of the turn came while a member was active: close the group when it ends. */
  private closeWanted = false;
  /** The group the last member to commit joined (a later one is as good: groups commit in order). */
  private last: Promise<void> | undefined;

  /**
   * Off until `enable` (a node starts serving once its migrations have run as plain transactions),
   * and off while another connection of this process serves the same file (two nodes in one test
   * process): their transactions interleave at every await, and a group held open by one would
   * make the other's write wait for a lock only this thread can release.
   */
  private enabled = false;
  /** A statement's wait for another process's write lock while serving (write-lock.ts, LockWaitingDriver). */
  readonly lockWait = new WriteLockWait();
  private readonly sql: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', BetterSqlite3.Statement>;

  /**
   * `onLost`: called when a group's released members are undone after all (its COMMIT failed, or
   * SQLite rolled it back): what was read from them meanwhile, on this connection, was never saved.
   */
  constructor(private readonly sqlite: BetterSqlite3.Database, private readonly file: string, private readonly onLost?: () => void) {
    this.sql = {
      // IMMEDIATE: the group holds the write lock from its start, so no other process commits
      // between a member's reads and its writes (which a deferred BEGIN would answer SQLITE_BUSY).
      begin: sqlite.prepare('BEGIN IMMEDIATE'), commit: sqlite.prepare(COMMIT), rollback: sqlite.prepare(ROLLBACK),
      savepoint: sqlite.prepare(`SAVEPOINT ${SAVEPOINT}`), release: sqlite.prepare(`RELEASE ${SAVEPOINT}`), rollbackTo: sqlite.prepare(`ROLLBACK TO ${SAVEPOINT}`),
    };
  }

  enable(): void {
    const peers = servingOf.get(this.file) ?? new Set<CommitGroups>();
    servingOf.set(this.file, peers);
    peers.add(this);
    for (const p of peers) p.setEnabled(peers.size === 1);
  }

  /** The connection is closing: commits its open group, and lets a remaining peer group again. */
  dispose(): void {
    this.close();
    this.enabled = false;
    const peers = servingOf.get(this.file);
    if (!peers?.delete(this)) return;
    if (peers.size === 0) servingOf.delete(this.file);
    for (const p of peers) p.setEnabled(peers.size === 1);
  }

  /** Serving: grouping, and the short busy_timeout whose longer waits LockWaitingDriver makes with timers. */
  get serving(): boolean {
    return this.enabled;
  }

  private setEnabled(on: boolean): void {
    if (!on) this.close();
    this.enabled = on;
    // Serving, the connection waits for another process's write lock only briefly on this thread; a
    // statement waits longer with timers (write-lock.ts). Otherwise, SQLite's own wait.
    this.sqlite.pragma(`busy_timeout = ${on ? WRITE_LOCK.servingBusyMs : BUSY_TIMEOUT_MS}`);
  }

  /** What `prepare` answers for Kysely's transaction statements, or undefined for any other SQL. */
  control(sql: string): StatementLike | undefined {
    if (!this.enabled) return undefined;
    switch (sql) {
      case BEGIN: return this.statement(() => this.begin());
      case COMMIT: return this.statement(() => this.release());
      case ROLLBACK: return this.statement(() => this.rollback());
      default: return undefined;
    }
  }

  /** Before any other statement: closes the group if SQLite would refuse the statement inside it, or if it writes through another connection. */
  before(sql: string, stmt: { readonly readonly: boolean }): void {
    if (this.group && !this.active && !DML.test(sql)) this.close();
    if (!stmt.readonly && everyGroup.size > 0) for (const g of everyGroup) if (g !== this) g.close();
  }

  /** Resolves once every transaction that committed on this connection so far is in the log. */
  committed(): Promise<void> | undefined {
    return this.last;
  }

  /**
   * The commit of the group that the transaction open now belongs to (it cannot move to another
   * while open); undefined outside a transaction, or when not grouping (its COMMIT is its own).
   */
  memberCommit(): Promise<void> | undefined {
    return this.active ? this.group?.committed : undefined;
  }

  /** Commits the open group now (the connection closing, a statement that cannot run inside it). */
  close(): void {
    const g = this.group;
    if (!g) return;
    if (this.active) {
      this.closeWanted = true;
      return;
    }
    this.group = undefined;
    this.closeWanted = false;
    everyGroup.delete(this);
    if (!this.sqlite.inTransaction) {
      // SQLite rolled the whole transaction back on its own after the members were released (a
      // statement run inside the group that failed with a disk error): none of them committed.
      this.onLost?.();
      g.reject(new Error('the transaction was rolled back by SQLite before it could commit'));
      return;
    }
    try {
      this.sql.commit.run();
      g.resolve();
    } catch (err) {
      try {
        if (this.sqlite.inTransaction) this.sql.rollback.run();
      } catch { /* nothing left to undo */ }
      this.onLost?.();
      g.reject(err);
    }
  }

  private statement(run: () => void): StatementLike {
    return { reader: false, readonly: false, busy: false, run: () => (run(), { changes: 0, lastInsertRowid: 0 }) };
  }

  private begin(): void {
    if (this.active) throw new Error('a transaction is already open on this connection');
    // A group whose transaction SQLite ended on its own (an error that rolls back everything) is over.
    if (this.group && !this.sqlite.inTransaction) this.lost(new Error('the open transaction was rolled back by SQLite'));
    if (!this.group) {
      for (const g of everyGroup) g.close();
      this.sql.begin.run();
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const committed = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // A group nobody awaits (its members all failed) must not report an unhandled rejection.
      committed.catch(() => undefined);
      this.group = { committed, resolve, reject };
      everyGroup.add(this);
      setImmediate(() => this.close());
    }
    this.sql.savepoint.run();
    this.active = true;
  }

  private release(): void {
    this.active = false;
    if (!this.sqlite.inTransaction) {
      // SQLite rolled the whole transaction back (a disk error): every member of the group is lost.
      const err = new Error('the transaction was rolled back by SQLite before it could commit');
      this.lost(err);
      throw err;
    }
    this.sql.release.run();
    this.last = this.group!.committed;
    if (this.closeWanted) this.close();
  }

  private rollback(): void {
    this.active = false;
    if (this.sqlite.inTransaction) {
      this.sql.rollbackTo.run();
      this.sql.release.run();
    } else {
      this.lost(new Error('the transaction was rolled back by SQLite'));
    }
    if (this.closeWanted) this.close();
  }

  private lost(err: Error): void {
    const g = this.group;
    this.group = undefined;
    this.closeWanted = false;
    everyGroup.delete(this);
    if (g) this.onLost?.();
    g?.reject(err);
  }
}
