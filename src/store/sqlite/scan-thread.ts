/**
 * SQLite's executor for the lane of whole-list queries (../scan-pool.ts): a worker thread with its
 * own read-only connection to the database file. better-sqlite3 is synchronous, so a statement
 * that reads a whole list would otherwise hold the one thread that serves every organisation on
 * the node. With WAL, this reader and the writer never wait for each other.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ScanTimeoutError, type ScanExecutor } from '../scan-pool.js';

/** The worker's code (CommonJS, run with `eval`, so that it needs no file of its own in dist/ or under the test runner). */
const SCANNER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('query_only = ON');
db.pragma('busy_timeout = 5000');
db.pragma('temp_store = MEMORY');
parentPort.postMessage({ ready: true });
const cache = new Map();
parentPort.on('message', (m) => {
  if (m === 'stop') {
    try { db.close(); } catch { /* already gone */ }
    parentPort.close();
    return;
  }
  try {
    let stmt = cache.get(m.sql);
    if (!stmt) {
      stmt = db.prepare(m.sql);
      if (!stmt.reader) throw new Error('only reads run on the scan thread');
      cache.set(m.sql, stmt);
      if (cache.size > 64) cache.delete(cache.keys().next().value);
    }
    parentPort.postMessage({ id: m.id, rows: stmt.all(m.parameters) });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err && err.message || err) });
  }
  // Copy into the database what the writer logged while this read held its snapshot (see BREATHER_MS).
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the checkpointer thread carries on */ }
});
`;

/**
 * A pause between two statements of the scan thread. While a read runs, the writer's log (WAL)
 * cannot start over: its frames are still part of the read's snapshot. Back-to-back scans under
 * writes kept it from ever starting over, and the log grew by the writes (115 MB in a minute of
 * PATCHes beside two clients filtering, against 16 MB without them; bench/RESULTS.md). After each
 * read the thread copies the log into the database (a passive checkpoint), and before the next,
 * after a read of BREATHER_AFTER_MS or more, the log gets this long to start over at the next write.
 */
export const BREATHER_MS = 10;
/** Reads shorter than this hold the log too briefly to matter: the next follows at once. */
export const BREATHER_AFTER_MS = 20;
/** How long closing waits for a thread busy with a statement (it stops only when the statement returns). */
const CLOSE_WAIT_MS = 2_000;

interface Call {
  readonly id: number;
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (err: Error) => void;
  /** The deadline's timer, set once the thread is ready (its start is not the statement's time). */
  timer?: NodeJS.Timeout;
}

/**
 * One statement at a time on one thread. A statement past its deadline cannot be stopped:
 * better-sqlite3 has no interrupt, and `Worker.terminate()` takes effect only once the native
 * statement returns (a 50 s statement kept it waiting 50 s here). So its caller is answered at
 * the deadline, and the thread is left to finish and exit on its own while a new one takes the
 * next statement. At most one thread is left so at a time, so that a client cannot pile up
 * threads that each hold a core: past a second deadline while the first still runs, the caller
 * is answered but the thread is kept, and the next statement waits (its own deadline running)
 * until either thread is free. When the left thread exits, the kept one is left in its place and
 * the waiting statement starts on a new thread.
 */
export class SqliteScanThread implements ScanExecutor {
  readonly engine = 'sqlite' as const;
  readonly slots = 1;
  private worker: Worker | undefined;
  /** A thread given up at a deadline that has not exited yet. */
  private abandoned: Worker | undefined;
  private call: Call | undefined;
  /** The id of an overdue statement the kept thread is still running; the next starts when it returns. */
  private overdueId: number | undefined;
  /** The next statement, waiting for a free thread (see overdueId); its deadline runs meanwhile. */
  private waiting: { readonly start: () => void; readonly reject: (err: Error) => void; readonly timer: NodeJS.Timeout } | undefined;
  private nextId = 1;
  private closed = false;
  /** Whether `worker` has opened its connection; until then a statement's deadline is not running. */
  private ready = false;

  constructor(private readonly file: string, private readonly deadlineMs: number) {}

  pauseAfter(ms: number): number {
    return ms >= BREATHER_AFTER_MS ? BREATHER_MS : 0;
  }

  /** Threads alive now: the one in use and one given up at a deadline (tests). */
  get threads(): number {
    return (this.worker ? 1 : 0) + (this.abandoned ? 1 : 0);
  }

  run(sqlText: string, parameters: readonly unknown[]): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new Error('the database is closed'));
    return new Promise<unknown[]>((resolve, reject) => {
      const start = (): void => {
        try {
          const id = this.nextId++;
          const w = this.thread();
          this.call = { id, resolve, reject };
          if (this.ready) this.arm(w);
          w.postMessage({ id, sql: sqlText, parameters });
        } catch (err) {
          this.call = undefined;
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      if (this.overdueId === undefined) {
        start();
        return;
      }
      const timer = setTimeout(() => {
        if (this.waiting?.timer !== timer) return;
        this.waiting = undefined;
        reject(new ScanTimeoutError(this.deadlineMs));
      }, this.deadlineMs);
      timer.unref();
      this.waiting = { start, reject, timer };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    const gone = new Error('the database is closed');
    this.fail(gone);
    if (this.waiting) {
      clearTimeout(this.waiting.timer);
      this.waiting.reject(gone);
      this.waiting = undefined;
    }
    // A thread busy with a statement stops only when the statement returns: the store's close
    // waits a moment for it, not for a statement left running past its deadline.
    const stopped = (t: Worker) => Promise.race([t.terminate().catch(() => undefined), new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
    const stops: Promise<unknown>[] = [];
    if (w) {
      w.postMessage('stop');
      stops.push(stopped(w));
    }
    if (this.abandoned) void this.abandoned.terminate().catch(() => undefined);
    await Promise.all(stops);
  }

  private arm(w: Worker): void {
    const c = this.call;
    if (!c || c.timer) return;
    c.timer = setTimeout(() => this.overdue(w, c.id), this.deadlineMs);
    c.timer.unref();
  }

  private fail(err: Error): void {
    const c = this.call;
    this.call = undefined;
    if (!c) return;
    clearTimeout(c.timer);
    c.reject(err);
  }

  private overdue(w: Worker, id: number): void {
    if (this.call?.id !== id) return;
    if (this.worker === w && !this.abandoned) this.leave(w);
    // Else a thread is already left running: this one is kept, and the next statement waits for either.
    else this.overdueId = id;
    this.fail(new ScanTimeoutError(this.deadlineMs));
  }

  /** Leaves `w` to finish its statement alone and stop (terminate takes effect when it returns). */
  private leave(w: Worker): void {
    if (this.worker === w) this.worker = undefined;
    this.abandoned = w;
    void w.terminate().catch(() => undefined);
  }

  /** A thread is free again (or gone): the waiting statement, if any, starts. */
  private resume(): void {
    this.overdueId = undefined;
    const next = this.waiting;
    this.waiting = undefined;
    if (!next) return;
    clearTimeout(next.timer);
    if (this.closed) next.reject(new Error('the database is closed'));
    else next.start();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const w = new Worker(SCANNER, { eval: true, workerData: { driver, file: this.file } });
    w.unref(); // an idle scan thread never keeps the process alive
    w.on('message', (m: { id: number; rows?: unknown[]; error?: string; ready?: true }) => {
      if (this.worker !== w) return;
      if (m.ready) {
        this.ready = true;
        this.arm(w);
        return;
      }
      if (m.id === this.overdueId) {
        this.resume();
        return;
      }
      const c = this.call;
      if (!c || c.id !== m.id) return;
      this.call = undefined;
      clearTimeout(c.timer);
      if (m.error !== undefined) c.reject(new Error(m.error));
      else c.resolve(m.rows ?? []);
    });
    // A thread that dies (out of memory) fails what it held; the next statement starts another.
    w.on('error', (err) => this.lost(w, err));
    w.on('exit', (code) => this.lost(w, new Error(`the scan thread stopped (exit code ${code})`)));
    this.worker = w;
    this.ready = false;
    return w;
  }

  private lost(w: Worker, err: Error): void {
    if (this.abandoned === w) {
      this.abandoned = undefined;
      // The kept thread still runs an overdue statement: it is left in turn, and what waits
      // starts on a new thread.
      if (this.overdueId !== undefined && this.worker && !this.closed) {
        this.leave(this.worker);
        this.resume();
      }
      return;
    }
    if (this.worker !== w) return;
    this.worker = undefined;
    this.fail(err);
    if (this.overdueId !== undefined) this.resume();
  }
}
