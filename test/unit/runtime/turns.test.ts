import { describe, expect, it } from 'vitest';
import { backgroundTurn, foregroundBegin, yieldToEventLoop } from '../../../src/runtime/turns.js';

describe('background work gives way to requests being served', () => {
  it('with no request in flight, a background turn is only a turn of the event loop', async () => {
    let done = false;
    const turn = backgroundTurn().then(() => { done = true; });
    await yieldToEventLoop();
    await yieldToEventLoop();
    expect(done).toBe(true);
    await turn;
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
