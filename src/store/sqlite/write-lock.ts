/**
 * Waiting for SQLite's write lock without stopping the node.
 *
 * SQLite lets one connection write at a time, across processes. A connection that finds the lock
 * taken waits for it in SQLite's busy handler, up to `busy_timeout`: a synchronous sleep of the
 * thread that calls it. On a serving node that is the thread that serves every request, so while
 * another process held the lock (an operator's `sqlite3` shell left in a transaction), each write
 * stopped the whole node for up to 5 s, reads and health checks included. Seen: one create
 * answered after 10 s, and a read queued behind it after 20 s.
 *
 * A serving node now gives its connection a short `busy_timeout` (`servingBusyMs`: long enough
 * for another process's ordinary write, which holds the lock for milliseconds), and a statement
 * that still finds the lock taken waits for it here, with timers (`LockWaitingDriver`): it hands
 * the connection back meanwhile, so reads and everything that writes nothing go on, and it is run
 * again once the lock is free. Only a statement run outside any transaction of this connection is
 * run again (a BEGIN IMMEDIATE of a commit group, commit-groups.ts, or a single autocommit write):
 * SQLITE_BUSY then means it did nothing. One statement probes for the lock at a time (each probe
 * may hold the thread `servingBusyMs`); the others wait for its outcome. Past `waitMs` (the 5 s
 * that `busy_timeout` gave before) the statement fails with SQLite's own SQLITE_BUSY, which is
 * answered 503 with Retry-After (src/store/unavailable.ts).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, DatabaseConnection, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';

/** SQLite's own wait for the lock on every other connection (the `muster` commands, a node not serving). */
export const BUSY_TIMEOUT_MS = 5000;

/** The waits; a settings object so that a test can shorten them. */
export const WRITE_LOCK = {
  /** How long a statement waits for the lock in all before it fails (SQLITE_BUSY, answered 503). */
  waitMs: BUSY_TIMEOUT_MS,
  /** `busy_timeout` of a serving node's connection: how long one statement may hold the thread waiting. */
  servingBusyMs: 20,
  /** The first pause between probes; it doubles up to `maxPauseMs`. */
  firstPauseMs: 5,
  maxPauseMs: 100,
};

