/** Turns per key (src/runtime/turn-gate.ts): a few at once per key, the rest in order, past a cap refused; keys apart. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TurnGate } from '../../../src/runtime/turn-gate.js';

describe('TurnGate', () => {
  it('lets `running` in at once, queues the next in order, refuses past `waiting`, and keeps keys apart', async () => {
    const gate = new TurnGate(2, 2);
    const order: string[] = [];
    const a1 = await gate.enter('a')!;
    const a2 = await gate.enter('a')!;
    const a3 = gate.enter('a')!.then((r) => (order.push('a3'), r));
    const a4 = gate.enter('a')!.then((r) => (order.push('a4'), r));
    expect(gate.enter('a')).toBeUndefined();
    expect(gate.load('a')).toEqual({ running: 2, waiting: 2 });
    // Another key is not held by a's turns.
    const b1 = await gate.enter('b')!;
    b1();
    a1();
    (await a3)();
    a2();
    a2(); // a second call changes nothing
    (await a4)();
    expect(order).toEqual(['a3', 'a4']);
    expect(gate.load('a')).toEqual({ running: 0, waiting: 0 });
  });

  it('never has more than `running` holders of a key, and lets every caller in once the holders release, in any order', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
      async (running, waiting, picks) => {
        const gate = new TurnGate(running, waiting);
        const held: (() => void)[] = [];
        let entered = 0, refused = 0, most = 0;
        const pending: Promise<void>[] = [];
        for (let i = 0; i < picks.length; i++) {
          const p = gate.enter('k');
          if (!p) {
            refused++;
            continue;
          }
          pending.push(p.then((release) => {
            entered++;
            held.push(release);
          }));
        }
        await Promise.resolve();
        // Release holders in the order the picks choose, until everyone admitted has had a turn.
        let k = 0;
        while (held.length) {
          await new Promise((r) => setImmediate(r));
          most = Math.max(most, gate.load('k').running);
          const [release] = held.splice(picks[k++ % picks.length]! % held.length, 1);
          release!();
          await new Promise((r) => setImmediate(r));
        }
        await Promise.all(pending);
        expect(most).toBeLessThanOrEqual(running);
        expect(entered + refused).toBe(picks.length);
        expect(refused).toBe(Math.max(0, picks.length - running - waiting));
        expect(gate.load('k')).toEqual({ running: 0, waiting: 0 });
      }), { numRuns: 100 });
  });
});
