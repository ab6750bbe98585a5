/**
 * SQLite's executor for the lane of whole-list queries (../scan-pool.ts): a child process with its
 * own read-only connection to the database file. better-sqlite3 is synchronous, so a statement
 * that reads a whole list would otherwise hold the one thread that serves every organisation on
 * the node. With WAL, this reader and the writer never wait for each other.
 *
 * A process, not a worker thread, so that a statement past its deadline is really stopped.
 * better-sqlite3 has no interrupt, and a worker thread stops only once its native statement
 * returns (`Worker.terminate()` waited 50 s for a 50-second statement here): a thread given up at
 * its deadline went on holding a core, and a client sending one slow filter after another could
 * keep both of this machine's cores busy with statements nobody waited for. A process is killed
 * (SIGKILL) at the deadline, its core is free at once, and the next statement starts another.
 * Killing a reader is safe: it holds no write lock, and the operating system drops its read lock on
 * the WAL with the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { ScanTimeoutError, type ScanExecutor } from '../scan-pool.js';

/**
 * The process's code (CommonJS, run with `node -e`, so that it needs no file of its own in dist/ or
 * under the test runner). It leaves when its parent does (the IPC channel closes).
 */
const SCANNER = `
process.title = 'muster-scan';
const [driver, file] = process.argv.slice(-2);
const Database = require(driver);
const db = new Database(file, { fileMustExist: true });
db.pragma('query_only = ON');
db.pragma('busy_timeout = 5000');
db.pragma('temp_store = MEMORY');
process.on('disconnect', () => process.exit(0));
const cache = new Map();
process.on('message', (m) => {
  try {
    let stmt = cache.get(m.sql);
    if (!stmt) {
      stmt = db.prepare(m.sql);
      if (!stmt.reader) throw new Error('only reads run in the scan process');
      cache.set(m.sql, stmt);
      if (cache.size > 64) cache.delete(cache.keys().next().value);
    }
    process.send({ id: m.id, rows: stmt.all(m.parameters) });
  } catch (err) {
    process.send({ id: m.id, error: String(err && err.message || err) });
  }
  // Copy into the database what the writer logged while this read held its snapshot (see BREATHER_MS).
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the checkpointer thread carries on */ }
});
process.send({ ready: true });
`;

/**
 * A pause between two statements of the scan process. While a read runs, the writer's log (WAL)
 * cannot start over: its frames are still part of the read's snapshot. Back-to-back scans under
 * writes kept it from ever starting over, and the log grew by the writes (115 MB in a minute of
 * PATCHes beside two clients filtering, against 16 MB without them; bench/RESULTS.md). After each
 * read the process copies the log into the database (a passive checkpoint), and before the next,
 * after a read of BREATHER_AFTER_MS or more, the log gets this long to start over at the next write.
 */
export const BREATHER_MS = 10;
/** Reads shorter than this hold the log too briefly to matter: the next follows at once. */
export const BREATHER_AFTER_MS = 20;

/**
 * The scan process's niceness (Linux: 0 is the server's, 19 the lowest priority): when both want a
 * core, the requests the server answers go first, and a whole-list query takes what is left.
 */
export const SCAN_NICE = 10;

interface Call {
  readonly id: number;
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (err: Error) => void;
  /** The deadline's timer, set once the process is ready (its start is not the statement's time). */
  timer?: NodeJS.Timeout;
}

type Message = { ready: true } | { id: number; rows?: unknown[]; error?: string };

/** One statement at a time, in one process; a statement past its deadline is killed with its process. */
export class SqliteScanProcess implements ScanExecutor {
  readonly engine = 'sqlite' as const;
  readonly slots = 1;
  private child: ChildProcess | undefined;
  /** Whether `child` has opened its connection; until then a statement's deadline is not running. */
  private ready = false;
  private call: Call | undefined;
  private nextId = 1;
  private closed = false;
  /** Processes started and not yet exited (tests). */
  private readonly alive = new Set<ChildProcess>();
  private started = 0;

  constructor(private readonly file: string, private readonly deadlineMs: number) {}

  pauseAfter(ms: number): number {
    return ms >= BREATHER_AFTER_MS ? BREATHER_MS : 0;
  }

  /** Processes running now, a killed one included until it has exited (tests). */
  get processes(): number {
    return this.alive.size;
  }

  /** Processes started so far (tests: a new one after each deadline). */
  get processesStarted(): number {
    return this.started;
  }

  /** Resolves once every process killed so far has exited (tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.alive].filter((c) => c !== this.child).map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) resolve();
      else c.once('exit', () => resolve());
    })));
  }

  /** The process id of the process in use, if any (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  run(sqlText: string, parameters: readonly unknown[]): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new Error('the database is closed'));
    return new Promise<unknown[]>((resolve, reject) => {
      try {
        const id = this.nextId++;
        const child = this.process();
        this.call = { id, resolve, reject };
        if (this.ready) this.arm(child);
        child.send({ id, sql: sqlText, parameters });
      } catch (err) {
        this.call = undefined;
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = undefined;
    this.fail(new Error('the database is closed'));
    if (child) await this.kill(child);
  }

  private arm(child: ChildProcess): void {
    const c = this.call;
    if (!c || c.timer) return;
    c.timer = setTimeout(() => {
      if (this.call !== c) return;
      this.child = undefined;
      void this.kill(child);
      this.fail(new ScanTimeoutError(this.deadlineMs));
    }, this.deadlineMs);
    c.timer.unref();
  }

  private fail(err: Error): void {
    const c = this.call;
    this.call = undefined;
    if (!c) return;
    clearTimeout(c.timer);
    c.reject(err);
  }

  /** Kills `child`; resolves once it has exited. */
  private kill(child: ChildProcess): Promise<void> {
    if (!this.alive.has(child)) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    return exited;
  }

  private process(): ChildProcess {
    if (this.child) return this.child;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    // The server's environment is inherited (NODE_OPTIONS' heap limit applies to it too).
    const child = spawn(process.execPath, ['-e', SCANNER, driver, this.file], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.started++;
    this.alive.add(child);
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, SCAN_NICE);
      } catch {
        // Refused (lowering a process's own priority needs no privilege on Linux): it runs at the server's.
      }
    }
    // An idle scan process never keeps the server running.
    child.unref();
    child.channel?.unref();
    child.on('message', (m: Message) => {
      if (this.child !== child) return;
      if ('ready' in m) {
        this.ready = true;
        this.arm(child);
        return;
      }
      const c = this.call;
      if (!c || c.id !== m.id) return;
      this.call = undefined;
      clearTimeout(c.timer);
      if (m.error !== undefined) c.reject(new Error(m.error));
      else c.resolve(m.rows ?? []);
    });
    // A process that dies (out of memory, killed from outside) fails what it held; the next
    // statement starts another.
    child.on('error', (err) => this.lost(child, err));
    child.on('exit', (code, signal) => {
      this.alive.delete(child);
      this.lost(child, new Error(`the scan process stopped (${signal ?? `exit code ${code}`})`));
    });
    this.child = child;
    this.ready = false;
    return child;
  }

  private lost(child: ChildProcess, err: Error): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.fail(err);
  }
}
