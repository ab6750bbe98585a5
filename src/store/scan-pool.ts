/**
 * Queries that read a whole list, kept in a lane of their own, on both engines.
 *
 * A SCIM filter no index answers (`title co "x"`, `userName ew "x"`, `not (...)`, an attribute read
 * from the JSON document), the roster page's search and counts, and the audit trail's search by
 * name read every person of a list: about half a second at 100,000 people, seconds at a million
 * (bench/RESULTS.md, "Filters that read a whole list"). Any holder of one list's token can send them
 * back to back. Run where everything else runs, they would hold every other organisation's
 * requests: on SQLite the one thread that serves the node (better-sqlite3 is synchronous); on
 * PostgreSQL the connection pool, whose ten connections a dozen such requests take.
 *
 * So they run here instead, on an executor of their own (a child process with its own read-only
 * connection on SQLite, sqlite/scan-process.ts; a read-only connection of its own on
 * PostgreSQL, postgres/scan-connections.ts), under three rules:
 * - **Turns.** Statements are taken in turn from each organisation that has some waiting, and
 *   within it from each of its lists, so an organisation that sends many (from many lists, with
 *   many tokens) waits behind its own, not in front of another organisation's.
 * - **A cap per list.** A list with PER_LIST_LIMIT statements waiting or running is refused more
 *   at once (ScanBusyError: the HTTP layer answers 429 with Retry-After) rather than queueing work
 *   without end for the others to wait behind.
 * - **A deadline.** A statement that runs longer than the deadline (MUSTER_SCAN_TIMEOUT_S) is
 *   given up (ScanTimeoutError: 400 `tooMany` for SCIM, RFC 7644 §3.12, "more results than the
 *   server is willing to calculate or process"), the statement is stopped (PostgreSQL cancels it;
 *   on SQLite the process running it is killed), and the lane goes on with the next.
 *
 * What it sees: what is committed. A client's own write is answered only once committed (group
 * commit on SQLite, commit-groups.ts; a plain COMMIT on PostgreSQL), so a client always finds what
 * it wrote. Transactions never use the lane: their reads must see their own writes.
 */
import type { CompiledQuery, Kysely, RawBuilder } from 'kysely';
import type { Engine } from './engine.js';

/** Statements one list may have waiting or running in the lane at once; more are refused (429). */
export const PER_LIST_LIMIT = 16;
/** The default deadline of one statement (MUSTER_SCAN_TIMEOUT_S). */
export const DEFAULT_SCAN_TIMEOUT_MS = 30_000;
/** What a refused statement's caller is told to wait before trying again (Retry-After). */
export const SCAN_BUSY_RETRY_AFTER_S = 2;

/** The list already has PER_LIST_LIMIT statements in the lane. */
export class ScanBusyError extends Error {
  readonly retryAfterSeconds = SCAN_BUSY_RETRY_AFTER_S;
  constructor(readonly waiting: number) {
    super(`this list already has ${waiting} queries that read the whole list waiting or running; try again in ${SCAN_BUSY_RETRY_AFTER_S} s`);
    this.name = 'ScanBusyError';
  }
}

/** A statement ran past the deadline and was given up. */
export class ScanTimeoutError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`the query reads every person of the list and took longer than ${deadlineMs / 1000} s, so it was stopped; `
      + 'narrow it with an attribute the list has an index for (id, userName, externalId, emails, employeeNumber) or ask the operator to raise MUSTER_SCAN_TIMEOUT_S');
    this.name = 'ScanTimeoutError';
  }
}

/**
 * The client that asked left before its statement's turn: the statement was not run (the HTTP
 * layer logs the request as 499, client closed request, and answers nobody).
 */
export class ScanCallerGoneError extends Error {
  constructor() {
    super('the client closed the connection before its query\'s turn in the lane; it was not run');
    this.name = 'ScanCallerGoneError';
  }
}

/** Whether the client a statement is for has left (checked when its turn comes). */
export type CallerGone = () => boolean;

/** Where the lane's statements run. */
export interface ScanExecutor {
  readonly engine: Engine;
  /** Statements it runs at once. */
  readonly slots: number;
  /** Runs one read statement; rejects with ScanTimeoutError past its deadline. */
  run(sqlText: string, parameters: readonly unknown[]): Promise<unknown[]>;
  /** A pause to leave after a statement that took `ms`, before the next starts (0: none). */
  pauseAfter(ms: number): number;
  close(): Promise<void>;
}

