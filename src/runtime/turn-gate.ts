/**
 * Turns per key: at most `running` holders of a key at once, up to `waiting` more queued in the
 * order they came, and past that a refusal at once. Used where one tenant's concurrent requests
 * would otherwise each take an equal share of the one event loop (Bulk: http/scim-routes.ts), so
 * that an organisation sending many at once gets no more turns than one sending two.
 */
export class TurnGate {
  private readonly keys = new Map<string, { running: number; queue: (() => void)[] }>();

  constructor(readonly running: number, readonly waiting: number) {}

  /**
   * Resolves with `release` (call it once, when done) when it is this caller's turn; undefined at
   * once when the key already has `waiting` callers queued (refuse the request).
   */
  enter(key: string): Promise<() => void> | undefined {
    let k = this.keys.get(key);
    if (!k) this.keys.set(key, (k = { running: 0, queue: [] }));
    const state = k;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      const next = state.queue.shift();
      if (next) next(); // the turn passes on; `running` stays
      else if (--state.running === 0) this.keys.delete(key);
    };
    if (state.running < this.running) {
      state.running++;
      return Promise.resolve(release);
    }
    if (state.queue.length >= this.waiting) return undefined;
    return new Promise((resolve) => state.queue.push(() => resolve(release)));
  }

  /** Holders and waiters of a key now (tests, metrics). */
  load(key: string): { readonly running: number; readonly waiting: number } {
    const k = this.keys.get(key);
    return { running: k?.running ?? 0, waiting: k?.queue.length ?? 0 };
  }
}
