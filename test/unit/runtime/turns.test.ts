import { describe, expect, it } from 'vitest';
import { LoopTurns, backgroundTurn, backgroundTurns, foregroundBegin, onBackgroundStep, yieldToEventLoop } from '../../../src/runtime/turns.js';

/** Whether `p` has settled after two turns of the event loop (then waits for it either way). */
async function settlesInTwoTurns(p: Promise<void>): Promise<boolean> {
  let done = false;
  const watched = p.then(() => { done = true; });
  await yieldToEventLoop();
  await yieldToEventLoop();
  const settled = done;
  await watched;
  return settled;
}

describe('background work gives way to requests being served', () => {
  it('with no request in flight, a background turn is only a turn of the event loop', async () => {
    expect(await settlesInTwoTurns(backgroundTurn())).toBe(true);
  });

  it('while a request is being served, the next background step waits for its answer', async () => {
    const end = foregroundBegin();
    let done = false;
    const turn = backgroundTurn().then(() => { done = true; });
    for (let i = 0; i < 5; i++) await yieldToEventLoop();
    expect(done).toBe(false);
    end();
    await turn;
    expect(done).toBe(true);
  });

  it('waits for every request in flight, and ending one twice counts once', async () => {
    const a = foregroundBegin();
    const b = foregroundBegin();
    let done = false;
    const turn = backgroundTurn().then(() => { done = true; });
    a();
    a();
    for (let i = 0; i < 5; i++) await yieldToEventLoop();
    expect(done).toBe(false);
    b();
    await turn;
    expect(done).toBe(true);
  });

  it('never waits for ever: a request that is never answered holds background work back only briefly', async () => {
    const end = foregroundBegin();
    try {
      await backgroundTurn(); // resolves after BACKGROUND_WAIT_MAX_MS although the request is still in flight
    } finally {
      end();
    }
  });
});

describe('a heavy background loop takes a share of a busy thread (backgroundTurns)', () => {
  const spin = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) { /* a step's work */ }
  };

  it('with no request served during its step, the next turn is only a turn of the event loop', async () => {
    const turn = backgroundTurns();
    await turn();
    spin(20);
    expect(await settlesInTwoTurns(turn())).toBe(true);
  });

  it('with requests in flight all through its step, the next turn waits about three steps (a quarter of the time), even once they are answered', async () => {
    const turn = backgroundTurns();
    await turn();
    const end = foregroundBegin();
    spin(40);
    end(); // answered: no request in flight now, and the loop still waits its share
    const t0 = performance.now();
    await turn();
    // A lower bound only (a busy machine makes timers late, never early): 40 ms × 3 = 120 ms.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('the first turn of a loop counts no step and goes at once', async () => {
    const end = foregroundBegin();
    try {
      expect(await settlesInTwoTurns(backgroundTurns()())).toBe(true);
    } finally {
      end();
    }
  });
});

describe('foreground loops share the event loop a step at a time (LoopTurns)', () => {
  it('three loops take one step per turn of the event loop between them, in the order they asked, each step ending and starting with the open commit groups closed', async () => {
    const turns = new LoopTurns();
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    let closes = 0;
    const stop = onBackgroundStep(() => closes++);
    const steps: Array<{ loop: string; turn: number; closesBefore: number }> = [];
    const loop = async (name: string) => {
      for (let i = 0; i < 3; i++) {
        await turns.next();
        steps.push({ loop: name, turn, closesBefore: closes });
      }
    };
    try {
      await Promise.all([loop('a'), loop('b'), loop('c')]);
    } finally {
      ticking = false;
      stop();
    }
    expect(steps.map((s) => s.loop).join('')).toBe('abcabcabc');
    // Never two steps in one turn of the event loop.
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.turn).toBeGreaterThan(steps[i - 1]!.turn);
    // Each step is preceded by closes: its own loop's previous step's end, and its own start.
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.closesBefore).toBeGreaterThan(steps[i - 1]!.closesBefore);
  });
});
