import { defineConfig } from 'vitest/config';

// The admin web app's browser journeys (test/browser): a real Muster on port 0 serving the built
// app (dist/web, so `npm run build` first), driven in Chromium through playwright-core. One file at
// a time: Chromium is heavy and the journeys share nothing.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for the page to reach a state; vitest's default of 1 s is a wall-clock
    // bound that a busy 2-core machine can miss (a click's round trip, a re-render). Waiting as long
    // as Playwright's own actions do (browser.ts: 20 s) changes no assertion: a state that never
    // comes still fails, only later.
    expect: { poll: { timeout: 20_000 } },
    maxWorkers: 1,
    fileParallelism: false,
    // Each journey starts from its own Muster and browser context: shuffled, as vitest.config.ts.
    sequence: { shuffle: true },
    reporters: ['default'],
  },
});
