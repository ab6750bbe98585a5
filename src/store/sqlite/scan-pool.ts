/**
 * Filters that read a whole list, run on a thread of their own (SQLite only).
 *
 * better-sqlite3 is synchronous: a statement runs on the thread that serves every request of every
 * organisation on the node. A SCIM filter no index answers (`title co "x"`, `userName ew "x"`,
 * `not (...)`, an attribute read from the JSON document) reads every person of the list, and its
 * count reads them again: about half a second at 100,000 people, seconds at a million
 * (bench/RESULTS.md, "Filters that read a whole list"). Any holder of one list's token could send
 * them back to back and hold every other organisation's requests for as long.
 *
 * Such statements run here instead, on a worker thread with its own read-only connection to the
 * database file (WAL: readers never wait for the writer, nor it for them). The serving thread is
 * free meanwhile. One statement at a time, taken in turn from each list that has some waiting,
 * so a list that sends many waits behind its own, not in front of another list's.
 *
 * What it sees: what is committed. A client's own write is answered only once committed (group
 * commit, commit-groups.ts), so a client always finds what it wrote.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Kysely, RawBuilder } from 'kysely';

/** The worker's code (CommonJS, run with `eval`, so that it needs no file of its own in dist/ or under the test runner). */
const SCANNER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('query_only = ON');
db.pragma('busy_timeout = 5000');
db.pragma('temp_store = MEMORY');
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

interface Job {
  readonly id: number;
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (err: Error) => void;
}

export class ScanPool {
  private worker: Worker | undefined;
  /** Waiting statements by list, in the order the lists first had one waiting (round robin). */
  private readonly waiting = new Map<string, Job[]>();
  private running: Job | undefined;
  private startedAt = 0;
  /** Set during the pause after a long statement (BREATHER_MS). */
  private breather: NodeJS.Timeout | undefined;
  private nextId = 1;
  private closed = false;
  private answered = 0;

  constructor(private readonly file: string) {}

  /** Runs a read statement on the scan thread, in `listId`'s turn; resolves with its rows. */
  all<R>(listId: string, sqlText: string, parameters: readonly unknown[]): Promise<R[]> {
    if (this.closed) return Promise.reject(new Error('the database is closed'));
    return new Promise<R[]>((resolve, reject) => {
      const job: Job = { id: this.nextId++, sql: sqlText, parameters, resolve: resolve as (rows: unknown[]) => void, reject };
      const queue = this.waiting.get(listId);
      if (queue) queue.push(job);
      else this.waiting.set(listId, [job]);
      this.pump();
    });
  }

  /** Statements answered so far (metrics). */
  get done(): number {
    return this.answered;
  }

  /** Statements waiting or running now (metrics). */
  get pending(): number {
    let n = this.running ? 1 : 0;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.breather);
    const w = this.worker;
    this.worker = undefined;
    const gone = new Error('the database is closed');
    for (const q of this.waiting.values()) for (const j of q) j.reject(gone);
    this.waiting.clear();
    this.running?.reject(gone);
    this.running = undefined;
    if (w) {
      w.postMessage('stop');
      await w.terminate().catch(() => undefined);
    }
  }

  private pump(): void {
    if (this.running || this.breather || this.closed) return;
    // The list waiting longest goes next; if it has more, it goes to the back of the turn.
    const first = this.waiting.entries().next();
    if (first.done) return;
    const [listId, queue] = first.value;
    const job = queue.shift()!;
    this.waiting.delete(listId);
    if (queue.length) this.waiting.set(listId, queue);
    this.running = job;
    this.startedAt = performance.now();
    this.thread().postMessage({ id: job.id, sql: job.sql, parameters: job.parameters });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const w = new Worker(SCANNER, { eval: true, workerData: { driver, file: this.file } });
    w.unref(); // an idle scan thread never keeps the process alive
    w.on('message', (m: { id: number; rows?: unknown[]; error?: string }) => {
      const job = this.running;
      if (!job || job.id !== m.id) return;
      this.running = undefined;
      this.answered++;
      if (m.error !== undefined) job.reject(new Error(m.error));
      else job.resolve(m.rows ?? []);
      if (performance.now() - this.startedAt < BREATHER_AFTER_MS) {
        this.pump();
        return;
      }
      this.breather = setTimeout(() => {
        this.breather = undefined;
        this.pump();
      }, BREATHER_MS);
      this.breather.unref();
    });
    // A thread that dies (out of memory) fails what it held; the next statement starts another.
    w.on('error', (err) => this.lost(w, err));
    w.on('exit', (code) => this.lost(w, new Error(`the scan thread stopped (exit code ${code})`)));
    this.worker = w;
    return w;
  }

  private lost(w: Worker, err: Error): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    const job = this.running;
    this.running = undefined;
    job?.reject(err);
    this.pump();
  }
}

/**
 * A raw query's rows: on the scan thread when `scans` is given (the caller decided the query reads
 * a whole list, outside a transaction), else on `db`.
 */
export async function rowsOf<R, DB>(db: Kysely<DB>, query: RawBuilder<R>, scans: ScanPool | undefined, listId: string): Promise<R[]> {
  if (!scans) return (await query.execute(db)).rows;
  const c = query.compile(db);
  return scans.all<R>(listId, c.sql, c.parameters);
}