/** Another connection holds the write lock (SQLITE_BUSY and its extended codes). */
export function lockTaken(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** How a probe for the lock ended: had (the waiters try now) or given up (with SQLite's error). */
type Outcome = { readonly had: true } | { readonly had: false; readonly err: unknown };

export class WriteLockWait {
  /** While a statement probes for a lock another process holds: resolves with how that ended. */
  private probing: Promise<Outcome> | undefined;

  constructor(private readonly clock: Clock = REAL_CLOCK) {}

  private now(): number {
    return this.clock.now();
  }

  /** Whether a statement is waiting for the lock now (tests). */
  get waiting(): boolean {
    return this.probing !== undefined;
  }

  /**
   * Runs `attempt` again until it does not fail with SQLITE_BUSY, or the wait is over. `failed`
   * is the SQLITE_BUSY its first run (by the caller) failed with.
   */
  async run<T>(attempt: () => Promise<T>, failed: unknown): Promise<T> {
    const deadline = this.now() + WRITE_LOCK.waitMs;
    let last = failed;
    for (;;) {
      if (this.probing) {
        const outcome = await this.untilSettledOr(this.probing, deadline);
        if (outcome === undefined) throw last; // this statement's wait is over while another probes
        if (outcome.had) {
          if (this.waiting) continue; // another waiter met the lock taken again: wait for its probe
          try {
            return await attempt();
          } catch (err) {
            if (!lockTaken(err)) throw err;
            last = err;
          }
        } else {
          last = outcome.err;
        }
      }
      if (this.now() >= deadline) throw last;
      // The lock is still taken: one of the waiters (the first to get here) probes, the others wait for it.
      if (this.waiting) continue;
      return await this.probe(attempt, deadline);
    }
  }

  /** Tries `attempt` after growing pauses until it gets the lock or `deadline` passes; the others wait for it. */
  private async probe<T>(attempt: () => Promise<T>, deadline: number): Promise<T> {
    let settle!: (o: Outcome) => void;
    this.probing = new Promise<Outcome>((resolve) => (settle = resolve));
    let outcome: Outcome = { had: true };
    try {
      for (let pause = WRITE_LOCK.firstPauseMs; ; pause = Math.min(pause * 2, WRITE_LOCK.maxPauseMs)) {
        await this.clock.pause(Math.max(0, Math.min(pause, deadline - this.now())));
        try {
          return await attempt();
        } catch (err) {
          if (!lockTaken(err)) throw err; // it had the lock: the others may go
          if (this.now() >= deadline) {
            outcome = { had: false, err };
            throw err;
          }
        }
      }
    } finally {
      this.probing = undefined;
      settle(outcome);
    }
  }

  /** The probe's outcome, or undefined if `deadline` comes first. */
  private async untilSettledOr(probing: Promise<Outcome>, deadline: number): Promise<Outcome | undefined> {
    let cancel: (() => void) | undefined;
    const over = new Promise<undefined>((resolve) => (cancel = this.clock.after(Math.max(0, deadline - this.now()), () => resolve(undefined))));
    try {
      return await Promise.race([probing, over]);
    } finally {
      cancel?.();
    }
  }
}

/** Time as WriteLockWait sees it (a test gives it one that only its pauses move). */
export interface Clock {
  now(): number;
  pause(ms: number): Promise<void>;
  /** Calls `fn` after `ms`; the function returned cancels it. */
  after(ms: number, fn: () => void): () => void;
}

const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  pause: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/**
 * Kysely's SQLite driver, with a statement that finds the write lock taken by another process
 * waiting for it (WriteLockWait) while the connection serves others. Kysely's driver lends its one
 * connection to one caller at a time (a transaction holds it from BEGIN to COMMIT); a waiting
 * statement gives it back, and takes it again to run.
 */
export class LockWaitingDriver implements Driver {
  /** Kysely's connection, while this driver has it lent (it is always the same one). */
  private lent: DatabaseConnection | undefined;
  /** Someone holds Kysely's connection now: a transaction, a statement being run (not one waiting for the lock: it gives it back). */
  private held = false;
  private readonly connection: DatabaseConnection;

  /**
   * `writer`: the connection's group commit (commit-groups.ts): `serving` says whether its
   * busy_timeout is the short one (a serving node), so that waits belong here, and `lockWait` is
   * where they wait.
   */
  constructor(private readonly inner: Driver, private readonly sqlite: BetterSqlite3.Database, private readonly writer: { readonly serving: boolean; readonly lockWait: WriteLockWait }) {
    this.connection = {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> => this.run<R>(query, true),
      streamQuery: (query, chunkSize) => this.lent!.streamQuery(query, chunkSize),
    };
  }

  /**
   * Runs `query` on Kysely's connection. One run outside any transaction that finds another
   * process's write lock on a serving node waits for it and runs again (waitFor; `holding`: the
   * caller holds the connection, as waitFor expects, else it is taken for the wait).
   */
  private run<R>(query: CompiledQuery, holding: boolean): Promise<QueryResult<R>> {
    const outside = !this.sqlite.inTransaction;
    try {
      // Kysely's SQLite connection runs the statement at once and throws its error (it is not async).
      return this.lent!.executeQuery<R>(query);
    } catch (err) {
      // Inside a transaction nothing is run again: its statements before this one stand.
      if (!outside || this.sqlite.inTransaction || !lockTaken(err) || !this.writer.serving) return Promise.reject(err);
      return holding ? this.waitFor<R>(query, err) : this.waitHolding<R>(query, err);
    }
  }

  private async lend(): Promise<void> {
    this.lent = await this.inner.acquireConnection();
    this.held = true;
  }

  private giveBack(): Promise<void> {
    this.held = false;
    return this.inner.releaseConnection(this.lent!);
  }

  /**
   * Runs `query` at once on Kysely's connection, without the hand-over of the connection
   * around it (a mutex, a connection provider, their promises: 1.2–1.4 µs of the 3.9 µs a
   * statement of one indexed row cost; bench/RESULTS.md, "Statements run without the connection's
   * hand-over"), when that changes nothing:
   * - `inTransaction` (the caller is a Kysely transaction, which holds the connection from BEGIN
   *   to COMMIT): its statements run one after another on this one connection anyway;
   * - outside one, only while nobody holds the connection: a statement run synchronously cannot
   *   interleave with anything, exactly as if it had been handed the connection at once.
   * Undefined when it must go the usual way: the connection is held by someone else (for a caller
   * that is a transaction: by nobody, so Kysely refuses a transaction used after its end). One
   * misuse it does not catch: a transaction used after its end while another holds the connection
   * runs in that one, where Kysely would refuse it; Muster keeps no transaction past its callback.
   * A statement that finds another process's write lock outside any transaction on a serving
   * node waits for it as the usual way would (waitFor), without being run once more first: each
   * run holds the thread up to `servingBusyMs`.
   */
  runNow<R>(query: CompiledQuery, inTransaction: boolean): Promise<QueryResult<R>> | undefined {
    // Until Kysely first hands the connection over (openDatabase's first statement), there is none to run on.
    if (!this.lent || inTransaction !== this.held) return undefined;
    return this.run<R>(query, inTransaction);
  }

  /** waitFor for a statement run without the connection: it takes it first, as waitFor expects, and gives it back after. */
  private async waitHolding<R>(query: CompiledQuery, failed: unknown): Promise<QueryResult<R>> {
    await this.lend();
    try {
      return await this.waitFor<R>(query, failed);
    } finally {
      await this.giveBack();
    }
  }

  /** Runs `query` again once the lock is free, lending the connection to others meanwhile; the caller holds it again when this settles. */
  private async waitFor<R>(query: CompiledQuery, failed: unknown): Promise<QueryResult<R>> {
    await this.giveBack();
    let held = false;
    try {
      return await this.writer.lockWait.run(async () => {
        await this.lend();
        held = true;
        try {
          return await this.lent!.executeQuery<R>(query);
        } catch (err) {
          if (!lockTaken(err)) throw err;
          // Run inside a transaction after all (none can be open here today): not run again.
          if (this.sqlite.inTransaction) throw new NotRunAgain(err);
          held = false;
          await this.giveBack();
          throw err;
        }
      }, failed);
    } catch (err) {
      throw err instanceof NotRunAgain ? err.cause : err;
    } finally {
      if (!held) await this.lend();
    }
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.savepoint!(connection, name, compile);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.rollbackToSavepoint!(connection, name, compile);
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.releaseSavepoint!(connection, name, compile);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lend();
    return this.connection;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  releaseConnection(): Promise<void> {
    return this.giveBack();
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** SQLITE_BUSY from a statement that turned out to run inside a transaction: WriteLockWait must not run it again. */
class NotRunAgain extends Error {
  constructor(override readonly cause: unknown) {
    super('SQLITE_BUSY inside a transaction');
  }
}
