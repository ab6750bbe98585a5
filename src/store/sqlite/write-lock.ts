/**
 * Waiting for SQLite's write lock without stopping the node.
 *
 * SQLite lets one connection write at a time, across processes. A connection that finds the lock
 * taken waits for it in SQLite's busy handler, up to `busy_timeout`: a synchronous sleep on the
 * thread that calls it. On a serving node that is the thread that serves every request, so while
 * another process held the lock (an operator's `sqlite3` shell left in a transaction), each write
 * stopped the whole node for up to 5 s, reads and health checks included, and then failed. Seen:
 * one create answered after 10 s and a read queued behind it after 20 s.
 *
 * A serving node now gives its connection a short `busy_timeout` (`servingBusyMs`: long enough
 * for another process's ordinary write, which holds the lock for milliseconds) and waits for
 * anything longer here, with timers: a transaction whose BEGIN IMMEDIATE found the lock taken
 * (commit-groups.ts) is tried again later, and meanwhile the event loop serves reads. Only one
 * transaction probes for the lock at a time (each probe may hold the thread `servingBusyMs`); the
 * others wait for its outcome. Past `waitMs` (the 5 s that `busy_timeout` gave before) the
 * transaction fails with SQLite's own SQLITE_BUSY, which is answered 503 with Retry-After
 * (src/store/unavailable.ts).
 *
 * Only a transaction that has not started is tried again: SQLITE_BUSY at BEGIN means nothing ran.
 */

/** SQLite's own wait for the lock on every other connection (the `muster` commands, a node not serving). */
export const BUSY_TIMEOUT_MS = 5000;

/** The waits; a settings object so that a test can shorten them. */
export const WRITE_LOCK = {
  /** How long a transaction waits for the lock in all before it fails (SQLITE_BUSY, answered 503). */
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

/** `attempt` runs one transaction; it calls `started()` once its BEGIN succeeded. */
export type Attempt<T> = (started: () => void) => Promise<T>;

export class WriteLockWait {
  /** While a transaction probes for a lock another process holds: resolves with how that ended. */
  private probing: Promise<Outcome> | undefined;

  constructor(private readonly now: () => number = () => performance.now(), private readonly pause: (ms: number) => Promise<void> = sleep) {}

  /** Whether a transaction is waiting for the lock now (metrics, tests). */
  get waiting(): boolean {
    return this.probing !== undefined;
  }

  async run<T>(attempt: Attempt<T>): Promise<T> {
    const deadline = this.now() + WRITE_LOCK.waitMs;
    for (;;) {
      if (this.probing) {
        const outcome = await this.probing;
        if (!outcome.had && this.now() >= deadline) throw outcome.err;
        continue; // try now, or wait for the next probe if another waiter started it first
      }
      let started = false;
      try {
        return await attempt(() => (started = true));
      } catch (err) {
        if (started || !lockTaken(err) || this.now() >= deadline) throw err;
        if (this.probing) continue;
        return await this.probe(attempt, deadline);
      }
    }
  }

  /** Tries `attempt` after growing pauses until it gets the lock or `deadline` passes; the others wait for it. */
  private async probe<T>(attempt: Attempt<T>, deadline: number): Promise<T> {
    let settle!: (o: Outcome) => void;
    this.probing = new Promise<Outcome>((resolve) => (settle = resolve));
    let outcome: Outcome = { had: true };
    try {
      for (let pause = WRITE_LOCK.firstPauseMs; ; pause = Math.min(pause * 2, WRITE_LOCK.maxPauseMs)) {
        await this.pause(Math.max(0, Math.min(pause, deadline - this.now())));
        let started = false;
        try {
          return await attempt(() => (started = true));
        } catch (err) {
          if (started || !lockTaken(err)) throw err; // it had the lock: the others may go
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
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