export interface ScanPoolOptions {
  readonly perListLimit?: number;
  /** The organisation a list belongs to (its turn); without it, each list takes turns as if its own organisation. */
  readonly orgOf?: (listId: string) => Promise<string | undefined>;
}

/** Lists whose organisation is remembered at most (a list never changes organisation). */
const ORGS_KEPT = 100_000;

/** The lane's use, for metrics. */
export interface ScanStats {
  /** Statements run so far (with rows or an error, timed-out ones included). */
  readonly done: number;
  /** Waiting or running now. */
  readonly pending: number;
  /** Refused at once: their list already had PER_LIST_LIMIT in the lane. */
  readonly refused: number;
  /** Given up at the deadline. */
  readonly timedOut: number;
  /** Not run: their client had left when their turn came. */
  readonly dropped: number;
}

interface Job {
  readonly listId: string;
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (err: Error) => void;
  readonly gone: CallerGone | undefined;
}

export class ScanPool {
  /**
   * Waiting statements by organisation, then by list, each in the order it first had one waiting:
   * the organisation waiting longest goes next, and within it the list waiting longest.
   */
  private readonly waiting = new Map<string, Map<string, Job[]>>();
  /** Statements waiting or running, by list (PER_LIST_LIMIT). */
  private readonly held = new Map<string, number>();
  private readonly orgs = new Map<string, string>();
  private running = 0;
  private waitingCount = 0;
  /** Set during the pause after a long statement (ScanExecutor.pauseAfter). */
  private paused: NodeJS.Timeout | undefined;
  private closed = false;
  private answered = 0;
  private refusedCount = 0;
  private timedOutCount = 0;
  private droppedCount = 0;
  private readonly perListLimit: number;
  private readonly orgOf: ScanPoolOptions['orgOf'];

  constructor(private readonly executor: ScanExecutor, opts: ScanPoolOptions = {}) {
    this.perListLimit = opts.perListLimit ?? PER_LIST_LIMIT;
    this.orgOf = opts.orgOf;
  }

  /** The engine whose statements it runs (their SQL differs). */
  get engine(): Engine {
    return this.executor.engine;
  }

  /**
   * Runs a compiled read query in `listId`'s turn; resolves with its rows. With `gone`, a statement
   * whose client has left by its turn is not run (ScanCallerGoneError): an IdP that gave up
   * waiting and asked again would otherwise have the lane run both.
   */
  rows<R>(listId: string, query: CompiledQuery<R>, gone?: CallerGone): Promise<R[]> {
    return this.all<R>(listId, query.sql, query.parameters, gone);
  }

  /** Runs a read statement in `listId`'s turn; resolves with its rows (`gone`: as `rows`). */
  all<R>(listId: string, sqlText: string, parameters: readonly unknown[], gone?: CallerGone): Promise<R[]> {
    if (this.closed) return Promise.reject(new Error('the database is closed'));
    const org = this.orgs.get(listId);
    if (org !== undefined || !this.orgOf) return this.enqueue<R>(org ?? listId, listId, sqlText, parameters, gone);
    return this.orgOf(listId).then((o) => {
      if (this.orgs.size >= ORGS_KEPT) this.orgs.clear();
      this.orgs.set(listId, o ?? listId);
      return this.enqueue<R>(o ?? listId, listId, sqlText, parameters, gone);
    });
  }

  private enqueue<R>(org: string, listId: string, sqlText: string, parameters: readonly unknown[], gone: CallerGone | undefined): Promise<R[]> {
    if (this.closed) return Promise.reject(new Error('the database is closed'));
    const held = this.held.get(listId) ?? 0;
    if (held >= this.perListLimit) {
      this.refusedCount++;
      return Promise.reject(new ScanBusyError(held));
    }
    return new Promise<R[]>((resolve, reject) => {
      const job: Job = { listId, sql: sqlText, parameters, resolve: resolve as (rows: unknown[]) => void, reject, gone };
      let lists = this.waiting.get(org);
      if (!lists) this.waiting.set(org, (lists = new Map()));
      const queue = lists.get(listId);
      if (queue) queue.push(job);
      else lists.set(listId, [job]);
      this.held.set(listId, held + 1);
      this.waitingCount++;
      this.pump();
    });
  }

  /** Statements answered so far, with rows or an error (metrics). */
  get done(): number {
    return this.answered;
  }

  /** Statements waiting or running now (metrics). */
  get pending(): number {
    return this.running + this.waitingCount;
  }

