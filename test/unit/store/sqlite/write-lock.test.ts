/**
 * WriteLockWait: a transaction whose BEGIN found SQLite's write lock taken by another process is
 * tried again after pauses, by one prober at a time, until it gets the lock or its wait is over;
 * nothing that started is ever run twice. Time here is a counter the pauses move, not the clock.
 */
import { describe, expect, it } from 'vitest';
import { WRITE_LOCK, WriteLockWait, lockTaken } from '../../../../src/store/sqlite/write-lock.js';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

/** A lock another process holds until `free()`, and a clock that only the pauses move. */
function world() {
  let t = 0;
  let held = true;
  const pauses: number[] = [];
  const attempts: string[] = [];
  const wait = new WriteLockWait(() => t, async (ms) => {
    pauses.push(ms);
    await new Promise((r) => setImmediate(r));
    t += ms;
  });
  /** A transaction named `name`: its BEGIN fails while the lock is held; `body` runs once started. */
  const tx = <T>(name: string, body: () => T) => wait.run(async (started) => {
    attempts.push(name);
    if (held) throw busy();
    started();
    return body();
  });
  return { wait, tx, pauses, attempts, free: () => (held = false), hold: () => (held = true), now: () => t };
}

describe('WriteLockWait', () => {
  it('runs at once when the lock is free, and tries once', async () => {
    const w = world();
    w.free();
    expect(await w.tx('a', () => 1)).toBe(1);
    expect(w.attempts).toEqual(['a']);
    expect(w.pauses).toEqual([]);
  });

  it('tries again after growing pauses until the lock is free; the others wait for the one probing and then run', async () => {
    const w = world();
    const a = w.tx('a', () => 'A');
    // Two more transactions while `a` probes: they do not try the lock themselves.
    await new Promise((r) => setImmediate(r));
    expect(w.wait.waiting).toBe(true);
    const b = w.tx('b', () => 'B');
    const c = w.tx('c', () => 'C');
    while (w.pauses.length < 4) await new Promise((r) => setImmediate(r));
    expect(w.attempts.every((x) => x === 'a')).toBe(true);
    w.free();
    expect(await Promise.all([a, b, c])).toEqual(['A', 'B', 'C']);
    expect(w.attempts.filter((x) => x === 'b')).toEqual(['b']);
    expect(w.attempts.filter((x) => x === 'c')).toEqual(['c']);
    // 5, 10, 20, 40, … ms: doubling, up to the most.
    expect(w.pauses.slice(0, 4)).toEqual([WRITE_LOCK.firstPauseMs, WRITE_LOCK.firstPauseMs * 2, WRITE_LOCK.firstPauseMs * 4, WRITE_LOCK.firstPauseMs * 8]);
    expect(Math.max(...w.pauses)).toBeLessThanOrEqual(WRITE_LOCK.maxPauseMs);
    expect(w.wait.waiting).toBe(false);
  });

  it('gives up with SQLite\'s own error once the wait is over, for the prober and every transaction waiting with it', async () => {
    const w = world();
    const a = w.tx('a', () => 'A').catch((e: unknown) => e);
    while (w.now() === 0) await new Promise((r) => setImmediate(r));
    const bFrom = w.now();
    expect(bFrom).toBeGreaterThan(0); // `a` had paused once
    let aEnded = -1;
    const b = w.tx('b', () => 'B').catch((e: unknown) => e);
    const [ea, eb] = await Promise.all([a.then((e) => ((aEnded = w.now()), e)), b]);
    expect(lockTaken(ea)).toBe(true);
    expect(lockTaken(eb)).toBe(true);
    // Each waited its own time in all, not more: the pauses never overshoot a deadline.
    expect(aEnded).toBe(WRITE_LOCK.waitMs);
    expect(w.now()).toBe(bFrom + WRITE_LOCK.waitMs);
    // `b` tried the lock only after `a` gave up, for the rest of its own wait.
    expect(w.attempts.indexOf('b')).toBeGreaterThan(w.attempts.lastIndexOf('a'));
    expect(w.wait.waiting).toBe(false);
    // The lock freed later: the next transaction runs at once.
    w.free();
    expect(await w.tx('c', () => 'C')).toBe('C');
  });

  it('never runs again a transaction that started, whatever it failed with, nor one that failed otherwise than on the lock', async () => {
    const w = world();
    w.free();
    await expect(w.tx('started', () => {
      throw busy(); // SQLITE_BUSY after BEGIN: a statement of the body, not the lock
    })).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(w.attempts).toEqual(['started']);
    const other = new WriteLockWait(() => 0, async () => undefined);
    let tries = 0;
    await expect(other.run(async () => {
      tries++;
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    })).rejects.toMatchObject({ code: 'SQLITE_IOERR' });
    expect(tries).toBe(1);
  });

  it('tells the lock taken by its codes', () => {
    expect(lockTaken(busy())).toBe(true);
    expect(lockTaken({ code: 'SQLITE_BUSY_RECOVERY' })).toBe(true);
    for (const e of [{ code: 'SQLITE_LOCKED' }, new Error('database is locked'), null, undefined, { code: 5 }]) expect(lockTaken(e)).toBe(false);
  });
});
