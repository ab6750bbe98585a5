/**
 * WriteLockWait: a statement that found SQLite's write lock taken by another process is run again
 * after pauses, by one prober at a time, until it gets the lock or its wait is over. Time here is
 * a counter that only the pauses move, not the clock.
 */
import { describe, expect, it } from 'vitest';
import { WRITE_LOCK, WriteLockWait, lockTaken, type Clock } from '../../../../src/store/sqlite/write-lock.js';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
const turn = () => new Promise((r) => setImmediate(r));

/** A lock another process holds until `free()`, and a clock that only the pauses move. */
function world() {
  let t = 0;
  let held = true;
  const pauses: number[] = [];
  const attempts: string[] = [];
  const timers = new Set<{ at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => t,
    pause: async (ms) => {
      pauses.push(ms);
      await turn();
      t += ms;
      for (const timer of [...timers]) if (timer.at <= t) {
        timers.delete(timer);
        timer.fn();
      }
    },
    after: (ms, fn) => {
      const timer = { at: t + ms, fn };
      timers.add(timer);
      return () => timers.delete(timer);
    },
  };
  const wait = new WriteLockWait(clock);
  /** A statement named `name`, as LockWaitingDriver runs it: once by the caller, then by the wait. */
  const statement = async <T>(name: string, result: T): Promise<T> => {
    const attempt = async () => {
      attempts.push(name);
      if (held) throw busy();
      return result;
    };
    try {
      return await attempt();
    } catch (err) {
      return await wait.run(attempt, err);
    }
  };
  return { wait, statement, pauses, attempts, timers, free: () => (held = false), now: () => t };
}

describe('WriteLockWait', () => {
  it('runs a statement again after growing pauses until the lock is free; the others wait for the one probing, then run once each', async () => {
    const w = world();
    const a = w.statement('a', 'A');
    await turn();
    expect(w.wait.waiting).toBe(true);
    const b = w.statement('b', 'B');
    const c = w.statement('c', 'C');
    while (w.pauses.length < 4) await turn();
    // b and c tried once, when they came; since then only a probes.
    expect(w.attempts.filter((x) => x === 'b')).toEqual(['b']);
    expect(w.attempts.filter((x) => x === 'c')).toEqual(['c']);
    expect(w.attempts.filter((x) => x === 'a').length).toBe(1 + w.pauses.length - 1);
    w.free();
    expect(await Promise.all([a, b, c])).toEqual(['A', 'B', 'C']);
    expect(w.attempts.filter((x) => x === 'b')).toEqual(['b', 'b']);
    expect(w.attempts.filter((x) => x === 'c')).toEqual(['c', 'c']);
    // 5, 10, 20, 40, … ms: doubling, up to the most.
    expect(w.pauses.slice(0, 4)).toEqual([WRITE_LOCK.firstPauseMs, WRITE_LOCK.firstPauseMs * 2, WRITE_LOCK.firstPauseMs * 4, WRITE_LOCK.firstPauseMs * 8]);
    expect(Math.max(...w.pauses)).toBeLessThanOrEqual(WRITE_LOCK.maxPauseMs);
    expect(w.wait.waiting).toBe(false);
    expect(w.timers.size).toBe(0);
  });

  it('gives up with SQLite\'s own error once a statement\'s wait is over; a statement that came later takes over the probing alone, for the rest of its own wait', async () => {
    const w = world();
    const a = w.statement('a', 'A').catch((e: unknown) => e);
    while (w.now() === 0) await turn();
    const laterFrom = w.now();
    const later = ['b', 'c', 'd'].map((n) => w.statement(n, n).catch((e: unknown) => e));
    let aEnded = -1;
    const ea = await a.then((e) => ((aEnded = w.now()), e));
    expect(lockTaken(ea)).toBe(true);
    expect(aEnded).toBe(WRITE_LOCK.waitMs); // the pauses never overshoot a wait
    const attemptsWhenAEnded = w.attempts.length;
    const rest = await Promise.all(later);
    for (const e of rest) expect(lockTaken(e)).toBe(true);
    expect(w.now()).toBe(laterFrom + WRITE_LOCK.waitMs);
    // After `a` gave up, one of b, c, d probed and the others did not try: no stampede.
    const after = w.attempts.slice(attemptsWhenAEnded);
    expect(new Set(after).size).toBe(1);
    expect(w.wait.waiting).toBe(false);
    expect(w.timers.size).toBe(0);
    // The lock freed later: the next statement runs at once.
    w.free();
    expect(await w.statement('e', 'E')).toBe('E');
  });

  it('gives up a waiting statement at its own deadline even while another probes', async () => {
    const w = world();
    const a = w.statement('a', 'A').catch((e: unknown) => e);
    while (w.now() === 0) await turn();
    // `b` may wait only 50 ms, while `a` probes for 5 s.
    const waitMs = WRITE_LOCK.waitMs;
    WRITE_LOCK.waitMs = 50;
    const bFrom = w.now();
    const b = w.statement('b', 'B').catch((e: unknown) => e);
    await turn(); // its first try failed and its wait began, at 50 ms
    WRITE_LOCK.waitMs = waitMs;
    let bEnded = -1;
    expect(lockTaken(await b.then((e) => ((bEnded = w.now()), e)))).toBe(true);
    expect(bEnded).toBeGreaterThanOrEqual(bFrom + 50);
    expect(bEnded).toBeLessThan(bFrom + 50 + WRITE_LOCK.maxPauseMs + 1);
    expect(w.attempts.filter((x) => x === 'b')).toEqual(['b']);
    expect(w.wait.waiting).toBe(true); // `a` still probes
    w.free();
    expect(await a).toBe('A');
  });

  it('never runs again a statement that failed otherwise than on the lock', async () => {
    let tries = 0;
    const wait = new WriteLockWait({ now: () => 0, pause: async () => undefined, after: () => () => undefined });
    await expect(wait.run(async () => {
      tries++;
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    }, busy())).rejects.toMatchObject({ code: 'SQLITE_IOERR' });
    expect(tries).toBe(1);
  });

  it('tells the lock taken by its codes', () => {
    expect(lockTaken(busy())).toBe(true);
    expect(lockTaken({ code: 'SQLITE_BUSY_RECOVERY' })).toBe(true);
    for (const e of [{ code: 'SQLITE_LOCKED' }, new Error('database is locked'), null, undefined, { code: 5 }]) expect(lockTaken(e)).toBe(false);
  });
});