  /** Statements refused because their list had PER_LIST_LIMIT in the lane (metrics). */
  get refused(): number {
    return this.refusedCount;
  }

  /** Statements given up at the deadline (metrics). */
  get timedOut(): number {
    return this.timedOutCount;
  }

  /** Statements not run because their client had left by their turn (metrics). */
  get dropped(): number {
    return this.droppedCount;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.paused);
    const gone = new Error('the database is closed');
    for (const lists of this.waiting.values()) for (const q of lists.values()) for (const j of q) j.reject(gone);
    this.waiting.clear();
    this.waitingCount = 0;
    await this.executor.close();
  }

  private pump(): void {
    while (this.running < this.executor.slots && !this.paused && !this.closed) {
      // The organisation waiting longest, and its list waiting longest, go next; each goes to the
      // back of its turn if it has more.
      const first = this.waiting.entries().next();
      if (first.done) return;
      const [org, lists] = first.value;
      const [listId, queue] = lists.entries().next().value!;
      const job = queue.shift()!;
      lists.delete(listId);
      if (queue.length) lists.set(listId, queue);
      this.waiting.delete(org);
      if (lists.size) this.waiting.set(org, lists);
      this.waitingCount--;
      if (job.gone?.()) {
        this.release(job.listId);
        this.droppedCount++;
        job.reject(new ScanCallerGoneError());
        continue;
      }
      this.start(job);
    }
  }

  /** One fewer of `listId`'s statements waiting or running (PER_LIST_LIMIT). */
  private release(listId: string): void {
    const n = (this.held.get(listId) ?? 1) - 1;
    if (n > 0) this.held.set(listId, n);
    else this.held.delete(listId);
  }

  private start(job: Job): void {
    this.running++;
    const started = performance.now();
    const settle = (): void => {
      this.running--;
      this.release(job.listId);
      this.answered++;
      const pause = this.closed ? 0 : this.executor.pauseAfter(performance.now() - started);
      if (pause > 0 && !this.paused) {
        this.paused = setTimeout(() => {
          this.paused = undefined;
          this.pump();
        }, pause);
        this.paused.unref();
      }
      this.pump();
    };
    this.executor.run(job.sql, job.parameters).then((rows) => {
      settle();
      job.resolve(rows);
    }, (err: unknown) => {
      if (err instanceof ScanTimeoutError) this.timedOutCount++;
      settle();
      job.reject(err instanceof Error ? err : new Error(String(err)));
    });
  }
}

/**
 * A raw query's rows: in the lane when `scans` is given (the caller decided the query reads a whole
 * list, outside a transaction), else on `db`. `gone`: see ScanPool.rows.
 */
export async function rowsOf<R, DB>(db: Kysely<DB>, query: RawBuilder<R>, scans: ScanPool | undefined, listId: string, gone?: CallerGone): Promise<R[]> {
  return scans ? scans.rows(listId, query.compile(db), gone) : (await query.execute(db)).rows;
}

/**
 * Matches of an index-answered filter counted where the query runs, at most. An equality most of a
 * list shares (`displayName eq "Staff"`, a group everyone is in) is answered by an index, yet its
 * count walks every match: past this many, the count is taken again in the lane. Counting this
 * many index entries takes about a millisecond. A setting object so that a test can lower it.
 */
export const COUNT_LIMITS = { hereUpTo: 5_000 };

interface CountQuery<R> {
  compile(): CompiledQuery<R>;
  execute(): Promise<R[]>;
}

/**
 * totalResults of a filter: in the lane when the filter reads the whole list (`q.scan`); else here,
 * up to COUNT_LIMITS.hereUpTo matches (`capped` counts at most one more), and past that in the lane.
 * In a transaction (no `scans`) always here.
 */
export async function countIn(scans: ScanPool | undefined, q: { readonly listId: string; readonly where?: unknown; readonly scan?: boolean; readonly gone?: CallerGone | undefined },
  all: CountQuery<{ n: number }>, capped: () => CountQuery<{ n: number }>): Promise<number> {
  const n = (rows: readonly { n: number }[]) => Number(rows[0]?.n ?? 0);
  if (scans && q.scan) return n(await scans.rows(q.listId, all.compile(), q.gone));
  if (!scans || !q.where) return n(await all.execute());
  const here = n(await capped().execute());
  return here <= COUNT_LIMITS.hereUpTo ? here : n(await scans.rows(q.listId, all.compile(), q.gone));
}
